/* meta_v2.c: the v2 info (BEP 52): the file tree, the piece layers and
 * their roots, and for hybrid torrents the check that v1 and v2 describe
 * the same files at the same places. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "meta_int.h"

struct v2file {
	char		*path;
	uint64_t	length;
	const uint8_t	*root;		/* NULL for an empty file */
	bool		exec;
};

struct walk {
	struct v2file	*v;
	size_t		n, cap;
	char		*why;
	size_t		wl;
};

static int push(struct walk *w, char *path, uint64_t len, const uint8_t *root, bool exec)
{
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 16;
		struct v2file *nv;

		if (w->n >= P2P_MAX_FILES) {
			free(path);
			return meta_fail(w->why, w->wl, -E2BIG, "info.file tree: too many files");
		}
		nv = reallocarray(w->v, nc, sizeof(*nv));
		if (!nv) {
			free(path);
			return -ENOMEM;
		}
		w->v = nv;
		w->cap = nc;
	}
	w->v[w->n++] = (struct v2file){ .path = path, .length = len, .root = root, .exec = exec };
	return 0;
}

/* One level of the tree under dir (the path so far). Depth is bounded by
 * the bencode nesting limit. Keys arrive sorted, so files come out in
 * the order of their paths, as the piece space orders them. */
static int walk_dir(struct walk *w, const struct benc *d, const char *dir)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct benc *k = &d->kids[2 * i], *v = &d->kids[2 * i + 1], *leaf, *root;
		const char *bad;
		char *path;
		int64_t len;
		int e;

		if (v->type != BENC_DICT)
			return meta_fail(w->why, w->wl, -EBADMSG, "info.file tree: %s: not a dictionary",
			    dir);
		if (k->len == 0) {
			/* A file's own entry: only valid as the single key of its dict. */
			return meta_fail(w->why, w->wl, -EBADMSG,
			    "info.file tree: %s: a file entry beside other names", dir);
		}
		bad = meta_component_bad(k->s, k->len);
		if (bad)
			return meta_fail(w->why, w->wl, -EBADMSG, "info.file tree: %s: %s", dir, bad);
		path = meta_path_join(dir, k->s, k->len);
		if (!path)
			return meta_fail(w->why, w->wl, -EBADMSG, "info.file tree: path too long");
		leaf = benc_get_dict(v, "");
		if (leaf && v->n == 1) {
			const struct benc *attr = benc_get_str(leaf, "attr");

			if (!benc_get_int(leaf, "length", &len) || len < 0 || (uint64_t)len > (1ull << 50)) {
				free(path);
				return meta_fail(w->why, w->wl, -EBADMSG,
				    "info.file tree: %s: no valid length", dir);
			}
			root = benc_get_str(leaf, "pieces root");
			if (len > 0 && (!root || root->len != 32)) {
				e = meta_fail(w->why, w->wl, -EBADMSG,
				    "info.file tree: \"%s\": no 32-byte pieces root", path);
				free(path);
				return e;
			}
			e = push(w, path, (uint64_t)len, len > 0 ? root->s : NULL,
			    attr && memchr(attr->s, 'x', attr->len));
		} else if (leaf) {
			e = meta_fail(w->why, w->wl, -EBADMSG,
			    "info.file tree: \"%s\" is a file and a folder", path);
			free(path);
		} else {
			e = walk_dir(w, v, path);
			free(path);
		}
		if (e < 0)
			return e;
	}
	return 0;
}

/* The root of a subtree of n zero leaves (n a power of two). */
static void zero_root(size_t n, uint8_t out[32])
{
	uint8_t two[64];

	memset(out, 0, 32);
	for (; n > 1; n /= 2) {
		memcpy(two, out, 32);
		memcpy(two + 32, out, 32);
		SHA256(two, 64, out);
	}
}

static int check_layer(struct p2p_meta *m, struct p2p_file *f, const struct benc *layers,
    char *why, size_t wl)
{
	uint32_t n = (uint32_t)((f->length + m->piece_len - 1) / m->piece_len);
	const struct benc *layer = NULL;
	uint8_t pad[32], root[32];
	size_t width = 1;
	uint8_t *copy;

	for (size_t i = 0; layers && i < layers->n; i++)
		if (layers->kids[2 * i].len == 32 && !memcmp(layers->kids[2 * i].s, f->root, 32))
			layer = &layers->kids[2 * i + 1];
	if (!layer || layer->type != BENC_STR)
		return meta_fail(why, wl, -EBADMSG, "piece layers: none for \"%s\"", f->path);
	if (layer->len != (size_t)n * 32)
		return meta_fail(why, wl, -EBADMSG,
		    "piece layers: \"%s\" has %zu bytes, its %u pieces need %zu", f->path,
		    layer->len, n, (size_t)n * 32);
	while (width < n)
		width <<= 1;
	zero_root(m->piece_len / P2P_BLOCK, pad);
	p2p_merkle_root(layer->s, n, width, pad, root);
	if (memcmp(root, f->root, 32) != 0)
		return meta_fail(why, wl, -EBADMSG,
		    "piece layers: the layer of \"%s\" does not hash to its pieces root", f->path);
	copy = malloc(layer->len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, layer->s, layer->len);
	f->layer = copy;
	f->layer_n = n;
	return 0;
}

/* v2 only: the files from the tree, each aligned to a piece. */
static int files_from_tree(struct p2p_meta *m, struct walk *w, bool single)
{
	uint64_t off = 0;

	m->multi = !single;
	m->files = calloc(w->n, sizeof(*m->files));
	if (!m->files)
		return -ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		struct p2p_file *f = &m->files[m->nfiles++];

		f->path = w->v[i].path;
		w->v[i].path = NULL;
		f->length = w->v[i].length;
		f->executable = w->v[i].exec;
		f->offset = off;
		if (w->v[i].root)
			memcpy(f->root, w->v[i].root, 32);
		off += (f->length + m->piece_len - 1) / m->piece_len * m->piece_len;
		m->size += f->length;
	}
	/* The space ends with the last file's data, not its padding. */
	m->space = 0;
	for (size_t i = 0; i < m->nfiles; i++)
		if (m->files[i].length)
			m->space = m->files[i].offset + m->files[i].length;
	return 0;
}

/* Hybrid: v1's non-pad files are v2's, in order, at offsets on piece
 * boundaries, with pad files only between them. */
static int match_v1(struct p2p_meta *m, struct walk *w, char *why, size_t wl)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nfiles; i++) {
		struct p2p_file *f = &m->files[i];

		if (f->pad)
			continue;
		if (k >= w->n || strcmp(f->path, w->v[k].path) != 0 || f->length != w->v[k].length)
			return meta_fail(why, wl, -EBADMSG,
			    "hybrid: the v1 file \"%s\" is not the v2 file tree's next file", f->path);
		if (f->length && f->offset % m->piece_len)
			return meta_fail(why, wl, -EBADMSG,
			    "hybrid: \"%s\" does not start on a piece boundary", f->path);
		if (w->v[k].root)
			memcpy(f->root, w->v[k].root, 32);
		k++;
	}
	if (k != w->n)
		return meta_fail(why, wl, -EBADMSG, "hybrid: the v2 file tree has more files than v1");
	return 0;
}

int meta_parse_v2(struct p2p_meta *m, const struct benc *root, const struct benc *info,
    char *why, size_t wl)
{
	const struct benc *tree = benc_get_dict(info, "file tree");
	const struct benc *layers = benc_get_dict(root, "piece layers");
	struct walk w = { .why = why, .wl = wl };
	bool single;
	int e;

	if (!tree || tree->n == 0)
		return meta_fail(why, wl, -EBADMSG, "info: no \"file tree\"");
	/* A single file: the tree's one entry is the file, named as the torrent. */
	single = tree->n == 1 && tree->kids[0].len == strlen(m->name) &&
	    !memcmp(tree->kids[0].s, m->name, tree->kids[0].len) &&
	    benc_get_dict(&tree->kids[1], "") && tree->kids[1].n == 1;
	e = walk_dir(&w, tree, single ? NULL : m->name);
	if (e < 0)
		goto out;
	if (m->version & P2P_V1)
		e = match_v1(m, &w, why, wl);
	else
		e = files_from_tree(m, &w, single);
	if (e < 0)
		goto out;
	for (size_t i = 0; i < m->nfiles && !e; i++) {
		struct p2p_file *f = &m->files[i];

		if (!f->pad && f->length > m->piece_len)
			e = check_layer(m, f, layers, why, wl);
	}
out:
	for (size_t i = 0; i < w.n; i++)
		free(w.v[i].path);
	free(w.v);
	return e;
}
