/* shape_tc_read.c: what one device holds, read back through rtnetlink.
 *
 * Dumps of links, then the device's qdiscs, its classes (only under
 * Outpost's root) and its filters, each parsed by shape_tc_parse.c.
 * A dump the kernel flags as interrupted (it changed meanwhile) starts
 * the whole read over: a half-consistent view would make apply "fix"
 * what is fine. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "shape_tc_int.h"

#define READ_TRIES 5

struct links {
	struct shape_tc_link *v;
	size_t n, cap;
	int err;
};

struct leaf {
	uint32_t parent, handle, limit;
	char kind[16];
};

struct read_ctx {
	struct shape_kdev *d;
	struct links links;
	struct leaf *leaves;
	size_t nleaves, cap;
	bool root_seen;
	int err;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *nv;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	nv = reallocarray(*v, c, size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
	struct links *l = arg;
	struct shape_tc_link k;

	if (shape_tc_parse_link(nlh, nlh->nlmsg_len, &k) < 0)
		return MNL_CB_OK;
	if (grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) < 0) {
		l->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	l->v[l->n++] = k;
	return MNL_CB_OK;
}

static int read_links(struct nl_sock *s, struct links *l)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int rc;

	l->n = 0;
	l->err = 0;
	rc = nl_dump(s, RTM_GETLINK, &ifi, sizeof(ifi), NULL, on_link, l);
	return l->err ? l->err : rc;
}

static const struct shape_tc_link *link_by_index(const struct links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ifindex == ifindex)
			return &l->v[i];
	return NULL;
}

static int on_qdisc(const struct nlmsghdr *nlh, void *arg)
{
	struct read_ctx *x = arg;
	struct shape_kdev *d = x->d;
	struct shape_tc_qdisc q;

	if (shape_tc_parse_qdisc(nlh, nlh->nlmsg_len, &q) < 0 || q.ifindex != d->ifindex)
		return MNL_CB_OK;
	if (q.parent == TC_H_ROOT) {
		x->root_seen = true;
		snprintf(d->root_kind, sizeof(d->root_kind), "%s", q.kind);
		d->root_handle = q.handle;
		if (q.handle == 0)
			d->root = SHAPE_ROOT_DEFAULT;
		else if (q.handle == SHAPE_HANDLE(0) && strcmp(q.kind, "htb") == 0)
			d->root = SHAPE_ROOT_OURS;
		else
			d->root = SHAPE_ROOT_FOREIGN;
		d->defcls = q.defcls;
	} else if (q.parent == TC_H_INGRESS && strcmp(q.kind, "ingress") == 0) {
		d->ingress = true;
	} else if (TC_H_MAJ(q.parent) == SHAPE_HANDLE(0)) {
		if (grow((void **)&x->leaves, &x->cap, x->nleaves, sizeof(*x->leaves)) < 0) {
			x->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		x->leaves[x->nleaves] = (struct leaf){ .parent = q.parent, .handle = q.handle,
						       .limit = q.limit };
		snprintf(x->leaves[x->nleaves].kind, sizeof(x->leaves[0].kind), "%s", q.kind);
		x->nleaves++;
	}
	return MNL_CB_OK;
}

static int on_class(const struct nlmsghdr *nlh, void *arg)
{
	struct read_ctx *x = arg;
	struct shape_kdev *d = x->d;
	struct shape_kclass k;
	int ifx;

	if (shape_tc_parse_class(nlh, nlh->nlmsg_len, &ifx, &k) < 0 || ifx != d->ifindex ||
	    TC_H_MAJ(k.cls.classid) != SHAPE_HANDLE(0))
		return MNL_CB_OK;
	if (grow((void **)&d->classes, &x->cap, d->nclasses, sizeof(*d->classes)) < 0) {
		x->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	d->classes[d->nclasses++] = k;
	return MNL_CB_OK;
}

static int add_filter(struct read_ctx *x, const struct shape_tc_filter *f)
{
	struct shape_kdev *d = x->d;
	uint32_t *h;

	if (grow((void **)&d->filters, &x->cap, d->nfilters, sizeof(*d->filters)) < 0)
		return -ENOMEM;
	/* The same capacity for both arrays. */
	h = reallocarray(d->filter_handles, x->cap, sizeof(*h));
	if (!h)
		return -ENOMEM;
	d->filter_handles = h;
	d->filters[d->nfilters] = f->u32;
	d->filter_handles[d->nfilters] = f->handle;
	d->nfilters++;
	return 0;
}

static int on_filter(const struct nlmsghdr *nlh, void *arg)
{
	struct read_ctx *x = arg;
	struct shape_tc_filter f;

	if (shape_tc_parse_filter(nlh, nlh->nlmsg_len, &f) < 0 || f.ifindex != x->d->ifindex ||
	    !f.node)
		return MNL_CB_OK;
	if (f.ours && f.pref >= SHAPE_PREF_CLASSIFY) {
		if (add_filter(x, &f) < 0) {
			x->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
	} else {
		x->d->foreign_filters++;
	}
	return MNL_CB_OK;
}

static int on_ingress_filter(const struct nlmsghdr *nlh, void *arg)
{
	struct read_ctx *x = arg;
	struct shape_kdev *d = x->d;
	const struct shape_tc_link *to;
	struct shape_tc_filter f;

	if (shape_tc_parse_filter(nlh, nlh->nlmsg_len, &f) < 0 || f.ifindex != d->ifindex ||
	    !f.node)
		return MNL_CB_OK;
	if (f.pref != SHAPE_PREF_REDIRECT) {
		d->ingress_foreign++;
		return MNL_CB_OK;
	}
	/* Anything at our pref is ours; only a well-formed redirect says
	 * where it goes (else redirect_to stays "" and apply redoes it). */
	d->redirect = true;
	if (f.redirect && (to = link_by_index(&x->links, f.redirect_ifindex)) != NULL) {
		snprintf(d->redirect_to, sizeof(d->redirect_to), "%s", to->name);
		d->redirect_handle = f.handle;
	}
	return MNL_CB_OK;
}

static int dump_tc(struct nl_sock *s, struct read_ctx *x, uint16_t type, uint32_t parent,
		   mnl_cb_t cb)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = x->d->ifindex,
			   .tcm_parent = parent };
	int rc;

	x->cap = 0;
	rc = nl_dump(s, type, &t, sizeof(t), NULL, cb, x);
	return x->err ? x->err : rc;
}

static void attach_leaves(struct read_ctx *x)
{
	for (size_t i = 0; i < x->d->nclasses; i++) {
		struct shape_kclass *k = &x->d->classes[i];

		for (size_t j = 0; j < x->nleaves; j++) {
			if (x->leaves[j].parent != k->cls.classid)
				continue;
			snprintf(k->leaf_kind, sizeof(k->leaf_kind), "%s", x->leaves[j].kind);
			k->cls.leaf_handle = x->leaves[j].handle;
			k->cls.leaf_limit = x->leaves[j].limit;
		}
	}
}

static int read_once(struct nl_sock *s, const char *dev, struct read_ctx *x)
{
	const struct shape_tc_link *l = NULL;
	struct shape_kdev *d = x->d;
	int rc;

	shape_kdev_free(d);
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", dev);
	d->root = SHAPE_ROOT_NONE;
	x->nleaves = 0;
	x->root_seen = false;
	x->err = 0;
	rc = read_links(s, &x->links);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < x->links.n && !l; i++)
		if (strcmp(x->links.v[i].name, dev) == 0)
			l = &x->links.v[i];
	if (!l)
		return -ENODEV;
	d->ifindex = l->ifindex;
	d->mtu = l->mtu;
	d->up = l->up;
	d->ifb_ours = l->ifb_ours;
	/* No root in the dump (noop on a device down): the kernel's own. */
	d->root = SHAPE_ROOT_DEFAULT;
	rc = dump_tc(s, x, RTM_GETQDISC, 0, on_qdisc);
	if (rc < 0)
		return rc;
	if (d->root == SHAPE_ROOT_OURS) {
		rc = dump_tc(s, x, RTM_GETTCLASS, 0, on_class);
		if (rc == 0)
			rc = dump_tc(s, x, RTM_GETTFILTER, SHAPE_HANDLE(0), on_filter);
		if (rc < 0)
			return rc;
		attach_leaves(x);
	}
	if (d->ingress)
		rc = dump_tc(s, x, RTM_GETTFILTER, SHAPE_INGRESS_HANDLE, on_ingress_filter);
	return rc;
}

int shape_tc_read(struct nl_sock *s, const char *dev, struct shape_kdev *out)
{
	struct read_ctx x = { .d = out };
	int rc = -EAGAIN;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < READ_TRIES && rc == -EAGAIN; i++)
		rc = read_once(s, dev, &x);
	free(x.links.v);
	free(x.leaves);
	if (rc < 0) {
		shape_kdev_free(out);
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", dev);
		out->root = SHAPE_ROOT_NONE;
	}
	return rc;
}

void shape_kdev_free(struct shape_kdev *d)
{
	if (!d)
		return;
	free(d->classes);
	free(d->filters);
	free(d->filter_handles);
	d->classes = NULL;
	d->filters = NULL;
	d->filter_handles = NULL;
	d->nclasses = d->nfilters = 0;
}

int shape_tc_list_ifbs(struct nl_sock *s, char (**out)[16], size_t *n)
{
	struct links l = { 0 };
	char (*v)[16];
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = read_links(s, &l);
	for (int i = 1; i < READ_TRIES && rc == -EAGAIN; i++)
		rc = read_links(s, &l);
	if (rc < 0) {
		free(l.v);
		return rc;
	}
	v = calloc(l.n ? l.n : 1, sizeof(*v));
	if (!v) {
		free(l.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].ifb_ours)
			snprintf(v[k++], sizeof(v[0]), "%s", l.v[i].name);
	free(l.v);
	*out = v;
	*n = k;
	return 0;
}
