/* p2p-doubles.c: small stand-ins for the parts the engine builds on
 * (meta, wire, pick, store, net), so test-p2p-engine runs before those
 * parts land. Just enough for v1 torrents over loopback. Each part's
 * section goes once it is real: -DP2P_REAL_STORE etc. (engine.mk). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "p2p_int.h"

#ifndef P2P_REAL_META
/* ---- meta ---- */
uint32_t p2p_piece_size(const struct p2p_meta *m, uint32_t i)
{
	uint64_t end;

	if (i >= m->npieces)
		return 0;
	end = (uint64_t)(i + 1) * m->piece_len;
	if (end > m->space)
		end = m->space;
	return (uint32_t)(end - (uint64_t)i * m->piece_len);
}
uint32_t p2p_piece_blocks(const struct p2p_meta *m, uint32_t i)
{
	return (p2p_piece_size(m, i) + P2P_BLOCK - 1) / P2P_BLOCK;
}
bool p2p_piece_verify(const struct p2p_meta *m, uint32_t i, const uint8_t *d, size_t len)
{
	uint8_t h[20];

	if (i >= m->npieces || len != p2p_piece_size(m, i))
		return false;
	SHA1(d, len, h);
	return !memcmp(h, m->pieces + 20 * (size_t)i, 20);
}
const uint8_t *p2p_meta_wire_hash(const struct p2p_meta *m) { return m->ih1; }
bool p2p_meta_hash_is(const struct p2p_meta *m, const uint8_t *h) { return !memcmp(m->ih1, h, 20); }

#endif

#ifndef P2P_REAL_WIRE
/* ---- wire ---- */
static const char pstr[] = "\x13" "BitTorrent protocol";
int p2p_handshake_parse(const uint8_t *buf, size_t n, struct p2p_handshake *h)
{
	if (n < P2P_HANDSHAKE_LEN || memcmp(buf, pstr, 20))
		return -EBADMSG;
	memcpy(h->reserved, buf + 20, 8);
	memcpy(h->info_hash, buf + 28, 20);
	memcpy(h->peer_id, buf + 48, 20);
	return 0;
}
void p2p_handshake_put(struct wire_buf *b, const uint8_t ih[20], const uint8_t id[20], bool v2)
{
	uint8_t r[8] = { 0, 0, 0, 0, 0, 0x10, 0, 0x04 };

	if (v2)
		r[7] |= 0x10;
	wire_put_bytes(b, pstr, 20);
	wire_put_bytes(b, r, 8);
	wire_put_bytes(b, ih, 20);
	wire_put_bytes(b, id, 20);
}
ssize_t p2p_msg_decode(const uint8_t *buf, size_t n, uint32_t max, struct p2p_msg *m, size_t *need)
{
	struct wire_cur c;
	uint32_t len;

	if (n < 4)
		return 0;
	wire_cur_init(&c, buf, n);
	len = wire_read_u32be(&c);
	if (len > max)
		return -EMSGSIZE;
	if (need)
		*need = 4 + (size_t)len;
	if (n - 4 < len)
		return 0;
	memset(m, 0, sizeof(*m));
	if (!len) {
		m->id = P2P_KEEPALIVE;
		return 4;
	}
	c = (struct wire_cur){ buf + 4, buf + 4 + len, 0 };
	m->id = wire_read_u8(&c);
	switch (m->id) {
	case P2P_CHOKE: case P2P_UNCHOKE: case P2P_INTERESTED: case P2P_NOT_INTERESTED:
	case P2P_HAVE_ALL: case P2P_HAVE_NONE:
		if (len != 1) return -EBADMSG;
		break;
	case P2P_HAVE: case P2P_SUGGEST: case P2P_ALLOWED_FAST:
		if (len != 5) return -EBADMSG;
		m->index = wire_read_u32be(&c);
		break;
	case P2P_REQUEST: case P2P_CANCEL: case P2P_REJECT:
		if (len != 13) return -EBADMSG;
		m->index = wire_read_u32be(&c);
		m->begin = wire_read_u32be(&c);
		m->length = wire_read_u32be(&c);
		break;
	case P2P_PIECE:
		if (len < 9) return -EBADMSG;
		m->index = wire_read_u32be(&c);
		m->begin = wire_read_u32be(&c);
		m->data = c.p;
		m->data_len = len - 9;
		m->length = (uint32_t)m->data_len;
		break;
	case P2P_EXTENDED:
		if (len < 2) return -EBADMSG;
		m->ext_id = wire_read_u8(&c);
		m->data = c.p;
		m->data_len = len - 2;
		break;
	default:
		m->data = c.p;
		m->data_len = len - 1;
	}
	return 4 + (ssize_t)len;
}
void p2p_put_keepalive(struct wire_buf *b) { wire_put_u32be(b, 0); }
void p2p_put_simple(struct wire_buf *b, enum p2p_msg_id id) { wire_put_u32be(b, 1); wire_put_u8(b, (uint8_t)id); }
void p2p_put_index(struct wire_buf *b, enum p2p_msg_id id, uint32_t i)
{
	wire_put_u32be(b, 5); wire_put_u8(b, (uint8_t)id); wire_put_u32be(b, i);
}
void p2p_put_bitfield(struct wire_buf *b, const uint8_t *bits, size_t n)
{
	wire_put_u32be(b, (uint32_t)n + 1); wire_put_u8(b, P2P_BITFIELD); wire_put_bytes(b, bits, n);
}
void p2p_put_request(struct wire_buf *b, enum p2p_msg_id id, uint32_t i, uint32_t be, uint32_t l)
{
	wire_put_u32be(b, 13); wire_put_u8(b, (uint8_t)id);
	wire_put_u32be(b, i); wire_put_u32be(b, be); wire_put_u32be(b, l);
}
void p2p_put_piece_head(struct wire_buf *b, uint32_t i, uint32_t be, uint32_t len)
{
	wire_put_u32be(b, 9 + len); wire_put_u8(b, P2P_PIECE); wire_put_u32be(b, i); wire_put_u32be(b, be);
}
bool p2p_bitfield_valid(const uint8_t *bits, size_t nbytes, uint32_t np)
{
	if (nbytes != p2p_bitfield_bytes(np))
		return false;
	for (uint32_t i = np; i < nbytes * 8; i++)
		if (p2p_bit(bits, i))
			return false;
	return true;
}

#endif

/* BEP 10 handshake: needs bencode (meta) in the real one */
#ifndef P2P_REAL_EXT
void p2p_put_ext_hs(struct wire_buf *b, const struct p2p_ext_hs *o)
{
	char d[64];
	int n = snprintf(d, sizeof(d), "d4:reqqi%ue1:pi%uee", o->reqq, o->port);

	wire_put_u32be(b, (uint32_t)n + 2); wire_put_u8(b, P2P_EXTENDED); wire_put_u8(b, 0);
	wire_put_bytes(b, d, (size_t)n);
}
int p2p_ext_hs_parse(const uint8_t *p, size_t n, struct p2p_ext_hs *o)
{
	(void)p; (void)n;
	memset(o, 0, sizeof(*o));
	return 0;
}
#endif

#ifndef P2P_REAL_PICK
/* ---- pick: in order, per-block counts ---- */
struct p2p_pick {
	const struct p2p_meta *m;
	uint8_t *done;		/* per piece */
	uint8_t *st;		/* per block: 0 missing, 1.. requested, 255 received */
	uint32_t bpp, first;
};
int p2p_pick_new(const struct p2p_meta *m, const uint8_t *have, uint64_t seed, struct p2p_pick **out)
{
	struct p2p_pick *p = calloc(1, sizeof(*p));

	(void)seed;
	p->m = m;
	p->bpp = m->piece_len / P2P_BLOCK;
	p->done = calloc(m->npieces, 1);
	p->st = calloc((size_t)m->npieces * p->bpp, 1);
	for (uint32_t i = 0; i < m->npieces; i++)
		p->done[i] = p2p_bit(have, i);
	*out = p;
	return 0;
}
void p2p_pick_free(struct p2p_pick *p) { if (p) { free(p->done); free(p->st); free(p); } }
void p2p_pick_add_peer(struct p2p_pick *p, const uint8_t *b) { (void)p; (void)b; }
void p2p_pick_add_have(struct p2p_pick *p, uint32_t i) { (void)p; (void)i; }
void p2p_pick_remove_peer(struct p2p_pick *p, const uint8_t *b) { (void)p; (void)b; }
uint32_t p2p_pick_availability(const struct p2p_pick *p, uint32_t i) { (void)p; (void)i; return 1; }
bool p2p_pick_endgame(const struct p2p_pick *p)
{
	for (uint32_t i = p->first; i < p->m->npieces; i++)
		for (uint32_t b = 0; !p->done[i] && b < p2p_piece_blocks(p->m, i); b++)
			if (!p->st[(size_t)i * p->bpp + b])
				return false;
	return true;
}
size_t p2p_pick_next(struct p2p_pick *p, const uint8_t *bits, struct p2p_block_req *out, size_t max,
    bool (*inf)(uint32_t, uint32_t, void *), void *arg)
{
	size_t n = 0;
	bool eg = p2p_pick_endgame(p);

	while (p->first < p->m->npieces && p->done[p->first])
		p->first++;
	for (uint32_t i = p->first; i < p->m->npieces && n < max; i++) {
		if (p->done[i] || (bits && !p2p_bit(bits, i)))
			continue;
		for (uint32_t b = 0; b < p2p_piece_blocks(p->m, i) && n < max; b++) {
			uint8_t *s = &p->st[(size_t)i * p->bpp + b];

			if (*s == 255 || (*s && !eg) || (*s && inf && inf(i, b * P2P_BLOCK, arg)))
				continue;
			(*s)++;
			out[n].piece = i;
			out[n].begin = b * P2P_BLOCK;
			out[n].len = p2p_piece_size(p->m, i) - b * P2P_BLOCK;
			if (out[n].len > P2P_BLOCK)
				out[n].len = P2P_BLOCK;
			n++;
		}
	}
	return n;
}
size_t p2p_pick_next_in(struct p2p_pick *p, const uint32_t *pc, size_t np, const uint8_t *bits,
    struct p2p_block_req *out, size_t max)
{
	(void)p; (void)pc; (void)np; (void)bits; (void)out; (void)max;
	return 0;
}
int p2p_pick_received(struct p2p_pick *p, uint32_t i, uint32_t be, uint32_t len)
{
	uint8_t *s;

	if (i >= p->m->npieces || be % P2P_BLOCK || be >= p2p_piece_size(p->m, i))
		return -EINVAL;
	(void)len;
	s = &p->st[(size_t)i * p->bpp + be / P2P_BLOCK];
	if (p->done[i] || *s == 255 || !*s)
		return -EALREADY;
	*s = 255;
	for (uint32_t b = 0; b < p2p_piece_blocks(p->m, i); b++)
		if (p->st[(size_t)i * p->bpp + b] != 255)
			return 0;
	return 1;
}
void p2p_pick_dropped(struct p2p_pick *p, uint32_t i, uint32_t be)
{
	uint8_t *s = &p->st[(size_t)i * p->bpp + be / P2P_BLOCK];

	if (*s && *s != 255)
		(*s)--;
}
void p2p_pick_failed(struct p2p_pick *p, uint32_t i)
{
	p->done[i] = 0;
	memset(p->st + (size_t)i * p->bpp, 0, p->bpp);
	if (i < p->first)
		p->first = i;
}
void p2p_pick_done(struct p2p_pick *p, uint32_t i) { p->done[i] = 1; }
int64_t p2p_pick_whole(struct p2p_pick *p, const uint8_t *bits) { (void)p; (void)bits; return -1; }
void p2p_pick_whole_dropped(struct p2p_pick *p, uint32_t i) { (void)p; (void)i; }
uint32_t p2p_pick_missing(const struct p2p_pick *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->m->npieces; i++)
		n += !p->done[i];
	return n;
}
bool p2p_pick_interesting(const struct p2p_pick *p, const uint8_t *bits)
{
	for (uint32_t i = 0; i < p->m->npieces; i++)
		if (!p->done[i] && (!bits || p2p_bit(bits, i)))
			return true;
	return false;
}

#endif

#ifndef P2P_REAL_STORE
/* ---- store: the files in place, nothing staged ---- */
struct p2p_store {
	const struct p2p_meta *m;
	int *fd;
	uint8_t *have;
	uint32_t count;
	uint64_t found;
};
static int store_io(struct p2p_store *s, uint64_t off, uint8_t *buf, size_t len, bool wr)
{
	for (size_t f = 0; f < s->m->nfiles && len; f++) {
		const struct p2p_file *fi = &s->m->files[f];
		uint64_t a, b;

		if (off >= fi->offset + fi->length || off + len <= fi->offset)
			continue;
		a = off > fi->offset ? off : fi->offset;
		b = off + len < fi->offset + fi->length ? off + len : fi->offset + fi->length;
		if (fi->pad) {
			if (!wr)
				memset(buf + (a - off), 0, b - a);
			continue;
		}
		if ((wr ? pwrite(s->fd[f], buf + (a - off), b - a, (off_t)(a - fi->offset)) :
		    pread(s->fd[f], buf + (a - off), b - a, (off_t)(a - fi->offset))) != (ssize_t)(b - a))
			return -EIO;
	}
	return 0;
}
int p2p_store_open(const struct p2p_meta *m, const struct p2p_store_opts *o, struct p2p_store **out,
    char *why, size_t whylen)
{
	struct p2p_store *s = calloc(1, sizeof(*s));
	uint8_t *buf = malloc(m->piece_len);

	s->m = m;
	s->fd = calloc(m->nfiles, sizeof(int));
	s->have = calloc(1, p2p_bitfield_bytes(m->npieces));
	mkdir(o->dir, 0755);
	for (size_t f = 0; f < m->nfiles; f++) {
		char path[4200];

		if (m->files[f].pad)
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->dir, m->files[f].path);
		for (char *q = path + strlen(o->dir) + 1; (q = strchr(q, '/')); q++) {
			*q = 0;
			mkdir(path, 0755);
			*q = '/';
		}
		s->fd[f] = open(path, (o->seed_only ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC, 0644);
		if (s->fd[f] < 0) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			return -errno;
		}
		if (!o->seed_only && ftruncate(s->fd[f], (off_t)m->files[f].length) < 0)
			return -errno;
	}
	for (uint32_t i = 0; i < m->npieces; i++) {
		uint32_t sz = p2p_piece_size(m, i);

		if (store_io(s, (uint64_t)i * m->piece_len, buf, sz, false) == 0 &&
		    p2p_piece_verify(m, i, buf, sz)) {
			p2p_bit_set(s->have, i);
			s->count++;
			s->found += sz;
		}
	}
	free(buf);
	*out = s;
	return 0;
}
void p2p_store_close(struct p2p_store *s)
{
	if (!s)
		return;
	for (size_t f = 0; f < s->m->nfiles; f++)
		if (!s->m->files[f].pad)
			close(s->fd[f]);
	free(s->fd);
	free(s->have);
	free(s);
}
const uint8_t *p2p_store_have(const struct p2p_store *s) { return s->have; }
uint32_t p2p_store_count(const struct p2p_store *s) { return s->count; }
bool p2p_store_complete(const struct p2p_store *s) { return s->count == s->m->npieces; }
bool p2p_store_final(const struct p2p_store *s) { return p2p_store_complete(s); }
uint64_t p2p_store_found_bytes(const struct p2p_store *s) { return s->found; }
int p2p_store_write_piece(struct p2p_store *s, uint32_t i, const uint8_t *d, size_t len, char *why,
    size_t whylen)
{
	(void)why; (void)whylen;
	if (p2p_bit(s->have, i))
		return -EEXIST;
	if (!p2p_piece_verify(s->m, i, d, len))
		return -EILSEQ;
	if (store_io(s, (uint64_t)i * s->m->piece_len, (uint8_t *)d, len, true) < 0)
		return -EIO;
	p2p_bit_set(s->have, i);
	s->count++;
	return 0;
}
int p2p_store_read(struct p2p_store *s, uint32_t i, uint32_t be, uint8_t *buf, uint32_t len)
{
	if (!p2p_bit(s->have, i))
		return -ENOENT;
	return store_io(s, (uint64_t)i * s->m->piece_len + be, buf, len, false);
}
int p2p_store_save(struct p2p_store *s) { (void)s; return 0; }
int p2p_store_finish(struct p2p_store *s, char *why, size_t whylen)
{
	(void)why; (void)whylen;
	for (size_t f = 0; f < s->m->nfiles; f++)
		if (!s->m->files[f].pad)
			fsync(s->fd[f]);
	return 0;
}

#endif

#ifndef P2P_REAL_NET
/* ---- net ---- */
void p2p_addr_format(const struct p2p_addr *a, char *buf, size_t n)
{
	char h[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&a->ss;
		inet_ntop(AF_INET, &s->sin_addr, h, sizeof(h));
		snprintf(buf, n, "%s:%u", h, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)&a->ss;
		inet_ntop(AF_INET6, &s->sin6_addr, h, sizeof(h));
		snprintf(buf, n, "[%s]:%u", h, ntohs(s->sin6_port));
	}
}
SSL_CTX *p2p_tls_ctx_new(const char *ca, char *why, size_t whylen)
{
	(void)ca; (void)why; (void)whylen;
	return SSL_CTX_new(TLS_client_method());
}
int p2p_lsd_new(struct loop *l, const struct p2p_lsd_opts *o, p2p_lsd_cb cb, void *arg, struct p2p_lsd **out)
{
	(void)l; (void)o; (void)cb; (void)arg; (void)out;
	return -ENOTSUP;
}
int p2p_lsd_announce(struct p2p_lsd *d, const uint8_t (*ih)[20], size_t n) { (void)d; (void)ih; (void)n; return 0; }
void p2p_lsd_free(struct p2p_lsd *d) { (void)d; }
int p2p_announce_start(struct loop *l, struct resolver *r, SSL_CTX *t, const struct p2p_announce *a,
    p2p_announce_cb cb, void *arg, struct p2p_http_req **out)
{
	(void)l; (void)r; (void)t; (void)a; (void)cb; (void)arg; (void)out;
	return -ENOTSUP;
}
void p2p_http_req_free(struct p2p_http_req *q) { (void)q; }
int p2p_webseed_new(struct loop *l, struct resolver *r, const struct p2p_webseed_opts *o,
    p2p_webseed_cb cb, void *arg, struct p2p_webseed **out)
{
	(void)l; (void)r; (void)o; (void)cb; (void)arg; (void)out;
	return -ENOTSUP;
}
int p2p_webseed_fetch(struct p2p_webseed *w, uint32_t i) { (void)w; (void)i; return -ENOTSUP; }
bool p2p_webseed_busy(const struct p2p_webseed *w) { (void)w; return true; }
bool p2p_webseed_backoff(const struct p2p_webseed *w, uint64_t *u) { (void)w; (void)u; return true; }
const char *p2p_webseed_url(const struct p2p_webseed *w) { (void)w; return "?"; }
void p2p_webseed_free(struct p2p_webseed *w) { (void)w; }
#endif
