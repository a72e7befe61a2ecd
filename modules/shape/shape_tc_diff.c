/* shape_tc_diff.c: from what the kernel holds to the plan, without an
 * unshaped moment.
 *
 * Everything that exists is changed where it stands: a class by a
 * change of the same classid, a leaf or a filter's class by a replace
 * of the same handle. What cannot change in place is built beside the
 * old and the old removed after: the kernel keeps a u32 node's match
 * on replace (only its class and actions change), so a new match is a
 * new node at the same pref, and a leaf of another kind is grafted.
 * The adds come parents first; the deletes after all adds, filters
 * before the classes they point at (HTB refuses to delete a class in
 * use), redirects before the IFBs they feed (mirred to a missing
 * device drops). Among the adds, the ingress qdisc and the redirect
 * come last, once the IFB's tree is whole: redirected earlier, the
 * download would pass the IFB's default qdisc unshaped. Equal means
 * equal as the kernel stores it: ticks, not burst bytes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/pkt_sched.h>

#include "shape_tc_int.h"

struct diff {
	struct shape_ops *out;
	const struct shape_kdev *devs;
	size_t ndevs;
	const struct shape_plan *plan;
	bool *fresh;     /* per tree: the kernel's classes and filters do not count */
	bool **stale;    /* per tree: kernel filters to delete */
	int err;
};

static const struct shape_kdev *find_dev(const struct diff *x, const char *name)
{
	for (size_t i = 0; i < x->ndevs; i++)
		if (strcmp(x->devs[i].name, name) == 0)
			return x->devs[i].root == SHAPE_ROOT_NONE ? NULL : &x->devs[i];
	return NULL;
}

static const struct shape_tree *tree_of(const struct diff *x, const char *dev)
{
	for (size_t i = 0; x->plan && i < x->plan->ntrees; i++)
		if (strcmp(x->plan->trees[i].dev, dev) == 0)
			return &x->plan->trees[i];
	return NULL;
}

static const struct shape_tree *ingress_of(const struct diff *x, const char *wan)
{
	for (size_t i = 0; x->plan && i < x->plan->ntrees; i++)
		if (x->plan->trees[i].dir == SHAPE_INGRESS && strcmp(x->plan->trees[i].wan, wan) == 0)
			return &x->plan->trees[i];
	return NULL;
}

static struct shape_op *push(struct diff *x, enum shape_op_kind kind, const char *dev,
			     const struct shape_tree *t)
{
	struct shape_ops *o = x->out;
	struct shape_op *op;

	if (x->err)
		return NULL;
	if (o->n >= 16 ? !(o->n & (o->n - 1)) : o->n == 0) {
		struct shape_op *v = reallocarray(o->v, o->n ? o->n * 2 : 16, sizeof(*v));

		if (!v) {
			x->err = -ENOMEM;
			return NULL;
		}
		o->v = v;
	}
	op = &o->v[o->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	snprintf(op->dev, sizeof(op->dev), "%s", dev);
	op->tree = t;
	return op;
}

static const struct shape_kclass *find_class(const struct shape_kdev *d, uint32_t classid)
{
	for (size_t i = 0; d && i < d->nclasses; i++)
		if (d->classes[i].cls.classid == classid)
			return &d->classes[i];
	return NULL;
}

static bool is_inner(const struct shape_tree *t, uint32_t classid)
{
	for (size_t i = 0; i < t->nclasses; i++)
		if (t->classes[i].parent == classid)
			return true;
	return false;
}

/* HTB keeps quantum and prio of leaf classes only. */
static bool class_same(const struct shape_tree *t, const struct shape_class *p,
		       const struct shape_kclass *k)
{
	if (p->rate != k->cls.rate || p->ceil != k->cls.ceil ||
	    shape_xmit_ticks(p->burst, p->rate) != k->buffer_ticks ||
	    shape_xmit_ticks(p->cburst, p->ceil) != k->cbuffer_ticks)
		return false;
	if (is_inner(t, p->classid))
		return true;
	return (!p->quantum || p->quantum == k->cls.quantum) &&
	       (p->prio < TC_HTB_NUMPRIO ? p->prio : TC_HTB_NUMPRIO - 1) == k->cls.prio;
}

static uint32_t want_limit(const struct shape_tree *t, const struct shape_class *c)
{
	if (t->leaf == SHAPE_LEAF_PFIFO && !c->leaf_limit)
		return 1000;  /* what the encoder sends for 0 */
	return c->leaf_limit;
}

static void diff_classes(struct diff *x, const struct shape_tree *t, const struct shape_kdev *d)
{
	for (size_t i = 0; i < t->nclasses; i++) {
		const struct shape_class *c = &t->classes[i];
		const struct shape_kclass *k = find_class(d, c->classid);
		struct shape_op *op;

		if (k && class_same(t, c, k))
			continue;
		op = push(x, k ? SHAPE_OP_CLASS_CHANGE : SHAPE_OP_CLASS_ADD, t->dev, t);
		if (op)
			op->cls = *c;
	}
}

static void diff_leaves(struct diff *x, const struct shape_tree *t, const struct shape_kdev *d)
{
	const char *kind = shape_leaf_kind(t->leaf);

	for (size_t i = 0; i < t->nclasses; i++) {
		const struct shape_class *c = &t->classes[i];
		const struct shape_kclass *k = find_class(d, c->classid);
		uint32_t lim = want_limit(t, c);
		struct shape_op *op;

		if (!c->leaf_handle)
			continue;
		if (k && strcmp(k->leaf_kind, kind) == 0 && k->cls.leaf_handle == c->leaf_handle &&
		    (!lim || k->cls.leaf_limit == lim))
			continue;
		op = push(x, SHAPE_OP_LEAF, t->dev, t);
		if (!op)
			return;
		op->cls = *c;
		if (k && k->cls.leaf_handle == c->leaf_handle && strcmp(k->leaf_kind, kind) != 0)
			op->handle = SHAPE_LEAF_TMP(TC_H_MIN(c->classid));
	}
}

static void diff_filters(struct diff *x, size_t ti, const struct shape_kdev *d)
{
	const struct shape_tree *t = &x->plan->trees[ti];
	bool *stale = x->stale[ti];
	size_t nk = d ? d->nfilters : 0;
	struct shape_op *op;

	for (size_t i = 0; i < t->nfilters; i++) {
		const struct shape_u32 *f = &t->filters[i];
		size_t same = nk, fam = nk;
		uint32_t node = SHAPE_U32_NODE;
		bool other_family = false;

		for (size_t j = 0; j < nk; j++) {
			const struct shape_u32 *k = &d->filters[j];

			if (k->pref != f->pref || !stale[j])
				continue;
			if (k->family != f->family) {
				other_family = true;
				continue;
			}
			if (same == nk && shape_u32_same_match(k, f))
				same = j;
			fam = j;
			if (SHAPE_U32_NODEID(d->filter_handles[j]) >= node)
				node = SHAPE_U32_NODEID(d->filter_handles[j]) + 1;
		}
		if (same < nk) {
			stale[same] = false;
			if (d->filters[same].classid == f->classid)
				continue;
			op = push(x, SHAPE_OP_FILTER, t->dev, t);
			if (op) {
				op->filter = *f;
				op->handle = d->filter_handles[same];
			}
			continue;
		}
		/* One pref holds one protocol, and u32 keeps a pref's instance
		 * when its last node goes: the other family's pref is deleted
		 * whole, first (the one exception to deletes coming last). */
		if (other_family) {
			op = push(x, SHAPE_OP_FILTER_DEL, t->dev, NULL);
			for (size_t j = 0; j < nk; j++) {
				if (d->filters[j].pref != f->pref || !stale[j])
					continue;
				stale[j] = false;
				if (op && d->filters[j].family != f->family)
					op->filter = d->filters[j];
			}
			fam = nk;
		}
		op = push(x, SHAPE_OP_FILTER, t->dev, t);
		if (op) {
			op->filter = *f;
			/* Beside an old node of the same pref, which goes later. */
			op->handle = fam < nk && node <= 0xfffu ? node : SHAPE_U32_NODE;
		}
	}
}

static void diff_redirect(struct diff *x, const struct shape_tree *t)
{
	const struct shape_kdev *w = find_dev(x, t->wan);
	struct shape_op *op;

	if (!t->wan[0] || !w)
		return;
	if (!w->ingress)
		push(x, SHAPE_OP_INGRESS_ADD, t->wan, t);
	if (w->redirect && strcmp(w->redirect_to, t->dev) == 0)
		return;
	if (w->redirect && (!w->redirect_to[0] || !w->redirect_handle))
		push(x, SHAPE_OP_REDIRECT_DEL, t->wan, NULL);
	op = push(x, SHAPE_OP_REDIRECT, t->wan, t);
	if (!op)
		return;
	snprintf(op->peer, sizeof(op->peer), "%s", t->dev);
	if (w->redirect && w->redirect_to[0])
		op->handle = w->redirect_handle;
}

/* Depth of a kernel class below the root qdisc (bounded: any loop in
 * what the kernel said stops at the bound). */
static unsigned class_depth(const struct shape_kdev *d, const struct shape_kclass *k)
{
	unsigned n = 0;

	while (k && n < 16) {
		k = find_class(d, k->cls.parent);
		n++;
	}
	return n;
}

static void delete_classes(struct diff *x, const struct shape_tree *t, const struct shape_kdev *d)
{
	for (unsigned depth = 16; depth > 0; depth--)
		for (size_t i = 0; i < d->nclasses; i++) {
			const struct shape_kclass *k = &d->classes[i];
			struct shape_op *op;
			bool wanted = false;

			if (class_depth(d, k) != depth)
				continue;
			for (size_t j = 0; j < t->nclasses && !wanted; j++)
				wanted = t->classes[j].classid == k->cls.classid;
			if (wanted)
				continue;
			op = push(x, SHAPE_OP_CLASS_DEL, t->dev, NULL);
			if (op)
				op->cls = k->cls;
		}
}

static int check(const struct diff *x, char *why, size_t whylen)
{
	for (size_t i = 0; x->plan && i < x->plan->ntrees; i++) {
		const struct shape_tree *t = &x->plan->trees[i];
		const struct shape_kdev *d = find_dev(x, t->dev);

		if (t->dir == SHAPE_EGRESS && !d) {
			snprintf(why, whylen, "%s: no such device", t->dev);
			return -ENODEV;
		}
		if (t->dir == SHAPE_INGRESS && d && !d->ifb_ours) {
			snprintf(why, whylen, "%s: exists and is not Outpost's IFB (no alias \"%s%s\")",
				 t->dev, SHAPE_IFB_ALIAS_PREFIX, t->wan);
			return -EEXIST;
		}
		if (t->dir == SHAPE_INGRESS && t->wan[0] && !find_dev(x, t->wan)) {
			snprintf(why, whylen, "%s: no such device", t->wan);
			return -ENODEV;
		}
		if (d && d->root == SHAPE_ROOT_FOREIGN) {
			/* A qdisc handle as tc writes it: "1:". */
			snprintf(why, whylen, "%s: root qdisc %s %x: is not Outpost's", t->dev,
				 d->root_kind, d->root_handle >> 16);
			return -EEXIST;
		}
	}
	return 0;
}

static void adds(struct diff *x)
{
	size_t nt = x->plan ? x->plan->ntrees : 0;
	struct shape_op *op;

	for (size_t i = 0; i < nt; i++) {
		const struct shape_tree *t = &x->plan->trees[i];

		const struct shape_kdev *d = find_dev(x, t->dev);

		/* Redirected into an IFB that is down, packets are dropped. */
		if (t->dir != SHAPE_INGRESS || (d && d->up))
			continue;
		op = push(x, SHAPE_OP_IFB_ADD, t->dev, t);
		if (!op)
			return;
		snprintf(op->peer, sizeof(op->peer), "%s", t->wan);
		op->handle = d != NULL;
	}
	for (size_t i = 0; i < nt; i++) {
		const struct shape_tree *t = &x->plan->trees[i];
		const struct shape_kdev *d = find_dev(x, t->dev);

		x->fresh[i] = !d || d->root != SHAPE_ROOT_OURS;
		/* HTB cannot change its default class in place. */
		if (!x->fresh[i] && d->defcls != t->defcls) {
			push(x, SHAPE_OP_QDISC_DEL, t->dev, NULL);
			x->fresh[i] = true;
		}
		if (x->fresh[i])
			push(x, SHAPE_OP_QDISC_ROOT, t->dev, t);
	}
	for (size_t i = 0; i < nt; i++)
		diff_classes(x, &x->plan->trees[i], x->fresh[i] ? NULL : find_dev(x, x->plan->trees[i].dev));
	for (size_t i = 0; i < nt; i++)
		diff_leaves(x, &x->plan->trees[i], x->fresh[i] ? NULL : find_dev(x, x->plan->trees[i].dev));
	for (size_t i = 0; i < nt; i++)
		diff_filters(x, i, x->fresh[i] ? NULL : find_dev(x, x->plan->trees[i].dev));
	for (size_t i = 0; i < nt; i++)
		if (x->plan->trees[i].dir == SHAPE_INGRESS)
			diff_redirect(x, &x->plan->trees[i]);
}

static bool pref_wanted(const struct shape_tree *t, uint16_t pref)
{
	for (size_t i = 0; i < t->nfilters; i++)
		if (t->filters[i].pref == pref)
			return true;
	return false;
}

/* Stale nodes: one by one beside a node that stays at their pref (a
 * changed match), else their whole pref at once (u32 would keep an
 * empty instance of it, protocol and all). */
static void delete_filters(struct diff *x, size_t ti)
{
	const struct shape_tree *t = &x->plan->trees[ti];
	const struct shape_kdev *d = find_dev(x, t->dev);
	bool *stale = x->stale[ti];
	struct shape_op *op;

	for (size_t j = 0; d && !x->fresh[ti] && j < d->nfilters; j++) {
		bool whole = !pref_wanted(t, d->filters[j].pref);

		if (!stale[j])
			continue;
		op = push(x, SHAPE_OP_FILTER_DEL, d->name, NULL);
		if (!op)
			return;
		op->filter = d->filters[j];
		op->handle = whole ? 0 : d->filter_handles[j];
		for (size_t k = j + 1; whole && k < d->nfilters; k++)
			if (d->filters[k].pref == d->filters[j].pref)
				stale[k] = false;
	}
}

static void deletes(struct diff *x)
{
	size_t nt = x->plan ? x->plan->ntrees : 0;

	for (size_t i = 0; i < nt; i++)
		delete_filters(x, i);
	for (size_t i = 0; i < x->ndevs; i++)
		if (x->devs[i].root != SHAPE_ROOT_NONE && x->devs[i].redirect &&
		    !ingress_of(x, x->devs[i].name))
			push(x, SHAPE_OP_REDIRECT_DEL, x->devs[i].name, NULL);
	for (size_t i = 0; i < nt; i++) {
		const struct shape_kdev *d = find_dev(x, x->plan->trees[i].dev);

		if (d && !x->fresh[i])
			delete_classes(x, &x->plan->trees[i], d);
	}
	for (size_t i = 0; i < x->ndevs; i++) {
		const struct shape_kdev *d = &x->devs[i];

		if (d->root == SHAPE_ROOT_OURS && !d->ifb_ours && !tree_of(x, d->name))
			push(x, SHAPE_OP_QDISC_DEL, d->name, NULL);
	}
	for (size_t i = 0; i < x->ndevs; i++) {
		const struct shape_kdev *d = &x->devs[i];

		if (d->root != SHAPE_ROOT_NONE && d->redirect && d->ingress && !d->ingress_foreign &&
		    !ingress_of(x, d->name))
			push(x, SHAPE_OP_INGRESS_DEL, d->name, NULL);
	}
	for (size_t i = 0; i < x->ndevs; i++) {
		const struct shape_kdev *d = &x->devs[i];

		if (d->root != SHAPE_ROOT_NONE && d->ifb_ours && !tree_of(x, d->name))
			push(x, SHAPE_OP_IFB_DEL, d->name, NULL);
	}
}

int shape_tc_diff(const struct shape_kdev *devs, size_t ndevs, const struct shape_plan *plan,
		  struct shape_ops *out, char *why, size_t whylen)
{
	struct diff x = { .out = out, .devs = devs, .ndevs = ndevs, .plan = plan };
	size_t nt = plan ? plan->ntrees : 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (whylen)
		why[0] = '\0';
	rc = check(&x, why, whylen);
	if (rc < 0)
		return rc;
	x.fresh = calloc(nt ? nt : 1, sizeof(*x.fresh));
	x.stale = calloc(nt ? nt : 1, sizeof(*x.stale));
	if (!x.fresh || !x.stale) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nt; i++) {
		const struct shape_kdev *d = find_dev(&x, plan->trees[i].dev);
		size_t n = d ? d->nfilters : 0;

		x.stale[i] = malloc(n ? n : 1);
		if (!x.stale[i]) {
			rc = -ENOMEM;
			goto out;
		}
		memset(x.stale[i], 1, n ? n : 1);
	}
	adds(&x);
	deletes(&x);
	rc = x.err;
out:
	for (size_t i = 0; x.stale && i < nt; i++)
		free(x.stale[i]);
	free(x.stale);
	free(x.fresh);
	if (rc < 0)
		shape_ops_free(out);
	return rc;
}

void shape_ops_free(struct shape_ops *ops)
{
	if (!ops)
		return;
	free(ops->v);
	ops->v = NULL;
	ops->n = 0;
}
