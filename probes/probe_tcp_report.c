/* probe_tcp_report.c: a tcp target's result, as JSON and as a line. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe_tcp.h"
#include "resolve.h"

static const char *const state_names[TCP_NSTATES] = {
	[TCP_OPEN] = "open", [TCP_REFUSED] = "refused", [TCP_TIMEOUT] = "timeout",
	[TCP_UNREACH] = "unreachable", [TCP_ERROR] = "error",
};

const char *probe_tcp_state_name(enum tcp_state s)
{
	return (unsigned)s < TCP_NSTATES ? state_names[s] : "?";
}

/* One state for the whole target: open when any attempt connected (the
 * port is reachable), else what the last attempt saw. */
static const char *summary_state(const struct tcp_target *t)
{
	if (t->counts[TCP_OPEN])
		return state_names[TCP_OPEN];
	return t->last_state >= 0 ? state_names[t->last_state] : NULL;
}

static enum probe_outcome outcome(const struct tcp_target *t)
{
	if (!t->resolved)
		return PROBE_UNRESOLVED;
	if (t->counts[TCP_OPEN])
		return PROBE_REACHED;
	if (t->counts[TCP_REFUSED] || t->counts[TCP_TIMEOUT] || t->counts[TCP_UNREACH])
		return PROBE_UNREACHABLE;
	return t->counts[TCP_ERROR] ? PROBE_FAILED : PROBE_UNREACHABLE;
}

static const char *outcome_name(enum probe_outcome o)
{
	static const char *const names[] = {
		[PROBE_REACHED] = "reached", [PROBE_UNREACHABLE] = "unreachable",
		[PROBE_UNRESOLVED] = "unresolved", [PROBE_FAILED] = "failed",
	};

	return names[o];
}

static const char *error_text(const struct tcp_target *t)
{
	int family = probe_job_spec(t->run->job)->family;

	if (!t->resolved && t->resolve_err == -EINTR)
		return "interrupted before the name resolved";
	if (!t->resolved && t->resolve_err == TCP_NO_FAMILY)
		return family == AF_INET ? "the name has no IPv4 address" :
		    "the name has no IPv6 address";
	if (!t->resolved)
		return resolver_strerror(t->resolve_err);
	return t->last_err ? strerror(t->last_err) : NULL;
}

/* The source the path binds to, when no connection told us one. */
static const char *bound_source(const struct probe_spec *spec, char *buf, size_t len)
{
	const struct sockaddr_storage *ss = &spec->path.src;
	const void *a = ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	return inet_ntop(ss->ss_family, a, buf, (socklen_t)len) ? buf : NULL;
}

static void write_json(struct json *j, const struct tcp_target *t, enum probe_outcome o,
    const struct probe_summary *sum)
{
	char buf[INET6_ADDRSTRLEN];
	const struct probe_spec *spec = probe_job_spec(t->run->job);
	const char *err = error_text(t);

	json_obj_begin(j);
	json_kv_str(j, "type", "tcp");
	json_kv_str(j, "target", probe_job_target(t->run->job, t->idx));
	json_kv_str(j, "dst", t->resolved ? t->addr : NULL);
	json_kv_uint(j, "port", spec->port);
	if (t->src[0])
		json_kv_str(j, "src", t->src);
	else if (spec->path.src.ss_family != AF_UNSPEC)
		json_kv_str(j, "src", bound_source(spec, buf, sizeof(buf)));
	if (spec->path.line[0])
		json_kv_str(j, "line", spec->path.line);
	if (spec->path.ifname[0])
		json_kv_str(j, "interface", spec->path.ifname);
	json_kv_str(j, "outcome", outcome_name(o));
	json_kv_str(j, "state", summary_state(t));
	json_key(j, "states");
	json_obj_begin(j);
	for (int s = 0; s < TCP_NSTATES; s++)
		json_kv_uint(j, state_names[s], t->counts[s]);
	json_obj_end(j);
	probe_summary_json(j, sum);
	if (err)
		json_kv_str(j, "error", err);
	json_obj_end(j);
}

/* fping -c's summary line, with the connect outcomes spelled out. */
static void write_text(char *buf, size_t len, const struct tcp_target *t,
    const struct probe_summary *s)
{
	const char *target = probe_job_target(t->run->job, t->idx);
	int n;

	if (!t->resolved) {
		snprintf(buf, len, "%s : %s\n", target, error_text(t));
		return;
	}
	n = snprintf(buf, len,
	    "%s (%s) port %s : xmt/open/%%loss = %llu/%llu/%.0f%%, "
	    "refused/timeout/unreach/error = %u/%u/%u/%u",
	    target, t->addr, t->run->port, (unsigned long long)s->sent,
	    (unsigned long long)s->received, s->loss * 100.0, t->counts[TCP_REFUSED],
	    t->counts[TCP_TIMEOUT], t->counts[TCP_UNREACH], t->counts[TCP_ERROR]);
	if (n < 0 || (size_t)n >= len)
		return;
	if (s->has_rtt)
		snprintf(buf + n, len - (size_t)n,
		    ", min/avg/max/mdev/p50 = %.3f/%.3f/%.3f/%.3f/%.3f ms\n", s->min, s->avg,
		    s->max, s->stddev, s->p50);
	else
		snprintf(buf + n, len - (size_t)n, "\n");
}

void probe_tcp_report(struct tcp_target *t)
{
	struct probe_summary sum;
	struct probe_result r = { 0 };
	struct json j;
	char text[1024];
	const char *out;
	size_t len;

	probe_stats_summary(&t->st, &sum);
	r.target = probe_job_target(t->run->job, t->idx);
	r.addr = t->resolved ? t->addr : NULL;
	r.outcome = outcome(t);
	r.has_rtt = sum.has_rtt != 0;
	r.rtt_ms = sum.has_rtt ? sum.avg : -1;
	write_text(text, sizeof(text), t, &sum);
	r.text = text;
	json_init(&j);
	write_json(&j, t, r.outcome, &sum);
	if (json_finish(&j, &out, &len) < 0) {
		/* Without memory for the line, the outcome still counts. */
		r.json = "{}";
		r.json_len = 2;
		r.outcome = PROBE_FAILED;
	} else {
		r.json = out;
		r.json_len = len;
	}
	probe_job_result(t->run->job, &r);
	json_free(&j);
}
