/* p2p.h: the transfer engine: many transfers on one libop loop, the way
 * outpost-p2p drives one and outpost-p2pd (next) drives many.
 * (owner: engine)
 *
 * A context holds what transfers share: the loop, the resolver, the TLS
 * context for https web seeds and trackers, the listen socket(s), LSD,
 * our peer id, global connection and rate limits. A transfer is one
 * torrent in one folder: it downloads (or only seeds), verifying every
 * piece before it is written (store.h), from peers (given, tracker, LSD,
 * incoming) and web seeds, and reports through one callback. */
#ifndef OUTPOST_P2P_H
#define OUTPOST_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "loop.h"
#include "meta.h"
#include "p2p_net.h"
#include "resolve.h"

/* Rate limits in bytes per second; 0 = unlimited. */
struct p2p_limits {
	uint64_t	up_rate, down_rate;
	unsigned	max_peers;	/* connections per transfer; 0: 50 */
	size_t		max_buffer;	/* bytes of blocks held in memory for pieces
					 * not complete yet; 0: 64 MiB */
};

struct p2p_ctx_opts {
	uint16_t		listen_port;	/* 0: do not listen (a leech behind NAT),
						 * unless listen_addr is given: then an
						 * ephemeral port (tests; p2p_ctx_port) */
	const char		*listen_addr;	/* NULL: any (v6 socket, dual stack) */
	bool			lsd;		/* join BEP 14 */
	const char		*lsd_ifname;
	unsigned		max_conns;	/* over all transfers; 0: 500 */
	struct p2p_limits	global;		/* rates over all transfers */
	const char		*ca_file;	/* NULL: the system store */
	const char		*client;	/* "Outpost/0.1.0" (ext handshake "v") */
	/* Outgoing peer connections leave from the listen port (SO_REUSEPORT),
	 * so a shaper that tells P2P traffic by its port sees every byte of
	 * ours whatever port the remote peer listens on. */
	bool			share_port;
	/* With share_port, as root before a privilege drop: the user the
	 * engine runs as afterwards. The kernel shares a port only among
	 * sockets of one user, so the listen socket is made as that user.
	 * 0: the caller's. */
	uid_t			sock_uid;
};

struct p2p_ctx;
/* 0 or -errno with why ("listen on port 6881: address in use"). */
int p2p_ctx_new(struct loop *l, struct resolver *r, const struct p2p_ctx_opts *o,
    struct p2p_ctx **out, char *why, size_t whylen);
/* Stop every transfer (announcing "stopped" is best-effort, not waited
 * for) and free. NULL-safe. */
void p2p_ctx_free(struct p2p_ctx *c);
/* Change the limits over all transfers while running (max_conns 0: 500). */
void p2p_ctx_set_limits(struct p2p_ctx *c, const struct p2p_limits *global, unsigned max_conns);
/* The port actually listened on (after a bind to port 0 in tests). */
uint16_t p2p_ctx_port(const struct p2p_ctx *c);
/* The context's TLS settings, for fetching a .torrent by https. */
SSL_CTX *p2p_ctx_tls(const struct p2p_ctx *c);
struct resolver *p2p_ctx_resolver(const struct p2p_ctx *c);

enum p2p_state {
	P2P_CHECKING,		/* verifying what is on disk */
	P2P_DOWNLOADING,
	P2P_FINISHING,		/* final check and rename */
	P2P_SEEDING,		/* complete, in place */
	P2P_FAILED
};

enum p2p_event {
	P2P_EV_STATE,		/* state changed (stats tell which) */
	P2P_EV_DONE,		/* complete, verified, in place */
	P2P_EV_FAILED,		/* stopped for good: text says why */
	P2P_EV_HASH_FAIL,	/* a piece did not verify: text names the piece and
				 * source (peer address or web seed URL) */
	P2P_EV_BANNED,		/* a peer was banned: text says who and why */
	P2P_EV_PEER,		/* a peer connected or left (text) */
	P2P_EV_WARNING		/* tracker or web seed trouble, not fatal */
};

struct p2p_stats {
	enum p2p_state	state;
	uint32_t	pieces, npieces;	/* verified / all */
	uint64_t	size;			/* content bytes */
	uint64_t	have_bytes;		/* verified content bytes */
	uint64_t	found_bytes;		/* of those, found on disk at start */
	uint64_t	from_peers;		/* payload bytes received from peers */
	uint64_t	from_webseeds;		/* ... from web seeds (the origin) */
	uint64_t	uploaded;		/* payload bytes sent to peers */
	uint64_t	wasted;			/* bytes discarded: bad hash, duplicates */
	double		down_rate, up_rate;	/* bytes/s, last ~5 s */
	unsigned	peers, seeds;		/* connected, of which complete */
	unsigned	known;			/* addresses known */
	unsigned	webseeds_active;
	unsigned	hash_fails, banned;
	unsigned	members;		/* region mode: live members, we included */
	char		error[256];		/* P2P_FAILED: why */
};

struct p2p_xfer;
/* Called from inside the engine: it must not free x (or the context);
 * stop the loop or defer the free to a timer instead. */
typedef void (*p2p_event_cb)(struct p2p_xfer *x, enum p2p_event ev, const char *text, void *arg);

/* A LAN prefix of the region (network byte order). */
struct p2p_prefix {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];
	unsigned	len;
};

/* Region mode (outpost-p2pd): the peers of one region share the origin.
 * Each missing piece no connected peer has is fetched from the origin
 * (web seeds) by one member only: the one of the live members with the
 * highest rendezvous score for it (p2p_rendezvous.h); the others wait
 * for it over the LAN, and skip a member that has delivered nothing for
 * lease_ms. Members are we, those heard announcing the torrent in the
 * same region by LSD (every few seconds, with their node id and
 * progress), and the connected peers that name the same region in their
 * extension handshake; peers outside the region (neither the same region
 * nor an address in lan) are refused unless other_regions. */
struct p2p_region_opts {
	const char		*node;		/* our member name: the [node] id */
	const char		*name;		/* the region */
	uint64_t		lease_ms;
	uint64_t		origin_rate;	/* bytes/s for the whole region, 0: none */
	bool			other_regions;
	const struct p2p_prefix	*lan;
	size_t			nlan;
};

struct p2p_xfer_opts {
	const struct p2p_meta	*meta;		/* must outlive the transfer */
	const char		*dir;		/* target folder */
	bool			seed_only;	/* content must be complete in place */
	const struct p2p_addr	*peers;		/* given on the command line */
	size_t			npeers;
	bool			no_trackers, no_webseeds, no_lsd;
	const char *const	*trackers;	/* announced to besides the .torrent's */
	size_t			ntrackers;
	struct p2p_limits	limits;
	const struct p2p_region_opts *region;	/* NULL: plain BitTorrent */
	p2p_event_cb		cb;
	void			*arg;
};

/* Open the store and start, from the loop. A check of content found on
 * disk without a valid resume file runs on a worker thread (loop_work):
 * P2P_CHECKING until it ends, refusing peers, its stats counting the
 * pieces verified so far; so does the final check (P2P_FINISHING).
 * 0 or -errno with why (bad folder, content missing for seed). */
int p2p_xfer_start(struct p2p_ctx *c, const struct p2p_xfer_opts *o, struct p2p_xfer **out,
    char *why, size_t whylen);
void p2p_xfer_get_stats(const struct p2p_xfer *x, struct p2p_stats *st);
/* Add a peer address later (LSD and tracker do it inside). */
int p2p_xfer_add_peer(struct p2p_xfer *x, const struct p2p_addr *a);
/* Change the limits while running. */
void p2p_xfer_set_limits(struct p2p_xfer *x, const struct p2p_limits *lim);
/* Save the resume file, say "stopped" to trackers, close peers, free.
 * NULL-safe. */
void p2p_xfer_free(struct p2p_xfer *x);

const char *p2p_state_name(enum p2p_state s);	/* "downloading" ... */

#endif
