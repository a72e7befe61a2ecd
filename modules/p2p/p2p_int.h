/* p2p_int.h: the engine's insides shared by p2p_ctx.c, p2p_peer.c,
 * p2p_xfer.c, p2p_choke.c and p2p_rate.c. Not an API. (owner: engine) */
#ifndef OUTPOST_P2P_INT_H
#define OUTPOST_P2P_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p2p.h"
#include "p2p_pick.h"
#include "p2p_wire.h"
#include "store.h"
#include "wire.h"

#define P2P_TICK_MS		100	/* the context's clock: buckets, reaping */
#define P2P_CONNECT_MS		10000
#define P2P_KEEPALIVE_MS	90000
#define P2P_IDLE_MS		180000
#define P2P_REQ_TIMEOUT_MS	20000
#define P2P_PIPE_MIN		16
#define P2P_PIPE_MAX		250
#define P2P_SERVE_MAX		256	/* requests of one peer we hold */
#define P2P_OUT_CAP		(4u << 20) /* bytes queued for one peer */
#define P2P_IN_CAP		(P2P_MSG_MAX + 4 + P2P_HANDSHAKE_LEN)
#define P2P_FAST_MAX		16	/* allowed-fast pieces we keep per peer */
#define P2P_CONTRIB_MAX		8	/* contributors remembered per piece */

/* ---- p2p_rate.c ---- */

/* A token bucket in bytes; rate 0 = unlimited. Refilled lazily. */
struct p2p_bucket {
	uint64_t	rate;
	double		tokens, burst;
	uint64_t	last_ms;
};
void p2p_bucket_set(struct p2p_bucket *b, uint64_t rate);
/* Bytes that may pass now (SIZE_MAX when unlimited). */
size_t p2p_bucket_avail(struct p2p_bucket *b, uint64_t now);
void p2p_bucket_spend(struct p2p_bucket *b, size_t n);

/* A rate meter over the last ~5 s in 1 s slots. */
struct p2p_meter {
	uint64_t	total;
	uint64_t	slot[5];
	uint64_t	slot_ms;	/* start of the current slot */
	unsigned	cur;
};
void p2p_meter_add(struct p2p_meter *m, uint64_t n, uint64_t now);
double p2p_meter_rate(struct p2p_meter *m, uint64_t now);

/* ---- the context ---- */

/* A "stopped" announce, owned by the context once its transfer is gone;
 * done when the reply (or failure) came, so the request is net's again. */
struct p2p_stop {
	struct p2p_http_req	*q;
	bool			done;
};

struct p2p_peer;
struct p2p_xfer;

struct p2p_ctx {
	struct loop		*loop;
	struct resolver		*res;
	SSL_CTX			*tls;
	int			lfd;
	uint16_t		port;
	bool			share_port;
	struct sockaddr_storage	lss;		/* the listen address and port */
	uint8_t			peer_id[20];
	char			client[64];
	unsigned		max_conns, nconns;
	struct p2p_bucket	up, down;
	struct p2p_lsd		*lsd;
	uint64_t		timer, tick, lsd_next_ms;
	struct p2p_xfer		*xfers;
	struct p2p_peer		*pending;	/* incoming, before the handshake */
	struct p2p_stop		**stops;	/* "stopped" announces in flight */
	size_t			nstops;
};

/* ---- a peer ---- */

struct p2p_req {
	uint32_t	piece, begin, len;
	uint64_t	sent_ms;
};

enum p2p_peer_state { PS_CONNECTING, PS_HANDSHAKE, PS_ACTIVE, PS_DEAD };

struct p2p_peer {
	struct p2p_peer		*next;
	struct p2p_ctx		*c;
	struct p2p_xfer		*x;		/* NULL until an incoming handshake */
	int			fd;
	uint32_t		events;
	enum p2p_peer_state	st;
	bool			incoming, sent_hs;
	bool			throttled;	/* reading paused by a bucket */
	bool			corked;		/* parsing: sends wait for the batch */
	bool			refill;		/* blocks came in: refill after the batch */
	bool			up_wait;	/* serving or asking paused by a bucket */
	struct p2p_addr		addr;
	char			name[64];	/* address as text */
	long			known;		/* index in x->known, -1 none */
	uint8_t			id[20];
	bool			fast, ext;
	uint32_t		reqq;
	char			node[64], region[64];	/* its extension handshake's */
	/* what the peer has */
	uint8_t			*bits;
	uint32_t		nhave;
	bool			have_all, in_pick;
	/* state both ways */
	bool			am_choking, am_interested, peer_choking, peer_interested;
	bool			optimistic, snubbed;
	/* our requests out */
	struct p2p_req		*reqs;
	size_t			nreqs;
	uint32_t		pipe;
	uint32_t		fastp[P2P_FAST_MAX];
	size_t			nfast;
	/* its requests to us */
	struct p2p_req		serve[P2P_SERVE_MAX];
	size_t			nserve;
	/* buffers */
	uint8_t			*in;
	size_t			in_len;
	struct wire_buf		out;
	size_t			out_off;
	/* time */
	uint64_t		start_ms, last_rx_ms, last_tx_ms, last_block_ms, unchoked_ms;
	uint64_t		last_have_ms;	/* it announced a piece */
	struct p2p_meter	down, up;
	double			down_rate, up_rate;
};

/* p2p_peer.c */
int p2p_peer_connect(struct p2p_xfer *x, const struct p2p_addr *a, long known);
int p2p_peer_accept(struct p2p_ctx *c, int fd, const struct p2p_addr *a);
/* Close now; the memory goes at the next reap. why may be NULL. */
void p2p_peer_close(struct p2p_peer *p, const char *why);
void p2p_peer_free(struct p2p_peer *p);
/* Send what is queued (as much as the socket takes). */
void p2p_peer_flush(struct p2p_peer *p);
static inline size_t p2p_out_pending(const struct p2p_peer *p)
{
	return p->out.len - p->out_off;
}
/* Queue messages, then flush. */
void p2p_peer_send_simple(struct p2p_peer *p, enum p2p_msg_id id);
void p2p_peer_send_have(struct p2p_peer *p, uint32_t piece);
void p2p_peer_send_cancel(struct p2p_peer *p, const struct p2p_req *r);
void p2p_peer_choke(struct p2p_peer *p, bool choke);
void p2p_peer_update_interest(struct p2p_peer *p);
/* Send requests up to the pipeline, and serve queued requests. */
void p2p_peer_fill(struct p2p_peer *p);
void p2p_peer_serve(struct p2p_peer *p);
/* Drop a request we sent (endgame cancel) without telling the picker. */
bool p2p_peer_forget_req(struct p2p_peer *p, uint32_t piece, uint32_t begin);
/* The once-a-second work: rates, pipeline size, keep-alive, timeouts. */
void p2p_peer_tick(struct p2p_peer *p, uint64_t now);
/* Throttled by a bucket: read again. */
void p2p_peer_wake(struct p2p_peer *p);
bool p2p_peer_is_seed(const struct p2p_peer *p);

/* ---- a transfer ---- */

struct p2p_known {
	struct p2p_addr	addr;
	bool		banned, self, connected;
	bool		nodial;		/* only seen incoming: a source port */
	bool		complete;	/* was a seed when last connected */
	uint8_t		fails;		/* failed pieces it contributed to */
	unsigned	tries;
	uint64_t	next_ms;
};

struct p2p_pbuf {			/* a piece in progress */
	struct p2p_pbuf	*next;
	uint32_t	piece, size;
	uint8_t		*data;
	long		contrib[P2P_CONTRIB_MAX];
	size_t		ncontrib;
};

struct p2p_tracker {
	struct p2p_xfer		*x;
	char			*url;
	struct p2p_http_req	*q;
	uint64_t		next_ms;
	bool			started;
	enum p2p_announce_event	pending_ev;
};

struct p2p_ws {
	struct p2p_webseed	*w;
	struct p2p_xfer		*x;
	int64_t			piece;	/* in flight, -1 none */
	unsigned		fails;
	uint64_t		until_ms;
};

#define P2P_PBUF_HASH	1024
#define P2P_SPARE	4

struct p2p_xfer {
	struct p2p_xfer		*next;
	struct p2p_ctx		*c;
	const struct p2p_meta	*m;
	char			*dir;
	bool			seed_only, no_trackers, no_webseeds, no_lsd;
	p2p_event_cb		cb;
	void			*arg;
	struct p2p_limits	lim;
	struct p2p_bucket	up, down;
	enum p2p_state		state;
	char			error[256];
	struct p2p_store	*store;
	struct p2p_pick		*pick;
	uint64_t		open_timer;
	/* The check (P2P_CHECKING) or final check (P2P_FINISHING) on a
	 * worker thread: it reads only job, and the store's files. */
	struct p2p_store_job	*job;
	uint64_t		work;		/* its loop_work id, 0 none */
	struct p2p_peer		*peers;
	unsigned		npeers;		/* connecting or connected */
	struct p2p_known	*known;
	size_t			nknown, known_cap;
	struct p2p_pbuf		*pbuf[P2P_PBUF_HASH];
	size_t			buffered;
	uint8_t			*spare[P2P_SPARE];	/* piece buffers to reuse */
	size_t			nspare;
	struct p2p_tracker	*trk;
	size_t			ntrk;
	char			**extra_trk;	/* the caller's, besides the .torrent's */
	size_t			nextra_trk;
	struct p2p_ws		*ws;
	size_t			nws;
	uint64_t		last_choke_ms, last_opt_ms, last_save_ms, start_ms;
	size_t			rr;		/* seed round-robin position */
	bool			dirty;
	/* stats */
	uint64_t		from_peers, from_webseeds, uploaded, wasted, have_bytes;
	unsigned		hash_fails, banned;
	struct p2p_meter	mdown, mup;
	struct p2p_region	*rg;		/* region mode, or NULL */
};

/* p2p_xfer.c */
void p2p_xfer_event(struct p2p_xfer *x, enum p2p_event ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A block arrived from peer p (or -1 for none): buffer, verify, write. */
void p2p_xfer_block(struct p2p_xfer *x, struct p2p_peer *p, uint32_t piece, uint32_t begin,
    const uint8_t *data, uint32_t len);
/* Whether a block of a new piece may be buffered now (max_buffer). */
bool p2p_xfer_can_buffer(struct p2p_xfer *x, uint32_t piece);
struct p2p_xfer *p2p_xfer_by_hash(struct p2p_ctx *c, const uint8_t ih[20]);
bool p2p_xfer_is_banned(struct p2p_xfer *x, const struct p2p_addr *a);
/* An incoming peer bound to x: give it a known entry. */
long p2p_xfer_known_add(struct p2p_xfer *x, const struct p2p_addr *a);
void p2p_xfer_tick(struct p2p_xfer *x, uint64_t now);
/* Unlink and free the PS_DEAD peers of a list: a transfer's, or the
 * context's not yet handshaken ones (p2p_xfer.c). */
void p2p_peers_reap(struct p2p_peer **list);
bool p2p_xfer_complete(const struct p2p_xfer *x);
void p2p_xfer_lsd_announce(struct p2p_ctx *c);

/* Verify and write a whole piece (from blocks or a web seed). contrib:
 * the known entries that sent its blocks. 0, -EILSEQ (bad data, already
 * counted and blamed), -EEXIST, or -errno (the transfer failed). */
int p2p_xfer_piece(struct p2p_xfer *x, uint32_t piece, const uint8_t *data, uint32_t size,
    const long *contrib, size_t ncontrib, const char *src);

/* p2p_source.c: trackers and web seeds of a transfer. */
int p2p_src_start(struct p2p_xfer *x);
void p2p_src_tick(struct p2p_xfer *x, uint64_t now);
void p2p_src_announce(struct p2p_xfer *x, enum p2p_announce_event ev);
/* Free all; say "stopped" to trackers we said "started" to. */
void p2p_src_stop(struct p2p_xfer *x);

/* p2p_choke.c: the 10 s / 30 s choking rounds. */
void p2p_choke_round(struct p2p_xfer *x, uint64_t now, bool rotate_opt);
/* p became interested: unchoke it now when a slot is free. */
void p2p_choke_interested(struct p2p_xfer *x, struct p2p_peer *p);

/* p2p_region.c: region mode (p2p.h, struct p2p_region_opts). */
struct p2p_region;
int p2p_region_init(struct p2p_xfer *x, const struct p2p_region_opts *o);
void p2p_region_free(struct p2p_xfer *x);
const char *p2p_region_node(const struct p2p_xfer *x);	/* "" when off */
const char *p2p_region_name(const struct p2p_xfer *x);
/* A peer came, left, or told its region: the member set is stale. */
void p2p_region_changed(struct p2p_xfer *x);
/* Whether p may stay (its region, or its address in the LAN). */
bool p2p_region_peer_ok(const struct p2p_xfer *x, const struct p2p_peer *p);
unsigned p2p_region_members(struct p2p_xfer *x);
/* A whole piece for the origin that is ours to fetch now, or -1; then
 * p2p_region_spent with its size. */
int64_t p2p_region_pick(struct p2p_xfer *x, uint64_t now);
void p2p_region_spent(struct p2p_xfer *x, size_t bytes);
/* An origin fetch of ours succeeded or failed (see p2p_region.c). */
void p2p_region_origin(struct p2p_xfer *x, bool ok);
/* LSD heard a member announce x (it may be of another region). */
void p2p_region_lsd(struct p2p_xfer *x, const struct p2p_lsd_member *m);
/* Every tick: our own member announce when due, and expiry. */
void p2p_region_lsd_tick(struct p2p_xfer *x, uint64_t now);

/* p2p_ctx.c */
void p2p_ctx_keep_stop(struct p2p_ctx *c, struct p2p_stop *s);
bool p2p_addr_eq(const struct p2p_addr *a, const struct p2p_addr *b);

#endif
