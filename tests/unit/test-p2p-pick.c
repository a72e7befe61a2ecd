/* test-p2p-pick.c: the piece picker: rarest and partial pieces first,
 * endgame, drops, failures, whole pieces for web seeds, and a random swarm
 * in which every block is fetched once outside endgame. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "p2p_pick.h"
#include "p2p_wire.h"
#include "tap.h"

/* A v1 single-file torrent of size bytes as the picker sees it. */
static void fake_meta(struct p2p_meta *m, struct p2p_file *f, uint64_t size, uint32_t plen)
{
	memset(m, 0, sizeof(*m));
	memset(f, 0, sizeof(*f));
	f->path = "x";
	f->length = size;
	m->version = P2P_V1;
	m->piece_len = plen;
	m->npieces = (uint32_t)((size + plen - 1) / plen);
	m->size = m->space = size;
	m->files = f;
	m->nfiles = 1;
}

static void bits_of(uint8_t *bits, size_t nb, const uint32_t *pieces, size_t n)
{
	memset(bits, 0, nb);
	for (size_t i = 0; i < n; i++)
		p2p_bit_set(bits, pieces[i]);
}

static void test_rarest_partial(void)
{
	struct p2p_meta m;
	struct p2p_file f;
	struct p2p_pick *p;
	struct p2p_block_req r[8];
	uint8_t a[2], b[2];
	const uint32_t pa[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, pb[] = { 3 };
	size_t k;

	fake_meta(&m, &f, 10 * 65536 - 1000, 65536);	/* 10 pieces of 4 blocks, last short */
	is_int(p2p_pick_new(&m, NULL, 1, &p), 0, "picker made");
	bits_of(a, 2, pa, 10);
	bits_of(b, 2, pb, 1);
	p2p_pick_add_peer(p, a);
	p2p_pick_add_peer(p, a);
	p2p_pick_add_peer(p, b);
	is_int(p2p_pick_availability(p, 3), 3, "piece 3 is held by 3 peers");
	/* Piece 3 is the commonest: everything else comes first. */
	k = p2p_pick_next(p, a, r, 2, NULL, NULL);
	ok(k == 2 && r[0].piece == r[1].piece && r[0].piece != 3 && r[0].begin == 0 &&
	    r[1].begin == P2P_BLOCK, "two blocks of one rare piece");
	k = p2p_pick_next(p, a, r, 3, NULL, NULL);
	ok(k == 3 && r[0].piece == r[1].piece && r[0].begin == 2 * P2P_BLOCK,
	    "the started piece is finished first");
	ok(r[2].piece != r[0].piece && r[2].piece != 3, "then another rare piece");
	/* Peer b has only piece 3. */
	k = p2p_pick_next(p, b, r, 8, NULL, NULL);
	ok(k == 4 && r[0].piece == 3, "a peer with one piece gets that piece's blocks");
	p2p_pick_free(p);
}

static void test_last_block_and_received(void)
{
	struct p2p_meta m;
	struct p2p_file f;
	struct p2p_pick *p;
	struct p2p_block_req r[8];
	uint32_t last = 0;
	size_t k;

	fake_meta(&m, &f, 3 * 32768 + 100, 32768);	/* 4 pieces; the last is 100 bytes */
	p2p_pick_new(&m, NULL, 2, &p);
	p2p_pick_add_peer(p, NULL);
	k = p2p_pick_next(p, NULL, r, 8, NULL, NULL);
	is_int(k, 7, "7 blocks in all");
	for (size_t i = 0; i < k; i++)
		if (r[i].piece == 3)
			last = r[i].len;
	is_int(last, 100, "the last block is 100 bytes");
	ok(p2p_pick_endgame(p), "every block requested: endgame");
	is_int(p2p_pick_received(p, 3, 0, 99), -EINVAL, "a wrong length is refused");
	is_int(p2p_pick_received(p, 3, 1, 100), -EINVAL, "an unaligned offset is refused");
	is_int(p2p_pick_received(p, 3, 0, 100), 1, "the last piece's one block completes it");
	is_int(p2p_pick_received(p, 3, 0, 100), -EALREADY, "a duplicate is refused");
	p2p_pick_done(p, 3);
	is_int(p2p_pick_missing(p), 3, "3 pieces missing");
	is_int(p2p_pick_received(p, 0, 0, P2P_BLOCK), 0, "block 0 of piece 0 accepted");
	is_int(p2p_pick_received(p, 0, P2P_BLOCK, P2P_BLOCK), 1, "block 1 completes piece 0");
	p2p_pick_failed(p, 0);
	ok(!p2p_pick_endgame(p), "a failed piece's blocks are free again");
	k = p2p_pick_next(p, NULL, r, 8, NULL, NULL);
	ok(k == 2 && r[0].piece == 0 && r[1].piece == 0, "and picked again");
	p2p_pick_dropped(p, 1, 0);
	k = p2p_pick_next(p, NULL, r, 8, NULL, NULL);
	ok(k >= 1 && r[0].piece == 1 && r[0].begin == 0, "a dropped block is picked again");
	p2p_pick_free(p);
}

static bool never(uint32_t piece, uint32_t begin, void *arg)
{
	(void)piece, (void)begin, (void)arg;
	return false;
}

static bool always(uint32_t piece, uint32_t begin, void *arg)
{
	(void)piece, (void)begin, (void)arg;
	return true;
}

static void test_endgame(void)
{
	struct p2p_meta m;
	struct p2p_file f;
	struct p2p_pick *p;
	struct p2p_block_req r[8];

	fake_meta(&m, &f, 2 * P2P_BLOCK, P2P_BLOCK);
	p2p_pick_new(&m, NULL, 3, &p);
	p2p_pick_add_peer(p, NULL);
	is_int(p2p_pick_next(p, NULL, r, 8, never, NULL), 2, "both blocks asked of one peer");
	is_int(p2p_pick_next(p, NULL, r, 8, always, NULL), 0,
	    "endgame: nothing asked twice of the same peer");
	is_int(p2p_pick_next(p, NULL, r, 8, never, NULL), 2, "endgame: a second copy elsewhere");
	is_int(p2p_pick_next(p, NULL, r, 8, never, NULL), 0, "but not a third");
	is_int(p2p_pick_received(p, 0, 0, P2P_BLOCK), 1, "the first copy completes piece 0");
	is_int(p2p_pick_received(p, 0, 0, P2P_BLOCK), -EALREADY, "the second is a duplicate");
	p2p_pick_free(p);
}

static void test_whole(void)
{
	struct p2p_meta m;
	struct p2p_file f;
	struct p2p_pick *p;
	struct p2p_block_req r[8];
	uint8_t have[1] = { 0x80 }, bits[1];
	const uint32_t pb[] = { 1, 2 };
	int64_t w;

	fake_meta(&m, &f, 4 * P2P_BLOCK, P2P_BLOCK);
	p2p_pick_new(&m, have, 4, &p);
	bits_of(bits, 1, pb, 2);
	p2p_pick_add_peer(p, bits);
	w = p2p_pick_whole(p, NULL);
	is_int(w, 3, "the web seed gets the piece no peer has (not piece 0, which we have)");
	w = p2p_pick_whole(p, NULL);
	ok(w == 1 || w == 2, "then a piece peers have");
	is_int(p2p_pick_next(p, bits, r, 8, never, NULL), 1, "peers get the rest, not the whole ones");
	p2p_pick_whole_dropped(p, 3);
	is_int(p2p_pick_whole(p, NULL), 3, "a dropped whole piece can be taken again");
	ok(p2p_pick_interesting(p, bits), "a peer with pieces we lack is interesting");
	p2p_pick_free(p);
}

static bool odd_only(uint32_t piece, void *arg)
{
	(void)arg;
	return piece % 2 == 1;
}

/* Region mode's picks: only pieces the filter takes, and availability
 * as the peers tell it. */
static void test_whole_if(void)
{
	struct p2p_meta m;
	struct p2p_file f;
	struct p2p_pick *p;
	uint8_t bits[1];
	const uint32_t pb[] = { 3 };

	fake_meta(&m, &f, 6 * P2P_BLOCK, P2P_BLOCK);
	p2p_pick_new(&m, NULL, 6, &p);
	bits_of(bits, 1, pb, 1);
	p2p_pick_add_peer(p, bits);
	is_int((int)p2p_pick_avail(p, 3), 1, "avail: one peer has piece 3");
	is_int((int)p2p_pick_avail(p, 2), 0, "... none has piece 2");
	is_int((int)p2p_pick_avail(p, 99), 0, "... and a piece past the end counts 0");
	is_int(p2p_pick_whole_if(p, odd_only, NULL), 1, "the filter's first piece no peer has");
	is_int(p2p_pick_whole_if(p, odd_only, NULL), 5, "... then the next");
	is_int(p2p_pick_whole_if(p, odd_only, NULL), 3, "... then one a peer has");
	is_int(p2p_pick_whole_if(p, odd_only, NULL), -1, "... then none: the even ones are not taken");
	p2p_pick_free(p);
}

/* Peers with random bitfields fetch everything; until endgame no block is
 * asked twice, and every block arrives once. */
static void test_swarm(void)
{
	enum { NPEERS = 20, PIECES = 500 };
	struct p2p_meta m;
	struct p2p_file f;
	struct p2p_pick *p;
	struct p2p_block_req r[16];
	uint8_t bits[NPEERS][(PIECES + 7) / 8];
	static uint8_t seen[PIECES][4];
	unsigned seed = (unsigned)time(NULL);
	int dup = 0, rounds = 0;

	diag("swarm seed %u", seed);
	srand(seed);
	fake_meta(&m, &f, (uint64_t)PIECES * 65536, 65536);
	p2p_pick_new(&m, NULL, seed, &p);
	for (int i = 0; i < NPEERS; i++) {
		memset(bits[i], 0, sizeof(bits[i]));
		for (int j = 0; j < PIECES; j++)
			if (i == 0 || rand() % 3 == 0)
				p2p_bit_set(bits[i], (uint32_t)j);
		p2p_pick_add_peer(p, bits[i]);
	}
	while (p2p_pick_missing(p) && rounds++ < 100000) {
		int i = rand() % NPEERS;
		bool eg = p2p_pick_endgame(p);
		size_t k = p2p_pick_next(p, bits[i], r, 16, never, NULL);

		for (size_t j = 0; j < k; j++) {
			uint8_t *s = &seen[r[j].piece][r[j].begin / P2P_BLOCK];

			if (*s && !eg)
				dup++;
			*s = 1;
			if (p2p_pick_received(p, r[j].piece, r[j].begin, r[j].len) == 1)
				p2p_pick_done(p, r[j].piece);
		}
	}
	is_int(p2p_pick_missing(p), 0, "every piece fetched");
	is_int(dup, 0, "no block asked twice outside endgame");
	p2p_pick_free(p);
}

int main(void)
{
	test_rarest_partial();
	test_last_block_and_received();
	test_endgame();
	test_whole();
	test_whole_if();
	test_swarm();
	return done_testing();
}
