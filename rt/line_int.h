/* line_int.h: what the [line] checks share inside librtline.a. */
#ifndef OUTPOST_RT_LINE_INT_H
#define OUTPOST_RT_LINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* One value of a prefix list: where it came from. */
struct rt_pfx_ent {
	struct conf_prefix		p;
	const struct conf_section	*sec;
	size_t				rank;	/* of sec in canonical order */
	size_t				idx;	/* in its key's list */
	bool				reported;
};

/* Called for each pair where outer contains inner; false stops the
 * walk for this inner one. */
typedef bool (*rt_pfx_pair_fn)(struct rt_pfx_ent *outer, struct rt_pfx_ent *inner, void *arg);

/* Sort v and call fn for every containing pair: 0 or -ENOMEM. */
int rt_pfx_sweep(struct rt_pfx_ent *v, size_t n, rt_pfx_pair_fn fn, void *arg);

#endif
