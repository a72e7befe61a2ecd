/* fuzz-json: json_validate() over arbitrary bytes.
 *
 * Invariants checked: the verdict is stable, a rejection points inside
 * [0, n] with a reason, an accepted document stays accepted when wrapped in
 * an array (so nesting is accounted), and every accepted value is also
 * accepted by the writer as a raw value and re-emitted byte for byte. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *why = NULL, *out;
	size_t off = (size_t)-1, off2 = 0, len, line, col;
	struct json j;
	char *wrapped;
	int r, r2;

	r = json_validate(buf, size, &off, &why);
	r2 = json_validate(buf, size, &off2, NULL);
	if (r != r2)
		abort();
	if (r < 0) {
		if (r != -EINVAL || why == NULL || off > size || off != off2)
			abort();
		json_line_col(buf, size, off, &line, &col);
		if (line < 1 || col < 1 || col > off + 1)
			abort();
		return 0;
	}
	/* Inside one more array, valid unless that is one level too deep. */
	wrapped = malloc(size + 2);
	if (wrapped == NULL)
		return 0;
	wrapped[0] = '[';
	memcpy(wrapped + 1, buf, size);
	wrapped[size + 1] = ']';
	r = json_validate(wrapped, size + 2, &off, &why);
	if (r < 0 && strcmp(why, "nesting too deep") != 0)
		abort();
	free(wrapped);
	/* The writer takes it as a raw value, unchanged. */
	json_init(&j);
	json_arr_begin(&j);
	json_raw(&j, buf, size);
	json_arr_end(&j);
	if (json_finish(&j, &out, &len) != 0 || len != size + 2 ||
	    memcmp(out + 1, buf, size) != 0)
		abort();
	json_free(&j);
	return 0;
}
