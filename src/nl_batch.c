/* nl_batch.c: many netlink requests per sendmsg(2), every ack matched
 * back to its caller's cookie by sequence number.
 *
 * Messages are built one after the other in a single growing buffer;
 * commit sends them in chunks of whole messages (at most 64 KiB each)
 * and reads every ack of a chunk before the next goes out, so the
 * receive buffer holds at most one chunk's acks. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "nl.h"
#include "nl_int.h"

#define NL_CHUNK_MAX	(64 * 1024)

struct nl_req {
	uint32_t	seq;
	uint32_t	off;		/* of its header in buf */
	void		*cookie;
	bool		acked;
};

struct nl_batch {
	struct nl_sock	*s;
	char		*buf;
	size_t		len, cap;	/* len: up to the last message's start */
	struct nl_req	*v;
	size_t		n, nreq_cap;
};

int nl_batch_new(struct nl_sock *s, struct nl_batch **out)
{
	struct nl_batch *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return -ENOMEM;
	b->s = s;
	*out = b;
	return 0;
}

void nl_batch_free(struct nl_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->v);
	free(b);
}

size_t nl_batch_count(const struct nl_batch *b)
{
	return b->n;
}

/* The end of the last message put, now that its attributes are in. */
static size_t batch_end(const struct nl_batch *b)
{
	const struct nlmsghdr *last;

	if (!b->n)
		return 0;
	last = (const struct nlmsghdr *)(b->buf + b->v[b->n - 1].off);
	return b->v[b->n - 1].off + NLMSG_ALIGN(last->nlmsg_len);
}

struct nlmsghdr *nl_batch_msg(struct nl_batch *b, uint16_t type, uint16_t flags,
			      size_t hdrlen, void **hdr, void *cookie)
{
	size_t off = batch_end(b);
	struct nlmsghdr *nlh;

	if (hdrlen > NL_MSG_MAX / 2)
		return NULL;
	if (off + NL_MSG_MAX > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64 * 1024;
		char *nb;

		while (cap < off + NL_MSG_MAX)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb)
			return NULL;
		b->buf = nb;
		b->cap = cap;
	}
	if (b->n == b->nreq_cap) {
		size_t cap = b->nreq_cap ? b->nreq_cap * 2 : 256;
		struct nl_req *v = reallocarray(b->v, cap, sizeof(*v));

		if (!v)
			return NULL;
		b->v = v;
		b->nreq_cap = cap;
	}
	/* Zeroed so a message's unused room never carries old bytes. */
	memset(b->buf + off, 0, NL_MSG_MAX);
	nlh = mnl_nlmsg_put_header(b->buf + off);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++b->s->seq;
	if (hdr)
		*hdr = hdrlen ? mnl_nlmsg_put_extra_header(nlh, hdrlen) : NULL;
	else if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	b->v[b->n] = (struct nl_req){ .seq = nlh->nlmsg_seq, .off = (uint32_t)off,
				      .cookie = cookie };
	b->n++;
	return nlh;
}

static int batch_send(struct nl_batch *b, const char *p, size_t len, int64_t deadline)
{
	for (;;) {
		ssize_t n = mnl_socket_sendto(b->s->mnl, p, len);
		int rc;

		if (n >= 0)
			return (size_t)n == len ? 0 : -EMSGSIZE;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = nl_wait(b->s, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
}

/* Match the acks in s->rbuf to requests [first, last); returns how many
 * were acknowledged, counting refusals into *refused. */
static size_t batch_acks(struct nl_batch *b, size_t n, size_t first, size_t last,
			 nl_ack_cb cb, void *arg, int *refused)
{
	const struct nlmsghdr *m = (const struct nlmsghdr *)b->s->rbuf;
	size_t left = n, got = 0;

	for (; nl_msg_ok(m, left); m = nl_msg_next(m, &left)) {
		char text[512];
		const char *txt;
		size_t tlen, i;
		int err;

		if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_pid != b->s->portid)
			continue;
		/* Sequence numbers of a batch are consecutive. */
		i = first + (size_t)(m->nlmsg_seq - b->v[first].seq);
		if (m->nlmsg_seq - b->v[first].seq >= last - first || b->v[i].acked)
			continue;
		if (nl_parse_error(m, left, &err, &txt, &tlen) < 0)
			continue;
		if (tlen >= sizeof(text))
			tlen = sizeof(text) - 1;
		memcpy(text, txt, tlen);
		text[tlen] = '\0';
		b->v[i].acked = true;
		got++;
		if (err)
			(*refused)++;
		if (cb)
			cb(b->v[i].cookie, err, text, arg);
	}
	return got;
}

/* Where message k ends (the last one's end is end). */
static size_t msg_end(const struct nl_batch *b, size_t k, size_t end)
{
	return k + 1 < b->n ? b->v[k + 1].off : end;
}

int nl_batch_commit(struct nl_batch *b, nl_ack_cb cb, void *arg)
{
	size_t end = batch_end(b), i = 0;
	int64_t deadline;
	int refused = 0, rc = 0;

	if (!b->n)
		return 0;
	nl_drain(b->s);
	while (i < b->n) {
		size_t j = i, got = 0;
		size_t start = b->v[i].off, stop;

		/* A chunk of whole messages, at most NL_CHUNK_MAX bytes and
		 * no more acks than the receive buffer holds (a dropped ack
		 * would leave its request's fate unknown). */
		j = i + 1;
		while (j < b->n && j - i < b->s->max_acks &&
		       msg_end(b, j, end) - start <= NL_CHUNK_MAX)
			j++;
		stop = msg_end(b, j - 1, end);
		/* The bound is per chunk: the kernel answers inside sendmsg,
		 * so it is only ever spent waiting on a kernel gone quiet. */
		deadline = nl_now_ms() + NL_WAIT_MS;
		rc = batch_send(b, b->buf + start, stop - start, deadline);
		if (rc < 0)
			break;
		while (got < j - i) {
			ssize_t n = nl_recv(b->s, deadline);

			if (n < 0) {
				rc = (int)n;
				break;
			}
			got += batch_acks(b, (size_t)n, i, j, cb, arg, &refused);
		}
		if (rc < 0)
			break;
		i = j;
	}
	if (rc < 0) {
		/* Whatever was not acknowledged failed with the exchange. */
		for (size_t k = 0; k < b->n; k++) {
			if (b->v[k].acked)
				continue;
			refused++;
			if (cb)
				cb(b->v[k].cookie, rc == -ETIMEDOUT ? -ETIMEDOUT : -EIO, "", arg);
		}
	}
	b->n = 0;
	return rc < 0 ? rc : refused;
}
