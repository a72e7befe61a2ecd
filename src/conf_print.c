/* conf_print.c: the canonical text of a config, which parses back to the
 * same config. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

static int print_value(const struct conf_key_def *k, const struct conf_value *v, FILE *fp)
{
	char text[512], *quoted = NULL;
	size_t qlen;
	int r = 0;

	if (v->type == CONF_STR) {
		qlen = 2 * strlen(v->v.str) + 3;
		quoted = malloc(qlen);
		if (!quoted)
			return -ENOMEM;
		r = conf_quote(v->v.str, false, quoted, qlen);
		if (r == 0)
			fprintf(fp, "%s = %s\n", k->name, quoted);
		free(quoted);
		return r;
	}
	r = conf_value_format(v, k->flags, text, sizeof(text));
	if (r == 0 && v->type == CONF_CUSTOM) {
		/* Compound values hold spaces and may hold '#': quote them
		 * as a string would be. */
		qlen = 2 * strlen(text) + 3;
		quoted = malloc(qlen);
		if (!quoted)
			return -ENOMEM;
		r = conf_quote(text, false, quoted, qlen);
		if (r == 0)
			fprintf(fp, "%s = %s\n", k->name, quoted);
		free(quoted);
		return r;
	}
	if (r == 0)
		fprintf(fp, "%s = %s\n", k->name, text);
	return r;
}

static int print_section(const struct conf_section *sec, FILE *fp)
{
	const struct conf_entry *e;
	char *qname;
	size_t i, j, qlen;
	int r;

	if (sec->name) {
		qlen = 2 * strlen(sec->name) + 3;
		qname = malloc(qlen);
		if (!qname)
			return -ENOMEM;
		conf_quote(sec->name, true, qname, qlen);
		fprintf(fp, "[%s %s]\n", sec->def->name, qname);
		free(qname);
	} else {
		fprintf(fp, "[%s]\n", sec->def->name);
	}
	for (i = 0; i < sec->def->nkeys; i++) {
		e = &sec->entries[i];
		if (!e->file)
			continue;  /* defaulted */
		for (j = 0; j < e->nvalues; j++) {
			r = print_value(&sec->def->keys[i], &e->values[j], fp);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Write the config in canonical form. */
int conf_print(const struct conf *conf, FILE *fp)
{
	size_t i;
	int r;

	for (i = 0; conf && i < conf->nsections; i++) {
		if (i)
			fputc('\n', fp);
		r = print_section(conf->sections[i], fp);
		if (r < 0)
			return r;
	}
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -EIO;
}
