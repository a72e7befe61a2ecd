/* p2p_pick.c: rarest-first block picking (p2p_pick.h).
 *
 * Pieces not yet had live in one array ordered by availability, in
 * buckets (all pieces with availability a sit together, buckets in
 * ascending order), so a change of one count is a swap at a bucket edge
 * and the rarest piece a peer has is found by scanning from the front.
 * The order starts as a random permutation; that is the tie-break.
 * Block state is kept only for started ("active") pieces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p2p_pick.h"
#include "p2p_wire.h"

#define ENDGAME_COPIES	2

struct active {
	uint32_t	piece;
	uint32_t	nblocks;
	uint32_t	ngot;
	bool		whole;		/* taken by a web seed */
	uint8_t		*req;		/* requests out per block */
	uint8_t		*got;
};

struct p2p_pick {
	const struct p2p_meta	*m;
	uint32_t	n;
	uint8_t		*have;		/* done pieces */
	uint32_t	*avail;
	uint32_t	*order;		/* live (not done) pieces, by availability */
	uint32_t	*pos;		/* piece -> index in order, UINT32_MAX when done */
	uint32_t	live;
	uint32_t	*bstart;	/* bucket a starts at bstart[a]; size maxav + 2 */
	uint32_t	maxav;		/* buckets allocated for 0..maxav */
	int32_t		*act_of;	/* piece -> index in act, -1 */
	struct active	**act;
	size_t		nact, capact;
	uint64_t	unrequested;	/* blocks of live pieces neither asked nor got */
	uint64_t	rng;
};

static uint64_t rnd(struct p2p_pick *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

/* Bucket a ends where bucket a + 1 starts (the last bucket ends at live). */
static uint32_t bend(const struct p2p_pick *p, uint32_t a)
{
	return a >= p->maxav ? p->live : p->bstart[a + 1];
}

static void swap_pos(struct p2p_pick *p, uint32_t i, uint32_t j)
{
	uint32_t a = p->order[i], b = p->order[j];

	p->order[i] = b;
	p->order[j] = a;
	p->pos[b] = i;
	p->pos[a] = j;
}

static int grow_buckets(struct p2p_pick *p, uint32_t need)
{
	uint32_t nmax = p->maxav, *nb;

	if (need <= p->maxav)
		return 0;
	while (nmax < need)
		nmax = nmax ? nmax * 2 : 8;
	nb = reallocarray(p->bstart, (size_t)nmax + 1, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	for (uint32_t a = p->maxav + 1; a <= nmax; a++)
		nb[a] = p->live;	/* empty buckets at the end */
	p->bstart = nb;
	p->maxav = nmax;
	return 0;
}

/* Move a live piece up one bucket: to the last place of its bucket, then
 * that place becomes the first of the next. */
static void avail_up(struct p2p_pick *p, uint32_t piece)
{
	uint32_t a = p->avail[piece];

	if (grow_buckets(p, a + 1) < 0)
		return;		/* counts stay as they were: only the order suffers */
	p->avail[piece]++;
	if (p->pos[piece] == UINT32_MAX)
		return;
	swap_pos(p, p->pos[piece], bend(p, a) - 1);
	p->bstart[a + 1]--;
}

static void avail_down(struct p2p_pick *p, uint32_t piece)
{
	uint32_t a = p->avail[piece];

	if (a == 0)
		return;
	p->avail[piece]--;
	if (p->pos[piece] == UINT32_MAX)
		return;
	swap_pos(p, p->pos[piece], p->bstart[a]);
	p->bstart[a]++;
}

/* Take a done piece out of the order: walk it to the very end, one
 * bucket edge at a time, and shrink. */
static void order_remove(struct p2p_pick *p, uint32_t piece)
{
	uint32_t a = p->avail[piece];

	if (p->pos[piece] == UINT32_MAX)
		return;
	for (uint32_t b = a; b <= p->maxav; b++) {
		uint32_t e = bend(p, b);

		if (e == 0)
			continue;
		swap_pos(p, p->pos[piece], e - 1);
		if (b < p->maxav)
			p->bstart[b + 1]--;
	}
	p->live--;
	p->pos[piece] = UINT32_MAX;
	/* The buckets above a lost their last element to the one below: the
	 * loop above moved every edge down by one, as the order shrank. */
}

int p2p_pick_new(const struct p2p_meta *m, const uint8_t *have, uint64_t seed,
    struct p2p_pick **out)
{
	struct p2p_pick *p = calloc(1, sizeof(*p));
	uint32_t n = m->npieces;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->m = m;
	p->n = n;
	p->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	p->have = calloc(p2p_bitfield_bytes(n) + 1, 1);
	p->avail = calloc((size_t)n + 1, sizeof(*p->avail));
	p->order = calloc((size_t)n + 1, sizeof(*p->order));
	p->pos = calloc((size_t)n + 1, sizeof(*p->pos));
	p->act_of = calloc((size_t)n + 1, sizeof(*p->act_of));
	if (!p->have || !p->avail || !p->order || !p->pos || !p->act_of ||
	    grow_buckets(p, 8) < 0) {
		p2p_pick_free(p);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		p->act_of[i] = -1;
		if (have && p2p_bit(have, i)) {
			p2p_bit_set(p->have, i);
			p->pos[i] = UINT32_MAX;
			continue;
		}
		p->order[p->live] = i;
		p->pos[i] = p->live++;
		p->unrequested += p2p_piece_blocks(m, i);
	}
	for (uint32_t i = p->live; i > 1; i--) {	/* Fisher-Yates */
		uint32_t j = (uint32_t)(rnd(p) % i);

		swap_pos(p, i - 1, j);
	}
	for (uint32_t a = 0; a <= p->maxav; a++)
		p->bstart[a] = a == 0 ? 0 : p->live;
	*out = p;
	return 0;
}

static void act_free(struct active *a)
{
	if (!a)
		return;
	free(a->req);
	free(a->got);
	free(a);
}

void p2p_pick_free(struct p2p_pick *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nact; i++)
		act_free(p->act[i]);
	free(p->act);
	free(p->have);
	free(p->avail);
	free(p->order);
	free(p->pos);
	free(p->bstart);
	free(p->act_of);
	free(p);
}

static struct active *act_get(const struct p2p_pick *p, uint32_t piece)
{
	return p->act_of[piece] < 0 ? NULL : p->act[p->act_of[piece]];
}

static struct active *act_start(struct p2p_pick *p, uint32_t piece)
{
	struct active *a;

	if (p->nact == p->capact) {
		size_t nc = p->capact ? p->capact * 2 : 16;
		struct active **na = reallocarray(p->act, nc, sizeof(*na));

		if (!na)
			return NULL;
		p->act = na;
		p->capact = nc;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->piece = piece;
	a->nblocks = p2p_piece_blocks(p->m, piece);
	a->req = calloc(a->nblocks ? a->nblocks : 1, 1);
	a->got = calloc(a->nblocks ? a->nblocks : 1, 1);
	if (!a->req || !a->got) {
		act_free(a);
		return NULL;
	}
	p->act_of[piece] = (int32_t)p->nact;
	p->act[p->nact++] = a;
	return a;
}

static void act_end(struct p2p_pick *p, uint32_t piece)
{
	int32_t i = p->act_of[piece];

	if (i < 0)
		return;
	act_free(p->act[i]);
	p->act[i] = p->act[--p->nact];
	if ((size_t)i < p->nact)
		p->act_of[p->act[i]->piece] = i;
	p->act_of[piece] = -1;
}

void p2p_pick_add_peer(struct p2p_pick *p, const uint8_t *bits)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (!bits || p2p_bit(bits, i))
			avail_up(p, i);
}

void p2p_pick_add_have(struct p2p_pick *p, uint32_t piece)
{
	if (piece < p->n)
		avail_up(p, piece);
}

void p2p_pick_remove_peer(struct p2p_pick *p, const uint8_t *bits)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (!bits || p2p_bit(bits, i))
			avail_down(p, i);
}

uint32_t p2p_pick_availability(const struct p2p_pick *p, uint32_t piece)
{
	return piece < p->n ? p->avail[piece] : 0;
}

static uint32_t block_len(const struct p2p_pick *p, uint32_t piece, uint32_t b)
{
	uint32_t size = p2p_piece_size(p->m, piece), off = b * P2P_BLOCK;

	return size - off < P2P_BLOCK ? size - off : P2P_BLOCK;
}

/* Take the blocks of a that nobody asked for (or, in endgame, one more
 * copy of those still out), up to max. */
static size_t take(struct p2p_pick *p, struct active *a, bool endgame,
    bool (*in_flight)(uint32_t, uint32_t, void *), void *arg, struct p2p_block_req *out,
    size_t max)
{
	size_t k = 0;

	for (uint32_t b = 0; b < a->nblocks && k < max; b++) {
		if (a->got[b])
			continue;
		if (a->req[b]) {
			if (!endgame || a->whole || a->req[b] >= ENDGAME_COPIES)
				continue;
			if (in_flight && in_flight(a->piece, b * P2P_BLOCK, arg))
				continue;
		} else {
			p->unrequested--;
		}
		a->req[b]++;
		out[k].piece = a->piece;
		out[k].begin = b * P2P_BLOCK;
		out[k].len = block_len(p, a->piece, b);
		k++;
	}
	return k;
}

static bool peer_has(const uint8_t *bits, uint32_t piece)
{
	return !bits || p2p_bit(bits, piece);
}

size_t p2p_pick_next(struct p2p_pick *p, const uint8_t *bits, struct p2p_block_req *out,
    size_t max, bool (*in_flight)(uint32_t piece, uint32_t begin, void *arg), void *arg)
{
	bool endgame = p2p_pick_endgame(p);
	size_t k = 0;

	/* Finish what is begun first. */
	for (size_t i = 0; i < p->nact && k < max; i++) {
		struct active *a = p->act[i];

		if (!a->whole && peer_has(bits, a->piece))
			k += take(p, a, endgame, in_flight, arg, out + k, max - k);
	}
	if (endgame)
		return k;
	/* Then the rarest pieces this peer has (availability >= 1). */
	for (uint32_t j = p->bstart[1 <= p->maxav ? 1 : 0]; j < p->live && k < max; j++) {
		uint32_t piece = p->order[j];
		struct active *a;

		if (p->act_of[piece] >= 0 || !peer_has(bits, piece))
			continue;
		a = act_start(p, piece);
		if (!a)
			break;
		k += take(p, a, false, NULL, NULL, out + k, max - k);
	}
	return k;
}

size_t p2p_pick_next_in(struct p2p_pick *p, const uint32_t *pieces, size_t npieces,
    const uint8_t *bits, struct p2p_block_req *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < npieces && k < max; i++) {
		uint32_t piece = pieces[i];
		struct active *a;

		if (piece >= p->n || p2p_bit(p->have, piece) || !peer_has(bits, piece))
			continue;
		a = act_get(p, piece);
		if (!a)
			a = act_start(p, piece);
		if (!a)
			break;
		if (!a->whole)
			k += take(p, a, false, NULL, NULL, out + k, max - k);
	}
	return k;
}

int p2p_pick_received(struct p2p_pick *p, uint32_t piece, uint32_t begin, uint32_t len)
{
	struct active *a;
	uint32_t b;

	if (piece >= p->n || begin % P2P_BLOCK)
		return -EINVAL;
	b = begin / P2P_BLOCK;
	if (b >= p2p_piece_blocks(p->m, piece) || len != block_len(p, piece, b))
		return -EINVAL;
	a = act_get(p, piece);
	if (p2p_bit(p->have, piece) || !a || a->got[b] || !a->req[b])
		return -EALREADY;
	a->got[b] = 1;
	a->req[b]--;
	a->ngot++;
	return a->ngot == a->nblocks ? 1 : 0;
}

void p2p_pick_dropped(struct p2p_pick *p, uint32_t piece, uint32_t begin)
{
	struct active *a;
	uint32_t b;

	if (piece >= p->n || begin % P2P_BLOCK)
		return;
	a = act_get(p, piece);
	b = begin / P2P_BLOCK;
	if (!a || b >= a->nblocks || a->got[b] || !a->req[b])
		return;
	if (--a->req[b] == 0)
		p->unrequested++;
}

void p2p_pick_failed(struct p2p_pick *p, uint32_t piece)
{
	struct active *a;

	if (piece >= p->n || p2p_bit(p->have, piece))
		return;
	a = act_get(p, piece);
	if (!a)
		return;
	for (uint32_t b = 0; b < a->nblocks; b++)
		if (a->got[b] || a->req[b])
			p->unrequested++;
	act_end(p, piece);
}

void p2p_pick_done(struct p2p_pick *p, uint32_t piece)
{
	struct active *a;

	if (piece >= p->n || p2p_bit(p->have, piece))
		return;
	a = act_get(p, piece);
	if (a) {
		for (uint32_t b = 0; b < a->nblocks; b++)
			if (!a->got[b] && !a->req[b])
				p->unrequested--;
	} else {
		p->unrequested -= p2p_piece_blocks(p->m, piece);
	}
	act_end(p, piece);
	p2p_bit_set(p->have, piece);
	order_remove(p, piece);
}

int64_t p2p_pick_whole_if(struct p2p_pick *p, bool (*ok)(uint32_t piece, void *arg), void *arg)
{
	/* From the front: pieces no peer has come first. */
	for (uint32_t j = 0; j < p->live; j++) {
		uint32_t piece = p->order[j];
		struct active *a;

		if (p->act_of[piece] >= 0 || (ok && !ok(piece, arg)))
			continue;
		a = act_start(p, piece);
		if (!a)
			return -1;
		a->whole = true;
		memset(a->req, 1, a->nblocks);
		p->unrequested -= a->nblocks;
		return piece;
	}
	return -1;
}

int64_t p2p_pick_whole(struct p2p_pick *p, const uint8_t *bits)
{
	(void)bits;
	return p2p_pick_whole_if(p, NULL, NULL);
}

uint32_t p2p_pick_avail(const struct p2p_pick *p, uint32_t piece)
{
	return piece < p->n ? p->avail[piece] : 0;
}

void p2p_pick_whole_dropped(struct p2p_pick *p, uint32_t piece)
{
	struct active *a;

	if (piece >= p->n)
		return;
	a = act_get(p, piece);
	if (!a || !a->whole)
		return;
	p->unrequested += a->nblocks;
	act_end(p, piece);
}

bool p2p_pick_endgame(const struct p2p_pick *p)
{
	return p->live > 0 && p->unrequested == 0;
}

uint32_t p2p_pick_missing(const struct p2p_pick *p)
{
	return p->live;
}

bool p2p_pick_interesting(const struct p2p_pick *p, const uint8_t *bits)
{
	size_t nb = p2p_bitfield_bytes(p->n);

	if (!bits)
		return p->live > 0;
	for (size_t i = 0; i < nb; i++)
		if (bits[i] & ~p->have[i])
			return true;
	return false;
}
