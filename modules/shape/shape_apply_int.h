/* shape_apply_int.h: what shape_apply.c and shape_rollback.c share
 * (libshape.a internal; not for the tools). */
#ifndef OUTPOST_SHAPE_APPLY_INT_H
#define OUTPOST_SHAPE_APPLY_INT_H

#include "shape_kernel.h"

/* The trees the devices hold now, as a plan (no nft): what apply rolls
 * back to. Devices without our root give no tree. 0 or -ENOMEM. */
int shape_plan_from_kernel(const struct shape_kdev *devs, size_t n, struct shape_plan *out);

/* Read the devices of before again and change them back to what before
 * held. 0, -EPROTO when the kernel refused part of that, or -errno. */
int shape_rollback(struct nl_sock *s, const struct shape_kdev *before, size_t n);

#endif
