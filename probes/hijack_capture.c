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

#include "dns_msg.h"
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The DNS reply through the shared codec (dns_msg.h): header first on its
 * own, so even a reply the codec refuses shows its id and rcode; then the
 * answers as sorted "TYPE rdata" text, the TTLs left out (the same answer
 * with another TTL is not another answer). */
static void dns_parse(const uint8_t *msg, size_t mlen, struct probe_capture *o)
{
	struct probe_dns_msg m;
	struct wire_cur c;
	char items[16][300], *sorted[16];
	size_t i, n = 0;
	int rc;

	wire_cur_init(&c, msg, mlen);
	o->id = wire_read_u16be(&c);
	o->flags = wire_read_u16be(&c);
	wire_skip(&c, 2);
	o->ancount = wire_read_u16be(&c);
	o->rcode = o->flags & 15;
	if (wire_error(&c)) {
		o->dns_err = -EBADMSG;
		o->dns_why = "shorter than a DNS header";
		return;
	}
	memset(&m, 0, sizeof(m));
	rc = probe_dns_msg_parse(msg, mlen, &m);
	if (rc) {
		o->dns_err = rc;
		o->dns_why = probe_dns_strerror(rc);
		return;
	}
	if (!(m.flags & PROBE_DNS_F_QR)) {
		o->dns_err = -EBADMSG;
		o->dns_why = "not a response";
	}
	o->rcode = m.rcode;
	for (i = 0; i < m.n_an; i++) {
		const struct probe_dns_rr *rr = &m.rr[i];
		const char *tn = probe_dns_type_name(rr->type);
		size_t l;

		if (i == 0 || rr->ttl < o->min_ttl)
			o->min_ttl = rr->ttl;
		if (n == 16)
			continue;
		if (tn)
			l = (size_t)snprintf(items[n], sizeof(items[n]), "%s ", tn);
		else
			l = (size_t)snprintf(items[n], sizeof(items[n]), "TYPE%u ", rr->type);
		probe_dns_rdata_text(rr, items[n] + l, sizeof(items[n]) - l);
		sorted[n] = items[n];
		n++;
	}
	probe_dns_msg_free(&m);
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	o->answers[0] = 0;
	for (i = 0; i < n; i++) {
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
	struct probe_dns_query_opts qo = { .id = id, .rd = true };
	struct wire_buf b;
	int err;

	wire_buf_init(&b);
	err = probe_dns_query_build(&b, name, qtype, PROBE_DNS_C_IN, &qo);
	if (!err)
		err = wire_buf_error(&b);
	if (!err && b.len > cap)
		err = -ENOSPC;
	if (!err) {
		memcpy(buf, b.data, b.len);
		*len = b.len;
	}
	wire_buf_free(&b);
	return err;
}
