/* shape_plan_int.h: what the files of the plan share inside libshape.a. */
#ifndef OUTPOST_SHAPE_PLAN_INT_H
#define OUTPOST_SHAPE_PLAN_INT_H

#include <stdint.h>

#include "shape.h"

/* a * b / c rounded down, without overflow (saturating); c > 0. */
uint64_t shape_scale(uint64_t a, uint64_t b, uint64_t c);

/* The u32 nodes of f's ingress tree t: 0, -ENOMEM, or -E2BIG when
 * they would not fit the prefs above SHAPE_PREF_CLASSIFY. */
int shape_plan_u32(const struct shape_config *cfg, const struct shape_iface *f,
		   struct shape_tree *t);

/* The nft sets and egress rules of every region: 0 or -ENOMEM. */
int shape_plan_nft(const struct shape_config *cfg, struct shape_nft *out);

/* Sort n prefixes and drop each one an earlier one contains: the new
 * count. */
size_t shape_prefix_normalize(struct shape_prefix *v, size_t n);

/* Whether a contains b. */
bool shape_prefix_contains(const struct shape_prefix *a, const struct shape_prefix *b);

#endif
