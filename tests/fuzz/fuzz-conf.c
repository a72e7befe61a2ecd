/* fuzz-conf: the config parser on arbitrary bytes, then the printer, and
 * the printed text must parse again without diagnostics and print the same.
 * The schema has a custom compound type and section and whole-config
 * validators, and no diagnostic may hold a raw control byte. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "NAME ADDRESS": a compound value, as probes' "resolvers" will be. */
struct pair {
	char name[16];
	struct conf_addr addr;
};

static int pair_parse(const char *raw, void **out, char *msg, size_t msglen)
{
	const char *sp = strchr(raw, ' ');
	struct pair *p;
	size_t n = sp ? (size_t)(sp - raw) : 0;
	char a[INET6_ADDRSTRLEN];

	if (!sp || n == 0 || n >= sizeof(p->name) || strlen(sp + 1) >= sizeof(a)) {
		snprintf(msg, msglen, "is not 'NAME ADDRESS'");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p->name, raw, n);
	strcpy(a, sp + 1);
	if (strpbrk(p->name, " \t\"\\#;") || (unsigned char)p->name[0] < 0x21) {
		free(p);
		snprintf(msg, msglen, "has a bad name");
		return -EINVAL;
	}
	p->addr.family = inet_pton(AF_INET, a, &p->addr.u.v4) == 1 ? AF_INET :
			 inet_pton(AF_INET6, a, &p->addr.u.v6) == 1 ? AF_INET6 : 0;
	if (!p->addr.family) {
		free(p);
		snprintf(msg, msglen, "has no address");
		return -EINVAL;
	}
	for (n = 0; p->name[n]; n++)
		if ((unsigned char)p->name[n] < 0x20 || p->name[n] == 0x7f) {
			free(p);
			snprintf(msg, msglen, "has a control byte in its name");
			return -EINVAL;
		}
	*out = p;
	return 0;
}

static int pair_format(const void *v, char *buf, size_t len)
{
	const struct pair *p = v;
	char a[INET6_ADDRSTRLEN];
	int n;

	inet_ntop(p->addr.family, &p->addr.u, a, sizeof(a));
	n = snprintf(buf, len, "%s %s", p->name, a);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static const struct conf_custom_type pair_type = {
	.name = "pair", .parse = pair_parse, .format = pair_format, .free = free,
};

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
	{ .name = "durs", .type = CONF_DURATION, .flags = CONF_LIST, .max = 86400000 },
	{ .name = "pair", .type = CONF_CUSTOM, .custom = &pair_type },
	{ .name = "pairs", .type = CONF_CUSTOM, .custom = &pair_type, .flags = CONF_LIST },
	{ .name = "off", .type = CONF_DURATION, .min = 1000, .max = 60000,
	  .flags = CONF_ZERO_OFF },
};

/* Validators that report what they see, values and all. */
static int all_validate(const struct conf *conf, const struct conf_section *sec,
			struct conf_report *rep)
{
	char shown[CONF_SHOW_MAX];
	const char *s = conf_get_str(sec, "str");

	if (s && conf_is_set(sec, "pair"))
		conf_report(rep, sec, "str", "'%s' with a pair", conf_show(s, shown));
	if (conf_get_count(sec, "words") > 3)
		conf_report(rep, sec, NULL, "many words");
	return 0;
}

static int lines_validate(const struct conf *conf, struct conf_report *rep)
{
	const struct conf_section *a;
	const char *ifa;
	char shown[CONF_SHOW_MAX];

	for (a = conf_section_next(conf, "line", NULL); a; a = conf_section_next(conf, "line", a)) {
		ifa = conf_get_str(a, "interface");
		if (ifa && conf_section_find(conf, "opt", ifa))
			conf_report(rep, a, "interface", "'%s' is also an [opt]",
				    conf_show(ifa, shown));
	}
	return 0;
}
static const struct conf_key_def named_keys[] = {
	{ .name = "interface", .type = CONF_STR, .flags = CONF_REQUIRED },
	{ .name = "source", .type = CONF_PREFIX, .flags = CONF_LIST },
	{ .name = "rate", .type = CONF_RATE, .flags = CONF_LIST },
};
static const struct conf_section_def all_section = {
	.name = "all", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = all_keys, .nkeys = sizeof(all_keys) / sizeof(all_keys[0]),
	.validate = all_validate,
};
static const struct conf_section_def named_section = {
	.name = "line", .naming = CONF_NAME_REQUIRED,
	.keys = named_keys, .nkeys = sizeof(named_keys) / sizeof(named_keys[0]),
	.validate_config = lines_validate,
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
		sections[0] = &conf_node_section;
		sections[1] = &all_section;
		sections[2] = &named_section;
		sections[3] = &opt_section;
	}
	r = conf_load_buffer("fuzz.conf", (const char *)data, size, &opts, &a);
	if (r == -ENOMEM)
		return 0;
	for (i = 0; i < conf_diag_count(a); i++) {
		const char *d = conf_diag(a, i);
		if (!d)
			abort();
		/* Nothing raw reaches a terminal; values are cut. */
		for (; *d; d++)
			if ((unsigned char)*d < 0x20 || *d == 0x7f)
				abort();
		if (strlen(conf_diag(a, i)) > 8192)
			abort();
	}
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
