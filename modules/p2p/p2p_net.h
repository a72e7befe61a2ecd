/* p2p_net.h: what the engine asks of the network besides peers: HTTP
 * trackers (announce with compact peers, BEP 23 and 7, and scrape), local
 * service discovery (BEP 14), and web seeds (BEP 19). All on the libop
 * loop, non-blocking, names resolved through libop's resolver; HTTP and
 * HTTPS through probes/ (probe_conn: connect + verified TLS,
 * probe_http_parse: the bounded response parser). (owner: net) */
#ifndef OUTPOST_P2P_NET_H
#define OUTPOST_P2P_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "loop.h"
#include "meta.h"
#include "resolve.h"

/* A peer address, as trackers, LSD and the command line give them. */
struct p2p_addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};
/* "192.0.2.1:6881", "[2001:db8::1]:6881" (numeric only). 0 or -EINVAL. */
int p2p_addr_parse(const char *s, struct p2p_addr *a);
void p2p_addr_format(const struct p2p_addr *a, char *buf, size_t n);

/* ---- tracker: the reply parsers (pure, fuzzed) ---- */

struct p2p_tracker_reply {
	char		failure[256];	/* "failure reason", "" if none */
	char		warning[256];
	uint32_t	interval, min_interval;	/* seconds, 0 if absent */
	uint32_t	complete, incomplete;
	struct p2p_addr	*peers;		/* compact "peers" (6-byte), "peers6"
					 * (18-byte) and the dict form; malloc'd */
	size_t		npeers;
};
/* Parse an announce reply body. 0 or -EBADMSG with why. */
int p2p_tracker_parse(const uint8_t *body, size_t n, struct p2p_tracker_reply *r, char *why,
    size_t whylen);
void p2p_tracker_reply_free(struct p2p_tracker_reply *r);

struct p2p_scrape {
	uint32_t	complete, downloaded, incomplete;
	bool		found;		/* the info-hash was in "files" */
};
/* Parse a scrape reply for info-hash ih (20 bytes). 0 or -EBADMSG. */
int p2p_scrape_parse(const uint8_t *body, size_t n, const uint8_t ih[20], struct p2p_scrape *s,
    char *why, size_t whylen);
/* The scrape URL for an announce URL (BEP 48: last path segment
 * "announce" becomes "scrape"); -ENOTSUP when it has none. */
int p2p_scrape_url(const char *announce, char *out, size_t n);

/* ---- tracker: the client ---- */

enum p2p_announce_event { P2P_ANN_NONE, P2P_ANN_STARTED, P2P_ANN_STOPPED, P2P_ANN_COMPLETED };

struct p2p_announce {
	const char	*url;
	uint8_t		info_hash[20];
	uint8_t		peer_id[20];
	uint16_t	port;
	uint64_t	uploaded, downloaded, left;
	enum p2p_announce_event event;
	unsigned	numwant;	/* 0: 50 */
	uint32_t	key;
};

struct p2p_http_req;	/* an HTTP exchange in flight (tracker or scrape) */
/* Called once: status 0 with the reply, or -errno with why. */
typedef void (*p2p_announce_cb)(int status, const struct p2p_tracker_reply *r, const char *why,
    void *arg);
typedef void (*p2p_scrape_cb)(int status, const struct p2p_scrape *s, const char *why, void *arg);
/* Announce; compact=1, redirects followed (at most 5), reply capped at
 * 1 MiB, 30 s timeout. 0 or -errno (synchronous failures: bad URL). */
int p2p_announce_start(struct loop *l, struct resolver *r, SSL_CTX *tls,
    const struct p2p_announce *a, p2p_announce_cb cb, void *arg, struct p2p_http_req **out);
int p2p_scrape_start(struct loop *l, struct resolver *r, SSL_CTX *tls, const char *announce_url,
    const uint8_t ih[20], p2p_scrape_cb cb, void *arg, struct p2p_http_req **out);
/* GET a whole resource into memory (a .torrent by URL): 2xx only,
 * redirects followed, at most max bytes, 30 s timeout. */
typedef void (*p2p_get_cb)(int status, const uint8_t *body, size_t n, const char *why, void *arg);
int p2p_http_get_start(struct loop *l, struct resolver *r, SSL_CTX *tls, const char *url,
    size_t max, p2p_get_cb cb, void *arg, struct p2p_http_req **out);
/* Cancel (no callback afterwards). NULL-safe. After its callback a
 * request is gone by itself: do not free it then. */
void p2p_http_req_free(struct p2p_http_req *q);
/* The client TLS context for trackers, web seeds and URLs: TLS 1.2+,
 * chain and host name verified against ca_file or the system store. */
SSL_CTX *p2p_tls_ctx_new(const char *ca_file, char *why, size_t whylen);

/* ---- local service discovery (BEP 14) ---- */

/* What a region member adds to its announce, as header lines other
 * clients skip (x-outpost-node, -region, -have: HAVE/ALL, -every: ms):
 * who it is, how far it got with the one torrent the datagram names,
 * and how often it announces (it is gone after three silent intervals). */
#define P2P_LSD_EVERY_MIN	500
#define P2P_LSD_EVERY_MAX	600000
struct p2p_lsd_member {
	char		node[64], region[64];	/* UTF-8, no control characters */
	uint32_t	have, npieces;		/* pieces verified / all (>= 1) */
	uint32_t	every_ms;		/* P2P_LSD_EVERY_MIN..MAX */
};
struct p2p_lsd_info {
	uint16_t		port;
	char			cookie[64];	/* "" if none (cut to fit) */
	bool			member;		/* m holds valid x-outpost- lines */
	struct p2p_lsd_member	m;
};

struct p2p_lsd;
/* A peer announced info-hash ih on the LAN, listening at a; m is what a
 * region member said of itself, or NULL. */
typedef void (*p2p_lsd_cb)(const uint8_t ih[20], const struct p2p_addr *a,
    const struct p2p_lsd_member *m, void *arg);
struct p2p_lsd_opts {
	bool		v4, v6;		/* 239.192.152.143:6771, [ff15::efc0:988f]:6771 */
	const char	*ifname;	/* NULL: the default multicast interface */
	uint16_t	port;		/* our listen port, announced */
};
/* Join the groups and listen (SO_REUSEADDR/PORT, our own announces are
 * recognised by the cookie and ignored). 0 or -errno. */
int p2p_lsd_new(struct loop *l, const struct p2p_lsd_opts *o, p2p_lsd_cb cb, void *arg,
    struct p2p_lsd **out);
/* Announce these hashes now (one BT-SEARCH datagram per family; the
 * engine calls it at start and every 5 minutes, BEP 14 rate limits). */
int p2p_lsd_announce(struct p2p_lsd *d, const uint8_t (*ih)[20], size_t n);
/* Announce one torrent as a region member: one datagram, on IPv4 (IPv6
 * only when IPv4 fails: members hear both, one is enough). */
int p2p_lsd_announce_member(struct p2p_lsd *d, const uint8_t ih[20],
    const struct p2p_lsd_member *m);
void p2p_lsd_free(struct p2p_lsd *d);
/* Parse one datagram (pure, fuzzed): fills up to max hashes and info;
 * the count or -EBADMSG. Bad or duplicate x-outpost- lines, or several
 * hashes, leave info->member false but the rest parsed. */
int p2p_lsd_parse(const uint8_t *buf, size_t n, uint8_t (*ih)[20], size_t max,
    struct p2p_lsd_info *info);
/* Write a datagram (m NULL: plain BEP 14; else exactly one hash) into
 * buf: its length, or -ENOSPC / -EINVAL. */
int p2p_lsd_format(char *buf, size_t cap, bool v6, uint16_t port, const char *cookie,
    const uint8_t (*ih)[20], size_t n, const struct p2p_lsd_member *m);

/* ---- web seeds (BEP 19) ---- */

struct p2p_webseed;
/* A piece fetched: status 0 with data (p2p_piece_size bytes, not yet
 * verified: the engine does it), or -errno with why (after the retries
 * are spent for this piece; -ENOENT at once for a 4xx, the seed gone;
 * or -ECANCELED). */
typedef void (*p2p_webseed_cb)(struct p2p_webseed *w, uint32_t piece, int status,
    const uint8_t *data, size_t len, const char *why, void *arg);
struct p2p_webseed_opts {
	const char		*url;		/* url-list entry */
	const struct p2p_meta	*meta;
	SSL_CTX			*tls;		/* verified https:// */
	unsigned		retries;	/* per piece, 0: 5; backoff 1 s doubling to 60 s */
};
/* One keep-alive HTTP/1.1 connection to one web seed, fetching one piece
 * at a time with Range requests (a piece spanning files is several
 * requests; multi-file URLs are url + name + "/" + path, percent-encoded;
 * a single-file URL ending in "/" gets the name appended). */
int p2p_webseed_new(struct loop *l, struct resolver *r, const struct p2p_webseed_opts *o,
    p2p_webseed_cb cb, void *arg, struct p2p_webseed **out);
/* Start fetching piece i; -EBUSY when one is in flight, -ENOENT when
 * the seed is gone. */
int p2p_webseed_fetch(struct p2p_webseed *w, uint32_t piece);
bool p2p_webseed_busy(const struct p2p_webseed *w);
/* Whether it is backing off after failures (and until when, loop ms). */
bool p2p_webseed_backoff(const struct p2p_webseed *w, uint64_t *until_ms);
/* Whether it answered a 4xx other than 408/429 for a file (it does not
 * have it): fetch refuses with -ENOENT from then on. */
bool p2p_webseed_gone(const struct p2p_webseed *w);
/* Bytes of body received in all (for "bytes from the origin"). */
uint64_t p2p_webseed_bytes(const struct p2p_webseed *w);
const char *p2p_webseed_url(const struct p2p_webseed *w);
void p2p_webseed_free(struct p2p_webseed *w);

#endif
