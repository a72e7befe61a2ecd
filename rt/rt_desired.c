/* rt_desired.c: the kernel objects a config wants, given the interfaces
 * and where each line's rules point (its failover decision). */
#include "config.h"

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rt.h"
#include "rt_line.h"
#include "rt_obj.h"

int rt_failover_pick(const struct rt_config *c, size_t i, const bool *healthy)
{
	const struct rt_line *l = &c->lines[i];

	if (healthy[i])
		return RT_TO_SELF;
	for (size_t k = 0; k < l->nfailover; k++) {
		int j = rt_config_line(c, l->failover[k]);

		if (j >= 0 && (size_t)j != i && healthy[j])
			return j;
	}
	return l->blackhole ? RT_TO_BLACKHOLE : RT_TO_SELF;
}

/* Bit 0: IPv4, bit 1: IPv6. */
#define FAM4 1u
#define FAM6 2u

static unsigned fam_bit(int family)
{
	return family == AF_INET ? FAM4 : FAM6;
}

/* Those of its gateways, sources, routes and "to"; IPv4 when none. */
static unsigned line_families(const struct rt_line *l)
{
	unsigned f = 0;

	if (l->has_gw4)
		f |= FAM4;
	if (l->has_gw6)
		f |= FAM6;
	for (size_t i = 0; i < l->nsources; i++)
		f |= fam_bit(l->sources[i].addr.family);
	for (size_t i = 0; i < l->nroutes; i++)
		f |= fam_bit(l->routes[i].addr.family);
	if (l->has_to)
		f |= fam_bit(l->to.addr.family);
	return f ? f : FAM4;
}

static void rule_base(const struct rt_line *l, int family, struct rt_obj *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = RT_RULE;
	snprintf(o->line, sizeof(o->line), "%s", l->name);
	o->u.rule.family = (uint8_t)family;
	o->u.rule.priority = l->priority;
}

/* Point a rule at table (FR_ACT_TO_TBL) or nowhere (blackhole). */
static void rule_target(const struct rt_config *c, size_t i, const int *to, struct rt_rule *r)
{
	int t = to ? to[i] : RT_TO_SELF;

	if (t == RT_TO_BLACKHOLE) {
		r->action = FR_ACT_BLACKHOLE;
		r->table = 0;
		return;
	}
	r->action = FR_ACT_TO_TBL;
	r->table = t >= 0 && (size_t)t < c->nlines ? c->lines[t].table : c->lines[i].table;
}

static void rule_selectors(const struct rt_line *l, struct rt_rule *r)
{
	if (l->has_to) {
		r->has_dst = true;
		r->dst = l->to;
	}
	memcpy(r->iif, l->iif, sizeof(r->iif));
	memcpy(r->oif, l->oif, sizeof(r->oif));
	r->has_uidrange = l->has_uidrange;
	r->uid_start = l->uid_start;
	r->uid_end = l->uid_end;
	r->ipproto = l->ipproto;
	r->dport_start = l->dport_start;
	r->dport_end = l->dport_end;
}

/* Whether src is one address of the line's own interface: packets from
 * it carry the line's address, which another ISP would drop as spoofed,
 * so its rule stays on the line's table through a failover. */
static bool own_address(const struct rt_link *lk, const struct conf_prefix *src)
{
	unsigned host = src->addr.family == AF_INET ? 32 : 128;

	if (!lk || src->len != host)
		return false;
	for (size_t k = 0; k < lk->naddrs; k++)
		if (rt_prefix_contains(src, &lk->addrs[k].pfx.addr))
			return true;
	return false;
}

static int line_rules(const struct rt_config *c, size_t i, const int *to, int family,
		      const struct rt_link *lk, struct rt_set *out)
{
	const struct rt_line *l = &c->lines[i];
	struct rt_obj o;
	int r;

	/* A rule holds one family: "to" of another family rules it out. */
	if (!l->has_to || l->to.addr.family == family) {
		for (size_t k = 0; k < l->nsources; k++) {
			if (l->sources[k].addr.family != family)
				continue;
			rule_base(l, family, &o);
			rule_selectors(l, &o.u.rule);
			rule_target(c, i, own_address(lk, &l->sources[k]) ? NULL : to, &o.u.rule);
			o.u.rule.has_src = true;
			o.u.rule.src = l->sources[k];
			if ((r = rt_set_add(out, &o)) < 0)
				return r;
		}
		if (l->fwmask || !l->nsources) {
			rule_base(l, family, &o);
			rule_selectors(l, &o.u.rule);
			rule_target(c, i, to, &o.u.rule);
			o.u.rule.fwmark = l->fwmark;
			o.u.rule.fwmask = l->fwmask;
			if ((r = rt_set_add(out, &o)) < 0)
				return r;
		}
	}
	if (l->track.kind != RT_TRACK_NONE) {
		rule_base(l, family, &o);
		o.u.rule.action = FR_ACT_TO_TBL;
		o.u.rule.table = l->table;
		memcpy(o.u.rule.oif, l->ifname, sizeof(o.u.rule.oif));
		if ((r = rt_set_add(out, &o)) < 0)
			return r;
	}
	return 0;
}

/* IPv6 has no route scopes and turns metric 0 into 1024
 * (IP6_RT_PRIO_USER): build what the kernel will show. */
static void route_base(const struct rt_line *l, const struct rt_link *lk, int family,
		       uint32_t metric, struct rt_obj *o)
{
	struct rt_route *rt = &o->u.route;

	memset(o, 0, sizeof(*o));
	o->kind = RT_ROUTE;
	snprintf(o->line, sizeof(o->line), "%s", l->name);
	rt->family = (uint8_t)family;
	rt->type = RTN_UNICAST;
	rt->scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	rt->table = l->table;
	rt->dst.addr.family = family;
	rt->metric = family == AF_INET6 && metric == 0 ? RT_METRIC6_DEFAULT : metric;
	rt->oif = lk->ifindex;
	memcpy(rt->ifname, lk->name, sizeof(rt->ifname));
}

/* Clear the host bits of p beyond its length. */
static void prefix_network(struct conf_prefix *p)
{
	unsigned char *b = (unsigned char *)&p->addr.u;
	unsigned bytes = p->addr.family == AF_INET ? 4 : 16;

	for (unsigned k = 0; k < bytes; k++) {
		unsigned bit = k * 8;

		if (bit >= p->len)
			b[k] = 0;
		else if (p->len - bit < 8)
			b[k] &= (unsigned char)(0xff << (8 - (p->len - bit)));
	}
}

static bool addr_skipped(const struct rt_ifaddr *a)
{
	const struct conf_addr *x = &a->pfx.addr;

	if (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return true;
	return x->family == AF_INET6 && x->u.v6.s6_addr[0] == 0xfe &&
	       (x->u.v6.s6_addr[1] & 0xc0) == 0x80;
}

/* Whether out[from..to) already holds the route o (same identity). */
static bool have_route(const struct rt_set *out, size_t from, size_t to, const struct rt_obj *o)
{
	for (size_t k = from; k < to; k++)
		if (out->v[k].kind == RT_ROUTE && rt_obj_same(&out->v[k], o))
			return true;
	return false;
}

static int connected_routes(const struct rt_line *l, const struct rt_link *lk, int family,
			    struct rt_set *out, size_t from)
{
	struct rt_obj o;
	int r;

	for (size_t k = 0; k < lk->naddrs; k++) {
		const struct rt_ifaddr *a = &lk->addrs[k];

		if (a->pfx.addr.family != family || addr_skipped(a))
			continue;
		route_base(l, lk, family, 0, &o);
		o.u.route.dst = a->has_peer ? a->peer : a->pfx;
		prefix_network(&o.u.route.dst);
		o.u.route.has_prefsrc = true;
		o.u.route.prefsrc = a->pfx.addr;
		if (have_route(out, from, out->n, &o))
			continue;
		if ((r = rt_set_add(out, &o)) < 0)
			return r;
	}
	return 0;
}

/* Whether the kernel can use gw as a next hop on lk now: inside one of
 * its subnets (or its peer), or link-local while the link has an IPv6
 * address. IPv6 drops a link's addresses when it goes down, so the link
 * can be back up before its subnet is: the kernel refuses such a route
 * ("No route to host") until the address returns, and its notification
 * brings the route in then. */
static bool gw_on_link(const struct rt_link *lk, const struct conf_addr *gw)
{
	bool ll = gw->family == AF_INET6 && gw->u.v6.s6_addr[0] == 0xfe &&
		  (gw->u.v6.s6_addr[1] & 0xc0) == 0x80;

	for (size_t k = 0; k < lk->naddrs; k++) {
		const struct rt_ifaddr *a = &lk->addrs[k];

		if (a->pfx.addr.family != gw->family ||
		    (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
			continue;
		if (ll || rt_prefix_contains(&a->pfx, gw) ||
		    (a->has_peer && rt_prefix_contains(&a->peer, gw)))
			return true;
	}
	return false;
}

/* A route of the line's own (routes= or default) via its gateway of
 * the family, else on the device; false while the gateway is not on the
 * link (see gw_on_link). */
static bool via_route(const struct rt_line *l, const struct rt_link *lk,
		      const struct conf_prefix *dst, struct rt_obj *o)
{
	int family = dst->addr.family;
	const struct conf_addr *gw = family == AF_INET ? (l->has_gw4 ? &l->gw4 : NULL) :
							 (l->has_gw6 ? &l->gw6 : NULL);

	route_base(l, lk, family, l->metric, o);
	o->u.route.dst = *dst;
	if (gw) {
		if (!gw_on_link(lk, gw))
			return false;
		o->u.route.has_gw = true;
		o->u.route.gw = *gw;
		o->u.route.scope = RT_SCOPE_UNIVERSE;
	}
	return true;
}

static int line_routes(const struct rt_line *l, const struct rt_link *lk, unsigned fams,
		       struct rt_set *out)
{
	size_t from = out->n;
	struct rt_obj o;
	int r;

	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;

		if ((fams & fam_bit(family)) &&
		    (r = connected_routes(l, lk, family, out, from)) < 0)
			return r;
	}
	/* The connected ones are few: check the others against them only. */
	size_t nconn = out->n;

	for (size_t k = 0; k < l->nroutes; k++) {
		if (!via_route(l, lk, &l->routes[k], &o) || have_route(out, from, nconn, &o))
			continue;
		if ((r = rt_set_add(out, &o)) < 0)
			return r;
	}
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		struct conf_prefix any = { .addr = { .family = family }, .len = 0 };

		if (!(fams & fam_bit(family)))
			continue;
		if (!via_route(l, lk, &any, &o) || have_route(out, from, out->n, &o))
			continue;
		if ((r = rt_set_add(out, &o)) < 0)
			return r;
	}
	return 0;
}

int rt_desired(const struct rt_config *c, const struct rt_links *links, const int *to,
	       struct rt_set *out)
{
	int r;

	for (size_t i = 0; i < c->nlines; i++) {
		const struct rt_line *l = &c->lines[i];
		const struct rt_link *lk = rt_links_by_name(links, l->ifname);
		unsigned fams = line_families(l);

		for (int f = 0; f < 2; f++) {
			int family = f ? AF_INET6 : AF_INET;

			if ((fams & fam_bit(family)) && (r = line_rules(c, i, to, family, lk, out)) < 0)
				return r;
		}
		if (rt_link_usable(lk) && (r = line_routes(l, lk, fams, out)) < 0)
			return r;
	}
	return 0;
}
