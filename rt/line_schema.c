/* line_schema.c: the [line "name"] section: its keys and the checks
 * within one line (line_checks.c has those across lines).
 *
 * A line is one ISP uplink: the interface it leaves by, its gateways,
 * the sources (containers, subnets) that must egress through it and the
 * fwmark that selects its routing table. Probes bound with --via take
 * their interface, mark and source address from here; outpost-routed
 * its table, rules, routes, health checks and failover. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rt.h"
#include "conf_sweep.h"
#include "rt_line.h"

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

bool rt_ifname_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= 16 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r' || *p == '\v' || *p == '\f')
			return false;
	return true;
}

static int check_ifname(const char *raw, char *msg, size_t msglen)
{
	if (rt_ifname_ok(raw))
		return 0;
	snprintf(msg, msglen,
	    "is not an interface name (1 to 15 characters, no '/', ':' or spaces)");
	return 1;
}

bool rt_prefix_contains(const struct conf_prefix *a, const struct conf_addr *b)
{
	const unsigned char *pa, *pb;
	unsigned full, rest;

	if (a->addr.family != b->family)
		return false;
	pa = (const unsigned char *)&a->addr.u;
	pb = (const unsigned char *)&b->u;
	full = a->len / 8;
	rest = a->len % 8;
	if (memcmp(pa, pb, full))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	return (pa[full] & mask) == (pb[full] & mask);
}

bool rt_addr_is_any(const struct conf_addr *a)
{
	static const unsigned char zero[16];

	return !memcmp(&a->u, zero, a->family == AF_INET ? 4 : 16);
}

bool rt_addr_is_multicast(const struct conf_addr *a)
{
	const unsigned char *b = (const unsigned char *)&a->u;

	return a->family == AF_INET ? (b[0] & 0xf0) == 0xe0 : b[0] == 0xff;
}


/* 253, 254 and 255 are the kernel's default, main and local tables:
 * routes Outpost put there would mix with everyone else's. */
static int check_table(const char *raw, char *msg, size_t msglen)
{
	unsigned long long t = strtoull(raw, NULL, 0);

	if (t < RT_TABLE_DEFAULT || t > RT_TABLE_LOCAL)
		return 0;
	snprintf(msg, msglen, "is a table the kernel keeps for itself "
	    "(253 default, 254 main, 255 local)");
	return 1;
}

static int check_uidrange(const char *raw, char *msg, size_t msglen)
{
	uint32_t a, b;
	int r = rt_range_parse(raw, 0, 0xffffffffu, &a, &b);

	if (r == -ERANGE)
		snprintf(msg, msglen, "starts after it ends");
	else if (r < 0)
		snprintf(msg, msglen, "is not a user id or a range of them 'START-END'");
	return r < 0;
}

static int check_dport(const char *raw, char *msg, size_t msglen)
{
	uint32_t a, b;
	int r = rt_range_parse(raw, 1, 65535, &a, &b);

	if (r == -ERANGE)
		snprintf(msg, msglen, "starts after it ends");
	else if (r < 0)
		snprintf(msg, msglen, "is not a port or a range of ports 'START-END' (1 to 65535)");
	return r < 0;
}

static int check_ipproto(const char *raw, char *msg, size_t msglen)
{
	if (rt_ipproto_parse(raw) >= 0)
		return 0;
	snprintf(msg, msglen, "is not tcp, udp, icmp, ipv6-icmp, sctp or a number from 1 to 255");
	return 1;
}

static int check_linename(const char *raw, char *msg, size_t msglen)
{
	if (strlen(raw) < sizeof(((struct rt_line *)0)->name))
		return 0;
	snprintf(msg, msglen, "is longer than a line name can be (63 bytes)");
	return 1;
}

static const struct conf_key_def line_keys[] = {
	{ .name = "interface", .type = CONF_STR, .flags = CONF_REQUIRED, .check = check_ifname,
	  .help = "network interface of the line (eth2, ppp0, ...)" },
	{ .name = "gateway", .type = CONF_ADDR, .flags = CONF_LIST,
	  .help = "next hop of the line's default routes: at most one IPv4 and one IPv6" },
	{ .name = "source", .type = CONF_PREFIX, .flags = CONF_LIST,
	  .help = "addresses or prefixes that leave by this line; a host address is also the probes' source" },
	/* 0 is the mark of unmarked packets: it cannot select a table. */
	{ .name = "fwmark", .type = CONF_INT, .flags = CONF_HEX, .min = 1, .max = 0xffffffffu,
	  .help = "firewall mark that selects the line's routing table (SO_MARK for probes)" },
	{ .name = "table", .type = CONF_INT, .min = 1, .max = 0xffffffffu, .check = check_table,
	  .help = "routing table id of the line (not 253-255); without it the line is not routed" },
	/* 0 is the local rule, 32766 and 32767 the main and default ones. */
	{ .name = "priority", .type = CONF_INT, .min = 1, .max = RT_PRIORITY_MAX,
	  .help = "priority of the line's rules, 1 to 32765" },
	{ .name = "metric", .type = CONF_INT, .def = "0", .max = 0xffffffffu,
	  .help = "metric of the routes in the line's table" },
	{ .name = "route", .type = CONF_PREFIX, .flags = CONF_LIST,
	  .help = "extra prefixes routed by the line in its table (via its gateway)" },
	{ .name = "to", .type = CONF_PREFIX,
	  .help = "destination selector of every rule of the line" },
	{ .name = "iif", .type = CONF_STR, .check = check_ifname,
	  .help = "incoming interface selector of every rule of the line" },
	{ .name = "oif", .type = CONF_STR, .check = check_ifname,
	  .help = "outgoing interface selector (sockets bound to it) of every rule of the line" },
	{ .name = "uidrange", .type = CONF_STR, .check = check_uidrange,
	  .help = "user id selector of every rule of the line: N or START-END" },
	{ .name = "ipproto", .type = CONF_STR, .check = check_ipproto,
	  .help = "IP protocol selector: tcp, udp, icmp, ipv6-icmp, sctp or 1..255" },
	{ .name = "dport", .type = CONF_STR, .check = check_dport,
	  .help = "destination port selector, N or START-END; needs ipproto tcp, udp or sctp" },
	{ .name = "track", .type = CONF_CUSTOM, .custom = &rt_track_type,
	  .help = "health check through the line: icmp TARGET or tcp TARGET:PORT" },
	{ .name = "interval", .type = CONF_DURATION, .def = "1s", .min = 100, .max = 3600000,
	  .help = "time between two health checks, 100ms to 1h" },
	/* No def: its default is the interval, filled in by rt_config. */
	{ .name = "timeout", .type = CONF_DURATION, .min = 1, .max = 3600000,
	  .help = "how long a health check waits for its answer, at most the interval "
		  "(default: the interval)" },
	{ .name = "down-after", .type = CONF_INT, .def = "3", .min = 1, .max = 100,
	  .help = "failed checks in a row that take the line down" },
	{ .name = "up-after", .type = CONF_INT, .def = "2", .min = 1, .max = 100,
	  .help = "good checks in a row that bring the line back up" },
	{ .name = "failover", .type = CONF_STR, .flags = CONF_LIST, .check = check_linename,
	  .help = "lines that take over the rules of this one while it is down, in order" },
	{ .name = "blackhole", .type = CONF_BOOL, .def = "no",
	  .help = "blackhole the line's traffic while it and all its failovers are down" },
};

/* The keys that only mean something to outpost-routed. */
static const char *const routed_keys[] = {
	"priority", "metric", "route", "to", "iif", "oif", "uidrange", "ipproto", "dport",
	"track", "interval", "timeout", "down-after", "up-after", "failover", "blackhole",
};

static void check_gateways(const struct conf_section *sec, struct conf_report *rep)
{
	bool seen4 = false, seen6 = false;

	for (size_t i = 0; i < conf_get_count(sec, "gateway"); i++) {
		const struct conf_addr *gw = &conf_get_at(sec, "gateway", i)->v.addr;
		bool *seen = gw->family == AF_INET ? &seen4 : &seen6;

		if (rt_addr_is_any(gw) || rt_addr_is_multicast(gw))
			conf_report_at(rep, sec, "gateway", i, "is not a unicast address");
		else if (*seen)
			conf_report_at(rep, sec, "gateway", i, "a line has at most one %s gateway",
			    gw->family == AF_INET ? "IPv4" : "IPv6");
		*seen = true;
	}
}

/* The values of a prefix list key of one section, for conf_pfx_sweep. */
static struct conf_pfx_ent *entries(const struct conf_section *sec, const char *key, size_t *n)
{
	size_t count = conf_get_count(sec, key);
	struct conf_pfx_ent *v = calloc(count ? count : 1, sizeof(*v));

	*n = 0;
	if (v)
		conf_pfx_collect(sec, key, 0, v, n);
	return v;
}

struct within {
	struct conf_report	*rep;
	bool			route;
};

/* A source covered by an earlier one of its line; a route twice. */
static bool within_pair(struct conf_pfx_ent *outer, struct conf_pfx_ent *inner, void *arg)
{
	struct within *w = arg;
	struct conf_value v = { .type = CONF_PREFIX, .v.prefix = inner->p };
	char txt[64];

	if (inner->reported || outer->idx > inner->idx)
		return true;
	if (w->route && outer->p.len != inner->p.len)
		return true;
	inner->reported = true;
	conf_value_format(&v, 0, txt, sizeof(txt));
	if (w->route)
		conf_report_at(w->rep, inner->sec, "route", inner->idx,
		    "'%s' is already a route of this line", txt);
	else
		conf_report_at(w->rep, inner->sec, "source", inner->idx,
		    "'%s' is already covered by an earlier source of this line", txt);
	return false;
}

static int check_within(const struct conf_section *sec, const char *key, struct conf_report *rep)
{
	struct within w = { .rep = rep, .route = !strcmp(key, "route") };
	size_t n;
	struct conf_pfx_ent *v = entries(sec, key, &n);
	int r;

	if (!v)
		return -ENOMEM;
	r = conf_pfx_sweep(v, n, within_pair, &w);
	free(v);
	return r;
}

/* One rule holds both from and to: they share a family. */
static void check_to(const struct conf_section *sec, struct conf_report *rep)
{
	const struct conf_prefix *to = conf_get_prefix(sec, "to");
	char txt[64];

	for (size_t i = 0; to && i < conf_get_count(sec, "source"); i++) {
		const struct conf_value *v = conf_get_at(sec, "source", i);

		if (to->addr.family == v->v.prefix.addr.family)
			continue;
		conf_value_format(v, 0, txt, sizeof(txt));
		conf_report_at(rep, sec, "source", i,
		    "'%s' is not of the family of 'to': no rule can hold both", txt);
	}
}

/* A failover target must be another line that has a table to point at. */
static void check_failover(const struct conf *conf, const struct conf_section *sec,
			   struct conf_report *rep)
{
	size_t n = conf_get_count(sec, "failover");

	for (size_t i = 0; i < n; i++) {
		const char *name = conf_get_at(sec, "failover", i)->v.str;
		const struct conf_section *t = conf_section_find(conf, "line", name);
		char show[CONF_SHOW_MAX];
		size_t j;

		for (j = 0; j < i; j++)
			if (!strcmp(conf_get_at(sec, "failover", j)->v.str, name))
				break;
		if (j < i)
			conf_report_at(rep, sec, "failover", i, "names [line \"%s\"] twice",
			    conf_show(name, show));
		else if (!strcmp(name, conf_section_name(sec)))
			conf_report_at(rep, sec, "failover", i, "names the line itself");
		else if (!t)
			conf_report_at(rep, sec, "failover", i, "'%s' is not a [line] of this config",
			    conf_show(name, show));
		else if (!conf_key_line(t, "table"))
			conf_report_at(rep, sec, "failover", i,
			    "[line \"%s\"] has no table: its rules have nowhere to point",
			    conf_show(name, show));
	}
}

/* Across the keys of one [line]: addresses that cannot route, keys that
 * need a table, selectors that need each other. */
static int line_validate(const struct conf *conf, const struct conf_section *sec,
			 struct conf_report *rep)
{
	char txt[64];

	check_gateways(sec, rep);
	check_to(sec, rep);
	if (check_within(sec, "source", rep) < 0 || check_within(sec, "route", rep) < 0)
		return -ENOMEM;
	/* A key written with a bad value has its own message already. */
	if (!conf_key_line(sec, "table")) {
		for (size_t i = 0; i < sizeof(routed_keys) / sizeof(routed_keys[0]); i++)
			if (conf_is_set(sec, routed_keys[i]))
				conf_report(rep, sec, routed_keys[i],
				    "has no table: outpost-routed does not route it");
		return 0;
	}
	if (!conf_key_line(sec, "priority"))
		conf_report(rep, sec, "table", "needs a priority (1 to %d) for the line's rules",
		    RT_PRIORITY_MAX);
	if (conf_is_set(sec, "timeout") &&
	    conf_get_duration_ms(sec, "timeout") > conf_get_duration_ms(sec, "interval")) {
		conf_value_format(conf_get_at(sec, "interval", 0), 0, txt, sizeof(txt));
		conf_report(rep, sec, "timeout", "is longer than the interval (%s)", txt);
	}
	if (conf_is_set(sec, "dport")) {
		const char *p = conf_get_str(sec, "ipproto");
		int n = p ? rt_ipproto_parse(p) : -1;

		if (n != 6 && n != 17 && n != 132)
			conf_report(rep, sec, "dport", "needs ipproto tcp, udp or sctp");
	}
	check_failover(conf, sec, rep);
	return 0;
}

const struct conf_section_def rt_line_conf_section = {
	.name = "line", .naming = CONF_NAME_REQUIRED,
	.keys = line_keys, .nkeys = NKEYS(line_keys),
	.help = "an ISP line: its interface, gateways, sources, fwmark, table, rules and health check",
	.validate = line_validate, .validate_config = rt_lines_validate,
};
