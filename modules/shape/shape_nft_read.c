/* shape_nft_read.c: table inet outpost as the kernel holds it.
 *
 * nftables has no dump of a whole table: tables, sets, each set's
 * elements, chains, rules, objects and flowtables are separate dumps.
 * The ruleset's generation id is read before and after; when it moved
 * (someone committed in between) the read starts again, so what comes
 * back is one state of the table, not a mix of two. Each reply buffer
 * is walked with nl_msg_ok/nl_msg_next and each message handed to
 * shape_nft_parse_msg(). Requests are built with libnftnl's header
 * helper; nothing the kernel sends goes through libnftnl's parsers
 * (they exit() on a malformed attribute). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>

#include "nl.h"
#include "shape_nft_int.h"

#define READ_TRIES 5
#define REPLY_TIMEOUT_MS 5000
#define RBUF_SIZE (64u * 1024u)

struct rd {
	int fd;
	uint32_t seq;
	char *buf;
	struct shape_nft_parse *p;
	uint32_t gen;
	bool have_gen;
};

typedef void (*fill_fn)(struct nlmsghdr *nlh, const void *arg);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int gen_msg(struct rd *r, const struct nlmsghdr *nlh)
{
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN &&
	    nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(struct nfgenmsg) &&
	    shape_nft_attr_u32(nlh, NFTA_GEN_ID, &r->gen))
		r->have_gen = true;
	return 0;
}

/* Send one request and take its replies until NLMSG_DONE (a dump) or
 * its ack: 0, -EAGAIN when a dump was interrupted by a change, -ENOENT
 * for what does not exist, or -errno. */
static int talk(struct rd *r, uint16_t type, bool dump, fill_fn fill, const void *arg)
{
	char req[1024];
	struct nlmsghdr *nlh;
	int64_t deadline = now_ms() + REPLY_TIMEOUT_MS;
	bool intr = false;

	nlh = nftnl_nlmsg_build_hdr(req, type, NFPROTO_INET, dump ? NLM_F_DUMP : NLM_F_ACK,
				    ++r->seq);
	if (fill)
		fill(nlh, arg);
	if (send(r->fd, req, nlh->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct iovec iov = { .iov_base = r->buf, .iov_len = RBUF_SIZE };
		struct sockaddr_nl snl;
		struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl),
				      .msg_iov = &iov, .msg_iovlen = 1 };
		const struct nlmsghdr *m;
		ssize_t got = recvmsg(r->fd, &msg, MSG_DONTWAIT);
		size_t left;

		if (got < 0) {
			struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
			int64_t wait = deadline - now_ms();

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			if (wait <= 0 || poll(&pfd, 1, (int)wait) == 0)
				return -ETIMEDOUT;
			continue;
		}
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		left = (size_t)got;
		for (m = (const void *)r->buf; nl_msg_ok(m, left); m = nl_msg_next(m, &left)) {
			const char *txt;
			size_t tl;
			int err, rc;

			if (m->nlmsg_seq != r->seq)
				continue;  /* a stale reply of an earlier request */
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (m->nlmsg_type == NLMSG_DONE)
				return intr ? -EAGAIN : 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				if (nl_parse_error(m, left, &err, &txt, &tl) < 0)
					return -EPROTO;
				if (err < 0 || !dump)
					return err;
				continue;
			}
			if (type == NFT_MSG_GETGEN)
				rc = gen_msg(r, m);
			else
				rc = shape_nft_parse_msg(r->p, m, left);
			if (rc < 0)
				return rc;
		}
	}
}

static void fill_table(struct nlmsghdr *nlh, const void *attr)
{
	/* The dump's filter: only objects of our table (attr is the
	 * message kind's table attribute). */
	mnl_attr_put_strz(nlh, *(const uint16_t *)attr, SHAPE_NFT_TABLE);
}

static void fill_elems(struct nlmsghdr *nlh, const void *name)
{
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, SHAPE_NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, name);
}

/* Dumps that come back empty because the table went away meanwhile
 * are caught by the generation check. */
static int dump(struct rd *r, uint16_t type, fill_fn fill, const void *arg)
{
	int rc = talk(r, type, true, fill, arg);

	return rc == -ENOENT ? 0 : rc;
}

static int read_once(struct rd *r, bool *stable)
{
	static const uint16_t set_attr = NFTA_SET_TABLE, rule_attr = NFTA_RULE_TABLE,
			      obj_attr = NFTA_OBJ_TABLE, ft_attr = NFTA_FLOWTABLE_TABLE;
	uint32_t gen;
	int rc;

	*stable = false;
	r->have_gen = false;
	rc = talk(r, NFT_MSG_GETGEN, false, NULL, NULL);
	if (rc < 0)
		return rc;
	gen = r->gen;
	rc = dump(r, NFT_MSG_GETTABLE, NULL, NULL);
	if (rc == 0 && r->p->present) {
		rc = dump(r, NFT_MSG_GETSET, fill_table, &set_attr);
		for (size_t i = 0; rc == 0 && i < r->p->nsets; i++)
			rc = dump(r, NFT_MSG_GETSETELEM, fill_elems, r->p->sets[i].name);
		if (rc == 0)
			rc = dump(r, NFT_MSG_GETCHAIN, NULL, NULL);
		if (rc == 0)
			rc = dump(r, NFT_MSG_GETRULE, fill_table, &rule_attr);
		if (rc == 0)
			rc = dump(r, NFT_MSG_GETOBJ, fill_table, &obj_attr);
		if (rc == 0)
			rc = dump(r, NFT_MSG_GETFLOWTABLE, fill_table, &ft_attr);
	}
	if (rc == -EAGAIN)
		return 0;
	if (rc < 0)
		return rc;
	rc = talk(r, NFT_MSG_GETGEN, false, NULL, NULL);
	if (rc < 0)
		return rc;
	*stable = r->have_gen && r->gen == gen;
	return 0;
}

int shape_nft_read_state(struct shape_nft_parse *p, uint32_t *gen)
{
	struct rd r = { .p = p };
	struct nl_sock *s = NULL;
	bool stable = false;
	int rc;

	memset(p, 0, sizeof(*p));
	r.buf = malloc(RBUF_SIZE);
	if (!r.buf)
		return -ENOMEM;
	rc = nl_open(NETLINK_NETFILTER, 0, &s);
	if (rc < 0)
		goto out;
	r.fd = nl_fd(s);
	r.seq = (uint32_t)time(NULL);
	for (int tries = 0; tries < READ_TRIES && !stable; tries++) {
		shape_nft_parse_free(p);
		rc = read_once(&r, &stable);
		if (rc < 0)
			goto out;
	}
	rc = stable ? 0 : -EAGAIN;
	*gen = r.gen;
out:
	if (rc < 0)
		shape_nft_parse_free(p);
	nl_close(s);
	free(r.buf);
	return rc;
}

int shape_nft_read(struct shape_knft *out)
{
	struct shape_nft_parse p;
	uint32_t gen;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = shape_nft_read_state(&p, &gen);
	if (rc == 0)
		rc = shape_nft_parse_finish(&p, out);
	shape_nft_parse_free(&p);
	return rc;
}
