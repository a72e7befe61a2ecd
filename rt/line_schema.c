/* line_schema.c: the [line "name"] section, the part the probes need.
 *
 * A line is one ISP uplink: the interface it leaves by, its gateway,
 * the sources (containers, subnets) that must egress through it and the
 * fwmark that selects its routing table. Probes bound with --via take
 * their interface, mark and source address from here. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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

static bool addr_is_any(const struct conf_addr *a)
{
	static const unsigned char zero[16];

	return !memcmp(&a->u, zero, a->family == AF_INET ? 4 : 16);
}

static bool addr_is_multicast(const struct conf_addr *a)
{
	const unsigned char *b = (const unsigned char *)&a->u;

	return a->family == AF_INET ? (b[0] & 0xf0) == 0xe0 : b[0] == 0xff;
}

static const struct conf_key_def line_keys[] = {
	{ .name = "interface", .type = CONF_STR, .flags = CONF_REQUIRED, .check = check_ifname,
	  .help = "network interface of the line (eth2, ppp0, ...)" },
	{ .name = "gateway", .type = CONF_ADDR,
	  .help = "next hop of the line's default route" },
	{ .name = "source", .type = CONF_PREFIX, .flags = CONF_LIST,
	  .help = "addresses or prefixes that leave by this line; a host address is also the probes' source" },
	/* 0 is the mark of unmarked packets: it cannot select a table. */
	{ .name = "fwmark", .type = CONF_INT, .flags = CONF_HEX, .min = 1, .max = 0xffffffffu,
	  .help = "firewall mark that selects the line's routing table (SO_MARK for probes)" },
};

/* Across the keys of one [line]: addresses that cannot route. */
static int line_validate(const struct conf *conf, const struct conf_section *sec,
			 struct conf_report *rep)
{
	const struct conf_addr *gw = conf_get_addr(sec, "gateway");
	char txt[64];
	size_t i, j, n = conf_get_count(sec, "source");

	(void)conf;
	if (gw && (addr_is_any(gw) || addr_is_multicast(gw)))
		conf_report(rep, sec, "gateway", "is not a unicast address");
	for (i = 0; i < n; i++) {
		const struct conf_value *v = conf_get_at(sec, "source", i);

		for (j = 0; j < i; j++) {
			const struct conf_value *w = conf_get_at(sec, "source", j);

			if (rt_prefix_contains(&w->v.prefix, &v->v.prefix.addr) &&
			    w->v.prefix.len <= v->v.prefix.len) {
				conf_value_format(v, 0, txt, sizeof(txt));
				conf_report_at(rep, sec, "source", i,
				    "'%s' is already covered by an earlier source of this line", txt);
				break;
			}
		}
	}
	return 0;
}

/* Two prefixes overlap when either contains the other's network. */
static bool prefixes_overlap(const struct conf_prefix *a, const struct conf_prefix *b)
{
	return rt_prefix_contains(a, &b->addr) || rt_prefix_contains(b, &a->addr);
}

/* Across lines: a mark or a source must select one line only. */
static int lines_validate(const struct conf *conf, struct conf_report *rep)
{
	const struct conf_section *a, *b;
	char txt[64];

	for (a = conf_section_next(conf, "line", NULL); a; a = conf_section_next(conf, "line", a))
		for (b = conf_section_next(conf, "line", a); b;
		     b = conf_section_next(conf, "line", b)) {
			if (conf_is_set(a, "fwmark") && conf_is_set(b, "fwmark") &&
			    conf_get_u64(a, "fwmark") == conf_get_u64(b, "fwmark"))
				conf_report(rep, b, "fwmark", "0x%llx is already the mark of [line \"%s\"]",
				    (unsigned long long)conf_get_u64(b, "fwmark"),
				    conf_section_name(a));
			for (size_t i = 0; i < conf_get_count(b, "source"); i++)
				for (size_t k = 0; k < conf_get_count(a, "source"); k++) {
					const struct conf_value *vb = conf_get_at(b, "source", i);
					const struct conf_value *va = conf_get_at(a, "source", k);

					if (!prefixes_overlap(&va->v.prefix, &vb->v.prefix))
						continue;
					conf_value_format(vb, 0, txt, sizeof(txt));
					conf_report_at(rep, b, "source", i,
					    "'%s' overlaps a source of [line \"%s\"]", txt,
					    conf_section_name(a));
					break;
				}
		}
	return 0;
}

const struct conf_section_def rt_line_conf_section = {
	.name = "line", .naming = CONF_NAME_REQUIRED,
	.keys = line_keys, .nkeys = NKEYS(line_keys),
	.help = "an ISP line: its interface, gateway, sources and fwmark",
	.validate = line_validate, .validate_config = lines_validate,
};
