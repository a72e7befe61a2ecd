/* test-p2p-engine: engines against each other on one loop over
 * 127.0.0.1 / ::1 only: a seeder and leechers for v1, v2 and hybrid
 * torrents (single and multi-file, made by p2p_create and parsed by the
 * real meta), a three-engine swarm, a peer sending bad blocks that must be
 * banned, a peer that never answers, refused handshakes, rate limits,
 * and a loopback rate check of the request pipeline. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop.h"
#include "p2p.h"
#include "p2p_wire.h"
#include "resolve.h"
#include "tap.h"

static struct loop *L;
static struct resolver *R;	/* loopback only: numeric URLs never ask it */
static size_t test_max_buffer;	/* the leecher's max_buffer, 0: default */
static char root[256];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct tfile { const char *path; uint64_t len; };

static const char *webseed_url;	/* url-list of the next torrent */
static int torrent_version = P2P_V1;

/* Write random content under dir (paths "name/..." when several files)
 * and make its torrent with the real creator, parsed by the real meta. */
static void make_content(const char *dir, const struct tfile *f, size_t nf, uint32_t piece_len,
    struct p2p_meta *m)
{
	struct p2p_create_opts co = { .version = torrent_version, .piece_len = piece_len,
		.webseeds = &webseed_url, .nwebseeds = webseed_url != NULL };
	struct wire_buf b;
	char path[512], why[256] = "";

	memset(m, 0, sizeof(*m));
	mkdir(dir, 0755);
	for (size_t i = 0; i < nf; i++) {
		uint8_t *data = malloc(f[i].len + 8);
		int fd;

		for (uint64_t k = 0; k < f[i].len; k += 8) {
			uint64_t r = next_rand();

			memcpy(data + k, &r, 8);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, f[i].path);
		for (char *q = path + strlen(dir) + 1; (q = strchr(q, '/')); q++) {
			*q = 0;
			mkdir(path, 0755);
			*q = '/';
		}
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, data, f[i].len) != (ssize_t)f[i].len)
			bail_out("write %s: %m", path);
		close(fd);
		free(data);
	}
	/* the torrent's root: the file, or the folder of "name/..." */
	snprintf(path, sizeof(path), "%s/%.*s", dir, (int)strcspn(f[0].path, "/"), f[0].path);
	co.path = path;
	wire_buf_init(&b);
	if (p2p_create(&co, &b, why, sizeof(why)) < 0 ||
	    p2p_meta_parse(b.data, b.len, m, why, sizeof(why)) < 0)
		bail_out("torrent of %s: %s", path, why);
	wire_buf_free(&b);
}

/* Whether dir_a/path and dir_b/path hold the same bytes. */
static bool same_file(const char *a, const char *b, const char *path)
{
	char pa[512], pb[512], cmd[1200];

	snprintf(pa, sizeof(pa), "%s/%s", a, path);
	snprintf(pb, sizeof(pb), "%s/%s", b, path);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", pa, pb);
	return system(cmd) == 0;
}

struct watch {
	bool done, failed;
	unsigned banned, hash_fail;
	char last[512];
	uint64_t t_down, t_done;
};

static void on_ev(struct p2p_xfer *x, enum p2p_event ev, const char *text, void *arg)
{
	struct watch *w = arg;

	(void)x;
	if (ev == P2P_EV_DONE) {
		w->done = true;
		w->t_done = loop_now_ms();
	}
	if (ev == P2P_EV_STATE && !strcmp(text, "downloading"))
		w->t_down = loop_now_ms();
	if (ev == P2P_EV_FAILED)
		w->failed = true;
	if (ev == P2P_EV_BANNED)
		w->banned++;
	if (ev == P2P_EV_HASH_FAIL)
		w->hash_fail++;
	if (ev != P2P_EV_PEER && ev != P2P_EV_STATE)
		diag("event %d: %s", ev, text);
	snprintf(w->last, sizeof(w->last), "%s", text);
}

static bool run_until(bool *flag, unsigned *count, unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end) {
		if ((flag && *flag) || (count && *count))
			return true;
		loop_run_once(L, 50);
	}
	return (flag && *flag) || (count && *count);
}

static const char *seed_listen = "127.0.0.1";	/* the seeder's listen address */
static int peer_family = AF_INET;		/* how the leecher dials it */

static struct p2p_ctx *ctx_listen(const char *addr)
{
	struct p2p_ctx_opts o = { .listen_port = 0, .listen_addr = addr };
	struct p2p_ctx *c;
	char why[256];

	o.listen_port = 0;
	/* port 0 means "do not listen" in the options: bind to an ephemeral
	 * port through the address instead */
	if (p2p_ctx_new(L, R, &o, &c, why, sizeof(why)) < 0)
		bail_out("ctx: %s", why);
	return c;
}

static struct p2p_ctx *ctx_new(void)
{
	return ctx_listen("127.0.0.1");
}

static void addr_of(struct p2p_ctx *c, struct p2p_addr *a)
{
	struct sockaddr_in *s = (void *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (peer_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&a->ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p2p_ctx_port(c));
		s6->sin6_addr = in6addr_loopback;
		a->len = sizeof(*s6);
		return;
	}
	s->sin_family = AF_INET;
	s->sin_port = htons(p2p_ctx_port(c));
	s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->len = sizeof(*s);
}

/* Start a transfer of m in dir on c, events to w; trackers and LSD off
 * (loopback only), web seeds too unless webseeds. */
static struct p2p_xfer *xfer_start(struct p2p_ctx *c, struct p2p_xfer_opts o,
    const struct p2p_meta *m, const char *dir, struct watch *w, bool webseeds)
{
	struct p2p_xfer *x;
	char why[256] = "";

	o.meta = m;
	o.dir = dir;
	o.cb = on_ev;
	o.arg = w;
	o.no_trackers = o.no_lsd = true;
	o.no_webseeds = !webseeds;
	if (p2p_xfer_start(c, &o, &x, why, sizeof(why)) < 0)
		bail_out("%s: %s", dir, why);
	return x;
}

/* One transfer: content and torrent in root/what-seed, a seeder's
 * context (on seed_listen) and a getter's, each with its watch. */
struct fx {
	char sdir[300], ldir[300];
	struct p2p_meta m;
	struct p2p_ctx *cs, *cl;
	struct p2p_xfer *xs, *xl;
	struct watch ws, wl;
};

static void fx_init(struct fx *x, const char *what, const struct tfile *f, size_t nf,
    uint32_t piece_len)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->sdir, sizeof(x->sdir), "%s/%s-seed", root, what);
	snprintf(x->ldir, sizeof(x->ldir), "%s/%s-leech", root, what);
	make_content(x->sdir, f, nf, piece_len, &x->m);
	x->cs = ctx_listen(seed_listen);
	x->cl = ctx_new();
}

/* The seeder, uploading at most up_rate (0: unlimited). Its check of
 * the content runs on a worker, refusing peers meanwhile: wait for it,
 * so a getter's first dial is not turned away into a back-off. */
static void fx_seed(struct fx *x, uint64_t up_rate)
{
	struct p2p_xfer_opts o = { .seed_only = true, .limits = { .up_rate = up_rate } };

	x->xs = xfer_start(x->cs, o, &x->m, x->sdir, &x->ws, false);
	run_until(&x->ws.done, NULL, 20000);
}

/* The getter, from these peers with these limits. */
static void fx_get(struct fx *x, const struct p2p_addr *peers, size_t npeers,
    struct p2p_limits lim, bool webseeds)
{
	struct p2p_xfer_opts o = { .peers = peers, .npeers = npeers, .limits = lim };

	x->xl = xfer_start(x->cl, o, &x->m, x->ldir, &x->wl, webseeds);
}

/* Both contexts and their transfers; the content and torrent stay. */
static void fx_stop(struct fx *x)
{
	p2p_ctx_free(x->cl);
	p2p_ctx_free(x->cs);
	x->cl = x->cs = NULL;
	x->xl = x->xs = NULL;
}

static void fx_free(struct fx *x)
{
	fx_stop(x);
	p2p_meta_free(&x->m);
}

/* A listening socket on 127.0.0.1 with an ephemeral port, in *sin. */
static int listen_lo(struct sockaddr_in *sin, const char *who)
{
	socklen_t sl = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &sl) < 0)
		bail_out("%s: %m", who);
	return fd;
}

static void check_transfer(const char *what, const struct tfile *f, size_t nf, uint32_t piece_len,
    bool rate, uint64_t down_limit, uint64_t up_limit)
{
	struct fx x;
	struct p2p_addr a;
	struct p2p_stats st;
	uint64_t t0;
	bool same = true;

	fx_init(&x, what, f, nf, piece_len);
	is_int(x.m.version, torrent_version, "%s: the torrent is of the version meant", what);
	fx_seed(&x, up_limit);
	addr_of(x.cs, &a);
	fx_get(&x, &a, 1, (struct p2p_limits){ .down_rate = down_limit,
	    .max_buffer = test_max_buffer }, false);
	t0 = loop_now_ms();
	ok(run_until(&x.wl.done, NULL, rate ? 60000 : 20000), "%s: the leecher completes", what);
	t0 = x.wl.t_done > x.wl.t_down ? x.wl.t_done - x.wl.t_down : loop_now_ms() - t0;
	for (size_t i = 0; i < nf; i++)
		same = same && same_file(x.sdir, x.ldir, f[i].path);
	ok(same, "%s: the leecher's files on disk equal the seeder's", what);
	p2p_xfer_get_stats(x.xl, &st);
	is_int(st.state, P2P_SEEDING, "%s: the leecher seeds after", what);
	is_int(st.from_peers, x.m.size, "%s: every byte came from the peer once", what);
	if (down_limit || up_limit) {
		uint64_t lim = down_limit ? down_limit : up_limit;
		/* a quarter second of burst, then the rate */
		uint64_t least = (x.m.size - lim / 4) * 1000 / lim;

		ok(t0 >= least * 9 / 10 && t0 < least * 3 + 2000,
		    "%s: took %llu ms at %llu B/s (at least ~%llu)", what, (unsigned long long)t0,
		    (unsigned long long)lim, (unsigned long long)least);
	}
	if (rate) {
		ok(t0 < 30000, "%s: under 30 s from the first request", what);
		diag("%s: %llu bytes in %llu ms: %.1f MB/s", what, (unsigned long long)x.m.size,
		    (unsigned long long)t0, t0 ? (double)x.m.size / 1000.0 / (double)t0 : 0);
	}
	p2p_xfer_get_stats(x.xs, &st);
	ok(st.uploaded >= x.m.size, "%s: the seeder uploaded it all (%llu)", what,
	    (unsigned long long)st.uploaded);
	fx_stop(&x);
	if (!strcmp(what, "one")) {
		/* a second get of what is in place: done at once, nothing fetched */
		struct watch w2 = { 0 };
		struct p2p_ctx *c2 = ctx_new();
		struct p2p_xfer *x2 = xfer_start(c2, (struct p2p_xfer_opts){ 0 }, &x.m, x.ldir, &w2,
		    false);

		ok(run_until(&w2.done, NULL, 10000), "again: done without peers");
		p2p_xfer_get_stats(x2, &st);
		ok(st.from_peers == 0 && st.found_bytes == x.m.size,
		    "again: nothing fetched, all found (%llu)", (unsigned long long)st.found_bytes);
		p2p_ctx_free(c2);
	}
	fx_free(&x);
}

/* ---- a peer that sends garbage for every block ---- */

struct bad {
	int lfd, fd;
	uint8_t ih[20];
	uint8_t in[1 << 16];
	size_t n;
	bool hs, silent;	/* silent: takes requests, never answers */
	unsigned served, asked;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void bad_io(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct bad *b = arg;
	ssize_t r = read(fd, b->in + b->n, sizeof(b->in) - b->n);
	size_t off = 0;

	(void)ev;
	if (r <= 0) {
		loop_fd_del(l, fd);
		close(fd);
		b->fd = -1;
		return;
	}
	b->n += (size_t)r;
	if (!b->hs && b->n >= 68) {
		uint8_t h[68 + 5 + 5] = "\x13" "BitTorrent protocol";

		memset(h + 20, 0, 8);
		h[27] = 0x04;
		memcpy(h + 28, b->in + 28, 20);
		memcpy(h + 48, "-XX0000-badbadbadbad", 20);
		put32(h + 68, 1); h[72] = P2P_HAVE_ALL;
		put32(h + 73, 1); h[77] = P2P_UNCHOKE;
		if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h))
			bail_out("bad peer write");
		b->hs = true;
		off = 68;
	}
	while (b->hs && b->n - off >= 4 && b->n - off >= 4 + get32(b->in + off)) {
		uint32_t len = get32(b->in + off);
		const uint8_t *m = b->in + off + 4;

		if (len == 13 && m[0] == P2P_REQUEST)
			b->asked++;
		if (len == 13 && m[0] == P2P_REQUEST && !b->silent) {
			uint32_t blen = get32(m + 9);
			uint8_t *out = malloc(13 + blen);

			put32(out, 9 + blen);
			out[4] = P2P_PIECE;
			memcpy(out + 5, m + 1, 8);
			memset(out + 13, 0xAA, blen);
			if (write(fd, out, 13 + blen) != (ssize_t)(13 + blen)) {
				free(out);
				break;	/* banned and gone: read sees the close */
			}
			free(out);
			b->served++;
		}
		off += 4 + len;
	}
	memmove(b->in, b->in + off, b->n - off);
	b->n -= off;
}

static void bad_accept(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct bad *b = arg;
	int s = accept(fd, NULL, NULL);

	(void)ev;
	if (s < 0)
		return;
	if (b->fd >= 0) {
		close(s);
		return;
	}
	b->fd = s;
	b->hs = false;
	b->n = 0;
	loop_fd_add(l, s, EPOLLIN, bad_io, b);
}

static void check_ban(void)
{
	static const struct tfile f[] = { { "ban", 1u << 20 } };
	struct fx x;
	struct p2p_addr good, evil;
	struct sockaddr_in sin;
	struct bad b = { .fd = -1 };
	struct p2p_stats st;

	fx_init(&x, "ban", f, 1, 65536);
	b.lfd = listen_lo(&sin, "bad peer");
	loop_fd_add(L, b.lfd, EPOLLIN, bad_accept, &b);
	memset(&evil, 0, sizeof(evil));
	memcpy(&evil.ss, &sin, sizeof(sin));
	evil.len = sizeof(sin);
	fx_seed(&x, 0);
	fx_get(&x, &evil, 1, (struct p2p_limits){ 0 }, false);
	ok(run_until(NULL, &x.wl.banned, 10000), "bad peer: banned");
	ok(x.wl.hash_fail >= 1, "bad peer: its piece failed the hash (%u)", x.wl.hash_fail);
	ok(b.served > 0, "bad peer: it was asked for blocks (%u)", b.served);
	run_until(NULL, NULL, 300);
	ok(b.fd < 0, "bad peer: disconnected");
	addr_of(x.cs, &good);
	p2p_xfer_add_peer(x.xl, &good);
	p2p_xfer_add_peer(x.xl, &evil);	/* known and banned: never again */
	ok(run_until(&x.wl.done, NULL, 20000), "bad peer: completes from the good seeder");
	ok(same_file(x.sdir, x.ldir, "ban"), "bad peer: the bytes on disk are the seeder's");
	p2p_xfer_get_stats(x.xl, &st);
	is_int(st.banned, 1, "bad peer: one ban in the stats");
	ok(b.fd < 0, "bad peer: not reconnected after the ban");
	fx_stop(&x);
	loop_fd_del(L, b.lfd);
	close(b.lfd);
	fx_free(&x);
}

/* A seeder and two leechers that know each other: both complete, and
 * pieces also flow between the leechers (the seeder is limited so they
 * have reason to). */
static void check_swarm(void)
{
	static const struct tfile f[] = { { "swarm", 2u << 20 } };
	char d2[300];
	struct fx x;
	struct p2p_ctx *c2 = ctx_new();
	struct p2p_xfer *x2;
	struct watch w2 = { 0 };
	struct p2p_addr a[2];
	struct p2p_stats s1, s2;

	fx_init(&x, "swarm", f, 1, 32768);
	snprintf(d2, sizeof(d2), "%s/swarm-l2", root);
	fx_seed(&x, 1u << 20);
	addr_of(x.cs, &a[0]);
	addr_of(c2, &a[1]);
	fx_get(&x, a, 2, (struct p2p_limits){ 0 }, false);
	x2 = xfer_start(c2, (struct p2p_xfer_opts){ .peers = a, .npeers = 1 }, &x.m, d2, &w2, false);
	run_until(&x.wl.done, NULL, 20000);
	ok(run_until(&w2.done, NULL, 20000) && x.wl.done, "swarm: both leechers complete");
	ok(same_file(x.sdir, x.ldir, "swarm") && same_file(x.sdir, d2, "swarm"),
	    "swarm: both leechers hold the seeder's bytes");
	p2p_xfer_get_stats(x.xl, &s1);
	p2p_xfer_get_stats(x2, &s2);
	ok(s1.uploaded + s2.uploaded > 0, "swarm: the leechers traded pieces (%llu + %llu bytes)",
	    (unsigned long long)s1.uploaded, (unsigned long long)s2.uploaded);
	p2p_ctx_free(c2);
	fx_free(&x);
}

/* A peer that has everything and answers nothing, beside a good seeder:
 * the blocks it holds are fetched again from the seeder (endgame), long
 * before any timeout. */
static void check_silent(void)
{
	static const struct tfile f[] = { { "silent", 1u << 20 } };
	struct fx x;
	struct p2p_addr pa[2];
	struct sockaddr_in sin;
	struct bad b = { .fd = -1, .silent = true };
	uint64_t t0;

	fx_init(&x, "silent", f, 1, 32768);
	b.lfd = listen_lo(&sin, "silent peer");
	loop_fd_add(L, b.lfd, EPOLLIN, bad_accept, &b);
	memset(pa, 0, sizeof(pa));
	memcpy(&pa[0].ss, &sin, sizeof(sin));
	pa[0].len = sizeof(sin);
	fx_seed(&x, 0);
	addr_of(x.cs, &pa[1]);
	fx_get(&x, pa, 2, (struct p2p_limits){ 0 }, false);
	t0 = loop_now_ms();
	run_until(&x.wl.done, NULL, 15000);
	t0 = loop_now_ms() - t0;
	ok(x.wl.done, "silent peer: completes from the seeder (%llu ms)", (unsigned long long)t0);
	ok(b.asked > 0, "silent peer: it was asked (%u requests)", b.asked);
	ok(same_file(x.sdir, x.ldir, "silent"), "silent peer: the bytes on disk are the seeder's");
	fx_stop(&x);
	loop_fd_del(L, b.lfd);
	close(b.lfd);
	if (b.fd >= 0) {
		loop_fd_del(L, b.fd);
		close(b.fd);
	}
	fx_free(&x);
}

/* Send bytes to a context's port from a raw socket; whether the engine
 * closed the connection within ms (reading what it sent on the way). */
static bool raw_closed(struct p2p_ctx *c, const void *bytes, size_t len, unsigned ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(p2p_ctx_port(c)) };
	uint64_t end = loop_now_ms() + ms;
	uint8_t buf[65536];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bool closed = false;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	while (loop_now_ms() < end && !closed) {
		ssize_t n;

		loop_run_once(L, 20);
		if (len && send(fd, bytes, len, MSG_NOSIGNAL) > 0)
			len = 0;
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN))
			closed = true;
	}
	close(fd);
	return closed;
}

static void check_refusals(void)
{
	static const struct tfile f[] = { { "refuse", 100000 } };
	struct fx x;
	uint8_t hs[68 + 5] = "\x13" "BitTorrent protocol";

	fx_init(&x, "refuse", f, 1, 32768);
	fx_seed(&x, 0);
	run_until(&x.ws.done, NULL, 5000);
	memset(hs + 20, 0, 48);
	memcpy(hs + 48, "-XX0000-rawrawrawraw", 20);
	ok(raw_closed(x.cs, hs, 68, 2000), "refuse: a handshake for an unknown torrent is dropped");
	ok(raw_closed(x.cs, "GET / HTTP/1.1\r\n\r\n" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789", 98, 2000),
	    "refuse: bytes that are not a handshake are dropped");
	memcpy(hs + 28, x.m.ih1, 20);
	put32(hs + 68, P2P_MSG_MAX + 1);
	hs[72] = P2P_PIECE;
	ok(raw_closed(x.cs, hs, sizeof(hs), 2000), "refuse: a message over P2P_MSG_MAX is dropped");
	ok(!raw_closed(x.cs, hs, 68, 500), "refuse: a good handshake is kept");
	fx_free(&x);
}

/* ---- a web seed: a small HTTP/1.1 server of one file with Range ---- */

struct web {
	int lfd, fd;
	const char *path;	/* the file served */
	char in[4096];
	size_t n;
	unsigned gets;
	bool corrupt;		/* flip a byte of every reply */
};

static void web_io(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct web *w = arg;
	ssize_t r = read(fd, w->in + w->n, sizeof(w->in) - 1 - w->n);
	char *end;

	(void)ev;
	if (r <= 0) {
		loop_fd_del(l, fd);
		close(fd);
		w->fd = -1;
		return;
	}
	w->n += (size_t)r;
	w->in[w->n] = 0;
	while ((end = strstr(w->in, "\r\n\r\n"))) {
		unsigned long long lo = 0, hi = 0;
		const char *rg = strstr(w->in, "Range: bytes=");
		char head[256];
		uint8_t *body;
		int f, hl;

		if (!rg || rg > end || sscanf(rg, "Range: bytes=%llu-%llu", &lo, &hi) != 2 || hi < lo)
			bail_out("web seed: no range in %.200s", w->in);
		body = malloc(hi - lo + 1);
		f = open(w->path, O_RDONLY);
		if (f < 0 || pread(f, body, hi - lo + 1, (off_t)lo) != (ssize_t)(hi - lo + 1))
			bail_out("web seed: read %s", w->path);
		close(f);
		if (w->corrupt)
			body[0] ^= 0xff;
		hl = snprintf(head, sizeof(head), "HTTP/1.1 206 Partial Content\r\n"
		    "Content-Range: bytes %llu-%llu/*\r\nContent-Length: %llu\r\n\r\n", lo, hi,
		    hi - lo + 1);
		if (write(fd, head, (size_t)hl) != hl ||
		    write(fd, body, hi - lo + 1) != (ssize_t)(hi - lo + 1))
			bail_out("web seed: write");
		free(body);
		w->gets++;
		end += 4;
		w->n -= (size_t)(end - w->in);
		memmove(w->in, end, w->n + 1);
	}
}

static void web_accept(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct web *w = arg;
	int s = accept(fd, NULL, NULL);

	(void)ev;
	if (s < 0)
		return;
	if (w->fd >= 0) {
		loop_fd_del(l, w->fd);
		close(w->fd);
	}
	w->fd = s;
	w->n = 0;
	loop_fd_add(l, s, EPOLLIN, web_io, w);
}

/* No peers at all: the whole download comes from the web seed. With
 * corrupt, the web seed lies and a seeder is there: the bad pieces fail
 * their hash, nobody is banned, and the seeder fills the download. */
static void check_webseed(bool corrupt)
{
	static const struct tfile f[] = { { "web", (1u << 20) + 999 } };
	char url[128], src[400];
	struct fx x;
	struct sockaddr_in sin;
	struct web w = { .fd = -1, .corrupt = corrupt };
	struct p2p_stats st;
	struct p2p_addr a;

	w.lfd = listen_lo(&sin, "web seed");
	loop_fd_add(L, w.lfd, EPOLLIN, web_accept, &w);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/web", ntohs(sin.sin_port));
	webseed_url = url;
	fx_init(&x, corrupt ? "web-bad" : "web", f, 1, 65536);
	webseed_url = NULL;
	snprintf(src, sizeof(src), "%s/web", x.sdir);
	w.path = src;
	if (corrupt)
		fx_seed(&x, 0);
	addr_of(x.cs, &a);
	fx_get(&x, &a, corrupt, (struct p2p_limits){ 0 }, true);
	if (corrupt) {
		ok(run_until(&x.wl.done, NULL, 20000), "bad web seed: the seeder fills the download");
		ok(same_file(x.sdir, x.ldir, "web"), "bad web seed: the bytes on disk are right");
		p2p_xfer_get_stats(x.xl, &st);
		ok(st.hash_fails >= 1 && st.banned == 0 && w.gets >= 1,
		    "bad web seed: its pieces failed (%u), nobody banned (%u)", st.hash_fails,
		    st.banned);
		goto out;
	}
	ok(run_until(&x.wl.done, NULL, 20000), "web seed: the leecher completes without peers");
	ok(same_file(x.sdir, x.ldir, "web"), "web seed: the bytes on disk are the origin's");
	p2p_xfer_get_stats(x.xl, &st);
	ok(st.from_webseeds >= x.m.size && st.from_peers == 0,
	    "web seed: all from the web seed (%llu), none from peers",
	    (unsigned long long)st.from_webseeds);
	ok(w.gets >= x.m.npieces, "web seed: one range request per piece at least (%u)", w.gets);
out:
	fx_stop(&x);
	loop_fd_del(L, w.lfd);
	close(w.lfd);
	if (w.fd >= 0) {
		loop_fd_del(L, w.fd);
		close(w.fd);
	}
	fx_free(&x);
}

int main(void)
{
	static const struct tfile one[] = { { "one", (4u << 20) + 12345 } };
	static const struct tfile multi[] = {
		{ "multi/a", 100000 }, { "multi/b", 1 }, { "multi/c", (1u << 20) + 7 },
		{ "multi/d", 300000 },
	};
	static const struct tfile big[] = { { "big", 32u << 20 } };	/* CI runs it beside timing tests */
	char cmd[300];

	snprintf(root, sizeof(root), "/tmp/test-p2p-engine.XXXXXX");
	static const char *const dns[] = { "127.0.0.1:9" };
	struct resolver_opts ro = { .servers = dns, .n_servers = 1, .no_system_config = true };

	if (!mkdtemp(root) || loop_new(&L) < 0 || resolver_new(L, &ro, &R) < 0)
		bail_out("setup: %m");
	srandom(1);
	signal(SIGPIPE, SIG_IGN);
	static const struct tfile lim[] = { { "lim", 3u << 19 } };

	check_transfer("one", one, 1, 262144, false, 0, 0);
	check_transfer("multi", multi, 4, 65536, false, 0, 0);
	/* the dual-stack listener, reached over v4 (mapped) and over v6 */
	seed_listen = "::";
	check_transfer("dual-v4", one, 1, 262144, false, 0, 0);
	peer_family = AF_INET6;
	check_transfer("dual-v6", one, 1, 262144, false, 0, 0);
	seed_listen = "127.0.0.1";
	peer_family = AF_INET;
	torrent_version = P2P_V2;
	check_transfer("v2-one", one, 1, 262144, false, 0, 0);
	check_transfer("v2-multi", multi, 4, 65536, false, 0, 0);
	torrent_version = P2P_HYBRID;
	check_transfer("hybrid-one", one, 1, 262144, false, 0, 0);
	check_transfer("hybrid-multi", multi, 4, 65536, false, 0, 0);
	torrent_version = P2P_V1;
	check_ban();
	check_swarm();
	check_silent();
	check_refusals();
	check_webseed(false);
	check_webseed(true);
	test_max_buffer = 128 << 10;	/* two pieces: the buffer-full path */
	check_transfer("small-buffer", multi, 4, 65536, false, 0, 0);
	test_max_buffer = 0;
	check_transfer("down-limit", lim, 1, 65536, false, 1u << 20, 0);
	check_transfer("up-limit", lim, 1, 65536, false, 0, 1u << 20);
	check_transfer("big", big, 1, 1u << 20, true, 0, 0);
	resolver_free(R);
	loop_free(L);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		diag("could not remove %s", root);
	return done_testing();
}
