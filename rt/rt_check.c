/* rt_check.c: the config checks that need the kernel's interfaces: a
 * gateway must be reachable on its line's interface (inside one of its
 * subnets), and the interface should exist. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rt.h"
#include "rt_line.h"
#include "rt_obj.h"

/* fe80::/10: a link-local next hop is on every link by definition. */
static bool is_link_local6(const struct conf_addr *a)
{
	return a->family == AF_INET6 && a->u.v6.s6_addr[0] == 0xfe &&
	       (a->u.v6.s6_addr[1] & 0xc0) == 0x80;
}

/* Whether gw lies in a subnet (or is the peer) of one address of l. */
static bool gw_on_link(const struct rt_link *l, const struct conf_addr *gw)
{
	for (size_t i = 0; i < l->naddrs; i++) {
		const struct rt_ifaddr *a = &l->addrs[i];
		const struct conf_prefix *p = a->has_peer ? &a->peer : &a->pfx;

		if (rt_prefix_contains(p, gw))
			return true;
	}
	return false;
}

/* "(203.0.113.2/24, 203.0.113.9/28)": the addresses of the family. */
static void addrs_text(const struct rt_link *l, int family, char *buf, size_t len)
{
	size_t off = 0;
	char t[64];

	buf[0] = '\0';
	for (size_t i = 0; i < l->naddrs && off < len; i++) {
		if (l->addrs[i].pfx.addr.family != family)
			continue;
		rt_prefix_text(&l->addrs[i].pfx, t, sizeof(t));
		int k = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", t);

		if (k < 0)
			break;
		off += (size_t)k;
	}
	if (!off)
		snprintf(buf, len, "no %s address", family == AF_INET ? "IPv4" : "IPv6");
}

static void report_at(rt_check_report report, void *arg, bool error,
		      const struct conf_section *sec, const char *key, unsigned line,
		      const char *fmt_msg)
{
	char msg[1024];
	const char *file = conf_key_file(sec, key);

	if (!file || !line) {
		file = conf_section_file(sec);
		line = conf_section_line(sec);
	}
	snprintf(msg, sizeof(msg), "%s:%u: [line \"%s\"] %s: %s", file ? file : "?", line,
	    conf_section_name(sec), key, fmt_msg);
	report(error, msg, arg);
}

size_t rt_config_check_links(const struct rt_config *c, const struct conf *conf,
			     const struct rt_links *links, rt_check_report report, void *arg)
{
	size_t errors = 0;
	char text[600], gw[64], addrs[400];

	for (size_t i = 0; i < c->nlines; i++) {
		const struct rt_line *ln = &c->lines[i];
		const struct conf_section *sec = conf_section_find(conf, "line", ln->name);
		const struct rt_link *l = rt_links_by_name(links, ln->ifname);

		if (!sec)
			continue;
		if (!l) {
			snprintf(text, sizeof(text), "'%s' does not exist (yet): its routes wait for it",
			    ln->ifname);
			report_at(report, arg, false, sec, "interface", conf_key_line(sec, "interface"),
			    text);
			continue;
		}
		for (size_t k = 0; k < conf_get_count(sec, "gateway"); k++) {
			const struct conf_addr *a = &conf_get_at(sec, "gateway", k)->v.addr;

			if (is_link_local6(a) || gw_on_link(l, a))
				continue;
			rt_addr_text(a, gw, sizeof(gw));
			addrs_text(l, a->family, addrs, sizeof(addrs));
			snprintf(text, sizeof(text), "'%s' is outside every subnet of %s (%s)", gw,
			    l->name, addrs);
			report_at(report, arg, l->up, sec, "gateway", conf_key_line_at(sec, "gateway", k),
			    text);
			errors += l->up;
		}
	}
	return errors;
}
