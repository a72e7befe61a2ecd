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

/* Outpost's [node] plus sections with every type, flag and naming rule, so
 * every value parser and formatter is in the round trip. */
static const struct conf_key_def all_keys[] = {
	{ .name = "str", .type = CONF_STR },
	{ .name = "int", .type = CONF_INT, .min = 1, .max = 1000 },
	{ .name = "mark", .type = CONF_INT, .flags = CONF_HEX },
	{ .name = "flag", .type = CONF_BOOL, .def = "yes" },
	{ .name = "dur", .type = CONF_DURATION, .max = 86400000 },
	{ .name = "rate", .type = CONF_RATE },
	{ .name = "size", .type = CONF_SIZE, .min = 1024 },
	{ .name = "addr", .type = CONF_ADDR },
	{ .name = "prefix", .type = CONF_PREFIX },
	{ .name = "words", .type = CONF_STR, .flags = CONF_LIST },
	{ .name = "nets", .type = CONF_PREFIX, .flags = CONF_LIST },
	{ .name = "durs", .type = CONF_DURATION, .flags = CONF_LIST },
};
static const struct conf_key_def named_keys[] = {
	{ .name = "interface", .type = CONF_STR, .flags = CONF_REQUIRED },
	{ .name = "source", .type = CONF_PREFIX, .flags = CONF_LIST },
	{ .name = "rate", .type = CONF_RATE, .flags = CONF_LIST },
};
static const struct conf_section_def all_section = {
	.name = "all", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = all_keys, .nkeys = sizeof(all_keys) / sizeof(all_keys[0]),
};
static const struct conf_section_def named_section = {
	.name = "line", .naming = CONF_NAME_REQUIRED,
	.keys = named_keys, .nkeys = sizeof(named_keys) / sizeof(named_keys[0]),
};
static const struct conf_section_def opt_section = {
	.name = "opt", .naming = CONF_NAME_OPTIONAL,
	.keys = named_keys, .nkeys = sizeof(named_keys) / sizeof(named_keys[0]),
};
static const struct conf_section_def *sections[4];
static struct conf_schema schema = { sections, 4 };

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
	static const struct conf_opts opts = { .schema = &schema, .no_include = true };
	struct conf *a = NULL, *b = NULL;
	char *pa = NULL, *pb = NULL;
	size_t la = 0, lb = 0, i;
	int r;

	if (!sections[0]) {
		sections[0] = conf_schema_section(&conf_schema_outpost, "node");
		sections[1] = &all_section;
		sections[2] = &named_section;
		sections[3] = &opt_section;
	}
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
