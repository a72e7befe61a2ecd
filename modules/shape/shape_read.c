/* shape_read.c: which devices apply, clear and show read. The config's
 * WAN interfaces and their IFBs always; besides them every device that
 * still holds Outpost's objects, so that a region or a whole interface
 * dropped from the config is cleaned up by the next apply, and show
 * without a config still finds everything. And the snapshot: those
 * devices, the caps and the nft table, read once for a whole command. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shape_kernel.h"

struct devlist {
	struct shape_kdev *v;
	size_t n, cap;
};

static bool listed(const struct devlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return true;
	return false;
}

/* Something of Outpost's on it: what clear removes and show lists. */
static bool holds_ours(const struct shape_kdev *d)
{
	return d->root == SHAPE_ROOT_OURS || d->ifb_ours || d->redirect;
}

/* Read name into the list; always when keep, else only when it holds
 * something of Outpost's. A device gone since the listing is skipped. */
static int add_dev(struct nl_sock *s, struct devlist *l, const char *name, bool keep)
{
	struct shape_kdev d;
	int r;

	if (listed(l, name))
		return 0;
	memset(&d, 0, sizeof(d));
	r = shape_tc_read(s, name, &d);
	if (r < 0 && r != -ENODEV) {
		shape_kdev_free(&d);
		return r;
	}
	if (r == -ENODEV) {
		/* shape_tc_read leaves root NONE; keep the name for the caller. */
		shape_kdev_free(&d);
		memset(&d, 0, sizeof(d));
		d.root = SHAPE_ROOT_NONE;
	}
	snprintf(d.name, sizeof(d.name), "%s", name);
	if (!keep && (r == -ENODEV || !holds_ours(&d))) {
		shape_kdev_free(&d);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct shape_kdev *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v) {
			shape_kdev_free(&d);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = d;
	return 0;
}

int shape_kernel_read(struct nl_sock *s, const struct shape_config *cfg, struct shape_kdev **out,
		      size_t *n)
{
	struct devlist l = { 0 };
	struct if_nameindex *ifs = NULL;
	int r = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; cfg && i < cfg->nifaces && r == 0; i++) {
		r = add_dev(s, &l, cfg->ifaces[i].name, true);
		if (r == 0)
			r = add_dev(s, &l, cfg->ifaces[i].ifb, true);
	}
	if (r < 0)
		goto out;
	/* if_nameindex(3) reads the links through the C library's own
	 * bounds-checked netlink code: no second link parser here. */
	ifs = if_nameindex();
	if (!ifs) {
		r = -errno;
		goto out;
	}
	for (struct if_nameindex *p = ifs; p->if_index != 0 && p->if_name && r == 0; p++)
		if (strcmp(p->if_name, "lo") != 0)
			r = add_dev(s, &l, p->if_name, false);
out:
	if (ifs)
		if_freenameindex(ifs);
	if (r < 0) {
		shape_kdevs_free(l.v, l.n);
		return r;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

void shape_kdevs_free(struct shape_kdev *devs, size_t n)
{
	if (!devs)
		return;
	for (size_t i = 0; i < n; i++)
		shape_kdev_free(&devs[i]);
	free(devs);
}

int shape_snapshot_read(struct nl_sock *s, const struct shape_config *cfg,
			const struct shape_caps *caps, struct shape_snapshot *out, char *why,
			size_t whylen)
{
	struct nl_sock *own = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (caps && caps->probed) {
		out->caps = *caps;
	} else if ((r = shape_caps_probe(&out->caps)) < 0 && r != -EPERM) {
		snprintf(why, whylen, "cannot probe the kernel: %s", strerror(-r));
		return r;
	}
	if (!s && (r = nl_open(NETLINK_ROUTE, 0, &own)) < 0) {
		snprintf(why, whylen, "cannot open rtnetlink: %s", strerror(-r));
		return r;
	}
	r = shape_kernel_read(s ? s : own, cfg, &out->devs, &out->ndevs);
	nl_close(own);
	if (r < 0) {
		snprintf(why, whylen, "cannot read the interfaces: %s", strerror(-r));
		return r;
	}
	out->nft_err = shape_nft_read(&out->knft);
	return 0;
}

void shape_snapshot_free(struct shape_snapshot *snap)
{
	if (!snap)
		return;
	shape_kdevs_free(snap->devs, snap->ndevs);
	shape_knft_free(&snap->knft);
	memset(snap, 0, sizeof(*snap));
}
