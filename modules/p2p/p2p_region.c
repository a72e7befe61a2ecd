/* p2p_region.c: region mode of a transfer (struct p2p_region_opts):
 * who of the region's live members fetches a piece from the origin, and
 * at what rate.
 *
 * The member set is we, the members LSD heard announce this torrent in
 * our region (x-outpost- lines, p2p_lsd_parse.c), and the connected
 * peers that named our region in their extension handshake, one entry
 * per node id (p2p_region_tab.c). LSD reaches the whole LAN segment, so
 * every member ranks over the same set even when each is connected to
 * only a few of the others. Each member's key comes from its node id and
 * the info-hash (p2p_rendezvous.c), so every member ranks a piece's
 * candidates the same way without asking anyone. A piece some connected
 * peer has is never fetched from the origin: the LAN gives it.
 *
 * A member that shows no progress for the lease (and is not complete)
 * is skipped, so its pieces fall to the next in rank: for a connected
 * member, no HAVE; for one heard by LSD, no growth of its announced
 * count (the lease being at least two of its announce intervals). The
 * lease counts only while our own origin fetches succeed, so an origin
 * that goes away for everyone makes nobody take over everybody's pieces
 * when it is back. LSD members silent for three of their intervals
 * leave the set.
 *
 * Members announce every 3 s, or every N x 10 ms for N members past 300
 * (one datagram of ~260 bytes on the wire, IPv4 only), so each member
 * receives N / max(3 s, N x 10 ms) datagrams a second per transfer:
 * 1000 members, 10 s apart, give 100/s, ~26 KB/s (0.2 Mbit/s); 300 or
 * fewer give N/3 per second (8 members: 2.7/s). Answers to newcomers
 * (at most one per member per half interval, so that a newcomer knows
 * the region before its first origin fetch) at most double that while
 * the region starts; each transfer running at once adds as much.
 *
 * The region's origin rate is shared out in proportion to what each
 * member still has to fetch (every member can count everyone's share),
 * so all finish their part together rather than the one that drew the
 * most pieces last. (owner: region) */
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
#include "p2p_region_tab.h"
#include "p2p_rendezvous.h"

/* Peers found by LSD connect within a second or two: fetching from the
 * origin before they have would take their pieces too. */
#define SETTLE_MS	1000
/* how long answers to our first announce take to come (their jitter) */
#define ANSWER_MS	700
/* how often a member works out its share of the origin rate again */
#define SHARE_MS	1000
#define EVERY_MIN_MS	3000
#define EVERY_MAX_MS	30000
#define EVERY_PER_MEMBER_MS 10	/* past 300 members: ~100 announces/s in all */

struct p2p_region {
	char			node[64], name[64];
	uint64_t		lease_ms, origin_rate;
	bool			other_regions;
	struct p2p_prefix	*lan;
	size_t			nlan;
	uint64_t		start_ms;
	uint64_t		ok_since_ms;	/* origin fetches succeed since, 0: not */
	struct p2p_rtab		tab;		/* the members, we included */
	bool			dirty;		/* connected peers changed */
	struct p2p_bucket	origin;
	uint64_t		share_ms;	/* when the share was last worked out */
	/* our announces */
	uint64_t		lsd_first_ms, lsd_sent_ms, lsd_next_ms, expire_ms;
	uint64_t		rnd;
	/* cut off: nothing came over the LAN for a lease */
	uint32_t		*near;		/* slots of the connected members */
	size_t			nnear, near_cap;
	uint64_t		lan_ok_ms, lan_ms, from_peers;
	uint64_t		grew_ms;	/* some LSD member's count last grew */
	bool			starved;
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
	if (p2p_rtab_init(&r->tab, ih, x->m->npieces, r->node) < 0) {
		free(r->lan);
		free(r);
		return -ENOMEM;
	}
	r->start_ms = r->lan_ok_ms = loop_now_ms();
	r->rnd = (r->tab.m[0].key ^ r->start_ms) | 1;	/* xorshift never leaves 0 */
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
	free(r->near);
	p2p_rtab_free(&r->tab);
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
	return p->st == PS_ACTIVE && p->node[0] && !strcmp(p->region, r->name);
}

/* The connected members' slots again; whether one is new among them. */
static bool sync_near(struct p2p_region *r)
{
	const struct p2p_rtab *t = &r->tab;
	bool fresh = false;
	size_t n = 0;

	for (uint32_t s = 1; s < t->nm; s++)
		n += t->m[s].used && t->m[s].peer;
	if (n > r->near_cap) {
		uint32_t *a = reallocarray(r->near, n, sizeof(*a));

		if (!a)
			return false;	/* the old list: only the fallback is stale */
		r->near = a;
		r->near_cap = n;
	}
	n = 0;
	for (uint32_t s = 1; s < t->nm; s++) {
		if (!t->m[s].used || !t->m[s].peer)
			continue;
		if (n >= r->nnear || r->near[n] != s)
			fresh = true;
		r->near[n++] = s;
	}
	r->nnear = n;
	return fresh;
}

/* The connected members into the table (the peers' pointers are valid
 * only while not dirty: a closed peer makes it dirty before it goes). */
static void sync_peers(struct p2p_xfer *x)
{
	struct p2p_region *r = x->rg;
	size_t before = r->tab.live;

	p2p_rtab_peers_begin(&r->tab);
	for (struct p2p_peer *p = x->peers; p; p = p->next)
		if (is_member(r, p) && p2p_rtab_peer_add(&r->tab, p->node, p) == -ENOMEM)
			return;	/* dirty still, try again; past the cap: left out */
	p2p_rtab_peers_end(&r->tab);
	r->dirty = false;
	if (r->tab.live != before)
		r->share_ms = 0;
	if (sync_near(r) && r->starved) {
		/* a new neighbour may join us to the rest again */
		r->starved = false;
		r->lan_ok_ms = loop_now_ms();
		r->share_ms = 0;
	}
}

unsigned p2p_region_members(struct p2p_xfer *x)
{
	if (!x->rg)
		return 0;
	if (x->rg->dirty)
		sync_peers(x);
	return (unsigned)x->rg->tab.live;
}

struct judge {
	const struct p2p_region	*r;
	uint64_t		now;
};

/* A connected member delivers when it announced a piece (or came)
 * within the lease, or has everything. */
static bool peer_delivers(const struct p2p_region *r, const struct p2p_peer *p, uint64_t now)
{
	uint64_t last = p->last_have_ms > p->start_ms ? p->last_have_ms : p->start_ms;

	if (p2p_peer_is_seed(p))
		return true;
	if (r->ok_since_ms > last)
		last = r->ok_since_ms;
	return now - last <= r->lease_ms;
}

/* One heard by LSD when its count grew (or it came) within the lease,
 * which spans at least two of its announces, or it is complete. */
static bool lsd_delivers(const struct p2p_region *r, const struct p2p_rmember *m, uint64_t now)
{
	uint64_t last = m->grew_ms, lease = r->lease_ms;

	if (m->have == m->npieces)
		return true;
	if (lease < 2ull * m->every_ms + 1000)
		lease = 2ull * m->every_ms + 1000;
	if (r->ok_since_ms > last)
		last = r->ok_since_ms;
	return now - last <= lease;
}

static bool delivers(const struct p2p_rmember *m, void *arg)
{
	const struct judge *j = arg;

	if (!j->r->ok_since_ms)
		return true;	/* we cannot tell it from an origin that is away */
	return (m->peer && peer_delivers(j->r, m->peer, j->now)) ||
	    (m->lsd && lsd_delivers(j->r, m, j->now));
}

/* Cut off from the region's LAN: as the connected view of old, we
 * first among us and the connected members that deliver. */
static bool ranks_first_near(struct p2p_xfer *x, uint32_t piece, uint64_t now)
{
	const struct p2p_region *r = x->rg;
	uint64_t best = p2p_rv_score(r->tab.m[0].key, piece);
	struct judge j = { r, now };

	for (size_t i = 0; i < r->nnear; i++) {
		const struct p2p_rmember *m = &r->tab.m[r->near[i]];

		if (p2p_rv_score(m->key, piece) > best && delivers(m, &j))
			return false;
	}
	return true;
}

/* Whether we rank first for piece among the members still delivering. */
static bool ranks_first(struct p2p_xfer *x, uint32_t piece, uint64_t now)
{
	struct judge j = { x->rg, now };

	if (x->rg->starved)
		return ranks_first_near(x, piece, now);
	return p2p_rtab_owner(&x->rg->tab, piece, delivers, &j) == 0;
}

/* A piece nobody near has yet: we lack it and no connected peer has it. */
static bool unseen(struct p2p_xfer *x, uint32_t piece)
{
	return !p2p_bit(p2p_store_have(x->store), piece) && !p2p_pick_avail(x->pick, piece);
}

/* Cut off: nothing came from peers for a lease (counted only while our
 * origin fetches succeed) while we wait for pieces others rank first
 * for, and others announce progress. The members we rank
 * behind may be delivering, but not to us: a connection graph split in
 * parts (each member holds few) is the usual cause. We then rank as if
 * the region were the members we are connected to, until a new one
 * connects. */
static void check_cut_off(struct p2p_xfer *x, uint64_t now)
{
	struct p2p_region *r = x->rg;
	uint64_t since = r->lan_ok_ms;

	if (now - r->lan_ms < 1000)
		return;
	r->lan_ms = now;
	if (x->from_peers != r->from_peers || p2p_xfer_complete(x)) {
		r->from_peers = x->from_peers;
		r->lan_ok_ms = now;
		return;
	}
	if (r->ok_since_ms > since)
		since = r->ok_since_ms;
	if (r->starved || !r->ok_since_ms || now - since <= r->lease_ms)
		return;
	/* others progress meanwhile, or it is the origin that is away */
	if (!r->grew_ms || now - r->grew_ms > r->lease_ms)
		return;
	/* only while we wait for others' pieces: our own just take long */
	for (uint32_t i = 0; i < x->m->npieces; i++) {
		if (unseen(x, i) && !ranks_first(x, i, now)) {
			r->starved = true;
			r->share_ms = 0;
			return;
		}
	}
	r->lan_ok_ms = now;
}

static bool ours_to_fetch(uint32_t piece, void *arg)
{
	struct p2p_xfer *x = arg;

	/* a piece a peer has comes over the LAN */
	return !p2p_pick_avail(x->pick, piece) && ranks_first(x, piece, loop_now_ms());
}

/* Our share of the region's origin rate: in proportion to the unseen
 * pieces that are ours, of all unseen ones. A few steps per piece
 * (p2p_region_tab.h), once a second. */
static void work_out_share(struct p2p_xfer *x, uint64_t now)
{
	struct p2p_region *r = x->rg;
	uint64_t mine = 0, all = 0, rate, n = r->tab.live;

	if (!r->origin_rate || now - r->share_ms < SHARE_MS)
		return;
	r->share_ms = now;
	for (uint32_t i = 0; i < x->m->npieces; i++) {
		if (!unseen(x, i))
			continue;
		all++;
		mine += ranks_first(x, i, now);
	}
	rate = all ? r->origin_rate * mine / all : r->origin_rate / n;
	/* never nothing: a share worked out from a stale view must not stop us */
	if (rate < r->origin_rate / (4 * n))
		rate = r->origin_rate / (4 * n);
	if (rate != r->origin.rate)
		p2p_bucket_set(&r->origin, rate ? rate : 1);
}

static bool settled(const struct p2p_xfer *x, uint64_t now)
{
	const struct p2p_region *r = x->rg;

	if (now - r->start_ms < SETTLE_MS)
		return false;
	/* with LSD, until the members answered our first announce */
	if (x->c->lsd && !x->no_lsd && !x->m->private_)
		return r->lsd_first_ms && now - r->lsd_first_ms >= SETTLE_MS + ANSWER_MS;
	return true;
}

int64_t p2p_region_pick(struct p2p_xfer *x, uint64_t now)
{
	struct p2p_region *r = x->rg;

	if (!settled(x, now))
		return -1;
	if (r->dirty)
		sync_peers(x);
	check_cut_off(x, now);
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

/* ---- membership by LSD ---- */

static uint64_t every_ms(const struct p2p_region *r)
{
	uint64_t t = (uint64_t)r->tab.live * EVERY_PER_MEMBER_MS;

	return t < EVERY_MIN_MS ? EVERY_MIN_MS : t > EVERY_MAX_MS ? EVERY_MAX_MS : t;
}

/* xorshift64: jitter keeps members from announcing in step */
static uint64_t jitter(struct p2p_region *r, uint64_t span)
{
	r->rnd ^= r->rnd << 13;
	r->rnd ^= r->rnd >> 7;
	r->rnd ^= r->rnd << 17;
	return span ? r->rnd % span : 0;
}

void p2p_region_lsd(struct p2p_xfer *x, const struct p2p_lsd_member *m)
{
	struct p2p_region *r = x->rg;
	uint64_t now = loop_now_ms(), gap, at;
	uint32_t slot;
	int rc;

	if (!r || strcmp(m->region, r->name) || m->npieces != x->m->npieces)
		return;
	rc = p2p_rtab_heard(&r->tab, m, now);
	slot = p2p_rtab_find(&r->tab, m->node);
	if (slot != P2P_RTAB_NONE && slot && r->tab.m[slot].grew_ms == now &&
	    r->tab.m[slot].have)
		r->grew_ms = now;
	if (rc <= 0)
		return;
	r->share_ms = 0;
	/* a newcomer: answer soon, so it knows us before it fetches; at
	 * most once per half interval, which bounds a crowd of them */
	gap = every_ms(r) / 2;
	gap = gap < 1000 ? 1000 : gap;
	at = now + 100 + jitter(r, 500);
	if (r->lsd_sent_ms && at < r->lsd_sent_ms + gap)
		at = r->lsd_sent_ms + gap;
	if (at < r->lsd_next_ms)
		r->lsd_next_ms = at;
}

void p2p_region_lsd_tick(struct p2p_xfer *x, uint64_t now)
{
	struct p2p_region *r = x->rg;
	struct p2p_lsd_member m;
	uint64_t every;

	if (!r || !x->c->lsd || x->no_lsd || x->m->private_ || x->state == P2P_FAILED)
		return;
	if (now - r->expire_ms >= 1000) {
		r->expire_ms = now;
		if (r->dirty)
			sync_peers(x);
		if (p2p_rtab_expire(&r->tab, now))
			r->share_ms = 0;
	}
	if (now < r->lsd_next_ms)
		return;
	every = every_ms(r);
	memset(&m, 0, sizeof(m));
	memcpy(m.node, r->tab.m[0].name, sizeof(m.node));
	snprintf(m.region, sizeof(m.region), "%s", r->name);
	m.have = x->store ? p2p_store_count(x->store) : 0;
	m.npieces = x->m->npieces;
	m.every_ms = (uint32_t)every;
	(void)p2p_lsd_announce_member(x->c->lsd, p2p_meta_wire_hash(x->m), &m);
	if (!r->lsd_first_ms)
		r->lsd_first_ms = now;
	r->lsd_sent_ms = now;
	r->lsd_next_ms = now + every - every / 10 + jitter(r, every / 5);
}
