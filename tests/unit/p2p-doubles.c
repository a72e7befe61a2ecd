/* p2p-doubles.c: a stand-in for the net part (trackers, LSD, web seeds)
 * until it lands, so test-p2p-engine links: peers only, over loopback.
 * Goes once net.c is in libp2p.a (-DP2P_REAL_NET, engine.mk). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "p2p_int.h"

#ifndef P2P_REAL_NET
/* ---- net ---- */
void p2p_addr_format(const struct p2p_addr *a, char *buf, size_t n)
{
	char h[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&a->ss;
		inet_ntop(AF_INET, &s->sin_addr, h, sizeof(h));
		snprintf(buf, n, "%s:%u", h, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)&a->ss;
		inet_ntop(AF_INET6, &s->sin6_addr, h, sizeof(h));
		snprintf(buf, n, "[%s]:%u", h, ntohs(s->sin6_port));
	}
}
SSL_CTX *p2p_tls_ctx_new(const char *ca, char *why, size_t whylen)
{
	(void)ca; (void)why; (void)whylen;
	return SSL_CTX_new(TLS_client_method());
}
int p2p_lsd_new(struct loop *l, const struct p2p_lsd_opts *o, p2p_lsd_cb cb, void *arg, struct p2p_lsd **out)
{
	(void)l; (void)o; (void)cb; (void)arg; (void)out;
	return -ENOTSUP;
}
int p2p_lsd_announce(struct p2p_lsd *d, const uint8_t (*ih)[20], size_t n) { (void)d; (void)ih; (void)n; return 0; }
void p2p_lsd_free(struct p2p_lsd *d) { (void)d; }
int p2p_announce_start(struct loop *l, struct resolver *r, SSL_CTX *t, const struct p2p_announce *a,
    p2p_announce_cb cb, void *arg, struct p2p_http_req **out)
{
	(void)l; (void)r; (void)t; (void)a; (void)cb; (void)arg; (void)out;
	return -ENOTSUP;
}
void p2p_http_req_free(struct p2p_http_req *q) { (void)q; }
int p2p_webseed_new(struct loop *l, struct resolver *r, const struct p2p_webseed_opts *o,
    p2p_webseed_cb cb, void *arg, struct p2p_webseed **out)
{
	(void)l; (void)r; (void)o; (void)cb; (void)arg; (void)out;
	return -ENOTSUP;
}
int p2p_webseed_fetch(struct p2p_webseed *w, uint32_t i) { (void)w; (void)i; return -ENOTSUP; }
bool p2p_webseed_busy(const struct p2p_webseed *w) { (void)w; return true; }
bool p2p_webseed_backoff(const struct p2p_webseed *w, uint64_t *u) { (void)w; (void)u; return true; }
const char *p2p_webseed_url(const struct p2p_webseed *w) { (void)w; return "?"; }
void p2p_webseed_free(struct p2p_webseed *w) { (void)w; }
#endif
