/* conf-helpers.h: what the config unit tests share: writing a file,
 * removing a test folder, and a load's diagnostics or canonical print as
 * one string. Include after tap.h. */
#ifndef OUTPOST_TEST_CONF_HELPERS_H
#define OUTPOST_TEST_CONF_HELPERS_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		bail_out("cannot write %s: %s", path, strerror(errno));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The diagnostics of a load, joined with newlines, for exact comparison. */
static char *diags(const struct conf *conf)
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
static char *print_str(const struct conf *conf)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (conf_print(conf, fp) < 0)
		bail_out("conf_print failed");
	fclose(fp);
	return buf;
}

#endif
