/* probe_tcp.c: TCP connect time, SYN to established.
 *
 * One non-blocking socket per target at a time, bound to the path. The
 * kernel keeps no timestamp for the handshake, so the time is taken with
 * CLOCK_MONOTONIC right before connect() and first thing in the EPOLLOUT
 * callback; the loop's dispatch is the only user-space delay in it. An
 * established connection is reset at once (SO_LINGER 0) so thousands of
 * probes leave no TIME_WAIT behind on either side. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_tcp.h"

#define DEFAULT_COUNT		3
#define DEFAULT_INTERVAL_MS	1000
#define DEFAULT_TIMEOUT_MS	2000

static void attempt_due(struct loop *l, void *arg);

static void close_attempt(struct tcp_target *t)
{
	struct loop *l = probe_job_loop(t->run->job);

	if (t->fd >= 0) {
		loop_fd_del(l, t->fd);
		close(t->fd);
		t->fd = -1;
	}
	if (t->timer) {
		loop_timer_cancel(l, t->timer);
		t->timer = 0;
	}
}

static void target_done(struct tcp_target *t)
{
	struct tcp_run *run = t->run;

	close_attempt(t);
	t->done = true;
	probe_tcp_report(t);
	if (--run->left == 0)
		probe_job_finish(run->job, 0);
}

static void schedule(struct tcp_target *t, uint64_t delay_ms)
{
	t->timer = loop_timer_add(probe_job_loop(t->run->job), delay_ms, attempt_due, t);
	if (!t->timer) {
		t->last_state = TCP_ERROR;
		t->last_err = ENOMEM;
		t->counts[TCP_ERROR]++;
		target_done(t);
	}
}

/* One attempt is over: say so, then the next or the summary. */
static void attempt_end(struct tcp_target *t, enum tcp_state s, int err, double ms)
{
	struct tcp_run *run = t->run;
	const char *what = probe_tcp_state_name(s);
	uint64_t seq = t->st.sent;

	close_attempt(t);
	t->counts[s]++;
	t->last_state = (int)s;
	if (s == TCP_OPEN) {
		probe_stats_add(&t->st, ms);
	} else {
		t->st.errors++;
		if (s == TCP_ERROR || s == TCP_UNREACH)
			t->last_err = err;
	}
	if (s == TCP_TIMEOUT)
		probe_job_progress(run->job, "%s (%s) port %s: seq=%llu timeout after %llu ms\n",
		    probe_job_target(run->job, t->idx), t->addr, run->port,
		    (unsigned long long)seq, (unsigned long long)run->timeout_ms);
	else if (s == TCP_ERROR || s == TCP_UNREACH)
		probe_job_progress(run->job, "%s (%s) port %s: seq=%llu %s (%s) time=%.3f ms\n",
		    probe_job_target(run->job, t->idx), t->addr, run->port,
		    (unsigned long long)seq, what, strerror(err), ms);
	else
		probe_job_progress(run->job, "%s (%s) port %s: seq=%llu %s time=%.3f ms\n",
		    probe_job_target(run->job, t->idx), t->addr, run->port,
		    (unsigned long long)seq, what, ms);
	if (t->st.sent >= run->count) {
		target_done(t);
		return;
	}
	uint64_t since = loop_now_ms() - t->started_ms;

	schedule(t, since >= run->interval_ms ? 0 : run->interval_ms - since);
}

static enum tcp_state classify(int err)
{
	switch (err) {
	case 0:
		return TCP_OPEN;
	case ECONNREFUSED:
		return TCP_REFUSED;
	case ETIMEDOUT:
		return TCP_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
		return TCP_UNREACH;
	default:
		return TCP_ERROR;
	}
}

/* The source the kernel picked, for the result. */
static void note_source(struct tcp_target *t)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(t->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, t->src, sizeof(t->src));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, t->src,
		    sizeof(t->src));
}

static void connected(struct tcp_target *t, const struct timespec *t1, int err)
{
	double ms = probe_ts_ms(t1) - probe_ts_ms(&t->t0);

	if (!err) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		note_source(t);
		setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	attempt_end(t, classify(err), err, ms);
}

static void on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct tcp_target *t = arg;
	struct timespec t1;
	int err = 0;
	socklen_t len = sizeof(err);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	(void)l;
	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	connected(t, &t1, err);
}

static void on_timeout(struct loop *l, void *arg)
{
	struct tcp_target *t = arg;

	(void)l;
	t->timer = 0;
	attempt_end(t, TCP_TIMEOUT, ETIMEDOUT, (double)t->run->timeout_ms);
}

static void attempt(struct tcp_target *t)
{
	struct tcp_run *run = t->run;
	struct loop *l = probe_job_loop(run->job);
	const struct probe_spec *spec = probe_job_spec(run->job);
	struct timespec t1;
	int fd, rc;

	t->st.sent++;
	t->started_ms = loop_now_ms();
	fd = probe_socket(t->dst.family, SOCK_STREAM, IPPROTO_TCP, &spec->path);
	if (fd < 0) {
		attempt_end(t, TCP_ERROR, -fd, 0);
		return;
	}
	t->fd = fd;
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	rc = connect(fd, (const struct sockaddr *)&t->dst.sa, t->dst.len);
	if (rc == 0 || errno != EINPROGRESS) {
		int err = rc == 0 ? 0 : errno;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		connected(t, &t1, err);
		return;
	}
	if ((rc = loop_fd_add(l, fd, EPOLLOUT, on_fd, t)) < 0 ||
	    !(t->timer = loop_timer_add(l, run->timeout_ms, on_timeout, t))) {
		attempt_end(t, TCP_ERROR, rc < 0 ? -rc : ENOMEM, 0);
		return;
	}
}

/* Pacing over all targets (-r): one connect per 1000/rate ms, with a
 * millisecond of slack so rates above 1000/s still pass the loop's
 * whole-millisecond timers in bursts. */
static void attempt_due(struct loop *l, void *arg)
{
	struct tcp_target *t = arg;
	struct tcp_run *run = t->run;
	double rate = probe_job_spec(run->job)->rate;

	(void)l;
	t->timer = 0;
	if (rate > 0) {
		double now = probe_now_ms(), gap = 1000.0 / rate;

		if (now + 1.0 < run->next_slot) {
			schedule(t, (uint64_t)ceil(run->next_slot - now));
			return;
		}
		run->next_slot = (run->next_slot < now - 1.0 ? now : run->next_slot) + gap;
	}
	attempt(t);
}

static void resolved(int status, struct resolver_result *res, void *arg)
{
	struct tcp_target *t = arg;
	int family = probe_job_spec(t->run->job)->family;
	size_t i;

	t->q = NULL;
	if (t->timer) {		/* the lookup's deadline */
		loop_timer_cancel(probe_job_loop(t->run->job), t->timer);
		t->timer = 0;
	}
	if (status < 0) {
		t->resolve_err = status;
		target_done(t);
		return;
	}
	for (i = 0; i < res->n; i++)
		if (family == AF_UNSPEC || res->addr[i].family == family)
			break;
	if (i == res->n) {
		/* Resolved, but not to the family -4, -6 or the source ask for. */
		t->resolve_err = TCP_NO_FAMILY;
		resolver_result_free(res);
		target_done(t);
		return;
	}
	t->dst = res->addr[i];
	resolver_result_free(res);
	t->resolved = true;
	if (t->dst.family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&t->dst.sa)->sin_addr, t->addr,
		    sizeof(t->addr));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&t->dst.sa)->sin6_addr, t->addr,
		    sizeof(t->addr));
	attempt_due(NULL, t);
}

/* A name the resolver refused outright is still reported from the loop. */
/* A DNS server that never answers would hold the target for the
 * resolver's whole retry schedule; the probe's timeout bounds the lookup
 * as it bounds the connect. */
static void lookup_timeout(struct loop *l, void *arg)
{
	struct tcp_target *t = arg;

	(void)l;
	t->timer = 0;
	resolver_cancel(t->q);
	t->q = NULL;
	t->resolve_err = -ETIMEDOUT;
	target_done(t);
}

static void unresolved_later(struct loop *l, void *arg)
{
	struct tcp_target *t = arg;

	(void)l;
	t->timer = 0;
	target_done(t);
}

static void stop(struct probe_job *j)
{
	struct tcp_run *run = probe_job_priv(j);

	if (!run)
		return;
	for (size_t i = 0; i < run->n; i++) {
		resolver_cancel(run->t[i].q);
		close_attempt(&run->t[i]);
		probe_stats_free(&run->t[i].st);
	}
	free(run->t);
	free(run);
	probe_job_set_priv(j, NULL);
}

static int start(struct probe_job *j)
{
	const struct probe_spec *spec = probe_job_spec(j);
	struct tcp_run *run;
	size_t n = probe_job_ntargets(j);
	int rc;

	if (!spec->port) {
		probe_job_error(j, "tcp: no port given");
		return -EINVAL;
	}
	if (!n) {
		probe_job_error(j, "tcp: no target given");
		return -EINVAL;
	}
	if (!(run = calloc(1, sizeof(*run))) || !(run->t = calloc(n, sizeof(*run->t)))) {
		free(run);
		return -ENOMEM;
	}
	probe_job_set_priv(j, run);
	run->job = j;
	run->n = run->left = n;
	run->count = spec->count ? spec->count : DEFAULT_COUNT;
	run->interval_ms = spec->interval_ms ? spec->interval_ms : DEFAULT_INTERVAL_MS;
	run->timeout_ms = spec->timeout_ms ? spec->timeout_ms : DEFAULT_TIMEOUT_MS;
	snprintf(run->port, sizeof(run->port), "%u", spec->port);
	for (size_t i = 0; i < n; i++) {
		struct tcp_target *t = &run->t[i];

		t->run = run;
		t->idx = i;
		t->fd = -1;
		t->last_state = -1;
		probe_stats_init(&t->st);
	}
	for (size_t i = 0; i < n; i++) {
		struct tcp_target *t = &run->t[i];

		rc = resolver_getaddrinfo(probe_job_resolver(j), probe_job_target(j, i), run->port,
		    resolved, t, &t->q);
		if (rc == -ENOMEM)
			return rc;
		if (rc == 0 && t->q &&
		    !(t->timer = loop_timer_add(probe_job_loop(j), run->timeout_ms, lookup_timeout, t)))
			return -ENOMEM;
		if (rc < 0) {
			t->q = NULL;
			t->resolve_err = rc;
			if (!(t->timer = loop_timer_add(probe_job_loop(j), 0, unresolved_later, t)))
				return -ENOMEM;
		}
	}
	return 0;
}

/* SIGINT: the attempt in flight does not count; the rest is reported. */
static void drain(struct probe_job *j)
{
	struct tcp_run *run = probe_job_priv(j);

	for (size_t i = 0; run && i < run->n; i++) {
		struct tcp_target *t = &run->t[i];

		if (t->done)
			continue;
		if (t->q) {
			resolver_cancel(t->q);
			t->q = NULL;
			t->resolve_err = -EINTR;
		}
		if (t->fd >= 0 && t->st.sent)
			t->st.sent--;
		target_done(t);
	}
}

const struct probe_type_ops probe_tcp_ops = {
	.name = "tcp", .start = start, .stop = stop, .drain = drain,
};
