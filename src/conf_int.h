/* conf_int.h: what the config files (conf.c, conf_parse.c, conf_diag.c,
 * conf_print.c) share; not part of the API. */
#ifndef OUTPOST_CONF_INT_H
#define OUTPOST_CONF_INT_H

#include <stdarg.h>

#include "conf.h"

/* One key of one section: its values (several for a list). */
struct conf_entry {
	const char *file;  /* where it was first set; NULL: defaulted */
	unsigned line;
	size_t nvalues;
	struct conf_value *values;
	unsigned *lines;  /* of each value; 0: defaulted */
};

struct conf_section {
	const struct conf_section_def *def;
	size_t def_index;      /* position in the schema: canonical order */
	size_t index;          /* position in conf->sections; SIZE_MAX: defaults */
	char *name;
	const char *file;      /* NULL for a defaults-only section */
	unsigned line;
	struct conf_entry *entries;  /* def->nkeys, in schema order */
};

struct conf {
	const struct conf_schema *schema;
	struct conf_section **sections;
	size_t nsections;
	struct conf_section **defaults;  /* one per schema section */
	char **files;                    /* file names the entries point at */
	size_t nfiles;
	char **diags;
	size_t ndiags;
	bool diags_full;
	int read_error;  /* -errno when the top file could not be read */
	bool nomem;
	size_t files_read;  /* files and bytes read in this parse, bounded */
	size_t bytes_read;  /* by CONF_FILES_MAX and CONF_BYTES_MAX */
	bool bound_hit;     /* the bound was reported once */
};

/* What validators report through: the config being completed. */
struct conf_report {
	struct conf *conf;
};

/* conf_diag.c */

/* Record "FILE:LINE: [type "name"] key: message"; file NULL leaves out
 * the location, line 0 the line, type NULL the section, key NULL the key. */
void conf_diag_add(struct conf *conf, const char *file, unsigned line, const char *type,
		   const char *name, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* The candidate closest to word within Damerau-Levenshtein distance 2, or
 * NULL; name(ctx, i) gives the i-th of n candidates. */
const char *conf_suggest(const char *word, const char *(*name)(const void *ctx, size_t i),
			 const void *ctx, size_t n);

/* Append s to buf with the quoting and escapes the parser undoes, quoting
 * only when needed (always when force). Returns 0 or -ENOSPC. */
int conf_quote(const char *s, bool force, char *buf, size_t len);

/* conf_parse.c, conf_include.c */

#define INCLUDE_DEPTH 16  /* deeper nesting is reported */

struct parser {
	struct conf *conf;
	const struct conf_opts *opts;
	char *stack[INCLUDE_DEPTH];  /* real paths of the files being read */
	size_t depth;
};

/* The section keys go to; skip when its header was bad (keys unchecked). */
struct cursec {
	struct conf_section *sec;
	bool scratch;  /* a checked but discarded section (duplicate, ...) */
	bool skip;
};

/* Parse the lines of one file; 0. */
int conf_parse_text(struct parser *p, const char *file, const char *buf, size_t len);

/* Handle "include = ..." with its nitems NUL-separated patterns. */
void conf_include(struct parser *p, const char *file, unsigned line, const struct cursec *cur,
		  const char *items, int nitems);

/* Parse len bytes standing for file into conf; 0 or -ENOMEM. */
int conf_parse_buffer(struct conf *conf, const struct conf_opts *opts, const char *file,
		      const char *buf, size_t len);

/* Read and parse the file at path and its includes; 0 or -ENOMEM. */
int conf_parse_file(struct conf *conf, const struct conf_opts *opts, const char *path);

/* conf.c */

/* Intern a file name for the lifetime of conf; NULL on ENOMEM. */
const char *conf_intern_file(struct conf *conf, const char *file);

/* Create the section type/name at file:line, added to conf unless conf is
 * NULL (a detached scratch section); NULL on ENOMEM. */
struct conf_section *conf_section_add(struct conf *conf, const struct conf_section_def *def,
				      size_t def_index, const char *name, const char *file,
				      unsigned line);

/* Free a section and its values; NULL is fine. */
void conf_section_free(struct conf_section *sec);

/* Append a parsed value read at line (0: a default) to an entry, taking
 * what it owns; 0 or -ENOMEM. */
int conf_entry_push(struct conf_entry *e, struct conf_value *val, unsigned line);

#endif
