/* routed_index.c: the wanted objects hashed by identity, so that each
 * notification the monitor reads is checked against want in O(1) (an
 * `ip rule flush` of 10,000 rules is 10,000 notifications). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "routed.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t mix_prefix(uint64_t h, const struct conf_prefix *p)
{
	const unsigned char *b = p->addr.family == AF_INET6 ?
	    (const unsigned char *)&p->addr.u.v6 : (const unsigned char *)&p->addr.u.v4;
	size_t n = p->addr.family == AF_INET6 ? 16 : 4;

	for (size_t i = 0; i < n; i++)
		h = mix(h, b[i]);
	return mix(h, p->len);
}

/* Only fields that are part of the identity (rt_obj_same), so equal
 * and same objects always land in one bucket. */
static uint64_t obj_hash(const struct rt_obj *o)
{
	uint64_t h = mix(0, o->kind);

	if (o->kind == RT_RULE) {
		const struct rt_rule *r = &o->u.rule;

		h = mix(mix(mix(h, r->family), r->priority), r->table);
		h = mix(mix(h, r->fwmark), r->action);
		if (r->has_src)
			h = mix_prefix(h, &r->src);
		if (r->has_dst)
			h = mix_prefix(h, &r->dst);
	} else {
		const struct rt_route *r = &o->u.route;

		h = mix(mix(mix(h, r->family), r->table), r->metric);
		h = mix_prefix(h, &r->dst);
	}
	return h;
}

void routed_index_free(struct routed_index *ix)
{
	free(ix->bucket);
	free(ix->next);
	memset(ix, 0, sizeof(*ix));
}

/* Rebuild ix over s. 0 or -ENOMEM (then ix is empty: every lookup
 * misses, which only costs a reconcile per echo). */
int routed_index_build(struct routed_index *ix, const struct rt_set *s)
{
	size_t nb = 64;

	while (nb < s->n * 2)
		nb *= 2;
	if (nb != ix->nbuckets) {
		size_t *b = calloc(nb, sizeof(*b));

		if (!b) {
			routed_index_free(ix);
			return -ENOMEM;
		}
		free(ix->bucket);
		ix->bucket = b;
		ix->nbuckets = nb;
	} else {
		memset(ix->bucket, 0, nb * sizeof(*ix->bucket));
	}
	if (s->n > ix->cap || !ix->next) {
		size_t cap = nb / 2 > s->n ? nb / 2 : s->n;
		size_t *n = reallocarray(ix->next, cap ? cap : 1, sizeof(*n));

		if (!n) {
			routed_index_free(ix);
			return -ENOMEM;
		}
		ix->next = n;
		ix->cap = cap;
	}
	for (size_t i = 0; i < s->n; i++) {
		size_t b = obj_hash(&s->v[i]) & (nb - 1);

		ix->next[i] = ix->bucket[b];
		ix->bucket[b] = i + 1;
	}
	return 0;
}

int routed_index_push(struct routed_index *ix, const struct rt_set *s)
{
	size_t i = s->n - 1, b;

	if (s->n * 2 > ix->nbuckets || s->n > ix->cap)
		return routed_index_build(ix, s);
	b = obj_hash(&s->v[i]) & (ix->nbuckets - 1);
	ix->next[i] = ix->bucket[b];
	ix->bucket[b] = i + 1;
	return 0;
}

/* The index in s of an object the same as o (equal too, when equal),
 * or -1. */
long routed_index_find(const struct routed_index *ix, const struct rt_set *s,
		       const struct rt_obj *o, bool equal)
{
	size_t i;

	if (!ix->nbuckets)
		return -1;
	for (i = ix->bucket[obj_hash(o) & (ix->nbuckets - 1)]; i; i = ix->next[i - 1]) {
		const struct rt_obj *w = &s->v[i - 1];

		if (equal ? rt_obj_equal(w, o) : rt_obj_same(w, o))
			return (long)(i - 1);
	}
	return -1;
}

bool routed_wanted(const struct routed *d, const struct rt_obj *o)
{
	return routed_index_find(&d->want_idx, &d->want, o, true) >= 0;
}
