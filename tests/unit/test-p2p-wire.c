/* test-p2p-wire.c: the peer wire codec: round trips, size rules,
 * truncation at every length, the BEP 6 allowed-fast example. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "p2p_wire.h"
#include "tap.h"

static ssize_t decode(const struct wire_buf *b, struct p2p_msg *m)
{
	return p2p_msg_decode(b->data, b->len, P2P_MSG_MAX, m, NULL);
}

static void test_handshake(void)
{
	struct wire_buf b;
	struct p2p_handshake h;
	uint8_t ih[20], id[20];

	memset(ih, 0xaa, sizeof(ih));
	memset(id, 0x55, sizeof(id));
	wire_buf_init(&b);
	p2p_handshake_put(&b, ih, id, true);
	is_int(b.len, P2P_HANDSHAKE_LEN, "handshake is 68 bytes");
	is_int(p2p_handshake_parse(b.data, b.len, &h), 0, "handshake parses");
	ok(!memcmp(h.info_hash, ih, 20) && !memcmp(h.peer_id, id, 20), "hash and id kept");
	ok(P2P_RSV_EXT(h.reserved) && P2P_RSV_FAST(h.reserved) && P2P_RSV_V2(h.reserved),
	    "extension, fast and v2 bits set");
	is_int(p2p_handshake_parse(b.data, b.len - 1, &h), -EBADMSG, "short handshake refused");
	b.data[5] = 'b';
	is_int(p2p_handshake_parse(b.data, b.len, &h), -EBADMSG, "another protocol refused");
	wire_buf_free(&b);
}

static void test_round_trips(void)
{
	struct wire_buf b;
	struct p2p_msg m;
	uint8_t bits[3] = { 0xff, 0x0f, 0x80 }, block[100];

	memset(block, 7, sizeof(block));
	wire_buf_init(&b);
	p2p_put_keepalive(&b);
	is_int(decode(&b, &m), 4, "keep-alive takes 4 bytes");
	is_int(m.id, P2P_KEEPALIVE, "keep-alive decoded");
	wire_buf_reset(&b);
	p2p_put_simple(&b, P2P_HAVE_ALL);
	ok(decode(&b, &m) == 5 && m.id == P2P_HAVE_ALL, "have-all round trip");
	wire_buf_reset(&b);
	p2p_put_index(&b, P2P_HAVE, 0x01020304);
	ok(decode(&b, &m) == 9 && m.id == P2P_HAVE && m.index == 0x01020304, "have round trip");
	wire_buf_reset(&b);
	p2p_put_request(&b, P2P_REJECT, 5, 16384, 16384);
	ok(decode(&b, &m) == 17 && m.id == P2P_REJECT && m.index == 5 && m.begin == 16384 &&
	    m.length == 16384, "reject round trip");
	wire_buf_reset(&b);
	p2p_put_bitfield(&b, bits, sizeof(bits));
	ok(decode(&b, &m) == 8 && m.id == P2P_BITFIELD && m.data_len == 3 &&
	    !memcmp(m.data, bits, 3), "bitfield round trip");
	wire_buf_reset(&b);
	p2p_put_piece_head(&b, 9, 32768, sizeof(block));
	wire_put_bytes(&b, block, sizeof(block));
	ok(decode(&b, &m) == 13 + 100 && m.id == P2P_PIECE && m.index == 9 && m.begin == 32768 &&
	    m.data_len == 100 && m.data[99] == 7, "piece round trip, data in place");
	wire_buf_reset(&b);
	p2p_put_port(&b, 6881);
	ok(decode(&b, &m) == 7 && m.id == P2P_PORT && m.port == 6881, "port round trip");
	wire_buf_reset(&b);
	p2p_put_extended(&b, 3, "abc", 3);
	ok(decode(&b, &m) == 9 && m.id == P2P_EXTENDED && m.ext_id == 3 && m.data_len == 3,
	    "extended round trip");
	wire_buf_free(&b);
}

static void test_bad(void)
{
	static const struct { const char *what; uint8_t bytes[16]; size_t n; ssize_t want; } t[] = {
		{ "choke with a payload", { 0, 0, 0, 2, 0, 1 }, 6, -EBADMSG },
		{ "have of 3 bytes", { 0, 0, 0, 4, 4, 0, 0, 1 }, 8, -EBADMSG },
		{ "request of 8 bytes", { 0, 0, 0, 9, 6, 0, 0, 0, 1, 0, 0, 0, 0 }, 13, -EBADMSG },
		{ "piece without offsets", { 0, 0, 0, 5, 7, 0, 0, 0, 1 }, 9, -EBADMSG },
		{ "empty bitfield", { 0, 0, 0, 1, 5 }, 5, -EBADMSG },
		{ "port of 1 byte", { 0, 0, 0, 2, 9, 1 }, 6, -EBADMSG },
		{ "extended without an id", { 0, 0, 0, 1, 20 }, 5, -EBADMSG },
		{ "length over the limit", { 0, 0x20, 0, 0, 7 }, 5, -EMSGSIZE },
		{ "unknown id is skipped", { 0, 0, 0, 2, 99, 1 }, 6, 6 },
	};
	struct p2p_msg m;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int(p2p_msg_decode(t[i].bytes, t[i].n, P2P_MSG_MAX, &m, NULL), t[i].want, "%s",
		    t[i].what);
}

static void test_truncated(void)
{
	struct wire_buf b;
	struct p2p_msg m;
	size_t need = 0;
	int bad = 0;

	wire_buf_init(&b);
	p2p_put_request(&b, P2P_REQUEST, 1, 2, 3);
	for (size_t n = 0; n < b.len; n++)
		if (p2p_msg_decode(b.data, n, P2P_MSG_MAX, &m, &need) != 0)
			bad++;
	is_int(bad, 0, "every truncation of a request asks for more");
	is_int(need, 17, "the full length is known once the prefix is there");
	wire_buf_free(&b);
}

static void test_bitfield(void)
{
	uint8_t ok1[2] = { 0xff, 0xe0 }, bad1[2] = { 0xff, 0xf0 };

	ok(p2p_bitfield_valid(ok1, 2, 11), "11 pieces, spare bits clear");
	ok(!p2p_bitfield_valid(bad1, 2, 11), "a spare bit set is refused");
	ok(!p2p_bitfield_valid(ok1, 1, 11), "a short bitfield is refused");
	ok(p2p_bitfield_valid(ok1, 1, 8) == true, "8 pieces in one byte");
}

/* BEP 6's own example: 1313 pieces, 80.4.4.200, info-hash 0xaa * 20. */
static void test_allowed_fast(void)
{
	static const uint32_t want7[] = { 1059, 431, 808, 1217, 287, 376, 1188 };
	static const uint32_t want9[] = { 1059, 431, 808, 1217, 287, 376, 1188, 353, 508 };
	const uint8_t ip[4] = { 80, 4, 4, 200 };
	uint8_t ih[20];
	uint32_t got[9];

	memset(ih, 0xaa, sizeof(ih));
	p2p_allowed_fast(ip, 4, ih, 1313, 7, got);
	ok(!memcmp(got, want7, sizeof(want7)), "BEP 6 example, k = 7");
	p2p_allowed_fast(ip, 4, ih, 1313, 9, got);
	ok(!memcmp(got, want9, sizeof(want9)), "BEP 6 example, k = 9");
	p2p_allowed_fast(ip, 4, ih, 3, 9, got);
	ok(got[0] < 3 && got[1] < 3 && got[2] < 3 && got[0] != got[1] && got[1] != got[2] &&
	    got[0] != got[2], "k above the piece count gives every piece once");
}

/* The BEP 10 handshake: ours round-trips (with outpost-p2pd's node and
 * region), another client's parses, and odd strings stay printable. */
static void test_ext_hs(void)
{
	static const char lt[] = "d1:md11:ut_metadatai2e6:ut_pexi1ee1:pi6881e4:reqqi500e"
	    "1:v16:libtorrent/2.0.8e";
	struct p2p_ext_hs a, b;
	struct wire_buf w;
	struct p2p_msg m;

	memset(&a, 0, sizeof(a));
	a.port = 6999;
	a.reqq = 250;
	a.upload_only = true;
	snprintf(a.client, sizeof(a.client), "Outpost/0.1.0");
	snprintf(a.node, sizeof(a.node), "kiosk-0042");
	snprintf(a.region, sizeof(a.region), "chaoyang");
	memcpy(a.yourip, "\x0a\x00\x00\x11", 4);
	a.yourip_len = 4;
	wire_buf_init(&w);
	p2p_put_ext_hs(&w, &a);
	ok(decode(&w, &m) > 0 && m.id == P2P_EXTENDED && m.ext_id == 0, "ours is an EXTENDED 0");
	is_int(p2p_ext_hs_parse(m.data, m.data_len, &b), 0, "... and parses back");
	ok(b.port == 6999 && b.reqq == 250 && b.upload_only && !strcmp(b.client, a.client) &&
	   b.yourip_len == 4 && !memcmp(b.yourip, a.yourip, 4), "... with port, reqq, v, yourip");
	is_str(b.node, "kiosk-0042", "... the node id");
	is_str(b.region, "chaoyang", "... the region");
	wire_buf_free(&w);

	is_int(p2p_ext_hs_parse((const uint8_t *)lt, sizeof(lt) - 1, &b), 0, "libtorrent's parses");
	ok(b.port == 6881 && b.reqq == 500 && b.ut_metadata == 2 && b.ut_pex == 1 &&
	   !strcmp(b.client, "libtorrent/2.0.8") && !b.node[0] && !b.region[0],
	    "... with no node or region");

	memset(&a, 0, sizeof(a));
	memset(a.node, 'n', sizeof(a.node) - 1);
	snprintf(a.region, sizeof(a.region), "a\x01" "b");
	wire_buf_init(&w);
	p2p_put_ext_hs(&w, &a);
	ok(decode(&w, &m) > 0 && p2p_ext_hs_parse(m.data, m.data_len, &b) == 0 &&
	   strlen(b.node) == sizeof(b.node) - 1 && !strcmp(b.region, "a?b"),
	    "a long node id is kept to 63 bytes, a control byte shows as '?'");
	wire_buf_free(&w);
	is_int(p2p_ext_hs_parse((const uint8_t *)"li1ee", 5, &b), -EBADMSG, "a list is refused");
}

int main(void)
{
	test_handshake();
	test_ext_hs();
	test_round_trips();
	test_bad();
	test_truncated();
	test_bitfield();
	test_allowed_fast();
	return done_testing();
}
