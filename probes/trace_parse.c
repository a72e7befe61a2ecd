/* trace_parse.c: reading replies to trace probes (untrusted bytes).
 *
 * Everything goes through a struct wire_cur; IP total lengths and payload
 * lengths in the packet are never trusted, only the bytes received. An
 * ICMP error is only useful when its quote holds the probe's first eight
 * transport bytes (RFC 792 asks for no more), so a shorter quote is a bad
 * message, not a hop. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "trace.h"
#include "wire.h"

/* ICMP and ICMPv6 types that matter here. */
#define ICMP4_ECHO_REPLY	0
#define ICMP4_UNREACH		3
#define ICMP4_ECHO		8
#define ICMP4_TIME_EXCEEDED	11
#define ICMP6_UNREACH		1
#define ICMP6_TIME_EXCEEDED	3
#define ICMP6_ECHO		128
#define ICMP6_ECHO_REPLY	129

/* The first eight transport bytes of a quoted probe. */
static int parse_quoted_transport(struct wire_cur *c, int family, uint8_t proto,
    struct trace_reply *r)
{
	uint8_t type;

	switch (proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((family == AF_INET) != (proto == IPPROTO_ICMP))
			return -ENOMSG;
		type = wire_read_u8(c);
		wire_skip(c, 3);	/* code, checksum */
		r->id = wire_read_u16be(c);
		r->seq = wire_read_u16be(c);
		if (wire_error(c))
			return -EBADMSG;
		/* Only echo requests are probes; an error about an error or
		 * a reply is someone else's business. */
		if (type != (family == AF_INET ? ICMP4_ECHO : ICMP6_ECHO))
			return -ENOMSG;
		r->proto = IPPROTO_ICMP;
		return 0;
	case IPPROTO_UDP:
		r->sport = wire_read_u16be(c);
		r->dport = wire_read_u16be(c);
		wire_skip(c, 2);	/* length */
		r->udp_sum = wire_read_u16be(c);
		r->proto = IPPROTO_UDP;
		return wire_error(c) ? -EBADMSG : 0;
	case IPPROTO_TCP:
		r->sport = wire_read_u16be(c);
		r->dport = wire_read_u16be(c);
		r->tcp_seq = wire_read_u32be(c);
		r->proto = IPPROTO_TCP;
		return wire_error(c) ? -EBADMSG : 0;
	default:
		return -ENOMSG;
	}
}

static int parse_quoted_ip4(struct wire_cur *c, struct trace_reply *r)
{
	uint8_t vihl = wire_read_u8(c), proto;
	size_t ihl = (size_t)(vihl & 0x0f) * 4;

	if (wire_error(c))
		return -EBADMSG;
	if (vihl >> 4 != 4 || ihl < 20)
		return -EBADMSG;
	wire_skip(c, 8);	/* tos, length, id, fragment, ttl */
	proto = wire_read_u8(c);
	wire_skip(c, 2);	/* checksum */
	wire_skip(c, 4);	/* source: ours */
	wire_read_bytes(c, r->dst, 4);
	wire_skip(c, ihl - 20);
	if (wire_error(c))
		return -EBADMSG;
	r->has_dst = true;
	return parse_quoted_transport(c, AF_INET, proto, r);
}

/* Extension headers a probe of ours never has but a quote could; at most
 * a few, each a whole number of 8-byte units. */
static bool is_ext6(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60;
}

static int parse_quoted_ip6(struct wire_cur *c, struct trace_reply *r)
{
	uint32_t vfl = wire_read_u32be(c);
	uint8_t nh;

	wire_skip(c, 2);	/* payload length */
	nh = wire_read_u8(c);
	wire_skip(c, 1);	/* hop limit */
	wire_skip(c, 16);	/* source: ours */
	wire_read_bytes(c, r->dst, 16);
	if (wire_error(c))
		return -EBADMSG;
	if (vfl >> 28 != 6)
		return -EBADMSG;
	r->has_dst = true;
	for (int i = 0; i < 4 && is_ext6(nh); i++) {
		nh = wire_read_u8(c);
		uint8_t len = wire_read_u8(c);

		wire_skip(c, (size_t)len * 8 + 6);
		if (wire_error(c))
			return -EBADMSG;
	}
	return parse_quoted_transport(c, AF_INET6, nh, r);
}

/* The ICMP or ICMPv6 message itself, cursor at its type. */
static int parse_icmp_body(struct wire_cur *c, int family, struct trace_reply *r)
{
	bool v4 = family == AF_INET;

	r->type = wire_read_u8(c);
	r->code = wire_read_u8(c);
	wire_skip(c, 2);	/* checksum: the kernel does not check it for us, but a
				 * corrupt reply still names a probe we sent */
	if (wire_error(c))
		return -EBADMSG;
	if (r->type == (v4 ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY)) {
		r->id = wire_read_u16be(c);
		r->seq = wire_read_u16be(c);
		if (wire_error(c))
			return -EBADMSG;
		r->kind = TRACE_R_ECHO_REPLY;
		r->proto = IPPROTO_ICMP;
		return 0;
	}
	if (r->type == (v4 ? ICMP4_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED))
		r->kind = TRACE_R_TIME_EXCEEDED;
	else if (r->type == (v4 ? ICMP4_UNREACH : ICMP6_UNREACH))
		r->kind = TRACE_R_UNREACH;
	else
		return -ENOMSG;
	wire_skip(c, 4);	/* unused, or length and next-hop MTU */
	if (wire_error(c))
		return -EBADMSG;
	return v4 ? parse_quoted_ip4(c, r) : parse_quoted_ip6(c, r);
}

/* The outer IPv4 header of what a raw IPv4 socket hands us: the sender and
 * the protocol; leaves the cursor at the payload. */
static int parse_outer_ip4(struct wire_cur *c, uint8_t want, struct trace_reply *r)
{
	uint8_t vihl = wire_read_u8(c), proto;
	size_t ihl = (size_t)(vihl & 0x0f) * 4;

	wire_skip(c, 8);
	proto = wire_read_u8(c);
	wire_skip(c, 2);
	wire_read_bytes(c, r->from, 4);
	wire_skip(c, 4);
	if (wire_error(c) || vihl >> 4 != 4 || ihl < 20)
		return -EBADMSG;
	wire_skip(c, ihl - 20);
	if (wire_error(c))
		return -EBADMSG;
	if (proto != want)
		return -ENOMSG;
	r->has_from = true;
	return 0;
}

int trace_parse_icmp(int family, const void *buf, size_t len, struct trace_reply *r)
{
	struct wire_cur c;
	int rc;

	memset(r, 0, sizeof(*r));
	r->family = family;
	wire_cur_init(&c, buf, len);
	if (family == AF_INET && (rc = parse_outer_ip4(&c, IPPROTO_ICMP, r)) < 0)
		return rc;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	rc = parse_icmp_body(&c, family, r);
	if (rc < 0)
		r->kind = TRACE_R_NONE;
	return rc;
}

int trace_parse_tcp(int family, const void *buf, size_t len, struct trace_reply *r)
{
	struct wire_cur c;
	uint32_t ack;
	int rc;

	memset(r, 0, sizeof(*r));
	r->family = family;
	wire_cur_init(&c, buf, len);
	if (family == AF_INET && (rc = parse_outer_ip4(&c, IPPROTO_TCP, r)) < 0)
		return rc;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	/* Turned around: the reply's source port is the probe's destination. */
	r->dport = wire_read_u16be(&c);
	r->sport = wire_read_u16be(&c);
	wire_skip(&c, 4);	/* its own sequence number */
	ack = wire_read_u32be(&c);
	uint8_t off = wire_read_u8(&c);

	r->tcp_flags = wire_read_u8(&c);
	wire_skip(&c, 6);	/* window, checksum, urgent pointer */
	if (wire_error(&c) || (off >> 4) < 5)
		return -EBADMSG;
	/* A SYN-ACK or an RST-ACK answers a SYN; only the ACK number ties it
	 * to one probe (RFC 9293: ack = the SYN's sequence + 1). */
	if (!(r->tcp_flags & TRACE_TCP_ACK) ||
	    !(r->tcp_flags & (TRACE_TCP_RST | TRACE_TCP_SYN)))
		return -ENOMSG;
	r->tcp_seq = ack - 1;
	r->proto = IPPROTO_TCP;
	r->kind = TRACE_R_TCP;
	return 0;
}

int trace_parse_echo(int family, const void *buf, size_t len, struct trace_reply *r)
{
	struct wire_cur c;
	int rc;

	memset(r, 0, sizeof(*r));
	r->family = family;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	wire_cur_init(&c, buf, len);
	rc = parse_icmp_body(&c, family, r);
	if (rc == 0 && r->kind != TRACE_R_ECHO_REPLY)
		rc = -ENOMSG;	/* a ping socket hands over replies only */
	if (rc < 0)
		r->kind = TRACE_R_NONE;
	return rc;
}

static bool sockaddr_addr(int family, const struct sockaddr *sa, uint8_t *out)
{
	if (!sa || sa->sa_family != family)
		return false;
	if (family == AF_INET)
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	return true;
}

int trace_parse_recverr(int family, int proto, uint8_t origin, uint8_t type, uint8_t code,
    const struct sockaddr *offender, const struct sockaddr *dst, const void *data, size_t len,
    struct trace_reply *r)
{
	bool v4 = family == AF_INET;
	struct wire_cur c;

	memset(r, 0, sizeof(*r));
	r->family = family;
	r->type = type;
	r->code = code;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	/* SO_EE_ORIGIN_ICMP (2) and _ICMP6 (3); local errors are ours. */
	if (origin != (v4 ? 2 : 3))
		return -ENOMSG;
	if (type == (v4 ? ICMP4_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED))
		r->kind = TRACE_R_TIME_EXCEEDED;
	else if (type == (v4 ? ICMP4_UNREACH : ICMP6_UNREACH))
		r->kind = TRACE_R_UNREACH;
	else
		return -ENOMSG;
	if (!sockaddr_addr(family, offender, r->from) || !sockaddr_addr(family, dst, r->dst)) {
		r->kind = TRACE_R_NONE;
		return -EBADMSG;
	}
	r->has_from = r->has_dst = true;
	/* The kernel matched the error to the socket, so the ports and the
	 * ICMP identifier are the socket's; the data is the quote from past
	 * the UDP header, or from the quoted ICMP header on. */
	wire_cur_init(&c, data, len);
	if (proto == IPPROTO_UDP) {
		r->proto = IPPROTO_UDP;
		r->payload_key = wire_read_u16be(&c);
		r->has_payload_key = !wire_error(&c);
		return 0;
	}
	int rc = parse_quoted_transport(&c, family, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, r);

	if (rc < 0)
		r->kind = TRACE_R_NONE;
	return rc;
}
