/* conf_sweep.h: which values of prefix-list keys contain one another.
 *
 * [line] sources and routes, [region] LANs, origins and peers must not
 * overlap; comparing every pair is quadratic, and a config with 10,000
 * prefixes must still load in milliseconds. Sorted by family, address,
 * then length, every prefix comes after all those that contain it; a
 * sweep keeps that chain on a stack: O(n log n) plus the pairs found. */
#ifndef OUTPOST_CONF_SWEEP_H
#define OUTPOST_CONF_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* One value of a prefix list, and where it came from. */
struct conf_pfx_ent {
	struct conf_prefix p;
	const struct conf_section *sec;
	size_t rank;  /* of sec in the caller's order (ties sort by it) */
	size_t idx;   /* in its key's list */
	bool reported;  /* free for the caller: said once */
};

/* Called for each pair where outer contains (or equals) inner, outer
 * first in sort order; false stops the walk for this inner one. */
typedef bool (*conf_pfx_pair_fn)(struct conf_pfx_ent *outer, struct conf_pfx_ent *inner,
				 void *arg);

/* Sort v and call fn for every containing pair: 0 or -ENOMEM. */
int conf_pfx_sweep(struct conf_pfx_ent *v, size_t n, conf_pfx_pair_fn fn, void *arg);

/* Append the values of key in sec to v at *n (room is the caller's),
 * with rank. */
void conf_pfx_collect(const struct conf_section *sec, const char *key, size_t rank,
		      struct conf_pfx_ent *v, size_t *n);

/* Whether outer contains inner: same family, outer no longer, the same
 * first outer->len bits. */
bool conf_prefix_within(const struct conf_prefix *outer, const struct conf_prefix *inner);

#endif
