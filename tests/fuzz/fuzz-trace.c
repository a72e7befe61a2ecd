/* fuzz-trace: the trace reply parsers over arbitrary bytes.
 *
 * The first byte picks the family (bit 0) and the parser (bits 1-2): a
 * raw ICMP socket's packet, a raw TCP socket's, a ping socket's reply, or
 * an error-queue message (then the next four bytes are its origin, ICMP
 * type and code and the probe protocol, and the rest its quoted data).
 * Invariants: no read outside the input (ASan), only 0, -ENOMSG or
 * -EBADMSG, an accepted reply is complete (a known kind, the probe's
 * protocol, the sender where the packet carries it, the destination of
 * an ICMP error), and a second parse of the same bytes agrees. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse(unsigned mode, int family, const uint8_t *meta, const uint8_t *buf, size_t n,
    struct trace_reply *r)
{
	static struct sockaddr_in o4 = { .sin_family = AF_INET }, d4 = { .sin_family = AF_INET };
	static struct sockaddr_in6 o6 = { .sin6_family = AF_INET6 }, d6 = { .sin6_family = AF_INET6 };
	int protos[] = { IPPROTO_ICMP, IPPROTO_UDP, IPPROTO_TCP, 0 };

	switch (mode) {
	case 0:
		return trace_parse_icmp(family, buf, n, r);
	case 1:
		return trace_parse_tcp(family, buf, n, r);
	case 2:
		return trace_parse_echo(family, buf, n, r);
	default:
		return trace_parse_recverr(family, protos[meta[3] & 3], meta[0], meta[1], meta[2],
		    family == AF_INET ? (struct sockaddr *)&o4 : (struct sockaddr *)&o6,
		    family == AF_INET ? (struct sockaddr *)&d4 : (struct sockaddr *)&d6, buf, n, r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_reply r, again;
	uint8_t meta[4] = { 0, 0, 0, 0 };
	size_t skip = 1;
	int family, rc, rc2;
	unsigned mode;

	if (size < 1)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	mode = (data[0] >> 1) & 3;
	if (mode == 3) {
		if (size < 5)
			return 0;
		memcpy(meta, data + 1, 4);
		skip = 5;
	}
	/* A copy of exactly the input, so ASan sees any read past it. */
	size_t n = size - skip;
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return 0;
	memcpy(buf, data + skip, n);
	rc = parse(mode, family, meta, buf, n, &r);
	if (rc != 0 && rc != -ENOMSG && rc != -EBADMSG)
		abort();
	if (rc == 0) {
		if (r.kind == TRACE_R_NONE || r.family != family)
			abort();
		if (r.proto != IPPROTO_ICMP && r.proto != IPPROTO_UDP && r.proto != IPPROTO_TCP)
			abort();
		if (family == AF_INET && mode < 2 && !r.has_from)
			abort();
		if ((r.kind == TRACE_R_TIME_EXCEEDED || r.kind == TRACE_R_UNREACH) && !r.has_dst)
			abort();
		if ((mode == 1) != (r.kind == TRACE_R_TCP))
			abort();
		if (mode == 2 && r.kind != TRACE_R_ECHO_REPLY)
			abort();
	}
	rc2 = parse(mode, family, meta, buf, n, &again);
	if (rc2 != rc || (rc == 0 && memcmp(&r, &again, sizeof(r))))
		abort();
	free(buf);
	return 0;
}
