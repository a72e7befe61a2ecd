/* nl.c: netlink sockets, dumps, monitors and error parsing (libopnl).
 *
 * Batches live in nl_batch.c. Every socket is non-blocking; the few
 * places that wait use poll(2) on the netlink fd with a short overall
 * bound, since rtnetlink answers inside sendmsg/recvmsg and a wait here
 * is never network time. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netlink.h>

#include "nl.h"
#include "nl_int.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

int nl_open(int bus, size_t rcvbuf, struct nl_sock **out)
{
	static const int opts[] = { NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK };
	struct nl_sock *s;
	int one = 1, size, rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rbuf = malloc(NL_RBUF_SIZE);
	if (!s->rbuf) {
		rc = -ENOMEM;
		goto fail;
	}
	s->mnl = mnl_socket_open2(bus, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!s->mnl) {
		rc = -errno;
		goto fail;
	}
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto fail;
	}
	s->portid = mnl_socket_get_portid(s->mnl);
	/* Older kernels lack some of these: each is an improvement, none
	 * is required. */
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		(void)mnl_socket_setsockopt(s->mnl, opts[i], &one, sizeof(one));
	size = rcvbuf ? (rcvbuf > (size_t)1 << 30 ? 1 << 30 : (int)rcvbuf) : 4 << 20;
	if (setsockopt(nl_fd(s), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(nl_fd(s), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
		rc = -errno;
		goto fail;
	}
	{
		int got = 0;
		socklen_t gl = sizeof(got);

		if (getsockopt(nl_fd(s), SOL_SOCKET, SO_RCVBUF, &got, &gl) < 0 || got <= 0)
			got = size;
		s->max_acks = (size_t)got / NL_ACK_COST ? (size_t)got / NL_ACK_COST : 1;
	}
	/* Sequence numbers start somewhere a stale reply of an earlier
	 * process with the same port id is unlikely to match. */
	s->seq = (uint32_t)time(NULL);
	*out = s;
	return 0;
fail:
	nl_close(s);
	return rc;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s->rbuf);
	free(s);
}

/* The socket's file descriptor, for the loop. */
int nl_fd(const struct nl_sock *s)
{
	return mnl_socket_get_fd(s->mnl);
}

int nl_subscribe(struct nl_sock *s, const unsigned *groups, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int g = (int)groups[i];

		if (mnl_socket_setsockopt(s->mnl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			return -errno;
	}
	return 0;
}

int64_t nl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nl_wait(struct nl_sock *s, short events, int64_t deadline)
{
	struct pollfd p = { .fd = nl_fd(s), .events = events };

	for (;;) {
		int64_t left = deadline - nl_now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t nl_recv(struct nl_sock *s, int64_t deadline)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->mnl, s->rbuf, NL_RBUF_SIZE);
		int rc;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (deadline < 0)
			return -EAGAIN;
		rc = nl_wait(s, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
}

void nl_drain(struct nl_sock *s)
{
	/* Replies left over from an exchange that broke off would otherwise
	 * be taken for answers to the next request. */
	while (nl_recv(s, -1) >= 0)
		;
}

bool nl_msg_ok(const struct nlmsghdr *nlh, size_t len)
{
	return len >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= len;
}

const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, size_t *len)
{
	size_t step = NLMSG_ALIGN((size_t)nlh->nlmsg_len);

	/* The last message may lack its padding. */
	if (step > *len)
		step = *len;
	*len -= step;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}

int nl_parse_error(const struct nlmsghdr *nlh, size_t len, int *err, const char **extack,
		   size_t *extack_len)
{
	const struct nlmsgerr *e;
	const unsigned char *p;
	size_t off, end;

	*err = 0;
	*extack = "";
	*extack_len = 0;
	if (len < sizeof(*nlh) || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e) ||
	    nlh->nlmsg_len > len)
		return -EINVAL;
	e = (const struct nlmsgerr *)((const unsigned char *)nlh + NLMSG_HDRLEN);
	if (e->error > 0 || e->error < -4095)
		return -EINVAL;
	*err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	end = nlh->nlmsg_len;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		/* The request is echoed after the header: skip its payload. */
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return -EINVAL;
		off += NLMSG_ALIGN((size_t)e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	p = (const unsigned char *)nlh;
	while (off + sizeof(struct nlattr) <= end) {
		struct nlattr a;

		memcpy(&a, p + off, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > end - off)
			return -EINVAL;
		if ((a.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			const char *txt = (const char *)p + off + sizeof(a);
			size_t plen = a.nla_len - sizeof(a);
			size_t n = strnlen(txt, plen);

			/* Only a terminated string is text we hand on. */
			if (n < plen) {
				*extack = txt;
				*extack_len = n;
			}
		}
		off += NLMSG_ALIGN((size_t)a.nla_len);
	}
	return 0;
}

struct dump_state {
	mnl_cb_t	cb;
	void		*arg;
	bool		intr, done, stopped;
	int		err;
};

/* One reply of a dump. libmnl's mnl_cb_run() would stop at the first
 * part flagged NLM_F_DUMP_INTR (NLMSG_DONE included), leaving the rest
 * of the dump on the socket, so the parts are walked here. */
static void dump_one(struct dump_state *d, const struct nlmsghdr *nlh)
{
	int32_t e;
	const char *txt;
	size_t tlen;
	int rc;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		d->intr = true;
	switch (nlh->nlmsg_type) {
	case NLMSG_DONE:
		d->done = true;
		/* NLMSG_DONE carries the dump's error code as its payload. */
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(e)) {
			memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
			if (e < 0 && !d->err)
				d->err = e;
		}
		return;
	case NLMSG_ERROR:
		d->done = true;
		if (nl_parse_error(nlh, nlh->nlmsg_len, &rc, &txt, &tlen) < 0)
			rc = -EINVAL;
		if (!d->err)
			d->err = rc ? rc : -EPROTO;
		return;
	default:
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE || d->stopped)
			return;
		/* Keep reading to NLMSG_DONE after a stop or an error: the
		 * rest of the dump must not be left on the socket. */
		rc = d->cb(nlh, d->arg);
		if (rc == MNL_CB_ERROR) {
			d->err = -EINVAL;
			d->stopped = true;
		} else if (rc == MNL_CB_STOP) {
			d->stopped = true;
		}
	}
}

int nl_dump(struct nl_sock *s, uint16_t type, const void *hdr, size_t hdrlen,
	    void (*fill)(struct nlmsghdr *nlh, void *arg), mnl_cb_t cb, void *arg)
{
	struct dump_state d = { .cb = cb, .arg = arg };
	char req[NL_MSG_MAX];
	struct nlmsghdr *nlh;
	uint32_t seq;

	if (hdrlen > NL_MSG_MAX / 2)
		return -EINVAL;
	nl_drain(s);
	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq = ++s->seq;
	if (hdrlen)
		memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	if (fill)
		fill(nlh, arg);
	if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* The bound is per reply, not for the whole dump: the kernel makes
	 * each part as it is read, so a large table takes long only while
	 * we keep reading. */
	while (!d.done) {
		ssize_t n = nl_recv(s, nl_now_ms() + NL_WAIT_MS);
		const struct nlmsghdr *m = (const struct nlmsghdr *)s->rbuf;
		size_t left;

		if (n < 0)
			return (int)n;
		left = (size_t)n;
		for (; nl_msg_ok(m, left) && !d.done; m = nl_msg_next(m, &left)) {
			/* Replies of other requests (stale) are not ours. */
			if (m->nlmsg_seq != seq || m->nlmsg_pid != s->portid)
				continue;
			dump_one(&d, m);
		}
	}
	if (d.intr)
		return -EAGAIN;
	return d.err;
}

int nl_monitor_read(struct nl_sock *s, mnl_cb_t cb, void *arg)
{
	for (;;) {
		ssize_t n = nl_recv(s, -1);
		const struct nlmsghdr *m = (const struct nlmsghdr *)s->rbuf;
		size_t left;

		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;	/* -ENOBUFS: notifications were lost */
		left = (size_t)n;
		for (; nl_msg_ok(m, left); m = nl_msg_next(m, &left)) {
			int rc;

			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;	/* noop, overrun, stray acks */
			rc = cb(m, arg);
			if (rc == MNL_CB_ERROR)
				return -EINVAL;
			if (rc == MNL_CB_STOP)
				return 0;
		}
	}
}
