/* test-p2p-check: the engine's whole checks run off the loop. With 64 MiB
 * in tmpfs: the start-up check of content found without a resume file
 * and the final check of staged content, each while a 10 ms timer keeps
 * firing; removing a transfer in the middle of either (the resume file
 * then as it was, or saying complete); a final check finding a piece
 * changed; a seed whose content does not verify. No network: no peers,
 * trackers, LSD or web seeds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop.h"
#include "p2p.h"
#include "p2p_wire.h"
#include "store.h"
#include "wire.h"
#include "tap.h"

#define SIZE		(64u << 20)
#define PIECE		(256u << 10)

static struct loop *L;
static struct p2p_ctx *C;
static struct p2p_meta M;
static char root[64], src[128], hex[41];
static uint8_t *content;

struct watch {
	struct p2p_xfer *x;
	bool done, failed, warned;
	char fail_text[512], warn_text[512];
};

static void on_ev(struct p2p_xfer *x, enum p2p_event ev, const char *text, void *arg)
{
	struct watch *w = arg;

	(void)x;
	if (ev == P2P_EV_DONE)
		w->done = true;
	if (ev == P2P_EV_FAILED) {
		w->failed = true;
		snprintf(w->fail_text, sizeof(w->fail_text), "%s", text);
	}
	if (ev == P2P_EV_WARNING) {
		w->warned = true;
		snprintf(w->warn_text, sizeof(w->warn_text), "%s", text);
	}
}

/* A 10 ms timer that counts its firings while the transfer is in state,
 * and the longest gap between two firings. */
struct ticker {
	struct watch *w;
	enum p2p_state state;
	unsigned in_state;
	uint64_t last_ms, max_gap, timer;
	uint32_t partial;	/* a firing saw 0 < pieces < npieces */
};

static void on_tick(struct loop *l, void *arg)
{
	struct ticker *t = arg;
	struct p2p_stats st;
	uint64_t now = loop_now_ms();

	if (t->last_ms && now - t->last_ms > t->max_gap)
		t->max_gap = now - t->last_ms;
	t->last_ms = now;
	if (t->w->x) {
		p2p_xfer_get_stats(t->w->x, &st);
		if (st.state == t->state) {
			t->in_state++;
			if (st.pieces && st.pieces < st.npieces)
				t->partial = st.pieces;
		}
	}
	t->timer = loop_timer_add(l, 10, on_tick, t);
}

static void ticker_start(struct ticker *t, struct watch *w, enum p2p_state s)
{
	memset(t, 0, sizeof(*t));
	t->w = w;
	t->state = s;
	t->timer = loop_timer_add(L, 10, on_tick, t);
}

static void ticker_stop(struct ticker *t)
{
	loop_timer_cancel(L, t->timer);
}

static struct p2p_xfer *start(const char *dir, bool seed, struct watch *w)
{
	struct p2p_xfer_opts o = { .meta = &M, .dir = dir, .seed_only = seed,
		.no_trackers = true, .no_webseeds = true, .no_lsd = true, .cb = on_ev, .arg = w };
	char why[256] = "";

	memset(w, 0, sizeof(*w));
	if (p2p_xfer_start(C, &o, &w->x, why, sizeof(why)) < 0)
		bail_out("start %s: %s", dir, why);
	return w->x;
}

static enum p2p_state state_of(struct p2p_xfer *x)
{
	struct p2p_stats st;

	p2p_xfer_get_stats(x, &st);
	return st.state;
}

/* Run until cond(w) or ms passed. */
static bool run_until(struct watch *w, bool (*cond)(struct watch *), unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (!cond(w) && loop_now_ms() < end)
		loop_run_once(L, 20);
	return cond(w);
}

static bool is_done(struct watch *w) { return w->done || w->failed; }
static bool is_warned(struct watch *w) { return w->warned || w->failed; }
static bool finishing(struct watch *w) { return state_of(w->x) == P2P_FINISHING || w->done; }
static bool not_checking(struct watch *w) { return state_of(w->x) != P2P_CHECKING; }

static void path_in(char *out, size_t len, const char *dir, const char *what)
{
	if (!strcmp(what, "resume"))
		snprintf(out, len, "%s/.outpost-p2p/%s.resume", dir, hex);
	else if (!strcmp(what, "staged"))
		snprintf(out, len, "%s/.outpost-p2p/%s/%s", dir, hex, M.files[0].path);
	else
		snprintf(out, len, "%s/%s", dir, M.files[0].path);
}

static bool exists(const char *dir, const char *what)
{
	char p[512];
	struct stat st;

	path_in(p, sizeof(p), dir, what);
	return stat(p, &st) == 0;
}

static bool same_content(const char *path)
{
	uint8_t *buf = malloc(SIZE);
	int fd = open(path, O_RDONLY);
	bool same = fd >= 0 && buf && read(fd, buf, SIZE) == (ssize_t)SIZE &&
	    memcmp(buf, content, SIZE) == 0;

	if (fd >= 0)
		close(fd);
	free(buf);
	return same;
}

/* Stage pieces [0, n) the store's own way; the resume file says so. */
static void stage(const char *dir, uint32_t n)
{
	struct p2p_store_opts o = { .dir = dir };
	struct p2p_store *s;
	char why[256] = "";

	if (p2p_store_open(&M, &o, &s, why, sizeof(why)) < 0)
		bail_out("stage %s: %s", dir, why);
	for (uint32_t i = 0; i < n; i++)
		if (p2p_store_write_piece(s, i, content + (size_t)i * PIECE,
		    p2p_piece_size(&M, i), why, sizeof(why)) < 0)
			bail_out("stage piece %u: %s", i, why);
	p2p_store_close(s);
}

/* What the resume file of dir says: pieces had, -1 none or not final. */
static int resumed_count(const char *dir, bool *final)
{
	struct p2p_store_opts o = { .dir = dir };
	struct p2p_store *s;
	char why[256];
	int n;

	if (p2p_store_open(&M, &o, &s, why, sizeof(why)) < 0)
		return -1;
	n = (int)p2p_store_count(s);
	*final = p2p_store_final(s);
	p2p_store_close(s);
	return n;
}

static void make_torrent(void)
{
	const char *p = NULL;
	struct p2p_create_opts co = { .version = P2P_V1, .piece_len = PIECE, .webseeds = &p };
	struct wire_buf b;
	char why[256] = "", path[256];
	uint64_t r = 0x9e3779b97f4a7c15ull;
	int fd;

	content = malloc(SIZE);
	if (!content)
		bail_out("malloc");
	for (size_t k = 0; k < SIZE; k += 8) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		memcpy(content + k, &r, 8);
	}
	snprintf(src, sizeof(src), "%s/src", root);
	mkdir(src, 0755);
	snprintf(path, sizeof(path), "%s/big.bin", src);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, content, SIZE) != (ssize_t)SIZE)
		bail_out("write %s: %m", path);
	close(fd);
	co.path = path;
	wire_buf_init(&b);
	if (p2p_create(&co, &b, why, sizeof(why)) < 0 ||
	    p2p_meta_parse(b.data, b.len, &M, why, sizeof(why)) < 0)
		bail_out("torrent: %s", why);
	wire_buf_free(&b);
	p2p_meta_hex(&M, hex);
}

/* Content in place, no resume file: the check runs while the loop ticks. */
static void test_startup_check(void)
{
	struct watch w;
	struct ticker t;
	struct p2p_stats st;
	uint64_t t0 = loop_now_ms();

	start(src, true, &w);
	ticker_start(&t, &w, P2P_CHECKING);
	ok(run_until(&w, is_done, 60000) && w.done, "seed: the start-up check ends, seeding");
	ticker_stop(&t);
	p2p_xfer_get_stats(w.x, &st);
	diag("check of %u MiB: %llu ms, the timer fired %u times while checking, "
	    "longest gap %llu ms", SIZE >> 20, (unsigned long long)(loop_now_ms() - t0),
	    t.in_state, (unsigned long long)t.max_gap);
	ok(st.state == P2P_SEEDING && st.pieces == st.npieces, "all %u pieces verified", st.npieces);
	ok(t.in_state >= 1, "a 10 ms timer fired during the check (%u times)", t.in_state);
	ok(t.max_gap < 1000, "the loop never stalled a second (longest gap %llu ms)",
	    (unsigned long long)t.max_gap);
	if (t.partial)
		diag("progress seen while checking: %u pieces", t.partial);
	p2p_xfer_free(w.x);
}

/* Staged pieces, resume file gone: removed during its check, the
 * transfer leaves no resume behind; started again it checks and keeps
 * what verifies. */
static void test_remove_in_check(void)
{
	char dir[128], p[512];
	struct watch w;
	struct p2p_stats st;
	uint64_t t0;
	bool final;

	snprintf(dir, sizeof(dir), "%s/rm-check", root);
	stage(dir, M.npieces - 1);
	path_in(p, sizeof(p), dir, "resume");
	ok(unlink(p) == 0, "staged %u pieces, resume file removed", M.npieces - 1);
	start(dir, false, &w);
	/* the open, then a few ms into the check (64 MiB takes longer) */
	loop_run_once(L, 5);
	loop_run_once(L, 5);
	ok(state_of(w.x) == P2P_CHECKING, "get: checking");
	t0 = loop_now_ms();
	p2p_xfer_free(w.x);
	w.x = NULL;
	diag("free during the check took %llu ms", (unsigned long long)(loop_now_ms() - t0));
	ok(loop_now_ms() - t0 < 500, "removed at once, mid-check");
	ok(!exists(dir, "resume"), "no resume file written by an undone check");
	for (int i = 0; i < 5; i++)
		loop_run_once(L, 10);	/* nothing of the job may come back */

	start(dir, false, &w);
	ok(run_until(&w, not_checking, 60000), "started again: the check ends");
	p2p_xfer_get_stats(w.x, &st);
	ok(st.state == P2P_DOWNLOADING && st.pieces == M.npieces - 1 &&
	    st.found_bytes == (uint64_t)(M.npieces - 1) * PIECE,
	    "downloading, the %u staged pieces found", st.pieces);
	p2p_xfer_free(w.x);
	ok(resumed_count(dir, &final) == (int)M.npieces - 1, "its resume file now says so");
}

/* Staged complete with its resume: the final check runs off the loop,
 * then the file is in place. */
static void test_final_check(void)
{
	char dir[128], p[512];
	struct watch w;
	struct ticker t;

	snprintf(dir, sizeof(dir), "%s/final", root);
	stage(dir, M.npieces);
	start(dir, false, &w);
	ticker_start(&t, &w, P2P_FINISHING);
	ok(run_until(&w, is_done, 60000) && w.done, "get of staged content: done");
	ticker_stop(&t);
	diag("the timer fired %u times while finishing, longest gap %llu ms", t.in_state,
	    (unsigned long long)t.max_gap);
	ok(t.in_state >= 1, "a 10 ms timer fired during the final check (%u times)", t.in_state);
	ok(t.max_gap < 1000, "the loop never stalled a second (longest gap %llu ms)",
	    (unsigned long long)t.max_gap);
	ok(state_of(w.x) == P2P_SEEDING, "seeding");
	path_in(p, sizeof(p), dir, "final");
	ok(same_content(p), "the file is in place with the content");
	ok(!exists(dir, "staged") && !exists(dir, "resume"), "staging and resume gone");
	p2p_xfer_free(w.x);
}

/* Removed during the final check: the resume file still says complete,
 * nothing moved; started again it finishes. */
static void test_remove_in_finish(void)
{
	char dir[128];
	struct watch w;
	bool final = true;
	uint64_t t0;

	snprintf(dir, sizeof(dir), "%s/rm-final", root);
	stage(dir, M.npieces);
	start(dir, false, &w);
	ok(run_until(&w, finishing, 20000) && !w.done, "finishing");
	t0 = loop_now_ms();
	p2p_xfer_free(w.x);
	ok(loop_now_ms() - t0 < 500, "removed at once, mid-final-check (%llu ms)",
	    (unsigned long long)(loop_now_ms() - t0));
	for (int i = 0; i < 5; i++)
		loop_run_once(L, 10);
	ok(exists(dir, "staged") && !exists(dir, "final"), "nothing moved into place");
	ok(resumed_count(dir, &final) == (int)M.npieces && !final,
	    "the resume file says every piece is had");
	start(dir, false, &w);
	ok(run_until(&w, is_done, 60000) && w.done && exists(dir, "final"),
	    "started again: finished, in place");
	p2p_xfer_free(w.x);
}

/* A piece changed behind the resume file's back (mtime kept): the final
 * check says so and the transfer goes back to downloading it. */
static void test_final_changed(void)
{
	char dir[128], p[512];
	struct watch w;
	struct stat st;
	struct timespec ts[2];
	struct p2p_stats s;
	char want[256];
	int fd;

	snprintf(dir, sizeof(dir), "%s/changed", root);
	stage(dir, M.npieces);
	path_in(p, sizeof(p), dir, "staged");
	fd = open(p, O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0 || pwrite(fd, "X", 1, 5 * PIECE + 17) != 1)
		bail_out("poke %s: %m", p);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	futimens(fd, ts);
	close(fd);
	start(dir, false, &w);
	ok(run_until(&w, is_warned, 60000) && !w.failed, "the final check warns");
	snprintf(want, sizeof(want), "final check: 1 of %u pieces changed on disk", M.npieces);
	is_str(w.warn_text, want, "the warning");
	p2p_xfer_get_stats(w.x, &s);
	ok(s.state == P2P_DOWNLOADING && s.pieces == M.npieces - 1 && !w.done,
	    "downloading again, %u pieces had", s.pieces);
	p2p_xfer_free(w.x);
}

/* A seed whose content does not verify fails as before, from the job. */
static void test_seed_bad(void)
{
	char dir[128], cmd[400], p[512];
	struct watch w;
	char want[256];
	int fd;

	snprintf(dir, sizeof(dir), "%s/bad-seed", root);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s'", src, dir);
	if (system(cmd) != 0)
		bail_out("%s", cmd);
	path_in(p, sizeof(p), dir, "final");
	fd = open(p, O_RDWR);
	if (fd < 0 || pwrite(fd, "XY", 2, 100 * PIECE + 3) != 2)
		bail_out("poke %s: %m", p);
	close(fd);
	start(dir, true, &w);
	ok(run_until(&w, is_done, 60000) && w.failed, "the seed fails");
	snprintf(want, sizeof(want), "%s: 1 of %u pieces do not match", dir, M.npieces);
	is_str(w.fail_text, want, "its reason");
	ok(state_of(w.x) == P2P_FAILED, "failed");
	p2p_xfer_free(w.x);
}

int main(void)
{
	struct p2p_ctx_opts co = { 0 };
	char why[256] = "", cmd[128];

	snprintf(root, sizeof(root), "/dev/shm/test-p2p-check.XXXXXX");
	if (access("/dev/shm", W_OK) != 0)
		snprintf(root, sizeof(root), "/tmp/test-p2p-check.XXXXXX");
	if (!mkdtemp(root) || loop_new(&L) < 0)
		bail_out("setup: %m");
	if (p2p_ctx_new(L, NULL, &co, &C, why, sizeof(why)) < 0)
		bail_out("ctx: %s", why);
	make_torrent();
	test_startup_check();
	test_remove_in_check();
	test_final_check();
	test_remove_in_finish();
	test_final_changed();
	test_seed_bad();
	p2p_ctx_free(C);
	loop_free(L);
	p2p_meta_free(&M);
	free(content);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		diag("could not remove %s", root);
	return done_testing();
}
