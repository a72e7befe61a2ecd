/* p2p_source.c: where a transfer finds peers and data besides the
 * swarm: HTTP trackers (started, every interval, completed, stopped) and
 * web seeds (whole pieces from the origin when peers cannot fill the
 * download). (owner: engine) */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p_int.h"

#define TRK_DEFAULT_S	1800
#define TRK_MIN_S	60
#define TRK_RETRY_MS	(5 * 60 * 1000)
#define WS_IDLE_MS	5000		/* peers get this long before the origin helps */
#define WS_SLOW_RATE	(256 * 1024)	/* bytes/s from peers we call too slow */
#define WS_BACKOFF_MS	30000

static void announce_fill(struct p2p_xfer *x, struct p2p_tracker *t, enum p2p_announce_event ev,
    struct p2p_announce *a)
{
	memset(a, 0, sizeof(*a));
	a->url = t->url;
	memcpy(a->info_hash, p2p_meta_wire_hash(x->m), 20);
	memcpy(a->peer_id, x->c->peer_id, 20);
	a->port = x->c->port;
	a->uploaded = x->uploaded;
	a->downloaded = x->from_peers + x->from_webseeds;
	a->left = x->m->size > x->have_bytes ? x->m->size - x->have_bytes : 0;
	a->event = ev;
	a->numwant = 50;
	a->key = (uint32_t)x->c->peer_id[8] << 24 | (uint32_t)x->c->peer_id[9] << 16 |
	    (uint32_t)x->c->peer_id[10] << 8 | x->c->peer_id[11];
}

static void on_announce(int status, const struct p2p_tracker_reply *r, const char *why, void *arg)
{
	struct p2p_tracker *t = arg;
	struct p2p_xfer *x = t->x;
	uint64_t now = loop_now_ms();

	t->q = NULL;	/* answered: the request is net's to free */
	if (status < 0 || r->failure[0]) {
		p2p_xfer_event(x, P2P_EV_WARNING, "tracker %s: %s", t->url,
		    status < 0 ? (why ? why : strerror(-status)) : r->failure);
		t->next_ms = now + TRK_RETRY_MS;
		return;
	}
	if (r->warning[0])
		p2p_xfer_event(x, P2P_EV_WARNING, "tracker %s: %s", t->url, r->warning);
	t->started = true;
	if (t->pending_ev == P2P_ANN_STARTED)
		t->pending_ev = P2P_ANN_NONE;
	t->next_ms = now + 1000ull * (r->interval >= TRK_MIN_S ? r->interval :
	    r->interval ? TRK_MIN_S : TRK_DEFAULT_S);
	for (size_t i = 0; i < r->npeers; i++)
		p2p_xfer_add_peer(x, &r->peers[i]);
}

static void tracker_go(struct p2p_xfer *x, struct p2p_tracker *t, enum p2p_announce_event ev)
{
	struct p2p_announce a;
	int err;

	if (t->q)
		return;
	announce_fill(x, t, ev, &a);
	err = p2p_announce_start(x->c->loop, x->c->res, x->c->tls, &a, on_announce, t, &t->q);
	if (err < 0) {
		t->q = NULL;
		t->next_ms = loop_now_ms() + TRK_RETRY_MS;
		p2p_xfer_event(x, P2P_EV_WARNING, "tracker %s: %s", t->url, strerror(-err));
	}
}

void p2p_src_announce(struct p2p_xfer *x, enum p2p_announce_event ev)
{
	for (size_t i = 0; i < x->ntrk; i++) {
		struct p2p_tracker *t = &x->trk[i];

		if (ev == P2P_ANN_COMPLETED && !t->started)
			continue;
		if (t->q) {	/* a regular one in flight: the event goes instead */
			p2p_http_req_free(t->q);
			t->q = NULL;
		}
		tracker_go(x, t, ev);
	}
}

static void on_ws(struct p2p_webseed *w, uint32_t piece, int status, const uint8_t *data,
    size_t len, const char *why, void *arg)
{
	struct p2p_ws *s = arg;
	struct p2p_xfer *x = s->x;
	int err;

	(void)w;
	s->piece = -1;
	if (status < 0) {
		if (x->pick)
			p2p_pick_whole_dropped(x->pick, piece);
		if (status != -ECANCELED) {
			s->fails++;
			s->until_ms = loop_now_ms() + WS_BACKOFF_MS;
			p2p_region_origin(x, false);
			p2p_xfer_event(x, P2P_EV_WARNING, "web seed %s: piece %u: %s",
			    p2p_webseed_url(s->w), piece, why ? why : strerror(-status));
		}
		return;
	}
	x->from_webseeds += len;
	p2p_meter_add(&x->mdown, len, loop_now_ms());
	if (len != p2p_piece_size(x->m, piece)) {
		p2p_pick_failed(x->pick, piece);
		x->wasted += len;
		return;
	}
	err = p2p_xfer_piece(x, piece, data, (uint32_t)len, NULL, 0, p2p_webseed_url(s->w));
	if (err == -EILSEQ) {
		/* bad data from the origin: not banned, but left alone a while */
		s->fails++;
		s->until_ms = loop_now_ms() + WS_BACKOFF_MS * (s->fails < 8 ? s->fails : 8);
		p2p_xfer_event(x, P2P_EV_WARNING, "web seed %s: piece %u does not verify",
		    p2p_webseed_url(s->w), piece);
	} else if (err == 0) {
		s->fails = 0;
		p2p_region_origin(x, true);
	}
	if (x->state == P2P_DOWNLOADING)
		p2p_src_tick(x, loop_now_ms());
}

int p2p_src_start(struct p2p_xfer *x)
{
	const struct p2p_meta *m = x->m;

	if (!x->c->res) {	/* no resolver: peers only */
		if ((!x->no_trackers && m->ntrackers) || (!x->no_webseeds && m->nwebseeds))
			p2p_xfer_event(x, P2P_EV_WARNING, "no resolver: trackers and web seeds unused");
		return 0;
	}

	if (!x->no_trackers && (m->ntrackers || x->nextra_trk)) {
		x->trk = calloc(m->ntrackers + x->nextra_trk, sizeof(*x->trk));
		if (!x->trk)
			return -ENOMEM;
		for (size_t i = 0; i < m->ntrackers + x->nextra_trk; i++) {
			const char *url = i < m->ntrackers ? m->trackers[i] :
			    x->extra_trk[i - m->ntrackers];
			struct p2p_tracker *t = &x->trk[x->ntrk];
			bool dup = false;

			for (size_t j = 0; j < x->ntrk; j++)
				dup |= !strcmp(x->trk[j].url, url);
			if (dup)
				continue;	/* a region tracker the .torrent names too */
			t->x = x;
			t->url = strdup(url);
			if (!t->url)
				return -ENOMEM;
			t->pending_ev = P2P_ANN_STARTED;
			x->ntrk++;
		}
	}
	if (!x->no_webseeds && m->nwebseeds) {
		/* In a region each member fetches at a share of the line: two
		 * fetches in flight per web seed keep its share busy between
		 * pieces (the bucket still holds the rate). */
		size_t per = x->rg ? 2 : 1;

		x->ws = calloc(m->nwebseeds * per, sizeof(*x->ws));
		if (!x->ws)
			return -ENOMEM;
		for (size_t i = 0; i < m->nwebseeds * per; i++) {
			struct p2p_ws *s = &x->ws[x->nws];
			struct p2p_webseed_opts o = {
				.url = m->webseeds[i / per], .meta = m, .tls = x->c->tls,
			};

			s->x = x;
			s->piece = -1;
			if (p2p_webseed_new(x->c->loop, x->c->res, &o, on_ws, s, &s->w) < 0) {
				p2p_xfer_event(x, P2P_EV_WARNING, "web seed %s: not usable",
				    m->webseeds[i / per]);
				continue;
			}
			x->nws++;
		}
	}
	return 0;
}

/* Whether the swarm leaves the download short enough that the origin
 * should help. */
static bool peers_short(struct p2p_xfer *x, uint64_t now)
{
	double rate = p2p_meter_rate(&x->mdown, now);
	bool feeding = false;

	for (struct p2p_peer *p = x->peers; p; p = p->next)
		if (p->st == PS_ACTIVE && !p->peer_choking && p->am_interested)
			feeding = true;
	if (!feeding)
		return true;
	if (now - x->start_ms < WS_IDLE_MS)
		return false;
	if (x->lim.down_rate)
		return rate < 0.8 * (double)x->lim.down_rate;
	return rate < WS_SLOW_RATE;
}

void p2p_src_tick(struct p2p_xfer *x, uint64_t now)
{
	for (size_t i = 0; i < x->ntrk; i++) {
		struct p2p_tracker *t = &x->trk[i];

		if (!t->q && now >= t->next_ms)
			tracker_go(x, t, t->started ? P2P_ANN_NONE : P2P_ANN_STARTED);
	}
	/* In a region the origin is no fallback: each member fetches its
	 * own pieces from the start, at its share of the region's rate. */
	if (x->state != P2P_DOWNLOADING || !x->pick || !x->nws ||
	    (!x->rg && !peers_short(x, now)))
		return;
	for (size_t i = 0; i < x->nws; i++) {
		struct p2p_ws *s = &x->ws[i];
		int64_t piece;

		if (s->piece >= 0 || p2p_webseed_busy(s->w) || p2p_webseed_gone(s->w) ||
		    now < s->until_ms || p2p_webseed_backoff(s->w, NULL))
			continue;
		piece = x->rg ? p2p_region_pick(x, now) : p2p_pick_whole(x->pick, NULL);
		if (piece < 0)
			return;
		if (p2p_webseed_fetch(s->w, (uint32_t)piece) < 0) {
			p2p_pick_whole_dropped(x->pick, (uint32_t)piece);
			continue;
		}
		p2p_region_spent(x, p2p_piece_size(x->m, (uint32_t)piece));
		s->piece = piece;
	}
}

static void on_stopped(int status, const struct p2p_tracker_reply *r, const char *why, void *arg)
{
	struct p2p_stop *s = arg;

	(void)status;
	(void)r;
	(void)why;
	s->done = true;
}

void p2p_src_stop(struct p2p_xfer *x)
{
	for (size_t i = 0; i < x->ntrk; i++) {
		struct p2p_tracker *t = &x->trk[i];
		struct p2p_announce a;
		struct p2p_stop *s;

		p2p_http_req_free(t->q);
		t->q = NULL;
		if (t->started && (s = calloc(1, sizeof(*s)))) {
			announce_fill(x, t, P2P_ANN_STOPPED, &a);
			if (p2p_announce_start(x->c->loop, x->c->res, x->c->tls, &a, on_stopped, s,
			    &s->q) < 0)
				s->done = true;
			p2p_ctx_keep_stop(x->c, s);
		}
		free(t->url);
	}
	free(x->trk);
	x->trk = NULL;
	x->ntrk = 0;
	for (size_t i = 0; i < x->nws; i++)
		p2p_webseed_free(x->ws[i].w);
	free(x->ws);
	x->ws = NULL;
	x->nws = 0;
}
