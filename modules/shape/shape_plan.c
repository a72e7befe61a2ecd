/* shape_plan.c: the desired kernel state of a config: per WAN interface
 * an egress HTB tree on the interface (upload) and an ingress one on its
 * IFB (download), as shape.h's head comment lays them out; the u32
 * nodes of the ingress trees (shape_plan_u32.c) and the nft sets and
 * rules of the egress side (shape_plan_nft.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shape.h"
#include "shape_plan_int.h"

static struct shape_class *class_add(struct shape_tree *t)
{
	struct shape_class *c = &t->classes[t->nclasses++];

	memset(c, 0, sizeof(*c));
	return c;
}

/* A leaf class: its times from its own rates, its leaf qdisc named by
 * its minor. */
static void leaf(struct shape_tree *t, struct shape_class *c, uint32_t mtu)
{
	uint32_t minor = c->classid & 0xffffu;

	c->parent = SHAPE_HANDLE(SHAPE_MINOR_LINE);
	c->burst = shape_burst(c->rate, mtu);
	c->cburst = shape_burst(c->ceil, mtu);
	c->quantum = shape_quantum(c->rate, mtu);
	c->leaf_handle = minor << 16;
	c->leaf_limit = t->leaf == SHAPE_LEAF_PFIFO ? shape_fifo_limit(c->ceil, mtu) : 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* One tree: the line, business, and each region's capped classes. The
 * caps' guarantees shrink in proportion when business and the caps
 * would not fit the line together; each may still borrow up to its
 * cap. */
static int tree_build(const struct shape_config *cfg, const struct shape_iface *f,
		      enum shape_dir dir, const struct shape_plan_opts *opts, struct shape_tree *t)
{
	uint64_t line = dir == SHAPE_EGRESS ? f->up_rate : f->down_rate;
	uint64_t business = dir == SHAPE_EGRESS ? f->business_up : f->business_down;
	uint64_t caps = 0, room;
	uint32_t mtu = opts && opts->mtu ? opts->mtu(f->name, opts->arg) : 0;
	struct shape_class *c;

	mtu = (mtu ? mtu : 1500) + 14;
	snprintf(t->dev, sizeof(t->dev), "%s", dir == SHAPE_EGRESS ? f->name : f->ifb);
	snprintf(t->wan, sizeof(t->wan), "%s", f->name);
	t->dir = dir;
	t->defcls = SHAPE_MINOR_BUSINESS;
	t->leaf = opts ? opts->leaf : SHAPE_LEAF_PFIFO;
	if (!line)
		line = 1;
	business = business ? min64(business, line) : 1;
	t->classes = calloc(2 + 2 * f->nregions, sizeof(*t->classes));
	if (!t->classes)
		return -ENOMEM;

	c = class_add(t);
	c->classid = SHAPE_HANDLE(SHAPE_MINOR_LINE);
	c->parent = SHAPE_HANDLE(0);
	c->kind = SHAPE_LINE;
	c->region = -1;
	c->rate = c->ceil = line;
	c->burst = c->cburst = shape_burst(line, mtu);
	/* Only while it has no children yet, but then HTB wants one. */
	c->quantum = shape_quantum(line, mtu);

	c = class_add(t);
	c->classid = SHAPE_HANDLE(SHAPE_MINOR_BUSINESS);
	c->kind = SHAPE_BUSINESS;
	c->region = -1;
	c->rate = business;
	c->ceil = line;
	c->prio = 0;
	leaf(t, c, mtu);

	for (size_t i = 0; i < f->nregions; i++) {
		const struct shape_region *r = &cfg->regions[f->regions[i]];

		caps += min64(r->origin_rate, line);
		if (r->peer_rate)
			caps += min64(r->peer_rate, line);
	}
	room = line - business;
	for (size_t i = 0; i < f->nregions; i++) {
		const struct shape_region *r = &cfg->regions[f->regions[i]];
		const uint64_t cap[2] = { r->origin_rate, r->peer_rate };

		for (int k = 0; k < 2; k++) {
			if (!cap[k])
				continue;
			c = class_add(t);
			c->kind = k ? SHAPE_PEER : SHAPE_ORIGIN;
			c->classid = SHAPE_HANDLE(SHAPE_MINOR(r->slot, c->kind));
			c->region = (int)f->regions[i];
			c->ceil = min64(cap[k], line);
			c->rate = business + caps <= line ? c->ceil : shape_scale(c->ceil, room, caps);
			if (!c->rate)
				c->rate = 1;
			c->prio = k ? 2 : 1;
			leaf(t, c, mtu);
		}
	}
	return 0;
}

int shape_plan_build(const struct shape_config *cfg, const struct shape_plan_opts *opts,
		     struct shape_plan *out)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!cfg->nifaces)
		return 0;
	out->trees = calloc(2 * cfg->nifaces, sizeof(*out->trees));
	if (!out->trees)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nifaces && r == 0; i++) {
		const struct shape_iface *f = &cfg->ifaces[i];
		struct shape_tree *up = &out->trees[out->ntrees++];
		struct shape_tree *down = &out->trees[out->ntrees++];

		r = tree_build(cfg, f, SHAPE_EGRESS, opts, up);
		if (r == 0)
			r = tree_build(cfg, f, SHAPE_INGRESS, opts, down);
		if (r == 0)
			r = shape_plan_u32(cfg, f, down);
	}
	if (r == 0)
		r = shape_plan_nft(cfg, &out->nft);
	if (r < 0)
		shape_plan_free(out);
	return r;
}

void shape_plan_free(struct shape_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ntrees; i++) {
		free(p->trees[i].classes);
		free(p->trees[i].filters);
	}
	free(p->trees);
	shape_nft_free(&p->nft);
	memset(p, 0, sizeof(*p));
}
