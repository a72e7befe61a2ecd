/* p2p_rendezvous.h: which live peer of a region fetches a piece from the
 * origin (highest random weight, "rendezvous", hashing).
 *
 * Every peer of a region computes the same answer from the same member
 * set, with no coordinator: for piece i the owner is the member whose
 * score(member, i) is highest. A member joining takes about 1/(n+1) of
 * the pieces, each from whoever had it; a member leaving hands only its
 * own pieces on, spread over the rest. Members are named by something
 * stable across restarts (the node id), and the torrent's info-hash keys
 * the scores, so two packages spread differently. (owner: region) */
#ifndef OUTPOST_P2P_RENDEZVOUS_H
#define OUTPOST_P2P_RENDEZVOUS_H

#include <stddef.h>
#include <stdint.h>

/* A member's key for one torrent: a 64-bit digest of the info-hash and
 * the member's name (any bytes). Computed once per membership change. */
uint64_t p2p_rv_key(const uint8_t *info_hash, size_t ihlen, const void *name, size_t namelen);

/* The score of a member for a piece: a well-mixed 64-bit value. */
uint64_t p2p_rv_score(uint64_t key, uint32_t piece);

/* The index in keys[0..n) of the member that owns piece; n == 0 gives
 * SIZE_MAX. Ties (equal keys: one name twice) go to the lower index. */
size_t p2p_rv_owner(const uint64_t *keys, size_t n, uint32_t piece);

/* The k members ranked first for piece, best first, into out[0..k)
 * (k <= n): the second is who takes over when the first fails. Returns
 * the number written. */
size_t p2p_rv_rank(const uint64_t *keys, size_t n, uint32_t piece, size_t *out, size_t k);

#endif
