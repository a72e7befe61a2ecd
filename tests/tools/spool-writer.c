/* spool-writer: emit numbered test events into a spool, for test-spool.
 *
 * usage: spool-writer DIR WRITER-ID COUNT [MAX-BYTES [PAD-BYTES]]
 * Event i (from 0) is kind "test", name "w<ID>", data
 * {"w":ID,"i":i,"pad":"xxx..."}. COUNT 0 emits until killed; a large PAD
 * makes each write slow enough to be killed in the middle of it. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "spool.h"

int main(int argc, char **argv)
{
	struct spool_opts o = { .node = "test-node", .region = "test-region" };
	struct spool *sp = NULL;
	unsigned long id, count, i, pad = 0;
	char name[32], *padding = NULL;
	struct json j;
	const char *text;
	int r = 1, e;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: spool-writer DIR WRITER-ID COUNT [MAX-BYTES [PAD-BYTES]]\n");
		return 2;
	}
	o.dir = argv[1];
	id = strtoul(argv[2], NULL, 10);
	count = strtoul(argv[3], NULL, 10);
	if (argc > 4)
		o.max_bytes = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		pad = strtoul(argv[5], NULL, 10);
	padding = malloc(pad + 1);
	if (padding == NULL)
		return 1;
	memset(padding, 'x', pad);
	padding[pad] = '\0';
	snprintf(name, sizeof(name), "w%lu", id);
	json_init(&j);
	e = spool_open(&sp, &o);
	if (e < 0) {
		fprintf(stderr, "spool-writer: %s: %s\n", o.dir, strerror(-e));
		goto out;
	}
	for (i = 0; count == 0 || i < count; i++) {
		json_reset(&j);
		json_obj_begin(&j);
		json_kv_uint(&j, "w", id);
		json_kv_uint(&j, "i", i);
		json_kv_str(&j, "pad", padding);
		json_obj_end(&j);
		e = json_finish(&j, &text, NULL);
		if (e == 0)
			e = spool_emit(sp, "test", name, text, NULL);
		if (e < 0) {
			fprintf(stderr, "spool-writer: emit %lu: %s\n", i, strerror(-e));
			goto out;
		}
	}
	r = 0;
out:
	json_free(&j);
	spool_close(sp);
	free(padding);
	return r;
}
