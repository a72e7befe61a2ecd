/* conf-helpers.h: what the config unit tests share: writing a file,
 * removing a test folder, a load's diagnostics or canonical print as one
 * string, and a load checked against the exact diagnostics it must give.
 * Include after tap.h. */
#ifndef OUTPOST_TEST_CONF_HELPERS_H
#define OUTPOST_TEST_CONF_HELPERS_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"

static inline void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		bail_out("cannot write %s: %s", path, strerror(errno));
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The diagnostics of a load, joined with newlines, for exact comparison. */
static inline char *diags(const struct conf *conf)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	for (i = 0; i < conf_diag_count(conf); i++)
		fprintf(fp, "%s%s", i ? "\n" : "", conf_diag(conf, i));
	fclose(fp);
	return buf;
}

/* conf_print() into a string. */
static inline char *print_str(const struct conf *conf)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (conf_print(conf, fp) < 0)
		bail_out("conf_print failed");
	fclose(fp);
	return buf;
}

/* Load text with opts and compare every diagnostic, joined by newlines
 * ("" for a clean load, which must then return 0). */
static inline void expect_diags(const struct conf_opts *opts, const char *text, const char *want,
				const char *name)
{
	struct conf *conf = NULL;
	char *got;
	int r;

	r = conf_load_buffer("a.conf", text, strlen(text), opts, &conf);
	got = diags(conf);
	is_str(got, want, "%s", name);
	is_int(r, *want ? -EINVAL : 0, "%s: return value", name);
	free(got);
	conf_free(conf);
}

#endif
