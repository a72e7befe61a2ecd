/* rt_diff.c: what turns the kernel's objects (have) into the wanted ones
 * (want): both sides sorted by identity, then merged, O(n log n). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "rt_obj.h"

void rt_diff_init(struct rt_diff *d)
{
	memset(d, 0, sizeof(*d));
}

void rt_diff_free(struct rt_diff *d)
{
	if (!d)
		return;
	free(d->v);
	rt_diff_init(d);
}

/* Sorting pointers moves 8 bytes where an object is ~150. Ties (copies
 * of one identity) keep their input order, so the first wins. */
static int ptr_cmp(const void *pa, const void *pb)
{
	const struct rt_obj *a = *(const struct rt_obj *const *)pa;
	const struct rt_obj *b = *(const struct rt_obj *const *)pb;
	int r = rt_obj_cmp(a, b);

	if (r)
		return r;
	return a < b ? -1 : a > b;
}

static const struct rt_obj **sorted(const struct rt_set *s)
{
	const struct rt_obj **v = calloc(s->n ? s->n : 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		v[i] = &s->v[i];
	qsort(v, s->n, sizeof(*v), ptr_cmp);
	return v;
}

/* The four groups, in the order they are applied; each holds pointers
 * into want and have, copied into the output once at the end. */
enum { G_ROUTE_SET, G_RULE_ADD, G_RULE_DEL, G_ROUTE_DEL, G_N };

struct ref {
	enum rt_op		op;
	const struct rt_obj	*obj;
};

struct group {
	struct ref	*v;
	size_t		n, cap;
};

struct groups {
	struct group g[G_N];
};

static int push(struct group *d, enum rt_op op, const struct rt_obj *o)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct ref *v = reallocarray(d->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].op = op;
	d->v[d->n].obj = o;
	d->n++;
	return 0;
}

static int add_or_del(struct groups *g, enum rt_op op, const struct rt_obj *o)
{
	int grp;

	if (o->kind == RT_RULE)
		grp = op == RT_DEL ? G_RULE_DEL : G_RULE_ADD;
	else
		grp = op == RT_DEL ? G_ROUTE_DEL : G_ROUTE_SET;
	return push(&g->g[grp], op, o);
}

static void emit(struct rt_diff *out, const struct ref *r)
{
	out->v[out->n].op = r->op;
	out->v[out->n].obj = *r->obj;
	out->n++;
}

/* A route through a gateway needs its connected route first; deleting
 * goes the other way round. */
static void emit_routes(struct rt_diff *out, const struct group *in, bool gw_first)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < in->n; i++)
			if (in->v[i].obj->u.route.has_gw == (pass == 0 ? gw_first : !gw_first))
				emit(out, &in->v[i]);
}

static int assemble(struct groups *g, struct rt_diff *out)
{
	size_t n = out->n;

	for (int k = 0; k < G_N; k++)
		n += g->g[k].n;
	if (n > out->cap) {
		struct rt_change *v = reallocarray(out->v, n, sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->v = v;
		out->cap = n;
	}
	emit_routes(out, &g->g[G_ROUTE_SET], false);
	for (int k = G_RULE_ADD; k <= G_RULE_DEL; k++)
		for (size_t i = 0; i < g->g[k].n; i++)
			emit(out, &g->g[k].v[i]);
	emit_routes(out, &g->g[G_ROUTE_DEL], true);
	return 0;
}

/* One identity: w (the first of its copies in want, or NULL) against
 * its nh copies in have. One copy equal to w stays; the rest go. */
static int merge_one(struct groups *g, const struct rt_obj *w, const struct rt_obj **h, size_t nh)
{
	size_t keep = nh;
	int r;

	if (!w) {
		for (size_t k = 0; k < nh; k++)
			if ((r = add_or_del(g, RT_DEL, h[k])) < 0)
				return r;
		return 0;
	}
	for (size_t k = 0; k < nh && keep == nh; k++)
		if (rt_obj_equal(w, h[k]))
			keep = k;
	if (keep == nh) {
		/* A changed route is replaced in place, no gap in service. */
		if (nh && w->kind == RT_ROUTE) {
			if ((r = push(&g->g[G_ROUTE_SET], RT_REPLACE, w)) < 0)
				return r;
			keep = 0;
		} else if ((r = add_or_del(g, RT_ADD, w)) < 0) {
			return r;
		}
	}
	for (size_t k = 0; k < nh; k++)
		if (k != keep && (r = add_or_del(g, RT_DEL, h[k])) < 0)
			return r;
	return 0;
}

int rt_diff_compute(const struct rt_set *want, const struct rt_set *have, struct rt_diff *out)
{
	const struct rt_obj **w = sorted(want), **h = sorted(have);
	struct groups g;
	size_t i = 0, j = 0;
	int r = -ENOMEM;

	memset(&g, 0, sizeof(g));
	if (!w || !h)
		goto out;
	while (i < want->n || j < have->n) {
		const struct rt_obj *key;
		size_t i2 = i, j2 = j;

		if (j >= have->n || (i < want->n && rt_obj_cmp(w[i], h[j]) <= 0))
			key = w[i];
		else
			key = h[j];
		while (i2 < want->n && rt_obj_cmp(w[i2], key) == 0)
			i2++;
		while (j2 < have->n && rt_obj_cmp(h[j2], key) == 0)
			j2++;
		if ((r = merge_one(&g, i2 > i ? w[i] : NULL, h + j, j2 - j)) < 0)
			goto out;
		i = i2;
		j = j2;
	}
	r = assemble(&g, out);
out:
	for (int k = 0; k < G_N; k++)
		free(g.g[k].v);
	free(w);
	free(h);
	return r;
}
