/* trace_report.c: a finished trace as an mtr-style report and as JSON. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "trace.h"

const char *trace_proto_name(int proto)
{
	switch (proto) {
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_TCP: return "tcp";
	default: return "?";
	}
}

unsigned trace_shown_hops(const struct trace_target *t)
{
	unsigned last = 0;

	if (!t->hops)
		return 0;
	if (t->stop_ttl)
		return t->stop_ttl;
	/* Not reached: the hops up to the last that answered, and one
	 * silent one after it to show where the answers stop. */
	for (unsigned i = 0; i < t->max_hops; i++)
		if (t->hops[i].nresp)
			last = i + 1;
	return last < t->max_hops ? last + 1 : t->max_hops;
}

/* traceroute's marks for a destination unreachable (!H, !N, ...). */
static void unreach_mark(const struct trace_target *t, const struct trace_hop *h, char *buf,
    size_t len)
{
	const char *m = NULL;

	if (t->family == AF_INET) {
		switch (h->ucode) {
		case 0: m = "!N"; break;
		case 1: m = "!H"; break;
		case 2: m = "!P"; break;
		case 3: m = "!"; break;		/* port: the target, for another method */
		case 9: case 10: case 13: m = "!X"; break;
		}
	} else {
		switch (h->ucode) {
		case 0: m = "!N"; break;
		case 1: m = "!X"; break;
		case 3: m = "!H"; break;
		case 4: m = "!"; break;
		}
	}
	if (m)
		snprintf(buf, len, "%s", m);
	else
		snprintf(buf, len, "!<%u>", h->ucode);
}

static void addr_str(const struct trace_target *t, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(t->family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* The responder seen most often comes first, like mtr. */
static size_t main_responder(const struct trace_hop *h)
{
	size_t best = 0;

	for (size_t i = 1; i < h->nresp; i++)
		if (h->resp[i].count > h->resp[best].count)
			best = i;
	return best;
}

static double ms3(double v)
{
	return round(v * 1000.0) / 1000.0;
}

static void hop_json(struct json *j, const struct trace_target *t, unsigned ttl)
{
	const struct trace_hop *h = &t->hops[ttl - 1];
	struct probe_summary s;
	char a[INET6_ADDRSTRLEN];
	size_t first = h->nresp ? main_responder(h) : 0;

	probe_stats_summary(&h->st, &s);
	json_obj_begin(j);
	json_kv_uint(j, "ttl", ttl);
	json_key(j, "addrs");
	json_arr_begin(j);
	for (size_t k = 0; k < h->nresp; k++) {
		size_t i = k == 0 ? first : k <= first ? k - 1 : k;

		addr_str(t, h->resp[i].addr, a, sizeof(a));
		json_obj_begin(j);
		json_kv_str(j, "addr", a);
		json_kv_uint(j, "count", h->resp[i].count);
		json_obj_end(j);
	}
	json_arr_end(j);
	probe_summary_json(j, &s);
	json_kv_bool(j, "reached", h->reached);
	if (h->unreach) {
		unreach_mark(t, h, a, sizeof(a));
		json_kv_str(j, "unreach", a);
	}
	json_obj_end(j);
}

int trace_report_json(const struct trace_target *t, char **out, size_t *len)
{
	struct trace_job *tj = t->tj;
	static const char *const outcomes[] = { "reached", "unreachable", "unresolved", "failed" };
	struct json j;
	const char *s;
	size_t n;
	int rc;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "trace");
	json_kv_str(&j, "target", t->name);
	json_kv_str(&j, "dst", t->dst_str[0] ? t->dst_str : NULL);
	if (t->src_str[0])
		json_kv_str(&j, "src", t->src_str);
	json_kv_str(&j, "outcome", outcomes[t->outcome]);
	json_kv_str(&j, "proto", trace_proto_name(tj->proto));
	if (tj->proto != IPPROTO_ICMP)
		json_kv_uint(&j, "port", tj->port);
	json_kv_bool(&j, "reached", t->outcome == PROBE_REACHED);
	if (tj->proto == IPPROTO_TCP && t->outcome == PROBE_REACHED) {
		const struct trace_hop *h = &t->hops[t->stop_ttl - 1];

		/* A SYN-ACK means something listens; a reset alone, nothing. */
		json_kv_str(&j, "port_state", h->syn_ack ? "open" : "closed");
	}
	json_kv_uint(&j, "rounds", t->round);
	json_kv_uint(&j, "queries", tj->queries);
	json_kv_uint(&j, "max_hops", tj->max_hops);
	if (t->why[0])
		json_kv_str(&j, "error", t->why);
	json_key(&j, "hops");
	json_arr_begin(&j);
	for (unsigned ttl = 1, top = trace_shown_hops(t); ttl <= top; ttl++)
		hop_json(&j, t, ttl);
	json_arr_end(&j);
	json_obj_end(&j);
	if ((rc = json_finish(&j, &s, &n)) < 0) {
		json_free(&j);
		return rc;
	}
	/* The buffer is the writer's; hand the caller its own. */
	*out = strdup(s);
	*len = n;
	json_free(&j);
	return *out ? 0 : -ENOMEM;
}

static void hop_text(FILE *f, const struct trace_target *t, unsigned ttl)
{
	const struct trace_hop *h = &t->hops[ttl - 1];
	struct probe_summary s;
	char a[INET6_ADDRSTRLEN + 8] = "???", mark[16] = "";
	size_t first = h->nresp ? main_responder(h) : 0;

	probe_stats_summary(&h->st, &s);
	if (h->nresp)
		addr_str(t, h->resp[first].addr, a, sizeof(a));
	if (h->unreach) {
		mark[0] = ' ';
		unreach_mark(t, h, mark + 1, sizeof(mark) - 1);
	}
	fprintf(f, "%3u.|-- %-28s %5.1f%% %5" PRIu64 " %6.1f %5.1f %5.1f %5.1f %5.1f%s\n", ttl, a,
	    s.loss * 100.0, s.sent, ms3(s.last), ms3(s.avg), ms3(s.min), ms3(s.max),
	    ms3(s.stddev), mark);
	for (size_t i = 0; i < h->nresp; i++) {
		if (i == first)
			continue;
		addr_str(t, h->resp[i].addr, a, sizeof(a));
		fprintf(f, "    |  `-- %s (%u)\n", a, h->resp[i].count);
	}
}

int trace_report_text(const struct trace_target *t, char **out)
{
	struct trace_job *tj = t->tj;
	char host[256] = "localhost";
	size_t size = 0;
	FILE *f = open_memstream(out, &size);

	if (!f)
		return -ENOMEM;
	if (t->outcome == PROBE_UNRESOLVED) {
		fprintf(f, "trace %s: cannot resolve: %s\n", t->name, t->why);
	} else if (t->outcome == PROBE_FAILED) {
		fprintf(f, "trace %s (%s): %s\n", t->name, t->dst_str,
		    t->why[0] ? t->why : strerror(-t->err));
	} else {
		gethostname(host, sizeof(host) - 1);
		fprintf(f, "trace %s (%s) %s", t->name, t->dst_str, trace_proto_name(tj->proto));
		if (tj->proto != IPPROTO_ICMP)
			fprintf(f, " port %u", tj->port);
		fprintf(f, ", %u round%s: %s%s\n", t->round, t->round == 1 ? "" : "s",
		    t->outcome == PROBE_REACHED ? "reached" : "not reached",
		    tj->proto != IPPROTO_TCP || t->outcome != PROBE_REACHED ? "" :
		    t->hops[t->stop_ttl - 1].syn_ack ? " (port open)" : " (port closed)");
		if (t->why[0])
			fprintf(f, "trace %s (%s): %s\n", t->name, t->dst_str, t->why);
		if (trace_shown_hops(t))
			fprintf(f, "HOST: %-31s Loss%%   Snt   Last   Avg  Best  Wrst StDev\n", host);
		for (unsigned ttl = 1, top = trace_shown_hops(t); ttl <= top; ttl++)
			hop_text(f, t, ttl);
	}
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
