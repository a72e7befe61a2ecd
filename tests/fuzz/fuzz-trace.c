/* fuzz-trace: the trace reply parsers over arbitrary bytes.
 *
 * The first byte picks the parser (ICMP or TCP) and the family; the rest
 * is the packet as a raw socket would hand it over. Invariants: the
 * parser never reads outside the input (ASan), returns 0, -ENOMSG or
 * -EBADMSG, and an accepted reply is complete: a known kind, the probe's
 * protocol, a sender for IPv4 and a quoted destination for ICMP errors.
 * The verdict is also stable on a second parse of the same bytes. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_reply r, again;
	int family, rc, rc2;
	bool tcp;

	if (size < 1)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	tcp = data[0] & 2;
	/* A copy of exactly the input, so ASan sees any read past it. */
	uint8_t *buf = malloc(size - 1 ? size - 1 : 1);

	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	rc = tcp ? trace_parse_tcp(family, buf, size - 1, &r) : trace_parse_icmp(family, buf, size - 1, &r);
	if (rc != 0 && rc != -ENOMSG && rc != -EBADMSG)
		abort();
	if (rc == 0) {
		if (r.kind == TRACE_R_NONE || r.family != family)
			abort();
		if (r.proto != IPPROTO_ICMP && r.proto != IPPROTO_UDP && r.proto != IPPROTO_TCP)
			abort();
		if (family == AF_INET && !r.has_from)
			abort();
		if ((r.kind == TRACE_R_TIME_EXCEEDED || r.kind == TRACE_R_UNREACH) && !r.has_dst)
			abort();
		if (tcp != (r.kind == TRACE_R_TCP))
			abort();
	}
	rc2 = tcp ? trace_parse_tcp(family, buf, size - 1, &again) :
	    trace_parse_icmp(family, buf, size - 1, &again);
	if (rc2 != rc || (rc == 0 && memcmp(&r, &again, sizeof(r))))
		abort();
	free(buf);
	return 0;
}
