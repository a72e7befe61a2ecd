/* trace_send.c: a trace's sockets, and building each method's probes.
 *
 * All three methods send through raw sockets and write their transport
 * header themselves: the flow identifier must be exactly what we chose,
 * and a checksum the kernel (or a NIC offload) fills in later would make
 * the quoted UDP checksum useless as a probe key. Replies and ICMP errors
 * come in on a raw ICMP(v6) socket, TCP answers on the raw TCP socket.
 * An ordinary socket bound to the same port (hold_fd) keeps the source
 * port ours for the length of the trace. */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

#define TRACE_ICMP_FILTER 1	/* ICMP_FILTER of <linux/icmp.h> */

uint32_t trace_sum(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

uint16_t trace_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static const void *sa_addr(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return &((const struct sockaddr_in *)ss)->sin_addr;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static void sa_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* The pseudo header of RFC 768 / RFC 8200 section 8.1. */
static uint32_t pseudo_sum(const struct trace_target *t, uint8_t proto, size_t len)
{
	size_t alen = t->family == AF_INET ? 4 : 16;
	uint32_t sum = trace_sum(0, sa_addr(&t->src), alen);

	sum = trace_sum(sum, sa_addr(&t->dst), alen);
	return sum + proto + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

int trace_find_source(struct trace_target *t)
{
	const struct probe_spec *spec = probe_job_spec(t->tj->job);
	struct sockaddr_storage d = t->dst;
	socklen_t len = sizeof(t->src);
	int fd = probe_socket(t->family, SOCK_DGRAM, 0, &spec->path), rc = 0;

	if (fd < 0)
		return fd;
	sa_set_port(&d, 33434);
	if (connect(fd, (struct sockaddr *)&d, t->salen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&t->src, &len) < 0)
		rc = -errno;
	close(fd);
	if (!rc)
		sa_set_port(&t->src, 0);
	return rc;
}

int trace_bind_source(struct trace_target *t, int fd)
{
	const struct probe_spec *spec = probe_job_spec(t->tj->job);

	if (spec->path.src.ss_family != AF_UNSPEC)
		return 0;
	return bind(fd, (const struct sockaddr *)&t->src, t->salen) < 0 ? -errno : 0;
}

static int raw_socket(struct trace_target *t, int proto, int *out)
{
	const struct probe_spec *spec = probe_job_spec(t->tj->job);
	int fd = probe_socket(t->family, SOCK_RAW, proto, &spec->path), rc;

	if (fd < 0)
		return fd;
	if ((rc = trace_bind_source(t, fd)) < 0 || (rc = set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1)) < 0) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/* Only what can answer a probe wakes us up: echo replies, destination
 * unreachable and time exceeded. */
static int icmp_filter(struct trace_target *t)
{
	if (t->family == AF_INET) {
		/* struct icmp_filter of <linux/icmp.h>, which clashes with
		 * <net/if.h>: one bit per type, set = dropped. */
		uint32_t f = ~(1u << ICMP_ECHOREPLY | 1u << ICMP_DEST_UNREACH |
		    1u << ICMP_TIME_EXCEEDED);

		return setsockopt(t->icmp_fd, SOL_RAW, TRACE_ICMP_FILTER, &f, sizeof(f)) < 0 ? -errno : 0;
	}
	struct icmp6_filter f;

	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
	ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
	return setsockopt(t->icmp_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0 ? -errno : 0;
}

/* A raw UDP socket would queue a copy of every UDP datagram the host
 * receives; it only sends, so it keeps none. */
static int drop_all(int fd)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ? -errno : 0;
}

/* Reserve the source port with an ordinary socket of the protocol. */
static int hold_port(struct trace_target *t, int type)
{
	const struct probe_spec *spec = probe_job_spec(t->tj->job);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	t->hold_fd = probe_socket(t->family, type, 0, &spec->path);
	if (t->hold_fd < 0)
		return t->hold_fd;
	if ((rc = trace_bind_source(t, t->hold_fd)) < 0)
		return rc;
	if (getsockname(t->hold_fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	t->sport = sa_port(&ss);
	return 0;
}

int trace_open(struct trace_target *t)
{
	struct trace_job *tj = t->tj;
	const char *step;
	int rc;

	t->icmp_fd = t->send_fd = t->hold_fd = -1;
	t->salen = t->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	step = "finding the source address";
	if ((rc = trace_find_source(t)) < 0)
		goto out;
	if (tj->unpriv)
		return trace_open_dgram(t);
	step = "opening a raw ICMP socket";
	if ((rc = raw_socket(t, t->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6,
	    &t->icmp_fd)) < 0)
		goto out;
	if ((rc = icmp_filter(t)) < 0)
		goto out;
	t->dport = tj->port;
	if (tj->proto == IPPROTO_UDP) {
		step = "opening a raw UDP socket";
		if ((rc = hold_port(t, SOCK_DGRAM)) < 0 ||
		    (rc = raw_socket(t, IPPROTO_UDP, &t->send_fd)) < 0 ||
		    (rc = drop_all(t->send_fd)) < 0)
			goto out;
	} else if (tj->proto == IPPROTO_TCP) {
		step = "opening a raw TCP socket";
		if ((rc = hold_port(t, SOCK_STREAM)) < 0 ||
		    (rc = raw_socket(t, IPPROTO_TCP, &t->send_fd)) < 0)
			goto out;
	}
out:
	if (rc < 0) {
		snprintf(t->why, sizeof(t->why), "%s: %s%s", step, strerror(-rc),
		    rc == -EPERM ? " (trace needs CAP_NET_RAW)" : "");
		trace_close(t);
	}
	return rc;
}

void trace_close(struct trace_target *t)
{
	int *fds[] = { &t->icmp_fd, &t->send_fd, &t->hold_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* An echo request whose checksum is the same for every sequence number:
 * the first payload word is the sequence's one's complement, so their
 * sum, and with it the checksum, does not change. */
static size_t build_icmp(const struct trace_target *t, uint8_t *b, size_t size, uint16_t k)
{
	size_t len = 8 + size;

	memset(b, 0, len);
	b[0] = t->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	put16(b + 4, t->id);
	put16(b + 6, k);
	put16(b + 8, (uint16_t)~k);
	for (size_t i = 10; i < len; i++)
		b[i] = (uint8_t)('A' + i % 26);
	/* ICMPv6 raw sockets always checksum for us (RFC 3542 3.1). */
	if (t->family == AF_INET)
		put16(b + 2, trace_fold(trace_sum(0, b, len)));
	return len;
}

/* A UDP datagram whose checksum is the probe's key: the first payload
 * word is k, so each probe sums (and checksums) differently. */
static size_t build_udp(const struct trace_target *t, uint8_t *b, size_t size, uint16_t k,
    uint32_t *key)
{
	size_t len = 8 + size;
	uint16_t sum;

	memset(b, 0, len);
	put16(b, t->sport);
	put16(b + 2, t->dport);
	put16(b + 4, (uint16_t)len);
	put16(b + 8, k);
	sum = trace_fold(trace_sum(pseudo_sum(t, IPPROTO_UDP, len), b, len));
	if (!sum)
		sum = 0xffff;	/* 0 means "no checksum" in IPv4 and is invalid in IPv6 */
	put16(b + 6, sum);
	*key = sum;
	return len;
}

/* A bare SYN (no options) with the probe's key as sequence number. */
static size_t build_tcp(const struct trace_target *t, uint8_t *b, uint32_t seq)
{
	memset(b, 0, 20);
	put16(b, t->sport);
	put16(b + 2, t->dport);
	put32(b + 4, seq);
	b[12] = 5 << 4;
	b[13] = TRACE_TCP_SYN;
	put16(b + 14, 65535);
	put16(b + 16, trace_fold(trace_sum(pseudo_sum(t, IPPROTO_TCP, 20), b, 20)));
	return 20;
}

int trace_send(struct trace_target *t, unsigned ttl, uint16_t k, struct trace_probe *p)
{
	uint8_t buf[TRACE_MAX_SIZE + 64];
	struct trace_job *tj = t->tj;
	struct sockaddr_storage d = t->dst;
	int fd = tj->proto == IPPROTO_ICMP ? t->icmp_fd : t->send_fd, rc;
	size_t len;

	if (t->family == AF_INET)
		rc = set_int(fd, IPPROTO_IP, IP_TTL, (int)ttl);
	else
		rc = set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, (int)ttl);
	if (rc < 0)
		return rc;
	memset(p, 0, sizeof(*p));
	p->ttl = (uint8_t)ttl;
	switch (tj->proto) {
	case IPPROTO_ICMP:
		len = build_icmp(t, buf, tj->size, k);
		p->key = k;
		break;
	case IPPROTO_UDP:
		len = build_udp(t, buf, tj->size, k, &p->key);
		break;
	default:
		p->key = t->seq_base + k;
		len = build_tcp(t, buf, p->key);
		break;
	}
	const uint8_t *out = buf;

	if (tj->unpriv && tj->proto == IPPROTO_UDP) {
		/* The kernel writes the UDP header; the key is the payload's. */
		out += 8;
		len -= 8;
		p->key = k;
		sa_set_port(&d, t->dport);
	} else {
		/* Raw IPv6 sockets take the port field as the protocol. */
		sa_set_port(&d, 0);
	}
	/* A datagram socket reports an ICMP error that came in meanwhile
	 * as the next send's failure (and forgets it then): try again. */
	for (int tries = 0;; tries++) {
		clock_gettime(CLOCK_REALTIME, &p->sent);
		if (sendto(fd, out, len, 0, (struct sockaddr *)&d, t->salen) >= 0)
			break;
		rc = -errno;
		if (tries >= 3 || !tj->unpriv || (rc != -ECONNREFUSED && rc != -EHOSTUNREACH &&
		    rc != -ENETUNREACH && rc != -EPROTO && rc != -EHOSTDOWN && rc != -ENOPROTOOPT))
			return rc;
	}
	p->state = TRACE_P_SENT;
	return 0;
}

bool trace_reply_key(const struct trace_target *t, const struct trace_reply *r, uint32_t *key)
{
	int proto = t->tj->proto;

	if (r->proto != proto)
		return false;
	switch (proto) {
	case IPPROTO_ICMP:
		if (r->id != t->id)
			return false;
		*key = r->seq;
		return true;
	case IPPROTO_UDP:
		if (r->sport != t->sport || r->dport != t->dport)
			return false;
		if (t->tj->unpriv && !r->has_payload_key)
			return false;
		*key = t->tj->unpriv ? r->payload_key : r->udp_sum;
		return true;
	default:
		if (r->sport != t->sport || r->dport != t->dport)
			return false;
		*key = r->tcp_seq;
		return true;
	}
}
