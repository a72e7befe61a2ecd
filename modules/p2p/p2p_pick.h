/* p2p_pick.h: which block to ask for next. Pure bookkeeping, no I/O:
 * rarest-first over the pieces peers have, strict priority for pieces
 * already started (finish what is begun, bounding buffered memory), random
 * tie-break among equally rare pieces (so peers of a swarm spread out),
 * and endgame mode when every missing block is requested: then a block
 * may be asked of a second peer, and the engine cancels the others when
 * one copy arrives. (owner: wire)
 *
 * Blocks are P2P_BLOCK bytes at 16 KiB steps of each piece; the last
 * block of a piece may be shorter (p2p_piece_size). */
#ifndef OUTPOST_P2P_PICK_H
#define OUTPOST_P2P_PICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta.h"

struct p2p_pick;

struct p2p_block_req {
	uint32_t	piece, begin, len;
};

/* have: the verified pieces (bitfield) at start; seed is a random seed
 * for tie-breaks. 0 or -ENOMEM. */
int p2p_pick_new(const struct p2p_meta *m, const uint8_t *have, uint64_t seed,
    struct p2p_pick **out);
void p2p_pick_free(struct p2p_pick *p);

/* Availability: a peer's bitfield arrived (or HAVE_ALL: bits NULL), a HAVE,
 * a peer left (its bits, or NULL for a HAVE_ALL peer). */
void p2p_pick_add_peer(struct p2p_pick *p, const uint8_t *bits);
void p2p_pick_add_have(struct p2p_pick *p, uint32_t piece);
void p2p_pick_remove_peer(struct p2p_pick *p, const uint8_t *bits);
/* How many connected peers have piece i. */
uint32_t p2p_pick_availability(const struct p2p_pick *p, uint32_t piece);

/* Up to max blocks to request of a peer with bits (NULL: has all) that we
 * do not have and are not requested (in endgame: not requested of this
 * peer already, which the engine tells by in_flight(piece, begin, arg)
 * returning true). Marks them requested. Returns the count. */
size_t p2p_pick_next(struct p2p_pick *p, const uint8_t *bits, struct p2p_block_req *out,
    size_t max, bool (*in_flight)(uint32_t piece, uint32_t begin, void *arg), void *arg);
/* Like p2p_pick_next but only within the given pieces (BEP 6 allowed
 * fast set while choked). */
size_t p2p_pick_next_in(struct p2p_pick *p, const uint32_t *pieces, size_t npieces,
    const uint8_t *bits, struct p2p_block_req *out, size_t max);

/* A block arrived. Returns 1 when this completed the piece's blocks (the
 * engine then verifies it), 0 when accepted, -EALREADY for a duplicate or
 * a block never requested / of a piece we have (the engine drops it and
 * counts it as wasted), -EINVAL for a bad offset or length. */
int p2p_pick_received(struct p2p_pick *p, uint32_t piece, uint32_t begin, uint32_t len);
/* A request will not be answered (choke, reject, timeout, peer gone): the
 * block may be picked again (unless another copy is still in flight in
 * endgame: count per block). */
void p2p_pick_dropped(struct p2p_pick *p, uint32_t piece, uint32_t begin);
/* The piece failed its hash: all its blocks are missing again. */
void p2p_pick_failed(struct p2p_pick *p, uint32_t piece);
/* The piece was verified and written. */
void p2p_pick_done(struct p2p_pick *p, uint32_t piece);

/* A whole piece for a web seed: none of its blocks received or requested,
 * preferring pieces no connected peer has, then the rarest. Marks all its
 * blocks requested. -1 when none is left. */
int64_t p2p_pick_whole(struct p2p_pick *p, const uint8_t *bits);
/* The same among the pieces ok(piece, arg) accepts. */
int64_t p2p_pick_whole_if(struct p2p_pick *p, bool (*ok)(uint32_t piece, void *arg), void *arg);
/* How many connected peers have piece. */
uint32_t p2p_pick_avail(const struct p2p_pick *p, uint32_t piece);
/* A whole piece taken by p2p_pick_whole was given up (the web seed failed). */
void p2p_pick_whole_dropped(struct p2p_pick *p, uint32_t piece);

bool p2p_pick_endgame(const struct p2p_pick *p);
/* Pieces neither had nor done. */
uint32_t p2p_pick_missing(const struct p2p_pick *p);
/* Whether a peer with bits has any piece we lack (we are interested). */
bool p2p_pick_interesting(const struct p2p_pick *p, const uint8_t *bits);

#endif
