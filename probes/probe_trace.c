/* probe_trace.c: the traceroute probe type: rounds, replies, hop table.
 *
 * A round sends every ttl's queries at once (all hops in flight together,
 * like mtr and Paris traceroute), then waits for the answers or the
 * timeout. The first round probes up to max_hops; once the target (or a
 * destination unreachable) answered at some ttl, later rounds stop there
 * and answers from beyond it are ignored. Each target has its own sockets,
 * identifier and ports, so many traces run side by side on one loop. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

#define DEF_QUERIES	3
#define DEF_MAX_HOPS	30
#define DEF_SIZE	32
#define DEF_INTERVAL_MS	1000
#define DEF_TIMEOUT_MS	2000
#define DEF_UDP_PORT	33434
#define DEF_TCP_PORT	80

static void start_round(struct trace_target *t);

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

static void unwatch(struct trace_target *t)
{
	struct loop *l = probe_job_loop(t->tj->job);

	if (t->icmp_fd >= 0)
		loop_fd_del(l, t->icmp_fd);
	if (t->send_fd >= 0 && (t->tj->proto == IPPROTO_TCP || t->tj->unpriv))
		loop_fd_del(l, t->send_fd);
	trace_close(t);
}

static void target_release(struct trace_target *t)
{
	struct loop *l = probe_job_loop(t->tj->job);

	resolver_cancel(t->q);
	t->q = NULL;
	if (t->timer)
		loop_timer_cancel(l, t->timer);
	t->timer = 0;
	unwatch(t);
	for (unsigned i = 0; t->hops && i < t->max_hops; i++) {
		probe_stats_free(&t->hops[i].st);
		free(t->hops[i].resp);
	}
	free(t->hops);
	t->hops = NULL;
	free(t->probes);
	t->probes = NULL;
}

static void target_done(struct trace_target *t)
{
	struct trace_job *tj = t->tj;
	struct probe_result r = { .target = t->name, .addr = t->dst_str[0] ? t->dst_str : NULL };
	char *json = NULL, *text = NULL;
	size_t jlen = 0;

	if (t->finished)
		return;
	t->finished = true;
	if (t->outcome != PROBE_UNRESOLVED) {
		if (t->err)
			t->outcome = PROBE_FAILED;
		else if (t->stop_ttl && t->hops[t->stop_ttl - 1].reached)
			t->outcome = PROBE_REACHED;
		else
			t->outcome = PROBE_UNREACHABLE;
	}
	r.outcome = t->outcome;
	if (trace_report_json(t, &json, &jlen) < 0 || trace_report_text(t, &text) < 0) {
		/* Without memory there is no report to give; say so rather
		 * than drop the target. */
		r.outcome = PROBE_FAILED;
		free(json);
		json = NULL;
		free(text);
		text = NULL;
	}
	r.json = json ? json : "{\"type\":\"trace\",\"outcome\":\"failed\"}";
	r.json_len = strlen(r.json);
	r.text = text ? text : "trace: out of memory\n";
	(void)jlen;
	target_release(t);
	probe_job_result(tj->job, &r);
	free(json);
	free(text);
	if (--tj->left == 0)
		probe_job_finish(tj->job, 0);
}

static void done_cb(struct loop *l, void *arg)
{
	struct trace_target *t = arg;

	(void)l;
	t->timer = 0;
	target_done(t);
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
	start_round(t);
}

/* Add the round's probes to their hops' sent counts. Probes past the
 * end were sent blind and count at no hop; when interrupted, probes still
 * waiting for an answer count nowhere either (ping(8) does the same). */
static void count_sent(struct trace_target *t, bool settled_only)
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
	count_sent(t, false);
	if (t->round >= tj->rounds) {
		target_done(t);
		return;
	}
	uint64_t now = loop_now_ms(), due = t->round_start + tj->interval_ms;

	t->timer = loop_timer_add(l, due > now ? due - now : 0, next_round_cb, t);
	if (!t->timer) {
		t->err = -ENOMEM;
		target_done(t);
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

static void start_round(struct trace_target *t)
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
				p->state = TRACE_P_TIMEDOUT;
				if (!first_err)
					first_err = rc;
				continue;
			}
			ok++;
		}
	if (!ok && first_err) {
		snprintf(t->why, sizeof(t->why), "sending: %s", strerror(-first_err));
		t->err = first_err;
		target_done(t);
		return;
	}
	t->in_round = true;
	t->timer = loop_timer_add(probe_job_loop(tj->job), tj->timeout_ms, round_timeout_cb, t);
	if (!t->timer) {
		t->err = -ENOMEM;
		target_done(t);
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
		if (t->probes[i].key == key) {
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

static void read_cb(struct loop *l, int fd, uint32_t events, void *arg)
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

static int pick_address(struct trace_target *t, const struct resolver_result *res, int family)
{
	for (size_t i = 0; i < res->n; i++)
		if (family == AF_UNSPEC || res->addr[i].family == family) {
			memcpy(&t->dst, &res->addr[i].sa, res->addr[i].len);
			t->family = res->addr[i].family;
			return 0;
		}
	return -ENOENT;
}

static void resolved_cb(int status, struct resolver_result *res, void *arg)
{
	struct trace_target *t = arg;
	struct trace_job *tj = t->tj;
	struct loop *l = probe_job_loop(tj->job);
	const struct probe_spec *spec = probe_job_spec(tj->job);
	uint32_t rnd[2] = { 0, 0 };
	int rc;

	t->q = NULL;
	if (status < 0 || pick_address(t, res, spec->family) < 0) {
		snprintf(t->why, sizeof(t->why), "%s", status < 0 ? resolver_strerror(status) :
		    spec->family == AF_INET ? "no IPv4 address" : "no IPv6 address");
		t->outcome = PROBE_UNRESOLVED;
		resolver_result_free(res);
		target_done(t);
		return;
	}
	resolver_result_free(res);
	inet_ntop(t->family, sa_addr(&t->dst), t->dst_str, sizeof(t->dst_str));
	/* Before trace_open: a ping socket's identifier is the kernel's. */
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		rnd[0] = (uint32_t)getpid() ^ (uint32_t)(uintptr_t)t;
	t->id = (uint16_t)rnd[0];
	t->next_key = (uint16_t)(rnd[0] >> 16);
	t->seq_base = rnd[1];
	if ((rc = trace_open(t)) < 0) {
		t->err = rc;
		target_done(t);
		return;
	}
	inet_ntop(t->family, sa_addr(&t->src), t->src_str, sizeof(t->src_str));
	t->hops = calloc(t->max_hops, sizeof(*t->hops));
	t->probes = calloc((size_t)t->max_hops * tj->queries, sizeof(*t->probes));
	if (!t->hops || !t->probes) {
		t->err = -ENOMEM;
		target_done(t);
		return;
	}
	for (unsigned i = 0; i < t->max_hops; i++)
		probe_stats_init(&t->hops[i].st);
	if ((t->icmp_fd >= 0 && (rc = loop_fd_add(l, t->icmp_fd, EPOLLIN, read_cb, t)) < 0) ||
	    ((tj->proto == IPPROTO_TCP || tj->unpriv) && t->send_fd >= 0 &&
	    (rc = loop_fd_add(l, t->send_fd, EPOLLIN, read_cb, t)) < 0)) {
		snprintf(t->why, sizeof(t->why), "watching the sockets: %s", strerror(-rc));
		t->err = rc;
		target_done(t);
		return;
	}
	start_round(t);
}

/* Without CAP_NET_RAW, UDP and ICMP fall back to datagram sockets with
 * IP_RECVERR; TCP SYNs with a constant flow cannot be had that way, so a
 * TCP trace fails early and clearly instead. */
static int check_raw(struct probe_job *j, struct trace_job *tj)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EPERM && errno != EACCES)
		return 0;	/* no IPv4 at all, say; the targets will tell */
	if (tj->proto == IPPROTO_TCP) {
		probe_job_error(j, "-P tcp needs CAP_NET_RAW (raw sockets send the SYNs and hear "
		    "the answers): run it as root, give the binary cap_net_raw, or use -P udp "
		    "or icmp");
		return -EPERM;
	}
	tj->unpriv = true;
	probe_job_note(j, "trace: no CAP_NET_RAW: using %s sockets with IP_RECVERR\n",
	    tj->proto == IPPROTO_UDP ? "UDP" : "unprivileged ICMP");
	return 0;
}

static int check_spec(struct probe_job *j, struct trace_job *tj)
{
	const struct probe_spec *s = probe_job_spec(j);

	tj->proto = s->trace_proto ? s->trace_proto : IPPROTO_ICMP;
	if (tj->proto != IPPROTO_ICMP && tj->proto != IPPROTO_UDP && tj->proto != IPPROTO_TCP) {
		probe_job_error(j, "protocol %d is not icmp, udp or tcp", tj->proto);
		return -EINVAL;
	}
	tj->rounds = s->count ? s->count : 1;
	tj->queries = s->queries ? s->queries : DEF_QUERIES;
	tj->max_hops = s->max_hops ? s->max_hops : DEF_MAX_HOPS;
	tj->size = s->size ? s->size : DEF_SIZE;
	tj->interval_ms = s->interval_ms ? s->interval_ms : DEF_INTERVAL_MS;
	tj->timeout_ms = s->timeout_ms ? s->timeout_ms : DEF_TIMEOUT_MS;
	tj->port = s->port ? s->port : tj->proto == IPPROTO_TCP ? DEF_TCP_PORT : DEF_UDP_PORT;
	if (tj->queries > TRACE_MAX_QUERIES) {
		probe_job_error(j, "%u queries per hop is more than %d", tj->queries,
		    TRACE_MAX_QUERIES);
		return -EINVAL;
	}
	if (tj->max_hops > TRACE_MAX_TTL) {
		probe_job_error(j, "%u hops is more than a ttl can count (%d)", tj->max_hops,
		    TRACE_MAX_TTL);
		return -EINVAL;
	}
	/* Two payload bytes carry the checksum trick of ICMP and UDP. */
	if (tj->size < 2 || tj->size > TRACE_MAX_SIZE) {
		probe_job_error(j, "a payload of %u bytes is outside 2..%d", tj->size,
		    TRACE_MAX_SIZE);
		return -EINVAL;
	}
	return 0;
}

static int start(struct probe_job *j)
{
	struct trace_job *tj = calloc(1, sizeof(*tj));
	size_t n = probe_job_ntargets(j);
	int rc;

	if (!tj)
		return -ENOMEM;
	tj->job = j;
	probe_job_set_priv(j, tj);
	if ((rc = check_spec(j, tj)) < 0 || (rc = check_raw(j, tj)) < 0)
		return rc;
	if (n && !(tj->t = calloc(n, sizeof(*tj->t))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct trace_target *t = &tj->t[i];

		t->tj = tj;
		t->name = probe_job_target(j, i);
		t->max_hops = tj->max_hops;
		t->icmp_fd = t->send_fd = t->hold_fd = -1;
		tj->n++;
	}
	tj->left = n;
	if (!n) {
		probe_job_finish(j, 0);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct trace_target *t = &tj->t[i];

		rc = resolver_getaddrinfo(probe_job_resolver(j), t->name, "0", resolved_cb, t, &t->q);
		if (rc < 0) {
			/* Reported from the loop, as results must be. */
			snprintf(t->why, sizeof(t->why), "%s", resolver_strerror(rc));
			t->outcome = PROBE_UNRESOLVED;
			t->q = NULL;
			if (!(t->timer = loop_timer_add(probe_job_loop(j), 0, done_cb, t)))
				return -ENOMEM;
		}
	}
	return 0;
}

static void stop(struct probe_job *j)
{
	struct trace_job *tj = probe_job_priv(j);

	if (!tj)
		return;
	for (size_t i = 0; i < tj->n; i++)
		target_release(&tj->t[i]);
	free(tj->t);
	free(tj);
	probe_job_set_priv(j, NULL);
}

/* SIGINT: every unfinished trace reports the hops it has now. */
static void drain(struct probe_job *j)
{
	struct trace_job *tj = probe_job_priv(j);

	for (size_t i = 0; tj && i < tj->n; i++) {
		struct trace_target *t = &tj->t[i];

		if (t->finished)
			continue;
		if (t->q && !t->why[0])
			snprintf(t->why, sizeof(t->why), "interrupted before the name resolved");
		if (t->in_round) {
			count_sent(t, true);
			t->in_round = false;
		}
		target_done(t);
	}
}

const struct probe_type_ops probe_trace_ops = {
	.name = "trace", .start = start, .stop = stop, .drain = drain
};
