/* ping_report.c: a ping target's result as JSON and as ping/fping text.
 *
 * One target reads like iputils ping (a line per reply, the statistics
 * block); many read like fping (-C per reply lines, -s summaries), since
 * those are the outputs an operator already knows. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ping_int.h"

static const char *const tstamp_names[] = { "kernel", "kernel-rx", "user" };

static void ntop(int family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* Words for an ICMP error type, both families. */
static const char *err_name(int family, uint8_t type)
{
	if (family == AF_INET)
		return type == 3 ? "unreachable" : type == 11 ? "time-exceeded" :
		    type == 12 ? "parameter-problem" : "other";
	return type == 1 ? "unreachable" : type == 2 ? "too-big" : type == 3 ? "time-exceeded" :
	    type == 4 ? "parameter-problem" : "other";
}

/* ping's precision: three significant digits, at most three decimals. */
static void fmt_ms(char *buf, size_t len, double ms)
{
	snprintf(buf, len, ms < 1 ? "%.3f" : ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
}

void probe_ping_report_reply(struct ping *p, uint32_t i, uint32_t probe, double rtt_ms, int ttl,
    bool dup)
{
	const struct ping_target *t = &p->t[i];
	char a[INET6_ADDRSTRLEN], ms[32], ttls[24] = "";
	size_t bytes = PROBE_ICMP_HDR_LEN + p->size;

	if (!probe_job_wants_progress(p->job))
		return;
	ntop(t->family, t->addr, a, sizeof(a));
	fmt_ms(ms, sizeof(ms), rtt_ms);
	if (p->n == 1) {
		if (ttl >= 0)
			snprintf(ttls, sizeof(ttls), " ttl=%d", ttl);
		if (dup)
			probe_job_progress(p->job, "%zu bytes from %s: icmp_seq=%u (DUP!)\n", bytes, a,
			    probe + 1);
		else
			probe_job_progress(p->job, "%zu bytes from %s: icmp_seq=%u%s time=%s ms\n",
			    bytes, a, probe + 1, ttls, ms);
		return;
	}
	/* fping names the target as given. */
	const char *name = probe_job_target(p->job, i);

	if (dup) {
		probe_job_progress(p->job, "%s : duplicate for [%u], %zu bytes\n", name, probe,
		    bytes);
		return;
	}
	double loss = t->next ? 100.0 * (double)(t->next - t->st.received) / (double)t->next : 0;
	char avg[32];

	fmt_ms(avg, sizeof(avg), t->st.received ? t->sum_ms / (double)t->st.received : 0);
	probe_job_progress(p->job, "%s : [%u], %zu bytes, %s ms (%s avg, %.0f%% loss)\n", name,
	    probe, bytes, ms, avg, loss);
}

static void text_of(struct ping *p, const struct ping_target *t, const char *name,
    const struct probe_summary *s, char *buf, size_t len)
{
	char mn[32], av[32], mx[32], sd[32], extra[160] = "";
	size_t off = 0;

	if (t->err) {
		snprintf(buf, len, "%s : %s\n", name, t->err);
		return;
	}
	if (s->dup)
		off += (size_t)snprintf(extra + off, sizeof(extra) - off, ", %" PRIu64 " duplicates",
		    s->dup);
	if (s->late && off < sizeof(extra))
		off += (size_t)snprintf(extra + off, sizeof(extra) - off, ", %" PRIu64 " late",
		    s->late);
	if (s->errors && t->has_err_from && off < sizeof(extra)) {
		char ef[INET6_ADDRSTRLEN];

		ntop(t->err_family, t->err_from, ef, sizeof(ef));
		snprintf(extra + off, sizeof(extra) - off, ", %" PRIu64 " errors (%s from %s)",
		    s->errors, err_name(t->family, t->err_type), ef);
	} else if (t->send_fail && off < sizeof(extra)) {
		snprintf(extra + off, sizeof(extra) - off, ", %u not sent (%s)", t->send_fail,
		    strerror(t->send_errno));
	}
	fmt_ms(mn, sizeof(mn), s->min);
	fmt_ms(av, sizeof(av), s->avg);
	fmt_ms(mx, sizeof(mx), s->max);
	fmt_ms(sd, sizeof(sd), s->stddev);
	if (p->n == 1) {
		int n = snprintf(buf, len, "--- %s ping statistics ---\n%" PRIu64
		    " packets transmitted, %" PRIu64 " received%s, %.0f%% packet loss\n", name,
		    s->sent, s->received, extra, s->loss * 100);

		if (s->has_rtt && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n,
			    "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", s->min, s->avg, s->max,
			    s->stddev);
		return;
	}
	if (s->has_rtt)
		snprintf(buf, len, "%s : xmt/rcv/%%loss = %" PRIu64 "/%" PRIu64
		    "/%.0f%%, min/avg/max = %s/%s/%s%s\n", name, s->sent, s->received,
		    s->loss * 100, mn, av, mx, extra);
	else
		snprintf(buf, len, "%s : xmt/rcv/%%loss = %" PRIu64 "/%" PRIu64 "/%.0f%%%s\n", name,
		    s->sent, s->received, s->loss * 100, extra);
}

/* A send that failed for a reason of this host, not of the network: no
 * route, a blackhole or a firewall say the target cannot be reached. */
static bool local_failure(int err)
{
	return err == ENOMEM || err == EBADF || err == EFAULT || err == EMSGSIZE ||
	    err == ENOTSOCK || err == EDESTADDRREQ;
}

void probe_ping_report(struct ping *p, uint32_t i)
{
	const struct ping_target *t = &p->t[i];
	const char *name = probe_job_target(p->job, i);
	struct probe_result r = { .target = name };
	struct probe_summary s;
	struct probe_icmp_sock *sock = t->family == AF_INET6 ? &p->sock6 : &p->sock4;
	char dst[INET6_ADDRSTRLEN] = "", buf[INET6_ADDRSTRLEN], text[640];
	struct json *j = &p->js;
	const char *out;
	size_t outlen;

	probe_stats_summary(&t->st, &s);
	if (t->family) {
		ntop(t->family, t->addr, dst, sizeof(dst));
		r.addr = dst;
	}
	if (t->err)
		r.outcome = t->family ? PROBE_FAILED : PROBE_UNRESOLVED;
	else if (s.received)
		r.outcome = PROBE_REACHED;
	else if (t->send_fail == t->next && t->next && local_failure(t->send_errno))
		r.outcome = PROBE_FAILED;
	else
		r.outcome = PROBE_UNREACHABLE;
	r.has_rtt = s.has_rtt != 0;
	r.rtt_ms = s.has_rtt ? s.avg : -1;

	json_reset(j);
	json_obj_begin(j);
	json_kv_str(j, "type", "ping");
	json_kv_str(j, "target", name);
	json_kv_str(j, "dst", t->family ? dst : NULL);
	const struct sockaddr_storage *ps = &probe_job_spec(p->job)->path.src;

	if (t->has_src) {
		ntop(t->family, t->src, buf, sizeof(buf));
		json_kv_str(j, "src", buf);
	} else if (t->family && ps->ss_family == t->family) {
		/* No reply told us, but -S or the line did. */
		ntop(t->family, t->family == AF_INET ?
		    (const uint8_t *)&((const struct sockaddr_in *)ps)->sin_addr :
		    (const uint8_t *)&((const struct sockaddr_in6 *)ps)->sin6_addr, buf, sizeof(buf));
		json_kv_str(j, "src", buf);
	}
	static const char *const outcomes[] = { "reached", "unreachable", "unresolved", "failed" };

	json_kv_str(j, "outcome", outcomes[r.outcome]);
	if (t->err)
		json_kv_str(j, "error", t->err);
	else if (t->send_fail && !s.received)
		json_kv_str(j, "error", strerror(t->send_errno));
	if (t->family) {
		json_kv_str(j, "socket", sock->raw ? "raw" : "dgram");
		/* What the RTTs rest on: the worst stamp any of them used, or
		 * what the socket offers when nothing came back. */
		json_kv_str(j, "tstamp", tstamp_names[s.received ? t->tstamp :
		    sock->tx_kernel ? 0 : 1]);
		json_kv_uint(j, "size", p->size);
		probe_summary_json(j, &s);
		json_kv_uint(j, "errors", s.errors);
		if (t->has_err_from) {
			ntop(t->err_family, t->err_from, buf, sizeof(buf));
			json_kv_str(j, "error_from", buf);
			json_kv_str(j, "error_type", err_name(t->family, t->err_type));
			json_kv_uint(j, "error_code", t->err_code);
		}
		if (t->send_fail)
			json_kv_uint(j, "send_failed", t->send_fail);
		if (t->ttl >= 0)
			json_kv_int(j, "ttl", t->ttl);
	}
	json_obj_end(j);
	if (json_finish(j, &out, &outlen) < 0) {
		out = "{\"type\":\"ping\",\"outcome\":\"failed\",\"error\":\"out of memory\"}";
		outlen = strlen(out);
		r.outcome = PROBE_FAILED;
	}
	r.json = out;
	r.json_len = outlen;
	char label[300];

	/* fping's "name (address)" when a name was given. */
	if (t->family && strcmp(name, dst))
		snprintf(label, sizeof(label), "%s (%s)", name, dst);
	else
		snprintf(label, sizeof(label), "%s", name);
	text_of(p, t, label, &s, text, sizeof(text));
	r.text = text;
	probe_job_result(p->job, &r);
}

void probe_ping_report_ignored(struct ping *p)
{
	const struct ping_ignored *g = &p->ign;

	if (!(g->foreign | g->malformed | g->cksum | g->unknown | g->after))
		return;
	probe_job_note(p->job, "ping: ignored %" PRIu64 " packets not ours, %" PRIu64
	    " malformed, %" PRIu64 " with a bad checksum, %" PRIu64 " for no probe of ours, %"
	    PRIu64 " after the result", g->foreign, g->malformed, g->cksum, g->unknown, g->after);
}
