/* probe_dns_report.c: a (name, server) pair's result, as JSON and as a
 * short dig +noall +answer +stats. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "probe_dns.h"

static enum probe_outcome outcome(const struct dns_pair *p, const struct dns_server *s)
{
	if (!s->resolved)
		return PROBE_UNRESOLVED;
	if (p->st.received)
		return PROBE_REACHED;
	if (p->last_err == -ENOMEM)
		return PROBE_FAILED;
	return PROBE_UNREACHABLE;
}

static const char *outcome_name(enum probe_outcome o)
{
	static const char *const names[] = {
		[PROBE_REACHED] = "reached", [PROBE_UNREACHABLE] = "unreachable",
		[PROBE_UNRESOLVED] = "unresolved", [PROBE_FAILED] = "failed",
	};

	return names[o];
}

/* Why nothing (good) came, or the last bad reply's fault. */
static const char *error_text(const struct dns_pair *p, const struct dns_server *s, char *buf,
    size_t len)
{
	if (!s->resolved) {
		snprintf(buf, len, "server name %s: %s", s->host, resolver_strerror(s->resolve_err));
		return buf;
	}
	if (p->last_err && p->last_err_parse) {
		snprintf(buf, len, "malformed reply: %s", probe_dns_strerror(p->last_err));
		return buf;
	}
	if (p->last_err) {
		snprintf(buf, len, "%s", resolver_strerror(p->last_err));
		return buf;
	}
	if (!p->st.received && p->sent)
		return "no reply";
	return NULL;
}

static void section(struct json *j, const char *key, const struct probe_dns_rr *rr, size_t n)
{
	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		probe_dns_rr_json(j, &rr[i]);
	json_arr_end(j);
}

static void write_json(struct json *j, const struct dns_pair *p, const struct dns_server *s,
    enum probe_outcome o, const struct probe_summary *sum, const struct probe_dns_msg *m,
    const char *err)
{
	const struct dns_run *run = p->run;
	const struct probe_spec *spec = probe_job_spec(run->job);
	const char *tn = probe_dns_type_name(run->qtype);
	char tbuf[16];

	if (!tn) {
		snprintf(tbuf, sizeof(tbuf), "TYPE%u", run->qtype);
		tn = tbuf;
	}
	json_obj_begin(j);
	json_kv_str(j, "type", "dns");
	json_kv_str(j, "target", probe_job_target(run->job, p->name));
	json_kv_str(j, "dst", s->resolved ? s->addr : NULL);
	json_kv_uint(j, "port", s->port);
	json_kv_str(j, "server", s->given);
	if (s->from_system)
		json_kv_bool(j, "system", true);
	json_kv_str(j, "qtype", tn);
	json_kv_str(j, "transport", run->tcp ? "tcp" : "udp");
	if (run->source[0])
		json_kv_str(j, "src", run->source);
	if (spec->path.line[0])
		json_kv_str(j, "line", spec->path.line);
	if (spec->path.ifname[0])
		json_kv_str(j, "interface", spec->path.ifname);
	if (spec->path.has_mark)
		json_kv_uint(j, "mark", spec->path.mark);
	json_kv_str(j, "outcome", outcome_name(o));
	probe_summary_json(j, sum);
	json_kv_uint(j, "timeouts", p->timeouts);
	json_kv_uint(j, "malformed", p->malformed);
	json_kv_uint(j, "truncated", p->truncated);
	json_kv_bool(j, "tcp_retry", p->tcp_retries > 0);
	if (p->tcp_ms >= 0)
		json_kv_double(j, "tcp_ms", p->tcp_ms);
	if (m) {
		const char *rn = probe_dns_rcode_name(m->rcode);

		json_kv_str(j, "answered_by", s->addr);
		json_kv_str(j, "reply_transport", p->reply_tcp ? "tcp" : "udp");
		json_kv_uint(j, "size", p->reply_len);
		if (rn)
			json_kv_str(j, "rcode", rn);
		else {
			snprintf(tbuf, sizeof(tbuf), "RCODE%u", m->rcode);
			json_kv_str(j, "rcode", tbuf);
		}
		json_kv_uint(j, "rcode_num", m->rcode);
		json_key(j, "flags");
		json_obj_begin(j);
		json_kv_bool(j, "aa", m->flags & PROBE_DNS_F_AA);
		json_kv_bool(j, "tc", m->flags & PROBE_DNS_F_TC);
		json_kv_bool(j, "rd", m->flags & PROBE_DNS_F_RD);
		json_kv_bool(j, "ra", m->flags & PROBE_DNS_F_RA);
		json_kv_bool(j, "ad", m->flags & PROBE_DNS_F_AD);
		json_kv_bool(j, "cd", m->flags & PROBE_DNS_F_CD);
		json_obj_end(j);
		section(j, "answers", m->rr, m->n_an);
		section(j, "authority", m->rr + m->n_an, m->n_ns);
		section(j, "additional", m->rr + m->n_an + m->n_ns, m->n_ar);
	} else {
		json_kv_str(j, "rcode", NULL);
	}
	if (err)
		json_kv_str(j, "error", err);
	json_obj_end(j);
}

/* dig +noall +answer +stats, per server. */
static char *write_text(const struct dns_pair *p, const struct dns_server *s,
    const struct probe_summary *sum, const struct probe_dns_msg *m, const char *err)
{
	char *buf = NULL, line[2048];
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	fprintf(fp, ";; %s @%s", probe_job_target(p->run->job, p->name), s->given);
	if (s->resolved && strcmp(s->addr, s->host))
		fprintf(fp, " (%s)", s->addr);
	if (m) {
		const char *rn = probe_dns_rcode_name(m->rcode);

		fprintf(fp, ": %s%s%s%s%s%s, %zu answer%s\n", rn ? rn : "RCODE?",
		    m->flags & PROBE_DNS_F_AA ? " aa" : "", m->flags & PROBE_DNS_F_TC ? " tc" : "",
		    m->flags & PROBE_DNS_F_RD ? " rd" : "", m->flags & PROBE_DNS_F_RA ? " ra" : "",
		    m->flags & PROBE_DNS_F_AD ? " ad" : "", m->n_an, m->n_an == 1 ? "" : "s");
		for (size_t i = 0; i < m->n_an; i++) {
			probe_dns_rr_text(&m->rr[i], line, sizeof(line));
			fprintf(fp, "%s\n", line);
		}
	} else {
		fprintf(fp, ": %s\n", err ? err : "no reply");
	}
	if (s->resolved) {
		fprintf(fp, ";; %llu/%llu replies, %u timeouts", (unsigned long long)sum->received,
		    (unsigned long long)sum->sent, p->timeouts);
		if (sum->has_rtt)
			fprintf(fp, ", query time min/avg/max/mdev/p50 = %.3f/%.3f/%.3f/%.3f/%.3f ms",
			    sum->min, sum->avg, sum->max, sum->stddev, sum->p50);
		if (m)
			fprintf(fp, ", %zu bytes over %s", p->reply_len, p->reply_tcp ? "TCP" : "UDP");
		if (p->truncated)
			fprintf(fp, ", truncated %u (TCP retry %s)", p->truncated,
			    p->tcp_ms >= 0 ? "answered" : "failed");
		if (m && err)
			fprintf(fp, ", also: %s", err);
		fprintf(fp, "\n");
	}
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void probe_dns_report(struct dns_pair *p)
{
	struct dns_server *s = &p->run->srv[p->server];
	struct probe_summary sum;
	struct probe_result r = { 0 };
	struct probe_dns_msg m;
	bool have = p->reply && probe_dns_msg_parse(p->reply, p->reply_len, &m) == 0;
	char ebuf[160], *text;
	const char *err = error_text(p, s, ebuf, sizeof(ebuf));
	struct json j;
	const char *out;
	size_t len;

	probe_stats_summary(&p->st, &sum);
	r.target = probe_job_target(p->run->job, p->name);
	r.addr = s->resolved ? s->addr : NULL;
	r.outcome = outcome(p, s);
	text = write_text(p, s, &sum, have ? &m : NULL, err);
	r.text = text ? text : "";
	json_init(&j);
	write_json(&j, p, s, r.outcome, &sum, have ? &m : NULL, err);
	if (json_finish(&j, &out, &len) < 0) {
		r.json = "{}";
		r.json_len = 2;
		r.outcome = PROBE_FAILED;
	} else {
		r.json = out;
		r.json_len = len;
	}
	probe_job_result(p->run->job, &r);
	json_free(&j);
	free(text);
	if (have)
		probe_dns_msg_free(&m);
}
