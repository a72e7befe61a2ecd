/* fuzz-icmp: any bytes as an ICMP or ICMPv6 packet for the ping probe.
 *
 * The first byte picks the way the packet arrived: an IPv4 raw socket
 * (IP header first), an IPv4 ping socket, ICMPv6 (no IP header), or a
 * request handed back on a ping socket's error queue. What the parser
 * reports must stay inside what it was given. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_icmp_msg m;
	uint8_t *copy;
	int rc;

	if (size < 1)
		return 0;
	/* A copy of exactly the packet's length, so ASan sees any overread. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
		rc = probe_icmp_parse(AF_INET, true, copy, size - 1, &m);
		break;
	case 1:
		rc = probe_icmp_parse(AF_INET, false, copy, size - 1, &m);
		break;
	case 2:
		rc = probe_icmp_parse(AF_INET6, false, copy, size - 1, &m);
		break;
	default:
		rc = probe_icmp_parse_request(data[0] & 4 ? AF_INET6 : AF_INET, copy, size - 1, &m);
		break;
	}
	if (rc == 0 && (m.kind > PROBE_ICMP_ERROR || (m.kind == PROBE_ICMP_ERROR && !m.has_qdst)))
		abort();
	if (rc == 0 && m.ttl > 255)
		abort();
	free(copy);
	return 0;
}
