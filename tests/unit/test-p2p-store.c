/* test-p2p-store.c: the content on disk (store.h), with a v1 multi-file
 * meta built by hand (a pad file included): pieces written in random
 * order, refused bad pieces, resume, stale resume, finish, seeding in
 * place, links or FIFOs planted in the way, and the deferred check as a
 * job (stopped, then run to its end). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "p2p_wire.h"
#include "store.h"
#include "tap.h"

#define PL	32768u

static struct p2p_file files[] = {
	{ .path = "t/a", .length = 40000 },
	{ .path = "t/.pad/25536", .length = 65536 - 40000, .pad = true },
	{ .path = "t/b", .length = 50000 },
	{ .path = "t/sub/c", .length = 30000 },
};
#define NF	(sizeof(files) / sizeof(files[0]))

static struct p2p_meta meta;
static uint8_t *space;		/* the whole piece space, pads zero */
static char base[64];

static void build_meta(void)
{
	uint64_t off = 0;
	uint32_t i;
	size_t k;

	for (k = 0; k < NF; k++) {
		files[k].offset = off;
		off += files[k].length;
	}
	meta.version = P2P_V1;
	memset(meta.ih1, 0xab, 20);
	meta.name = "t";
	meta.piece_len = PL;
	meta.space = off;
	meta.size = off - files[1].length;
	meta.npieces = (uint32_t)((off + PL - 1) / PL);
	meta.files = files;
	meta.nfiles = NF;
	meta.multi = true;
	space = calloc(1, off);
	for (k = 0; k < off; k++)
		space[k] = (uint8_t)rand();
	memset(space + files[1].offset, 0, files[1].length);
	meta.pieces = calloc(meta.npieces, 20);
	for (i = 0; i < meta.npieces; i++)
		SHA1(space + (size_t)i * PL, p2p_piece_span(&meta, i), meta.pieces + 20 * i);	/* BEP 47: pads hash as zeros */
}

static const uint8_t *piece(uint32_t i)
{
	return space + (size_t)i * PL;
}

/* Whether the file at path holds exactly the bytes of file k. */
static bool file_is(const char *path, size_t k)
{
	uint8_t *buf = malloc(files[k].length + 1);
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	bool ok;

	if (f) {
		n = fread(buf, 1, files[k].length + 1, f);
		fclose(f);
	}
	ok = f && n == files[k].length && memcmp(buf, space + files[k].offset, n) == 0;
	free(buf);
	return ok;
}

static int open_dir(const char *dir, bool seed, struct p2p_store **s, char *why)
{
	struct p2p_store_opts o = { .dir = dir, .seed_only = seed };

	return p2p_store_open(&meta, &o, s, why, 256);
}

static void poke(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	uint8_t x = 0;

	if (fd >= 0 && pread(fd, &x, 1, at) != 1)
		x = 0;
	x ^= 0x5a;
	if (fd < 0 || pwrite(fd, &x, 1, at) != 1)
		bail_out("poke %s", path);
	close(fd);
}

static bool empty_dir(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", path);
	return system(cmd) == 0;
}

static void test_download(void)
{
	char dir[128], p[256], why[256];
	struct p2p_store *s = NULL;
	uint32_t order[16], i, n = meta.npieces;
	uint8_t bad[PL], buf[1000];
	struct stat st;
	int rc;

	snprintf(dir, sizeof(dir), "%s/dl", base);
	rc = open_dir(dir, false, &s, why);
	is_int(rc, 0, "open a fresh folder (%s)", why);
	if (rc)
		bail_out("cannot go on");
	ok(!p2p_store_final(s) && p2p_store_count(s) == 0, "nothing had, not final");
	snprintf(p, sizeof(p), "%s/.outpost-p2p/abababababababababababababababababababab", dir);
	ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0700, "staging folder is 0700");
	snprintf(p, sizeof(p), "%s/.outpost-p2p/abababababababababababababababababababab/t/b", dir);
	ok(stat(p, &st) == 0 && st.st_size == 50000, "staged file preallocated to its size");

	memcpy(bad, piece(2), p2p_piece_size(&meta, 2));
	bad[100] ^= 1;
	is_int(p2p_store_write_piece(s, 2, bad, p2p_piece_size(&meta, 2), why, 256), -EILSEQ,
	    "a bad piece is refused");
	{
		FILE *f = fopen(p, "rb");
		uint8_t z[1000] = { 0 };
		/* piece 2 starts at b's byte 0 */
		ok(f && fread(buf, 1, sizeof(buf), f) == sizeof(buf) &&
		    memcmp(buf, z, sizeof(buf)) == 0, "nothing of the bad piece was written");
		if (f)
			fclose(f);
	}
	ok(!p2p_bit(p2p_store_have(s), 2), "bad piece not marked");

	/* Random order, piece n-1 kept for later. */
	for (i = 0; i < n - 1; i++)
		order[i] = i;
	for (i = n - 2; i > 0; i--) {
		uint32_t j = (uint32_t)rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	rc = 0;
	for (i = 0; i < n - 1; i++)
		rc |= p2p_store_write_piece(s, order[i], piece(order[i]),
		    p2p_piece_size(&meta, order[i]), why, 256);
	is_int(rc, 0, "pieces written in random order");
	is_int(p2p_store_write_piece(s, 0, piece(0), p2p_piece_size(&meta, 0), why, 256),
	    -EEXIST, "a piece had already is -EEXIST");
	is_int((int)p2p_store_count(s), (int)n - 1, "count");
	rc = p2p_store_read(s, 1, 7000, buf, 232);
	ok(rc == 0 && memcmp(buf, piece(1) + 7000, 232) == 0, "read across a piece's end of data");
	rc = p2p_store_read(s, 2, 32000, buf, 768);
	ok(rc == 0 && memcmp(buf, piece(2) + 32000, 768) == 0, "read a piece spanning two files");
	is_int(p2p_store_read(s, n - 1, 0, buf, 10), -ENOENT, "a piece not had cannot be read");
	p2p_store_close(s);
	s = NULL;

	snprintf(p, sizeof(p), "%s/.outpost-p2p/abababababababababababababababababababab.resume",
	    dir);
	ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600, "resume file written 0600");
	rc = open_dir(dir, false, &s, why);
	ok(rc == 0 && p2p_store_count(s) == n - 1, "reopen: the resume keeps the pieces");
	ok(rc == 0 && p2p_store_found_bytes(s) > 0, "found bytes counted");
	p2p_store_close(s);
	s = NULL;

	/* Flip bits of the resume's bitfield (byte 112: after the header and
	 * 4 files' size and mtime): the checksum fails, every piece is
	 * checked, and only the right ones are kept. */
	poke(p, 112);
	rc = open_dir(dir, false, &s, why);
	ok(rc == 0 && p2p_store_count(s) == n - 1 && !p2p_bit(p2p_store_have(s), n - 1),
	    "damaged resume: the check finds the same pieces");
	p2p_store_close(s);
	s = NULL;

	/* Touch b's byte 10 (piece 2): stale resume, only piece 2 lost. */
	snprintf(p, sizeof(p), "%s/.outpost-p2p/abababababababababababababababababababab/t/b", dir);
	poke(p, 10);
	rc = open_dir(dir, false, &s, why);
	ok(rc == 0 && p2p_store_count(s) == n - 2 && !p2p_bit(p2p_store_have(s), 2),
	    "stale resume: re-verified, the touched piece dropped");
	if (rc)
		bail_out("cannot go on");
	is_int(p2p_store_finish(s, why, 256), -EAGAIN, "finish before complete refused");
	rc = p2p_store_write_piece(s, 2, piece(2), p2p_piece_size(&meta, 2), why, 256);
	rc |= p2p_store_write_piece(s, n - 1, piece(n - 1), p2p_piece_size(&meta, n - 1), why, 256);
	ok(rc == 0 && p2p_store_complete(s), "complete");
	rc = p2p_store_finish(s, why, 256);
	is_int(rc, 0, "finish (%s)", why);
	ok(p2p_store_final(s), "final after finish");
	snprintf(p, sizeof(p), "%s/t/a", dir);
	ok(file_is(p, 0), "t/a in place with the right bytes");
	snprintf(p, sizeof(p), "%s/t/b", dir);
	ok(file_is(p, 2), "t/b in place with the right bytes");
	snprintf(p, sizeof(p), "%s/t/sub/c", dir);
	ok(file_is(p, 3), "t/sub/c in place with the right bytes");
	snprintf(p, sizeof(p), "%s/t/.pad", dir);
	ok(lstat(p, &st) < 0 && errno == ENOENT, "pad file not stored");
	snprintf(p, sizeof(p), "%s/.outpost-p2p", dir);
	ok(lstat(p, &st) < 0 && errno == ENOENT, "staging folder removed");
	p2p_store_close(s);
	s = NULL;

	rc = open_dir(dir, false, &s, why);
	ok(rc == 0 && p2p_store_final(s) && p2p_store_complete(s), "second open finds it final");
	p2p_store_close(s);
	s = NULL;
	snprintf(p, sizeof(p), "%s/.outpost-p2p", dir);
	ok(lstat(p, &st) < 0 && errno == ENOENT, "no staging made for final content");
	rc = open_dir(dir, true, &s, why);
	ok(rc == 0 && p2p_store_complete(s), "seed_only opens complete content");
	if (rc == 0)
		ok(p2p_store_read(s, 3, 0, buf, 100) == 0 && memcmp(buf, piece(3), 100) == 0,
		    "seed reads the bytes");
	else
		ok(0, "seed reads the bytes");
	p2p_store_close(s);
	s = NULL;
	snprintf(p, sizeof(p), "%s/t/sub/c", dir);
	poke(p, 29999);
	rc = open_dir(dir, true, &s, why);
	is_int(rc, -EILSEQ, "seed_only with a corrupted byte: -EILSEQ");
	ok(strstr(why, "1 of 5 pieces do not match") != NULL, "why says so: %s", why);
	p2p_store_close(s);
}

/* Plant something at rel under a new folder named name; opening must
 * fail and nothing appear in the outside folder. */
static void test_planted(const char *name, const char *rel, bool fifo)
{
	char dir[128], p[384], out[128], why[256] = "";
	struct p2p_store *s = NULL;
	char cmd[512];
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	snprintf(out, sizeof(out), "%s/outside-%s", base, name);
	mkdir(out, 0755);
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname %s)\"", p);
	if (system(cmd) != 0)
		bail_out("mkdir");
	if (fifo ? mkfifo(p, 0644) : symlink(out, p))
		bail_out("plant %s", p);
	rc = open_dir(dir, false, &s, why);
	ok(rc < 0, "%s planted at %s: refused (%s)", fifo ? "FIFO" : "link", rel, why);
	ok(empty_dir(out), "nothing written outside DIR");
	p2p_store_close(rc == 0 ? s : NULL);
}

/* A link planted at a file's final place while downloading: finish must
 * not write through it. */
static void test_finish_planted(void)
{
	char dir[128], p[256], out[160], why[256] = "";
	struct p2p_store *s = NULL;
	struct stat st;
	uint32_t i;
	int rc;

	snprintf(dir, sizeof(dir), "%s/fin", base);
	snprintf(out, sizeof(out), "%s/outside-fin", base);
	if (mkdir(out, 0755) < 0 || open_dir(dir, false, &s, why) != 0)
		bail_out("setup fin: %s", why);
	for (i = 0; i < meta.npieces; i++)
		(void)p2p_store_write_piece(s, i, piece(i), p2p_piece_size(&meta, i), why, 256);
	snprintf(p, sizeof(p), "%s/t", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/t/b", dir);
	snprintf(out, sizeof(out), "%s/outside-fin/x", base);
	if (symlink(out, p) < 0)
		bail_out("symlink");
	rc = p2p_store_finish(s, why, 256);
	ok(rc < 0 && !p2p_store_final(s), "finish refuses a link at a final place (%s)", why);
	ok(lstat(p, &st) == 0 && S_ISLNK(st.st_mode), "the link is left as it was");
	ok(lstat(out, &st) < 0 && errno == ENOENT, "nothing written through it");
	p2p_store_close(s);
}

static unsigned stop_after;

static bool stop_soon(void *arg)
{
	(void)arg;
	return stop_after-- == 0;
}

/* Staged pieces without a resume file, opened with defer_check: nothing
 * is had until a check job ends; a stopped job leaves no resume file. */
static void test_job(void)
{
	struct p2p_store_opts o = { .dir = NULL, .defer_check = true };
	struct p2p_store_job *j;
	struct p2p_store *s;
	char dir[128], res[256], why[256] = "";
	uint32_t n = meta.npieces, i;
	uint64_t bytes = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/job", base);
	o.dir = dir;
	rc = open_dir(dir, false, &s, why);
	for (i = 0; rc == 0 && i + 1 < n; i++)
		rc = p2p_store_write_piece(s, i, piece(i), p2p_piece_size(&meta, i), why, 256);
	p2p_store_close(rc == 0 ? s : NULL);
	snprintf(res, sizeof(res), "%s/.outpost-p2p/abababababababababababababababababababab.resume",
	    dir);
	ok(rc == 0 && unlink(res) == 0, "staged %u pieces, resume file removed", n - 1);

	rc = p2p_store_open(&meta, &o, &s, why, sizeof(why));
	ok(rc == 0 && p2p_store_need_check(s) && p2p_store_count(s) == 0,
	    "defer_check: open leaves the check to a job, nothing had yet");
	if (rc != 0)
		return;
	is_int(p2p_store_write_piece(s, n - 1, piece(n - 1), p2p_piece_size(&meta, n - 1), why, 256),
	    -EBUSY, "no write before the check");
	is_int(p2p_store_job_new(s, true, &j), -EAGAIN, "no final check before the check");
	ok(p2p_store_job_new(s, false, &j) == 0, "a check job");
	stop_after = 2;
	is_int(p2p_store_job_run(j, stop_soon, NULL), -ECANCELED, "stopped after 2 pieces");
	ok(p2p_store_job_ok(j, &bytes) == 2 &&
	    bytes == (uint64_t)p2p_piece_size(&meta, 0) + p2p_piece_size(&meta, 1),
	    "2 verified so far, and their bytes");
	p2p_store_job_free(j);
	ok(p2p_store_need_check(s) && p2p_store_count(s) == 0, "dropped: the check still needed");
	p2p_store_close(s);
	ok(access(res, F_OK) != 0, "closed: no resume file from an undone check");

	rc = p2p_store_open(&meta, &o, &s, why, sizeof(why));
	ok(rc == 0 && p2p_store_job_new(s, false, &j) == 0, "again, a check job");
	if (rc != 0)
		return;
	is_int(p2p_store_job_run(j, NULL, NULL), 0, "run to its end");
	is_int(p2p_store_job_end(j, why, sizeof(why)), (int)n - 1, "end: %u pieces verify", n - 1);
	ok(!p2p_store_need_check(s) && p2p_store_count(s) == n - 1 &&
	    p2p_store_found_bytes(s) > 0, "applied: had and found");
	p2p_store_close(s);
	ok(access(res, F_OK) == 0, "closed: the resume file written");
}

int main(void)
{
	unsigned seed = (unsigned)time(NULL);
	char cmd[128];

	diag("seed %u", seed);
	srand(seed);
	snprintf(base, sizeof(base), "/tmp/test-p2p-store.XXXXXX");
	if (!mkdtemp(base))
		bail_out("mkdtemp");
	build_meta();
	test_download();
	test_planted("l1", "t", false);
	test_planted("l2", ".outpost-p2p/abababababababababababababababababababab/t/sub", false);
	test_planted("l3", ".outpost-p2p", false);
	test_planted("f1", ".outpost-p2p/abababababababababababababababababababab/t/a", true);
	test_planted("f2", "t/b", true);
	test_finish_planted();
	test_job();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		diag("could not remove %s", base);
	free(space);
	free(meta.pieces);
	done_testing();
	return 0;
}
