/* meta_create.c: making .torrent files (v1, v2 and hybrid) from a file
 * or a folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "bencode.h"
#include "meta_int.h"

#define READ_BUF	(1u << 20)

struct cfile {
	char		*rel;		/* relative to the folder ("" for a single file) */
	char		*full;
	uint64_t	length;
	bool		exec;
	uint8_t		root[32];
	uint8_t		*layer;		/* piece layer, when longer than a piece */
	uint32_t	layer_n;
};

struct creator {
	const struct p2p_create_opts *o;
	struct cfile	*f;
	size_t		n, cap;
	char		*why;
	size_t		wl;
	uint32_t	pl;
	uint64_t	total, done;
	/* v1 piece stream */
	EVP_MD_CTX	*sha1;
	uint64_t	in_piece;
	struct wire_buf	pieces;
	uint8_t		*buf;
};

/* Component-wise order, as v2's file tree sorts each level. */
static int rel_cmp(const void *a, const void *b)
{
	const char *x = ((const struct cfile *)a)->rel, *y = ((const struct cfile *)b)->rel;

	for (;;) {
		size_t lx = strcspn(x, "/"), ly = strcspn(y, "/");
		int c = memcmp(x, y, lx < ly ? lx : ly);

		if (c)
			return c;
		if (lx != ly)
			return lx < ly ? -1 : 1;
		if (!x[lx] || !y[ly])
			return !x[lx] ? (y[ly] ? -1 : 0) : 1;
		x += lx + 1;
		y += ly + 1;
	}
}

static int add(struct creator *c, const char *rel, const char *full, const struct stat *st)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		struct cfile *nf;

		if (c->n >= P2P_MAX_FILES)
			return meta_fail(c->why, c->wl, -E2BIG, "more than %u files", P2P_MAX_FILES);
		nf = reallocarray(c->f, nc, sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		c->f = nf;
		c->cap = nc;
	}
	memset(&c->f[c->n], 0, sizeof(c->f[0]));
	c->f[c->n].rel = strdup(rel);
	c->f[c->n].full = strdup(full);
	c->f[c->n].length = (uint64_t)st->st_size;
	c->f[c->n].exec = (st->st_mode & 0111) != 0;
	c->n++;
	if (!c->f[c->n - 1].rel || !c->f[c->n - 1].full)
		return -ENOMEM;
	c->total += (uint64_t)st->st_size;
	return 0;
}

static int walk(struct creator *c, const char *full, const char *rel, int depth)
{
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (depth > 32)
		return meta_fail(c->why, c->wl, -ELOOP, "%s: folders nested too deeply", full);
	d = opendir(full);
	if (!d)
		return meta_fail(c->why, c->wl, -errno, "%s: %s", full, strerror(errno));
	while (!err && (e = readdir(d))) {
		char f[P2P_PATH_MAX + 256], r[P2P_PATH_MAX];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (meta_component_bad((const uint8_t *)e->d_name, strlen(e->d_name))) {
			err = meta_fail(c->why, c->wl, -EINVAL, "%s/%s: a name torrents cannot carry",
			    full, e->d_name);
			break;
		}
		if ((size_t)snprintf(f, sizeof(f), "%s/%s", full, e->d_name) >= sizeof(f) ||
		    (size_t)snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
		    sizeof(r)) {
			err = meta_fail(c->why, c->wl, -ENAMETOOLONG, "%s: path too long", full);
			break;
		}
		if (lstat(f, &st) < 0)
			err = meta_fail(c->why, c->wl, -errno, "%s: %s", f, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			err = walk(c, f, r, depth + 1);
		else if (S_ISREG(st.st_mode))
			err = add(c, r, f, &st);
		else
			err = meta_fail(c->why, c->wl, -EINVAL, "%s: %s, not a regular file", f,
			    S_ISLNK(st.st_mode) ? "a symbolic link" : "a special file");
	}
	closedir(d);
	return err;
}

uint32_t p2p_piece_len_for(uint64_t size)
{
	uint32_t pl = P2P_MIN_PIECE_LEN;

	while (size / pl > 2000 && pl < (16u << 20))
		pl <<= 1;
	return pl;
}

/* Feed n bytes of the v1 piece stream (content, or pad zeros). */
static void v1_feed(struct creator *c, const uint8_t *p, size_t n)
{
	while (n) {
		size_t k = c->pl - c->in_piece < n ? (size_t)(c->pl - c->in_piece) : n;

		EVP_DigestUpdate(c->sha1, p, k);
		c->in_piece += k;
		p += k;
		n -= k;
		if (c->in_piece == c->pl) {
			uint8_t h[EVP_MAX_MD_SIZE];

			EVP_DigestFinal_ex(c->sha1, h, NULL);
			wire_put_bytes(&c->pieces, h, 20);
			EVP_DigestInit_ex(c->sha1, EVP_sha1(), NULL);
			c->in_piece = 0;
		}
	}
}

static void v1_flush(struct creator *c)
{
	if (c->in_piece) {
		uint8_t h[EVP_MAX_MD_SIZE];

		EVP_DigestFinal_ex(c->sha1, h, NULL);
		wire_put_bytes(&c->pieces, h, 20);
		c->in_piece = 0;
	}
}

static size_t pow2_at_least(size_t n)
{
	size_t w = 1;

	while (w < n)
		w <<= 1;
	return w;
}

/* v2: the file's root and piece layer from its leaves. */
static int v2_tree(struct creator *c, struct cfile *f, const uint8_t *leaves, size_t nleaves)
{
	size_t per = c->pl / P2P_BLOCK;
	uint8_t pad[32] = { 0 }, two[64];

	if (f->length == 0)
		return 0;
	if (f->length <= c->pl) {
		p2p_merkle_root(leaves, nleaves, pow2_at_least(nleaves), NULL, f->root);
		return 0;
	}
	f->layer_n = (uint32_t)((f->length + c->pl - 1) / c->pl);
	f->layer = malloc((size_t)f->layer_n * 32);
	if (!f->layer)
		return -ENOMEM;
	for (uint32_t i = 0; i < f->layer_n; i++) {
		size_t first = (size_t)i * per, n = nleaves - first < per ? nleaves - first : per;

		p2p_merkle_root(leaves + first * 32, n, per, NULL, f->layer + (size_t)i * 32);
	}
	for (size_t w = per; w > 1; w /= 2) {		/* the root of a zero piece */
		memcpy(two, pad, 32);
		memcpy(two + 32, pad, 32);
		SHA256(two, 64, pad);
	}
	p2p_merkle_root(f->layer, f->layer_n, pow2_at_least(f->layer_n), pad, f->root);
	return 0;
}

/* Read one file once, feeding v1 and v2 as asked. */
static int hash_file(struct creator *c, struct cfile *f, bool v1, bool v2)
{
	size_t nleaves = (size_t)((f->length + P2P_BLOCK - 1) / P2P_BLOCK);
	uint8_t *leaves = NULL;
	uint64_t got = 0;
	int fd, e = 0;

	fd = open(f->full, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return meta_fail(c->why, c->wl, -errno, "%s: %s", f->full, strerror(errno));
	if (v2 && nleaves && !(leaves = malloc(nleaves * 32))) {
		close(fd);
		return -ENOMEM;
	}
	while (got < f->length) {
		size_t want = f->length - got < READ_BUF ? (size_t)(f->length - got) : READ_BUF;
		ssize_t k = pread(fd, c->buf, want, (off_t)got);

		if (k <= 0) {
			e = meta_fail(c->why, c->wl, k < 0 ? -errno : -EIO, "%s: %s", f->full,
			    k < 0 ? strerror(errno) : "shorter than when listed");
			break;
		}
		if (v1)
			v1_feed(c, c->buf, (size_t)k);
		if (v2)		/* READ_BUF is a whole number of blocks */
			p2p_merkle_leaves(c->buf, (size_t)k, leaves + (got / P2P_BLOCK) * 32);
		got += (uint64_t)k;
		c->done += (uint64_t)k;
		if (c->o->progress)
			c->o->progress(c->done, c->total, c->o->arg);
	}
	close(fd);
	if (!e && v2)
		e = v2_tree(c, f, leaves, nleaves);
	free(leaves);
	return e;
}

/* The pad after file i of a hybrid (none after the last or when aligned). */
static uint64_t pad_after(const struct creator *c, size_t i)
{
	uint64_t r = c->f[i].length % c->pl;

	return i + 1 < c->n && r ? c->pl - r : 0;
}

static void put_path(struct wire_buf *b, const char *rel)
{
	benc_put_list(b);
	while (*rel) {
		size_t l = strcspn(rel, "/");

		benc_put_str(b, rel, l);
		rel += l + (rel[l] == '/');
	}
	benc_put_end(b);
}

static void put_v1_files(struct creator *c, struct wire_buf *b, bool hybrid)
{
	benc_put_cstr(b, "files");
	benc_put_list(b);
	for (size_t i = 0; i < c->n; i++) {
		uint64_t pad = hybrid ? pad_after(c, i) : 0;
		char name[32];

		benc_put_dict(b);
		if (c->f[i].exec) {
			benc_put_cstr(b, "attr");
			benc_put_cstr(b, "x");
		}
		benc_put_cstr(b, "length");
		benc_put_int(b, (int64_t)c->f[i].length);
		benc_put_cstr(b, "path");
		put_path(b, c->f[i].rel);
		benc_put_end(b);
		if (!pad)
			continue;
		snprintf(name, sizeof(name), "%llu", (unsigned long long)pad);
		benc_put_dict(b);
		benc_put_cstr(b, "attr");
		benc_put_cstr(b, "p");
		benc_put_cstr(b, "length");
		benc_put_int(b, (int64_t)pad);
		benc_put_cstr(b, "path");
		benc_put_list(b);
		benc_put_cstr(b, ".pad");
		benc_put_cstr(b, name);
		benc_put_end(b);
		benc_put_end(b);
	}
	benc_put_end(b);
}

static void put_leaf(struct wire_buf *b, const struct cfile *f)
{
	benc_put_dict(b);
	benc_put_str(b, "", 0);
	benc_put_dict(b);
	if (f->exec) {
		benc_put_cstr(b, "attr");
		benc_put_cstr(b, "x");
	}
	benc_put_cstr(b, "length");
	benc_put_int(b, (int64_t)f->length);
	if (f->length) {
		benc_put_cstr(b, "pieces root");
		benc_put_str(b, f->root, 32);
	}
	benc_put_end(b);
	benc_put_end(b);
}

/* The file tree from the sorted list: open and close one dict per folder. */
static void put_tree(struct creator *c, struct wire_buf *b, const char *single)
{
	const char *prev = "";
	size_t open = 0;

	benc_put_cstr(b, "file tree");
	benc_put_dict(b);
	if (single) {
		benc_put_cstr(b, single);
		put_leaf(b, &c->f[0]);
		benc_put_end(b);
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		const char *r = c->f[i].rel, *p = prev;
		size_t common = 0, depth = 0;

		/* Folders shared with the previous file stay open. */
		while (i > 0) {
			size_t lr = strcspn(r, "/"), lp = strcspn(p, "/");

			if (!r[lr] || !p[lp] || lr != lp || memcmp(r, p, lr))
				break;
			common++;
			r += lr + 1;
			p += lp + 1;
		}
		for (; open > common; open--)
			benc_put_end(b);
		depth = common;
		for (;;) {
			size_t l = strcspn(r, "/");

			benc_put_str(b, r, l);
			if (!r[l])
				break;
			benc_put_dict(b);
			depth++;
			r += l + 1;
		}
		open = depth;
		put_leaf(b, &c->f[i]);
		prev = c->f[i].rel;
	}
	for (; open > 0; open--)
		benc_put_end(b);
	benc_put_end(b);
}

static int root_cmp(const void *a, const void *b)
{
	return memcmp((*(struct cfile *const *)a)->root, (*(struct cfile *const *)b)->root, 32);
}

static int put_layers(struct creator *c, struct wire_buf *b)
{
	struct cfile **v = calloc(c->n ? c->n : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++)
		if (c->f[i].layer)
			v[k++] = &c->f[i];
	if (k) {
		qsort(v, k, sizeof(*v), root_cmp);
		benc_put_cstr(b, "piece layers");
		benc_put_dict(b);
		for (size_t i = 0; i < k; i++) {
			if (i && !memcmp(v[i]->root, v[i - 1]->root, 32))
				continue;	/* identical files share one layer */
			benc_put_str(b, v[i]->root, 32);
			benc_put_str(b, v[i]->layer, (size_t)v[i]->layer_n * 32);
		}
		benc_put_end(b);
	}
	free(v);
	return 0;
}

static const char *base_name(const char *path, char *buf, size_t n)
{
	size_t l = strlen(path);

	while (l > 1 && path[l - 1] == '/')
		l--;
	snprintf(buf, n, "%.*s", (int)l, path);
	char *s = strrchr(buf, '/');
	return s ? s + 1 : buf;
}

static int encode(struct creator *c, struct wire_buf *out, const char *name, bool single)
{
	const struct p2p_create_opts *o = c->o;
	int ver = o->version ? o->version : P2P_HYBRID;
	bool v1 = ver & P2P_V1, v2 = ver & P2P_V2;

	benc_put_dict(out);
	if (o->ntrackers) {
		benc_put_cstr(out, "announce");
		benc_put_cstr(out, o->trackers[0]);
	}
	if (o->ntrackers > 1) {
		benc_put_cstr(out, "announce-list");
		benc_put_list(out);
		for (size_t i = 0; i < o->ntrackers; i++) {
			benc_put_list(out);
			benc_put_cstr(out, o->trackers[i]);
			benc_put_end(out);
		}
		benc_put_end(out);
	}
	if (o->comment) {
		benc_put_cstr(out, "comment");
		benc_put_cstr(out, o->comment);
	}
	if (o->created_by) {
		benc_put_cstr(out, "created by");
		benc_put_cstr(out, o->created_by);
	}
	if (o->creation_date) {
		benc_put_cstr(out, "creation date");
		benc_put_int(out, o->creation_date);
	}
	benc_put_cstr(out, "info");
	benc_put_dict(out);
	if (v2)
		put_tree(c, out, single ? name : NULL);
	if (v1 && !single)
		put_v1_files(c, out, v2);
	if (v1 && single) {
		benc_put_cstr(out, "length");
		benc_put_int(out, (int64_t)c->f[0].length);
	}
	if (v2) {
		benc_put_cstr(out, "meta version");
		benc_put_int(out, 2);
	}
	benc_put_cstr(out, "name");
	benc_put_cstr(out, name);
	benc_put_cstr(out, "piece length");
	benc_put_int(out, c->pl);
	if (v1) {
		benc_put_cstr(out, "pieces");
		benc_put_str(out, c->pieces.data, c->pieces.len);
	}
	if (o->private_) {
		benc_put_cstr(out, "private");
		benc_put_int(out, 1);
	}
	benc_put_end(out);
	if (v2 && put_layers(c, out) < 0)
		return -ENOMEM;
	if (o->nwebseeds) {
		benc_put_cstr(out, "url-list");
		benc_put_list(out);
		for (size_t i = 0; i < o->nwebseeds; i++)
			benc_put_cstr(out, o->webseeds[i]);
		benc_put_end(out);
	}
	benc_put_end(out);
	return wire_buf_error(out);
}

int p2p_create(const struct p2p_create_opts *o, struct wire_buf *out, char *why, size_t whylen)
{
	struct creator c = { .o = o, .why = why, .wl = whylen };
	int ver = o->version ? o->version : P2P_HYBRID;
	char nb[P2P_PATH_MAX];
	const char *name = base_name(o->path, nb, sizeof(nb));
	struct stat st;
	bool single;
	int e;

	if (why && whylen)
		why[0] = '\0';
	if (stat(o->path, &st) < 0)
		return meta_fail(why, whylen, -errno, "%s: %s", o->path, strerror(errno));
	if (meta_component_bad((const uint8_t *)name, strlen(name)))
		return meta_fail(why, whylen, -EINVAL, "%s: a name torrents cannot carry", o->path);
	single = S_ISREG(st.st_mode);
	if (single)
		e = add(&c, "", o->path, &st);
	else if (S_ISDIR(st.st_mode))
		e = walk(&c, o->path, "", 0);
	else
		e = meta_fail(why, whylen, -EINVAL, "%s: neither a file nor a folder", o->path);
	if (e < 0)
		goto out;
	if (c.total == 0) {
		e = meta_fail(why, whylen, -EINVAL, "%s: no data to share", o->path);
		goto out;
	}
	qsort(c.f, c.n, sizeof(*c.f), rel_cmp);
	c.pl = o->piece_len ? o->piece_len : p2p_piece_len_for(c.total);
	if (c.pl < P2P_MIN_PIECE_LEN || c.pl > P2P_MAX_PIECE_LEN || (c.pl & (c.pl - 1))) {
		e = meta_fail(why, whylen, -EINVAL,
		    "piece size %u: must be a power of two from 16 KiB to 64 MiB", c.pl);
		goto out;
	}
	c.buf = malloc(READ_BUF);
	c.sha1 = EVP_MD_CTX_new();
	wire_buf_init(&c.pieces);
	if (!c.buf || !c.sha1 || !EVP_DigestInit_ex(c.sha1, EVP_sha1(), NULL)) {
		e = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.n && !e; i++) {
		e = hash_file(&c, &c.f[i], ver & P2P_V1, ver & P2P_V2);
		if (!e && ver == P2P_HYBRID) {
			static const uint8_t zeros[4096];

			for (uint64_t left = pad_after(&c, i); left; ) {
				size_t k = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

				v1_feed(&c, zeros, k);
				left -= k;
			}
		}
	}
	if (e < 0)
		goto out;
	v1_flush(&c);
	e = encode(&c, out, name, single);
out:
	for (size_t i = 0; i < c.n; i++) {
		free(c.f[i].rel);
		free(c.f[i].full);
		free(c.f[i].layer);
	}
	free(c.f);
	free(c.buf);
	EVP_MD_CTX_free(c.sha1);
	wire_buf_free(&c.pieces);
	return e;
}
