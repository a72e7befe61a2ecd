/* probe_tls.c: the tls probe: connect and handshake time, and what the
 * server's certificate says, for each host[:port] target.
 *
 * Each target gets spec->count handshakes, spec->interval_ms apart, all
 * targets at once. A handshake counts as answered when it completes and
 * the chain and name verify (or --insecure asked not to care); the last
 * attempt's certificate and verdict are reported. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_stats.h"
#include "web.h"

#define TLS_DEFAULT_PORT	443
#define TLS_DEFAULT_TIMEOUT_MS	5000
#define TLS_DEFAULT_INTERVAL_MS	1000

struct tls_target {
	struct tls_job		*tj;
	const char		*target;
	struct probe_url	u;
	struct probe_conn	*conn;
	uint64_t		timer;
	unsigned		attempts;
	struct probe_stats	st;
	bool			done, unresolved, handshaken;
	double			connect_ms, handshake_ms;	/* last attempt */
	struct probe_tls_info	info;
	char			state[32];
	char			error[300];
	char			dst[64], src[64];
};

struct tls_job {
	struct probe_job	*job;
	SSL_CTX			*ctx;
	struct tls_target	*t;
	size_t			n, left;
	unsigned		count;
	uint64_t		interval_ms, timeout_ms;
};

static void attempt(struct loop *l, void *arg);

static void report(struct tls_target *t)
{
	const struct probe_spec *sp = probe_job_spec(t->tj->job);
	struct probe_result r = { .target = t->target };
	struct probe_summary s;
	struct json j;
	const char *json;
	char text[2048];
	size_t len, o = 0;
	bool ok = t->st.received > 0;

	probe_stats_summary(&t->st, &s);
	r.addr = t->dst[0] ? t->dst : NULL;
	r.outcome = ok ? PROBE_REACHED : t->unresolved ? PROBE_UNRESOLVED : PROBE_UNREACHABLE;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "tls");
	json_kv_str(&j, "target", t->target);
	json_kv_str(&j, "host", t->u.host);
	json_kv_uint(&j, "port", t->u.port);
	if (sp->path.line[0])
		json_kv_str(&j, "line", sp->path.line);
	if (sp->path.ifname[0])
		json_kv_str(&j, "interface", sp->path.ifname);
	json_key(&j, "dst");
	json_str(&j, t->dst[0] ? t->dst : NULL);
	if (t->src[0])
		json_kv_str(&j, "src", t->src);
	json_key(&j, "sni");
	if (sp->sni && sp->sni[0])
		json_str(&j, sp->sni);
	else
		json_str(&j, t->u.host_is_ip ? NULL : t->u.host);
	json_kv_str(&j, "outcome", ok ? "reached" : t->unresolved ? "unresolved" : "unreachable");
	json_kv_str(&j, "state", t->state);
	if (t->error[0])
		json_kv_str(&j, "error", t->error);
	if (t->handshaken) {
		json_kv_double(&j, "connect_ms", probe_web_ms(t->connect_ms));
		json_kv_double(&j, "handshake_ms", probe_web_ms(t->handshake_ms));
		probe_tls_info_json(&j, &t->info);
	}
	probe_summary_json(&j, &s);
	json_obj_end(&j);

	o += (size_t)snprintf(text + o, sizeof(text) - o, "%s (%s): ", t->target,
	    t->dst[0] ? t->dst : "?");
	if (t->handshaken) {
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "%s %s, connect %.3f ms, handshake %.3f ms\n", t->info.protocol,
		    t->info.cipher, t->connect_ms, t->handshake_ms);
		if (t->info.has_cert && o < sizeof(text))
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "  subject %s\n  issuer %s\n  expires %s (%d days)\n",
			    t->info.subject, t->info.issuer, t->info.not_after, t->info.days_left);
		if (o < sizeof(text))
			o += (size_t)snprintf(text + o, sizeof(text) - o, "  verify: %s%s\n",
			    t->info.verify, t->info.verify_code && sp->no_verify ?
			    " (ignored: --insecure)" : "");
	}
	/* A verify failure is already told by the verify line. */
	if (t->error[0] && !(t->handshaken && !strcmp(t->state, "verify-failed")) &&
	    o < sizeof(text))
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s\n",
		    t->handshaken ? "  " : "", t->error);
	if (s.sent > 1 && o < sizeof(text)) {
		if (s.has_rtt)
			snprintf(text + o, sizeof(text) - o,
			    "  %llu/%llu handshakes, %.0f%% loss, min/avg/max = %.3f/%.3f/%.3f ms\n",
			    (unsigned long long)s.received, (unsigned long long)s.sent,
			    s.loss * 100, s.min, s.avg, s.max);
		else
			snprintf(text + o, sizeof(text) - o, "  0/%llu handshakes\n",
			    (unsigned long long)s.sent);
	}
	r.text = text;
	if (json_finish(&j, &json, &len) == 0) {
		r.json = json;
		r.json_len = len;
		probe_job_result(t->tj->job, &r);
	} else {
		r.outcome = PROBE_FAILED;
		r.json = "{}";
		r.json_len = 2;
		probe_job_result(t->tj->job, &r);
	}
	json_free(&j);
}

/* One attempt is over: the next one after the interval, or the report. */
static void attempt_over(struct tls_target *t)
{
	struct tls_job *tj = t->tj;

	probe_conn_free(t->conn);
	t->conn = NULL;
	if (t->timer)
		loop_timer_cancel(probe_job_loop(tj->job), t->timer);
	t->timer = 0;
	if (!t->unresolved && t->attempts < tj->count) {
		t->timer = loop_timer_add(probe_job_loop(tj->job), tj->interval_ms, attempt, t);
		if (t->timer)
			return;
		snprintf(t->error, sizeof(t->error), "out of memory");
	}
	t->done = true;
	report(t);
	if (--tj->left == 0)
		probe_job_finish(tj->job, 0);
}

static void set_state(struct tls_target *t, const char *state, const char *error)
{
	snprintf(t->state, sizeof(t->state), "%s", state);
	snprintf(t->error, sizeof(t->error), "%s", error);
}

static void take_addrs(struct tls_target *t)
{
	snprintf(t->dst, sizeof(t->dst), "%s", probe_conn_dst(t->conn));
	snprintf(t->src, sizeof(t->src), "%s", probe_conn_src(t->conn));
}

static void take_tls(struct tls_target *t)
{
	const struct probe_conn_times *tm = probe_conn_times(t->conn);

	t->handshaken = true;
	t->connect_ms = tm->connected - tm->resolved;
	t->handshake_ms = tm->handshaken - tm->connected;
	probe_tls_info_get(probe_conn_ssl(t->conn), &t->info);
}

static void on_conn(struct probe_conn *c, enum probe_conn_event ev, void *arg)
{
	struct tls_target *t = arg;

	(void)c;
	take_addrs(t);
	if (ev == PROBE_CONN_OPEN) {
		take_tls(t);
		if (t->info.verify_code == 0) {
			set_state(t, "verified", "");
		} else {
			/* Only reached with --insecure: the conn fails otherwise. */
			set_state(t, "unverified", "");
		}
		probe_stats_add(&t->st, t->handshake_ms);
		attempt_over(t);
		return;
	}
	if (ev != PROBE_CONN_ERROR)
		return;
	switch (probe_conn_stage(c)) {
	case PROBE_STAGE_RESOLVE:
		t->unresolved = !t->dst[0];
		set_state(t, "unresolved", probe_conn_error(c));
		break;
	case PROBE_STAGE_CONNECT:
		t->handshaken = false;
		set_state(t, "connect-failed", probe_conn_error(c));
		break;
	case PROBE_STAGE_HANDSHAKE:
		t->handshaken = false;
		set_state(t, "handshake-failed", probe_conn_error(c));
		break;
	default:
		take_tls(t);
		set_state(t, "verify-failed", probe_conn_error(c));
		break;
	}
	attempt_over(t);
}

static void on_timeout(struct loop *l, void *arg)
{
	struct tls_target *t = arg;
	char why[128];
	enum probe_conn_stage s = probe_conn_stage(t->conn);

	(void)l;
	t->timer = 0;
	take_addrs(t);
	snprintf(why, sizeof(why), "no answer in %llu ms (during %s)",
	    (unsigned long long)t->tj->timeout_ms, probe_conn_stage_name(s));
	t->handshaken = false;
	/* A lookup that outlasts the timeout is a name that did not
	 * resolve, whatever the resolver would have said later. */
	if (s == PROBE_STAGE_RESOLVE && !t->dst[0]) {
		t->unresolved = true;
		set_state(t, "unresolved", why);
	} else {
		set_state(t, "timeout", why);
	}
	attempt_over(t);
}

static void attempt(struct loop *l, void *arg)
{
	struct tls_target *t = arg;
	struct tls_job *tj = t->tj;
	const struct probe_spec *sp = probe_job_spec(tj->job);
	struct probe_conn_opts o = {
		.host = t->u.host, .port = t->u.port, .family = sp->family,
		.path = &sp->path, .tls = tj->ctx, .sni = sp->sni, .verify = !sp->no_verify,
	};
	int rc;

	(void)l;
	t->timer = 0;
	t->attempts++;
	t->st.sent++;
	if ((rc = probe_conn_start(probe_job_loop(tj->job), probe_job_resolver(tj->job), &o,
	    on_conn, t, &t->conn)) < 0) {
		set_state(t, "failed", strerror(-rc));
		t->attempts = tj->count;
		attempt_over(t);
		return;
	}
	t->timer = loop_timer_add(probe_job_loop(tj->job), tj->timeout_ms, on_timeout, t);
}

/* SIGINT: what each unfinished target has so far; a handshake in flight
 * is not counted, as ping(8) does not count an unanswered last probe. */
static void drain(struct probe_job *j)
{
	struct tls_job *tj = probe_job_priv(j);

	for (size_t i = 0; tj && i < tj->n; i++) {
		struct tls_target *t = &tj->t[i];

		if (t->done)
			continue;
		if (t->conn) {
			/* A name still being looked up counts as unresolved, as
			 * the other types report it. */
			bool resolving = probe_conn_stage(t->conn) == PROBE_STAGE_RESOLVE;

			probe_conn_free(t->conn);
			t->conn = NULL;
			t->st.sent--;
			if (!t->state[0] && resolving) {
				t->unresolved = true;
				set_state(t, "unresolved", "the name was still being resolved");
			} else if (!t->state[0]) {
				set_state(t, "interrupted", "interrupted before the first handshake");
			}
		}
		if (t->timer)
			loop_timer_cancel(probe_job_loop(j), t->timer);
		t->timer = 0;
		t->done = true;
		report(t);
	}
	probe_job_finish(j, 0);
}

static void stop(struct probe_job *j)
{
	struct tls_job *tj = probe_job_priv(j);

	if (!tj)
		return;
	for (size_t i = 0; i < tj->n; i++) {
		probe_conn_free(tj->t[i].conn);
		if (tj->t[i].timer)
			loop_timer_cancel(probe_job_loop(j), tj->t[i].timer);
		probe_stats_free(&tj->t[i].st);
	}
	free(tj->t);
	SSL_CTX_free(tj->ctx);
	free(tj);
	probe_job_set_priv(j, NULL);
}

static int start(struct probe_job *j)
{
	const struct probe_spec *sp = probe_job_spec(j);
	struct tls_job *tj;
	const char *why = NULL;

	if (!(tj = calloc(1, sizeof(*tj))))
		return -ENOMEM;
	probe_job_set_priv(j, tj);
	tj->job = j;
	tj->n = tj->left = probe_job_ntargets(j);
	tj->count = sp->count ? sp->count : 1;
	tj->interval_ms = sp->interval_ms ? sp->interval_ms : TLS_DEFAULT_INTERVAL_MS;
	tj->timeout_ms = sp->timeout_ms ? sp->timeout_ms : TLS_DEFAULT_TIMEOUT_MS;
	if (tj->n == 0) {
		probe_job_error(j, "no target");
		return -EINVAL;
	}
	if (!(tj->t = calloc(tj->n, sizeof(*tj->t))))
		return -ENOMEM;
	for (size_t i = 0; i < tj->n; i++) {
		struct tls_target *t = &tj->t[i];

		t->tj = tj;
		t->target = probe_job_target(j, i);
		probe_stats_init(&t->st);
		if (probe_hostport_parse(t->target, sp->port ? sp->port : TLS_DEFAULT_PORT,
		    &t->u) < 0) {
			probe_job_error(j, "'%s' is not host[:port] (IPv6 in brackets: [2001:db8::1]:443)",
			    t->target);
			return -EINVAL;
		}
	}
	if (!(tj->ctx = probe_tls_ctx_new(sp->ca_file, &why))) {
		probe_job_error(j, "%s%s%s", why, sp->ca_file ? ": " : "",
		    sp->ca_file ? sp->ca_file : "");
		return -EINVAL;
	}
	for (size_t i = 0; i < tj->n; i++) {
		struct tls_target *t = &tj->t[i];

		t->timer = loop_timer_add(probe_job_loop(j), 0, attempt, t);
		if (!t->timer)
			return -ENOMEM;
	}
	return 0;
}

const struct probe_type_ops probe_tls_ops = {
	.name = "tls", .start = start, .stop = stop, .drain = drain,
};
