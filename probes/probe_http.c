/* probe_http.c: the http probe: GET each URL spec->count times, and
 * report the phases, status, size and body hash of the last fetch.
 *
 * A fetch counts as answered when a whole response with a 2xx or 3xx
 * final status arrived; a 4xx or 5xx is an answer from a broken
 * service, so the target is unreachable for what an operator wants of
 * it. The summary statistics are over the total time of answered
 * fetches. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_http.h"
#include "probe_stats.h"

#define HTTP_DEFAULT_TIMEOUT_MS		10000
#define HTTP_DEFAULT_INTERVAL_MS	1000

struct http_target {
	struct http_job		*hj;
	const char		*target;
	struct probe_url	u;
	struct probe_http_fetch	*fetch;
	uint64_t		timer;
	unsigned		attempts;
	struct probe_stats	st;
	struct probe_http_outcome last;
	bool			have_last, done;
};

struct http_job {
	struct probe_job	*job;
	SSL_CTX			*ctx;
	struct http_target	*t;
	size_t			n, left;
	unsigned		count;
	uint64_t		interval_ms, timeout_ms;
};

static bool answered(const struct probe_http_outcome *o)
{
	return o->complete && o->status >= 200 && o->status < 400;
}

static void kv_ms(struct json *j, const char *key, double ms)
{
	json_key(j, key);
	if (ms < 0)
		json_null(j);
	else
		json_double(j, probe_web_ms(ms));
}

static void outcome_json(struct json *j, const struct probe_http_outcome *o)
{
	json_kv_str(j, "url", o->url);
	json_key(j, "dst");
	json_str(j, o->dst[0] ? o->dst : NULL);
	if (o->src[0])
		json_kv_str(j, "src", o->src);
	json_kv_str(j, "outcome", answered(o) ? "reached" :
	    o->unresolved ? "unresolved" : "unreachable");
	json_kv_str(j, "state", o->state);
	if (o->error[0])
		json_kv_str(j, "error", o->error);
	json_key(j, "status");
	if (o->status >= 0)
		json_int(j, o->status);
	else
		json_null(j);
	if (o->status >= 0) {
		char v[8];

		snprintf(v, sizeof(v), "1.%d", o->version_minor);
		json_kv_str(j, "http_version", v);
		json_kv_str(j, "reason", o->reason);
	}
	if (o->complete) {
		json_kv_str(j, "framing", probe_http_framing_name(o->framing));
		json_kv_uint(j, "head_bytes", o->head_bytes);
		if (o->framing == PROBE_HTTP_CHUNKED) {
			json_kv_uint(j, "chunks", o->chunks);
			json_kv_uint(j, "trailers", o->trailers);
		}
		json_kv_str(j, "sha256", o->sha256);
	}
	json_kv_uint(j, "size", o->size);
	if (o->has_length)
		json_kv_uint(j, "content_length", o->content_length);
	json_kv_uint(j, "redirects", o->redirects);
	if (o->location[0])
		json_kv_str(j, "location", o->location);
	kv_ms(j, "namelookup_ms", o->namelookup);
	kv_ms(j, "connect_ms", o->connect);
	kv_ms(j, "tls_ms", o->tls);
	kv_ms(j, "ttfb_ms", o->ttfb);
	kv_ms(j, "redirect_ms", o->redirect_ms);
	kv_ms(j, "total_ms", o->complete ? o->total : -1);
	json_key(j, "throughput");
	if (o->complete && o->total > 0)
		json_double(j, (double)(uint64_t)((double)o->size * 1000.0 / o->total));
	else
		json_null(j);
	if (o->has_tls) {
		json_key(j, "tls");
		json_obj_begin(j);
		probe_tls_info_json(j, &o->tls_info);
		json_obj_end(j);
	}
}

static void outcome_text(char *text, size_t len, const char *target,
    const struct probe_http_outcome *o, const struct probe_summary *s)
{
	size_t n = 0;

#define ADD(...) do { if (n < len) n += (size_t)snprintf(text + n, len - n, __VA_ARGS__); } while (0)
	ADD("%s (%s): ", target, o->dst[0] ? o->dst : "?");
	if (o->complete) {
		ADD("%d %s, %llu bytes in %.3f ms", o->status, o->reason,
		    (unsigned long long)o->size, o->total);
		if (o->total > 0)
			ADD(" (%.0f bytes/s)", (double)o->size * 1000.0 / o->total);
		ADD("\n");
		ADD("  namelookup %.3f, connect %.3f, ", o->namelookup, o->connect);
		if (o->tls >= 0)
			ADD("tls %.3f, ", o->tls);
		ADD("ttfb %.3f ms", o->ttfb);
		if (o->redirects)
			ADD(" after %u redirect%s (%.3f ms) to %s", o->redirects,
			    o->redirects == 1 ? "" : "s", o->redirect_ms, o->url);
		ADD("\n  sha256 %s\n", o->sha256);
		if (o->location[0])
			ADD("  location %s (not followed; -L follows)\n", o->location);
		if (o->has_tls && o->tls_info.verify_code)
			ADD("  verify: %s (ignored: --insecure)\n", o->tls_info.verify);
	} else {
		ADD("%s: %s\n", o->state, o->error);
	}
	if (s->sent > 1 && s->has_rtt)
		ADD("  %llu/%llu fetches, min/avg/max = %.3f/%.3f/%.3f ms\n",
		    (unsigned long long)s->received, (unsigned long long)s->sent, s->min, s->avg,
		    s->max);
#undef ADD
}

static void report(struct http_target *t)
{
	const struct probe_spec *sp = probe_job_spec(t->hj->job);
	const struct probe_http_outcome *o = &t->last;
	struct probe_result r = { .target = t->target };
	struct probe_summary s;
	struct json j;
	const char *json;
	char text[4096];
	size_t len;

	probe_stats_summary(&t->st, &s);
	r.addr = o->dst[0] ? o->dst : NULL;
	r.outcome = t->st.received ? PROBE_REACHED : o->unresolved ? PROBE_UNRESOLVED :
	    PROBE_UNREACHABLE;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "http");
	json_kv_str(&j, "target", t->target);
	if (sp->path.line[0])
		json_kv_str(&j, "line", sp->path.line);
	if (sp->path.ifname[0])
		json_kv_str(&j, "interface", sp->path.ifname);
	outcome_json(&j, o);
	probe_summary_json(&j, &s);
	json_obj_end(&j);
	outcome_text(text, sizeof(text), t->target, o, &s);
	r.text = text;
	if (json_finish(&j, &json, &len) == 0) {
		r.json = json;
		r.json_len = len;
	} else {
		r.outcome = PROBE_FAILED;
		r.json = "{}";
		r.json_len = 2;
	}
	probe_job_result(t->hj->job, &r);
	json_free(&j);
}

static void attempt(struct loop *l, void *arg);

/* An outcome for a target that has none to show. */
static void set_nothing(struct http_target *t, const char *state, const char *why)
{
	memset(&t->last, 0, sizeof(t->last));
	t->last.status = -1;
	t->last.namelookup = t->last.connect = t->last.tls = t->last.ttfb = -1;
	probe_url_format(&t->u, t->last.url, sizeof(t->last.url));
	snprintf(t->last.state, sizeof(t->last.state), "%s", state);
	snprintf(t->last.error, sizeof(t->last.error), "%s", why);
}

static void attempt_over(struct http_target *t)
{
	struct http_job *hj = t->hj;

	t->last = *probe_http_fetch_outcome(t->fetch);
	t->have_last = true;
	probe_http_fetch_free(t->fetch);
	t->fetch = NULL;
	if (t->timer)
		loop_timer_cancel(probe_job_loop(hj->job), t->timer);
	t->timer = 0;
	if (answered(&t->last))
		probe_stats_add(&t->st, t->last.total);
	if (!t->last.unresolved && t->attempts < hj->count) {
		t->timer = loop_timer_add(probe_job_loop(hj->job), hj->interval_ms, attempt, t);
		if (t->timer)
			return;
	}
	t->done = true;
	report(t);
	if (--hj->left == 0)
		probe_job_finish(hj->job, 0);
}

static void on_fetch(struct probe_http_fetch *f, void *arg)
{
	(void)f;
	attempt_over(arg);
}

static void on_timeout(struct loop *l, void *arg)
{
	struct http_target *t = arg;
	char why[64];
	bool resolving;

	(void)l;
	t->timer = 0;
	snprintf(why, sizeof(why), "no complete answer in %llu ms",
	    (unsigned long long)t->hj->timeout_ms);
	/* A lookup that outlasts the timeout is a name that did not
	 * resolve, whatever the resolver would have said later. */
	resolving = probe_http_fetch_resolving(t->fetch);
	probe_http_fetch_abort(t->fetch, why);
	if (resolving)
		probe_http_fetch_outcome(t->fetch)->unresolved = true;
	attempt_over(t);
}

static void attempt(struct loop *l, void *arg)
{
	struct http_target *t = arg;
	struct http_job *hj = t->hj;
	struct probe_http_fetch_opts o = {
		.url = &t->u, .spec = probe_job_spec(hj->job), .tls = hj->ctx,
	};
	int rc;

	(void)l;
	t->timer = 0;
	t->attempts++;
	t->st.sent++;
	rc = probe_http_fetch_start(probe_job_loop(hj->job), probe_job_resolver(hj->job), &o,
	    on_fetch, t, &t->fetch);
	if (rc < 0) {
		set_nothing(t, "failed", strerror(-rc));
		t->done = true;
		report(t);
		if (--hj->left == 0)
			probe_job_finish(hj->job, 0);
		return;
	}
	t->timer = loop_timer_add(probe_job_loop(hj->job), hj->timeout_ms, on_timeout, t);
}

/* SIGINT: each unfinished target reports its last whole fetch; the one
 * in flight is not counted. */
static void drain(struct probe_job *j)
{
	struct http_job *hj = probe_job_priv(j);

	for (size_t i = 0; hj && i < hj->n; i++) {
		struct http_target *t = &hj->t[i];

		if (t->done)
			continue;
		if (t->fetch) {
			/* A name still being looked up counts as unresolved, as
			 * the other types report it. */
			if (!t->have_last && probe_http_fetch_resolving(t->fetch)) {
				set_nothing(t, "resolve", "the name was still being resolved");
				t->last.unresolved = true;
				t->have_last = true;
			}
			probe_http_fetch_free(t->fetch);
			t->fetch = NULL;
			t->st.sent--;
		}
		if (t->timer)
			loop_timer_cancel(probe_job_loop(j), t->timer);
		t->timer = 0;
		if (!t->have_last)
			set_nothing(t, "interrupted", "interrupted before the first fetch ended");
		t->done = true;
		report(t);
	}
	probe_job_finish(j, 0);
}

static void stop(struct probe_job *j)
{
	struct http_job *hj = probe_job_priv(j);

	if (!hj)
		return;
	for (size_t i = 0; i < hj->n; i++) {
		probe_http_fetch_free(hj->t[i].fetch);
		if (hj->t[i].timer)
			loop_timer_cancel(probe_job_loop(j), hj->t[i].timer);
		probe_stats_free(&hj->t[i].st);
	}
	free(hj->t);
	SSL_CTX_free(hj->ctx);
	free(hj);
	probe_job_set_priv(j, NULL);
}

static int start(struct probe_job *j)
{
	const struct probe_spec *sp = probe_job_spec(j);
	struct http_job *hj;
	const char *why = NULL;

	if (!(hj = calloc(1, sizeof(*hj))))
		return -ENOMEM;
	probe_job_set_priv(j, hj);
	hj->job = j;
	hj->n = hj->left = probe_job_ntargets(j);
	hj->count = sp->count ? sp->count : 1;
	hj->interval_ms = sp->interval_ms ? sp->interval_ms : HTTP_DEFAULT_INTERVAL_MS;
	hj->timeout_ms = sp->timeout_ms ? sp->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	if (hj->n == 0) {
		probe_job_error(j, "no target");
		return -EINVAL;
	}
	if (!(hj->t = calloc(hj->n, sizeof(*hj->t))))
		return -ENOMEM;
	for (size_t i = 0; i < hj->n; i++) {
		struct http_target *t = &hj->t[i];

		t->hj = hj;
		t->target = probe_job_target(j, i);
		probe_stats_init(&t->st);
		if (probe_url_parse(t->target, &t->u) < 0) {
			probe_job_error(j, "'%s' is not an http:// or https:// URL", t->target);
			return -EINVAL;
		}
		/* -p replaces the scheme's port, not one the URL names. */
		if (sp->port && !t->u.has_port)
			t->u.port = sp->port;
	}
	/* Made even for http:// URLs: a redirect may lead to https://. */
	if (!(hj->ctx = probe_tls_ctx_new(sp->ca_file, &why))) {
		probe_job_error(j, "%s%s%s", why, sp->ca_file ? ": " : "",
		    sp->ca_file ? sp->ca_file : "");
		return -EINVAL;
	}
	for (size_t i = 0; i < hj->n; i++)
		if (!(hj->t[i].timer = loop_timer_add(probe_job_loop(j), 0, attempt, &hj->t[i])))
			return -ENOMEM;
	return 0;
}

const struct probe_type_ops probe_http_ops = {
	.name = "http", .start = start, .stop = stop, .drain = drain,
};
