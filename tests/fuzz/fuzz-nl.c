/* fuzz-nl: any bytes as an NLMSG_ERROR message for nl_parse_error().
 *
 * The text it reports must lie inside the message and be terminated
 * within its attribute. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *txt;
	size_t tlen;
	void *copy;
	int err;

	if (size < sizeof(struct nlmsghdr))
		return 0;
	/* Exactly the input's length, aligned for the header, so ASan sees
	 * any overread. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (nl_parse_error(copy, size, &err, &txt, &tlen) == 0) {
		if (err > 0 || tlen != strlen(txt))
			abort();
		if (tlen && (txt < (const char *)copy || txt + tlen >= (const char *)copy + size))
			abort();
	}
	free(copy);
	return 0;
}
