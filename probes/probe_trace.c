/* probe_trace.c: the traceroute probe type: its spec, targets and results.
 *
 * Each target is resolved, gets its own sockets, identifier and ports
 * (so many traces run side by side on one loop), runs its rounds
 * (trace_round.c) and is reported once when done, or when drained. */
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

static const void *sa_addr(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return &((const struct sockaddr_in *)ss)->sin_addr;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
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

void trace_target_done(struct trace_target *t)
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
	r.json_len = json ? jlen : strlen(r.json);
	r.text = text ? text : "trace: out of memory\n";
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
	trace_target_done(t);
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
		trace_target_done(t);
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
		/* No route from here is an answer about the target. */
		if (rc == -ENETUNREACH || rc == -EHOSTUNREACH)
			snprintf(t->why, sizeof(t->why), "no route to %s", t->dst_str);
		else
			t->err = rc;
		trace_target_done(t);
		return;
	}
	inet_ntop(t->family, sa_addr(&t->src), t->src_str, sizeof(t->src_str));
	t->hops = calloc(t->max_hops, sizeof(*t->hops));
	t->probes = calloc((size_t)t->max_hops * tj->queries, sizeof(*t->probes));
	if (!t->hops || !t->probes) {
		t->err = -ENOMEM;
		trace_target_done(t);
		return;
	}
	for (unsigned i = 0; i < t->max_hops; i++)
		probe_stats_init(&t->hops[i].st);
	if ((t->icmp_fd >= 0 && (rc = loop_fd_add(l, t->icmp_fd, EPOLLIN, trace_read_cb, t)) < 0) ||
	    ((tj->proto == IPPROTO_TCP || tj->unpriv) && t->send_fd >= 0 &&
	    (rc = loop_fd_add(l, t->send_fd, EPOLLIN, trace_read_cb, t)) < 0)) {
		snprintf(t->why, sizeof(t->why), "watching the sockets: %s", strerror(-rc));
		t->err = rc;
		trace_target_done(t);
		return;
	}
	trace_start_round(t);
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
			trace_count_sent(t, true);
			t->in_round = false;
		}
		trace_target_done(t);
	}
}

const struct probe_type_ops probe_trace_ops = {
	.name = "trace", .start = start, .stop = stop, .drain = drain
};
