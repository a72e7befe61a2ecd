/* web.h: what the tls and http probes share (libopprobe, web part).
 *
 * probe_web_url.c   targets: host[:port] and http(s):// URLs, redirects
 * probe_conn.c      one connection: resolve, non-blocking connect, TLS
 * probe_tlsinfo.c   what a TLS session says about itself (cert, verify)
 * probe_http_parse.c the bounded HTTP/1.1 response parser
 * probe_tls.c, probe_http.c, probe_http_fetch.c  the two probe types
 *
 * Library code: 0 or -errno, never prints; reasons travel as text in
 * the results. */
#ifndef OUTPOST_PROBE_WEB_H
#define OUTPOST_PROBE_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "json.h"
#include "loop.h"
#include "probe.h"
#include "resolve.h"

/* ---- probe_web_url.c ---- */

#define PROBE_URL_MAX 2048

struct probe_url {
	bool		tls;			/* https */
	char		host[256];		/* without brackets */
	bool		host_is_ip;		/* a numeric IPv4/IPv6 address */
	uint16_t	port;
	bool		has_port;		/* the text named the port */
	char		path[PROBE_URL_MAX];	/* "/..." with the query, no fragment */
};

/* Parse "host", "host:port", "[v6]" or "[v6]:port" (the tls target);
 * port stays def_port when not given. 0 or -EINVAL. */
int probe_hostport_parse(const char *s, uint16_t def_port, struct probe_url *u);
/* Parse an absolute http:// or https:// URL. 0 or -EINVAL. */
int probe_url_parse(const char *s, struct probe_url *u);
/* Resolve a Location value against base into out (absolute, relative to
 * the path, scheme- or host-relative). 0 or -EINVAL. */
int probe_url_resolve(const struct probe_url *base, const char *loc, struct probe_url *out);
/* Write u back as text ("https://[2001:db8::1]:8443/x"). */
void probe_url_format(const struct probe_url *u, char *buf, size_t len);
/* Whether s is a numeric IPv4 or IPv6 address. */
bool probe_is_ip_literal(const char *s);

/* ---- probe_conn.c ---- */

/* What a connection reports to its owner. */
enum probe_conn_event {
	PROBE_CONN_OPEN,	/* connected (and the TLS handshake is done) */
	PROBE_CONN_READABLE,	/* probe_conn_read() has something (or EOF) */
	PROBE_CONN_WRITABLE,	/* a write that returned -EAGAIN may go on */
	PROBE_CONN_ERROR	/* failed: probe_conn_stage()/probe_conn_error() */
};

/* Where a connection is, or where it failed. */
enum probe_conn_stage {
	PROBE_STAGE_RESOLVE,
	PROBE_STAGE_CONNECT,
	PROBE_STAGE_HANDSHAKE,
	PROBE_STAGE_VERIFY,
	PROBE_STAGE_OPEN,
	PROBE_STAGE_TIMEOUT	/* only as a failure stage of the owner's */
};

/* Phase stamps in ms after probe_conn_start; -1 when not reached. */
struct probe_conn_times {
	double	resolved;	/* the name lookup answered */
	double	connected;	/* SYN..SYN-ACK..ACK done */
	double	handshaken;	/* TLS Finished; == connected without TLS */
};

struct probe_conn_opts {
	const char		*host;		/* name or numeric address */
	uint16_t		port;
	int			family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	const struct probe_path	*path;
	SSL_CTX			*tls;		/* NULL: plain TCP */
	/* SNI: NULL sends host unless it is an IP literal; "" sends none. */
	const char		*sni;
	/* Fail (stage VERIFY) on a bad chain or name instead of opening. */
	bool			verify;
};

struct probe_conn;
typedef void (*probe_conn_cb)(struct probe_conn *c, enum probe_conn_event ev, void *arg);

/* Start resolving, connecting (and handshaking) host:port on loop l; cb
 * runs from the loop only. opts strings are copied. 0 or -errno. */
int probe_conn_start(struct loop *l, struct resolver *r, const struct probe_conn_opts *opts,
    probe_conn_cb cb, void *arg, struct probe_conn **out);
/* Close and free; no callback runs afterwards. NULL-safe. */
void probe_conn_free(struct probe_conn *c);
/* Hand an open connection to another owner (a keep-alive client parks
 * it between requests): cb and arg from the next event on. */
void probe_conn_set_cb(struct probe_conn *c, probe_conn_cb cb, void *arg);
/* Send up to n bytes: the count, -EAGAIN (a WRITABLE event follows) or
 * -errno. */
ssize_t probe_conn_write(struct probe_conn *c, const void *buf, size_t n);
/* Receive up to n bytes: the count, 0 at the end of the stream, -EAGAIN
 * or -errno (the reason in probe_conn_error()). */
ssize_t probe_conn_read(struct probe_conn *c, void *buf, size_t n);
/* Milliseconds since probe_conn_start, on CLOCK_MONOTONIC. */
double probe_conn_elapsed(const struct probe_conn *c);
const struct probe_conn_times *probe_conn_times(const struct probe_conn *c);
enum probe_conn_stage probe_conn_stage(const struct probe_conn *c);
/* Why it failed, for a human ("connection refused"); "" before. */
const char *probe_conn_error(const struct probe_conn *c);
/* Numeric peer and local address, "" until known. */
const char *probe_conn_dst(const struct probe_conn *c);
const char *probe_conn_src(const struct probe_conn *c);
/* Whether TLS holds received data no read has taken yet (the socket
 * may not be readable for it any more). */
bool probe_conn_pending(const struct probe_conn *c);
/* The TLS session (also after a VERIFY failure), or NULL. */
SSL *probe_conn_ssl(const struct probe_conn *c);
/* The name of a stage, as in the JSON "state" field. */
const char *probe_conn_stage_name(enum probe_conn_stage s);

/* A client context for the probes: the chain against ca_file or the
 * system's store, TLS 1.2 and later verified after the handshake (so a
 * bad chain is still reported in full). NULL with *why set on failure. */
SSL_CTX *probe_tls_ctx_new(const char *ca_file, const char **why);

/* ---- probe_tlsinfo.c ---- */

/* What a finished handshake shows. */
struct probe_tls_info {
	char	protocol[16];		/* "TLSv1.3" */
	char	cipher[64];
	char	subject[256], issuer[256];	/* RFC 2253 */
	char	sans[512];		/* "DNS:a,DNS:b,IP:192.0.2.1" */
	char	not_after[32];		/* ISO 8601 UTC */
	int	days_left;		/* whole days to notAfter (negative: past) */
	bool	has_cert;
	long	verify_code;		/* X509_V_OK = 0 */
	char	verify[128];		/* X509_verify_cert_error_string */
};

/* Fill info from a session after its handshake. */
void probe_tls_info_get(SSL *ssl, struct probe_tls_info *info);
/* Write the "tls":{...} fields of info into an open object. */
void probe_tls_info_json(struct json *j, const struct probe_tls_info *info);

/* Milliseconds rounded to microseconds, as every web timing is written. */
static inline double probe_web_ms(double ms)
{
	return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

#endif
