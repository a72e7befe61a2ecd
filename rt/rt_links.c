/* rt_links.c: the interfaces as the kernel shows them (names, flags,
 * addresses), kept up to date from RTM_NEWLINK/NEWADDR notifications. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "rt_obj.h"

void rt_links_init(struct rt_links *ls)
{
	memset(ls, 0, sizeof(*ls));
}

void rt_links_free(struct rt_links *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i].addrs);
	free(ls->v);
	rt_links_init(ls);
}

const struct rt_link *rt_links_by_name(const struct rt_links *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strncmp(ls->v[i].name, name, sizeof(ls->v[i].name)))
			return &ls->v[i];
	return NULL;
}

const struct rt_link *rt_links_by_index(const struct rt_links *ls, int ifindex)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].ifindex == ifindex)
			return &ls->v[i];
	return NULL;
}

static struct rt_link *link_mut(struct rt_links *ls, int ifindex)
{
	return (struct rt_link *)rt_links_by_index(ls, ifindex);
}

int rt_links_set(struct rt_links *ls, int ifindex, const char *name, bool up, bool lower_up)
{
	struct rt_link *l = link_mut(ls, ifindex);

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
	/* A rename keeps the index: the kernel renames in place. */
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->up = up;
	l->lower_up = lower_up;
	return 0;
}

void rt_links_del(struct rt_links *ls, int ifindex)
{
	struct rt_link *l = link_mut(ls, ifindex);

	if (!l)
		return;
	free(l->addrs);
	*l = ls->v[--ls->n];
}

/* The kernel keys an address on its local address and prefix length. */
static bool addr_same(const struct rt_ifaddr *a, const struct rt_ifaddr *b)
{
	return rt_prefix_cmp(&a->pfx, &b->pfx) == 0;
}

int rt_links_addr_add(struct rt_links *ls, int ifindex, const struct rt_ifaddr *a)
{
	struct rt_link *l = link_mut(ls, ifindex);

	if (!l)
		return -ENODEV;
	for (size_t i = 0; i < l->naddrs; i++)
		if (addr_same(&l->addrs[i], a)) {
			l->addrs[i] = *a;
			return 0;
		}
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

void rt_links_addr_del(struct rt_links *ls, int ifindex, const struct rt_ifaddr *a)
{
	struct rt_link *l = link_mut(ls, ifindex);

	if (!l)
		return;
	for (size_t i = 0; i < l->naddrs; i++)
		if (addr_same(&l->addrs[i], a)) {
			/* Keep the order: the first address of a subnet is the
			 * preferred source of its connected route. */
			memmove(&l->addrs[i], &l->addrs[i + 1],
			    (l->naddrs - i - 1) * sizeof(l->addrs[0]));
			l->naddrs--;
			return;
		}
}

bool rt_link_usable(const struct rt_link *l)
{
	return l && l->up && l->lower_up;
}
