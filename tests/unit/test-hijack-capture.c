/* test-hijack-capture: the injection check's frame parser, table-driven:
 * every link type it takes (Ethernet with and without a VLAN tag, Linux
 * cooked v1 and v2, raw IP), IPv4 and IPv6, and frames cut or lying about
 * their lengths at every layer. The DNS reply inside is built here. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>

#include "hijack_inject.h"
#include "tap.h"

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* A reply for www.example.test: A 192.0.2.7 (TTL 300) and A 192.0.2.1
 * (TTL 60), id 0x1234. */
static size_t dns_reply(uint8_t *p)
{
	static const uint8_t q[] = "\3www\7example\4test";
	size_t n = 0;

	n += put16(p + n, 0x1234);
	n += put16(p + n, 0x8180);
	n += put16(p + n, 1);
	n += put16(p + n, 2);
	n += put16(p + n, 0);
	n += put16(p + n, 0);
	memcpy(p + n, q, sizeof(q));
	n += sizeof(q);
	n += put16(p + n, 1);
	n += put16(p + n, 1);
	for (int i = 0; i < 2; i++) {
		n += put16(p + n, 0xc00c);
		n += put16(p + n, 1);
		n += put16(p + n, 1);
		n += put16(p + n, 0);
		n += put16(p + n, i ? 60 : 300);
		n += put16(p + n, 4);
		p[n++] = 192, p[n++] = 0, p[n++] = 2, p[n++] = i ? 1 : 7;
	}
	return n;
}

/* IP (4 or 6) + UDP 53 -> 40000 + the reply at p. */
static size_t ip_udp(uint8_t *p, int v6)
{
	uint8_t dns[512];
	size_t d = dns_reply(dns), n = 0, ulen = 8 + d;

	if (!v6) {
		p[n++] = 0x45, p[n++] = 0;
		n += put16(p + n, (unsigned)(20 + ulen));
		n += put16(p + n, 0xbeef);
		n += put16(p + n, 0x4000);	/* DF */
		p[n++] = 57, p[n++] = 17;
		n += put16(p + n, 0);
		p[n++] = 198, p[n++] = 51, p[n++] = 100, p[n++] = 53;
		p[n++] = 10, p[n++] = 0, p[n++] = 0, p[n++] = 1;
	} else {
		p[n++] = 0x60, p[n++] = 0, p[n++] = 0, p[n++] = 0;
		n += put16(p + n, (unsigned)ulen);
		p[n++] = 17, p[n++] = 41;
		memset(p + n, 0, 32);
		p[n] = 0x20, p[n + 1] = 0x01, p[n + 2] = 0x0d, p[n + 3] = 0xb8, p[n + 15] = 0x53;
		p[n + 16] = 0x20, p[n + 17] = 0x01, p[n + 18] = 0x0d, p[n + 19] = 0xb8, p[n + 31] = 1;
		n += 32;
	}
	n += put16(p + n, 53);
	n += put16(p + n, 40000);
	n += put16(p + n, (unsigned)ulen);
	n += put16(p + n, 0);
	memcpy(p + n, dns, d);
	return n + d;
}

/* The link header of type lt (and a VLAN tag when vlan) then IP. */
static size_t frame(uint8_t *p, int lt, int v6, int vlan)
{
	size_t n = 0;
	unsigned et = v6 ? 0x86dd : 0x0800;

	switch (lt) {
	case DLT_EN10MB:
		memset(p, 0xaa, 12);
		n = 12;
		if (vlan) {
			n += put16(p + n, 0x8100);
			n += put16(p + n, 7);
		}
		n += put16(p + n, et);
		break;
	case DLT_LINUX_SLL:
		memset(p, 0, 14);
		n = 14;
		n += put16(p + n, et);
		break;
	case DLT_LINUX_SLL2:
		n += put16(p, et);
		memset(p + n, 0, 18);
		n += 18;
		break;
	default:
		break;
	}
	return n + ip_udp(p + n, v6);
}

int main(void)
{
	static const struct { int lt, v6, vlan; const char *what; } good[] = {
		{ DLT_EN10MB, 0, 0, "Ethernet IPv4" },
		{ DLT_EN10MB, 1, 0, "Ethernet IPv6" },
		{ DLT_EN10MB, 0, 1, "Ethernet 802.1Q IPv4" },
		{ DLT_LINUX_SLL, 0, 0, "cooked v1 IPv4" },
		{ DLT_LINUX_SLL, 1, 0, "cooked v1 IPv6" },
		{ DLT_LINUX_SLL2, 0, 0, "cooked v2 IPv4" },
		{ DLT_LINUX_SLL2, 1, 0, "cooked v2 IPv6" },
		{ DLT_RAW, 0, 0, "raw IPv4" },
		{ DLT_RAW, 1, 0, "raw IPv6" },
	};
	struct probe_capture c;
	uint8_t f[1024];
	size_t n, i;
	char a[INET6_ADDRSTRLEN];
	int rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = frame(f, good[i].lt, good[i].v6, good[i].vlan);
		rc = probe_capture_parse(good[i].lt, f, n, &c);
		is_int(rc, 0, "%s: parsed", good[i].what);
		inet_ntop(c.family, c.src, a, sizeof(a));
		is_str(a, good[i].v6 ? "2001:db8::53" : "198.51.100.53", "%s: source", good[i].what);
		ok(c.sport == 53 && c.dport == 40000, "%s: ports", good[i].what);
		is_int(c.ttl, good[i].v6 ? 41 : 57, "%s: TTL / hop limit", good[i].what);
		is_int(c.ipid, good[i].v6 ? -1 : 0xbeef, "%s: IP id", good[i].what);
		ok(c.dns_err == 0 && c.id == 0x1234 && c.rcode == 0 && c.ancount == 2,
		   "%s: DNS header", good[i].what);
		is_str(c.answers, "A 192.0.2.1, A 192.0.2.7", "%s: answers sorted", good[i].what);
		is_int(c.min_ttl, 60, "%s: lowest TTL", good[i].what);
	}

	/* Every cut of an Ethernet IPv4 frame: never a read past the cut; a
	 * cut inside the link, IP or UDP header is refused, a cut inside the
	 * DNS message is reported as a malformed DNS part. */
	n = frame(f, DLT_EN10MB, 0, 0);
	{
		unsigned refused = 0, malformed = 0, bad = 0;

		for (size_t cut = 0; cut < n; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);

			memcpy(copy, f, cut);
			rc = probe_capture_parse(DLT_EN10MB, copy, cut, &c);
			if (rc == -EBADMSG)
				refused++;
			else if (rc == 0 && c.dns_err)
				malformed++;
			else
				bad++;
			free(copy);
		}
		is_int(bad, 0, "every cut frame is refused or its DNS part malformed");
		/* The IP total length covers the rest, so every cut is refused at IP. */
		is_int(refused, n, "a cut below the IP total length is refused (%u)", refused);
	}

	/* Lengths that lie. */
	n = frame(f, DLT_EN10MB, 0, 0);
	f[14 + 2] = 0xff;	/* IP total length past the frame */
	is_int(probe_capture_parse(DLT_EN10MB, f, n, &c), -EBADMSG, "IPv4 total length past the end");
	n = frame(f, DLT_EN10MB, 0, 0);
	f[14] = 0x44;		/* IHL 16 bytes */
	is_int(probe_capture_parse(DLT_EN10MB, f, n, &c), -EBADMSG, "IPv4 header length < 20");
	n = frame(f, DLT_EN10MB, 0, 0);
	f[14 + 20 + 4] = 0xff;	/* UDP length past the datagram */
	is_int(probe_capture_parse(DLT_EN10MB, f, n, &c), -EBADMSG, "UDP length past the end");
	n = frame(f, DLT_EN10MB, 0, 0);
	f[14 + 20 + 4] = 0, f[14 + 20 + 5] = 4;	/* UDP length < 8 */
	is_int(probe_capture_parse(DLT_EN10MB, f, n, &c), -EBADMSG, "UDP length under its header");
	n = frame(f, DLT_EN10MB, 0, 0);
	f[14 + 6] = 0x20;	/* MF: a first fragment */
	is_int(probe_capture_parse(DLT_EN10MB, f, n, &c), -EPROTONOSUPPORT, "a fragment is not read");
	n = frame(f, DLT_EN10MB, 1, 0);
	f[14 + 4] = 0xff;	/* IPv6 payload length past the end */
	is_int(probe_capture_parse(DLT_EN10MB, f, n, &c), -EBADMSG, "IPv6 payload length past the end");
	n = frame(f, DLT_EN10MB, 0, 0);
	f[14 + 9] = 6;		/* TCP */
	is_int(probe_capture_parse(DLT_EN10MB, f, n, &c), -EPROTONOSUPPORT, "not UDP");
	is_int(probe_capture_parse(DLT_IEEE802_11, f, n, &c), -EPROTONOSUPPORT, "another link type");
	/* A DNS answer count larger than the records: malformed, header kept. */
	n = frame(f, DLT_RAW, 0, 0);
	f[20 + 8 + 7] = 3;
	rc = probe_capture_parse(DLT_RAW, f, n, &c);
	ok(rc == 0 && c.dns_err != 0 && c.id == 0x1234 && c.ancount == 3,
	   "more answers counted than sent: malformed, id and count still reported (%s)",
	   c.dns_why ? c.dns_why : "-");
	return done_testing();
}
