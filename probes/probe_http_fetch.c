/* probe_http_fetch.c: one HTTP/1.1 GET, timed like curl -w, with its
 * redirects.
 *
 * Each hop is a fresh connection (Connection: close), so the phases of
 * the final request are the same ones curl reports for it; the earlier
 * hops add up in redirect_ms. The body is hashed as it streams and never
 * kept. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "probe_http.h"

struct probe_http_fetch {
	struct loop			*loop;
	struct resolver			*res;
	struct probe_http_fetch_opts	o;
	struct probe_url		first, cur;
	probe_http_fetch_cb		cb;
	void				*arg;
	struct probe_conn		*conn;
	struct probe_http_parser	parser;
	struct wire_buf			req;
	size_t				req_sent;
	EVP_MD_CTX			*md;
	bool				got_byte, over;
	struct probe_http_outcome	out;
};

struct probe_http_outcome *probe_http_fetch_outcome(struct probe_http_fetch *f)
{
	return &f->out;
}

static void finish(struct probe_http_fetch *f)
{
	f->over = true;
	probe_conn_free(f->conn);
	f->conn = NULL;
	f->cb(f, f->arg);
}

static void failed(struct probe_http_fetch *f, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void failed(struct probe_http_fetch *f, const char *state, const char *fmt, ...)
{
	va_list ap;

	snprintf(f->out.state, sizeof(f->out.state), "%s", state);
	va_start(ap, fmt);
	vsnprintf(f->out.error, sizeof(f->out.error), fmt, ap);
	va_end(ap);
	finish(f);
}

static void take_conn(struct probe_http_fetch *f)
{
	const struct probe_conn_times *t = probe_conn_times(f->conn);

	snprintf(f->out.dst, sizeof(f->out.dst), "%s", probe_conn_dst(f->conn));
	snprintf(f->out.src, sizeof(f->out.src), "%s", probe_conn_src(f->conn));
	f->out.namelookup = t->resolved;
	f->out.connect = t->connected;
	f->out.tls = f->cur.tls ? t->handshaken : -1;
}

static void build_request(struct probe_http_fetch *f)
{
	const struct probe_url *u = &f->cur;
	bool v6 = strchr(u->host, ':') != NULL;
	bool def = u->port == (u->tls ? 443 : 80);
	char head[PROBE_URL_MAX + 512], port[8] = "";
	int n;

	/* The port is in Host only when it is not the scheme's own. */
	if (!def)
		snprintf(port, sizeof(port), ":%u", u->port);
	n = snprintf(head, sizeof(head),
	    "GET %s HTTP/1.1\r\n"
	    "Host: %s%s%s%s\r\n"
	    "User-Agent: outpost-probe/%s\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n\r\n",
	    u->path, v6 ? "[" : "", u->host, v6 ? "]" : "", port, PACKAGE_VERSION);
	wire_buf_reset(&f->req);
	wire_put_bytes(&f->req, head, n > 0 && (size_t)n < sizeof(head) ? (size_t)n : 0);
	f->req_sent = 0;
}

static void send_more(struct probe_http_fetch *f)
{
	while (f->req_sent < f->req.len) {
		ssize_t w = probe_conn_write(f->conn, f->req.data + f->req_sent,
		    f->req.len - f->req_sent);

		if (w == -EAGAIN)
			return;
		if (w < 0) {
			failed(f, "request", "%s", probe_conn_error(f->conn));
			return;
		}
		f->req_sent += (size_t)w;
	}
}

static void on_body(void *arg, const uint8_t *p, size_t n)
{
	struct probe_http_fetch *f = arg;

	EVP_DigestUpdate(f->md, p, n);
}

static int hop_start(struct probe_http_fetch *f);

/* The final response of this hop is in: follow it, or report it. */
static void response_done(struct probe_http_fetch *f)
{
	struct probe_http_parser *p = &f->parser;
	const struct probe_spec *sp = f->o.spec;
	bool redirect = p->status == 301 || p->status == 302 || p->status == 303 ||
	    p->status == 307 || p->status == 308;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct probe_url next;
	int rc;

	f->out.total = probe_conn_elapsed(f->conn);
	f->out.status = p->status;
	f->out.version_minor = p->version_minor;
	snprintf(f->out.reason, sizeof(f->out.reason), "%s", p->reason);
	f->out.framing = p->framing;
	f->out.size = p->body_bytes;
	f->out.has_length = p->has_length;
	f->out.content_length = p->content_length;
	f->out.chunks = p->chunks;
	f->out.trailers = p->trailers;
	f->out.head_bytes = p->head_bytes;
	f->out.location[0] = '\0';
	if (p->has_location)
		snprintf(f->out.location, sizeof(f->out.location), "%s", p->location);
	if (EVP_DigestFinal_ex(f->md, md, &mdlen) == 1)
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(f->out.sha256 + 2 * i, 3, "%02x", md[i]);
	if (redirect && sp->max_redirects > 0) {
		if (p->location_too_long) {
			failed(f, "redirect", "Location longer than %d bytes", PROBE_HTTP_LOCATION_MAX);
			return;
		}
		if (!p->has_location) {
			failed(f, "redirect", "%d without a Location", p->status);
			return;
		}
		if (f->out.redirects >= sp->max_redirects) {
			failed(f, "redirect", "more than %u redirects", sp->max_redirects);
			return;
		}
		if (probe_url_resolve(&f->cur, p->location, &next) < 0) {
			failed(f, "redirect", "cannot follow Location '%.200s'", p->location);
			return;
		}
		f->out.redirects++;
		f->out.redirect_ms += f->out.total;
		f->cur = next;
		probe_conn_free(f->conn);
		f->conn = NULL;
		if ((rc = hop_start(f)) < 0)
			failed(f, "redirect", "%s", strerror(-rc));
		return;
	}
	f->out.complete = true;
	snprintf(f->out.state, sizeof(f->out.state), "done");
	f->out.total += f->out.redirect_ms;
	finish(f);
}

static void readable(struct probe_http_fetch *f)
{
	uint8_t buf[16384];

	/* At most 256 KiB per wakeup: a fast server's big body must not
	 * keep the loop from every other target. The loop is level-
	 * triggered, and TLS data OpenSSL already holds is read on. */
	for (unsigned n = 0;; n++) {
		ssize_t r;
		int rc;

		if (n >= 16 && !probe_conn_pending(f->conn))
			return;
		r = probe_conn_read(f->conn, buf, sizeof(buf));
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			failed(f, "response", "%s", probe_conn_error(f->conn));
			return;
		}
		if (r > 0 && !f->got_byte) {
			f->got_byte = true;
			f->out.ttfb = probe_conn_elapsed(f->conn);
		}
		rc = r == 0 ? probe_http_parse_eof(&f->parser) :
		    probe_http_parse(&f->parser, buf, (size_t)r, on_body, f);
		if (rc < 0) {
			f->out.status = f->parser.status;
			f->out.size = f->parser.body_bytes;
			if (rc == -EBADMSG && f->parser.framing == PROBE_HTTP_LENGTH &&
			    probe_http_head_done(&f->parser))
				failed(f, "response", "body truncated: %llu of %llu bytes",
				    (unsigned long long)f->parser.body_bytes,
				    (unsigned long long)f->parser.content_length);
			else
				failed(f, "response", "%s", f->parser.error);
			return;
		}
		if (rc == 1) {
			response_done(f);
			return;
		}
	}
}

static void on_conn(struct probe_conn *c, enum probe_conn_event ev, void *arg)
{
	struct probe_http_fetch *f = arg;
	static const char *const states[] = {
		[PROBE_STAGE_RESOLVE] = "resolve", [PROBE_STAGE_CONNECT] = "connect",
		[PROBE_STAGE_HANDSHAKE] = "handshake", [PROBE_STAGE_VERIFY] = "verify",
		[PROBE_STAGE_OPEN] = "response", [PROBE_STAGE_TIMEOUT] = "timeout",
	};

	switch (ev) {
	case PROBE_CONN_OPEN:
		take_conn(f);
		if (f->cur.tls) {
			f->out.has_tls = true;
			probe_tls_info_get(probe_conn_ssl(c), &f->out.tls_info);
		}
		build_request(f);
		send_more(f);
		return;
	case PROBE_CONN_WRITABLE:
		send_more(f);
		return;
	case PROBE_CONN_READABLE:
		readable(f);
		return;
	case PROBE_CONN_ERROR:
		take_conn(f);
		if (probe_conn_stage(c) == PROBE_STAGE_VERIFY) {
			f->out.has_tls = true;
			probe_tls_info_get(probe_conn_ssl(c), &f->out.tls_info);
		}
		f->out.unresolved = probe_conn_stage(c) == PROBE_STAGE_RESOLVE && f->out.redirects == 0;
		failed(f, states[probe_conn_stage(c)], "%s", probe_conn_error(c));
		return;
	}
}

static int hop_start(struct probe_http_fetch *f)
{
	const struct probe_spec *sp = f->o.spec;
	struct probe_conn_opts co = {
		.host = f->cur.host, .port = f->cur.port, .family = sp->family,
		.path = &sp->path, .tls = f->cur.tls ? f->o.tls : NULL,
		/* --sni names the first host; a redirect elsewhere gets its own. */
		.sni = strcmp(f->cur.host, f->first.host) ? NULL : sp->sni,
		.verify = !sp->no_verify,
	};

	probe_http_parser_free(&f->parser);
	probe_http_parser_init(&f->parser);
	f->got_byte = false;
	f->out.namelookup = f->out.connect = f->out.tls = f->out.ttfb = f->out.total = -1;
	f->out.has_tls = false;
	f->out.dst[0] = f->out.src[0] = f->out.sha256[0] = '\0';
	probe_url_format(&f->cur, f->out.url, sizeof(f->out.url));
	if (EVP_DigestInit_ex(f->md, EVP_sha256(), NULL) != 1)
		return -ENOMEM;
	return probe_conn_start(f->loop, f->res, &co, on_conn, f, &f->conn);
}

int probe_http_fetch_start(struct loop *l, struct resolver *r,
    const struct probe_http_fetch_opts *o, probe_http_fetch_cb cb, void *arg,
    struct probe_http_fetch **out)
{
	struct probe_http_fetch *f;
	int rc;

	*out = NULL;
	if (!(f = calloc(1, sizeof(*f))))
		return -ENOMEM;
	f->loop = l;
	f->res = r;
	f->o = *o;
	f->first = f->cur = *o->url;
	f->cb = cb;
	f->arg = arg;
	wire_buf_init(&f->req);
	probe_http_parser_init(&f->parser);
	f->out.status = -1;
	snprintf(f->out.state, sizeof(f->out.state), "resolve");
	rc = (f->md = EVP_MD_CTX_new()) ? hop_start(f) : -ENOMEM;
	if (rc < 0) {
		probe_http_fetch_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

bool probe_http_fetch_resolving(const struct probe_http_fetch *f)
{
	return f->conn && !f->out.redirects && probe_conn_stage(f->conn) == PROBE_STAGE_RESOLVE;
}

void probe_http_fetch_abort(struct probe_http_fetch *f, const char *why)
{
	if (f->over)
		return;
	if (f->conn) {
		take_conn(f);
		snprintf(f->out.error, sizeof(f->out.error), "%s (during %s)", why,
		    f->got_byte ? "the response" :
		    probe_conn_stage(f->conn) == PROBE_STAGE_OPEN ? "the wait for the response" :
		    probe_conn_stage_name(probe_conn_stage(f->conn)));
	} else {
		snprintf(f->out.error, sizeof(f->out.error), "%s", why);
	}
	snprintf(f->out.state, sizeof(f->out.state), "timeout");
	f->over = true;
	probe_conn_free(f->conn);
	f->conn = NULL;
}

void probe_http_fetch_free(struct probe_http_fetch *f)
{
	if (!f)
		return;
	probe_conn_free(f->conn);
	probe_http_parser_free(&f->parser);
	wire_buf_free(&f->req);
	EVP_MD_CTX_free(f->md);
	free(f);
}
