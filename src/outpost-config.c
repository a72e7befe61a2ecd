/* outpost-config: check, print and describe outpost.conf(5). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "version.h"

static const char *prog = "outpost-config";

/* Every subsystem's sections, linked in through $(LIBOPSCHEMA). */
static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

static void usage(FILE *fp)
{
	fprintf(fp, "usage: %s [-hVv] [-f file] check | print | keys\n", prog);
}

/* Load the file, printing diagnostics; NULL when it has any. */
static struct conf *load(const char *path)
{
	struct conf *conf = NULL;
	int r;

	r = conf_load(path, &conf_opts, &conf);
	if (r == -ENOMEM) {
		fprintf(stderr, "%s: %s\n", prog, strerror(ENOMEM));
		return NULL;
	}
	cli_print_diags(conf, stderr);
	if (r < 0) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

static void print_default(const struct conf_key_def *k, char *buf, size_t len)
{
	struct conf_value b = { .type = k->type };
	char lo[64] = "", hi[64] = "";
	size_t o = 0;

	buf[0] = '\0';
	if (k->flags & CONF_REQUIRED)
		o += (size_t)snprintf(buf + o, len - o, "required");
	else if (k->def_fn && k->def_doc)
		o += (size_t)snprintf(buf + o, len - o, "default: %s", k->def_doc);
	else if (k->def)
		o += (size_t)snprintf(buf + o, len - o, "default: %s", k->def);
	if (o >= len)
		return;
	if (k->type == CONF_STR || k->type == CONF_BOOL || k->type == CONF_ADDR ||
	    k->type == CONF_PREFIX || k->type == CONF_CUSTOM)
		return;
	if (k->min) {
		b.v.u64 = k->min;
		conf_value_format(&b, k->flags, lo, sizeof(lo));
		o += (size_t)snprintf(buf + o, len - o, "%smin %s%s", o ? ", " : "", lo,
				      k->flags & CONF_ZERO_OFF ? " (or 0: off)" : "");
	}
	if (o < len && k->max) {
		b.v.u64 = k->max;
		conf_value_format(&b, k->flags, hi, sizeof(hi));
		snprintf(buf + o, len - o, "%smax %s", o ? ", " : "", hi);
	}
}

/* Every section and key with type, default and help, for the docs. */
static void keys(void)
{
	const struct conf_schema *s = &conf_schema_outpost;
	const struct conf_section_def *sd;
	const struct conf_key_def *k;
	char type[32], dflt[160];
	size_t i, j;

	for (i = 0; i < s->nsections; i++) {
		sd = s->sections[i];
		if (i)
			putchar('\n');
		printf("[%s%s]%*s%s%s\n", sd->name,
		       sd->naming == CONF_NAME_REQUIRED ? " \"NAME\"" :
		       sd->naming == CONF_NAME_OPTIONAL ? " [\"NAME\"]" : "", 4, "",
		       sd->help ? sd->help : "", sd->unique ? " (at most one)" : "");
		for (j = 0; j < sd->nkeys; j++) {
			k = &sd->keys[j];
			snprintf(type, sizeof(type), "%s%s", k->flags & CONF_LIST ? "list of " : "",
				 k->type == CONF_CUSTOM && k->custom ? k->custom->name :
				 conf_type_name(k->type));
			print_default(k, dflt, sizeof(dflt));
			printf("  %-14s %-16s %-30s %s\n", k->name, type, dflt,
			       k->help ? k->help : "");
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		CLI_CONFIG_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CLI_DEFAULT_CONFIG, *cmd;
	struct conf *conf;
	int c, verbose = 0, r;

	prog = cli_progname(argv[0]);
	while ((c = getopt_long(argc, argv, "f:hVv", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case CLI_OPT_CONFIG:
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s\n", op_version());
			return 0;
		case 'v':
			verbose++;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "keys") == 0) {
		keys();
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "print") != 0) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
		usage(stderr);
		return 2;
	}
	conf = load(path);
	if (!conf)
		return 1;
	if (strcmp(cmd, "print") == 0)
		r = conf_print(conf, stdout);
	else
		r = verbose ? (printf("%s: ok\n", path) < 0 ? -EIO : 0) : 0;
	conf_free(conf);
	if (r < 0) {
		fprintf(stderr, "%s: cannot write: %s\n", prog, strerror(-r));
		return 1;
	}
	return 0;
}
