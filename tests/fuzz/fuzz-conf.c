/* fuzz-conf: the config parser on arbitrary bytes, then the printer, and
 * the printed text must parse again without diagnostics and print the same. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_to_string(const struct conf *conf, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	if (!fp)
		abort();
	if (conf_print(conf, fp) < 0)
		abort();
	fclose(fp);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_opts opts = { .no_include = true };
	struct conf *a = NULL, *b = NULL;
	char *pa = NULL, *pb = NULL;
	size_t la = 0, lb = 0, i;
	int r;

	r = conf_load_buffer("fuzz.conf", (const char *)data, size, &opts, &a);
	if (r == -ENOMEM)
		return 0;
	for (i = 0; i < conf_diag_count(a); i++)
		if (!conf_diag(a, i))
			abort();
	/* Whatever parsed cleanly must round-trip exactly. */
	if (r == 0) {
		pa = print_to_string(a, &la);
		r = conf_load_buffer("printed.conf", pa, la, &opts, &b);
		if (r != 0)
			abort();
		pb = print_to_string(b, &lb);
		if (la != lb || memcmp(pa, pb, la) != 0)
			abort();
	}
	free(pa);
	free(pb);
	conf_free(a);
	conf_free(b);
	return 0;
}
