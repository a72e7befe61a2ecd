/* shape_plan_u32.c: the u32 nodes that classify the download side on
 * the IFB (the packets come from the remote side: its address is the
 * source, the region's device is the destination). Per region, origin
 * first (so an origin server that is also a peer counts as origin):
 * source in an origin prefix, then P2P: source in a peer prefix, then
 * TCP and UDP with either port in peer-port. A region alone on its
 * interface is told by the remote side only (NAT does not hide it);
 * when regions share one, each node is repeated for every LAN prefix of
 * its family as the destination. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "shape.h"
#include "shape_plan_int.h"

/* Prefs are 16 bits: the nodes fit between SHAPE_PREF_CLASSIFY and it. */
#define U32_MAX_NODES (0xffffu - SHAPE_PREF_CLASSIFY + 1u)

struct nodes {
	struct shape_tree *t;
	size_t cap;
};

static int add(struct nodes *ns, const struct shape_u32 *n)
{
	struct shape_tree *t = ns->t;

	if (t->nfilters == U32_MAX_NODES)
		return -E2BIG;
	if (t->nfilters == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 16;
		struct shape_u32 *tmp = reallocarray(t->filters, cap, sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		t->filters = tmp;
		ns->cap = cap;
	}
	t->filters[t->nfilters] = *n;
	t->filters[t->nfilters].pref = (uint16_t)(SHAPE_PREF_CLASSIFY + t->nfilters);
	t->nfilters++;
	return 0;
}

/* n as it is (a region alone) or once per LAN prefix of its family. */
static int emit(struct nodes *ns, const struct shape_region *r, bool shared,
		const struct shape_u32 *n)
{
	struct shape_u32 m = *n;
	int err;

	if (!shared)
		return add(ns, n);
	for (size_t i = 0; i < r->nlan; i++) {
		if (r->lan[i].family != n->family)
			continue;
		m.has_dst = true;
		m.dst = r->lan[i];
		if ((err = add(ns, &m)) < 0)
			return err;
	}
	return 0;
}

static int by_source(struct nodes *ns, const struct shape_region *r, bool shared,
		     uint32_t classid, const struct shape_prefix *v, size_t n)
{
	int err;

	for (size_t i = 0; i < n; i++) {
		struct shape_u32 m = { .family = v[i].family, .classid = classid,
				       .has_src = true, .src = v[i] };

		if ((err = emit(ns, r, shared, &m)) < 0)
			return err;
	}
	return 0;
}

/* [lo, hi] as aligned blocks of a power of two each: one exact match
 * (value, mask) per block, the fewest that cover it. */
static int by_port(struct nodes *ns, const struct shape_region *r, bool shared,
		   struct shape_u32 *m)
{
	uint32_t lo = r->port_lo, hi = r->port_hi;
	int err;

	while (lo <= hi) {
		uint32_t size = 1;

		while (size < 0x10000u && (lo & (2 * size - 1)) == 0 && lo + 2 * size - 1 <= hi)
			size *= 2;
		m->port = (uint16_t)lo;
		m->port_mask = (uint16_t)~(size - 1);
		if ((err = emit(ns, r, shared, m)) < 0)
			return err;
		lo += size;
	}
	return 0;
}

static int peer_ports(struct nodes *ns, const struct shape_region *r, bool shared,
		      uint32_t classid)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	int err;

	for (size_t f = 0; f < 2; f++)
		for (size_t p = 0; p < 2; p++)
			for (int side = 0; side < 2; side++) {
				struct shape_u32 m = { .family = families[f], .classid = classid,
						       .ipproto = protos[p],
						       .has_sport = side == 0,
						       .has_dport = side == 1 };

				if ((err = by_port(ns, r, shared, &m)) < 0)
					return err;
			}
	return 0;
}

int shape_plan_u32(const struct shape_config *cfg, const struct shape_iface *f,
		   struct shape_tree *t)
{
	struct nodes ns = { .t = t };
	bool shared = f->nregions > 1;
	int err = 0;

	for (size_t i = 0; i < f->nregions && err == 0; i++) {
		const struct shape_region *r = &cfg->regions[f->regions[i]];
		uint32_t origin = SHAPE_HANDLE(SHAPE_MINOR(r->slot, SHAPE_ORIGIN));
		uint32_t peer = SHAPE_HANDLE(SHAPE_MINOR(r->slot, SHAPE_PEER));

		err = by_source(&ns, r, shared, origin, r->origin, r->norigin);
		if (err == 0 && r->peer_rate)
			err = by_source(&ns, r, shared, peer, r->peer, r->npeer);
		if (err == 0 && r->peer_rate)
			err = peer_ports(&ns, r, shared, peer);
	}
	return err;
}
