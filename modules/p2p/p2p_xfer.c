/* p2p_xfer.c: one transfer: its store and picker, the peers it knows and
 * has, the blocks of pieces in progress, verify-and-write, bans, and the
 * once-a-second work. (owner: engine) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p2p_int.h"

#define KNOWN_MAX	2000
#define SAVE_MS		5000
#define CHOKE_MS	10000
#define OPT_MS		30000

void p2p_xfer_event(struct p2p_xfer *x, enum p2p_event ev, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (!x->cb)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	x->cb(x, ev, text, x->arg);
}

static void set_state(struct p2p_xfer *x, enum p2p_state s)
{
	if (x->state == s)
		return;
	x->state = s;
	p2p_xfer_event(x, P2P_EV_STATE, "%s", p2p_state_name(s));
}

static void fail(struct p2p_xfer *x, const char *why)
{
	snprintf(x->error, sizeof(x->error), "%s", why);
	set_state(x, P2P_FAILED);
	for (struct p2p_peer *p = x->peers; p; p = p->next)
		p2p_peer_close(p, NULL);
	p2p_xfer_event(x, P2P_EV_FAILED, "%s", why);
}

bool p2p_xfer_complete(const struct p2p_xfer *x)
{
	return x->store && p2p_store_complete(x->store);
}

/* ---- peers we know ---- */

long p2p_xfer_known_add(struct p2p_xfer *x, const struct p2p_addr *a)
{
	for (size_t i = 0; i < x->nknown; i++)
		if (p2p_addr_eq(&x->known[i].addr, a))
			return (long)i;
	if (x->nknown >= KNOWN_MAX)
		return -1;
	if (x->nknown == x->known_cap) {
		size_t cap = x->known_cap ? 2 * x->known_cap : 16;
		struct p2p_known *n = reallocarray(x->known, cap, sizeof(*n));

		if (!n)
			return -1;
		x->known = n;
		x->known_cap = cap;
	}
	memset(&x->known[x->nknown], 0, sizeof(x->known[0]));
	x->known[x->nknown].addr = *a;
	return (long)x->nknown++;
}

bool p2p_xfer_is_banned(struct p2p_xfer *x, const struct p2p_addr *a)
{
	for (size_t i = 0; i < x->nknown; i++)
		if (x->known[i].banned && p2p_addr_eq(&x->known[i].addr, a))
			return true;
	return false;
}

static void try_connect(struct p2p_xfer *x, uint64_t now)
{
	unsigned started = 0;

	/* A seed dials too: peers that only listen (aria2, or a leech that
	 * heard of us by LSD or a tracker) are reached that way. */
	if (x->state != P2P_DOWNLOADING && x->state != P2P_SEEDING)
		return;
	for (size_t i = 0; i < x->nknown && started < 10; i++) {
		struct p2p_known *k = &x->known[i];

		if (x->npeers >= x->lim.max_peers || x->c->nconns >= x->c->max_conns)
			return;
		if (k->connected || k->banned || k->self || k->nodial || now < k->next_ms)
			continue;
		if (x->state == P2P_SEEDING && k->complete)
			continue;	/* a seed has nothing for a seed */
		if (p2p_peer_connect(x, &k->addr, (long)i) < 0) {
			k->tries++;
			k->next_ms = now + 30000;
			continue;
		}
		k->connected = true;
		started++;
	}
}

int p2p_xfer_add_peer(struct p2p_xfer *x, const struct p2p_addr *a)
{
	long k;

	if (!x || !a)
		return -EINVAL;
	/* an incoming peer already connected from this address counts */
	k = p2p_xfer_known_add(x, a);
	if (k < 0)
		return -ENOSPC;
	x->known[k].nodial = false;	/* someone says it listens there */
	try_connect(x, loop_now_ms());
	return 0;
}

struct p2p_xfer *p2p_xfer_by_hash(struct p2p_ctx *c, const uint8_t ih[20])
{
	for (struct p2p_xfer *x = c->xfers; x; x = x->next)
		if (p2p_meta_hash_is(x->m, ih))
			return x;
	return NULL;
}

static void ban(struct p2p_xfer *x, long k, const char *why)
{
	struct p2p_known *e;
	char name[64];

	if (k < 0 || (size_t)k >= x->nknown || x->known[k].banned)
		return;
	e = &x->known[k];
	e->banned = true;
	x->banned++;
	p2p_addr_format(&e->addr, name, sizeof(name));
	for (struct p2p_peer *p = x->peers; p; p = p->next)
		if (p->known == k)
			p2p_peer_close(p, "banned");
	p2p_xfer_event(x, P2P_EV_BANNED, "%s: %s", name, why);
}

/* ---- blocks of pieces in progress ---- */

static struct p2p_pbuf **pbuf_slot(struct p2p_xfer *x, uint32_t piece)
{
	struct p2p_pbuf **pp = &x->pbuf[piece % P2P_PBUF_HASH];

	while (*pp && (*pp)->piece != piece)
		pp = &(*pp)->next;
	return pp;
}

static void pbuf_drop(struct p2p_xfer *x, uint32_t piece)
{
	struct p2p_pbuf **pp = pbuf_slot(x, piece), *b = *pp;

	if (!b)
		return;
	*pp = b->next;
	x->buffered -= b->size;
	/* keep a few full-size buffers: a fresh one costs page faults */
	if (b->data && b->size == x->m->piece_len && x->nspare < P2P_SPARE)
		x->spare[x->nspare++] = b->data;
	else
		free(b->data);
	free(b);
}

bool p2p_xfer_can_buffer(struct p2p_xfer *x, uint32_t piece)
{
	struct p2p_pbuf **pp = pbuf_slot(x, piece), *b;
	uint32_t size = p2p_piece_size(x->m, piece);

	if (*pp)
		return true;
	if (x->buffered && x->buffered + size > x->lim.max_buffer)
		return false;
	b = calloc(1, sizeof(*b));
	if (!b)
		return false;
	/* every block is received before the piece is verified (pad bytes
	 * too, as zeros), so the buffer needs no clearing */
	if (size == x->m->piece_len && x->nspare)
		b->data = x->spare[--x->nspare];
	else
		b->data = malloc(size);
	if (!b->data) {
		free(b);
		return false;
	}
	b->piece = piece;
	b->size = size;
	*pp = b;
	x->buffered += size;
	return true;
}

/* ---- the whole checks, on a worker thread ---- */

static bool job_stop(void *w)
{
	return loop_work_cancelled(w);
}

static void job_fn(const struct loop_work *w, void *arg)
{
	struct p2p_xfer *x = arg;

	(void)p2p_store_job_run(x->job, job_stop, (void *)w);
}

/* The store is left alone meanwhile but for reads: blocks are dropped
 * outside DOWNLOADING, the resume waits, and p2p_xfer_free waits for the
 * job before the store goes. */
static int job_start(struct p2p_xfer *x, bool fin, loop_work_cb done)
{
	int err = p2p_store_job_new(x->store, fin, &x->job);

	if (err < 0)
		return err;
	x->work = loop_work_start(x->c->loop, job_fn, done, x);
	if (!x->work) {
		err = errno ? -errno : -ENOMEM;
		p2p_store_job_free(x->job);
		x->job = NULL;
		return err;
	}
	return 0;
}

static int job_end(struct p2p_xfer *x, char *why, size_t whylen)
{
	struct p2p_store_job *j = x->job;

	x->job = NULL;
	x->work = 0;
	return p2p_store_job_end(j, why, whylen);
}

static void finish_done(struct loop *l, bool cancelled, void *arg)
{
	struct p2p_xfer *x = arg;
	char why[256] = "";
	int err;

	(void)l;
	(void)cancelled;
	err = job_end(x, why, sizeof(why));
	if (err == -EILSEQ) {
		/* something changed on disk: fetch what no longer verifies */
		const uint8_t *have = p2p_store_have(x->store);

		for (uint32_t i = 0; i < x->m->npieces; i++)
			if (!p2p_bit(have, i))
				p2p_pick_failed(x->pick, i);
		x->have_bytes = 0;
		for (uint32_t i = 0; i < x->m->npieces; i++)
			if (p2p_bit(have, i))
				x->have_bytes += p2p_piece_size(x->m, i);
		p2p_xfer_event(x, P2P_EV_WARNING, "final check: %s", why);
		set_state(x, P2P_DOWNLOADING);
		/* interest was dropped while finishing */
		for (struct p2p_peer *p = x->peers; p; p = p->next) {
			if (p->st != PS_ACTIVE)
				continue;
			p2p_peer_update_interest(p);
			p2p_peer_fill(p);
		}
		return;
	}
	if (err < 0) {
		fail(x, why[0] ? why : strerror(-err));
		return;
	}
	x->have_bytes = x->m->size;
	set_state(x, P2P_SEEDING);
	p2p_xfer_event(x, P2P_EV_DONE, "%s complete", x->m->name);
	p2p_src_announce(x, P2P_ANN_COMPLETED);
	/* seeds have nothing for a seed: let them go */
	for (struct p2p_peer *p = x->peers; p; p = p->next) {
		if (p2p_peer_is_seed(p))
			p2p_peer_close(p, "both complete");
		else
			p2p_peer_update_interest(p);
	}
}

/* Every piece verified: the final check and fdatasync go to a worker;
 * the renames, quick, come back on the loop (finish_done). */
static void finish(struct p2p_xfer *x)
{
	int err;

	set_state(x, P2P_FINISHING);
	if (x->state != P2P_FINISHING)
		return;		/* the event's callback failed it */
	err = job_start(x, true, finish_done);
	if (err < 0)
		fail(x, strerror(-err));
}

int p2p_xfer_piece(struct p2p_xfer *x, uint32_t piece, const uint8_t *data, uint32_t size,
    const long *contrib, size_t ncontrib, const char *src)
{
	char why[256] = "";
	int err = p2p_store_write_piece(x->store, piece, data, size, why, sizeof(why));

	if (err == -EEXIST) {
		p2p_pick_done(x->pick, piece);
		return err;
	}
	if (err == -EILSEQ) {
		x->hash_fails++;
		x->wasted += size;
		p2p_pick_failed(x->pick, piece);
		p2p_xfer_event(x, P2P_EV_HASH_FAIL, "piece %u from %s does not verify", piece, src);
		for (size_t i = 0; i < ncontrib; i++) {
			struct p2p_known *k;

			if (contrib[i] < 0 || (size_t)contrib[i] >= x->nknown)
				continue;
			k = &x->known[contrib[i]];
			if (k->fails < 255)
				k->fails++;
			if (ncontrib == 1)
				ban(x, contrib[i], "sent a piece that does not verify");
			else if (k->fails >= 2)
				ban(x, contrib[i], "contributed to 2 pieces that do not verify");
		}
		return err;
	}
	if (err < 0) {
		fail(x, why[0] ? why : strerror(-err));
		return err;
	}
	p2p_pick_done(x->pick, piece);
	x->have_bytes += size;
	if (x->have_bytes > x->m->size)
		x->have_bytes = x->m->size;
	x->dirty = true;
	for (struct p2p_peer *p = x->peers; p; p = p->next) {
		if (p->st != PS_ACTIVE)
			continue;
		if (!p->have_all && !p2p_bit(p->bits, piece))
			p2p_peer_send_have(p, piece);
		/* the piece may have been the last one this peer had for us */
		if (p->am_interested && !p->nreqs && p2p_bit(p->bits, piece))
			p2p_peer_update_interest(p);
	}
	if (p2p_store_complete(x->store) && x->state == P2P_DOWNLOADING)
		finish(x);
	return 0;
}

void p2p_xfer_block(struct p2p_xfer *x, struct p2p_peer *p, uint32_t piece, uint32_t begin,
    const uint8_t *data, uint32_t len)
{
	struct p2p_pbuf *b;
	long contrib[P2P_CONTRIB_MAX];
	size_t n;
	int r;

	if (x->state != P2P_DOWNLOADING || !x->pick) {
		x->wasted += len;
		return;
	}
	/* endgame: the other copies asked for are not needed any more */
	if (p2p_pick_endgame(x->pick)) {
		for (struct p2p_peer *q = x->peers; q; q = q->next) {
			struct p2p_req cr = { piece, begin, len, 0 };

			if (q != p && q->st == PS_ACTIVE && p2p_peer_forget_req(q, piece, begin)) {
				p2p_pick_dropped(x->pick, piece, begin);
				p2p_peer_send_cancel(q, &cr);
			}
		}
	}
	b = *pbuf_slot(x, piece);
	if (!b || (uint64_t)begin + len > b->size) {
		x->wasted += len;
		return;
	}
	r = p2p_pick_received(x->pick, piece, begin, len);
	if (r < 0) {
		x->wasted += len;
		return;
	}
	memcpy(b->data + begin, data, len);
	if (p && p->known >= 0) {
		size_t i;

		for (i = 0; i < b->ncontrib && b->contrib[i] != p->known; i++)
			;
		if (i == b->ncontrib && b->ncontrib < P2P_CONTRIB_MAX)
			b->contrib[b->ncontrib++] = p->known;
	}
	if (r != 1)
		return;
	/* the buffer goes before the write, which may end the transfer */
	n = b->ncontrib;
	memcpy(contrib, b->contrib, n * sizeof(contrib[0]));
	{
		uint8_t *data_own = b->data;
		uint32_t size = b->size;

		b->data = NULL;
		pbuf_drop(x, piece);
		p2p_xfer_piece(x, piece, data_own, size, contrib, n,
		    n == 1 && p ? p->name : n ? "several peers" : "?");
		free(data_own);
	}
}

/* ---- the loop's work ---- */

/* The store is open and checked: pick, sources, and go. */
static void opened(struct p2p_xfer *x)
{
	uint64_t seed;
	int err;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = loop_now_ms();
	err = p2p_pick_new(x->m, p2p_store_have(x->store), seed, &x->pick);
	if (err < 0) {
		fail(x, strerror(-err));
		return;
	}
	x->have_bytes = p2p_store_found_bytes(x->store);
	if (x->have_bytes > x->m->size)
		x->have_bytes = x->m->size;
	x->start_ms = loop_now_ms();
	err = p2p_src_start(x);
	if (err < 0) {
		fail(x, strerror(-err));
		return;
	}
	if (p2p_store_complete(x->store)) {
		if (p2p_store_final(x->store)) {
			x->have_bytes = x->m->size;
			set_state(x, P2P_SEEDING);
			/* a second get of what is in place is done at once */
			p2p_xfer_event(x, P2P_EV_DONE, "%s complete", x->m->name);
		} else {
			set_state(x, P2P_DOWNLOADING);
			finish(x);
		}
	} else {
		set_state(x, P2P_DOWNLOADING);
	}
	if (x->c->lsd && !x->no_lsd && !x->m->private_)
		x->c->lsd_next_ms = 0;	/* announce on the next tick */
	p2p_src_tick(x, loop_now_ms());
	try_connect(x, loop_now_ms());
}

static void check_done(struct loop *l, bool cancelled, void *arg)
{
	struct p2p_xfer *x = arg;
	char why[256] = "";
	int err;

	(void)l;
	(void)cancelled;
	err = job_end(x, why, sizeof(why));
	if (err < 0) {
		p2p_store_close(x->store);	/* a check undone: resume untouched */
		x->store = NULL;
		fail(x, why[0] ? why : strerror(-err));
		return;
	}
	opened(x);
}

/* Open the store; a check of what is on disk runs on a worker, the
 * transfer CHECKING until it ends (check_done). */
static void on_open(struct loop *l, void *arg)
{
	struct p2p_xfer *x = arg;
	struct p2p_store_opts so = { .dir = x->dir, .seed_only = x->seed_only,
				     .defer_check = true };
	char why[256] = "";
	int err;

	(void)l;
	x->open_timer = 0;
	err = p2p_store_open(x->m, &so, &x->store, why, sizeof(why));
	if (err < 0) {
		fail(x, why[0] ? why : strerror(-err));
		return;
	}
	if (!p2p_store_need_check(x->store)) {
		opened(x);
		return;
	}
	err = job_start(x, false, check_done);
	if (err < 0) {
		p2p_store_close(x->store);
		x->store = NULL;
		fail(x, strerror(-err));
	}
}

void p2p_xfer_tick(struct p2p_xfer *x, uint64_t now)
{
	if (x->state == P2P_FAILED || x->state == P2P_CHECKING)
		return;
	for (struct p2p_peer *p = x->peers; p; p = p->next)
		p2p_peer_tick(p, now);
	if (now - x->last_choke_ms >= CHOKE_MS) {
		bool opt = now - x->last_opt_ms >= OPT_MS;

		p2p_choke_round(x, now, opt);
		x->last_choke_ms = now;
		if (opt)
			x->last_opt_ms = now;
	}
	if (x->dirty && x->state != P2P_FINISHING && now - x->last_save_ms >= SAVE_MS) {
		if (p2p_store_save(x->store) == 0)
			x->dirty = false;
		x->last_save_ms = now;
	}
	p2p_src_tick(x, now);
	if (x->state == P2P_SEEDING)
		for (struct p2p_peer *p = x->peers; p; p = p->next)
			if (p->st == PS_ACTIVE && p2p_peer_is_seed(p))
				p2p_peer_close(p, "both complete");
	try_connect(x, now);
}

/* One loop for both lists of peers, so the unlinking is written once. */
void p2p_peers_reap(struct p2p_peer **pp)
{
	while (*pp) {
		struct p2p_peer *p = *pp;

		if (p->st == PS_DEAD) {
			*pp = p->next;
			p2p_peer_free(p);
		} else {
			pp = &p->next;
		}
	}
}

void p2p_xfer_lsd_announce(struct p2p_ctx *c)
{
	uint8_t (*ih)[20] = NULL;
	size_t n = 0, cap = 0;

	for (struct p2p_xfer *x = c->xfers; x; x = x->next)
		cap++;
	if (!cap || !(ih = calloc(cap, sizeof(*ih))))
		return;
	for (struct p2p_xfer *x = c->xfers; x; x = x->next)
		if (!x->no_lsd && !x->m->private_)
			memcpy(ih[n++], p2p_meta_wire_hash(x->m), 20);
	if (n)
		p2p_lsd_announce(c->lsd, (const uint8_t (*)[20])ih, n);
	free(ih);
}

/* ---- the API ---- */

static void limits_apply(struct p2p_xfer *x, const struct p2p_limits *lim)
{
	x->lim = *lim;
	if (!x->lim.max_peers)
		x->lim.max_peers = 50;
	if (!x->lim.max_buffer)
		x->lim.max_buffer = 64u << 20;
	p2p_bucket_set(&x->up, x->lim.up_rate);
	p2p_bucket_set(&x->down, x->lim.down_rate);
}

/* A seed's content must be there before we say we started. */
static int seed_present(const struct p2p_meta *m, const char *dir, char *why, size_t whylen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		struct stat st;

		if (m->files[i].pad)
			continue;
		if (fstatat(dfd, m->files[i].path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || (uint64_t)st.st_size != m->files[i].length) {
			snprintf(why, whylen, "content missing for seed: %s/%s", dir,
			    m->files[i].path);
			close(dfd);
			return -ENOENT;
		}
	}
	close(dfd);
	return 0;
}

static void free_extra_trk(struct p2p_xfer *x)
{
	for (size_t i = 0; i < x->nextra_trk; i++)
		free(x->extra_trk[i]);
	free(x->extra_trk);
	x->extra_trk = NULL;
	x->nextra_trk = 0;
}

int p2p_xfer_start(struct p2p_ctx *c, const struct p2p_xfer_opts *o, struct p2p_xfer **out,
    char *why, size_t whylen)
{
	struct p2p_xfer *x;
	int err;

	if (!c || !o || !o->meta || !o->dir) {
		snprintf(why, whylen, "no torrent or folder");
		return -EINVAL;
	}
	if (p2p_xfer_by_hash(c, p2p_meta_wire_hash(o->meta))) {
		snprintf(why, whylen, "%s: already running", o->meta->name);
		return -EEXIST;
	}
	if (o->seed_only) {
		err = seed_present(o->meta, o->dir, why, whylen);
		if (err < 0)
			return err;
	}
	x = calloc(1, sizeof(*x));
	if (!x || !(x->dir = strdup(o->dir))) {
		free(x);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	x->c = c;
	x->m = o->meta;
	x->seed_only = o->seed_only;
	x->no_trackers = o->no_trackers;
	x->no_webseeds = o->no_webseeds;
	x->no_lsd = o->no_lsd;
	x->cb = o->cb;
	x->arg = o->arg;
	x->state = P2P_CHECKING;
	limits_apply(x, &o->limits);
	x->last_choke_ms = x->last_opt_ms = x->last_save_ms = x->start_ms = loop_now_ms();
	if (o->ntrackers && !(x->extra_trk = calloc(o->ntrackers, sizeof(*x->extra_trk))))
		goto oom;
	for (size_t i = 0; i < o->ntrackers; i++)
		if (!(x->extra_trk[x->nextra_trk++] = strdup(o->trackers[i])))
			goto oom;
	if (o->region && p2p_region_init(x, o->region) < 0) {
oom:
		free_extra_trk(x);
		free(x->dir);
		free(x);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < o->npeers; i++)
		p2p_xfer_known_add(x, &o->peers[i]);
	x->open_timer = loop_timer_add(c->loop, 0, on_open, x);
	if (!x->open_timer) {
		p2p_region_free(x);
		free_extra_trk(x);
		free(x->dir);
		free(x->known);
		free(x);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	x->next = c->xfers;
	c->xfers = x;
	*out = x;
	return 0;
}

void p2p_xfer_get_stats(const struct p2p_xfer *cx, struct p2p_stats *st)
{
	struct p2p_xfer *x = (struct p2p_xfer *)cx;	/* meters roll on read */
	uint64_t now = loop_now_ms();

	memset(st, 0, sizeof(*st));
	st->state = x->state;
	st->npieces = x->m->npieces;
	st->pieces = x->store ? p2p_store_count(x->store) : 0;
	st->size = x->m->size;
	st->have_bytes = x->have_bytes;
	st->found_bytes = x->store ? p2p_store_found_bytes(x->store) : 0;
	if (x->job && x->state == P2P_CHECKING) {	/* what verified so far */
		st->pieces = p2p_store_job_ok(x->job, &st->have_bytes);
		st->found_bytes = st->have_bytes;
	}
	st->from_peers = x->from_peers;
	st->from_webseeds = x->from_webseeds;
	st->uploaded = x->uploaded;
	st->wasted = x->wasted;
	st->down_rate = p2p_meter_rate(&x->mdown, now);
	st->up_rate = p2p_meter_rate(&x->mup, now);
	for (struct p2p_peer *p = x->peers; p; p = p->next) {
		if (p->st != PS_ACTIVE)
			continue;
		st->peers++;
		if (p2p_peer_is_seed(p))
			st->seeds++;
	}
	st->known = (unsigned)x->nknown;
	for (size_t i = 0; i < x->nws; i++)
		if (x->ws[i].piece >= 0)
			st->webseeds_active++;
	st->hash_fails = x->hash_fails;
	st->banned = x->banned;
	st->members = p2p_region_members(x);
	snprintf(st->error, sizeof(st->error), "%s", x->error);
}

void p2p_xfer_set_limits(struct p2p_xfer *x, const struct p2p_limits *lim)
{
	if (x && lim)
		limits_apply(x, lim);
}

void p2p_xfer_free(struct p2p_xfer *x)
{
	struct p2p_xfer **pp;

	if (!x)
		return;
	for (pp = &x->c->xfers; *pp && *pp != x; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = x->next;
	if (x->open_timer)
		loop_timer_cancel(x->c->loop, x->open_timer);
	/* A check running reads the store: it stops at its next piece. The
	 * resume file then stays as it was (an undone check) or says every
	 * piece is had (an undone final check, done again next time). */
	if (x->work)
		loop_work_wait(x->c->loop, x->work);
	x->work = 0;
	p2p_store_job_free(x->job);
	x->job = NULL;
	x->cb = NULL;	/* no events from the teardown */
	p2p_src_stop(x);
	for (struct p2p_peer *p = x->peers; p; p = p->next)
		p2p_peer_close(p, NULL);
	p2p_peers_reap(&x->peers);
	for (size_t i = 0; i < P2P_PBUF_HASH; i++) {
		while (x->pbuf[i]) {
			struct p2p_pbuf *b = x->pbuf[i];

			x->pbuf[i] = b->next;
			free(b->data);
			free(b);
		}
	}
	while (x->nspare)
		free(x->spare[--x->nspare]);
	p2p_pick_free(x->pick);
	p2p_store_close(x->store);
	p2p_region_free(x);
	free_extra_trk(x);
	free(x->known);
	free(x->dir);
	free(x);
}
