/* p2p_region_tab.h: the member table of one torrent in region mode: we,
 * the members heard by LSD, the connected region peers (deduplicated by
 * node id), and, per piece, the few members ranked first for it.
 *
 * The ranking (p2p_rendezvous.h) changes only with the member set, so
 * it is kept per piece and updated when a member comes or goes: a
 * newcomer costs one score per piece, a leaver a full rank of only the
 * pieces it was ranked high for. Asking who owns a piece is then a walk
 * of P2P_RTAB_TOP entries, not a rank over every member: with 1000
 * members and 10,000 pieces, ~40,000 steps a second instead of 10
 * million. Pure: no loop, no sockets, unit-tested. (owner: region) */
#ifndef OUTPOST_P2P_REGION_TAB_H
#define OUTPOST_P2P_REGION_TAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p2p_net.h"

#define P2P_RTAB_TOP	4	/* members kept ranked per piece */
#define P2P_RTAB_MAX	4096	/* members at most: a flood of made-up names
				 * on the LAN cannot grow the table further */
#define P2P_RTAB_NONE	UINT32_MAX

struct p2p_rmember {
	char		name[64];	/* node id, printable ASCII ('?' else) */
	uint64_t	key;		/* p2p_rv_key(info-hash, name) */
	const void	*peer;		/* the connected peer naming it, or NULL */
	bool		used, lsd;	/* a live slot; heard by LSD lately */
	uint32_t	have, npieces;	/* its last announce's */
	uint32_t	every_ms;
	uint64_t	heard_ms, grew_ms;	/* last announce; have last grew */
};

struct p2p_rtab {
	uint8_t			ih[20];
	uint32_t		npieces;
	struct p2p_rmember	*m;	/* slots; 0 is we */
	size_t			nm, cap;
	uint32_t		*idx;	/* live slots sorted by name */
	size_t			live;
	uint32_t		*top;	/* npieces x P2P_RTAB_TOP slots, or NULL:
					 * out of memory, rank in full */
};

/* Whether member m still delivers (the caller's rule); we always do. */
typedef bool (*p2p_rtab_live_fn)(const struct p2p_rmember *m, void *arg);

/* A table holding only us (self). 0 or -ENOMEM. */
int p2p_rtab_init(struct p2p_rtab *t, const uint8_t ih[20], uint32_t npieces, const char *self);
void p2p_rtab_free(struct p2p_rtab *t);
/* The node name as the table keeps it (as p2p_ext.c reads handshakes). */
void p2p_rtab_name(const char *in, char out[64]);
/* LSD heard m (of our region): 1 when it is a newcomer, 0 a refresh or
 * we ourselves, -ENOMEM (or -ENOSPC past P2P_RTAB_MAX). */
int p2p_rtab_heard(struct p2p_rtab *t, const struct p2p_lsd_member *m, uint64_t now);
/* The connected members, given again whenever they change: begin, then
 * each peer with its node name, then end, which drops the members
 * neither connected nor heard. peer_add returns 1 for a newcomer, 0,
 * or -ENOMEM / -ENOSPC as p2p_rtab_heard. */
void p2p_rtab_peers_begin(struct p2p_rtab *t);
int p2p_rtab_peer_add(struct p2p_rtab *t, const char *node, const void *peer);
void p2p_rtab_peers_end(struct p2p_rtab *t);
/* Forget what LSD said of members silent for three of their intervals;
 * those not connected either leave. The number that left. */
size_t p2p_rtab_expire(struct p2p_rtab *t, uint64_t now);
/* The slot named node, or P2P_RTAB_NONE. */
uint32_t p2p_rtab_find(const struct p2p_rtab *t, const char *node);
/* The owner of piece: the slot ranked first among us and the members
 * live() accepts. */
uint32_t p2p_rtab_owner(const struct p2p_rtab *t, uint32_t piece, p2p_rtab_live_fn live,
    void *arg);

#endif
