/* test-trace-parse.c: the trace reply parser on crafted packets.
 *
 * Every method (ICMP echo, UDP, TCP SYN) on IPv4 and IPv6: time exceeded
 * and destination unreachable quoting the probe, echo replies, SYN-ACK and
 * RST; then every truncation of each packet (a quote cut short must be a
 * bad message, never a hop), and packets that are not about a probe. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "trace.h"
#include "../tap.h"

struct pkt {
	uint8_t b[256];
	size_t n;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void u8(struct pkt *p, uint8_t v) { put(p, &v, 1); }

static void u16(struct pkt *p, uint16_t v)
{
	u8(p, (uint8_t)(v >> 8));
	u8(p, (uint8_t)v);
}

static void u32(struct pkt *p, uint32_t v)
{
	u16(p, (uint16_t)(v >> 16));
	u16(p, (uint16_t)v);
}

static const uint8_t me4[4] = { 192, 0, 2, 1 }, dst4[4] = { 198, 51, 100, 7 },
	router4[4] = { 10, 0, 2, 1 };
static uint8_t me6[16], dst6[16], router6[16];

/* An IPv4 header (20 bytes, or 24 with one option word). */
static void ip4(struct pkt *p, uint8_t proto, const uint8_t *src, const uint8_t *dst, bool opt)
{
	u8(p, opt ? 0x46 : 0x45);
	u8(p, 0);
	u16(p, 60);
	u32(p, 0);
	u8(p, 1);
	u8(p, proto);
	u16(p, 0);
	put(p, src, 4);
	put(p, dst, 4);
	if (opt)
		u32(p, 0x01010101);	/* NOPs */
}

static void ip6(struct pkt *p, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	u32(p, 0x60000000);
	u16(p, 40);
	u8(p, nh);
	u8(p, 1);
	put(p, src, 16);
	put(p, dst, 16);
}

/* The probe's first eight transport bytes as each method sends them. */
static void probe_bytes(struct pkt *p, int family, int proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
		u8(p, family == AF_INET ? 8 : 128);
		u8(p, 0);
		u16(p, 0xabcd);
		u16(p, 0x1234);		/* id */
		u16(p, 0x0042);		/* seq */
		break;
	case IPPROTO_UDP:
		u16(p, 40000);
		u16(p, 33434);
		u16(p, 40);
		u16(p, 0x5a5a);
		break;
	default:
		u16(p, 40001);
		u16(p, 80);
		u32(p, 0xdeadbeef);
		u32(p, 0);		/* the rest of a TCP header a router may quote */
		break;
	}
}

static uint8_t wire_proto(int family, int proto)
{
	return proto == IPPROTO_ICMP && family == AF_INET6 ? IPPROTO_ICMPV6 : (uint8_t)proto;
}

/* An ICMP error of type/code from the router quoting a probe. */
static void icmp_error(struct pkt *p, int family, int proto, uint8_t type, uint8_t code)
{
	p->n = 0;
	if (family == AF_INET)
		ip4(p, IPPROTO_ICMP, router4, me4, true);
	u8(p, type);
	u8(p, code);
	u16(p, 0);
	u32(p, 0);
	if (family == AF_INET)
		ip4(p, wire_proto(family, proto), me4, dst4, false);
	else
		ip6(p, wire_proto(family, proto), me6, dst6);
	probe_bytes(p, family, proto);
}

static void check_probe(const struct trace_reply *r, int family, int proto, const char *what)
{
	ok(r->proto == proto, "%s: the probe's protocol", what);
	ok(r->has_dst && !memcmp(r->dst, family == AF_INET ? dst4 : dst6, family == AF_INET ? 4 : 16),
	    "%s: the probe's destination", what);
	if (proto == IPPROTO_ICMP)
		ok(r->id == 0x1234 && r->seq == 0x42, "%s: id and sequence", what);
	else if (proto == IPPROTO_UDP)
		ok(r->sport == 40000 && r->dport == 33434 && r->udp_sum == 0x5a5a,
		    "%s: ports and checksum", what);
	else
		ok(r->sport == 40001 && r->dport == 80 && r->tcp_seq == 0xdeadbeef,
		    "%s: ports and sequence", what);
}

/* Each shorter prefix of a packet must fail, never pass as a reply. */
static void check_truncations(const struct pkt *p, int family, bool tcp, size_t need,
    const char *what)
{
	struct trace_reply r;
	bool all = true;

	for (size_t n = 0; n < need; n++) {
		int rc = tcp ? trace_parse_tcp(family, p->b, n, &r) : trace_parse_icmp(family, p->b, n, &r);

		if (rc != -EBADMSG) {
			diag("%s: %zu of %zu bytes gave %d", what, n, p->n, rc);
			all = false;
		}
	}
	ok(all, "%s: every truncation is a bad message", what);
}

static void test_errors(int family)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	const int protos[] = { IPPROTO_ICMP, IPPROTO_UDP, IPPROTO_TCP };
	uint8_t te = family == AF_INET ? 11 : 3, un = family == AF_INET ? 3 : 1;
	uint8_t port = family == AF_INET ? 3 : 4;

	for (size_t i = 0; i < 3; i++) {
		char what[64];
		struct pkt p;
		struct trace_reply r;

		snprintf(what, sizeof(what), "%s %s time exceeded", fam, trace_proto_name(protos[i]));
		icmp_error(&p, family, protos[i], te, 0);
		is_int(trace_parse_icmp(family, p.b, p.n, &r), 0, "%s parses", what);
		ok(r.kind == TRACE_R_TIME_EXCEEDED && r.type == te, "%s: kind", what);
		if (family == AF_INET)
			ok(r.has_from && !memcmp(r.from, router4, 4), "%s: the router", what);
		check_probe(&r, family, protos[i], what);
		/* The quote needs its transport header's first 8 bytes. */
		check_truncations(&p, family, false,
		    p.n - (protos[i] == IPPROTO_TCP ? 4 : 0), what);

		snprintf(what, sizeof(what), "%s %s unreachable", fam, trace_proto_name(protos[i]));
		icmp_error(&p, family, protos[i], un, port);
		is_int(trace_parse_icmp(family, p.b, p.n, &r), 0, "%s parses", what);
		ok(r.kind == TRACE_R_UNREACH && r.code == port, "%s: kind and code", what);
		check_probe(&r, family, protos[i], what);
	}
}

static void test_echo_reply(int family)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	struct pkt p = { .n = 0 };
	struct trace_reply r;
	char what[64];

	snprintf(what, sizeof(what), "%s echo reply", fam);
	if (family == AF_INET)
		ip4(&p, IPPROTO_ICMP, dst4, me4, false);
	u8(&p, family == AF_INET ? 0 : 129);
	u8(&p, 0);
	u16(&p, 0);
	u16(&p, 0x1234);
	u16(&p, 0x0042);
	u32(&p, 0xbdff4142);	/* payload */
	is_int(trace_parse_icmp(family, p.b, p.n, &r), 0, "%s parses", what);
	ok(r.kind == TRACE_R_ECHO_REPLY && r.proto == IPPROTO_ICMP && r.id == 0x1234 &&
	    r.seq == 0x42, "%s: id and sequence", what);
	check_truncations(&p, family, false, p.n - 4, what);
}

static void tcp_reply(struct pkt *p, int family, uint8_t flags, uint32_t ack)
{
	p->n = 0;
	if (family == AF_INET)
		ip4(p, IPPROTO_TCP, dst4, me4, false);
	u16(p, 80);
	u16(p, 40001);
	u32(p, 0x11111111);
	u32(p, ack);
	u8(p, 5 << 4);
	u8(p, flags);
	u16(p, 1024);
	u16(p, 0);
	u16(p, 0);
}

static void test_tcp(int family)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	struct pkt p;
	struct trace_reply r;
	char what[64];

	snprintf(what, sizeof(what), "%s SYN-ACK", fam);
	tcp_reply(&p, family, TRACE_TCP_SYN | TRACE_TCP_ACK, 0xdeadbef0);
	is_int(trace_parse_tcp(family, p.b, p.n, &r), 0, "%s parses", what);
	ok(r.kind == TRACE_R_TCP && r.sport == 40001 && r.dport == 80 && r.tcp_seq == 0xdeadbeef,
	    "%s: turned around, ack - 1 is the probe's sequence", what);
	if (family == AF_INET)
		ok(r.has_from && !memcmp(r.from, dst4, 4), "%s: from the target", what);
	check_truncations(&p, family, true, p.n, what);

	snprintf(what, sizeof(what), "%s RST-ACK", fam);
	tcp_reply(&p, family, TRACE_TCP_RST | TRACE_TCP_ACK, 0);
	is_int(trace_parse_tcp(family, p.b, p.n, &r), 0, "%s parses", what);
	ok(r.tcp_seq == 0xffffffff, "%s: sequence wraps", what);

	tcp_reply(&p, family, TRACE_TCP_ACK, 1);
	is_int(trace_parse_tcp(family, p.b, p.n, &r), -ENOMSG, "%s: a bare ACK is no answer", fam);
	tcp_reply(&p, family, TRACE_TCP_SYN, 1);
	is_int(trace_parse_tcp(family, p.b, p.n, &r), -ENOMSG, "%s: a SYN is no answer", fam);
	tcp_reply(&p, family, TRACE_TCP_SYN | TRACE_TCP_ACK, 1);
	p.b[family == AF_INET ? 32 : 12] = 4 << 4;
	is_int(trace_parse_tcp(family, p.b, p.n, &r), -EBADMSG, "%s: data offset below 5", fam);
}

static void test_not_ours(void)
{
	struct pkt p;
	struct trace_reply r;

	icmp_error(&p, AF_INET, IPPROTO_UDP, 5, 0);	/* redirect */
	is_int(trace_parse_icmp(AF_INET, p.b, p.n, &r), -ENOMSG, "IPv4 redirect is not a reply");
	icmp_error(&p, AF_INET6, IPPROTO_UDP, 2, 0);	/* packet too big */
	is_int(trace_parse_icmp(AF_INET6, p.b, p.n, &r), -ENOMSG, "IPv6 too big is not a reply");
	icmp_error(&p, AF_INET, 47, 11, 0);		/* quotes GRE */
	is_int(trace_parse_icmp(AF_INET, p.b, p.n, &r), -ENOMSG, "IPv4 quote of GRE is not ours");
	icmp_error(&p, AF_INET, IPPROTO_ICMP, 11, 0);
	p.b[24 + 8 + 20] = 0;				/* quoted echo reply, not request */
	is_int(trace_parse_icmp(AF_INET, p.b, p.n, &r), -ENOMSG, "quoted echo reply is not ours");
	icmp_error(&p, AF_INET6, IPPROTO_ICMP, 3, 0);
	p.b[8 + 6] = IPPROTO_ICMP;			/* ICMPv4 inside IPv6 */
	is_int(trace_parse_icmp(AF_INET6, p.b, p.n, &r), -ENOMSG, "ICMPv4 quoted in IPv6");
	icmp_error(&p, AF_INET, IPPROTO_UDP, 11, 0);
	p.b[24 + 8] = 0x65;				/* quoted version 6 in IPv4 */
	is_int(trace_parse_icmp(AF_INET, p.b, p.n, &r), -EBADMSG, "quoted IPv4 with version 6");
	icmp_error(&p, AF_INET, IPPROTO_UDP, 11, 0);
	p.b[24 + 8] = 0x44;				/* quoted IHL 4 */
	is_int(trace_parse_icmp(AF_INET, p.b, p.n, &r), -EBADMSG, "quoted IPv4 header below 20");
	icmp_error(&p, AF_INET, IPPROTO_UDP, 11, 0);
	p.b[0] = 0x4f;					/* outer IHL past the packet */
	p.n = 50;
	is_int(trace_parse_icmp(AF_INET, p.b, p.n, &r), -EBADMSG, "outer IHL past the end");
	p.n = 0;
	ip4(&p, IPPROTO_UDP, router4, me4, false);
	u32(&p, 0);
	is_int(trace_parse_icmp(AF_INET, p.b, p.n, &r), -ENOMSG, "UDP on the ICMP socket");
	is_int(trace_parse_icmp(AF_UNIX, p.b, p.n, &r), -EAFNOSUPPORT, "other families refused");
}

/* An IPv6 quote with a destination options header before UDP. */
static void test_ext6(void)
{
	struct pkt p = { .n = 0 };
	struct trace_reply r;

	u8(&p, 3);
	u8(&p, 0);
	u16(&p, 0);
	u32(&p, 0);
	ip6(&p, 60, me6, dst6);
	u8(&p, IPPROTO_UDP);
	u8(&p, 0);
	u16(&p, 0x0104);
	u32(&p, 0);
	probe_bytes(&p, AF_INET6, IPPROTO_UDP);
	is_int(trace_parse_icmp(AF_INET6, p.b, p.n, &r), 0, "IPv6 quote with an extension header");
	check_probe(&r, AF_INET6, IPPROTO_UDP, "IPv6 extension header");
	check_truncations(&p, AF_INET6, false, p.n, "IPv6 extension header");
}

/* The error queue of a datagram socket (no CAP_NET_RAW). */
static void test_recverr(void)
{
	struct sockaddr_in off4 = { .sin_family = AF_INET }, d4 = { .sin_family = AF_INET };
	struct sockaddr_in6 off6 = { .sin6_family = AF_INET6 }, d6 = { .sin6_family = AF_INET6 };
	const uint8_t udp_payload[] = { 0x12, 0x34, 0, 0 };
	struct pkt echo = { .n = 0 };
	struct trace_reply r;

	memcpy(&off4.sin_addr, router4, 4);
	memcpy(&d4.sin_addr, dst4, 4);
	memcpy(&off6.sin6_addr, router6, 16);
	memcpy(&d6.sin6_addr, dst6, 16);
	is_int(trace_parse_recverr(AF_INET, IPPROTO_UDP, 2, 11, 0, (struct sockaddr *)&off4,
	    (struct sockaddr *)&d4, udp_payload, sizeof(udp_payload), &r), 0,
	    "recverr IPv4 UDP time exceeded");
	ok(r.kind == TRACE_R_TIME_EXCEEDED && r.has_payload_key && r.payload_key == 0x1234 &&
	    !memcmp(r.from, router4, 4) && !memcmp(r.dst, dst4, 4),
	    "recverr IPv4 UDP: offender, destination and the payload's key");
	is_int(trace_parse_recverr(AF_INET, IPPROTO_UDP, 2, 11, 0, (struct sockaddr *)&off4,
	    (struct sockaddr *)&d4, udp_payload, 1, &r), 0, "recverr: an 8-byte quote parses");
	ok(!r.has_payload_key, "recverr: but gives no key");
	is_int(trace_parse_recverr(AF_INET, IPPROTO_UDP, 1, 11, 0, (struct sockaddr *)&off4,
	    (struct sockaddr *)&d4, udp_payload, 4, &r), -ENOMSG, "recverr: a local error is not a hop");
	is_int(trace_parse_recverr(AF_INET6, IPPROTO_UDP, 3, 1, 4, (struct sockaddr *)&off4,
	    (struct sockaddr *)&d6, udp_payload, 4, &r), -EBADMSG,
	    "recverr: an IPv4 offender on an IPv6 socket");
	is_int(trace_parse_recverr(AF_INET6, IPPROTO_UDP, 3, 2, 0, (struct sockaddr *)&off6,
	    (struct sockaddr *)&d6, udp_payload, 4, &r), -ENOMSG, "recverr: too big is not a hop");
	probe_bytes(&echo, AF_INET6, IPPROTO_ICMP);
	is_int(trace_parse_recverr(AF_INET6, IPPROTO_ICMP, 3, 3, 0, (struct sockaddr *)&off6,
	    (struct sockaddr *)&d6, echo.b, echo.n, &r), 0, "recverr IPv6 ICMP time exceeded");
	ok(r.proto == IPPROTO_ICMP && r.id == 0x1234 && r.seq == 0x42 && !memcmp(r.from, router6, 16),
	    "recverr IPv6 ICMP: the quoted identifier and sequence");
	bool all = true;

	for (size_t n = 0; n < echo.n; n++)
		all &= trace_parse_recverr(AF_INET6, IPPROTO_ICMP, 3, 3, 0, (struct sockaddr *)&off6,
		    (struct sockaddr *)&d6, echo.b, n, &r) == -EBADMSG;
	ok(all, "recverr IPv6 ICMP: every truncated quote is a bad message");

	echo.n = 0;
	u8(&echo, 0);
	u8(&echo, 0);
	u16(&echo, 0);
	u16(&echo, 0x1234);
	u16(&echo, 0x0042);
	is_int(trace_parse_echo(AF_INET, echo.b, echo.n, &r), 0, "ping socket: IPv4 echo reply");
	ok(r.kind == TRACE_R_ECHO_REPLY && r.id == 0x1234 && r.seq == 0x42 && !r.has_from,
	    "ping socket: id and sequence, the sender left to the caller");
	is_int(trace_parse_echo(AF_INET, echo.b, 7, &r), -EBADMSG, "ping socket: 7 bytes are too few");
	echo.b[0] = 11;
	is_int(trace_parse_echo(AF_INET, echo.b, echo.n, &r), -EBADMSG,
	    "ping socket: a time exceeded without a quote is bad");
}

static void test_sum(void)
{
	/* RFC 1071's example words sum to 0xddf2 (checksum 0x220d). */
	const uint8_t w[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	is_int(trace_fold(trace_sum(0, w, sizeof(w))), 0x220d, "RFC 1071 checksum example");
	is_int(trace_fold(trace_sum(0, w, 3)), (uint16_t)~(0x0001 + 0xf200), "odd length pads");
}

int main(void)
{
	inet_pton(AF_INET6, "2001:db8::1", me6);
	inet_pton(AF_INET6, "2001:db8:1::7", dst6);
	inet_pton(AF_INET6, "2001:db8:2::1", router6);
	test_errors(AF_INET);
	test_errors(AF_INET6);
	test_echo_reply(AF_INET);
	test_echo_reply(AF_INET6);
	test_tcp(AF_INET);
	test_tcp(AF_INET6);
	test_not_ours();
	test_ext6();
	test_recverr();
	test_sum();
	return done_testing();
}
