/* probe_dns.c: DNS query time per (name, server).
 *
 * Queries of a pair leave every interval like ping's, whether the last one
 * was answered or not, so a slow server does not slow the schedule and
 * many pairs keep many queries in flight (-r paces them all). The time is
 * taken with CLOCK_MONOTONIC right before the query is handed to c-ares
 * (which sends it at once) and first thing in the reply's callback. A
 * truncated UDP reply is counted and asked again over TCP, the way a stub
 * resolver would; the TCP time is reported on its own. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "probe_dns.h"

#define DEFAULT_COUNT		1
#define DEFAULT_INTERVAL_MS	1000
#define DEFAULT_TIMEOUT_MS	2000

static void send_due(struct loop *l, void *arg);

static void pair_done(struct dns_pair *p)
{
	struct dns_run *run = p->run;

	if (p->done)
		return;
	if (p->timer)
		loop_timer_cancel(probe_job_loop(run->job), p->timer);
	p->timer = 0;
	p->done = true;
	probe_dns_report(p);
	if (--run->left == 0)
		probe_job_finish(run->job, 0);
}

static void maybe_done(struct dns_pair *p)
{
	if (p->ended >= p->run->count && !p->inflight)
		pair_done(p);
}

static void unlink_query(struct dns_query *dq)
{
	struct dns_pair *p = dq->p;

	if (dq->prev)
		dq->prev->next = dq->next;
	else
		p->inflight = dq->next;
	if (dq->next)
		dq->next->prev = dq->prev;
	free(dq);
}

static int send_query(struct dns_pair *p, struct resolver *r, bool tcp_retry);

static void keep_reply(struct dns_pair *p, const uint8_t *reply, size_t len, bool tcp)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return;
	memcpy(copy, reply, len);
	free(p->reply);
	p->reply = copy;
	p->reply_len = len;
	p->reply_tcp = tcp;
}

static void on_reply(int status, const uint8_t *reply, size_t len, unsigned timeouts, void *arg)
{
	struct dns_query *dq = arg;
	struct dns_pair *p = dq->p;
	double ms = probe_now_ms() - probe_ts_ms(&dq->t0);
	bool tcp_retry = dq->tcp_retry;
	struct probe_dns_msg m;
	int rc;

	unlink_query(dq);
	p->timeouts += timeouts;
	if (!tcp_retry)
		p->ended++;
	if (status < 0) {
		if (status != -ETIMEDOUT)
			p->last_err = status, p->last_err_parse = false;
		if (!tcp_retry)
			p->st.errors++;
		goto out;
	}
	if ((rc = probe_dns_msg_parse(reply, len, &m)) < 0) {
		p->malformed++;
		p->last_err = rc;
		p->last_err_parse = true;
		goto out;
	}
	if (tcp_retry) {
		p->tcp_ms = ms;
	} else {
		probe_stats_add(&p->st, ms);
	}
	keep_reply(p, reply, len, tcp_retry || p->run->tcp);
	if (!tcp_retry && !p->run->tcp && (m.flags & PROBE_DNS_F_TC)) {
		struct resolver *r = probe_dns_server_tcp(&p->run->srv[p->server]);

		p->truncated++;
		if (r && send_query(p, r, true) == 0)
			p->tcp_retries++;
	}
	probe_dns_msg_free(&m);
	if (probe_job_wants_progress(p->run->job) && !tcp_retry)
		probe_job_progress(p->run->job, "%s @%s: seq=%u %s %zu bytes time=%.3f ms\n",
		    probe_job_target(p->run->job, p->name), p->run->srv[p->server].given,
		    p->ended, (reply[3] & 0xf) < 16 && probe_dns_rcode_name(reply[3] & 0xf) ?
		    probe_dns_rcode_name(reply[3] & 0xf) : "?", len, ms);
out:
	maybe_done(p);
}

static int send_query(struct dns_pair *p, struct resolver *r, bool tcp_retry)
{
	struct dns_query *dq = calloc(1, sizeof(*dq));
	int rc;

	if (!dq)
		return -ENOMEM;
	dq->p = p;
	dq->tcp_retry = tcp_retry;
	dq->next = p->inflight;
	if (p->inflight)
		p->inflight->prev = dq;
	p->inflight = dq;
	clock_gettime(CLOCK_MONOTONIC, &dq->t0);
	rc = resolver_send(r, p->msg.data, p->msg.len, on_reply, dq, &dq->q);
	if (rc < 0)
		unlink_query(dq);
	return rc;
}

static void schedule(struct dns_pair *p, uint64_t delay_ms)
{
	p->timer = loop_timer_add(probe_job_loop(p->run->job), delay_ms, send_due, p);
	if (!p->timer) {
		p->last_err = -ENOMEM;
		p->ended = p->run->count;
		maybe_done(p);
	}
}

/* The next query of a pair, paced over all pairs with -r like tcp's. */
static void send_due(struct loop *l, void *arg)
{
	struct dns_pair *p = arg;
	struct dns_run *run = p->run;
	struct dns_server *s = &run->srv[p->server];
	double rate = probe_job_spec(run->job)->rate;
	uint64_t next;
	int rc;

	(void)l;
	p->timer = 0;
	if (p->ended >= run->count) {	/* a server that never got an address */
		maybe_done(p);
		return;
	}
	if (rate > 0) {
		double now = probe_now_ms(), gap = 1000.0 / rate;

		if (now + 1.0 < run->next_slot) {
			schedule(p, (uint64_t)ceil(run->next_slot - now));
			return;
		}
		run->next_slot = (run->next_slot < now - 1.0 ? now : run->next_slot) + gap;
	}
	if (!p->sent)
		p->first_ms = loop_now_ms();
	p->sent++;
	p->st.sent++;
	rc = send_query(p, run->tcp ? s->tcp : s->udp, false);
	if (rc < 0) {
		p->ended++;
		p->st.errors++;
		p->last_err = rc;
		p->last_err_parse = false;
	}
	if (p->sent < run->count) {
		next = p->first_ms + (uint64_t)p->sent * run->interval_ms;
		schedule(p, next > loop_now_ms() ? next - loop_now_ms() : 0);
	}
	maybe_done(p);
}

void probe_dns_server_ready(struct dns_server *s)
{
	struct dns_run *run = s->run;
	size_t si = (size_t)(s - run->srv);
	int rc = s->resolved ? probe_dns_server_open(s) : 0;

	for (size_t i = 0; i < run->n_pairs; i++) {
		struct dns_pair *p = &run->pairs[i];

		if (p->server != si || p->started)
			continue;
		p->started = true;
		if (!s->resolved || rc < 0) {
			if (rc < 0)
				p->last_err = rc;
			p->ended = run->count;
			schedule(p, 0);	/* reported from the loop, not from start */
			continue;
		}
		schedule(p, 0);
	}
}

static void server_resolved(int status, struct resolver_result *res, void *arg)
{
	struct dns_server *s = arg;
	const struct resolver_addr *a;

	s->lookup = NULL;
	if (status < 0) {
		s->resolve_err = status;
	} else {
		a = &res->addr[0];
		inet_ntop(a->family, a->family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)&a->sa)->sin_addr :
		    (const void *)&((const struct sockaddr_in6 *)&a->sa)->sin6_addr, s->addr,
		    sizeof(s->addr));
		s->resolved = true;
		resolver_result_free(res);
	}
	probe_dns_server_ready(s);
}

static void stop(struct probe_job *j)
{
	struct dns_run *run = probe_job_priv(j);

	if (!run)
		return;
	for (size_t i = 0; i < run->n_srv; i++)
		probe_dns_server_close(&run->srv[i]);
	for (size_t i = 0; i < run->n_pairs; i++) {
		struct dns_pair *p = &run->pairs[i];

		if (p->timer)
			loop_timer_cancel(probe_job_loop(j), p->timer);
		/* The resolvers are gone, and with them every pending query. */
		while (p->inflight) {
			struct dns_query *dq = p->inflight;

			p->inflight = dq->next;
			free(dq);
		}
		wire_buf_free(&p->msg);
		probe_stats_free(&p->st);
		free(p->reply);
	}
	free(run->pairs);
	free(run->srv);
	free(run);
	probe_job_set_priv(j, NULL);
}

static int start(struct probe_job *j)
{
	const struct probe_spec *spec = probe_job_spec(j);
	struct probe_dns_query_opts qo = { .rd = true };
	struct dns_run *run;
	size_t n = probe_job_ntargets(j);
	int rc;

	if (!n) {
		probe_job_error(j, "dns: no name given");
		return -EINVAL;
	}
	if (!(run = calloc(1, sizeof(*run))))
		return -ENOMEM;
	probe_job_set_priv(j, run);
	run->job = j;
	run->count = spec->count ? spec->count : DEFAULT_COUNT;
	run->interval_ms = spec->interval_ms ? spec->interval_ms : DEFAULT_INTERVAL_MS;
	run->timeout_ms = spec->timeout_ms ? spec->timeout_ms : DEFAULT_TIMEOUT_MS;
	run->qtype = spec->dns_qtype ? spec->dns_qtype : PROBE_DNS_T_A;
	run->tcp = spec->dns_tcp;
	if (spec->path.src.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&spec->path.src)->sin_addr,
		    run->source, sizeof(run->source));
	else if (spec->path.src.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&spec->path.src)->sin6_addr,
		    run->source, sizeof(run->source));
	if ((rc = probe_dns_servers_parse(run)) < 0)
		return rc;
	run->n_pairs = run->left = n * run->n_srv;
	if (!(run->pairs = calloc(run->n_pairs, sizeof(*run->pairs))))
		return -ENOMEM;
	for (size_t i = 0; i < run->n_pairs; i++) {
		struct dns_pair *p = &run->pairs[i];

		p->run = run;
		p->name = i / run->n_srv;
		p->server = i % run->n_srv;
		p->tcp_ms = -1;
		probe_stats_init(&p->st);
		wire_buf_init(&p->msg);
		rc = probe_dns_query_build(&p->msg, probe_job_target(j, p->name), run->qtype,
		    PROBE_DNS_C_IN, &qo);
		if (rc < 0) {
			probe_job_error(j, "dns: '%s' is not a domain name: %s",
			    probe_job_target(j, p->name), rc == -ENOMEM ? strerror(ENOMEM) :
			    probe_dns_strerror(rc));
			return rc;
		}
	}
	for (size_t i = 0; i < run->n_srv; i++) {
		struct dns_server *s = &run->srv[i];
		char port[8];

		if (s->resolved) {
			probe_dns_server_ready(s);
			continue;
		}
		snprintf(port, sizeof(port), "%u", s->port);
		rc = resolver_getaddrinfo(probe_job_resolver(j), s->host, port, server_resolved, s,
		    &s->lookup);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0) {
			s->resolve_err = rc;
			probe_dns_server_ready(s);
		}
	}
	return 0;
}

/* SIGINT: queries in flight are not counted; the rest is reported. */
static void drain(struct probe_job *j)
{
	struct dns_run *run = probe_job_priv(j);

	for (size_t i = 0; run && i < run->n_pairs; i++) {
		struct dns_pair *p = &run->pairs[i];

		if (p->done)
			continue;
		while (p->inflight) {
			struct dns_query *dq = p->inflight;

			if (!dq->tcp_retry && p->st.sent)
				p->st.sent--;
			resolver_cancel(dq->q);
			unlink_query(dq);
		}
		pair_done(p);
	}
}

const struct probe_type_ops probe_dns_ops = {
	.name = "dns", .start = start, .stop = stop, .drain = drain,
};
