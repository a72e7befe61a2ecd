/* fuzz-p2p-wire: any bytes as a peer's stream: the handshake first, then
 * messages one after another as the engine reads them; extended
 * handshakes through their parser, bitfields through the validity check,
 * and what decodes must encode back to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p2p_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reencode(const struct p2p_msg *m, const uint8_t *raw, size_t n)
{
	struct wire_buf b;

	wire_buf_init(&b);
	switch (m->id) {
	case P2P_HAVE:
		p2p_put_index(&b, m->id, m->index);
		break;
	case P2P_REQUEST: case P2P_CANCEL: case P2P_REJECT:
		p2p_put_request(&b, m->id, m->index, m->begin, m->length);
		break;
	case P2P_PIECE:
		p2p_put_piece_head(&b, m->index, m->begin, (uint32_t)m->data_len);
		wire_put_bytes(&b, m->data, m->data_len);
		break;
	default:
		wire_buf_free(&b);
		return;
	}
	if (!wire_buf_error(&b) && (b.len != n || memcmp(b.data, raw, n)))
		abort();
	wire_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2p_handshake h;
	struct p2p_msg m;
	struct p2p_ext_hs e;
	size_t off = 0;

	if (size >= P2P_HANDSHAKE_LEN && p2p_handshake_parse(data, size, &h) == 0)
		off = P2P_HANDSHAKE_LEN;
	while (off < size) {
		size_t need = 0;
		ssize_t k = p2p_msg_decode(data + off, size - off, P2P_MSG_MAX, &m, &need);

		if (k <= 0)
			break;
		if (m.data && (m.data < data + off || m.data + m.data_len > data + off + (size_t)k))
			abort();
		if (m.id == P2P_EXTENDED && m.ext_id == 0)
			p2p_ext_hs_parse(m.data, m.data_len, &e);
		if (m.id == P2P_BITFIELD)
			(void)p2p_bitfield_valid(m.data, m.data_len, (uint32_t)(m.data_len * 8));
		reencode(&m, data + off, (size_t)k);
		off += (size_t)k;
	}
	return 0;
}
