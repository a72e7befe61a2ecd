/* conf_sweep.c: containment among prefix-list values (conf_sweep.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_sweep.h"

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

bool conf_prefix_within(const struct conf_prefix *outer, const struct conf_prefix *inner)
{
	const unsigned char *x = (const unsigned char *)&outer->addr.u;
	const unsigned char *y = (const unsigned char *)&inner->addr.u;
	unsigned bytes = outer->len / 8, bits = outer->len % 8;

	if (outer->addr.family != inner->addr.family || outer->len > inner->len ||
	    outer->len > addr_len(outer->addr.family) * 8)
		return false;
	if (memcmp(x, y, bytes))
		return false;
	return !bits || ((x[bytes] ^ y[bytes]) & (0xffu << (8 - bits)) & 0xffu) == 0;
}

static int ent_cmp(const void *pa, const void *pb)
{
	const struct conf_pfx_ent *a = pa, *b = pb;
	int r;

	if (a->p.addr.family != b->p.addr.family)
		return a->p.addr.family < b->p.addr.family ? -1 : 1;
	r = memcmp(&a->p.addr.u, &b->p.addr.u, addr_len(a->p.addr.family));
	if (r)
		return r;
	if (a->p.len != b->p.len)
		return a->p.len < b->p.len ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

int conf_pfx_sweep(struct conf_pfx_ent *v, size_t n, conf_pfx_pair_fn fn, void *arg)
{
	size_t *stack, sp = 0;

	if (n < 2)
		return 0;
	stack = calloc(n, sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	qsort(v, n, sizeof(*v), ent_cmp);
	for (size_t i = 0; i < n; i++) {
		while (sp && !conf_prefix_within(&v[stack[sp - 1]].p, &v[i].p))
			sp--;
		/* The stack is a chain, each containing the next: all of it
		 * contains v[i]. */
		for (size_t k = sp; k-- > 0;)
			if (!fn(&v[stack[k]], &v[i], arg))
				break;
		stack[sp++] = i;
	}
	free(stack);
	return 0;
}

void conf_pfx_collect(const struct conf_section *sec, const char *key, size_t rank,
		      struct conf_pfx_ent *v, size_t *n)
{
	for (size_t i = 0; i < conf_get_count(sec, key); i++) {
		v[*n].p = conf_get_at(sec, key, i)->v.prefix;
		v[*n].sec = sec;
		v[*n].rank = rank;
		v[*n].idx = i;
		v[*n].reported = false;
		(*n)++;
	}
}
