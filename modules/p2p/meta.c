/* meta.c: .torrent files: the v1 info, the common keys, the piece space
 * and the piece checks (meta.h). The v2 file tree is meta_v2.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "fs.h"
#include "meta_int.h"

#define URL_MAX 2048

static char *dup_str(const struct benc *s)
{
	char *p = malloc(s->len + 1);

	if (p) {
		memcpy(p, s->s, s->len);
		p[s->len] = '\0';
	}
	return p;
}

/* A URL we keep: printable ASCII, not too long. */
static bool url_ok(const struct benc *s)
{
	if (!s || s->type != BENC_STR || s->len == 0 || s->len > URL_MAX)
		return false;
	for (size_t i = 0; i < s->len; i++)
		if (s->s[i] <= 0x20 || s->s[i] >= 0x7f)
			return false;
	return true;
}

static int add_url(char ***v, size_t *n, const struct benc *s)
{
	char **nv;

	if (!url_ok(s))
		return 0;	/* ignored, as other clients do */
	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i]) == s->len && memcmp((*v)[i], s->s, s->len) == 0)
			return 0;
	if (*n >= 64)
		return 0;
	nv = reallocarray(*v, *n + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = dup_str(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int parse_urls(struct p2p_meta *m, const struct benc *root)
{
	const struct benc *al = benc_get_list(root, "announce-list"), *ul;
	int e = add_url(&m->trackers, &m->ntrackers, benc_get_str(root, "announce"));

	for (size_t t = 0; al && t < al->n && !e; t++) {
		const struct benc *tier = &al->kids[t];

		for (size_t i = 0; tier->type == BENC_LIST && i < tier->n && !e; i++)
			e = add_url(&m->trackers, &m->ntrackers, &tier->kids[i]);
	}
	ul = benc_get(root, "url-list");
	if (ul && ul->type == BENC_STR && !e)
		e = add_url(&m->webseeds, &m->nwebseeds, ul);
	for (size_t i = 0; ul && ul->type == BENC_LIST && i < ul->n && !e; i++)
		e = add_url(&m->webseeds, &m->nwebseeds, &ul->kids[i]);
	return e;
}

static int add_file(struct p2p_meta *m, char *path, uint64_t len, bool pad, bool exec)
{
	struct p2p_file *nf;

	if (m->nfiles >= P2P_MAX_FILES) {
		free(path);
		return -E2BIG;
	}
	nf = reallocarray(m->files, m->nfiles + 1, sizeof(*nf));
	if (!nf) {
		free(path);
		return -ENOMEM;
	}
	m->files = nf;
	memset(&nf[m->nfiles], 0, sizeof(*nf));
	nf[m->nfiles].path = path;
	nf[m->nfiles].length = len;
	nf[m->nfiles].pad = pad;
	nf[m->nfiles].executable = exec;
	m->nfiles++;
	return 0;
}

static bool has_attr(const struct benc *f, char c)
{
	const struct benc *a = benc_get_str(f, "attr");

	return a && memchr(a->s, c, a->len) != NULL;
}

/* The v1 file list: "length" (one file) or "files". */
static int parse_v1_files(struct p2p_meta *m, const struct benc *info, char *why, size_t wl)
{
	const struct benc *files = benc_get_list(info, "files");
	uint64_t off = 0;
	int64_t len;

	if (!files) {
		char *p;

		if (!benc_get_int(info, "length", &len) || len < 0)
			return meta_fail(why, wl, -EBADMSG, "info: neither \"length\" nor \"files\"");
		p = strdup(m->name);
		if (!p || add_file(m, p, (uint64_t)len, false, has_attr(info, 'x')) < 0)
			return -ENOMEM;
		m->files[0].offset = 0;
		m->space = m->size = (uint64_t)len;
		return 0;
	}
	m->multi = true;
	if (files->n == 0)
		return meta_fail(why, wl, -EBADMSG, "info.files: empty");
	for (size_t i = 0; i < files->n; i++) {
		const struct benc *f = &files->kids[i], *path;
		bool pad = has_attr(f, 'p');
		char *p = NULL;

		if (f->type != BENC_DICT || !benc_get_int(f, "length", &len) || len < 0 ||
		    (uint64_t)len > (1ull << 50))
			return meta_fail(why, wl, -EBADMSG, "info.files[%zu]: no valid length", i);
		path = benc_get_list(f, "path");
		if (!path || path->n == 0)
			return meta_fail(why, wl, -EBADMSG, "info.files[%zu]: no path", i);
		p = strdup(m->name);
		for (size_t k = 0; p && k < path->n; k++) {
			const struct benc *c = &path->kids[k];
			const char *bad = c->type == BENC_STR ? meta_component_bad(c->s, c->len) :
			    "a path component is not a string";
			char *q;

			if (bad) {
				free(p);
				return meta_fail(why, wl, -EBADMSG, "info.files[%zu].path[%zu]: %s",
				    i, k, bad);
			}
			q = meta_path_join(p, c->s, c->len);
			free(p);
			p = q;
			if (!p)
				return meta_fail(why, wl, -EBADMSG, "info.files[%zu]: path too long", i);
		}
		if (!p || add_file(m, p, (uint64_t)len, pad, has_attr(f, 'x')) < 0)
			return meta_fail(why, wl, -E2BIG, "info.files: too many files");
		m->files[m->nfiles - 1].offset = off;
		off += (uint64_t)len;
		if (!pad)
			m->size += (uint64_t)len;
	}
	m->space = off;
	return 0;
}

static int parse_name(struct p2p_meta *m, const struct benc *info, char *why, size_t wl)
{
	const struct benc *name = benc_get_str(info, "name");
	const char *bad;

	if (!name)
		return meta_fail(why, wl, -EBADMSG, "info: no \"name\"");
	bad = meta_component_bad(name->s, name->len);
	if (bad)
		return meta_fail(why, wl, -EBADMSG, "info.name: %s", bad);
	if (memchr(name->s, '\0', name->len))
		return meta_fail(why, wl, -EBADMSG, "info.name: NUL bytes are not allowed");
	m->name = dup_str(name);
	return m->name ? 0 : -ENOMEM;
}

int p2p_meta_parse(const uint8_t *buf, size_t len, struct p2p_meta *m, char *why, size_t wl)
{
	struct benc_doc doc;
	const struct benc *root, *info, *pieces, *s;
	char bwhy[160];
	int64_t v;
	bool v1, v2;
	int e;

	memset(m, 0, sizeof(*m));
	if (why && wl)
		why[0] = '\0';
	if (len > P2P_MAX_TORRENT_SIZE)
		return meta_fail(why, wl, -E2BIG, "larger than %u MiB", P2P_MAX_TORRENT_SIZE >> 20);
	e = benc_decode(buf, len, &doc, bwhy, sizeof(bwhy));
	if (e < 0)
		return meta_fail(why, wl, e == -ENOMEM ? e : -EBADMSG, "bad bencode: %s", bwhy);
	root = doc.root;
	info = benc_get_dict(root, "info");
	if (!info) {
		e = meta_fail(why, wl, -EBADMSG, "no \"info\" dictionary");
		goto out;
	}
	e = -ENOMEM;
	m->info = malloc(info->raw_len);
	if (!m->info)
		goto out;
	memcpy(m->info, info->raw, info->raw_len);
	m->info_len = info->raw_len;
	pieces = benc_get_str(info, "pieces");
	v1 = pieces != NULL;
	v2 = benc_get_int(info, "meta version", &v) && v == 2;
	if (benc_get_int(info, "meta version", &v) && v != 2) {
		e = meta_fail(why, wl, -EBADMSG, "info: meta version %lld is not supported",
		    (long long)v);
		goto out;
	}
	if (!v1 && !v2) {
		e = meta_fail(why, wl, -EBADMSG, "info: neither \"pieces\" (v1) nor meta version 2");
		goto out;
	}
	m->version = (v1 ? P2P_V1 : 0) | (v2 ? P2P_V2 : 0);
	if (v1)
		SHA1(info->raw, info->raw_len, m->ih1);
	if (v2)
		SHA256(info->raw, info->raw_len, m->ih2);
	if ((e = parse_name(m, info, why, wl)) < 0)
		goto out;
	if (!benc_get_int(info, "piece length", &v) || v < P2P_MIN_PIECE_LEN ||
	    v > P2P_MAX_PIECE_LEN || (v2 && (v & (v - 1)))) {
		e = meta_fail(why, wl, -EBADMSG,
		    "info.piece length: must be %s between 16 KiB and 64 MiB",
		    v2 ? "a power of two" : "a size");
		goto out;
	}
	m->piece_len = (uint32_t)v;
	if (v1 && (e = parse_v1_files(m, info, why, wl)) < 0)
		goto out;
	if (v2 && (e = meta_parse_v2(m, root, info, why, wl)) < 0)
		goto out;
	if (m->size == 0) {
		e = meta_fail(why, wl, -EBADMSG, "the torrent holds no data");
		goto out;
	}
	if ((m->space + m->piece_len - 1) / m->piece_len > P2P_MAX_PIECES) {
		e = meta_fail(why, wl, -E2BIG, "more than %u pieces", P2P_MAX_PIECES);
		goto out;
	}
	m->npieces = (uint32_t)((m->space + m->piece_len - 1) / m->piece_len);
	if (v1) {
		if (pieces->len != (size_t)m->npieces * 20) {
			e = meta_fail(why, wl, -EBADMSG,
			    "info.pieces: %zu bytes, but %u pieces need %zu", pieces->len,
			    m->npieces, (size_t)m->npieces * 20);
			goto out;
		}
		e = -ENOMEM;
		m->pieces = malloc(pieces->len);
		if (!m->pieces)
			goto out;
		memcpy(m->pieces, pieces->s, pieces->len);
	}
	for (size_t i = 0; i < m->nfiles; i++)
		m->files[i].first_piece = (uint32_t)(m->files[i].offset / m->piece_len);
	if ((e = meta_check_paths(m, why, wl)) < 0)
		goto out;
	m->private_ = benc_get_int(info, "private", &v) && v == 1;
	if ((e = parse_urls(m, root)) < 0)
		goto out;
	if ((s = benc_get_str(root, "comment")) && !(m->comment = dup_str(s)))
		goto nomem;
	if ((s = benc_get_str(root, "created by")) && !(m->created_by = dup_str(s)))
		goto nomem;
	if (benc_get_int(root, "creation date", &v))
		m->creation_date = v;
	e = 0;
	goto out;
nomem:
	e = -ENOMEM;
out:
	benc_doc_free(&doc);
	if (e < 0) {
		if (why && wl && !why[0])
			meta_fail(why, wl, e, "%s", strerror(-e));
		p2p_meta_free(m);
	}
	return e;
}

int p2p_meta_load(const char *path, struct p2p_meta *m, char *why, size_t wl)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char sub[400];
	int e;

	memset(m, 0, sizeof(*m));
	/* An operator's path: a link is followed, a FIFO refused at once. */
	e = fs_read_file(AT_FDCWD, path, P2P_MAX_TORRENT_SIZE, FS_FOLLOW, &buf, &len);
	if (e == -EINVAL)
		return meta_fail(why, wl, -EINVAL, "%s: not a regular file", path);
	if (e == -EFBIG)
		return meta_fail(why, wl, -E2BIG, "%s: larger than %u MiB", path,
		    P2P_MAX_TORRENT_SIZE >> 20);
	if (e == -ENOMEM)
		return e;
	if (e < 0)
		return meta_fail(why, wl, e, "%s: %s", path, strerror(-e));
	e = p2p_meta_parse(buf, len, m, sub, sizeof(sub));
	free(buf);
	if (e < 0)
		meta_fail(why, wl, e, "%s: %s", path, sub);
	return e;
}

void p2p_meta_free(struct p2p_meta *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfiles; i++) {
		free(m->files[i].path);
		free((void *)m->files[i].layer);
	}
	for (size_t i = 0; i < m->ntrackers; i++)
		free(m->trackers[i]);
	for (size_t i = 0; i < m->nwebseeds; i++)
		free(m->webseeds[i]);
	free(m->files);
	free(m->trackers);
	free(m->webseeds);
	free(m->pieces);
	free(m->name);
	free(m->comment);
	free(m->created_by);
	free(m->info);
	memset(m, 0, sizeof(*m));
}

uint32_t p2p_piece_size(const struct p2p_meta *m, uint32_t i)
{
	uint64_t start = (uint64_t)i * m->piece_len, end;
	size_t f;

	if (i >= m->npieces)
		return 0;
	end = start + m->piece_len < m->space ? start + m->piece_len : m->space;
	/* Trailing pad files and v2's virtual padding are not fetched. */
	for (f = meta_file_at(m, end - 1); f < m->nfiles; f--) {
		const struct p2p_file *fl = &m->files[f];
		uint64_t fe = fl->offset + fl->length;

		if (fe <= start)
			break;
		if (!fl->pad && fl->length)
			return (uint32_t)((fe < end ? fe : end) - start);
		if (f == 0)
			break;
	}
	return 0;
}

uint32_t p2p_piece_span(const struct p2p_meta *m, uint32_t i)
{
	uint64_t start = (uint64_t)i * m->piece_len;

	if (i >= m->npieces)
		return 0;
	/* v2 pieces are whole in libtorrent's view, the last one too (it
	 * pads after the last file as well) */
	if (m->version & P2P_V2)
		return m->piece_len;
	return m->space - start < m->piece_len ? (uint32_t)(m->space - start) : m->piece_len;
}

uint32_t p2p_piece_blocks(const struct p2p_meta *m, uint32_t i)
{
	return (p2p_piece_size(m, i) + P2P_BLOCK - 1) / P2P_BLOCK;
}

static bool verify_v1(const struct p2p_meta *m, uint32_t i, const uint8_t *data, size_t len)
{
	static const uint8_t zeros[4096];
	uint64_t start = (uint64_t)i * m->piece_len;
	uint64_t full = m->space - start < m->piece_len ? m->space - start : m->piece_len;
	uint8_t h[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool good;

	if (!c || !EVP_DigestInit_ex(c, EVP_sha1(), NULL) || !EVP_DigestUpdate(c, data, len)) {
		EVP_MD_CTX_free(c);
		return false;
	}
	for (uint64_t left = full - len; left; ) {	/* trailing pad files are zeros */
		size_t k = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		EVP_DigestUpdate(c, zeros, k);
		left -= k;
	}
	good = EVP_DigestFinal_ex(c, h, NULL) && memcmp(h, m->pieces + (size_t)i * 20, 20) == 0;
	EVP_MD_CTX_free(c);
	return good;
}

static size_t pow2_at_least(size_t n)
{
	size_t w = 1;

	while (w < n)
		w <<= 1;
	return w;
}

static bool verify_v2(const struct p2p_meta *m, uint32_t i, const uint8_t *data, size_t len)
{
	uint64_t start = (uint64_t)i * m->piece_len;
	size_t f = meta_file_at(m, start), n = (len + P2P_BLOCK - 1) / P2P_BLOCK;
	const struct p2p_file *fl;
	uint8_t *leaves, root[32];
	bool good;

	if (f >= m->nfiles)
		return false;
	fl = &m->files[f];
	if (fl->pad || start >= fl->offset + fl->length || n == 0)
		return false;
	leaves = malloc(n * 32);
	if (!leaves)
		return false;
	p2p_merkle_leaves(data, len, leaves);
	if (fl->layer) {
		uint32_t k = i - fl->first_piece;

		p2p_merkle_root(leaves, n, m->piece_len / P2P_BLOCK, NULL, root);
		good = k < fl->layer_n && memcmp(root, fl->layer + (size_t)k * 32, 32) == 0;
	} else {
		p2p_merkle_root(leaves, n, pow2_at_least(n), NULL, root);
		good = memcmp(root, fl->root, 32) == 0;
	}
	free(leaves);
	return good;
}

bool p2p_piece_verify(const struct p2p_meta *m, uint32_t i, const uint8_t *data, size_t len)
{
	if (i >= m->npieces || len != p2p_piece_size(m, i))
		return false;
	if ((m->version & P2P_V1) && !verify_v1(m, i, data, len))
		return false;
	if ((m->version & P2P_V2) && !verify_v2(m, i, data, len))
		return false;
	return true;
}

const uint8_t *p2p_meta_wire_hash(const struct p2p_meta *m)
{
	return (m->version & P2P_V1) ? m->ih1 : m->ih2;
}

bool p2p_meta_hash_is(const struct p2p_meta *m, const uint8_t *h)
{
	return ((m->version & P2P_V1) && memcmp(h, m->ih1, 20) == 0) ||
	    ((m->version & P2P_V2) && memcmp(h, m->ih2, 20) == 0);
}

void p2p_meta_hex(const struct p2p_meta *m, char out[41])
{
	const uint8_t *h = p2p_meta_wire_hash(m);

	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

void p2p_merkle_leaves(const uint8_t *data, size_t len, uint8_t *out)
{
	for (size_t off = 0; off < len; off += P2P_BLOCK, out += 32)
		SHA256(data + off, len - off < P2P_BLOCK ? len - off : P2P_BLOCK, out);
}

void p2p_merkle_root(const uint8_t *leaves, size_t n, size_t width, const uint8_t *pad_hash,
    uint8_t out[32])
{
	uint8_t *level;

	if (width < n)
		width = pow2_at_least(n);
	if (width <= 1) {
		if (n)
			memcpy(out, leaves, 32);
		else if (pad_hash)
			memcpy(out, pad_hash, 32);
		else
			memset(out, 0, 32);
		return;
	}
	level = malloc(width * 32);
	if (!level) {
		memset(out, 0xff, 32);	/* matches nothing */
		return;
	}
	memcpy(level, leaves, n * 32);
	for (size_t i = n; i < width; i++) {
		if (pad_hash)
			memcpy(level + i * 32, pad_hash, 32);
		else
			memset(level + i * 32, 0, 32);
	}
	for (size_t w = width; w > 1; w /= 2)
		for (size_t i = 0; i < w / 2; i++)
			SHA256(level + i * 64, 64, level + i * 32);
	memcpy(out, level, 32);
	free(level);
}
