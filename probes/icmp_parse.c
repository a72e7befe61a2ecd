/* icmp_parse.c: echo requests out, replies and errors in, through src/wire.h.
 *
 * Every byte of a received packet is untrusted: anyone on the path can
 * send us anything, so lengths are checked by the cursor and nothing is
 * cast to a header struct. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "icmp.h"
#include "wire.h"

/* ICMP types, spelled here rather than taken from <netinet/ip_icmp.h> and
 * <netinet/icmp6.h>, whose structs we deliberately do not use. */
enum {
	V4_ECHO_REPLY = 0, V4_UNREACH = 3, V4_ECHO = 8, V4_TIMXCEED = 11, V4_PARAMPROB = 12,
	V6_UNREACH = 1, V6_TOOBIG = 2, V6_TIMXCEED = 3, V6_PARAMPROB = 4,
	V6_ECHO = 128, V6_ECHO_REPLY = 129,
};

uint16_t probe_icmp_cksum(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (i < len)
		sum += (uint32_t)buf[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t probe_icmp_build(int family, uint8_t *buf, size_t cap, uint16_t id, uint16_t seq,
    const uint8_t cookie[PROBE_ICMP_COOKIE_LEN], uint32_t target, uint32_t probe,
    size_t size)
{
	size_t len = PROBE_ICMP_HDR_LEN + size;

	if (cap < len || size < PROBE_ICMP_MARK_LEN)
		return 0;
	buf[0] = family == AF_INET ? V4_ECHO : V6_ECHO;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	memcpy(buf + 8, cookie, PROBE_ICMP_COOKIE_LEN);
	for (int i = 0; i < 4; i++) {
		buf[16 + i] = (uint8_t)(target >> (24 - 8 * i));
		buf[20 + i] = (uint8_t)(probe >> (24 - 8 * i));
	}
	/* The rest like iputils: counting bytes, so a truncating middlebox
	 * shows in a hex dump. Written once per buffer by the caller's
	 * reuse, but cheap enough to redo. */
	for (size_t i = PROBE_ICMP_HDR_LEN + PROBE_ICMP_MARK_LEN; i < len; i++)
		buf[i] = (uint8_t)i;
	if (family == AF_INET) {
		uint16_t ck = probe_icmp_cksum(buf, len);

		buf[2] = (uint8_t)(ck >> 8);
		buf[3] = (uint8_t)ck;
	}
	return len;
}

/* id, seq and our block after the 4 bytes of type/code/checksum. */
static void read_echo_body(struct wire_cur *c, struct probe_icmp_msg *m)
{
	m->id = wire_read_u16be(c);
	m->seq = wire_read_u16be(c);
	if (wire_remaining(c) >= PROBE_ICMP_MARK_LEN) {
		wire_read_bytes(c, m->cookie, PROBE_ICMP_COOKIE_LEN);
		m->target = wire_read_u32be(c);
		m->probe = wire_read_u32be(c);
		m->has_mark = !wire_error(c);
	}
}

int probe_icmp_parse_request(int family, const uint8_t *buf, size_t len,
    struct probe_icmp_msg *m)
{
	struct wire_cur c;
	uint8_t type;

	memset(m, 0, sizeof(*m));
	m->ttl = -1;
	wire_cur_init(&c, buf, len);
	type = wire_read_u8(&c);
	m->code = wire_read_u8(&c);
	wire_skip(&c, 2);
	read_echo_body(&c, m);
	if (wire_error(&c))
		return wire_error(&c);
	if (type != (family == AF_INET ? V4_ECHO : V6_ECHO))
		return -EBADMSG;
	m->type = type;
	return 0;
}

/* The datagram an error quotes: an IP header going to the target, then
 * (at least the first 8 bytes of) our echo request. */
static int read_quoted(int family, struct wire_cur *c, struct probe_icmp_msg *m)
{
	struct probe_icmp_msg q;
	uint8_t proto;
	int rc;

	if (family == AF_INET) {
		uint8_t vhl = wire_read_u8(c);
		size_t hl = (size_t)(vhl & 0x0f) * 4;

		if (wire_error(c) || vhl >> 4 != 4 || hl < 20)
			return -EBADMSG;
		wire_skip(c, 8);
		proto = wire_read_u8(c);
		wire_skip(c, 2 + 4);
		wire_read_bytes(c, m->qdst, 4);
		wire_skip(c, hl - 20);
	} else {
		uint8_t v = wire_read_u8(c);

		if (wire_error(c) || v >> 4 != 6)
			return -EBADMSG;
		wire_skip(c, 5);
		proto = wire_read_u8(c);
		wire_skip(c, 1 + 16);
		wire_read_bytes(c, m->qdst, 16);
	}
	if (wire_error(c))
		return wire_error(c);
	/* Someone else's datagram (UDP, TCP, extension headers) is not
	 * an error about us. */
	if (proto != (family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		return 1;
	if ((rc = probe_icmp_parse_request(family, c->p, wire_remaining(c), &q)) < 0)
		return rc;
	m->has_qdst = true;
	m->id = q.id;
	m->seq = q.seq;
	m->has_mark = q.has_mark;
	memcpy(m->cookie, q.cookie, sizeof(m->cookie));
	m->target = q.target;
	m->probe = q.probe;
	return 0;
}

int probe_icmp_parse(int family, bool with_iphdr, const uint8_t *buf, size_t len,
    struct probe_icmp_msg *m)
{
	struct wire_cur c;
	bool error;
	int rc;

	memset(m, 0, sizeof(*m));
	m->ttl = -1;
	wire_cur_init(&c, buf, len);
	if (family == AF_INET && with_iphdr) {
		uint8_t vhl = wire_read_u8(&c);
		size_t hl = (size_t)(vhl & 0x0f) * 4;

		if (wire_error(&c) || vhl >> 4 != 4 || hl < 20)
			return -EBADMSG;
		wire_skip(&c, 7);
		m->ttl = wire_read_u8(&c);
		if (wire_read_u8(&c) != IPPROTO_ICMP)
			return -EBADMSG;
		wire_skip(&c, hl - 10);
		if (wire_error(&c))
			return wire_error(&c);
	}
	if (family == AF_INET && probe_icmp_cksum(c.p, wire_remaining(&c)) != 0 &&
	    wire_remaining(&c) >= PROBE_ICMP_HDR_LEN)
		return -EPROTO;
	m->type = wire_read_u8(&c);
	m->code = wire_read_u8(&c);
	wire_skip(&c, 2);
	if (wire_error(&c) || wire_remaining(&c) < 4)
		return -EBADMSG;
	if (m->type == (family == AF_INET ? V4_ECHO_REPLY : V6_ECHO_REPLY)) {
		m->kind = PROBE_ICMP_REPLY;
		read_echo_body(&c, m);
		return wire_error(&c);
	}
	if (family == AF_INET)
		error = m->type == V4_UNREACH || m->type == V4_TIMXCEED ||
		    m->type == V4_PARAMPROB;
	else
		error = m->type == V6_UNREACH || m->type == V6_TOOBIG ||
		    m->type == V6_TIMXCEED || m->type == V6_PARAMPROB;
	if (!error)
		return 0;
	wire_skip(&c, 4);	/* unused, or MTU / pointer */
	if ((rc = read_quoted(family, &c, m)) < 0)
		return rc;
	if (rc == 0)
		m->kind = PROBE_ICMP_ERROR;
	return 0;
}
