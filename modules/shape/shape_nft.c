/* shape_nft.c: replacing table inet outpost in one nftables transaction.
 *
 * Everything goes into one libnftnl batch (NFNL_MSG_BATCH_BEGIN ...
 * END) sent with one sendmsg(2): the kernel applies all of it or, on
 * any refusal, none of it. When the table is already ours, the batch
 * swaps its content in place (flush chain egress, change the elements
 * of the sets that stay, add the rules: see shape_nft_txn) under the
 * generation id it was read at, so no packet passes the chain
 * unclassified; -ERESTART (someone committed meanwhile) reads again.
 * Otherwise the table is added, deleted and added again inside the
 * batch, which works whether or not it was there. Every message asks
 * for an ack; the first refusal is named by the object it carried (the
 * model's set, element or rule) with the kernel's extended-ACK text.
 * The messages are built in shape_nft_build.c. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>

#include "nl.h"
#include "shape_nft_int.h"

/* Batch pages like nft's; no single message of ours comes near the
 * overrun (elements go SHAPE_NFT_ELEMS_PER_MSG to a message). */
#define PAGE_SIZE_B (128u * 1024u)
#define OVERRUN_B (64u * 1024u + 4096u)
#define ACK_TIMEOUT_MS 5000
#define COMMIT_TRIES 3

/* ---- talking to the kernel ---- */

static int txn_send(int fd, struct shape_nft_txn *t)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { 0 };
	size_t total = 0;
	ssize_t w;
	int size;

	t->niov = nftnl_batch_iovec_len(t->b);
	t->iov = calloc((size_t)t->niov, sizeof(*t->iov));
	if (!t->iov)
		return -ENOMEM;
	nftnl_batch_iovec(t->b, t->iov, (uint32_t)t->niov);
	for (int i = 0; i < t->niov; i++)
		total += t->iov[i].iov_len;
	/* The whole batch is one datagram: the send buffer must hold it. */
	size = total + 65536 > (size_t)1 << 30 ? 1 << 30 : (int)(total + 65536);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = t->iov;
	msg.msg_iovlen = (size_t)t->niov;
	do
		w = sendmsg(fd, &msg, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == total ? 0 : -EIO;
}

/* The offset into the refused message of the attribute the kernel
 * blames (NLMSGERR_ATTR_OFFS), when it sent one. */
static bool ack_offset(const struct nlmsghdr *nlh, uint32_t *off)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t pos = NLMSG_HDRLEN + sizeof(*e), end = nlh->nlmsg_len;
	const unsigned char *p = (const unsigned char *)nlh;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		pos += NLMSG_ALIGN(e->msg.nlmsg_len >= NLMSG_HDRLEN ? e->msg.nlmsg_len - NLMSG_HDRLEN
								   : 0);
	while (pos + sizeof(struct nlattr) <= end) {
		struct nlattr a;

		memcpy(&a, p + pos, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > end - pos)
			return false;
		if ((a.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_OFFS && a.nla_len == sizeof(a) + 4) {
			memcpy(off, p + pos + sizeof(a), 4);
			return true;
		}
		pos += NLMSG_ALIGN((size_t)a.nla_len);
	}
	return false;
}

/* The message of the batch with this sequence number (our own bytes:
 * pages hold whole messages). */
static const struct nlmsghdr *sent_msg(const struct shape_nft_txn *t, uint32_t seq)
{
	for (int i = 0; i < t->niov; i++) {
		const struct nlmsghdr *m = t->iov[i].iov_base;
		size_t left = t->iov[i].iov_len;

		for (; nl_msg_ok(m, left); m = nl_msg_next(m, &left))
			if (m->nlmsg_seq == seq)
				return m;
	}
	return NULL;
}

/* The element at byte off of the refused element message, as the
 * prefix of set s it starts or ends: " { 10.1.0.0/16 }", or "". */
static void blamed_elem(const struct shape_nft_txn *t, uint32_t seq, uint32_t off,
			const struct shape_nft_set *s, char *out, size_t len)
{
	const struct nlmsghdr *m = sent_msg(t, seq);
	const struct nlattr *a, *list = NULL, *k;
	uint32_t klen = shape_nft_addr_len(s->family);
	char p[64];

	out[0] = '\0';
	if (!m)
		return;
	mnl_attr_for_each(a, m, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	if (!list)
		return;
	mnl_attr_for_each_nested(a, list) {
		size_t start = (size_t)((const char *)a - (const char *)m);

		if (off < start || off >= start + a->nla_len)
			continue;
		mnl_attr_for_each_nested(k, a) {
			const struct nlattr *v = mnl_attr_get_payload(k);

			if (mnl_attr_get_type(k) != NFTA_SET_ELEM_KEY ||
			    mnl_attr_get_payload_len(v) != klen)
				continue;
			for (size_t j = 0; j < s->nelems; j++) {
				uint8_t hi[16];
				bool closed = shape_nft_prefix_end(&s->elems[j], hi);

				if (memcmp(s->elems[j].addr, mnl_attr_get_payload(v), klen) == 0 ||
				    (closed && memcmp(hi, mnl_attr_get_payload(v), klen) == 0)) {
					shape_prefix_format(&s->elems[j], p, sizeof(p));
					snprintf(out, len, " { %s }", p);
					return;
				}
			}
		}
		return;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void describe(const struct shape_nft_txn *t, const struct shape_nft_sent *s,
		     const char *elem, int err,
		     const char *extack, char *why, size_t whylen)
{
	char obj[700];

	switch (s ? s->what : SHAPE_NFT_W_TABLE_ADD) {
	case SHAPE_NFT_W_TABLE_ADD:
		snprintf(obj, sizeof(obj), "%s table inet " SHAPE_NFT_TABLE,
			 s ? "add" : "nftables batch for");
		break;
	case SHAPE_NFT_W_TABLE_DEL:
		snprintf(obj, sizeof(obj), "delete table inet " SHAPE_NFT_TABLE);
		break;
	case SHAPE_NFT_W_SET:
	case SHAPE_NFT_W_ELEMS:
		snprintf(obj, sizeof(obj), "add %s inet " SHAPE_NFT_TABLE " %s%s",
			 s->what == SHAPE_NFT_W_SET ? "set" : "element", t->nft->sets[s->idx].name, elem);
		break;
	case SHAPE_NFT_W_FLUSH:
		snprintf(obj, sizeof(obj), "flush chain inet " SHAPE_NFT_TABLE " " SHAPE_NFT_CHAIN);
		break;
	case SHAPE_NFT_W_ELEMS_DEL:
		snprintf(obj, sizeof(obj), "delete element inet " SHAPE_NFT_TABLE " %s%s",
			 t->nft->sets[s->idx].name, elem);
		break;
	case SHAPE_NFT_W_SET_DEL:
		snprintf(obj, sizeof(obj), "delete set inet " SHAPE_NFT_TABLE " %s",
			 t->old ? t->old->sets[s->idx].name : "?");
		break;
	case SHAPE_NFT_W_CHAIN:
		snprintf(obj, sizeof(obj), "add chain inet " SHAPE_NFT_TABLE " " SHAPE_NFT_CHAIN);
		break;
	case SHAPE_NFT_W_RULE: {
		char rule[512];

		shape_nft_rule_text(t->nft, &t->nft->rules[s->idx], rule, sizeof(rule));
		snprintf(obj, sizeof(obj), "add rule inet " SHAPE_NFT_TABLE " " SHAPE_NFT_CHAIN " %s",
			 rule);
		break;
	}
	}
	snprintf(why, whylen, "%s: %s", obj, extack && *extack ? extack : strerror(-err));
}

/* Read the acks of every message until all have come (the kernel
 * queues them all before sendmsg returns; the timeout only guards
 * against a kernel that does otherwise), or until the batch itself was
 * refused. The first refusal in batch order goes into why. */
static int txn_acks(int fd, struct shape_nft_txn *t, char *why, size_t whylen)
{
	size_t got = 0, first = SIZE_MAX, bufsz = 65536;
	int64_t deadline = now_ms() + ACK_TIMEOUT_MS;
	int rc = 0, first_err = 0;
	char *buf = malloc(bufsz);

	if (!buf)
		return -ENOMEM;
	while (got < t->n) {
		const struct nlmsghdr *nlh;
		size_t left;
		ssize_t r = recv(fd, buf, bufsz, MSG_DONTWAIT);

		if (r < 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int64_t wait = deadline - now_ms();

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				rc = -errno;
				break;
			}
			if (wait <= 0 || poll(&pfd, 1, (int)wait) == 0) {
				rc = -ETIMEDOUT;
				break;
			}
			continue;
		}
		left = (size_t)r;
		for (nlh = (const void *)buf; nl_msg_ok(nlh, left); nlh = nl_msg_next(nlh, &left)) {
			const char *txt;
			size_t tl, idx;
			int err;

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nl_parse_error(nlh, left, &err, &txt, &tl) < 0)
				continue;
			if (nlh->nlmsg_seq == t->seq0) {
				/* The batch as a whole (no permission, say): no
				 * message in it was looked at. */
				if (err < 0) {
					describe(t, NULL, "", err, txt, why, whylen);
					rc = err;
					goto out;
				}
				continue;
			}
			idx = (size_t)(nlh->nlmsg_seq - t->seq0 - 1);
			if (idx >= t->n || t->sent[idx].acked)
				continue;
			t->sent[idx].acked = true;
			got++;
			if (err < 0 && idx < first) {
				char elem[80] = "";
				uint32_t off;

				if (t->sent[idx].what == SHAPE_NFT_W_ELEMS && ack_offset(nlh, &off))
					blamed_elem(t, nlh->nlmsg_seq, off,
						    &t->nft->sets[t->sent[idx].idx], elem,
						    sizeof(elem));
				first = idx;
				first_err = err;
				describe(t, &t->sent[idx], elem, err, txt, why, whylen);
			}
		}
	}
	if (first != SIZE_MAX)
		rc = first_err;
	else if (rc < 0)
		snprintf(why, whylen, "nftables transaction: %s (%zu of %zu acks)", strerror(-rc), got,
			 t->n);
out:
	free(buf);
	return rc;
}

static int commit_once(struct shape_nft_txn *t, char *why, size_t whylen)
{
	struct nl_sock *s = NULL;
	int rc;

	t->b = nftnl_batch_alloc(PAGE_SIZE_B, OVERRUN_B);
	if (!t->b)
		return -ENOMEM;
	t->seq0 = (uint32_t)time(NULL);
	t->seq = t->seq0;
	rc = shape_nft_txn_build(t);
	if (rc < 0) {
		snprintf(why, whylen, "building the nftables batch: %s", strerror(-rc));
		goto out;
	}
	rc = nl_open(NETLINK_NETFILTER, 0, &s);
	if (rc == 0)
		rc = txn_send(nl_fd(s), t);
	if (rc < 0) {
		snprintf(why, whylen, "sending the nftables batch: %s", strerror(-rc));
		goto out;
	}
	rc = txn_acks(nl_fd(s), t, why, whylen);
out:
	nl_close(s);
	nftnl_batch_free(t->b);
	free(t->iov);
	free(t->sent);
	return rc;
}

int shape_nft_commit(const struct shape_nft *nft, char *why, size_t whylen)
{
	char dummy[1];
	int rc;

	if (!why || !whylen) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (!nft) {
		struct shape_nft_txn t = { 0 };

		return commit_once(&t, why, whylen);
	}
	rc = shape_nft_check(nft, why, whylen);
	if (rc < 0)
		return rc;
	for (int tries = 0;; tries++) {
		struct shape_nft_txn t = { .nft = nft };
		struct shape_nft_parse old;
		uint32_t gen = 0;

		/* A table of ours is swapped in place; anything else (none,
		 * unreadable, odd) is deleted and added whole, and so is ours
		 * when others kept committing between our read and our batch
		 * (the last try needs no generation to agree). */
		t.in_place = shape_nft_read_state(&old, &gen) == 0 && old.present && old.chain &&
			     !old.odd && tries < COMMIT_TRIES - 1;
		t.old = t.in_place ? &old : NULL;
		t.genid = gen;
		rc = commit_once(&t, why, whylen);
		shape_nft_parse_free(&old);
		/* -ERESTART: someone committed since the read; read again. */
		if (rc != -ERESTART || tries == COMMIT_TRIES - 1)
			return rc;
		why[0] = '\0';
	}
}
