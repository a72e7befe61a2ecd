/* ping_table.c: targets by address, for matching replies.
 *
 * Open addressing with linear probing over target indices; it is built
 * once the addresses are known and never shrinks, so no tombstones. Equal
 * addresses (a name and its address both given) are kept apart by the
 * target index our payload carries. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ping_int.h"

#define EMPTY UINT32_MAX

int ping_table_init(struct ping_table *tb, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	tb->slot = malloc(cap * sizeof(*tb->slot));
	if (!tb->slot)
		return -ENOMEM;
	memset(tb->slot, 0xff, cap * sizeof(*tb->slot));
	tb->mask = cap - 1;
	return 0;
}

void ping_table_free(struct ping_table *tb)
{
	free(tb->slot);
	tb->slot = NULL;
}

/* FNV-1a over the address: replies come from the addresses we chose, so
 * nobody gets to pick colliding keys without also owning the targets. */
static size_t hash(int family, const uint8_t *addr)
{
	size_t len = family == AF_INET ? 4 : 16;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= addr[i];
		h *= 16777619u;
	}
	return h;
}

static bool same(const struct ping_target *t, int family, const uint8_t *addr)
{
	return t->family == family && !memcmp(t->addr, addr, family == AF_INET ? 4 : 16);
}

void ping_table_add(struct ping_table *tb, const struct ping_target *t, uint32_t i)
{
	size_t k = hash(t[i].family, t[i].addr) & tb->mask;

	while (tb->slot[k] != EMPTY)
		k = (k + 1) & tb->mask;
	tb->slot[k] = i;
}

uint32_t ping_table_find(const struct ping_table *tb, const struct ping_target *t, int family,
    const uint8_t *addr, uint32_t hint)
{
	uint32_t first = EMPTY;

	for (size_t k = hash(family, addr) & tb->mask; tb->slot[k] != EMPTY;
	    k = (k + 1) & tb->mask) {
		uint32_t i = tb->slot[k];

		if (!same(&t[i], family, addr))
			continue;
		if (i == hint)
			return i;
		if (first == EMPTY)
			first = i;
	}
	return first;
}
