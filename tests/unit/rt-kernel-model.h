/* rt-kernel-model.h: weak stand-ins for the rt.h functions the model
 * part (rtmodel) implements in librt.a, so the kernel side's tests link
 * before those land. Weak: once librt.a has the real ones, any archive
 * member pulled in overrides these without a clash. Tests only, never
 * in librt.a. */
#ifndef OUTPOST_RT_KERNEL_MODEL_H
#define OUTPOST_RT_KERNEL_MODEL_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

#define RT_WEAK __attribute__((weak))

RT_WEAK void rt_links_init(struct rt_links *ls)
{
	memset(ls, 0, sizeof(*ls));
}

RT_WEAK void rt_links_free(struct rt_links *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i].addrs);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

RT_WEAK const struct rt_link *rt_links_by_name(const struct rt_links *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->v[i].name, name))
			return &ls->v[i];
	return NULL;
}

RT_WEAK const struct rt_link *rt_links_by_index(const struct rt_links *ls, int ifindex)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].ifindex == ifindex)
			return &ls->v[i];
	return NULL;
}

RT_WEAK int rt_links_set(struct rt_links *ls, int ifindex, const char *name, bool up,
			 bool lower_up)
{
	struct rt_link *l = (struct rt_link *)rt_links_by_index(ls, ifindex);

	if (!l) {
		if (ls->n == ls->cap) {
			size_t cap = ls->cap ? ls->cap * 2 : 8;
			struct rt_link *v = reallocarray(ls->v, cap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			ls->v = v;
			ls->cap = cap;
		}
		l = &ls->v[ls->n++];
		memset(l, 0, sizeof(*l));
		l->ifindex = ifindex;
	}
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->up = up;
	l->lower_up = lower_up;
	return 0;
}

RT_WEAK void rt_links_del(struct rt_links *ls, int ifindex)
{
	for (size_t i = 0; i < ls->n; i++) {
		if (ls->v[i].ifindex != ifindex)
			continue;
		free(ls->v[i].addrs);
		ls->v[i] = ls->v[--ls->n];
		return;
	}
}

RT_WEAK int rt_links_addr_add(struct rt_links *ls, int ifindex, const struct rt_ifaddr *a)
{
	struct rt_link *l = (struct rt_link *)rt_links_by_index(ls, ifindex);

	if (!l)
		return -ENOENT;
	if (l->naddrs == l->caddrs) {
		size_t cap = l->caddrs ? l->caddrs * 2 : 4;
		struct rt_ifaddr *v = reallocarray(l->addrs, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->addrs = v;
		l->caddrs = cap;
	}
	l->addrs[l->naddrs++] = *a;
	return 0;
}

RT_WEAK void rt_links_addr_del(struct rt_links *ls, int ifindex, const struct rt_ifaddr *a)
{
	struct rt_link *l = (struct rt_link *)rt_links_by_index(ls, ifindex);

	for (size_t i = 0; l && i < l->naddrs; i++) {
		if (!memcmp(&l->addrs[i].pfx, &a->pfx, sizeof(a->pfx))) {
			l->addrs[i] = l->addrs[--l->naddrs];
			return;
		}
	}
}

RT_WEAK bool rt_obj_equal(const struct rt_obj *a, const struct rt_obj *b)
{
	struct rt_route ra, rb;

	if (a->kind != b->kind)
		return false;
	if (a->kind == RT_RULE)
		return !memcmp(&a->u.rule, &b->u.rule, sizeof(a->u.rule));
	ra = a->u.route;
	rb = b->u.route;
	memset(ra.ifname, 0, sizeof(ra.ifname));
	memset(rb.ifname, 0, sizeof(rb.ifname));
	return !memcmp(&ra, &rb, sizeof(ra));
}

RT_WEAK int rt_obj_format(const struct rt_obj *o, char *buf, size_t len)
{
	char a[64] = "";

	if (o->kind == RT_RULE) {
		const struct rt_rule *r = &o->u.rule;

		snprintf(buf, len, "rule family %u priority %u table %u action %u", r->family,
			 r->priority, r->table, r->action);
	} else {
		const struct rt_route *r = &o->u.route;

		inet_ntop(r->family, &r->dst.addr.u, a, sizeof(a));
		snprintf(buf, len, "route %s/%u table %u metric %u type %u scope %u oif %d", a,
			 r->dst.len, r->table, r->metric, r->type, r->scope, r->oif);
	}
	return 0;
}

RT_WEAK void rt_diff_init(struct rt_diff *d)
{
	memset(d, 0, sizeof(*d));
}

RT_WEAK void rt_diff_free(struct rt_diff *d)
{
	if (!d)
		return;
	free(d->v);
	memset(d, 0, sizeof(*d));
}

#endif
