/* test-meta.c: bencode (strictness, reasons, limits), metainfo refusals
 * (paths, sizes, layers, hybrids) with their reasons, and create ->
 * parse -> verify for v1, v2 and hybrid, single and multi-file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bencode.h"
#include "meta.h"
#include "tap.h"

static void test_bencode(void)
{
	static const struct { const char *in; int err; const char *why; } t[] = {
		{ "i42e", 0, NULL }, { "i-7e", 0, NULL }, { "4:spam", 0, NULL }, { "le", 0, NULL },
		{ "d1:ai1e1:bi2ee", 0, NULL },
		{ "i-0e", -EBADMSG, "negative zero" }, { "i042e", -EBADMSG, "leading zero" },
		{ "ie", -EBADMSG, "digits expected" }, { "i1", -EBADMSG, "'e' expected" },
		{ "5:spam", -EBADMSG, "past the end" }, { "l", -EBADMSG, "ends inside" },
		{ "d1:bi1e1:ai2ee", -EBADMSG, "not sorted" }, { "d1:ai1e1:ai2ee", -EBADMSG, "not sorted" },
		{ "di1ei2ee", -EBADMSG, "key is not a string" }, { "d1:ae", -EBADMSG, "without a value" },
		{ "i1ei2e", -EBADMSG, "trailing bytes" }, { "x", -EBADMSG, "not a bencoded value" },
		{ "i9223372036854775808e", -EBADMSG, "out of range" },
	};
	struct benc_doc d;
	char why[160], deep[400];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int e = benc_decode((const uint8_t *)t[i].in, strlen(t[i].in), &d, why, sizeof(why));

		ok(e == t[i].err && (!t[i].why || strstr(why, t[i].why)), "bencode %s: %d %s",
		    t[i].in, e, e ? why : "");
		if (!e)
			benc_doc_free(&d);
	}
	memset(deep, 'l', 200);
	memset(deep + 200, 'e', 200);
	is_int(benc_decode((uint8_t *)deep, sizeof(deep), &d, why, sizeof(why)), -E2BIG,
	    "200 levels of nesting refused (%s)", why);
	benc_decode((const uint8_t *)"d1:ai1e1:bl3:xyzee", 18, &d, why, sizeof(why));
	ok(benc_get_list(d.root, "b") && benc_str_is(&benc_get_list(d.root, "b")->kids[0], "xyz") &&
	    !benc_get_str(d.root, "a"), "typed lookups");
	benc_doc_free(&d);
}

/* A v1 torrent around info (a bencoded dict text). */
static int parse_info(const char *info, char *why, size_t wl)
{
	char buf[4096];
	struct p2p_meta m;
	int n = snprintf(buf, sizeof(buf), "d4:info%se", info), e;

	e = p2p_meta_parse((uint8_t *)buf, (size_t)n, &m, why, wl);
	p2p_meta_free(&m);
	return e;
}

static void test_refusals(void)
{
	static const struct { const char *what, *info, *why; } t[] = {
		{ "\"..\" in a path", "d5:filesld6:lengthi5e4:pathl2:..6:passwdeee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "\"..\"" },
		{ "\"/\" inside a component", "d5:filesld6:lengthi5e4:pathl8:etc/passeee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "\"/\"" },
		{ "an empty component", "d5:filesld6:lengthi5e4:pathl0:1:aeee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "empty path component" },
		{ "an absolute name", "d6:lengthi5e4:name4:/etc12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "\"/\"" },
		{ "the name \"..\"", "d6:lengthi5e4:name2:..12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "\"..\"" },
		{ "pieces not a multiple of 20", "d6:lengthi5e4:name1:x12:piece lengthi16384e6:pieces19:aaaaaaaaaaaaaaaaaaae", "19 bytes" },
		{ "a huge piece count", "d6:lengthi9000000000000000e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "pieces" },
		{ "a piece length of 1", "d6:lengthi5e4:name1:x12:piece lengthi1e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "piece length" },
		{ "two files with one path", "d5:filesld6:lengthi5e4:pathl1:aeed6:lengthi5e4:pathl1:aeee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "two files" },
		{ "a file that is a folder", "d5:filesld6:lengthi5e4:pathl1:aeed6:lengthi5e4:pathl1:a1:beee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", "also a folder" },
		{ "no data", "d6:lengthi0e4:name1:x12:piece lengthi16384e6:pieces0:e", "no data" },
		{ "a v2 piece layer missing", "d9:file treed1:xd0:d6:lengthi40000e11:pieces root32:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaeee12:meta versioni2e4:name1:x12:piece lengthi16384ee", "piece layers" },
	};
	char why[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int e = parse_info(t[i].info, why, sizeof(why));

		ok(e < 0 && strstr(why, t[i].why), "refused: %s (%s)", t[i].what, why);
	}
	is_int(p2p_meta_parse((const uint8_t *)"d4:infod", 8, &(struct p2p_meta){ 0 }, why,
	    sizeof(why)), -EBADMSG, "truncated bencode refused (%s)", why);
}

static void write_file(const char *path, size_t n, unsigned seed)
{
	FILE *f = fopen(path, "wb");

	for (size_t i = 0; i < n; i++)
		fputc((int)((i * 31 + seed * 7 + (i >> 9)) % 251), f);
	fclose(f);
}

/* Read piece i from the content under dir, as the store would. */
static uint8_t *read_piece(const struct p2p_meta *m, const char *dir, uint32_t i, uint32_t *n)
{
	uint64_t start = (uint64_t)i * m->piece_len;
	uint8_t *buf;

	*n = p2p_piece_size(m, i);
	buf = calloc(1, *n ? *n : 1);
	for (size_t k = 0; k < m->nfiles; k++) {
		const struct p2p_file *f = &m->files[k];
		uint64_t a = f->offset > start ? f->offset : start;
		uint64_t b = f->offset + f->length < start + *n ? f->offset + f->length : start + *n;
		char p[4096];
		FILE *fp;

		if (f->pad || a >= b)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, f->path);
		fp = fopen(p, "rb");
		if (!fp)
			continue;
		fseek(fp, (long)(a - f->offset), SEEK_SET);
		if (fread(buf + (a - start), 1, (size_t)(b - a), fp) != b - a)
			memset(buf, 0xee, 1);
		fclose(fp);
	}
	return buf;
}

static void round_trip(const char *dir, const char *path, int ver, const char *what)
{
	struct p2p_create_opts o = { .path = path, .version = ver, .piece_len = 32768 };
	struct wire_buf b;
	struct p2p_meta m;
	char why[256];
	uint32_t bad = 0, n;
	bool flip_seen = false;
	int e;

	wire_buf_init(&b);
	e = p2p_create(&o, &b, why, sizeof(why));
	is_int(e, 0, "%s: created %s", what, e ? why : "");
	e = p2p_meta_parse(b.data, b.len, &m, why, sizeof(why));
	is_int(e, 0, "%s: parses back %s", what, e ? why : "");
	if (e == 0) {
		is_int(m.version, ver, "%s: version", what);
		for (uint32_t i = 0; i < m.npieces; i++) {
			uint8_t *p = read_piece(&m, dir, i, &n);

			if (!p2p_piece_verify(&m, i, p, n))
				bad++;
			p[n / 2] ^= 0x40;
			if (p2p_piece_verify(&m, i, p, n))
				flip_seen = true;
			free(p);
		}
		is_int(bad, 0, "%s: all %u pieces of the content verify", what, m.npieces);
		ok(!flip_seen, "%s: a flipped byte fails its piece", what);
		p2p_meta_free(&m);
	}
	wire_buf_free(&b);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Torrents made by transmission-create, mktorrent and libtorrent
 * (tests/p2p/data/make-fixtures.sh): our info-hashes must be the ones
 * libtorrent computed, the checked-in content must verify piece by piece
 * and a flipped byte must not; a piece layer that does not hash to its
 * root, or hybrids whose halves disagree, are refused. */
static void test_fixtures(void)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
	char data[1024], p[1200], line[256], name[64], e1[80], e2[80], why[512];
	struct p2p_meta m;
	int nfix = 0;
	FILE *fp;

	snprintf(data, sizeof(data), "%s/tests/p2p/data", top);
	snprintf(p, sizeof(p), "%s/expected.txt", data);
	fp = fopen(p, "r");
	if (!fp)
		bail_out("no %s", p);
	while (fgets(line, sizeof(line), fp) && sscanf(line, "%63s %79s %79s", name, e1, e2) == 3) {
		char h1[41] = "-", h2[65] = "-", dir[1100];
		uint32_t bad = 0, n;
		bool flip_seen = false;
		int e;

		nfix++;
		snprintf(p, sizeof(p), "%s/%s.torrent", data, name);
		e = p2p_meta_load(p, &m, why, sizeof(why));
		is_int(e, 0, "%s: parses %s", name, e ? why : "");
		if (e)
			continue;
		if (m.version & P2P_V1)
			hex(m.ih1, 20, h1);
		if (m.version & P2P_V2)
			hex(m.ih2, 32, h2);
		is_str(h1, e1, "%s: v1 info-hash is libtorrent's", name);
		is_str(h2, e2, "%s: v2 info-hash is libtorrent's", name);
		snprintf(dir, sizeof(dir), "%s/content", data);
		for (uint32_t i = 0; i < m.npieces; i++) {
			uint8_t *pc = read_piece(&m, dir, i, &n);

			if (!p2p_piece_verify(&m, i, pc, n))
				bad++;
			pc[n - 1] ^= 0x01;
			if (p2p_piece_verify(&m, i, pc, n))
				flip_seen = true;
			free(pc);
		}
		ok(m.npieces > 1 && bad == 0, "%s: all %u pieces of the content verify", name,
		    m.npieces);
		ok(!flip_seen, "%s: a flipped byte fails its piece", name);
		p2p_meta_free(&m);
	}
	fclose(fp);
	is_int(nfix, 5, "five fixtures from three other tools");
	static const struct { const char *file, *why, *what; } bad[] = {
		{ "bad-layer-v2", "does not hash to its pieces root", "a tampered piece layer" },
		{ "bad-hybrid-name", "is not the v2 file tree's next file",
		    "a hybrid whose v1 file is not v2's" },
		{ "bad-hybrid-pad", "does not start on a piece boundary",
		    "a hybrid whose pad files misalign a file" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s.torrent", data, bad[i].file);
		why[0] = 0;
		ok(p2p_meta_load(p, &m, why, sizeof(why)) == -EBADMSG && strstr(why, bad[i].why),
		    "%s is refused (%s)", bad[i].what, why);
	}
}

static void test_create(void)
{
	char dir[] = "/tmp/test-meta-XXXXXX", p[512], q[512];

	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	snprintf(p, sizeof(p), "%s/pkg", dir);
	mkdir(p, 0755);
	snprintf(q, sizeof(q), "%s/pkg/sub", dir);
	mkdir(q, 0755);
	snprintf(q, sizeof(q), "%s/pkg/a.bin", dir);
	write_file(q, 100000, 1);
	snprintf(q, sizeof(q), "%s/pkg/sub/b.bin", dir);
	write_file(q, 32768, 2);
	snprintf(q, sizeof(q), "%s/pkg/c", dir);
	write_file(q, 5, 3);
	snprintf(q, sizeof(q), "%s/pkg/empty", dir);
	write_file(q, 0, 4);
	snprintf(q, sizeof(q), "%s/one.bin", dir);
	write_file(q, 200001, 5);
	for (int v = 1; v <= 3; v++) {
		char what[64];

		snprintf(what, sizeof(what), "multi-file v%d%s", v, v == 3 ? " (hybrid)" : "");
		round_trip(dir, p, v, what);
		snprintf(what, sizeof(what), "single file v%d%s", v, v == 3 ? " (hybrid)" : "");
		round_trip(dir, q, v, what);
	}
	is_int(p2p_piece_len_for(1 << 20), 16384, "1 MiB: 16 KiB pieces");
	is_int(p2p_piece_len_for(1ull << 30), 1 << 20, "1 GiB: 1 MiB pieces");
	snprintf(q, sizeof(q), "rm -rf %s", dir);
	if (system(q) != 0)
		diag("could not remove %s", dir);
}

struct prog { uint64_t last, total; unsigned calls; bool backwards; };

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct prog *pr = arg;

	pr->backwards |= done < pr->last;
	pr->last = done;
	pr->total = total;
	pr->calls++;
}

/* What p2p_create refuses, with its reason, and its progress reports. */
static void test_create_refusals(void)
{
	char dir[] = "/tmp/test-meta-XXXXXX", p[512], q[512], why[512];
	struct p2p_create_opts o = { .version = P2P_HYBRID };
	struct prog pr = { 0 };
	struct wire_buf b;
	int e;

	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	wire_buf_init(&b);
	snprintf(p, sizeof(p), "%s/empty", dir);
	mkdir(p, 0755);
	o.path = p;
	e = p2p_create(&o, &b, why, sizeof(why));
	ok(e == -EINVAL && strstr(why, "no data to share"), "an empty folder refused (%s)", why);
	snprintf(p, sizeof(p), "%s/link", dir);
	mkdir(p, 0755);
	snprintf(q, sizeof(q), "%s/link/data", dir);
	write_file(q, 1000, 7);
	snprintf(q, sizeof(q), "%s/link/passwd", dir);
	if (symlink("/etc/passwd", q) < 0)
		bail_out("symlink");
	o.path = p;
	e = p2p_create(&o, &b, why, sizeof(why));
	ok(e == -EINVAL && strstr(why, "a symbolic link"), "a symlink inside refused (%s)", why);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	mkdir(p, 0755);
	snprintf(q, sizeof(q), "%s/fifo/pipe", dir);
	if (mkfifo(q, 0600) < 0)
		bail_out("mkfifo");
	o.path = p;
	e = p2p_create(&o, &b, why, sizeof(why));
	ok(e == -EINVAL && strstr(why, "a special file"), "a fifo inside refused (%s)", why);
	snprintf(q, sizeof(q), "%s/link/data", dir);
	o.path = q;
	o.piece_len = 20000;
	e = p2p_create(&o, &b, why, sizeof(why));
	ok(e == -EINVAL && strstr(why, "power of two"), "a 20000-byte piece refused (%s)", why);
	snprintf(q, sizeof(q), "%s/big", dir);
	write_file(q, 2621440 + 5, 8);	/* progress comes per 1 MiB read */
	o.path = q;
	o.piece_len = 16384;
	o.progress = on_progress;
	o.arg = &pr;
	wire_buf_reset(&b);
	e = p2p_create(&o, &b, why, sizeof(why));
	ok(e == 0 && pr.calls >= 2 && !pr.backwards && pr.last == 2621445 && pr.total == 2621445,
	    "progress climbs to the total (%u calls, %llu of %llu)", pr.calls,
	    (unsigned long long)pr.last, (unsigned long long)pr.total);
	wire_buf_free(&b);
	snprintf(q, sizeof(q), "rm -rf %s", dir);
	if (system(q) != 0)
		diag("could not remove %s", dir);
}

int main(void)
{
	test_bencode();
	test_refusals();
	test_fixtures();
	test_create();
	test_create_refusals();
	return done_testing();
}
