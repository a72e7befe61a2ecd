/* p2p_wire.c: the peer wire messages (BEP 3, 6, 52) as a pure codec. */
#include <errno.h>
#include <string.h>

#include <openssl/sha.h>

#include "p2p_wire.h"

static const char pstr[] = "BitTorrent protocol";

int p2p_handshake_parse(const uint8_t *buf, size_t n, struct p2p_handshake *h)
{
	struct wire_cur c;

	wire_cur_init(&c, buf, n);
	if (wire_read_u8(&c) != 19)
		return -EBADMSG;
	const uint8_t *p = wire_read_ptr(&c, 19);
	wire_read_bytes(&c, h->reserved, sizeof(h->reserved));
	wire_read_bytes(&c, h->info_hash, sizeof(h->info_hash));
	wire_read_bytes(&c, h->peer_id, sizeof(h->peer_id));
	if (wire_error(&c) || memcmp(p, pstr, 19) != 0)
		return -EBADMSG;
	return 0;
}

void p2p_handshake_put(struct wire_buf *b, const uint8_t info_hash[20], const uint8_t peer_id[20],
    bool v2)
{
	uint8_t rsv[8] = { 0 };

	rsv[5] = 0x10;		/* extension protocol */
	rsv[7] = 0x04;		/* fast extension */
	if (v2)
		rsv[7] |= 0x10;
	wire_put_u8(b, 19);
	wire_put_bytes(b, pstr, 19);
	wire_put_bytes(b, rsv, sizeof(rsv));
	wire_put_bytes(b, info_hash, 20);
	wire_put_bytes(b, peer_id, 20);
}

/* The payload size rules of each id: exact, or a minimum. */
static int check_size(uint8_t id, size_t plen)
{
	switch (id) {
	case P2P_CHOKE: case P2P_UNCHOKE: case P2P_INTERESTED: case P2P_NOT_INTERESTED:
	case P2P_HAVE_ALL: case P2P_HAVE_NONE:
		return plen == 0 ? 0 : -EBADMSG;
	case P2P_HAVE: case P2P_SUGGEST: case P2P_ALLOWED_FAST:
		return plen == 4 ? 0 : -EBADMSG;
	case P2P_REQUEST: case P2P_CANCEL: case P2P_REJECT:
		return plen == 12 ? 0 : -EBADMSG;
	case P2P_PIECE:
		return plen >= 8 ? 0 : -EBADMSG;
	case P2P_BITFIELD:
		return plen >= 1 ? 0 : -EBADMSG;
	case P2P_PORT:
		return plen == 2 ? 0 : -EBADMSG;
	case P2P_EXTENDED:
		return plen >= 1 ? 0 : -EBADMSG;
	default:
		return 0;	/* unknown or v2 hash messages: the caller decides */
	}
}

ssize_t p2p_msg_decode(const uint8_t *buf, size_t n, uint32_t max_len, struct p2p_msg *m,
    size_t *need)
{
	struct wire_cur c;
	uint32_t len;
	size_t plen;

	memset(m, 0, sizeof(*m));
	if (n < 4)
		return 0;
	wire_cur_init(&c, buf, n);
	len = wire_read_u32be(&c);
	if (len > max_len)
		return -EMSGSIZE;
	if (need)
		*need = (size_t)len + 4;
	if (n - 4 < len)
		return 0;
	if (len == 0) {
		m->id = P2P_KEEPALIVE;
		return 4;
	}
	struct wire_cur body = wire_sub(&c, len);
	m->id = wire_read_u8(&body);
	plen = len - 1;
	if (check_size(m->id, plen) < 0)
		return -EBADMSG;
	switch (m->id) {
	case P2P_HAVE: case P2P_SUGGEST: case P2P_ALLOWED_FAST:
		m->index = wire_read_u32be(&body);
		break;
	case P2P_REQUEST: case P2P_CANCEL: case P2P_REJECT:
		m->index = wire_read_u32be(&body);
		m->begin = wire_read_u32be(&body);
		m->length = wire_read_u32be(&body);
		break;
	case P2P_PIECE:
		m->index = wire_read_u32be(&body);
		m->begin = wire_read_u32be(&body);
		m->data_len = plen - 8;
		m->data = wire_read_ptr(&body, m->data_len);
		m->length = (uint32_t)m->data_len;
		break;
	case P2P_PORT:
		m->port = wire_read_u16be(&body);
		break;
	case P2P_EXTENDED:
		m->ext_id = wire_read_u8(&body);
		m->data_len = plen - 1;
		m->data = wire_read_ptr(&body, m->data_len);
		break;
	case P2P_CHOKE: case P2P_UNCHOKE: case P2P_INTERESTED: case P2P_NOT_INTERESTED:
	case P2P_HAVE_ALL: case P2P_HAVE_NONE:
		break;
	default:	/* BITFIELD, hash messages, unknown: the raw payload */
		m->data_len = plen;
		m->data = wire_read_ptr(&body, plen);
		break;
	}
	if (wire_error(&body) || wire_error(&c))
		return -EBADMSG;
	return (ssize_t)len + 4;
}

void p2p_put_keepalive(struct wire_buf *b)
{
	wire_put_u32be(b, 0);
}

void p2p_put_simple(struct wire_buf *b, enum p2p_msg_id id)
{
	wire_put_u32be(b, 1);
	wire_put_u8(b, (uint8_t)id);
}

void p2p_put_index(struct wire_buf *b, enum p2p_msg_id id, uint32_t index)
{
	wire_put_u32be(b, 5);
	wire_put_u8(b, (uint8_t)id);
	wire_put_u32be(b, index);
}

void p2p_put_bitfield(struct wire_buf *b, const uint8_t *bits, size_t nbytes)
{
	wire_put_u32be(b, (uint32_t)(nbytes + 1));
	wire_put_u8(b, P2P_BITFIELD);
	wire_put_bytes(b, bits, nbytes);
}

void p2p_put_request(struct wire_buf *b, enum p2p_msg_id id, uint32_t index, uint32_t begin,
    uint32_t length)
{
	wire_put_u32be(b, 13);
	wire_put_u8(b, (uint8_t)id);
	wire_put_u32be(b, index);
	wire_put_u32be(b, begin);
	wire_put_u32be(b, length);
}

void p2p_put_piece_head(struct wire_buf *b, uint32_t index, uint32_t begin, uint32_t len)
{
	wire_put_u32be(b, 9 + len);
	wire_put_u8(b, P2P_PIECE);
	wire_put_u32be(b, index);
	wire_put_u32be(b, begin);
}

void p2p_put_port(struct wire_buf *b, uint16_t port)
{
	wire_put_u32be(b, 3);
	wire_put_u8(b, P2P_PORT);
	wire_put_u16be(b, port);
}

void p2p_put_extended(struct wire_buf *b, uint8_t ext_id, const void *payload, size_t n)
{
	wire_put_u32be(b, (uint32_t)(n + 2));
	wire_put_u8(b, P2P_EXTENDED);
	wire_put_u8(b, ext_id);
	wire_put_bytes(b, payload, n);
}

bool p2p_bitfield_valid(const uint8_t *bits, size_t nbytes, uint32_t npieces)
{
	unsigned spare;

	if (nbytes != p2p_bitfield_bytes(npieces))
		return false;
	spare = (unsigned)(nbytes * 8 - npieces);
	if (spare == 0)
		return true;
	return (bits[nbytes - 1] & ((1u << spare) - 1)) == 0;
}

/* BEP 6 defines the set for IPv4 (the /24 of the address); for IPv6 we
 * use its /48 the same way, as the BEP leaves it open. */
void p2p_allowed_fast(const uint8_t *ip, size_t iplen, const uint8_t info_hash[20],
    uint32_t npieces, unsigned k, uint32_t *out)
{
	uint8_t x[36], h[SHA_DIGEST_LENGTH];
	size_t xlen, keep = iplen == 16 ? 6 : 3;
	unsigned got = 0;

	if (npieces == 0 || (iplen != 4 && iplen != 16))
		return;
	if (k > npieces)
		k = npieces;
	memset(x, 0, sizeof(x));
	memcpy(x, ip, keep);
	memcpy(x + iplen, info_hash, 20);
	xlen = iplen + 20;
	while (got < k) {
		SHA1(x, xlen, h);
		memcpy(x, h, sizeof(h));
		xlen = sizeof(h);
		for (int i = 0; i < 5 && got < k; i++) {
			uint32_t y = (uint32_t)h[4 * i] << 24 | (uint32_t)h[4 * i + 1] << 16 |
			    (uint32_t)h[4 * i + 2] << 8 | h[4 * i + 3];
			uint32_t idx = y % npieces;
			unsigned j;

			for (j = 0; j < got && out[j] != idx; j++)
				;
			if (j == got)
				out[got++] = idx;
		}
	}
}
