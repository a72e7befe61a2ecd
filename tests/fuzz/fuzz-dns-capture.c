/* fuzz-dns-capture: any bytes as a captured frame for the injection check.
 *
 * The first byte picks the link type (Ethernet, Linux cooked v1 and v2,
 * raw IP); the rest goes through frame -> IP -> UDP -> DNS. Whatever the
 * parser reports must point inside what it was given. */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hijack_inject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[4] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };
	struct probe_capture cap;
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* A copy of exactly the frame's length, so ASan sees any overread. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (probe_capture_parse(links[data[0] & 3], copy, size - 1, &cap) == 0) {
		if (cap.dns < copy || cap.dns + cap.dns_len > copy + (size - 1))
			abort();
		if (strlen(cap.answers) >= sizeof(cap.answers))
			abort();
	}
	free(copy);
	return 0;
}
