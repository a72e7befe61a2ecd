/* hijack_capture.c: a captured frame -> IP -> UDP -> DNS reply, for the
 * injection check. Every byte is read through src/wire.h; a malformed DNS
 * part is kept as evidence (dns_err, dns_why), never trusted further. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hijack_inject.h"
#include "wire.h"

#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_VLAN	0x8100

const char *probe_inject_status_name(enum probe_inject_status s)
{
	switch (s) {
	case PROBE_INJECT_PASS:		return "pass";
	case PROBE_INJECT_FAIL:		return "fail";
	case PROBE_INJECT_SUSPECT:	return "suspect";
	}
	return "suspect";
}

/* The link layer: the ethertype of what follows, or -1. */
static int link_skip(int linktype, struct wire_cur *c)
{
	uint16_t proto;

	switch (linktype) {
	case DLT_EN10MB:
		wire_skip(c, 12);
		proto = wire_read_u16be(c);
		while (proto == ETH_P_VLAN && !wire_error(c)) {
			wire_skip(c, 2);
			proto = wire_read_u16be(c);
		}
		break;
	case DLT_LINUX_SLL:	/* type, arphrd, addr len, addr[8], protocol */
		wire_skip(c, 14);
		proto = wire_read_u16be(c);
		break;
	case DLT_LINUX_SLL2:	/* protocol, reserved, ifindex, arphrd, type, len, addr[8] */
		proto = wire_read_u16be(c);
		wire_skip(c, 18);
		break;
	case DLT_RAW:
		if (!wire_need(c, 1))
			return -1;
		return (c->p[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IPV4;
	default:
		return -2;
	}
	return wire_error(c) ? -1 : proto;
}

/* IPv4 header: on return c covers the transport payload only. */
static int ip4_parse(struct wire_cur *c, struct probe_capture *o)
{
	uint8_t vihl, proto;
	uint16_t total;
	size_t hl;
	struct wire_cur ip;

	if (!wire_need(c, 20))
		return -EBADMSG;
	vihl = c->p[0];
	hl = (size_t)(vihl & 15) * 4;
	if (vihl >> 4 != 4 || hl < 20)
		return -EBADMSG;
	total = (uint16_t)(c->p[2] << 8 | c->p[3]);
	if (total < hl || total > wire_remaining(c))
		return -EBADMSG;
	ip = wire_sub(c, total);	/* trailing link padding dropped */
	wire_skip(&ip, 4);
	o->ipid = wire_read_u16be(&ip);
	if (wire_read_u16be(&ip) & 0x3fff)	/* a fragment: the UDP header may be elsewhere */
		return -EPROTONOSUPPORT;
	o->ttl = wire_read_u8(&ip);
	proto = wire_read_u8(&ip);
	wire_skip(&ip, 2);
	wire_read_bytes(&ip, o->src, 4);
	wire_read_bytes(&ip, o->dst, 4);
	wire_skip(&ip, hl - 20);
	if (wire_error(&ip))
		return -EBADMSG;
	if (proto != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	o->family = AF_INET;
	*c = ip;
	return 0;
}

/* IPv6 header without extension headers (a DNS reply carries none). */
static int ip6_parse(struct wire_cur *c, struct probe_capture *o)
{
	uint16_t plen;
	uint8_t next;

	if (!wire_need(c, 40) || c->p[0] >> 4 != 6)
		return -EBADMSG;
	wire_skip(c, 4);
	plen = wire_read_u16be(c);
	next = wire_read_u8(c);
	o->ttl = wire_read_u8(c);
	o->ipid = -1;
	wire_read_bytes(c, o->src, 16);
	wire_read_bytes(c, o->dst, 16);
	if (wire_error(c) || plen > wire_remaining(c))
		return -EBADMSG;
	*c = wire_sub(c, plen);
	if (next != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	o->family = AF_INET6;
	return 0;
}

static void dns_bad(struct probe_capture *o, int err, const char *why)
{
	if (!o->dns_err) {
		o->dns_err = err;
		o->dns_why = why;
	}
}

/* Read a (possibly compressed) name at c into text (may be NULL). Pointers
 * must point strictly backwards, which also rules out loops. */
static int dns_name(const uint8_t *msg, size_t mlen, struct wire_cur *c, char *text, size_t tcap,
		    const char **why)
{
	struct wire_cur r = *c;
	size_t wire_len = 1, tl = 0;
	const uint8_t *lowest = r.p;
	bool jumped = false;

	if (text && tcap)
		text[0] = 0;
	for (;;) {
		uint8_t n = wire_read_u8(&r);

		if (wire_error(&r)) {
			*why = "name runs past the end";
			return -EBADMSG;
		}
		if ((n & 0xc0) == 0xc0) {
			size_t off = (size_t)(n & 0x3f) << 8 | wire_read_u8(&r);

			if (wire_error(&r)) {
				*why = "pointer runs past the end";
				return -EBADMSG;
			}
			if (!jumped)
				*c = r;
			jumped = true;
			if (off >= mlen) {
				*why = "pointer past the end";
				return -EBADMSG;
			}
			if (msg + off >= lowest) {
				*why = "compression loop or forward pointer";
				return -ELOOP;
			}
			lowest = msg + off;
			wire_cur_init(&r, msg + off, mlen - off);
			continue;
		}
		if (n & 0xc0) {
			*why = "label over 63 bytes (a reserved label type)";
			return -EBADMSG;
		}
		if (n == 0)
			break;
		wire_len += (size_t)n + 1;
		if (wire_len > 255) {
			*why = "name over 255 bytes";
			return -ENAMETOOLONG;
		}
		const uint8_t *lab = wire_read_ptr(&r, n);

		if (!lab) {
			*why = "label runs past the end";
			return -EBADMSG;
		}
		if (text && tl + n + 2 < tcap) {
			for (size_t i = 0; i < n; i++)
				text[tl++] = (lab[i] > 32 && lab[i] < 127) ? (char)lab[i] : '?';
			text[tl++] = '.';
			text[tl] = 0;
		}
	}
	if (!jumped)
		*c = r;
	if (text && tl == 0 && tcap > 1)
		strcpy(text, ".");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One answer RR as text ("A 192.0.2.1") into item. */
static int dns_rr(const uint8_t *msg, size_t mlen, struct wire_cur *c, char *item, size_t icap,
		  uint32_t *ttl, const char **why)
{
	uint16_t type, rdlen;
	const uint8_t *rd;
	char buf[INET6_ADDRSTRLEN], name[256];
	int rc;

	rc = dns_name(msg, mlen, c, NULL, 0, why);
	if (rc)
		return rc;
	type = wire_read_u16be(c);
	wire_skip(c, 2);
	*ttl = wire_read_u32be(c);
	rdlen = wire_read_u16be(c);
	rd = wire_read_ptr(c, rdlen);
	if (wire_error(c) || !rd) {
		*why = "record runs past the end";
		return -EBADMSG;
	}
	if (type == 1 || type == 28) {
		if (rdlen != (type == 1 ? 4 : 16)) {
			*why = "address of the wrong length";
			return -EBADMSG;
		}
		inet_ntop(type == 1 ? AF_INET : AF_INET6, rd, buf, sizeof(buf));
		snprintf(item, icap, "%s %s", type == 1 ? "A" : "AAAA", buf);
	} else if (type == 5) {
		struct wire_cur n;

		wire_cur_init(&n, rd, rdlen);
		rc = dns_name(msg, mlen, &n, name, sizeof(name), why);
		if (rc)
			return rc;
		snprintf(item, icap, "CNAME %s", name);
	} else {
		snprintf(item, icap, "TYPE%u %u bytes", type, rdlen);
	}
	return 0;
}

/* The DNS reply: header, questions skipped, answers as sorted text. */
static void dns_parse(const uint8_t *msg, size_t mlen, struct probe_capture *o)
{
	struct wire_cur c;
	char items[16][300], *sorted[16];
	unsigned qd, n = 0;
	const char *why = NULL;
	int rc;

	wire_cur_init(&c, msg, mlen);
	o->id = wire_read_u16be(&c);
	o->flags = wire_read_u16be(&c);
	qd = wire_read_u16be(&c);
	o->ancount = wire_read_u16be(&c);
	wire_skip(&c, 4);
	if (wire_error(&c)) {
		dns_bad(o, -EBADMSG, "shorter than a DNS header");
		return;
	}
	o->rcode = o->flags & 15;
	if (!(o->flags & 0x8000))
		dns_bad(o, -EBADMSG, "not a response");
	for (unsigned i = 0; i < qd; i++) {
		rc = dns_name(msg, mlen, &c, NULL, 0, &why);
		wire_skip(&c, 4);
		if (!rc && wire_error(&c)) {
			rc = -EBADMSG;
			why = "question runs past the end";
		}
		if (rc) {
			dns_bad(o, rc, why);
			return;
		}
	}
	for (unsigned i = 0; i < o->ancount; i++) {
		uint32_t ttl = 0;
		char item[300];

		rc = dns_rr(msg, mlen, &c, item, sizeof(item), &ttl, &why);
		if (rc) {
			dns_bad(o, rc, why);
			break;
		}
		if (n == 0 || ttl < o->min_ttl)
			o->min_ttl = ttl;
		if (n < 16) {
			memcpy(items[n], item, sizeof(item));
			sorted[n] = items[n];
			n++;
		}
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	o->answers[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(o->answers);

		snprintf(o->answers + l, sizeof(o->answers) - l, "%s%s", i ? ", " : "", sorted[i]);
	}
}

int probe_capture_parse(int linktype, const uint8_t *frame, size_t len, struct probe_capture *o)
{
	struct wire_cur c;
	uint16_t ulen;
	int proto, rc;

	memset(o, 0, sizeof(*o));
	o->ipid = -1;
	wire_cur_init(&c, frame, len);
	proto = link_skip(linktype, &c);
	if (proto == -2)
		return -EPROTONOSUPPORT;
	if (proto == ETH_P_IPV4)
		rc = ip4_parse(&c, o);
	else if (proto == ETH_P_IPV6)
		rc = ip6_parse(&c, o);
	else
		rc = proto < 0 ? -EBADMSG : -EPROTONOSUPPORT;
	if (rc) {
		o->family = 0;
		return rc;
	}
	o->sport = wire_read_u16be(&c);
	o->dport = wire_read_u16be(&c);
	ulen = wire_read_u16be(&c);
	wire_skip(&c, 2);
	if (wire_error(&c) || ulen < 8 || ulen - 8u > wire_remaining(&c)) {
		o->family = 0;
		return -EBADMSG;
	}
	o->dns_len = ulen - 8u;
	o->dns = wire_read_ptr(&c, o->dns_len);
	dns_parse(o->dns, o->dns_len, o);
	return 0;
}

int probe_inject_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *buf, size_t cap,
		       size_t *len)
{
	struct wire_buf b;
	const char *p = name, *dot;
	int err;

	wire_buf_init(&b);
	wire_put_u16be(&b, id);
	wire_put_u16be(&b, 0x0100);	/* RD */
	wire_put_u16be(&b, 1);
	wire_put_u16be(&b, 0);
	wire_put_u16be(&b, 0);
	wire_put_u16be(&b, 0);
	while (*p) {
		size_t n;

		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63) {
			wire_buf_free(&b);
			return -EINVAL;
		}
		wire_put_u8(&b, (uint8_t)n);
		wire_put_bytes(&b, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	wire_put_u8(&b, 0);
	wire_put_u16be(&b, qtype);
	wire_put_u16be(&b, 1);
	err = wire_buf_error(&b);
	if (!err && (b.len > cap || b.len > 12 + 255 + 4))
		err = b.len > cap ? -ENOSPC : -EINVAL;
	if (!err) {
		memcpy(buf, b.data, b.len);
		*len = b.len;
	}
	wire_buf_free(&b);
	return err;
}
