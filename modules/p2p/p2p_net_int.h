/* p2p_net_int.h: helpers shared by the net part's files (not a contract
 * for other parts). (owner: net) */
#ifndef OUTPOST_P2P_NET_INT_H
#define OUTPOST_P2P_NET_INT_H

#include <stddef.h>
#include <stdint.h>

/* Percent-encode n bytes (RFC 3986: unreserved kept, the rest %XX) into
 * out, NUL-terminated. The length written, or -ENOSPC. */
int p2p_pct_encode(const uint8_t *p, size_t n, char *out, size_t outlen);

struct loop;
struct resolver;
struct p2p_http_req;
/* The HTTP exchange's end: the final status code (0 on failure) with
 * the body, or err -errno with why. The request frees itself after. */
typedef void (*p2p_http_done)(int err, int code, const uint8_t *body, size_t n, const char *why,
    void *arg);
/* GET url (redirects followed, body capped at max, timeout_ms). */
int p2p_http_start(struct loop *l, struct resolver *r, void *tls, const char *url, size_t max,
    unsigned timeout_ms, p2p_http_done done, void *arg, struct p2p_http_req **out);
/* Free the done callback's arg with arg_free if the request is freed
 * before it answers (a caller cancelling it). */
void p2p_http_own_arg(struct p2p_http_req *q, void (*arg_free)(void *));
struct p2p_http_conn;
/* A connection kept for a series of requests to one server (a web
 * seed's): requests started with it leave their connection parked in it
 * when the server allows (HTTP/1.1 or keep-alive, a framed end, no
 * Connection: close), for at most 30 s idle, and the next one to the
 * same scheme, host and port reuses it. NULL on ENOMEM. */
struct p2p_http_conn *p2p_http_conn_new(struct loop *l);
/* Close the parked connection and free. NULL-safe. */
void p2p_http_conn_free(struct p2p_http_conn *k);
/* The same with "Range: bytes=lo-(lo+len-1)" when len > 0, on keep's
 * connection when keep is not NULL (no Connection: close then). A kept
 * connection that fails before any byte of the response (the server
 * closed it while idle) is retried once on a new one, unseen by done. */
int p2p_http_start_range(struct loop *l, struct resolver *r, void *tls, const char *url,
    uint64_t lo, uint64_t len, size_t max, unsigned timeout_ms, struct p2p_http_conn *keep,
    p2p_http_done done, void *arg, struct p2p_http_req **out);
/* A web seed's URL for file f of m (BEP 19). 0 or -ENOSPC. */
struct p2p_meta;
int p2p_webseed_file_url(const char *base, const struct p2p_meta *m, size_t f, char *out,
    size_t n);

struct p2p_announce;
/* The announce URL with its query ("&" when the URL has one). 0 or
 * -ENOSPC. */
int p2p_announce_url(const struct p2p_announce *a, char *out, size_t n);

#endif
