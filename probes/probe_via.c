/* probe_via.c: a path from a [line "name"] section (--via LINE).
 *
 * The line gives the interface (SO_BINDTODEVICE) and the fwmark
 * (SO_MARK) directly. The source address is the line's own when one of
 * its sources is a single host address; otherwise the interface's
 * address that lies inside one of its source prefixes, since that is the
 * address policy routing sends by the line; otherwise none, and the
 * kernel picks one on the interface. */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "probe.h"
#include "rt_line.h"

static bool family_ok(int want, int have)
{
	return want == AF_UNSPEC || want == have;
}

static void addr_to_ss(const struct conf_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)a->family;
	if (a->family == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr = a->u.v4;
	else
		((struct sockaddr_in6 *)ss)->sin6_addr = a->u.v6;
}

static bool ss_to_addr(const struct sockaddr *sa, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!sa)
		return false;
	a->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		a->u.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a->u.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return false;
	return true;
}

int probe_via_source(const struct conf_section *line, const struct ifaddrs *ifa, int family,
    struct sockaddr_storage *out)
{
	const char *ifname = conf_get_str(line, "interface");
	size_t n = conf_get_count(line, "source");

	for (size_t i = 0; i < n; i++) {
		const struct conf_prefix *p = &conf_get_at(line, "source", i)->v.prefix;

		if (family_ok(family, p->addr.family) &&
		    p->len == (p->addr.family == AF_INET ? 32u : 128u)) {
			addr_to_ss(&p->addr, out);
			return 0;
		}
	}
	for (; ifa; ifa = ifa->ifa_next) {
		struct conf_addr a;

		if (!ifname || !ifa->ifa_name || strcmp(ifa->ifa_name, ifname) ||
		    !ss_to_addr(ifa->ifa_addr, &a) || !family_ok(family, a.family))
			continue;
		for (size_t i = 0; i < n; i++)
			if (rt_prefix_contains(&conf_get_at(line, "source", i)->v.prefix, &a)) {
				addr_to_ss(&a, out);
				return 0;
			}
	}
	return -ENOENT;
}

/* "tel, cu" for the message about an unknown line. */
static void list_lines(const struct conf *conf, char *buf, size_t len)
{
	const struct conf_section *s;
	size_t off = 0;

	buf[0] = '\0';
	for (s = conf_section_next(conf, "line", NULL); s && off < len;
	     s = conf_section_next(conf, "line", s)) {
		int k = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", conf_section_name(s));

		if (k < 0)
			break;
		off += (size_t)k;
	}
}

int probe_path_via(struct probe_path *p, const struct conf *conf, const char *name, int family,
    char *err, size_t errlen)
{
	const struct conf_section *line = conf_section_find(conf, "line", name);
	struct ifaddrs *ifa = NULL;
	char known[256];
	const char *ifname;

	if (!line) {
		list_lines(conf, known, sizeof(known));
		if (errlen)
			snprintf(err, errlen, "--via: no [line \"%s\"] in the config; %s%s", name,
			    known[0] ? "known lines: " : "the config has no [line] section", known);
		return -ENOENT;
	}
	if (strlen(name) >= sizeof(p->line))
		return -ENAMETOOLONG;
	ifname = conf_get_str(line, "interface");
	if (ifname)
		snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	if (conf_is_set(line, "fwmark")) {
		p->has_mark = true;
		p->mark = (uint32_t)conf_get_u64(line, "fwmark");
	}
	snprintf(p->line, sizeof(p->line), "%s", name);
	p->src.ss_family = AF_UNSPEC;
	if (getifaddrs(&ifa) < 0) {
		int e = errno;

		if (errlen)
			snprintf(err, errlen, "--via %s: cannot list the interface addresses: %s",
			    name, strerror(e));
		return -e;
	}
	if (probe_via_source(line, ifa, family, &p->src) < 0)
		p->src.ss_family = AF_UNSPEC;
	freeifaddrs(ifa);
	return 0;
}
