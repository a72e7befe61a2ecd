/* p2p_wire.h: the BitTorrent peer wire messages (BEP 3), the fast
 * extension (BEP 6), the extension protocol handshake (BEP 10) and the
 * v2 hash messages (BEP 52, decoded so they can be rejected), as a pure
 * codec: bytes in, structs out, and back. No sockets. (owner: wire)
 *
 * Decoding reads untrusted bytes through libop's cursor and never reads
 * past what it was given. */
#ifndef OUTPOST_P2P_WIRE_H
#define OUTPOST_P2P_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wire.h"

#define P2P_HANDSHAKE_LEN	68
/* The largest message accepted: a 16 KiB block plus its header, or a
 * bitfield of P2P_MAX_PIECES bits (whichever is larger), or an extended
 * message of up to 1 MiB. */
#define P2P_MSG_MAX		(1u << 20)

enum p2p_msg_id {
	P2P_CHOKE = 0, P2P_UNCHOKE = 1, P2P_INTERESTED = 2, P2P_NOT_INTERESTED = 3,
	P2P_HAVE = 4, P2P_BITFIELD = 5, P2P_REQUEST = 6, P2P_PIECE = 7, P2P_CANCEL = 8,
	P2P_PORT = 9,
	P2P_SUGGEST = 13, P2P_HAVE_ALL = 14, P2P_HAVE_NONE = 15, P2P_REJECT = 16,
	P2P_ALLOWED_FAST = 17,
	P2P_EXTENDED = 20,
	P2P_HASH_REQUEST = 21, P2P_HASHES = 22, P2P_HASH_REJECT = 23,
	P2P_KEEPALIVE = 255	/* not on the wire: a zero-length message */
};

/* Reserved bits of the handshake. */
#define P2P_RSV_EXT(r)		((r)[5] & 0x10)	/* BEP 10 */
#define P2P_RSV_FAST(r)		((r)[7] & 0x04)	/* BEP 6 */
#define P2P_RSV_V2(r)		((r)[7] & 0x10)	/* BEP 52 upgrade bit */

struct p2p_handshake {
	uint8_t	reserved[8];
	uint8_t	info_hash[20];
	uint8_t	peer_id[20];
};

/* Parse the 68-byte handshake at buf (n >= P2P_HANDSHAKE_LEN); -EBADMSG
 * when it is not "\x13BitTorrent protocol". */
int p2p_handshake_parse(const uint8_t *buf, size_t n, struct p2p_handshake *h);
/* Append our handshake: extension protocol and fast extension bits set;
 * the v2 bit when v2 is true. */
void p2p_handshake_put(struct wire_buf *b, const uint8_t info_hash[20], const uint8_t peer_id[20],
    bool v2);

struct p2p_msg {
	enum p2p_msg_id	id;
	uint32_t	index, begin, length;	/* HAVE, REQUEST, PIECE (length = data_len),
						 * CANCEL, REJECT, SUGGEST, ALLOWED_FAST */
	uint16_t	port;			/* PORT */
	uint8_t		ext_id;			/* EXTENDED: 0 = the handshake */
	const uint8_t	*data;			/* PIECE block, BITFIELD bits, EXTENDED
						 * payload, HASH_* payload: points into
						 * the input */
	size_t		data_len;
};

/* Decode the message at the front of buf[0..n). Returns the bytes it
 * takes (length prefix included) with *m filled, 0 when more bytes are
 * needed, or -EBADMSG (wrong size for its id, unknown id is NOT an error:
 * m->id holds it and the caller skips it) / -EMSGSIZE (length prefix
 * over max_len). *need, when not NULL, gets the full length once the
 * prefix is there (to size a read). */
ssize_t p2p_msg_decode(const uint8_t *buf, size_t n, uint32_t max_len, struct p2p_msg *m,
    size_t *need);

void p2p_put_keepalive(struct wire_buf *b);
/* CHOKE .. NOT_INTERESTED, HAVE_ALL, HAVE_NONE. */
void p2p_put_simple(struct wire_buf *b, enum p2p_msg_id id);
/* HAVE, SUGGEST, ALLOWED_FAST. */
void p2p_put_index(struct wire_buf *b, enum p2p_msg_id id, uint32_t index);
void p2p_put_bitfield(struct wire_buf *b, const uint8_t *bits, size_t nbytes);
/* REQUEST, CANCEL, REJECT. */
void p2p_put_request(struct wire_buf *b, enum p2p_msg_id id, uint32_t index, uint32_t begin,
    uint32_t length);
/* The 13-byte head of a PIECE message carrying len bytes of data (the
 * caller appends or writes the data itself: no copy). */
void p2p_put_piece_head(struct wire_buf *b, uint32_t index, uint32_t begin, uint32_t len);
void p2p_put_port(struct wire_buf *b, uint16_t port);
void p2p_put_extended(struct wire_buf *b, uint8_t ext_id, const void *payload, size_t n);

/* BEP 10 handshake contents we use. */
struct p2p_ext_hs {
	uint16_t	port;		/* "p": the peer's listen port, 0 if absent */
	char		client[64];	/* "v" (printable only) */
	uint32_t	reqq;		/* "reqq": its request queue, 0 if absent */
	uint8_t		yourip[16];	/* "yourip" */
	size_t		yourip_len;	/* 4, 16 or 0 */
	uint8_t		ut_pex;		/* "m" ids we may use, 0 = not offered */
	uint8_t		ut_metadata;
	bool		upload_only;	/* "upload_only" = 1 */
	/* outpost-p2pd's region swarm: the node id and region of the peer
	 * ("outpost_node", "outpost_region"; printable only, "" if absent) */
	char		node[64], region[64];
};

/* Append a whole EXTENDED message (id 0) with our handshake: m (no
 * extensions offered but kept as a dict), p, v, reqq, yourip when given. */
void p2p_put_ext_hs(struct wire_buf *b, const struct p2p_ext_hs *ours);
/* Parse a received handshake payload (bencode). 0 or -EBADMSG. */
int p2p_ext_hs_parse(const uint8_t *payload, size_t n, struct p2p_ext_hs *out);

/* Bitfield helpers: bit i is byte i/8, mask 0x80 >> i%8. */
static inline bool p2p_bit(const uint8_t *bits, uint32_t i)
{
	return bits[i >> 3] & (0x80u >> (i & 7));
}
static inline void p2p_bit_set(uint8_t *bits, uint32_t i)
{
	bits[i >> 3] |= (uint8_t)(0x80u >> (i & 7));
}
static inline size_t p2p_bitfield_bytes(uint32_t npieces)
{
	return ((size_t)npieces + 7) / 8;
}
/* Whether a received bitfield of nbytes fits npieces: right length and
 * the spare bits at the end clear (BEP 3 says drop the peer otherwise). */
bool p2p_bitfield_valid(const uint8_t *bits, size_t nbytes, uint32_t npieces);

/* BEP 6 allowed-fast set: the k pieces peer ip (4 or 16 bytes) may ask for
 * while choked, into out (k entries). */
void p2p_allowed_fast(const uint8_t *ip, size_t iplen, const uint8_t info_hash[20],
    uint32_t npieces, unsigned k, uint32_t *out);

#endif
