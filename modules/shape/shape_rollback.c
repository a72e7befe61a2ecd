/* shape_rollback.c: putting tc back the way apply found it.
 *
 * Why a plan of the state read before, and not inverse ops: a batch
 * the kernel refused part of leaves any mixture of applied and refused
 * ops (the batch goes on after a refusal), and an inverse op would have
 * to know which ones held. Reading the devices again and diffing them
 * against "what was there" is right whatever held, reuses the same
 * gapless diff as apply (change in place, never delete and re-add), and
 * removes what apply created (IFBs, root qdiscs on devices that had the
 * kernel's default) because the old state has no tree for them. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shape_kernel.h"
#include "shape_apply_int.h"

/* The burst whose ticks at rate are exactly ticks (the smallest such),
 * else guess. The kernel holds ticks, not bytes, and the diff compares
 * shape_xmit_ticks() of the plan with them: bytes read back from ticks
 * may land a tick off at high rates, and a rollback must give back the
 * very value it found. shape_xmit_ticks() grows with the bytes. */
static uint32_t burst_for_ticks(uint32_t ticks, uint64_t rate, uint32_t guess)
{
	uint64_t lo = 0, hi = UINT32_MAX;

	if (!rate || shape_xmit_ticks(guess, rate) == ticks)
		return guess;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (shape_xmit_ticks(mid, rate) >= ticks)
			hi = mid;
		else
			lo = mid + 1;
	}
	return shape_xmit_ticks(lo, rate) == ticks ? (uint32_t)lo : guess;
}

/* The device that redirects its ingress to ifb, or NULL. */
static const struct shape_kdev *redirecting_to(const struct shape_kdev *devs, size_t n,
					       const char *ifb)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i].redirect && strcmp(devs[i].redirect_to, ifb) == 0)
			return &devs[i];
	return NULL;
}

/* One tree from a device with our root: its classes, parents first
 * (the line class, whose parent is the qdisc, before its children). */
static int tree_from_kdev(const struct shape_kdev *d, const struct shape_kdev *devs, size_t n,
			  struct shape_tree *t)
{
	const struct shape_kdev *wan;
	size_t k = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->dev, sizeof(t->dev), "%s", d->name);
	if (d->ifb_ours) {
		t->dir = SHAPE_INGRESS;
		wan = redirecting_to(devs, n, d->name);
		snprintf(t->wan, sizeof(t->wan), "%s", wan ? wan->name : "");
	} else {
		t->dir = SHAPE_EGRESS;
		snprintf(t->wan, sizeof(t->wan), "%s", d->name);
	}
	t->defcls = d->defcls;
	t->leaf = SHAPE_LEAF_PFIFO;
	if (d->nclasses) {
		t->classes = calloc(d->nclasses, sizeof(*t->classes));
		if (!t->classes)
			return -ENOMEM;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->nclasses; i++) {
			const struct shape_kclass *kc = &d->classes[i];
			bool top = kc->cls.parent == SHAPE_HANDLE(0);

			if (top != (pass == 0))
				continue;
			t->classes[k] = kc->cls;
			t->classes[k].region = -1;
			t->classes[k].burst = burst_for_ticks(kc->buffer_ticks, kc->cls.rate,
			    kc->cls.burst);
			t->classes[k].cburst = burst_for_ticks(kc->cbuffer_ticks, kc->cls.ceil,
			    kc->cls.cburst);
			if (strcmp(kc->leaf_kind, "fq_codel") == 0)
				t->leaf = SHAPE_LEAF_FQ_CODEL;
			k++;
		}
	t->nclasses = k;
	if (d->nfilters) {
		t->filters = calloc(d->nfilters, sizeof(*t->filters));
		if (!t->filters)
			return -ENOMEM;
		memcpy(t->filters, d->filters, d->nfilters * sizeof(*t->filters));
		t->nfilters = d->nfilters;
	}
	return 0;
}

int shape_plan_from_kernel(const struct shape_kdev *devs, size_t n, struct shape_plan *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	out->trees = calloc(n, sizeof(*out->trees));
	if (!out->trees)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (devs[i].root != SHAPE_ROOT_OURS)
			continue;
		r = tree_from_kdev(&devs[i], devs, n, &out->trees[out->ntrees]);
		out->ntrees++;
		if (r < 0) {
			shape_plan_free(out);
			return r;
		}
	}
	return 0;
}

/* The rollback's own refusals have nowhere to go: apply already
 * reports the refusal that caused it, and a rollback that fails too is
 * its return value. */
static void ignore_refusal(const struct shape_op *op, int err, const char *extack, void *arg)
{
	(void)op;
	(void)err;
	(void)extack;
	(void)arg;
}

int shape_rollback(struct nl_sock *s, const struct shape_kdev *before, size_t n)
{
	struct shape_kdev *now = NULL;
	struct shape_plan prev;
	struct shape_ops ops = { 0 };
	char why[256];
	int r;

	r = shape_plan_from_kernel(before, n, &prev);
	if (r < 0)
		return r;
	now = calloc(n ? n : 1, sizeof(*now));
	if (!now) {
		r = -ENOMEM;
		goto out;
	}
	/* The same devices as before, read again: whatever of the batch held. */
	for (size_t i = 0; i < n; i++) {
		r = shape_tc_read(s, before[i].name, &now[i]);
		if (r == -ENODEV) {
			snprintf(now[i].name, sizeof(now[i].name), "%s", before[i].name);
			now[i].root = SHAPE_ROOT_NONE;
			r = 0;
		}
		if (r < 0)
			goto out;
	}
	r = shape_tc_diff(now, n, &prev, &ops, why, sizeof(why));
	if (r < 0)
		goto out;
	r = ops.n ? shape_tc_apply(s, &ops, ignore_refusal, NULL) : 0;
	if (r > 0)
		r = -EPROTO;
out:
	shape_ops_free(&ops);
	shape_kdevs_free(now, n);
	shape_plan_free(&prev);
	return r;
}
