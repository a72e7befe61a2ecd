/* rt_obj.c: identity and equality of routing objects, and the total
 * order of identity the difference sorts by. Fields are compared one by
 * one (never memcmp of a struct: padding and the unused bytes of an IPv4
 * address in the union are not part of an object). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rt.h"
#include "rt_obj.h"

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

int rt_addr_cmp(const struct conf_addr *a, const struct conf_addr *b)
{
	CMP(a->family, b->family);
	return memcmp(&a->u, &b->u, a->family == AF_INET ? 4 : 16);
}

int rt_prefix_cmp(const struct conf_prefix *a, const struct conf_prefix *b)
{
	CMP(a->len, b->len);
	return rt_addr_cmp(&a->addr, &b->addr);
}

static int rule_cmp(const struct rt_rule *a, const struct rt_rule *b)
{
	int r;

	CMP(a->family, b->family);
	CMP(a->priority, b->priority);
	CMP(a->action, b->action);
	CMP(a->table, b->table);
	CMP(a->has_src, b->has_src);
	if (a->has_src && (r = rt_prefix_cmp(&a->src, &b->src)))
		return r;
	CMP(a->has_dst, b->has_dst);
	if (a->has_dst && (r = rt_prefix_cmp(&a->dst, &b->dst)))
		return r;
	CMP(a->fwmask, b->fwmask);
	if (a->fwmask)
		CMP(a->fwmark, b->fwmark);
	if ((r = strncmp(a->iif, b->iif, sizeof(a->iif))))
		return r;
	if ((r = strncmp(a->oif, b->oif, sizeof(a->oif))))
		return r;
	CMP(a->has_uidrange, b->has_uidrange);
	if (a->has_uidrange) {
		CMP(a->uid_start, b->uid_start);
		CMP(a->uid_end, b->uid_end);
	}
	CMP(a->ipproto, b->ipproto);
	CMP(a->dport_start, b->dport_start);
	CMP(a->dport_end, b->dport_end);
	return 0;
}

/* What the kernel keys a route on: table, family, destination, metric. */
static int route_key_cmp(const struct rt_route *a, const struct rt_route *b)
{
	int r;

	CMP(a->family, b->family);
	CMP(a->table, b->table);
	if ((r = rt_prefix_cmp(&a->dst, &b->dst)))
		return r;
	CMP(a->metric, b->metric);
	return 0;
}

int rt_obj_cmp(const struct rt_obj *a, const struct rt_obj *b)
{
	CMP(a->kind, b->kind);
	return a->kind == RT_RULE ? rule_cmp(&a->u.rule, &b->u.rule) :
				    route_key_cmp(&a->u.route, &b->u.route);
}

bool rt_obj_same(const struct rt_obj *a, const struct rt_obj *b)
{
	return rt_obj_cmp(a, b) == 0;
}

bool rt_obj_equal(const struct rt_obj *a, const struct rt_obj *b)
{
	const struct rt_route *x = &a->u.route, *y = &b->u.route;

	if (!rt_obj_same(a, b))
		return false;
	if (a->kind == RT_RULE)
		return true;
	return x->type == y->type && x->scope == y->scope && x->oif == y->oif &&
	       x->has_gw == y->has_gw && (!x->has_gw || !rt_addr_cmp(&x->gw, &y->gw)) &&
	       x->has_prefsrc == y->has_prefsrc &&
	       (!x->has_prefsrc || !rt_addr_cmp(&x->prefsrc, &y->prefsrc));
}

void rt_addr_text(const struct conf_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, &a->u, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void rt_prefix_text(const struct conf_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	rt_addr_text(&p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}
