/* probe_conf.c: a checked [probe] section into the struct probe_spec a job
 * runs. The schema (probe_schema.c) refused what does not fit; this only
 * converts, filling in the per-type defaults the schema's round-length
 * check assumed, so the daemon runs exactly what -n accepted, and takes
 * via through the same code as outpost-probe --via (probe_via.c). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "probe_schema.h"

static int fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void addr_to_ss(const struct conf_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr = a->u.v4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = a->u.v6;
	}
}

/* dns: the resolvers as one block, the pointer array followed by the
 * strings, so the spec owns them apart from conf and one free() ends it. */
static int dns_servers_from_conf(const struct conf_section *sec, struct probe_spec *spec)
{
	size_t n = conf_get_count(sec, "resolvers"), bytes = n * sizeof(char *);
	const char **v;
	char *str;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(conf_get_at(sec, "resolvers", i)->v.str) + 1;
	if (!n || !(v = malloc(bytes)))
		return n ? -ENOMEM : 0;
	str = (char *)(v + n);
	for (size_t i = 0; i < n; i++) {
		const char *r = conf_get_at(sec, "resolvers", i)->v.str;

		v[i] = str;
		str = stpcpy(str, r) + 1;
	}
	spec->dns_servers = v;
	spec->n_dns_servers = n;
	return 0;
}

/* hijack: references, DoT references, the NXDOMAIN domain and the bogon
 * exemptions into the spec's arrays, as --ref, --dot, --nx-domain and
 * --not-bogon fill them (the schema checked the counts and forms); qtype
 * as -t gives it; the sink and the capture window of the injection
 * check. */
static int hijack_from_conf(const struct conf_section *sec, struct probe_spec *spec,
    char *why, size_t whylen)
{
	size_t n;
	const struct conf_addr *a;
	char buf[INET6_ADDRSTRLEN];

	if ((n = conf_get_count(sec, "references")) > PROBE_HIJACK_MAX_REFS ||
	    conf_get_count(sec, "dot") > PROBE_HIJACK_MAX_DOTS ||
	    conf_get_count(sec, "not-bogon") > PROBE_HIJACK_MAX_EXEMPT)
		return fail(why, whylen, "too many references, dot or not-bogon");
	for (size_t i = 0; i < n; i++)
		snprintf(spec->hijack_ref[spec->n_hijack_ref++], sizeof(spec->hijack_ref[0]), "%s",
		    conf_get_at(sec, "references", i)->v.str);
	for (size_t i = 0; i < conf_get_count(sec, "dot"); i++)
		snprintf(spec->hijack_dot[spec->n_hijack_dot++], sizeof(spec->hijack_dot[0]), "%s",
		    conf_get_at(sec, "dot", i)->v.str);
	if (conf_get_str(sec, "nx-domain"))
		snprintf(spec->hijack_nx_domain, sizeof(spec->hijack_nx_domain), "%s",
		    conf_get_str(sec, "nx-domain"));
	for (size_t i = 0; i < conf_get_count(sec, "not-bogon"); i++) {
		const struct conf_prefix *p = &conf_get_at(sec, "not-bogon", i)->v.prefix;

		/* INET6_ADDRSTRLEN (46) + "/128" fits in the field's 52. */
		inet_ntop(p->addr.family, &p->addr.u, buf, sizeof(buf));
		snprintf(spec->hijack_not_bogon[spec->n_hijack_not_bogon++],
		    sizeof(spec->hijack_not_bogon[0]), "%.45s/%u", buf, p->len & 0xff);
	}
	spec->dns_qtype = (uint16_t)probe_schema_qtype(conf_get_str(sec, "qtype"));
	if ((a = conf_get_addr(sec, "sink")))
		addr_to_ss(a, &spec->inject_sink);
	spec->inject_window_ms = conf_get_duration_ms(sec, "window");
	return 0;
}

int probe_spec_from_conf(const struct conf *conf, const struct conf_section *sec,
    struct probe_spec *spec, char *why, size_t whylen)
{
	int type = probe_type_parse(conf_get_str(sec, "type") ? conf_get_str(sec, "type") : "");
	struct probe_conf_defaults d;
	const struct conf_addr *a;
	const char *s;

	memset(spec, 0, sizeof(*spec));
	probe_path_init(&spec->path);
	if (type < 0)
		return fail(why, whylen, "type: not a probe type");
	probe_conf_defaults(type, &d);
	spec->type = (enum probe_type)type;
	s = conf_get_str(sec, "family");
	spec->family = !strcmp(s, "ipv4") ? AF_INET : !strcmp(s, "ipv6") ? AF_INET6 : AF_UNSPEC;
	spec->count = conf_is_set(sec, "count") ? (unsigned)conf_get_u64(sec, "count") : d.count;
	spec->timeout_ms = conf_is_set(sec, "timeout") ? conf_get_duration_ms(sec, "timeout") :
	    d.timeout_ms;
	spec->interval_ms = d.gap_ms;
	spec->rate = (double)conf_get_u64(sec, "rate");
	spec->size = (unsigned)conf_get_size(sec, "size");
	spec->port = (uint16_t)conf_get_u64(sec, "port");
	s = conf_get_str(sec, "proto");
	spec->trace_proto = !strcmp(s, "udp") ? IPPROTO_UDP : !strcmp(s, "tcp") ? IPPROTO_TCP :
	    IPPROTO_ICMP;
	spec->max_hops = (unsigned)conf_get_u64(sec, "max-hops");
	spec->queries = (unsigned)conf_get_u64(sec, "queries");
	spec->sni = conf_get_str(sec, "sni");
	spec->ca_file = conf_get_str(sec, "ca-file");
	spec->no_verify = conf_get_bool(sec, "insecure");
	spec->max_redirects = conf_get_bool(sec, "follow") ?
	    (unsigned)conf_get_u64(sec, "max-redirects") : 0;
	if (type == PROBE_HIJACK && hijack_from_conf(sec, spec, why, whylen) < 0)
		return -EINVAL;

	/* The line's interface, fwmark and source, as --via takes them. */
	if ((s = conf_get_str(sec, "via")) &&
	    probe_path_via(&spec->path, conf, s, spec->family, why, whylen) < 0)
		return -EINVAL;
	if ((s = conf_get_str(sec, "interface")))
		snprintf(spec->path.ifname, sizeof(spec->path.ifname), "%s", s);
	if ((a = conf_get_addr(sec, "source")))
		addr_to_ss(a, &spec->path.src);
	if (conf_is_set(sec, "mark")) {
		spec->path.has_mark = true;
		spec->path.mark = (uint32_t)conf_get_u64(sec, "mark");
	}
	if (conf_is_set(sec, "tos"))
		spec->path.tos = (int)conf_get_u64(sec, "tos");
	if (conf_is_set(sec, "ttl"))
		spec->path.ttl = (int)conf_get_u64(sec, "ttl");
	/* Last, so that no failure leaves the allocation behind. */
	if (type == PROBE_DNS) {
		spec->dns_qtype = (uint16_t)probe_schema_qtype(conf_get_str(sec, "qtype"));
		spec->dns_tcp = conf_get_bool(sec, "tcp");
		if (dns_servers_from_conf(sec, spec) < 0)
			return fail(why, whylen, "out of memory");
	}
	return 0;
}
