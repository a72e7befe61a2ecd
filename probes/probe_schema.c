/* probe_schema.c: the [probe "name"] section of outpost.conf(5).
 *
 * One table holds the keys of every type; which keys a type takes is a
 * mask beside each key, so the section validator refuses a key that
 * means nothing for the type (a port on a ping) instead of ignoring it.
 * What the validators accept, outpost-probed runs: -n says it all.
 *
 * This object file needs only libop (every tool that reads outpost.conf
 * links it): the type names are listed here, not taken from the engine. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "probe_schema.h"
#include "spool.h"

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

#define T(t)	(1u << (t))
#define T_ALL	(T(PROBE_PING) | T(PROBE_TCP) | T(PROBE_TRACE) | T(PROBE_TLS) | T(PROBE_HTTP) | \
		 T(PROBE_DNS) | T(PROBE_HIJACK))
/* The probes that send packets of their own choosing, not DNS queries. */
#define T_PKT	(T(PROBE_PING) | T(PROBE_TCP) | T(PROBE_TRACE) | T(PROBE_TLS) | T(PROBE_HTTP))

/* In enum probe_type order, as probe_type_name() spells them. */
/* Types without a [probe] form yet (dns: its keys are the dnsd part) are
 * NULL here. */
static const char *const type_names[PROBE_NTYPES] = {
	"ping", "tcp", "trace", "tls", "http", "dns", "hijack",
};

static int type_of(const char *s)
{
	for (int t = 0; s && t < PROBE_NTYPES; t++)
		if (type_names[t] && strcmp(s, type_names[t]) == 0)
			return t;
	return -1;
}

static int check_type(const char *raw, char *msg, size_t msglen)
{
	if (type_of(raw) >= 0)
		return 0;
	snprintf(msg, msglen, "is not a probe type (ping, tcp, trace, tls, http, dns or hijack)");
	return 1;
}

static int check_family(const char *raw, char *msg, size_t msglen)
{
	if (!strcmp(raw, "any") || !strcmp(raw, "ipv4") || !strcmp(raw, "ipv6"))
		return 0;
	snprintf(msg, msglen, "is not any, ipv4 or ipv6");
	return 1;
}

static int check_proto(const char *raw, char *msg, size_t msglen)
{
	if (!strcmp(raw, "icmp") || !strcmp(raw, "udp") || !strcmp(raw, "tcp"))
		return 0;
	snprintf(msg, msglen, "is not icmp, udp or tcp");
	return 1;
}

static int check_ifname(const char *raw, char *msg, size_t msglen)
{
	size_t n = strlen(raw);

	if (n > 0 && n < IF_NAMESIZE && !strchr(raw, '/') && !strpbrk(raw, " \t"))
		return 0;
	snprintf(msg, msglen, "is not an interface name (1 to %d characters, no '/' or space)",
	    IF_NAMESIZE - 1);
	return 1;
}

static int check_target(const char *raw, char *msg, size_t msglen)
{
	if (raw[0] && !strpbrk(raw, " \t"))
		return 0;
	snprintf(msg, msglen, "is not a host name, address or URL");
	return 1;
}

static const struct conf_key_def probe_keys[] = {
	{ .name = "type", .type = CONF_STR, .flags = CONF_REQUIRED, .check = check_type,
	  .help = "what to measure: ping, tcp, trace, tls, http, dns or hijack" },
	{ .name = "target", .type = CONF_STR, .flags = CONF_REQUIRED | CONF_LIST,
	  .check = check_target,
	  .help = "host name or address to probe (an http:// or https:// URL for http; "
	  "dns, hijack: the name to look up); repeat for more" },
	{ .name = "interval", .type = CONF_DURATION, .def = "5m", .min = 1000, .max = 86400000,
	  .help = "time between the starts of two rounds" },
	{ .name = "spread", .type = CONF_DURATION, .def_doc = "interval", .max = 86400000,
	  .help = "the first round starts at a random offset below this" },
	{ .name = "count", .type = CONF_INT, .min = 1, .max = 1000, .def_doc = "per type",
	  .help = "probes per target and round" },
	{ .name = "timeout", .type = CONF_DURATION, .min = 10, .max = 60000, .def_doc = "per type",
	  .help = "how long one probe waits for its answer" },
	{ .name = "via", .type = CONF_STR,
	  .help = "a [line] name: probe through its interface, source and fwmark" },
	{ .name = "interface", .type = CONF_STR, .check = check_ifname,
	  .help = "leave through this interface (SO_BINDTODEVICE)" },
	{ .name = "source", .type = CONF_ADDR,
	  .help = "source address of the probes" },
	{ .name = "mark", .type = CONF_INT, .flags = CONF_HEX, .max = 0xffffffffu,
	  .help = "fwmark of the probes (SO_MARK; the daemon keeps CAP_NET_ADMIN for it)" },
	{ .name = "tos", .type = CONF_INT, .max = 255,
	  .help = "IPv4 TOS / IPv6 traffic class byte" },
	{ .name = "ttl", .type = CONF_INT, .min = 1, .max = 255,
	  .help = "IPv4 TTL / IPv6 hop limit" },
	{ .name = "family", .type = CONF_STR, .def = "any", .check = check_family,
	  .help = "address family of the targets: any, ipv4 or ipv6" },
	{ .name = "port", .type = CONF_INT, .min = 1, .max = 65535,
	  .help = "tcp, tls: the port to connect to; trace: destination port of udp/tcp probes" },
	{ .name = "size", .type = CONF_SIZE, .max = 65507,
	  .help = "ping: ICMP payload bytes" },
	{ .name = "rate", .type = CONF_INT, .min = 1, .max = 1000000,
	  .help = "ping: packets per second over all targets" },
	{ .name = "proto", .type = CONF_STR, .def = "icmp", .check = check_proto,
	  .help = "trace: icmp, udp or tcp probes" },
	{ .name = "max-hops", .type = CONF_INT, .def = "30", .min = 1, .max = 255,
	  .help = "trace: the farthest hop probed" },
	{ .name = "queries", .type = CONF_INT, .def = "3", .min = 1, .max = 16,
	  .help = "trace: probes per hop, sent in parallel" },
	{ .name = "sni", .type = CONF_STR,
	  .help = "tls, http: server name sent and checked, instead of the target's" },
	{ .name = "ca-file", .type = CONF_STR,
	  .help = "tls, http: PEM file of CAs to verify with, instead of the system's" },
	{ .name = "insecure", .type = CONF_BOOL, .def = "no",
	  .help = "tls, http: report a bad certificate but do not fail on it" },
	{ .name = "follow", .type = CONF_BOOL, .def = "no",
	  .help = "http: follow redirects" },
	{ .name = "max-redirects", .type = CONF_INT, .def = "5", .min = 1, .max = 50,
	  .help = "http: most redirects followed (with follow = yes)" },
	/* dns and hijack (the dnsd part of issue 8) */
	{ .name = "resolvers", .type = CONF_STR, .flags = CONF_LIST, .def = "system",
	  .check = probe_schema_check_resolver,
	  .help = "dns, hijack: the resolvers measured / under test: system (each of "
	  "/etc/resolv.conf) or ADDRESS[:PORT]" },
	{ .name = "qtype", .type = CONF_STR, .def = "A", .check = probe_schema_check_qtype,
	  .help = "dns: the query type (A, AAAA, MX, ... or a number); hijack: A or AAAA" },
	{ .name = "tcp", .type = CONF_BOOL, .def = "no",
	  .help = "dns: query over TCP instead of UDP" },
	{ .name = "references", .type = CONF_STR, .flags = CONF_LIST,
	  .check = probe_schema_check_server,
	  .help = "hijack: plain reference resolvers, ADDRESS[:PORT]" },
	{ .name = "dot", .type = CONF_STR, .flags = CONF_LIST, .check = probe_schema_check_dot,
	  .help = "hijack: DNS-over-TLS references, ADDRESS[:PORT][#TLS-NAME]" },
	{ .name = "sink", .type = CONF_ADDR,
	  .help = "hijack: an address beyond the path that runs no DNS server" },
	{ .name = "nx-domain", .type = CONF_STR, .check = probe_schema_check_domain,
	  .def_doc = "the target's parent domain",
	  .help = "hijack: the domain random NXDOMAIN labels are made under" },
	{ .name = "not-bogon", .type = CONF_PREFIX, .flags = CONF_LIST,
	  .help = "hijack: prefixes not counted as bogons" },
	{ .name = "window", .type = CONF_DURATION, .def = "1s", .min = 10, .max = 60000,
	  .help = "hijack: how long replies to one query are captured after the first" },
};

/* The types each key belongs to, by name; the keys not listed take all. */
static const struct {
	const char *key;
	unsigned types;
} key_types[] = {
	{ "port", T(PROBE_TCP) | T(PROBE_TLS) | T(PROBE_TRACE) },
	{ "size", T(PROBE_PING) },
	{ "rate", T(PROBE_PING) },
	{ "proto", T(PROBE_TRACE) },
	{ "max-hops", T(PROBE_TRACE) },
	{ "queries", T(PROBE_TRACE) },
	{ "sni", T(PROBE_TLS) | T(PROBE_HTTP) },
	{ "ca-file", T(PROBE_TLS) | T(PROBE_HTTP) | T(PROBE_HIJACK) },
	{ "insecure", T(PROBE_TLS) | T(PROBE_HTTP) },
	{ "follow", T(PROBE_HTTP) },
	{ "max-redirects", T(PROBE_HTTP) },
	/* dnsd: a DNS query goes through the resolver library, which sets no
	 * TOS or TTL and picks the family from the server's address. */
	{ "tos", T_PKT },
	{ "ttl", T_PKT },
	{ "family", T_PKT },
	{ "count", T_PKT | T(PROBE_DNS) },
	{ "resolvers", T(PROBE_DNS) | T(PROBE_HIJACK) },
	{ "qtype", T(PROBE_DNS) | T(PROBE_HIJACK) },
	{ "tcp", T(PROBE_DNS) },
	{ "references", T(PROBE_HIJACK) },
	{ "dot", T(PROBE_HIJACK) },
	{ "sink", T(PROBE_HIJACK) },
	{ "nx-domain", T(PROBE_HIJACK) },
	{ "not-bogon", T(PROBE_HIJACK) },
	{ "window", T(PROBE_HIJACK) },
};

static unsigned types_of_key(const char *key)
{
	for (size_t i = 0; i < NKEYS(key_types); i++)
		if (strcmp(key_types[i].key, key) == 0)
			return key_types[i].types;
	return T_ALL;
}

/* Defaults per type: a ping round is a few echoes a second apart (RIPE
 * Atlas sends 3); the others are one attempt, given time to finish. */
void probe_conf_defaults(int type, struct probe_conf_defaults *d)
{
	d->count = type == PROBE_PING ? 3 : 1;
	d->gap_ms = 1000;
	switch (type) {
	case PROBE_PING:
	case PROBE_TRACE:
		d->timeout_ms = 1000;
		break;
	case PROBE_TCP:
		d->timeout_ms = 3000;
		break;
	case PROBE_TLS:
	case PROBE_HIJACK:
		d->timeout_ms = 5000;
		break;
	case PROBE_DNS:
		/* c-ares' own default for one try. */
		d->timeout_ms = 2000;
		break;
	default:
		d->timeout_ms = 10000;
		break;
	}
}

/* The worst case of one round; see outpost.conf(5), "interval". */
uint64_t probe_conf_round_ms(const struct conf_section *sec)
{
	int type = type_of(conf_get_str(sec, "type"));
	struct probe_conf_defaults d;
	uint64_t count, timeout, gap, n, rate;

	if (type < 0)
		return 0;
	probe_conf_defaults(type, &d);
	count = conf_is_set(sec, "count") ? conf_get_u64(sec, "count") : d.count;
	timeout = conf_is_set(sec, "timeout") ? conf_get_duration_ms(sec, "timeout") : d.timeout_ms;
	gap = d.gap_ms;
	switch (type) {
	case PROBE_PING:
		/* Paced over all targets, a round may last longer than its
		 * echoes to one target would. */
		n = conf_get_count(sec, "target");
		rate = conf_get_u64(sec, "rate");
		if (rate && count * n * 1000 / rate > count * gap)
			return count * n * 1000 / rate + timeout;
		return count * gap + timeout;
	case PROBE_TRACE:
		return count * conf_get_u64(sec, "max-hops") * timeout;
	case PROBE_DNS:
		/* Paced like ping; a truncated UDP reply is asked again over
		 * TCP, which may take its own timeout. */
		return count * gap + 2 * timeout;
	case PROBE_HIJACK:
		/* The queries to the resolvers and references, then the TLS
		 * confirmation of disjoint answers, then the NXDOMAIN probes,
		 * each within timeout; the capture window after the first reply. */
		return 3 * timeout + conf_get_duration_ms(sec, "window");
	case PROBE_HTTP:
		if (conf_get_bool(sec, "follow"))
			return count * (conf_get_u64(sec, "max-redirects") + 1) * timeout;
		return count * timeout;
	default:
		return count * timeout;
	}
}

/* A key set for a type it means nothing to is refused, not ignored. */
static void check_keys_of_type(const struct conf_section *sec, int type,
    struct conf_report *rep)
{
	for (size_t i = 0; i < NKEYS(probe_keys); i++) {
		const char *k = probe_keys[i].name;

		if (conf_is_set(sec, k) && !(types_of_key(k) & T(type)))
			conf_report(rep, sec, k, "is not a key of a %s probe", type_names[type]);
	}
}

static bool is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

/* Each target once, and in the form the type takes. */
static void check_targets(const struct conf_section *sec, int type, struct conf_report *rep)
{
	char shown[CONF_SHOW_MAX];
	size_t n = conf_get_count(sec, "target");

	for (size_t i = 0; i < n; i++) {
		const char *t = conf_get_at(sec, "target", i)->v.str;

		if (type == PROBE_HTTP && !is_url(t))
			conf_report_at(rep, sec, "target", i,
			    "'%s' is not an http:// or https:// URL", conf_show(t, shown));
		else if ((type == PROBE_DNS || type == PROBE_HIJACK) &&
		    !probe_schema_domain_ok(t, strlen(t)))
			conf_report_at(rep, sec, "target", i,
			    "'%s' is not a domain name (a %s probe looks it up)", conf_show(t, shown),
			    type_names[type]);
		else if (type != PROBE_HTTP && strstr(t, "://"))
			conf_report_at(rep, sec, "target", i,
			    "'%s' is a URL; a %s probe takes a host name or address",
			    conf_show(t, shown), type_names[type]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(conf_get_at(sec, "target", k)->v.str, t) == 0) {
				conf_report_at(rep, sec, "target", i,
				    "'%s' is already a target of this probe", conf_show(t, shown));
				break;
			}
	}
}

/* Each value of a list key once: a resolver measured twice in one round
 * would only race itself. */
static void check_unique(const struct conf_section *sec, const char *key,
    struct conf_report *rep)
{
	char shown[CONF_SHOW_MAX];
	size_t n = conf_get_count(sec, key);

	if (!conf_is_set(sec, key))
		return;
	for (size_t i = 1; i < n; i++)
		for (size_t k = 0; k < i; k++)
			if (!strcmp(conf_get_at(sec, key, k)->v.str, conf_get_at(sec, key, i)->v.str)) {
				conf_report_at(rep, sec, key, i, "'%s' is listed twice",
				    conf_show(conf_get_at(sec, key, i)->v.str, shown));
				break;
			}
}

/* dnsd: the dns and hijack types' checks across keys. */
static void check_dns_keys(const struct conf_section *sec, int type, struct conf_report *rep)
{
	const char *qt = conf_get_str(sec, "qtype");
	int q = probe_schema_qtype(qt ? qt : "A");

	if (type != PROBE_DNS && type != PROBE_HIJACK)
		return;
	check_unique(sec, "resolvers", rep);
	if (type != PROBE_HIJACK)
		return;
	check_unique(sec, "references", rep);
	check_unique(sec, "dot", rep);
	/* Bogons and the TLS confirmation are about addresses. */
	if (conf_is_set(sec, "qtype") && q != 1 && q != 28)
		conf_report(rep, sec, "qtype", "a hijack probe takes A or AAAA");
	/* The room outpost-probe hijack has for them (probe.h). */
	if (conf_get_count(sec, "references") > PROBE_HIJACK_MAX_REFS)
		conf_report(rep, sec, "references", "lists more than %d", PROBE_HIJACK_MAX_REFS);
	if (conf_get_count(sec, "dot") > PROBE_HIJACK_MAX_DOTS)
		conf_report(rep, sec, "dot", "lists more than %d", PROBE_HIJACK_MAX_DOTS);
	if (conf_get_count(sec, "not-bogon") > PROBE_HIJACK_MAX_EXEMPT)
		conf_report(rep, sec, "not-bogon", "lists more than %d", PROBE_HIJACK_MAX_EXEMPT);
	if (!conf_get_count(sec, "references") && !conf_get_count(sec, "dot"))
		conf_report(rep, sec, "type", "a hijack probe needs references or dot (what the "
		    "answers of the resolvers are compared with)");
}

/* Across the keys of one [probe]. */
static int validate(const struct conf *conf, const struct conf_section *sec,
    struct conf_report *rep)
{
	int type = type_of(conf_get_str(sec, "type"));
	uint64_t interval = conf_get_duration_ms(sec, "interval"), round;
	const struct conf_addr *src = conf_get_addr(sec, "source");
	const char *fam = conf_get_str(sec, "family");
	static const char *const path_keys[] = { "interface", "source", "mark" };

	(void)conf;
	/* The name is the event's: it must be a spool event name. */
	if (!spool_name_ok(conf_section_name(sec)))
		conf_report(rep, sec, NULL, "the name must be 1 to %d of A-Z a-z 0-9 _ . : -, "
		    "as it names the probe's events", SPOOL_NAME_MAX);
	if (type < 0)
		return 0;	/* missing (reported as required) or bad (by check_type) */
	check_keys_of_type(sec, type, rep);
	check_targets(sec, type, rep);
	check_dns_keys(sec, type, rep);
	/* A port written with a bad value was reported already. */
	if (type == PROBE_TCP && !conf_key_file(sec, "port"))
		conf_report(rep, sec, "type", "a tcp probe needs port");
	if (type == PROBE_TLS && !conf_key_file(sec, "port"))
		conf_report(rep, sec, "type", "a tls probe needs port (443 for HTTPS)");
	if (type == PROBE_TRACE && conf_is_set(sec, "port") &&
	    strcmp(conf_get_str(sec, "proto"), "icmp") == 0)
		conf_report(rep, sec, "port", "means nothing with proto icmp");
	if (type == PROBE_HTTP && conf_is_set(sec, "max-redirects") && !conf_get_bool(sec, "follow"))
		conf_report(rep, sec, "max-redirects", "is set but follow is no");
	if (conf_is_set(sec, "via"))
		for (size_t i = 0; i < NKEYS(path_keys); i++)
			if (conf_is_set(sec, path_keys[i]))
				conf_report(rep, sec, path_keys[i],
				    "is set with via, which takes it from [line \"%s\"]",
				    conf_get_str(sec, "via"));
	if (src && ((src->family == AF_INET && !strcmp(fam, "ipv6")) ||
	    (src->family == AF_INET6 && !strcmp(fam, "ipv4"))))
		conf_report(rep, sec, "source", "is not an address of family %s", fam);
	if (conf_is_set(sec, "spread") && conf_get_duration_ms(sec, "spread") > interval)
		conf_report(rep, sec, "spread", "is longer than interval (%llu ms)",
		    (unsigned long long)interval);
	round = probe_conf_round_ms(sec);
	if (round > interval)
		conf_report(rep, sec, "interval",
		    "is shorter than a round of this probe can take (%llu ms: see count, "
		    "timeout%s)", (unsigned long long)round,
		    type == PROBE_PING ? ", rate" : type == PROBE_TRACE ? ", max-hops" :
		    type == PROBE_HTTP ? ", max-redirects" : type == PROBE_HIJACK ? ", window" : "");
	return 0;
}

/* Across sections: each via names a [line] that exists. */
static int validate_config(const struct conf *conf, struct conf_report *rep)
{
	const struct conf_section *p;
	char shown[CONF_SHOW_MAX];
	const char *via;

	for (p = conf_section_next(conf, "probe", NULL); p; p = conf_section_next(conf, "probe", p)) {
		via = conf_get_str(p, "via");
		if (via && !conf_section_find(conf, "line", via))
			conf_report(rep, p, "via", "'%s' names no [line] section",
			    conf_show(via, shown));
	}
	return 0;
}

const struct conf_section_def probe_conf_section = {
	.name = "probe", .naming = CONF_NAME_REQUIRED,
	.keys = probe_keys, .nkeys = NKEYS(probe_keys),
	.help = "a probe outpost-probed runs on a schedule",
	.validate = validate, .validate_config = validate_config,
};
