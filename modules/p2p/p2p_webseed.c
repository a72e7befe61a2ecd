/* p2p_webseed.c: BEP 19 web seeds: a piece is fetched as one Range
 * request per file segment it covers (pad ranges are zeros, never
 * asked for), all on one kept-alive connection. Network errors, 5xx,
 * 408 and 429 back off 1 s doubling to 60 s; any other 4xx means the
 * seed does not have the file, and it is not asked again. (owner: net) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p_net.h"
#include "p2p_net_int.h"

#define WS_TIMEOUT_MS		30000
#define WS_BACKOFF_FIRST_MS	1000
#define WS_BACKOFF_MAX_MS	60000

struct p2p_webseed {
	struct loop		*loop;
	struct resolver		*res;
	SSL_CTX			*tls;
	char			*url;
	const struct p2p_meta	*meta;
	unsigned		retries;
	p2p_webseed_cb		cb;
	void			*arg;
	struct p2p_http_req	*req;
	struct p2p_http_conn	*keep;	/* the connection between requests */
	bool			busy;
	bool			gone;	/* answered 404 and the like */
	uint32_t		piece;
	uint8_t			*data;
	uint32_t		len;	/* the piece's wire size */
	uint32_t		done;	/* bytes of it filled */
	unsigned		fails;
	uint64_t		backoff_ms, until_ms, timer;
	uint64_t		bytes;
};

int p2p_webseed_file_url(const char *base, const struct p2p_meta *m, size_t f, char *out,
    size_t n)
{
	size_t bl = strlen(base), o;
	const char *p;

	if (bl >= n)
		return -ENOSPC;
	memcpy(out, base, bl + 1);
	o = bl;
	if (!m->multi && (bl == 0 || base[bl - 1] != '/'))
		return 0;	/* a single-file URL is the file itself */
	if (bl == 0 || base[bl - 1] != '/') {
		if (o + 1 >= n)
			return -ENOSPC;
		out[o++] = '/';
		out[o] = '\0';
	}
	/* path is "name/dir/file" ("name" alone for a single file) */
	p = m->files[f].path;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t cl = e ? (size_t)(e - p) : strlen(p);
		int w = p2p_pct_encode((const uint8_t *)p, cl, out + o, n - o);
		if (w < 0)
			return -ENOSPC;
		o += (size_t)w;
		if (!e)
			break;
		if (o + 1 >= n)
			return -ENOSPC;
		out[o++] = '/';
		out[o] = '\0';
		p = e + 1;
	}
	return 0;
}

static void next_segment(struct p2p_webseed *w);

static void deliver(struct p2p_webseed *w, int status, const char *why)
{
	uint32_t piece = w->piece;

	w->busy = false;
	w->cb(w, piece, status, status ? NULL : w->data, status ? 0 : w->len, why, w->arg);
}

static void on_backoff(struct loop *l, void *arg)
{
	struct p2p_webseed *w = arg;

	(void)l;
	w->timer = 0;
	next_segment(w);
}

static void seg_failed(struct p2p_webseed *w, int err, const char *why)
{
	w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 : WS_BACKOFF_FIRST_MS;
	if (w->backoff_ms > WS_BACKOFF_MAX_MS)
		w->backoff_ms = WS_BACKOFF_MAX_MS;
	w->until_ms = loop_now_ms() + w->backoff_ms;
	if (++w->fails > w->retries) {
		deliver(w, err, why);
		return;
	}
	w->timer = loop_timer_add(w->loop, w->backoff_ms, on_backoff, w);
}

/* The file segment at piece offset w->done: file index, offset, length. */
static bool segment(const struct p2p_webseed *w, size_t *fi, uint64_t *off, uint32_t *len)
{
	const struct p2p_meta *m = w->meta;
	uint64_t at = (uint64_t)w->piece * m->piece_len + w->done;

	for (size_t f = 0; f < m->nfiles; f++) {
		const struct p2p_file *fl = &m->files[f];
		if (at >= fl->offset && at < fl->offset + fl->length) {
			uint64_t room = fl->offset + fl->length - at;
			*fi = f;
			*off = at - fl->offset;
			*len = room < (uint64_t)(w->len - w->done) ? (uint32_t)room : w->len - w->done;
			return true;
		}
	}
	return false;
}

static void seg_done(int err, int code, const uint8_t *body, size_t n, const char *why, void *arg)
{
	struct p2p_webseed *w = arg;
	size_t fi;
	uint64_t off;
	uint32_t len;
	char msg[1024];

	w->req = NULL;
	w->bytes += n;
	if (err == -ERANGE) {
		/* every piece would cost the whole file from the origin */
		snprintf(msg, sizeof(msg), "%.*s: %s: not asking this web seed again",
		    (int)(sizeof(msg) - 128), w->url, why);
		w->gone = true;
		deliver(w, -ENOENT, msg);
		return;
	}
	if (err) {
		seg_failed(w, err, why);
		return;
	}
	if (!segment(w, &fi, &off, &len)) {
		deliver(w, -EIO, "lost the segment");
		return;
	}
	bool whole = off == 0 && len == w->meta->files[fi].length;
	if (code >= 400 && code <= 499 && code != 408 && code != 429) {
		/* 404, 410, 403...: asking again will not make the file appear */
		char url[4096];

		if (p2p_webseed_file_url(w->url, w->meta, fi, url, sizeof(url)))
			snprintf(url, sizeof(url), "%s", w->url);
		snprintf(msg, sizeof(msg), "HTTP %d for %.*s: not asking this web seed again", code,
		    (int)(sizeof(msg) - 64), url);
		w->gone = true;
		deliver(w, -ENOENT, msg);
		return;
	}
	if (!(code == 206 || (code == 200 && whole))) {
		/* 5xx, 408 Request Timeout, 429 Too Many Requests: later */
		snprintf(msg, sizeof(msg), "web seed answered HTTP %d to a range request", code);
		seg_failed(w, code >= 500 || code == 408 || code == 429 ? -EAGAIN : -EPROTO, msg);
		return;
	}
	if (n != len) {
		seg_failed(w, -EBADMSG, "short body");
		return;
	}
	memcpy(w->data + w->done, body, n);
	w->done += len;
	w->fails = 0;
	w->backoff_ms = 0;
	next_segment(w);
}

static void next_segment(struct p2p_webseed *w)
{
	char url[4096];
	size_t fi;
	uint64_t off;
	uint32_t len;
	int rc;

	while (w->done < w->len) {
		if (!segment(w, &fi, &off, &len)) {
			deliver(w, -EIO, "piece outside the files");
			return;
		}
		if (!w->meta->files[fi].pad)
			break;
		memset(w->data + w->done, 0, len);	/* pad bytes are zeros, never fetched */
		w->done += len;
	}
	if (w->done >= w->len) {
		deliver(w, 0, NULL);
		return;
	}
	if ((rc = p2p_webseed_file_url(w->url, w->meta, fi, url, sizeof(url)))) {
		deliver(w, rc, "URL too long");
		return;
	}
	rc = p2p_http_start_range(w->loop, w->res, w->tls, url, off, len, len, WS_TIMEOUT_MS,
	    w->keep, seg_done, w, &w->req);
	if (rc)
		seg_failed(w, rc, "cannot start the request");
}

int p2p_webseed_new(struct loop *l, struct resolver *r, const struct p2p_webseed_opts *o,
    p2p_webseed_cb cb, void *arg, struct p2p_webseed **out)
{
	struct p2p_webseed *w;

	*out = NULL;
	if (!o->url || !o->meta || o->meta->piece_len == 0)
		return -EINVAL;
	if (!(w = calloc(1, sizeof(*w))) || !(w->url = strdup(o->url)) ||
	    !(w->data = malloc(o->meta->piece_len)) || !(w->keep = p2p_http_conn_new(l))) {
		p2p_webseed_free(w);
		return -ENOMEM;
	}
	w->loop = l;
	w->res = r;
	w->tls = o->tls;
	w->meta = o->meta;
	w->retries = o->retries ? o->retries : 5;
	w->cb = cb;
	w->arg = arg;
	*out = w;
	return 0;
}

int p2p_webseed_fetch(struct p2p_webseed *w, uint32_t piece)
{
	if (w->busy)
		return -EBUSY;
	if (w->gone)
		return -ENOENT;
	if (piece >= w->meta->npieces)
		return -ERANGE;
	w->busy = true;
	w->piece = piece;
	w->len = p2p_piece_size(w->meta, piece);
	w->done = 0;
	w->fails = 0;
	if (w->timer)
		return 0;	/* backing off: the timer starts it */
	next_segment(w);
	return 0;
}

bool p2p_webseed_busy(const struct p2p_webseed *w)
{
	return w->busy;
}

bool p2p_webseed_backoff(const struct p2p_webseed *w, uint64_t *until_ms)
{
	if (until_ms)
		*until_ms = w->until_ms;
	return w->until_ms > loop_now_ms();
}

bool p2p_webseed_gone(const struct p2p_webseed *w)
{
	return w->gone;
}

uint64_t p2p_webseed_bytes(const struct p2p_webseed *w)
{
	return w->bytes;
}

const char *p2p_webseed_url(const struct p2p_webseed *w)
{
	return w->url;
}

void p2p_webseed_free(struct p2p_webseed *w)
{
	if (!w)
		return;
	p2p_http_req_free(w->req);
	p2p_http_conn_free(w->keep);
	if (w->timer)
		loop_timer_cancel(w->loop, w->timer);
	free(w->url);
	free(w->data);
	free(w);
}
