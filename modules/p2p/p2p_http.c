/* p2p_http.c: a small HTTP/1.1 GET client on the loop for trackers,
 * .torrent URLs and web seeds, over probe_conn (connect + verified TLS)
 * and the bounded probe_http_parse. Trackers and .torrent downloads use
 * one connection per request; a web seed passes a p2p_http_conn, which
 * keeps the connection open between its requests. (owner: net) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "p2p_net.h"
#include "p2p_net_int.h"
#include "probe_http_parse.h"
#include "web.h"

#define HTTP_MAX_REDIRECTS	5
/* nginx closes idle connections after 75 s; ours go first */
#define HTTP_IDLE_MS		30000

/* No line: probe_conn keeps the pointer, and a kept connection outlives
 * its request. tos/ttl 0 would be set (TTL 0 fails). */
static const struct probe_path nopath = { .tos = -1, .ttl = -1 };

/* One idle connection parked between requests, and whom it is to. */
struct p2p_http_conn {
	struct loop		*loop;
	struct probe_conn	*conn;
	bool			tls;
	char			host[256];
	uint16_t		port;
	uint64_t		idle_timer;
};

struct p2p_http_req {
	struct loop		*loop;
	struct resolver		*res;
	SSL_CTX			*tls;
	struct probe_url	url;
	struct probe_conn	*conn;
	struct p2p_http_conn	*keep;	/* NULL: Connection: close */
	struct probe_http_parser parser;
	struct wire_buf		out, body;
	size_t			sent, max;
	unsigned		redirects;
	uint64_t		timer;
	bool			too_big;
	bool			reused;		/* conn came from keep */
	bool			got_bytes;	/* conn gave this request a byte */
	bool			retried;
	bool			reusable;	/* the response leaves conn usable */
	bool			extra;		/* bytes past the response's end */
	bool			has_range;
	uint64_t		range_lo, range_hi;	/* inclusive */
	/* inside probe_conn_start: a failure reported there is deferred */
	bool			starting;
	int			deferred_err;
	uint64_t		defer_timer;
	char			deferred_why[160];
	p2p_http_done		done;
	void			*arg;
	void			(*arg_free)(void *);	/* arg, when freed unanswered */
	/* p2p_http_get_start's caller */
	p2p_get_cb		get_cb;
	void			*get_arg;
};

static void finish(struct p2p_http_req *q, int err, const char *why);
static int open_conn(struct p2p_http_req *q, bool fresh);

static void keep_drop(struct p2p_http_conn *k)
{
	probe_conn_free(k->conn);
	k->conn = NULL;
	if (k->idle_timer)
		loop_timer_cancel(k->loop, k->idle_timer);
	k->idle_timer = 0;
}

static void on_idle_timeout(struct loop *l, void *arg)
{
	struct p2p_http_conn *k = arg;

	(void)l;
	k->idle_timer = 0;
	keep_drop(k);
}

/* A parked connection has nothing to say: EOF (the server closed it),
 * stray bytes or an error all end it. TLS may read a session ticket
 * and still have nothing for us. */
static void on_idle(struct probe_conn *c, enum probe_conn_event ev, void *arg)
{
	struct p2p_http_conn *k = arg;
	uint8_t b[256];

	if (ev == PROBE_CONN_WRITABLE || ev == PROBE_CONN_OPEN)
		return;
	if (ev == PROBE_CONN_READABLE && probe_conn_read(c, b, sizeof(b)) == -EAGAIN &&
	    !probe_conn_pending(c))
		return;
	keep_drop(k);
}

static void keep_park(struct p2p_http_conn *k, struct probe_conn *c, const struct probe_url *u)
{
	keep_drop(k);
	k->conn = c;
	k->tls = u->tls;
	snprintf(k->host, sizeof(k->host), "%s", u->host);
	k->port = u->port;
	probe_conn_set_cb(c, on_idle, k);
	k->idle_timer = loop_timer_add(k->loop, HTTP_IDLE_MS, on_idle_timeout, k);
}

/* The parked connection when it goes where u does; one to another
 * server is closed (one slot: a web seed talks to one server). */
static struct probe_conn *keep_take(struct p2p_http_conn *k, const struct probe_url *u)
{
	struct probe_conn *c = k->conn;

	if (!c)
		return NULL;
	if (k->tls != u->tls || k->port != u->port || strcasecmp(k->host, u->host)) {
		keep_drop(k);
		return NULL;
	}
	k->conn = NULL;
	keep_drop(k);	/* the timer */
	return c;
}

struct p2p_http_conn *p2p_http_conn_new(struct loop *l)
{
	struct p2p_http_conn *k = calloc(1, sizeof(*k));

	if (k)
		k->loop = l;
	return k;
}

void p2p_http_conn_free(struct p2p_http_conn *k)
{
	if (!k)
		return;
	keep_drop(k);
	free(k);
}

static void on_deferred(struct loop *l, void *arg)
{
	struct p2p_http_req *q = arg;

	(void)l;
	q->defer_timer = 0;
	finish(q, q->deferred_err, q->deferred_why);
}

static void finish(struct p2p_http_req *q, int err, const char *why)
{
	int code = err ? 0 : q->parser.status;
	int rc;

	if (q->starting) {
		/* the caller of probe_conn_start still holds q */
		if (!q->defer_timer) {
			q->deferred_err = err ? err : -EIO;
			snprintf(q->deferred_why, sizeof(q->deferred_why), "%s", why ? why : "");
			q->defer_timer = loop_timer_add(q->loop, 0, on_deferred, q);
		}
		return;
	}
	if (err && err != -ETIMEDOUT && q->reused && !q->got_bytes && !q->retried) {
		/* The server closed the kept connection as we reused it
		 * (its idle timeout raced ours): normal, not a failure of
		 * the request. Once more on a fresh connection. */
		q->retried = true;
		if (!(rc = open_conn(q, true)))
			return;
		err = rc;
		code = 0;
		why = "cannot reconnect";
	}
	if (!err && q->keep && q->conn && q->reusable) {
		/* parked before done: the next request done starts takes it */
		keep_park(q->keep, q->conn, &q->url);
		q->conn = NULL;
	}

	q->arg_free = NULL;	/* done takes arg back */
	q->done(err, code, q->body.data, q->body.len, why, q->arg);
	p2p_http_req_free(q);
}

static void on_body(void *arg, const uint8_t *p, size_t n)
{
	struct p2p_http_req *q = arg;

	if (q->parser.status < 200 || q->parser.status > 299)
		return;	/* an error page or a redirect: only its status counts */
	if (q->body.len + n > q->max) {
		q->too_big = true;
		return;
	}
	wire_put_bytes(&q->body, p, n);
}

static void on_conn(struct probe_conn *c, enum probe_conn_event ev, void *arg);

static void flush(struct p2p_http_req *q);

/* The request on a parked connection to the same server, else on a new
 * one (always when fresh), with a new parser and body: a retry starts
 * over. The request bytes are in q->out. */
static int open_conn(struct p2p_http_req *q, bool fresh)
{
	struct probe_conn_opts o = { .host = q->url.host, .port = q->url.port, .family = AF_UNSPEC,
	    .path = &nopath, .tls = q->url.tls ? q->tls : NULL, .verify = true };
	int rc;

	probe_conn_free(q->conn);
	q->conn = NULL;
	probe_http_parser_free(&q->parser);
	probe_http_parser_init(&q->parser);
	wire_buf_reset(&q->body);
	q->sent = 0;
	q->too_big = q->got_bytes = q->reusable = q->extra = false;
	if (!fresh && q->keep)
		q->conn = keep_take(q->keep, &q->url);
	q->reused = q->conn != NULL;
	q->starting = true;	/* a failure inside is reported from the loop */
	if (q->reused) {
		probe_conn_set_cb(q->conn, on_conn, q);
		flush(q);
		rc = 0;
	} else {
		rc = probe_conn_start(q->loop, q->res, &o, on_conn, q, &q->conn);
	}
	q->starting = false;
	return rc;
}

static int connect_url(struct p2p_http_req *q)
{
	char line[PROBE_URL_MAX + 512];

	if (q->url.tls && !q->tls)
		return -ENOTSUP;
	wire_buf_reset(&q->out);
	char range[64] = "";
	if (q->has_range)
		snprintf(range, sizeof(range), "Range: bytes=%llu-%llu\r\n",
		    (unsigned long long)q->range_lo, (unsigned long long)q->range_hi);
	int hn = snprintf(line, sizeof(line),
	    "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: outpost-p2p\r\n"
	    "Accept-Encoding: identity\r\n%s%s\r\n",
	    q->url.path, q->url.host_is_ip && strchr(q->url.host, ':') ? "[" : "", q->url.host,
	    q->url.host_is_ip && strchr(q->url.host, ':') ? "]" : "", q->url.port, range,
	    q->keep ? "" : "Connection: close\r\n");
	if (hn < 0 || (size_t)hn >= sizeof(line))
		return -E2BIG;
	wire_put_bytes(&q->out, line, (size_t)hn);
	if (wire_buf_error(&q->out))
		return -ENOMEM;
	return open_conn(q, false);
}

static void flush(struct p2p_http_req *q)
{
	while (q->sent < q->out.len) {
		ssize_t w = probe_conn_write(q->conn, q->out.data + q->sent, q->out.len - q->sent);
		if (w == -EAGAIN)
			return;
		if (w < 0) {
			finish(q, (int)w, "write failed");
			return;
		}
		q->sent += (size_t)w;
	}
}

/* More body than the caller takes. A 200 to a range request is the
 * whole file from a server that ignores Range: -ERANGE, for the caller
 * not to ask it again. */
static void too_big(struct p2p_http_req *q)
{
	q->extra = true;	/* the rest of the body is not read */
	if (q->has_range && q->parser.status == 200)
		finish(q, -ERANGE, "the server ignores Range (HTTP 200 with the whole file)");
	else
		finish(q, -EFBIG, "reply larger than the cap");
}

/* The response is complete: follow a redirect or report it. */
static void complete(struct p2p_http_req *q)
{
	int st = q->parser.status;

	q->reusable = q->keep && !q->extra && probe_http_reusable(&q->parser) &&
	    !probe_conn_pending(q->conn);
	if (q->too_big) {
		too_big(q);
		return;
	}
	if ((st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
	    q->parser.has_location) {
		struct probe_url next;
		int rc;
		if (++q->redirects > HTTP_MAX_REDIRECTS) {
			finish(q, -ELOOP, "too many redirects");
			return;
		}
		if (probe_url_resolve(&q->url, q->parser.location, &next)) {
			finish(q, -EINVAL, "bad redirect location");
			return;
		}
		if (q->reusable) {	/* the next hop may go to the same server */
			keep_park(q->keep, q->conn, &q->url);
			q->conn = NULL;
		}
		q->url = next;
		if ((rc = connect_url(q)))
			finish(q, rc, "cannot follow the redirect");
		return;
	}
	finish(q, 0, NULL);
}

static void on_readable(struct p2p_http_req *q)
{
	uint8_t buf[16384];

	for (;;) {
		ssize_t n = probe_conn_read(q->conn, buf, sizeof(buf));
		int rc;
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			finish(q, (int)n, probe_conn_error(q->conn));
			return;
		}
		if (n == 0) {
			q->extra = true;	/* nothing more comes on it */
			rc = probe_http_parse_eof(&q->parser);
			if (rc == 1)
				complete(q);
			else
				finish(q, -EBADMSG, q->parser.error ? q->parser.error : "truncated");
			return;
		}
		q->got_bytes = true;
		rc = probe_http_parse(&q->parser, buf, (size_t)n, on_body, q);
		if (rc < 0) {
			finish(q, rc, q->parser.error);
			return;
		}
		if (rc == 1) {
			/* bytes nobody asked for: the stream is out of step */
			q->extra = q->parser.used < (size_t)n;
			complete(q);
			return;
		}
		if (q->too_big) {
			/* not the rest of a body we would drop: a file, maybe */
			too_big(q);
			return;
		}
	}
}

static void on_conn(struct probe_conn *c, enum probe_conn_event ev, void *arg)
{
	struct p2p_http_req *q = arg;

	switch (ev) {
	case PROBE_CONN_OPEN:
	case PROBE_CONN_WRITABLE:
		flush(q);
		break;
	case PROBE_CONN_READABLE:
		on_readable(q);
		break;
	case PROBE_CONN_ERROR:
		finish(q, -ECONNABORTED, probe_conn_error(c));
		break;
	}
}

static void on_timeout(struct loop *l, void *arg)
{
	struct p2p_http_req *q = arg;

	(void)l;
	q->timer = 0;
	finish(q, -ETIMEDOUT, "timed out");
}

int p2p_http_start(struct loop *l, struct resolver *r, void *tls, const char *url, size_t max,
    unsigned timeout_ms, p2p_http_done done, void *arg, struct p2p_http_req **out)
{
	return p2p_http_start_range(l, r, tls, url, 0, 0, max, timeout_ms, NULL, done, arg, out);
}

int p2p_http_start_range(struct loop *l, struct resolver *r, void *tls, const char *url,
    uint64_t lo, uint64_t len, size_t max, unsigned timeout_ms, struct p2p_http_conn *keep,
    p2p_http_done done, void *arg, struct p2p_http_req **out)
{
	struct p2p_http_req *q;
	int rc;

	*out = NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->loop = l;
	q->res = r;
	q->tls = tls;
	q->max = max;
	q->keep = keep;
	q->done = done;
	q->arg = arg;
	if (len) {
		q->has_range = true;
		q->range_lo = lo;
		q->range_hi = lo + len - 1;
	}
	wire_buf_init(&q->out);
	wire_buf_init(&q->body);
	probe_http_parser_init(&q->parser);
	if (probe_url_parse(url, &q->url)) {
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = connect_url(q)))
		goto fail;
	q->timer = loop_timer_add(l, timeout_ms, on_timeout, q);
	*out = q;
	return 0;
fail:
	p2p_http_req_free(q);
	return rc;
}

void p2p_http_req_free(struct p2p_http_req *q)
{
	if (!q)
		return;
	if (q->arg_free)
		q->arg_free(q->arg);
	if (q->timer)
		loop_timer_cancel(q->loop, q->timer);
	if (q->defer_timer)
		loop_timer_cancel(q->loop, q->defer_timer);
	probe_conn_free(q->conn);
	probe_http_parser_free(&q->parser);
	wire_buf_free(&q->out);
	wire_buf_free(&q->body);
	free(q);
}

static void get_done(int err, int code, const uint8_t *body, size_t n, const char *why, void *arg)
{
	struct p2p_http_req *q = arg;
	char msg[64];

	if (!err && (code < 200 || code > 299)) {
		snprintf(msg, sizeof(msg), "HTTP status %d", code);
		q->get_cb(-EPROTO, NULL, 0, msg, q->get_arg);
		return;
	}
	q->get_cb(err, err ? NULL : body, err ? 0 : n, why, q->get_arg);
}

int p2p_http_get_start(struct loop *l, struct resolver *r, SSL_CTX *tls, const char *url,
    size_t max, p2p_get_cb cb, void *arg, struct p2p_http_req **out)
{
	int rc = p2p_http_start(l, r, tls, url, max, 30000, get_done, NULL, out);

	if (rc)
		return rc;
	(*out)->arg = *out;
	(*out)->get_cb = cb;
	(*out)->get_arg = arg;
	return 0;
}

SSL_CTX *p2p_tls_ctx_new(const char *ca_file, char *why, size_t whylen)
{
	const char *w = NULL;
	SSL_CTX *ctx = probe_tls_ctx_new(ca_file, &w);

	if (!ctx && why && whylen)
		snprintf(why, whylen, "%s", w ? w : "cannot make the TLS context");
	return ctx;
}

void p2p_http_own_arg(struct p2p_http_req *q, void (*arg_free)(void *))
{
	q->arg_free = arg_free;
}
