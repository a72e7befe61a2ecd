/* test-p2p-tracker: the net part's pure functions: peer addresses,
 * percent-encoding, the BEP 48 scrape URL, the announce query, BEP 19
 * URLs, BEP 14 datagrams. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "p2p_net.h"
#include "p2p_net_int.h"
#include "tap.h"

static void test_addr(void)
{
	struct p2p_addr a;
	char buf[64];

	is_int(p2p_addr_parse("192.0.2.1:6881", &a), 0, "v4 parses");
	p2p_addr_format(&a, buf, sizeof(buf));
	is_str(buf, "192.0.2.1:6881", "v4 round trip");
	is_int(p2p_addr_parse("[2001:db8::1]:51413", &a), 0, "v6 parses");
	p2p_addr_format(&a, buf, sizeof(buf));
	is_str(buf, "[2001:db8::1]:51413", "v6 round trip");
	is_int(p2p_addr_parse("192.0.2.1:0", &a), -EINVAL, "port 0 refused");
	is_int(p2p_addr_parse("192.0.2.1:65536", &a), -EINVAL, "port 65536 refused");
	is_int(p2p_addr_parse("example.org:80", &a), -EINVAL, "names refused");
	is_int(p2p_addr_parse("2001:db8::1:80", &a), -EINVAL, "bare v6 refused");
	is_int(p2p_addr_parse("[2001:db8::1]80", &a), -EINVAL, "v6 without colon refused");
	is_int(p2p_addr_parse("192.0.2.1:+80", &a), -EINVAL, "signed port refused");
}

static void test_pct(void)
{
	static const uint8_t bin[] = { 0x00, 'A', 'z', '9', '-', '.', '_', '~', ' ', '/', 0xff };
	char out[64];

	is_int(p2p_pct_encode(bin, sizeof(bin), out, sizeof(out)), 19, "encoded length");
	is_str(out, "%00Az9-._~%20%2F%FF", "unreserved kept, the rest percent-encoded");
	is_int(p2p_pct_encode(bin, sizeof(bin), out, 19), -ENOSPC, "no room for the NUL");
	is_int(p2p_pct_encode(bin, sizeof(bin), out, 20), 19, "exact room");
}

static void test_scrape_url(void)
{
	char out[128];

	is_int(p2p_scrape_url("http://192.0.2.1:6969/announce", out, sizeof(out)), 0, "plain");
	is_str(out, "http://192.0.2.1:6969/scrape", "announce -> scrape");
	is_int(p2p_scrape_url("http://t.example/x/announce.php?passkey=a/b", out, sizeof(out)), 0,
	    "suffix and query");
	is_str(out, "http://t.example/x/scrape.php?passkey=a/b", "suffix and query kept");
	is_int(p2p_scrape_url("http://t.example/a", out, sizeof(out)), -ENOTSUP, "no announce");
	is_int(p2p_scrape_url("http://t.example/x/announce_x", out, sizeof(out)), 0,
	    "BEP 48 keeps what follows");
	is_int(p2p_scrape_url("http://t.example/announce/x", out, sizeof(out)), -ENOTSUP,
	    "announce not last");
	is_int(p2p_scrape_url("http://t.example:6969", out, sizeof(out)), -ENOTSUP, "no path");
	is_int(p2p_scrape_url("http://192.0.2.1:6969/announce", out, 10), -ENOSPC, "too small");
}

static void test_announce_url(void)
{
	struct p2p_announce a = { .url = "http://192.0.2.1:6969/announce", .port = 6881,
	    .uploaded = 1, .downloaded = 2, .left = 3, .event = P2P_ANN_STARTED, .key = 0xbeef };
	char out[512];

	memset(a.info_hash, 0xab, 20);
	memcpy(a.peer_id, "-OP0001-abcdefghij~.", 20);
	is_int(p2p_announce_url(&a, out, sizeof(out)), 0, "announce url");
	is_str(out, "http://192.0.2.1:6969/announce?info_hash="
	    "%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB%AB"
	    "&peer_id=-OP0001-abcdefghij~.&port=6881&uploaded=1&downloaded=2&left=3&compact=1"
	    "&numwant=50&key=0000beef&event=started", "announce query");
	a.url = "http://t.example/a?passkey=x";
	a.event = P2P_ANN_NONE;
	a.numwant = 10;
	is_int(p2p_announce_url(&a, out, sizeof(out)), 0, "announce url with a query");
	ok(strncmp(out, "http://t.example/a?passkey=x&info_hash=%AB", 42) == 0, "joined with &");
	ok(strstr(out, "&numwant=10&") && !strstr(out, "event="), "numwant, no event");
	is_int(p2p_announce_url(&a, out, 100), -ENOSPC, "too small");
}

static void test_webseed_url(void)
{
	struct p2p_file files[2] = { { .path = "my dir/sub/a b#.bin" }, { .path = "one.iso" } };
	struct p2p_meta m = { .multi = true, .files = files, .nfiles = 2 };
	char out[256];

	is_int(p2p_webseed_file_url("http://s.example/seed", &m, 0, out, sizeof(out)), 0, "multi");
	is_str(out, "http://s.example/seed/my%20dir/sub/a%20b%23.bin", "multi: / added, encoded");
	is_int(p2p_webseed_file_url("http://s.example/seed/", &m, 0, out, sizeof(out)), 0, "multi /");
	is_str(out, "http://s.example/seed/my%20dir/sub/a%20b%23.bin", "multi: no double /");
	m.multi = false;
	is_int(p2p_webseed_file_url("http://s.example/x.iso", &m, 1, out, sizeof(out)), 0, "single");
	is_str(out, "http://s.example/x.iso", "single: the URL itself");
	is_int(p2p_webseed_file_url("http://s.example/d/", &m, 1, out, sizeof(out)), 0, "single /");
	is_str(out, "http://s.example/d/one.iso", "single: the name appended");
	is_int(p2p_webseed_file_url("http://s.example/d/", &m, 1, out, 22), -ENOSPC, "too small");
}

static int tp(const char *body, size_t n, struct p2p_tracker_reply *r)
{
	char why[128];
	return p2p_tracker_parse((const uint8_t *)body, n, r, why, sizeof(why));
}

static void test_tracker_parse(void)
{
	struct p2p_tracker_reply r;
	struct p2p_scrape sc;
	char buf[64];
	static const char compact[] = "d8:completei3e10:incompletei1e8:intervali1800e"
	    "5:peers12:\xc0\x00\x02\x01\x1a\xe1\xc6\x33\x64\x07\x00\x50"
	    "6:peers618:\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x1a\xe2" "e";
	static const char dict[] = "d8:intervali60e5:peersld2:ip9:192.0.2.94:porti6881eed2:ip"
	    "11:example.org4:porti80eeee";

	is_int(tp(compact, sizeof(compact) - 1, &r), 0, "compact reply parses");
	is_int((int)r.npeers, 3, "two v4 and one v6 peer");
	p2p_addr_format(&r.peers[0], buf, sizeof(buf));
	is_str(buf, "192.0.2.1:6881", "first compact peer");
	p2p_addr_format(&r.peers[1], buf, sizeof(buf));
	is_str(buf, "198.51.100.7:80", "second compact peer");
	p2p_addr_format(&r.peers[2], buf, sizeof(buf));
	is_str(buf, "[2001:db8::1]:6882", "peers6");
	ok(r.interval == 1800 && r.complete == 3 && r.incomplete == 1, "interval and counts");
	p2p_tracker_reply_free(&r);
	is_int(tp(dict, sizeof(dict) - 1, &r), 0, "dict peers parse");
	is_int((int)r.npeers, 1, "host names skipped");
	p2p_tracker_reply_free(&r);
	is_int(tp("d14:failure reason6:denied", 26, &r), -EBADMSG, "truncated reply");
	is_int(tp("d14:failure reason6:deniede", 27, &r), 0, "failure parses");
	is_str(r.failure, "denied", "failure reason");
	p2p_tracker_reply_free(&r);
	is_int(tp("d8:intervali60e5:peers5:abcdee", 30, &r), -EBADMSG, "compact not a multiple of 6");
	is_int(tp("li1ee", 5, &r), -EBADMSG, "not a dictionary");

	static const char scrape[] = "d5:filesd20:\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab"
	    "\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab"
	    "d8:completei5e10:downloadedi9e10:incompletei2eeee";
	uint8_t ih[20];
	memset(ih, 0xab, 20);
	is_int(p2p_scrape_parse((const uint8_t *)scrape, sizeof(scrape) - 1, ih, &sc, NULL, 0), 0,
	    "scrape parses");
	ok(sc.found && sc.complete == 5 && sc.downloaded == 9 && sc.incomplete == 2, "scrape counts");
	ih[0] = 0;
	is_int(p2p_scrape_parse((const uint8_t *)scrape, sizeof(scrape) - 1, ih, &sc, NULL, 0), 0,
	    "scrape of another hash");
	ok(!sc.found, "not found");
}

#define H1 "0123456789abcdef0123456789ABCDEF01234567"
#define H2 "ffffffffffffffffffffffffffffffffffffffff"

static struct p2p_lsd_info last;

static int lsd(const char *s, uint8_t (*ih)[20], size_t max, uint16_t *port, char *ck)
{
	int k = p2p_lsd_parse((const uint8_t *)s, strlen(s), ih, max, &last);

	*port = last.port;
	memcpy(ck, last.cookie, 31);
	ck[31] = '\0';
	return k;
}

static void test_lsd(void)
{
	uint8_t ih[4][20];
	uint16_t port = 0;
	char ck[32];

	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n"
	    "Infohash: " H1 "\r\nInfohash: " H2 "\r\ncookie: abc\r\n\r\n\r\n", ih, 4, &port, ck), 2,
	    "two hashes");
	is_int(port, 6881, "port");
	is_str(ck, "abc", "cookie");
	ok(ih[0][0] == 0x01 && ih[0][19] == 0x67 && ih[0][5] == 0xab && ih[0][13] == 0xab, "hash 1 decoded");
	ok(ih[1][0] == 0xff && ih[1][19] == 0xff, "hash 2 decoded");
	is_int(lsd("BT-SEARCH * HTTP/1.1\nPORT:  51413 \ninfohash:" H1 "\n\n", ih, 4, &port, ck), 1,
	    "LF only, names in any case");
	is_int(port, 51413, "port with spaces");
	is_str(ck, "", "no cookie");
	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " H1 "\r\nInfohash: " H2
	    "\r\n\r\n", ih, 1, &port, ck), 1, "capped at max");
	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nInfohash: " H1 "\r\n\r\n", ih, 4, &port, ck), -EBADMSG,
	    "no port");
	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\n\r\n", ih, 4, &port, ck), -EBADMSG,
	    "no hash");
	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nPort: 70000\r\nInfohash: " H1 "\r\n\r\n", ih, 4, &port,
	    ck), -EBADMSG, "port too big");
	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " H1 "0\r\n\r\n", ih, 4, &port,
	    ck), -EBADMSG, "41 hex digits");
	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " H1 "\r\n", ih, 4, &port, ck),
	    -EBADMSG, "no end of headers");
	is_int(lsd("M-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " H1 "\r\n\r\n", ih, 4, &port,
	    ck), -EBADMSG, "not BT-SEARCH");
	is_int(lsd("BT-SEARCH * HTTP/1.1\r\nPort 6881\r\n\r\n", ih, 4, &port, ck), -EBADMSG,
	    "header without colon");

	uint8_t big[5000];
	memset(big, 'a', sizeof(big));
	is_int(p2p_lsd_parse(big, sizeof(big), ih, 4, &last), -EBADMSG, "oversize");
	ok(!last.member, "a plain announce names no member");
}

#define LSD_HEAD "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n" \
	"Infohash: " H1 "\r\n"
#define LSD_TAIL "cookie: k\r\n\r\n\r\n"
#define X_NODE "x-outpost-node: dev1\r\n"
#define X_REGION "x-outpost-region: a\r\n"
#define X_HAVE "x-outpost-have: 12/64\r\n"
#define X_EVERY "x-outpost-every: 3000\r\n"

/* A member's announce: the round trip, and each hostile value, which
 * costs the member part only. */
static void test_lsd_member(void)
{
	static const struct {
		const char *dgram, *what;
	} bad[] = {
		{ LSD_HEAD X_NODE X_REGION X_HAVE LSD_TAIL, "no every" },
		{ LSD_HEAD X_REGION X_HAVE X_EVERY LSD_TAIL, "no node" },
		{ LSD_HEAD X_NODE X_NODE X_REGION X_HAVE X_EVERY LSD_TAIL, "node twice" },
		{ LSD_HEAD "x-outpost-node: dev2\r\n" X_NODE X_REGION X_HAVE X_EVERY LSD_TAIL,
		  "two nodes" },
		{ LSD_HEAD X_NODE X_REGION X_HAVE X_HAVE X_EVERY LSD_TAIL, "have twice" },
		{ LSD_HEAD "x-outpost-node: "
		  "0123456789012345678901234567890123456789012345678901234567890123\r\n"
		  X_REGION X_HAVE X_EVERY LSD_TAIL, "a 64-byte node" },
		{ LSD_HEAD "x-outpost-node: dev\x01\r\n" X_REGION X_HAVE X_EVERY LSD_TAIL,
		  "a control character" },
		{ LSD_HEAD "x-outpost-node: dev\x7f\r\n" X_REGION X_HAVE X_EVERY LSD_TAIL, "DEL" },
		{ LSD_HEAD "x-outpost-node: d\xc3\r\n" X_REGION X_HAVE X_EVERY LSD_TAIL,
		  "a cut UTF-8 sequence" },
		{ LSD_HEAD "x-outpost-node: d\xc0\xaf\r\n" X_REGION X_HAVE X_EVERY LSD_TAIL,
		  "overlong UTF-8" },
		{ LSD_HEAD "x-outpost-node: d\xed\xa0\x80\r\n" X_REGION X_HAVE X_EVERY LSD_TAIL,
		  "a UTF-8 surrogate" },
		{ LSD_HEAD "x-outpost-node: d\xc2\x85\r\n" X_REGION X_HAVE X_EVERY LSD_TAIL,
		  "a C1 control" },
		{ LSD_HEAD "x-outpost-node: \r\n" X_REGION X_HAVE X_EVERY LSD_TAIL, "empty node" },
		{ LSD_HEAD X_NODE X_REGION "x-outpost-have: 65/64\r\n" X_EVERY LSD_TAIL,
		  "have past all" },
		{ LSD_HEAD X_NODE X_REGION "x-outpost-have: 0/0\r\n" X_EVERY LSD_TAIL,
		  "no pieces" },
		{ LSD_HEAD X_NODE X_REGION "x-outpost-have: 12\r\n" X_EVERY LSD_TAIL, "no slash" },
		{ LSD_HEAD X_NODE X_REGION "x-outpost-have: 99999999999/99999999999\r\n" X_EVERY
		  LSD_TAIL, "have past 32 bits" },
		{ LSD_HEAD X_NODE X_REGION "x-outpost-have: -1/64\r\n" X_EVERY LSD_TAIL,
		  "a sign" },
		{ LSD_HEAD X_NODE X_REGION X_HAVE "x-outpost-every: 10\r\n" LSD_TAIL,
		  "every too short" },
		{ LSD_HEAD X_NODE X_REGION X_HAVE "x-outpost-every: 99999999\r\n" LSD_TAIL,
		  "every too long" },
		{ LSD_HEAD "Infohash: " H2 "\r\n" X_NODE X_REGION X_HAVE X_EVERY LSD_TAIL,
		  "progress for two hashes" },
	};
	struct p2p_lsd_member m = { .node = "kiosk-0042", .region = "chaoyang", .have = 7,
	    .npieces = 640, .every_ms = 3000 };
	struct p2p_lsd_info in;
	uint8_t ih[4][20], back[4][20];
	char buf[1500], ck[32];
	uint16_t port;
	int k;

	memset(ih[0], 0x5a, 20);
	k = p2p_lsd_format(buf, sizeof(buf), false, 6881, "c00k1e", (const uint8_t (*)[20])ih, 1,
	    &m);
	ok(k > 0 && (size_t)k < 400, "a member's announce formats (%d bytes)", k);
	is_int(p2p_lsd_parse((uint8_t *)buf, (size_t)k, back, 4, &in), 1, "... and parses");
	ok(in.member && !strcmp(in.m.node, "kiosk-0042") && !strcmp(in.m.region, "chaoyang") &&
	    in.m.have == 7 && in.m.npieces == 640 && in.m.every_ms == 3000,
	    "... to the same member");
	ok(in.port == 6881 && !strcmp(in.cookie, "c00k1e") && !memcmp(back[0], ih[0], 20),
	    "... the same port, cookie and hash");
	k = p2p_lsd_format(buf, sizeof(buf), true, 6881, "c", (const uint8_t (*)[20])ih, 1, NULL);
	is_int(p2p_lsd_parse((uint8_t *)buf, (size_t)k, back, 4, &in), 1, "a plain one (IPv6)");
	ok(!in.member && strstr(buf, "Host: [ff15::efc0:988f]:6771\r\n"), "... names no member");
	is_int(p2p_lsd_format(buf, sizeof(buf), false, 1, "c", (const uint8_t (*)[20])ih, 2, &m),
	    -EINVAL, "a member's announce is of one hash");
	is_int(p2p_lsd_format(buf, 60, false, 1, "c", (const uint8_t (*)[20])ih, 1, &m), -ENOSPC,
	    "short buffer");

	is_int(lsd(LSD_HEAD X_NODE X_REGION X_HAVE X_EVERY LSD_TAIL, ih, 4, &port, ck), 1,
	    "x-outpost- lines parse");
	ok(last.member && !strcmp(last.m.node, "dev1") && last.m.have == 12, "... as a member");
	is_int(lsd(LSD_HEAD "X-Outpost-Node:dev1\r\nX-OUTPOST-REGION: \xe6\x9c\x9d\xe9\x98\xb3 \r\n"
	    X_HAVE X_EVERY "x-outpost-later: what next\r\n" LSD_TAIL, ih, 4, &port, ck), 1,
	    "names in any case, UTF-8, an unknown x-outpost- line");
	ok(last.member && !strcmp(last.m.region, "\xe6\x9c\x9d\xe9\x98\xb3"), "... a member");
	is_int(lsd(LSD_HEAD "x-outpost-node: "
	    "012345678901234567890123456789012345678901234567890123456789012\r\n" X_REGION X_HAVE
	    X_EVERY LSD_TAIL, ih, 4, &port, ck), 1, "a 63-byte node");
	ok(last.member && strlen(last.m.node) == 63, "... is a member");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = lsd(bad[i].dgram, ih, 4, &port, ck);
		ok(k >= 1 && port == 6881 && !last.member && !last.m.node[0],
		    "%s: still an announce (%d), no member", bad[i].what, k);
	}
}

int main(void)
{
	test_addr();
	test_pct();
	test_scrape_url();
	test_announce_url();
	test_webseed_url();
	test_tracker_parse();
	test_lsd();
	test_lsd_member();
	done_testing();
}
