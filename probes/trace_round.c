/* trace_round.c: a trace's rounds and the answers that come back.
 *
 * A round sends every ttl's queries at once (all hops in flight together,
 * like mtr and Paris traceroute), then waits for the answers or the
 * timeout. The first round probes up to max_hops; once the target (or a
 * destination unreachable) answered at some ttl, later rounds stop there
 * and answers from beyond it are ignored. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "trace.h"

static const void *sa_addr(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return &((const struct sockaddr_in *)ss)->sin_addr;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool round_complete(const struct trace_target *t)
{
	for (size_t i = 0; i < t->nprobes; i++) {
		const struct trace_probe *p = &t->probes[i];

		if (p->state == TRACE_P_SENT && (!t->stop_ttl || p->ttl <= t->stop_ttl))
			return false;
	}
	return true;
}

static void next_round_cb(struct loop *l, void *arg)
{
	struct trace_target *t = arg;

	(void)l;
	t->timer = 0;
	trace_start_round(t);
}

/* Probes past the end were sent blind and count at no hop; when
 * interrupted, probes still waiting for an answer count nowhere either
 * (ping(8) does the same). */
void trace_count_sent(struct trace_target *t, bool settled_only)
{
	unsigned top = t->stop_ttl ? t->stop_ttl : t->max_hops;

	for (size_t i = 0; i < t->nprobes; i++) {
		const struct trace_probe *p = &t->probes[i];

		if (p->ttl <= top && !(settled_only && p->state == TRACE_P_SENT))
			t->hops[p->ttl - 1].st.sent++;
	}
}

static void round_end(struct trace_target *t)
{
	struct trace_job *tj = t->tj;
	struct loop *l = probe_job_loop(tj->job);

	t->in_round = false;
	if (t->timer)
		loop_timer_cancel(l, t->timer);
	t->timer = 0;
	trace_count_sent(t, false);
	if (t->round >= tj->rounds) {
		trace_target_done(t);
		return;
	}
	uint64_t now = loop_now_ms(), due = t->round_start + tj->interval_ms;

	t->timer = loop_timer_add(l, due > now ? due - now : 0, next_round_cb, t);
	if (!t->timer) {
		t->err = -ENOMEM;
		trace_target_done(t);
	}
}

static void round_timeout_cb(struct loop *l, void *arg)
{
	struct trace_target *t = arg;

	(void)l;
	t->timer = 0;
	for (size_t i = 0; i < t->nprobes; i++)
		if (t->probes[i].state == TRACE_P_SENT)
			t->probes[i].state = TRACE_P_TIMEDOUT;
	round_end(t);
}

void trace_start_round(struct trace_target *t)
{
	struct trace_job *tj = t->tj;
	unsigned top = t->stop_ttl ? t->stop_ttl : t->max_hops, ok = 0;
	int first_err = 0;

	t->round++;
	t->round_start = loop_now_ms();
	t->nprobes = 0;
	for (unsigned ttl = 1; ttl <= top; ttl++)
		for (unsigned q = 0; q < tj->queries; q++) {
			struct trace_probe *p = &t->probes[t->nprobes++];
			int rc = trace_send(t, ttl, t->next_key++, p);

			/* A probe that could not leave (no route, a full
			 * buffer) is a lost one, like traceroute's; the reason
			 * is kept for when nothing at all could leave. */
			if (rc < 0) {
				p->ttl = (uint8_t)ttl;
				p->state = TRACE_P_UNSENT;
				if (!first_err)
					first_err = rc;
				continue;
			}
			ok++;
		}
	if (!ok && first_err) {
		snprintf(t->why, sizeof(t->why), "sending: %s", strerror(-first_err));
		/* No route from here is an answer about the target, as a
		 * router's unreachable would be; anything else is ours. */
		if (first_err != -ENETUNREACH && first_err != -EHOSTUNREACH)
			t->err = first_err;
		trace_target_done(t);
		return;
	}
	t->in_round = true;
	t->timer = loop_timer_add(probe_job_loop(tj->job), tj->timeout_ms, round_timeout_cb, t);
	if (!t->timer) {
		t->err = -ENOMEM;
		trace_target_done(t);
	}
}

static void add_responder(struct trace_hop *h, const uint8_t *addr)
{
	for (size_t i = 0; i < h->nresp; i++)
		if (!memcmp(h->resp[i].addr, addr, 16)) {
			h->resp[i].count++;
			return;
		}
	struct trace_responder *n = reallocarray(h->resp, h->nresp + 1, sizeof(*n));

	if (!n)
		return;		/* the answer still counts, only its address is lost */
	h->resp = n;
	memset(&n[h->nresp], 0, sizeof(*n));
	memcpy(n[h->nresp].addr, addr, 16);
	n[h->nresp++].count = 1;
}

static bool is_port_unreach(const struct trace_reply *r)
{
	return r->kind == TRACE_R_UNREACH && r->code == (r->family == AF_INET ? 3 : 4);
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	double ms = (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;

	return ms < 0 ? 0 : ms;
}

static void handle_reply(struct trace_target *t, const struct trace_reply *r,
    const struct timespec *ts)
{
	const uint8_t *dst = sa_addr(&t->dst);
	bool from_dst = !memcmp(r->from, dst, alen(t->family));
	struct trace_probe *p = NULL;
	uint32_t key;

	if (r->kind == TRACE_R_ECHO_REPLY || r->kind == TRACE_R_TCP) {
		if (!from_dst)
			return;
	} else if (!r->has_dst || memcmp(r->dst, dst, alen(t->family))) {
		return;
	}
	if (!trace_reply_key(t, r, &key))
		return;
	for (size_t i = 0; i < t->nprobes; i++)
		if (t->probes[i].key == key && t->probes[i].state != TRACE_P_UNSENT) {
			p = &t->probes[i];
			break;
		}
	if (!p)
		return;		/* an earlier round's, or not ours after all */

	unsigned ttl = p->ttl;
	struct trace_hop *h = &t->hops[ttl - 1];
	bool terminal = r->kind != TRACE_R_TIME_EXCEEDED;
	bool reached = from_dst && (r->kind == TRACE_R_ECHO_REPLY || r->kind == TRACE_R_TCP ||
	    (t->tj->proto == IPPROTO_UDP && is_port_unreach(r)));

	if (p->state == TRACE_P_ANSWERED) {
		h->st.dup++;
		return;
	}
	if (terminal && (!t->stop_ttl || ttl < t->stop_ttl))
		t->stop_ttl = ttl;
	if (terminal && ttl == t->stop_ttl) {
		h->reached |= reached;
		if (r->kind == TRACE_R_TCP) {
			h->syn_ack |= (r->tcp_flags & TRACE_TCP_SYN) != 0;
			h->rst |= (r->tcp_flags & TRACE_TCP_RST) != 0;
		}
		if (!reached) {
			h->unreach = true;
			h->utype = r->type;
			h->ucode = r->code;
		}
	}
	if (p->state == TRACE_P_TIMEDOUT) {
		h->st.late++;
	} else {
		p->state = TRACE_P_ANSWERED;
		probe_stats_add(&h->st, ms_between(&p->sent, ts));
		add_responder(h, r->from);
	}
	if (t->in_round && round_complete(t))
		round_end(t);
}

/* The error queue of a datagram socket: the hops' ICMP errors. */
static void read_errors(struct trace_target *t, int fd)
{
	for (int n = 0; n < 64 && !t->finished; n++) {
		struct trace_reply r;
		struct timespec ts;
		int rc = trace_recv_error(t, fd, &r, &ts);

		if (rc == -EAGAIN)
			return;
		if (rc == 0)
			handle_reply(t, &r, &ts);
	}
}

void trace_read_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct trace_target *t = arg;
	uint8_t buf[4096];
	union {
		char		buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr	align;
	} ctl;

	(void)l;
	(void)events;
	if (t->tj->unpriv)
		read_errors(t, fd);
	for (int n = 0; n < 64 && !t->finished; n++) {
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
		struct timespec ts = { 0, 0 };
		struct trace_reply r;
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
		int rc;

		if (len < 0)
			return;		/* EAGAIN, or an error the next read repeats */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(ts)))
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		if (!ts.tv_sec)
			clock_gettime(CLOCK_REALTIME, &ts);
		/* The kernel truncates to our buffer; a quote needs far less. */
		if ((size_t)len > sizeof(buf))
			len = sizeof(buf);
		if (t->tj->unpriv && fd != t->icmp_fd)
			continue;	/* nothing but errors is expected on the UDP socket */
		if (t->tj->unpriv)
			rc = trace_parse_echo(t->family, buf, (size_t)len, &r);
		else if (fd == t->icmp_fd)
			rc = trace_parse_icmp(t->family, buf, (size_t)len, &r);
		else
			rc = trace_parse_tcp(t->family, buf, (size_t)len, &r);
		if (rc < 0)
			continue;
		/* IPv6 raw and all datagram sockets hand over no IP header:
		 * the sender is the message's name. */
		if (!r.has_from) {
			if (from.ss_family != t->family)
				continue;
			memcpy(r.from, sa_addr(&from), alen(t->family));
			r.has_from = true;
		}
		handle_reply(t, &r, &ts);
	}
}
