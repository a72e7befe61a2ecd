/* fuzz-spool-state: the spool's state line parser over arbitrary bytes.
 *
 * The line is read from a file the spool's user can write, by root too.
 * Invariants checked: the verdict is stable, an accepted line is exactly
 * what the formatter writes for the values parsed (so nothing torn,
 * padded or hand-edited is taken), the boot id is a terminated string
 * of at most 39 bytes, and the values survive another round trip. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_totals t, t2;
	char boot[40], boot2[40], again[256];
	int dirty, dirty2, r, n;

	memset(boot, 'x', sizeof(boot));
	r = spool_state_parse((const char *)data, size, &t, &dirty, boot);
	if (r != spool_state_parse((const char *)data, size, &t2, &dirty2, boot2))
		abort();
	if (r < 0)
		return 0;
	if (memchr(boot, '\0', sizeof(boot)) == NULL || (dirty != 0 && dirty != 1))
		abort();
	n = spool_state_format(again, sizeof(again), &t, dirty, boot);
	if (n < 0 || (size_t)n != size || memcmp(again, data, size) != 0)
		abort();
	if (spool_state_parse(again, (size_t)n, &t2, &dirty2, boot2) != 0 ||
	    t2.seq != t.seq || t2.count != t.count || t2.bytes != t.bytes ||
	    t2.dropped != t.dropped || dirty2 != dirty || strcmp(boot, boot2) != 0)
		abort();
	return 0;
}
