/* p2p_region.c: region mode of a transfer (struct p2p_region_opts):
 * who of the region's live members fetches a piece from the origin, and
 * at what rate.
 *
 * The member set is we and the connected peers that named our region in
 * their extension handshake; each member's key comes from its node id
 * and the info-hash (p2p_rendezvous.c), so every member ranks a piece's
 * candidates the same way without asking anyone. A piece some connected
 * peer has is never fetched from the origin: the LAN gives it. A member
 * that has announced no piece for the lease (and is not complete) is
 * skipped, so its pieces fall to the next in rank; the lease counts only
 * while our own origin fetches succeed, so an origin that goes away for
 * everyone makes nobody take over everybody's pieces when it is back.
 * The region's origin rate is shared out in proportion to what each
 * member still has to fetch (every member can count everyone's share),
 * so all finish their part together rather than the one that drew the
 * most pieces last. The region's origin
 * rate is shared out evenly among the members we know of.
 * (owner: region) */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "loop.h"
#include "p2p_int.h"
#include "p2p_pick.h"
#include "p2p_rendezvous.h"

/* Peers found by LSD connect within a second or two: fetching from the
 * origin before they have would take their pieces too. */
#define SETTLE_MS	1000
/* how often a member works out its share of the origin rate again */
#define SHARE_MS	1000

struct p2p_region {
	char			node[64], name[64];
	uint64_t		lease_ms, origin_rate;
	bool			other_regions;
	struct p2p_prefix	*lan;
	size_t			nlan;
	uint64_t		self_key, start_ms;
	uint64_t		ok_since_ms;	/* origin fetches succeed since, 0: not */
	/* members other than us, rebuilt when dirty */
	uint64_t		*keys;
	struct p2p_peer		**who;
	size_t			n, cap;
	bool			dirty;
	struct p2p_bucket	origin;
	uint64_t		share_ms;	/* when the share was last worked out */
};

int p2p_region_init(struct p2p_xfer *x, const struct p2p_region_opts *o)
{
	struct p2p_region *r = calloc(1, sizeof(*r));
	const uint8_t *ih = p2p_meta_wire_hash(x->m);

	if (!r)
		return -ENOMEM;
	snprintf(r->node, sizeof(r->node), "%s", o->node ? o->node : "");
	snprintf(r->name, sizeof(r->name), "%s", o->name ? o->name : "");
	r->lease_ms = o->lease_ms ? o->lease_ms : 30000;
	r->origin_rate = o->origin_rate;
	r->other_regions = o->other_regions;
	if (o->nlan) {
		r->lan = calloc(o->nlan, sizeof(*r->lan));
		if (!r->lan) {
			free(r);
			return -ENOMEM;
		}
		memcpy(r->lan, o->lan, o->nlan * sizeof(*r->lan));
		r->nlan = o->nlan;
	}
	r->self_key = p2p_rv_key(ih, 20, r->node, strlen(r->node));
	r->start_ms = loop_now_ms();
	r->dirty = true;
	p2p_bucket_set(&r->origin, r->origin_rate);
	x->rg = r;
	return 0;
}

void p2p_region_free(struct p2p_xfer *x)
{
	struct p2p_region *r = x->rg;

	if (!r)
		return;
	free(r->lan);
	free(r->keys);
	free(r->who);
	free(r);
	x->rg = NULL;
}

const char *p2p_region_node(const struct p2p_xfer *x)
{
	return x->rg ? x->rg->node : "";
}

const char *p2p_region_name(const struct p2p_xfer *x)
{
	return x->rg ? x->rg->name : "";
}

void p2p_region_changed(struct p2p_xfer *x)
{
	if (x->rg)
		x->rg->dirty = true;
}

static bool prefix_has(const struct p2p_prefix *pf, const struct p2p_addr *a)
{
	const uint8_t *b;
	unsigned full, rest;

	if (a->ss.ss_family == AF_INET && pf->family == AF_INET)
		b = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
	else if (a->ss.ss_family == AF_INET6 && pf->family == AF_INET6)
		b = ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr;
	else
		return false;
	full = pf->len / 8;
	rest = pf->len % 8;
	if (memcmp(b, pf->addr, full))
		return false;
	return !rest || ((b[full] ^ pf->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool p2p_region_peer_ok(const struct p2p_xfer *x, const struct p2p_peer *p)
{
	const struct p2p_region *r = x->rg;

	if (!r || r->other_regions)
		return true;
	if (p->region[0] && !strcmp(p->region, r->name))
		return true;
	for (size_t i = 0; i < r->nlan; i++)
		if (prefix_has(&r->lan[i], &p->addr))
			return true;
	return false;
}

static bool is_member(const struct p2p_region *r, const struct p2p_peer *p)
{
	return p->st == PS_ACTIVE && p->node[0] && !strcmp(p->region, r->name) &&
	    strcmp(p->node, r->node) != 0;
}

static void rebuild(struct p2p_xfer *x)
{
	struct p2p_region *r = x->rg;
	const uint8_t *ih = p2p_meta_wire_hash(x->m);
	size_t n = 0;

	for (struct p2p_peer *p = x->peers; p; p = p->next)
		n += is_member(r, p);
	if (n > r->cap) {
		uint64_t *k = realloc(r->keys, n * sizeof(*k));
		struct p2p_peer **w = k ? realloc(r->who, n * sizeof(*w)) : NULL;

		if (k)
			r->keys = k;
		if (!w)
			return;	/* out of memory: keep the old set, dirty */
		r->who = w;
		r->cap = n;
	}
	r->n = 0;
	for (struct p2p_peer *p = x->peers; p; p = p->next) {
		if (!is_member(r, p))
			continue;
		r->keys[r->n] = p2p_rv_key(ih, 20, p->node, strlen(p->node));
		r->who[r->n++] = p;
	}
	p2p_bucket_set(&r->origin, r->origin_rate / (r->n + 1));
	r->dirty = false;
}

unsigned p2p_region_members(struct p2p_xfer *x)
{
	if (!x->rg)
		return 0;
	if (x->rg->dirty)
		rebuild(x);
	return (unsigned)x->rg->n + 1;
}

/* Whether member p is still delivering: it announced a piece (or came)
 * within the lease, or has everything. */
static bool delivering(const struct p2p_region *r, const struct p2p_peer *p, uint64_t now)
{
	uint64_t last = p->last_have_ms > p->start_ms ? p->last_have_ms : p->start_ms;

	if (!r->ok_since_ms || p2p_peer_is_seed(p))
		return true;	/* we cannot tell it from an origin that is away */
	if (r->ok_since_ms > last)
		last = r->ok_since_ms;
	return now - last <= r->lease_ms;
}

/* Whether we rank first for piece among the members still delivering. */
static bool ranks_first(struct p2p_xfer *x, uint32_t piece, uint64_t now)
{
	struct p2p_region *r = x->rg;
	uint64_t best = p2p_rv_score(r->self_key, piece);

	for (size_t i = 0; i < r->n; i++) {
		uint64_t s = p2p_rv_score(r->keys[i], piece);

		/* ties cannot be told apart by anyone: both fetch */
		if (s > best && delivering(r, r->who[i], now))
			return false;
	}
	return true;
}

/* A piece nobody near has yet: we lack it and no connected peer has it. */
static bool unseen(struct p2p_xfer *x, uint32_t piece)
{
	return !p2p_bit(p2p_store_have(x->store), piece) && !p2p_pick_avail(x->pick, piece);
}

static bool ours_to_fetch(uint32_t piece, void *arg)
{
	struct p2p_xfer *x = arg;

	/* a piece a peer has comes over the LAN */
	return !p2p_pick_avail(x->pick, piece) && ranks_first(x, piece, loop_now_ms());
}

/* Our share of the region's origin rate: in proportion to the unseen
 * pieces that are ours, of all unseen ones. */
static void work_out_share(struct p2p_xfer *x, uint64_t now)
{
	struct p2p_region *r = x->rg;
	uint64_t mine = 0, all = 0, rate;

	if (!r->origin_rate || now - r->share_ms < SHARE_MS)
		return;
	r->share_ms = now;
	for (uint32_t i = 0; i < x->m->npieces; i++) {
		if (!unseen(x, i))
			continue;
		all++;
		mine += ranks_first(x, i, now);
	}
	rate = all ? r->origin_rate * mine / all : r->origin_rate / (r->n + 1);
	/* never nothing: a share worked out from a stale view must not stop us */
	if (rate < r->origin_rate / (4 * (r->n + 1)))
		rate = r->origin_rate / (4 * (r->n + 1));
	if (rate != r->origin.rate)
		p2p_bucket_set(&r->origin, rate ? rate : 1);
}

int64_t p2p_region_pick(struct p2p_xfer *x, uint64_t now)
{
	struct p2p_region *r = x->rg;

	if (now - r->start_ms < SETTLE_MS)
		return -1;
	if (r->dirty) {
		rebuild(x);
		r->share_ms = 0;
	}
	work_out_share(x, now);
	if (!p2p_bucket_avail(&r->origin, now))
		return -1;
	return p2p_pick_whole_if(x->pick, ours_to_fetch, x);
}

void p2p_region_origin(struct p2p_xfer *x, bool ok)
{
	struct p2p_region *r = x->rg;

	if (!r)
		return;
	if (!ok)
		r->ok_since_ms = 0;
	else if (!r->ok_since_ms)
		r->ok_since_ms = loop_now_ms();
}

void p2p_region_spent(struct p2p_xfer *x, size_t bytes)
{
	if (x->rg)
		p2p_bucket_spend(&x->rg->origin, bytes);
}
