/* shape_apply.c: the whole apply and clear, as outpost-shape and
 * outpost-p2pd run them: probe and read (one snapshot), plan, diff, then
 * tc first and nft last; shape_compare is the dry run of the same
 * against a snapshot the caller already holds. nft goes last because
 * its rules point packets at classes (meta priority) that must exist by
 * then, and because its commit is one transaction: when it is refused
 * nothing of it happened and only tc has to be put back
 * (shape_rollback.c). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shape_apply_int.h"
#include "shape_kernel.h"

struct refusal {
	struct shape_result *res;
	const struct shape_apply_opts *o;
	int first_err;
};

/* The first refusal names the op the way tc(8) would have been told;
 * an op taken with a warning (err 0) goes to the caller's warned(). */
static void on_refused(const struct shape_op *op, int err, const char *extack, void *arg)
{
	struct refusal *rf = arg;
	char text[384];

	if (!err) {
		if (rf->o && rf->o->warned && extack && *extack)
			rf->o->warned(op, extack, rf->o->arg);
		return;
	}
	if (rf->first_err)
		return;
	rf->first_err = err ? err : -EINVAL;
	shape_op_format(op, text, sizeof(text));
	snprintf(rf->res->why, sizeof(rf->res->why), "kernel refused '%s': %s", text,
	    extack && *extack ? extack : strerror(-rf->first_err));
}

static const struct shape_kdev *find_dev(const struct shape_kdev *devs, size_t n,
					 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(devs[i].name, name) == 0)
			return &devs[i];
	return NULL;
}

struct mtu_arg {
	const struct shape_kdev *devs;
	size_t n;
};

static uint32_t dev_mtu(const char *dev, void *arg)
{
	const struct mtu_arg *m = arg;
	const struct shape_kdev *d = find_dev(m->devs, m->n, dev);

	return d ? d->mtu : 0;
}

/* What the shaping cannot do without; fq_codel only changes the leaves. */
static int check_caps(const struct shape_caps *c, char *why, size_t len)
{
	char miss[96] = "";

	if (!c->probed)
		return 0;
	if (!c->htb)
		strcat(miss, ", htb");
	if (!c->ingress)
		strcat(miss, ", ingress");
	if (!c->ifb)
		strcat(miss, ", ifb");
	if (!c->u32)
		strcat(miss, ", u32");
	if (!c->mirred)
		strcat(miss, ", mirred");
	if (!miss[0])
		return 0;
	snprintf(why, len, "this kernel lacks %s", miss + 2);
	return -EOPNOTSUPP;
}

/* Every configured WAN interface must be there. */
static int check_wans(const struct shape_config *cfg, const struct shape_kdev *devs, size_t n,
		      char *why, size_t len)
{
	for (size_t i = 0; i < cfg->nifaces; i++) {
		const struct shape_kdev *d = find_dev(devs, n, cfg->ifaces[i].name);
		const struct shape_region *rg = &cfg->regions[cfg->ifaces[i].regions[0]];

		if (!d || d->root == SHAPE_ROOT_NONE) {
			snprintf(why, len, "%s:%u: [region \"%s\"]: no interface '%s' here",
			    rg->file ? rg->file : "?", rg->line, rg->name, cfg->ifaces[i].name);
			return -ENODEV;
		}
	}
	return 0;
}

/* Whether the table already is want (NULL: no table at all). */
static bool nft_same(const struct shape_knft *k, bool known, const struct shape_nft *want)
{
	if (!known)
		return false;
	if (!want)
		return !k->present;
	return k->present && !k->foreign && shape_nft_equal(&k->nft, want);
}

static void dry_print(const struct shape_ops *ops, const struct shape_nft *want, bool nft_differs,
		      const struct shape_apply_opts *o)
{
	char text[512];

	/* NULL prints the delete alone. */
	if (o->out && nft_differs)
		shape_nft_script(want, o->out);
	for (size_t i = 0; i < ops->n; i++) {
		if (o->out) {
			shape_op_format(&ops->v[i], text, sizeof(text));
			fprintf(o->out, "%s\n", text);
		}
		if (o->changed)
			o->changed(&ops->v[i], o->arg);
	}
}

static void report(const struct shape_ops *ops, const struct shape_apply_opts *o)
{
	for (size_t i = 0; o->changed && i < ops->n; i++)
		o->changed(&ops->v[i], o->arg);
}

/* tc, then nft; a refusal of either puts tc back. */
static int change(struct nl_sock *s, const struct shape_kdev *devs, size_t n,
		  const struct shape_ops *ops, const struct shape_nft *want, bool nft_differs,
		  const struct shape_apply_opts *o, struct shape_result *res)
{
	struct refusal rf = { .res = res, .o = o };
	char why[400];
	int r;

	if (ops->n) {
		r = shape_tc_apply(s, ops, on_refused, &rf);
		if (r != 0) {
			res->refused = r > 0 ? (size_t)r : ops->n;
			if (r < 0 && !res->why[0])
				snprintf(res->why, sizeof(res->why), "netlink: %s", strerror(-r));
			shape_rollback(s, devs, n);
			return r < 0 ? r : -EPROTO;
		}
	}
	if (nft_differs) {
		why[0] = '\0';
		r = shape_nft_commit(want, why, sizeof(why));
		if (r < 0) {
			res->refused = 1;
			snprintf(res->why, sizeof(res->why), "kernel refused the nft table inet %s: %s",
			    SHAPE_NFT_TABLE, why[0] ? why : strerror(-r));
			if (ops->n)
				shape_rollback(s, devs, n);
			return -EPROTO;
		}
		res->nft_changed = true;
	}
	res->tc_changes = ops->n;
	return 0;
}

static int take_lock(const struct shape_apply_opts *o, struct shape_result *res, int *lock)
{
	int r = shape_lock(o->lock_wait_ms, lock);

	if (r == -EBUSY)
		snprintf(res->why, sizeof(res->why),
		    "another outpost-shape is changing this namespace's shaping (waited %u ms)",
		    o->lock_wait_ms);
	else if (r < 0)
		snprintf(res->why, sizeof(res->why), "cannot take the shaping lock: %s",
		    strerror(-r));
	return r;
}

/* What apply makes of cfg against snap: the plan, the tc ops and
 * whether the nft table differs (want: what it should be, NULL none).
 * The checks that refuse an apply come first, each with res->why. */
static int evaluate(const struct shape_config *cfg, const struct shape_snapshot *snap,
		    bool dry_run, struct shape_plan *plan, struct shape_ops *ops,
		    const struct shape_nft **want, bool *differs, struct shape_result *res)
{
	struct mtu_arg ma = { snap->devs, snap->ndevs };
	struct shape_plan_opts po = {
		/* Not probed (not root: a dry run) assumes everything. */
		.leaf = snap->caps.probed && !snap->caps.fq_codel ? SHAPE_LEAF_PFIFO
								  : SHAPE_LEAF_FQ_CODEL,
		.mtu = dev_mtu,
		.arg = &ma,
	};
	bool known = true;
	int r;

	res->caps = snap->caps;
	if ((r = check_caps(&snap->caps, res->why, sizeof(res->why))) < 0)
		return r;
	if ((r = check_wans(cfg, snap->devs, snap->ndevs, res->why, sizeof(res->why))) < 0)
		return r;
	if ((r = shape_plan_build(cfg, &po, plan)) < 0) {
		snprintf(res->why, sizeof(res->why), "cannot plan: %s", strerror(-r));
		return r;
	}
	r = shape_tc_diff(snap->devs, snap->ndevs, plan, ops, res->why, sizeof(res->why));
	if (r < 0) {
		if (!res->why[0])
			snprintf(res->why, sizeof(res->why), "cannot compare: %s", strerror(-r));
		return r;
	}
	if (snap->nft_err == -EPERM && dry_run) {
		known = false;  /* unprivileged: print the whole table */
	} else if (snap->nft_err < 0) {
		snprintf(res->why, sizeof(res->why), "cannot read the nft table inet %s: %s",
		    SHAPE_NFT_TABLE, strerror(-snap->nft_err));
		return snap->nft_err;
	}
	*want = cfg->nregions ? &plan->nft : NULL;
	*differs = !nft_same(&snap->knft, known, *want);
	return 0;
}

int shape_compare(const struct shape_config *cfg, const struct shape_snapshot *snap,
		  const struct shape_apply_opts *opts, struct shape_result *res)
{
	static const struct shape_apply_opts none;
	const struct shape_apply_opts *o = opts ? opts : &none;
	struct shape_plan plan = { 0 };
	struct shape_ops ops = { 0 };
	const struct shape_nft *want = NULL;
	bool differs = false;
	int r;

	memset(res, 0, sizeof(*res));
	r = evaluate(cfg, snap, true, &plan, &ops, &want, &differs, res);
	if (r == 0) {
		dry_print(&ops, want, differs, o);
		res->tc_changes = ops.n;
		res->nft_changed = differs;
	}
	shape_ops_free(&ops);
	shape_plan_free(&plan);
	return r;
}

int shape_apply(const struct shape_config *cfg, const struct shape_apply_opts *opts,
		struct shape_result *res)
{
	static const struct shape_apply_opts none;
	const struct shape_apply_opts *o = opts ? opts : &none;
	struct shape_snapshot snap = { 0 };
	struct shape_plan plan = { 0 };
	struct shape_ops ops = { 0 };
	struct nl_sock *s = NULL;
	const struct shape_nft *want = NULL;
	bool differs = false;
	int lock = -1, r;

	memset(res, 0, sizeof(*res));
	if (!o->dry_run && (r = take_lock(o, res, &lock)) < 0)
		return r;
	if ((r = nl_open(NETLINK_ROUTE, 0, &s)) < 0) {
		snprintf(res->why, sizeof(res->why), "cannot open rtnetlink: %s", strerror(-r));
		goto out;
	}
	r = shape_snapshot_read(s, cfg, o->caps, &snap, res->why, sizeof(res->why));
	res->caps = snap.caps;
	if (r < 0)
		goto out;
	r = evaluate(cfg, &snap, o->dry_run, &plan, &ops, &want, &differs, res);
	if (r < 0)
		goto out;
	if (o->dry_run) {
		dry_print(&ops, want, differs, o);
		res->tc_changes = ops.n;
		res->nft_changed = differs;
		goto out;
	}
	r = change(s, snap.devs, snap.ndevs, &ops, want, differs, o, res);
	if (r == 0)
		report(&ops, o);
out:
	shape_ops_free(&ops);
	shape_plan_free(&plan);
	shape_snapshot_free(&snap);
	nl_close(s);
	shape_unlock(lock);
	return r;
}

int shape_clear(const struct shape_apply_opts *opts, struct shape_result *res)
{
	static const struct shape_apply_opts none;
	const struct shape_apply_opts *o = opts ? opts : &none;
	struct shape_kdev *devs = NULL;
	size_t ndevs = 0;
	struct shape_knft knft = { 0 };
	struct shape_ops ops = { 0 };
	struct refusal rf = { .res = res, .o = o };
	struct nl_sock *s = NULL;
	bool known = true;
	char why[400] = "";
	int lock = -1, r;

	memset(res, 0, sizeof(*res));
	if (!o->dry_run && (r = take_lock(o, res, &lock)) < 0)
		return r;
	if ((r = nl_open(NETLINK_ROUTE, 0, &s)) < 0) {
		snprintf(res->why, sizeof(res->why), "cannot open rtnetlink: %s", strerror(-r));
		goto out;
	}
	if ((r = shape_kernel_read(s, NULL, &devs, &ndevs)) < 0) {
		snprintf(res->why, sizeof(res->why), "cannot read the interfaces: %s", strerror(-r));
		goto out;
	}
	r = shape_tc_diff(devs, ndevs, NULL, &ops, res->why, sizeof(res->why));
	if (r < 0)
		goto out;
	r = shape_nft_read(&knft);
	if (r == -EPERM && o->dry_run) {
		known = false;
	} else if (r < 0) {
		snprintf(res->why, sizeof(res->why), "cannot read the nft table inet %s: %s",
		    SHAPE_NFT_TABLE, strerror(-r));
		goto out;
	}
	if (o->dry_run) {
		dry_print(&ops, NULL, !known || knft.present, o);
		res->tc_changes = ops.n;
		res->nft_changed = !known || knft.present;
		r = 0;
		goto out;
	}
	/* No rollback: every op removes something of Outpost's, and a clear
	 * that stops halfway has still removed only what was ours. */
	if (ops.n) {
		r = shape_tc_apply(s, &ops, on_refused, &rf);
		if (r != 0) {
			res->refused = r > 0 ? (size_t)r : ops.n;
			if (r < 0 && !res->why[0])
				snprintf(res->why, sizeof(res->why), "netlink: %s", strerror(-r));
			r = r < 0 ? r : -EPROTO;
			goto out;
		}
		res->tc_changes = ops.n;
		report(&ops, o);
	}
	if (knft.present) {
		r = shape_nft_commit(NULL, why, sizeof(why));
		if (r < 0) {
			res->refused++;
			snprintf(res->why, sizeof(res->why), "kernel refused deleting table inet %s: %s",
			    SHAPE_NFT_TABLE, why[0] ? why : strerror(-r));
			r = -EPROTO;
			goto out;
		}
		res->nft_changed = true;
	}
	r = 0;
out:
	shape_ops_free(&ops);
	shape_knft_free(&knft);
	shape_kdevs_free(devs, ndevs);
	nl_close(s);
	shape_unlock(lock);
	return r;
}
