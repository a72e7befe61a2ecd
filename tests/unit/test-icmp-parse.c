/* test-icmp-parse: the ping probe's packet builder and reply parser.
 *
 * Table-driven: each case is a packet built from a good echo reply or
 * error and then damaged in one way, with what the parser must say. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "icmp.h"
#include "tap.h"

static const uint8_t cookie[PROBE_ICMP_COOKIE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void fix_cksum(uint8_t *icmp, size_t len)
{
	icmp[2] = icmp[3] = 0;
	put16(icmp + 2, probe_icmp_cksum(icmp, len));
}

/* An IPv4 header of hl bytes (proto ICMP, dst 192.0.2.7) at p. */
static void ip4(uint8_t *p, size_t hl, uint16_t total, uint8_t ttl)
{
	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | hl / 4);
	put16(p + 2, total);
	p[8] = ttl;
	p[9] = IPPROTO_ICMP;
	p[12] = 192, p[13] = 0, p[14] = 2, p[15] = 1;
	p[16] = 192, p[17] = 0, p[18] = 2, p[19] = 7;
}

/* A v4 echo reply as a raw socket hands it over: IP header first. */
static size_t v4_reply(uint8_t *buf, size_t size)
{
	size_t n = probe_icmp_build(AF_INET, buf + 20, 2048, 0x1234, 7, cookie, 42, 6, size);

	ip4(buf, 20, (uint16_t)(20 + n), 57);
	buf[20] = 0;		/* echo reply */
	fix_cksum(buf + 20, n);
	return 20 + n;
}

/* A v4 time exceeded quoting our request (q bytes of it) from a router. */
static size_t v4_error(uint8_t *buf, size_t q)
{
	uint8_t req[128];
	size_t n = probe_icmp_build(AF_INET, req, sizeof(req), 0x1234, 9, cookie, 3, 8, 56);

	if (q > n)
		q = n;
	ip4(buf, 20, 0, 250);
	buf[20] = 11;
	buf[21] = 0;
	memset(buf + 24, 0, 4);
	ip4(buf + 28, 20, (uint16_t)(20 + n), 1);
	memcpy(buf + 48, req, q);
	fix_cksum(buf + 20, 28 + q);
	return 48 + q;
}

/* A v6 echo reply as any v6 socket hands it over: ICMPv6 header first. */
static size_t v6_reply(uint8_t *buf, size_t size)
{
	size_t n = probe_icmp_build(AF_INET6, buf, 2048, 0x4321, 1, cookie, 5, 0, size);

	buf[0] = 129;
	return n;
}

static size_t v6_error(uint8_t *buf, uint8_t next_header)
{
	uint8_t req[128];
	size_t n = probe_icmp_build(AF_INET6, req, sizeof(req), 0x4321, 2, cookie, 5, 1, 56);

	buf[0] = 1;		/* destination unreachable */
	buf[1] = 3;
	memset(buf + 2, 0, 6);
	memset(buf + 8, 0, 40);
	buf[8] = 0x60;
	buf[14] = next_header;
	buf[15] = 1;
	buf[32] = 0x20, buf[33] = 0x01, buf[34] = 0x0d, buf[35] = 0xb8, buf[47] = 9;
	memcpy(buf + 48, req, n);
	return 48 + n;
}

static void test_build(void)
{
	uint8_t b[128];
	size_t n = probe_icmp_build(AF_INET, b, sizeof(b), 0xbeef, 0x0102, cookie, 0xa0b0c0d0,
	    0x01020304, 56);

	is_int(n, 64, "an echo request of 56 payload bytes is 64 long");
	is_int(b[0], 8, "type echo request");
	is_int(probe_icmp_cksum(b, n), 0, "its checksum verifies");
	ok(b[4] == 0xbe && b[5] == 0xef && b[6] == 1 && b[7] == 2, "id and seq big-endian");
	ok(!memcmp(b + 8, cookie, 8), "the cookie follows the header");
	ok(b[16] == 0xa0 && b[19] == 0xd0 && b[20] == 1 && b[23] == 4, "target and probe follow");
	is_int(probe_icmp_build(AF_INET, b, sizeof(b), 1, 1, cookie, 0, 0, 15), 0,
	    "a payload too short for the cookie block is refused");
	is_int(probe_icmp_build(AF_INET, b, 40, 1, 1, cookie, 0, 0, 56), 0,
	    "a buffer too small is refused");
	n = probe_icmp_build(AF_INET6, b, sizeof(b), 1, 1, cookie, 0, 0, 16);
	is_int(n, 24, "the smallest v6 request");
	is_int(b[0], 128, "type ICMPv6 echo request");
}

static void test_reply_v4(void)
{
	uint8_t b[2048];
	struct probe_icmp_msg m;
	size_t n = v4_reply(b, 56);

	is_int(probe_icmp_parse(AF_INET, true, b, n, &m), 0, "v4 raw reply parses");
	is_int(m.kind, PROBE_ICMP_REPLY, "it is a reply");
	ok(m.id == 0x1234 && m.seq == 7, "id and seq");
	ok(m.has_mark && !memcmp(m.cookie, cookie, 8) && m.target == 42 && m.probe == 6,
	    "cookie, target and probe");
	is_int(m.ttl, 57, "ttl from the IP header");
	is_int(probe_icmp_parse(AF_INET, false, b + 20, n - 20, &m), 0,
	    "the same without IP header (ping socket)");
	ok(m.target == 42 && m.ttl == -1, "same fields, no ttl");
}

struct damage_case {
	const char	*what;
	int		family;
	size_t		cut;		/* keep only this many bytes (0: all) */
	int		byte;		/* offset to change, -1: none */
	uint8_t		val;
	bool		refix;		/* recompute the checksum after */
	int		want_rc;
	int		want_kind;
	bool		want_mark;
};

static void test_damage(void)
{
	static const struct damage_case cases[] = {
		{ "empty", AF_INET, 1, -1, 0, false, -EBADMSG, 0, false },
		{ "IP header cut", AF_INET, 12, -1, 0, false, -EBADMSG, 0, false },
		{ "IHL below 5", AF_INET, 0, 0, 0x44, false, -EBADMSG, 0, false },
		{ "IHL past the end", AF_INET, 50, 0, 0x4f, false, -EBADMSG, 0, false },
		{ "IP version 6 in a v4 socket", AF_INET, 0, 0, 0x65, false, -EBADMSG, 0, false },
		{ "not ICMP", AF_INET, 0, 9, 17, false, -EBADMSG, 0, false },
		{ "ICMP header cut", AF_INET, 24, -1, 0, false, -EBADMSG, 0, false },
		{ "wrong checksum", AF_INET, 0, 30, 0xff, false, -EPROTO, 0, false },
		{ "payload cut below the cookie (refixed)", AF_INET, 40, -1, 0, true, 0,
		    PROBE_ICMP_REPLY, false },
		{ "echo request, not reply", AF_INET, 0, 20, 8, true, 0, PROBE_ICMP_OTHER, false },
		{ "source quench is nothing of ours", AF_INET, 0, 20, 4, true, 0,
		    PROBE_ICMP_OTHER, false },
		{ "v6 reply cut", AF_INET6, 6, -1, 0, false, -EBADMSG, 0, false },
		{ "v6 reply without our block", AF_INET6, 20, -1, 0, false, 0,
		    PROBE_ICMP_REPLY, false },
		{ "v6 router advertisement", AF_INET6, 0, 0, 134, false, 0, PROBE_ICMP_OTHER,
		    false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct damage_case *c = &cases[i];
		uint8_t b[2048];
		struct probe_icmp_msg m;
		size_t n = c->family == AF_INET ? v4_reply(b, 56) : v6_reply(b, 56);

		if (c->cut)
			n = c->cut;
		if (c->byte >= 0)
			b[c->byte] = c->val;
		if (c->refix && c->family == AF_INET)
			fix_cksum(b + 20, n - 20);
		int rc = probe_icmp_parse(c->family, c->family == AF_INET, b, n, &m);

		is_int(rc, c->want_rc, "%s: returns %d", c->what, c->want_rc);
		if (rc == 0) {
			is_int(m.kind, c->want_kind, "%s: kind", c->what);
			is_int(m.has_mark, c->want_mark, "%s: cookie block %s", c->what,
			    c->want_mark ? "found" : "absent");
		}
	}
}

static void test_errors(void)
{
	uint8_t b[2048];
	struct probe_icmp_msg m;
	size_t n = v4_error(b, 64);

	is_int(probe_icmp_parse(AF_INET, true, b, n, &m), 0, "v4 time exceeded parses");
	is_int(m.kind, PROBE_ICMP_ERROR, "it is an error");
	ok(m.type == 11 && m.has_qdst && m.qdst[0] == 192 && m.qdst[3] == 7,
	    "type and the quoted destination");
	ok(m.id == 0x1234 && m.seq == 9 && m.has_mark && m.target == 3 && m.probe == 8,
	    "the quoted request's id, seq and block");
	n = v4_error(b, 8);
	is_int(probe_icmp_parse(AF_INET, true, b, n, &m), 0, "an RFC 792 quote (8 bytes) parses");
	ok(m.kind == PROBE_ICMP_ERROR && !m.has_mark && m.seq == 9, "seq without the block");
	n = v4_error(b, 4);
	is_int(probe_icmp_parse(AF_INET, true, b, n, &m), -EBADMSG,
	    "a quote cut inside the ICMP header is malformed");
	n = v4_error(b, 64);
	b[48] = 0;		/* the quoted request becomes an echo reply */
	fix_cksum(b + 20, n - 20);
	is_int(probe_icmp_parse(AF_INET, true, b, n, &m), -EBADMSG,
	    "a quote of something not an echo request is malformed");
	n = v4_error(b, 64);
	b[28 + 9] = IPPROTO_UDP;
	fix_cksum(b + 20, n - 20);
	is_int(probe_icmp_parse(AF_INET, true, b, n, &m), 0, "an error about UDP parses");
	is_int(m.kind, PROBE_ICMP_OTHER, "but is nothing of ours");

	n = v6_error(b, IPPROTO_ICMPV6);
	is_int(probe_icmp_parse(AF_INET6, false, b, n, &m), 0, "v6 unreachable parses");
	ok(m.kind == PROBE_ICMP_ERROR && m.type == 1 && m.code == 3, "type and code");
	ok(m.qdst[0] == 0x20 && m.qdst[15] == 9 && m.target == 5 && m.probe == 1,
	    "quoted destination and block");
	is_int(probe_icmp_parse(AF_INET6, false, b, 50, &m), -EBADMSG, "a v6 quote cut short");
	n = v6_error(b, 0);
	is_int(probe_icmp_parse(AF_INET6, false, b, n, &m), 0,
	    "a v6 error through extension headers");
	is_int(m.kind, PROBE_ICMP_OTHER, "is not taken for ours");
}

static void test_request(void)
{
	uint8_t b[128];
	struct probe_icmp_msg m;
	size_t n = probe_icmp_build(AF_INET6, b, sizeof(b), 7, 8, cookie, 9, 10, 56);

	is_int(probe_icmp_parse_request(AF_INET6, b, n, &m), 0, "our request from the error queue");
	ok(m.id == 7 && m.seq == 8 && m.target == 9 && m.probe == 10, "its fields");
	is_int(probe_icmp_parse_request(AF_INET, b, n, &m), -EBADMSG, "not a v4 request");
	is_int(probe_icmp_parse_request(AF_INET6, b, 3, &m), -EBADMSG, "cut");
}

int main(void)
{
	test_build();
	test_reply_v4();
	test_damage();
	test_errors();
	test_request();
	return done_testing();
}
