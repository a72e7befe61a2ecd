/* test-dns-msg.c: the DNS codec, table-driven: a query built and read back,
 * one record of every decoded type (and an unknown one) in dig's
 * presentation form and in JSON, every malformation refused with its own
 * error, the type and rcode tables. */
#include "config.h"

#include <string.h>

#include "dns_msg.h"
#include "json.h"
#include "wire.h"
#include "tap.h"

/* A reply to "x.test. IN type" with one answer of rdata rd (compression
 * pointer 0xc00c = the question name available in rdata as "\xc0\x0c"). */
static void reply(struct wire_buf *b, uint16_t type, const void *rd, size_t rdlen)
{
	static const uint8_t hdr[] = { 0x12, 0x34, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0 };
	static const uint8_t q[] = { 1, 'x', 4, 't', 'e', 's', 't', 0 };

	wire_buf_reset(b);
	wire_put_bytes(b, hdr, sizeof(hdr));
	wire_put_bytes(b, q, sizeof(q));
	wire_put_u16be(b, type);
	wire_put_u16be(b, 1);
	wire_put_u16be(b, 0xc00c);
	wire_put_u16be(b, type);
	wire_put_u16be(b, 1);
	wire_put_u32be(b, 300);
	wire_put_u16be(b, (uint16_t)rdlen);
	wire_put_bytes(b, rd, rdlen);
}

static const struct {
	uint16_t	 type;
	const char	*rd;
	size_t		 len;
	const char	*text;	/* NULL: refused with err */
	int		 err;
} types[] = {
	{ PROBE_DNS_T_A, "\xc0\x00\x02\x0a", 4, "192.0.2.10", 0 },
	{ PROBE_DNS_T_AAAA, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x53", 16, "2001:db8::53", 0 },
	{ PROBE_DNS_T_CNAME, "\x03www\xc0\x0c", 6, "www.x.test.", 0 },
	{ PROBE_DNS_T_NS, "\x02ns\xc0\x0c", 5, "ns.x.test.", 0 },
	{ PROBE_DNS_T_PTR, "\x01h\x07""example\0", 11, "h.example.", 0 },
	{ PROBE_DNS_T_MX, "\x00\x0a\x04mail\xc0\x0c", 9, "10 mail.x.test.", 0 },
	{ PROBE_DNS_T_TXT, "\x05hello\x08wo\"rld\\\x01", 15, "\"hello\" \"wo\\\"rld\\\\\\001\"", 0 },
	{ PROBE_DNS_T_SOA, "\x02ns\xc0\x0c\x02hm\xc0\x0c\0\0\0\x01\0\0\x04\xb0\0\0\0\xb4"
	    "\0\x12\x75\0\0\0\x2a\x30", 30, "ns.x.test. hm.x.test. 1 1200 180 1209600 10800", 0 },
	{ PROBE_DNS_T_SRV, "\0\x01\0\x02\x13\xc4\x03sip\xc0\x0c", 12, "1 2 5060 sip.x.test.", 0 },
	{ PROBE_DNS_T_CAA, "\x00\x05issueca.test", 14, "0 issue \"ca.test\"", 0 },
	{ 99, "\x0a\x0b\xff", 3, "\\# 3 0A0BFF", 0 },
	{ 99, "", 0, "\\# 0", 0 },
	{ PROBE_DNS_T_A, "\x01\x02\x03", 3, NULL, PROBE_DNS_ERDATA },
	{ PROBE_DNS_T_AAAA, "\x01\x02\x03\x04", 4, NULL, PROBE_DNS_ERDATA },
	{ PROBE_DNS_T_MX, "\x00", 1, NULL, PROBE_DNS_ERDATA },
	{ PROBE_DNS_T_CNAME, "\x03www\xc0\x0c\x00", 7, NULL, PROBE_DNS_ERDATA },
	{ PROBE_DNS_T_TXT, "\x05hel", 4, NULL, PROBE_DNS_ERDATA },
	{ PROBE_DNS_T_TXT, "", 0, NULL, PROBE_DNS_ERDATA },
	{ PROBE_DNS_T_CAA, "\x00\x00", 2, NULL, PROBE_DNS_ERDATA },
	{ PROBE_DNS_T_SOA, "\x02ns\xc0\x0c\x02hm\xc0\x0c\0\0", 12, NULL, PROBE_DNS_ERDATA },
};

/* Whole messages, each malformed in one way. */
#define H(an) 0x12, 0x34, 0x81, 0x80, 0, 1, 0, an, 0, 0, 0, 0
#define Q 1, 'x', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1
#define RRT(n) 0, 1, 0, 1, 0, 0, 0, 60, 0, n
static const uint8_t m_short_hdr[] = { 0x12, 0x34, 0x81 };
static const uint8_t m_short_q[] = { H(0), 1, 'x', 4, 't', 'e' };
/* TXT rdata at 36..39 holds a pointer (at 37) to the next name (at 40),
 * which points back at it. */
static const uint8_t m_loop[] = { H(2), Q, 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 4,
    3, 0xc0, 40, 0, 0xc0, 37, RRT(4), 1, 2, 3, 4 };
static const uint8_t m_loop2[] = { H(1), Q, 1, 'a', 0xc0, 24, RRT(4), 1, 2, 3, 4 };
static const uint8_t m_self[] = { H(1), Q, 0xc0, 24, RRT(4), 1, 2, 3, 4 };
static const uint8_t m_past[] = { H(1), Q, 0xc0, 0xff, RRT(4), 1, 2, 3, 4 };
static const uint8_t m_fwd[] = { H(1), Q, 0xc0, 36, RRT(4), 1, 2, 3, 4, 0 };
static const uint8_t m_label[] = { H(1), Q, 64, 'a', 'a', 'a', 0, RRT(4), 1, 2, 3, 4 };
static const uint8_t m_ext[] = { H(1), Q, 0x41, 0, RRT(4), 1, 2, 3, 4 };
static const uint8_t m_rdlen[] = { H(1), Q, 0xc0, 12, RRT(9), 1, 2, 3, 4 };
static const uint8_t m_count[] = { H(9), Q, 0xc0, 12, RRT(4), 1, 2, 3, 4 };
static const uint8_t m_trail[] = { H(1), Q, 0xc0, 12, RRT(4), 1, 2, 3, 4, 0xee };
static const uint8_t m_ptrcut[] = { H(1), Q, 0xc0 };

static const struct {
	const char	*what;
	const uint8_t	*m;
	size_t		 len;
	int		 err;
} bad[] = {
#define B(w, a, e) { w, a, sizeof(a), e }
	B("header cut", m_short_hdr, PROBE_DNS_ETRUNC),
	B("question cut", m_short_q, PROBE_DNS_ETRUNC),
	B("two pointers to each other", m_loop, PROBE_DNS_ELOOP),
	B("label then pointer back to it", m_loop2, PROBE_DNS_ELOOP),
	B("pointer to itself", m_self, PROBE_DNS_ELOOP),
	B("pointer past the end", m_past, PROBE_DNS_EPTREND),
	B("forward pointer", m_fwd, PROBE_DNS_EFORWARD),
	B("label of 64", m_label, PROBE_DNS_ELABEL),
	B("extended label type 0x41", m_ext, PROBE_DNS_ELABEL),
	B("rdlength past the end", m_rdlen, PROBE_DNS_ETRUNC),
	B("more records counted than sent", m_count, PROBE_DNS_ETRUNC),
	B("bytes after the records", m_trail, PROBE_DNS_ETRAIL),
	B("pointer cut in half", m_ptrcut, PROBE_DNS_ETRUNC),
#undef B
};

/* A name of n labels of 63 bytes (and one of rest), as a message. */
static void long_name(struct wire_buf *b, size_t total)
{
	static const uint8_t hdr[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0 };
	uint8_t lab[63];

	memset(lab, 'a', sizeof(lab));
	wire_buf_reset(b);
	wire_put_bytes(b, hdr, sizeof(hdr));
	while (total > 1) {
		size_t n = total - 1 > 64 ? 63 : total - 2;

		wire_put_u8(b, (uint8_t)n);
		wire_put_bytes(b, lab, n);
		total -= n + 1;
	}
	wire_put_u8(b, 0);
	wire_put_u16be(b, 1);
	wire_put_u16be(b, 1);
}

int main(void)
{
	struct probe_dns_query_opts qo = { .id = 0xbeef, .rd = true, .edns = true,
	    .edns_size = 4096 };
	struct probe_dns_msg m;
	struct wire_buf b;
	struct json j;
	char text[2048];
	const char *js;
	uint16_t t;
	int rc;

	wire_buf_init(&b);

	/* A query, read back. */
	is_int(probe_dns_query_build(&b, "www.Example.test", PROBE_DNS_T_MX, 1, &qo), 0, "query built");
	rc = probe_dns_msg_parse(b.data, b.len, &m);
	is_int(rc, 0, "query parses");
	is_int(m.id, 0xbeef, "id kept");
	ok(m.flags == PROBE_DNS_F_RD, "only RD set (%#x)", m.flags);
	is_str(m.qname, "www.Example.test.", "question name, case kept");
	is_int(m.qtype, PROBE_DNS_T_MX, "question type");
	ok(m.edns && m.edns_size == 4096 && probe_dns_msg_count(&m) == 0, "OPT read, not a record");
	probe_dns_msg_free(&m);
	wire_buf_reset(&b);
	is_int(probe_dns_query_build(&b, ".", PROBE_DNS_T_NS, 1, &(struct probe_dns_query_opts){ 0 }),
	    0, "root query built");
	ok(b.len == 17 && b.data[12] == 0, "root is one zero byte, no OPT (%zu bytes)", b.len);

	/* Every type. */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		reply(&b, types[i].type, types[i].rd, types[i].len);
		rc = probe_dns_msg_parse(b.data, b.len, &m);
		if (!types[i].text) {
			is_int(rc, types[i].err, "type %u bad rdata refused: %s", types[i].type,
			    probe_dns_strerror(rc));
			continue;
		}
		if (!is_int(rc, 0, "type %u parses", types[i].type))
			continue;
		probe_dns_rdata_text(&m.rr[0], text, sizeof(text));
		is_str(text, types[i].text, "type %u presentation", types[i].type);
		ok(m.n_an == 1 && m.rr[0].ttl == 300 && strcmp(m.rr[0].name, "x.test.") == 0,
		    "type %u owner and ttl", types[i].type);
		probe_dns_msg_free(&m);
	}

	/* One line and JSON for MX and TXT. */
	reply(&b, PROBE_DNS_T_MX, types[5].rd, types[5].len);
	probe_dns_msg_parse(b.data, b.len, &m);
	probe_dns_rr_text(&m.rr[0], text, sizeof(text));
	is_str(text, "x.test.\t300\tIN\tMX\t10 mail.x.test.", "dig line");
	ok(m.rcode == 0 && (m.flags & PROBE_DNS_F_AA) && (m.flags & PROBE_DNS_F_RA), "aa ra flags");
	json_init(&j);
	probe_dns_rr_json(&j, &m.rr[0]);
	json_finish(&j, &js, NULL);
	is_str(js, "{\"name\":\"x.test.\",\"type\":\"MX\",\"class\":1,\"ttl\":300,"
	    "\"data\":\"10 mail.x.test.\",\"preference\":10,\"exchange\":\"mail.x.test.\"}", "MX json");
	json_free(&j);
	probe_dns_msg_free(&m);
	reply(&b, PROBE_DNS_T_TXT, "\x02hi\x01!", 5);
	probe_dns_msg_parse(b.data, b.len, &m);
	json_init(&j);
	probe_dns_rr_json(&j, &m.rr[0]);
	json_finish(&j, &js, NULL);
	ok(strstr(js, "\"strings\":[\"hi\",\"!\"]") != NULL, "TXT strings in json: %s", js);
	json_free(&j);
	probe_dns_msg_free(&m);

	/* Malformations. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = probe_dns_msg_parse(bad[i].m, bad[i].len, &m);
		is_int(rc, bad[i].err, "%s: %s", bad[i].what, probe_dns_strerror(rc));
		ok(m.rr == NULL && probe_dns_msg_count(&m) == 0, "%s: nothing left", bad[i].what);
	}
	long_name(&b, 255);
	is_int(probe_dns_msg_parse(b.data, b.len, &m), 0, "name of 255 bytes read");
	ok(strlen(m.qname) == 254, "its text is 254 characters (%zu)", strlen(m.qname));
	{
		struct wire_buf e;

		wire_buf_init(&e);
		is_int(probe_dns_name_encode(&e, m.qname), 0, "and encodes again");
		ok(e.len == 255 && memcmp(e.data, b.data + 12, 255) == 0, "to the same bytes");
		wire_buf_free(&e);
	}
	probe_dns_msg_free(&m);
	long_name(&b, 256);
	is_int(probe_dns_msg_parse(b.data, b.len, &m), PROBE_DNS_ENAME, "name of 256 bytes refused");

	/* Encoding refusals and escapes. */
	wire_buf_reset(&b);
	is_int(probe_dns_name_encode(&b, "a..b"), -EINVAL, "empty label refused");
	memset(text, 'a', 64);
	text[64] = '\0';
	is_int(probe_dns_name_encode(&b, text), PROBE_DNS_ELABEL, "label of 64 refused");
	wire_buf_reset(&b);
	is_int(probe_dns_name_encode(&b, "a\\.b\\032.c"), 0, "escapes accepted");
	ok(b.len == 8 && b.data[0] == 4 && b.data[2] == '.' && b.data[4] == ' ', "\\. and \\032 decoded");
	is_int(probe_dns_name_encode(&b, "a\\9"), -EINVAL, "short \\DDD refused");

	/* Tables. */
	ok(probe_dns_type_parse("mx", &t) == 0 && t == 15, "mx");
	ok(probe_dns_type_parse("CAA", &t) == 0 && t == 257, "CAA");
	ok(probe_dns_type_parse("TYPE65", &t) == 0 && t == 65, "TYPE65");
	ok(probe_dns_type_parse("99", &t) == 0 && t == 99, "99");
	ok(probe_dns_type_parse("65536", &t) == -EINVAL, "65536 refused");
	ok(probe_dns_type_parse("BOGUS", &t) == -EINVAL, "BOGUS refused");
	is_str(probe_dns_type_name(28), "AAAA", "28 is AAAA");
	is_str(probe_dns_rcode_name(3), "NXDOMAIN", "rcode 3");
	is_str(probe_dns_rcode_name(16), "BADVERS", "extended rcode 16");

	/* An extended rcode from OPT: 16 = BADVERS. */
	{
		static const uint8_t m_ext_rc[] = { 0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 1,
		    0, 0, 41, 0x10, 0, 1, 0, 0, 0, 0, 0 };

		is_int(probe_dns_msg_parse(m_ext_rc, sizeof(m_ext_rc), &m), 0, "OPT reply parses");
		is_int(m.rcode, 16, "extended rcode = 16");
		probe_dns_msg_free(&m);
	}
	wire_buf_free(&b);
	done_testing();
}
