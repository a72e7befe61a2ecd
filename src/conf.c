/* conf.c: loading a config (then completing it: required keys, defaults,
 * canonical order) and reading values back. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

/* Intern a file name for the lifetime of conf. */
const char *conf_intern_file(struct conf *conf, const char *file)
{
	char **tmp, *dup;
	size_t i;

	for (i = 0; i < conf->nfiles; i++)
		if (strcmp(conf->files[i], file) == 0)
			return conf->files[i];
	tmp = reallocarray(conf->files, conf->nfiles + 1, sizeof(*tmp));
	if (!tmp)
		goto nomem;
	conf->files = tmp;
	dup = strdup(file);
	if (!dup)
		goto nomem;
	conf->files[conf->nfiles++] = dup;
	return dup;
nomem:
	conf->nomem = true;
	return NULL;
}

/* Free a section and its values; NULL is fine. */
void conf_section_free(struct conf_section *sec)
{
	size_t i, j;

	if (!sec)
		return;
	for (i = 0; sec->entries && i < sec->def->nkeys; i++) {
		for (j = 0; j < sec->entries[i].nvalues; j++)
			conf_value_clear(&sec->entries[i].values[j]);
		free(sec->entries[i].values);
		free(sec->entries[i].lines);
	}
	free(sec->entries);
	free(sec->name);
	free(sec);
}

/* Create a section, in conf or detached. */
struct conf_section *conf_section_add(struct conf *conf, const struct conf_section_def *def,
				      size_t def_index, const char *name, const char *file,
				      unsigned line)
{
	struct conf_section *sec, **tmp;

	sec = calloc(1, sizeof(*sec));
	if (!sec)
		return NULL;
	sec->def = def;
	sec->def_index = def_index;
	sec->index = SIZE_MAX;
	sec->file = file;
	sec->line = line;
	sec->entries = calloc(def->nkeys ? def->nkeys : 1, sizeof(*sec->entries));
	if (!sec->entries || (name && !(sec->name = strdup(name))))
		goto fail;
	if (conf) {
		tmp = reallocarray(conf->sections, conf->nsections + 1, sizeof(*tmp));
		if (!tmp)
			goto fail;
		conf->sections = tmp;
		conf->sections[conf->nsections++] = sec;
	}
	return sec;
fail:
	conf_section_free(sec);
	return NULL;
}

/* Append a parsed value to an entry. */
int conf_entry_push(struct conf_entry *e, struct conf_value *val, unsigned line)
{
	struct conf_value *tmp;
	unsigned *ltmp;

	ltmp = reallocarray(e->lines, e->nvalues + 1, sizeof(*ltmp));
	if (ltmp)
		e->lines = ltmp;
	tmp = ltmp ? reallocarray(e->values, e->nvalues + 1, sizeof(*tmp)) : NULL;
	if (!tmp) {
		conf_value_clear(val);
		return -ENOMEM;
	}
	e->values = tmp;
	e->lines[e->nvalues] = line;
	e->values[e->nvalues++] = *val;
	return 0;
}

/* Free a config and everything it owns. */
void conf_free(struct conf *conf)
{
	size_t i;

	if (!conf)
		return;
	for (i = 0; i < conf->nsections; i++)
		conf_section_free(conf->sections[i]);
	free(conf->sections);
	for (i = 0; conf->defaults && i < conf->schema->nsections; i++)
		conf_section_free(conf->defaults[i]);
	free(conf->defaults);
	for (i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	for (i = 0; i < conf->ndiags; i++)
		free(conf->diags[i]);
	free(conf->diags);
	free(conf);
}

static int fill_defaults(struct conf *conf, struct conf_section *sec)
{
	const struct conf_key_def *k;
	struct conf_value v;
	char text[256], msg[CONF_MSG_MAX];
	const char *def;
	size_t i;
	int r;

	for (i = 0; i < sec->def->nkeys; i++) {
		k = &sec->def->keys[i];
		if (sec->entries[i].nvalues)
			continue;
		def = k->def;
		if (k->def_fn) {
			if (k->def_fn(text, sizeof(text)) < 0)
				continue;
			def = text;
		}
		if (!def)
			continue;
		r = conf_value_parse(k, def, &v, msg, sizeof(msg));
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			/* A schema bug; the schema test catches it first. */
			conf_diag_add(conf, NULL, 0, sec->def->name, NULL, k->name,
				      "bad default: %s", msg);
			continue;
		}
		if (conf_entry_push(&sec->entries[i], &v, 0) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int cmp_section(const void *a, const void *b)
{
	const struct conf_section *x = *(struct conf_section *const *)a;
	const struct conf_section *y = *(struct conf_section *const *)b;

	if (x->def_index != y->def_index)
		return x->def_index < y->def_index ? -1 : 1;
	if (!x->name || !y->name)
		return !x->name - !y->name;
	return strcmp(x->name, y->name);
}

/* The subsystems' checks across keys, then across sections. They run on
 * a complete config (defaults in, canonical order) so they see what the
 * daemons will see. */
static int validate(struct conf *conf)
{
	const struct conf_schema *schema = conf->schema;
	const struct conf_section_def *def;
	struct conf_report rep = { .conf = conf };
	size_t i;

	for (i = 0; i < conf->nsections; i++) {
		def = conf->sections[i]->def;
		if (def->validate && def->validate(conf, conf->sections[i], &rep) == -ENOMEM)
			return -ENOMEM;
	}
	for (i = 0; i < schema->nsections; i++) {
		def = schema->sections[i];
		if (def->validate_config && def->validate_config(conf, &rep) == -ENOMEM)
			return -ENOMEM;
	}
	return conf->nomem ? -ENOMEM : 0;
}

/* Report at line of sec's key (0: the key's first line or the header). */
__attribute__((format(printf, 5, 0)))
static void vreport(struct conf_report *rep, const struct conf_section *sec, const char *key,
		    unsigned line, const char *fmt, va_list ap)
{
	struct conf *conf = rep->conf;
	const char *file = sec ? sec->file : NULL;
	char *msg;

	if (sec && key && conf_key_file(sec, key)) {
		file = conf_key_file(sec, key);
		if (!line)
			line = conf_key_line(sec, key);
	} else {
		line = sec ? sec->line : 0;
	}
	if (!file)
		file = conf->nfiles ? conf->files[0] : NULL;
	if (vasprintf(&msg, fmt, ap) < 0) {
		conf->nomem = true;
		return;
	}
	conf_diag_add(conf, file, line, sec ? sec->def->name : NULL, sec ? sec->name : NULL,
		      key, "%s", msg);
	free(msg);
}

/* Report a validator's finding at the key's line or the section header. */
void conf_report(struct conf_report *rep, const struct conf_section *sec, const char *key,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(rep, sec, key, 0, fmt, ap);
	va_end(ap);
}

/* Report a finding about the i-th value of a list key, at its own line. */
void conf_report_at(struct conf_report *rep, const struct conf_section *sec, const char *key,
		    size_t i, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(rep, sec, key, conf_key_line_at(sec, key, i), fmt, ap);
	va_end(ap);
}

/* After parsing: report missing required keys at their section header,
 * fill in defaults, put sections in canonical order. */
static int complete(struct conf *conf)
{
	const struct conf_schema *schema = conf->schema;
	struct conf_section *sec;
	size_t i, k;

	for (i = 0; i < conf->nsections; i++) {
		sec = conf->sections[i];
		for (k = 0; k < sec->def->nkeys; k++)
			if ((sec->def->keys[k].flags & CONF_REQUIRED) && !sec->entries[k].file)
				conf_diag_add(conf, sec->file, sec->line, sec->def->name,
					      sec->name, sec->def->keys[k].name,
					      "required key missing");
		if (fill_defaults(conf, sec) < 0)
			return -ENOMEM;
	}
	if (conf->nsections)
		qsort(conf->sections, conf->nsections, sizeof(*conf->sections), cmp_section);
	for (i = 0; i < conf->nsections; i++)
		conf->sections[i]->index = i;
	conf->defaults = calloc(schema->nsections ? schema->nsections : 1,
				sizeof(*conf->defaults));
	if (!conf->defaults)
		return -ENOMEM;
	for (i = 0; i < schema->nsections; i++) {
		conf->defaults[i] = conf_section_add(NULL, schema->sections[i], i, NULL, NULL, 0);
		if (!conf->defaults[i] || fill_defaults(conf, conf->defaults[i]) < 0)
			return -ENOMEM;
	}
	return validate(conf);
}

static int load(const char *path, const char *buf, size_t len, const struct conf_opts *opts,
		struct conf **confp)
{
	static const struct conf_opts none;
	struct conf *conf;
	int r;

	*confp = NULL;
	if (!opts)
		opts = &none;
	conf = calloc(1, sizeof(*conf));
	if (!conf)
		return -ENOMEM;
	conf->schema = opts->schema ? opts->schema : &conf_schema_libop;
	if (buf)
		r = conf_parse_buffer(conf, opts, path, buf, len);
	else
		r = conf_parse_file(conf, opts, path);
	if (r == 0 && !conf->nomem)
		r = complete(conf);
	if (r < 0 || conf->nomem) {
		conf_free(conf);
		return -ENOMEM;
	}
	*confp = conf;
	if (conf->read_error)
		return conf->read_error;
	return conf->ndiags ? -EINVAL : 0;
}

/* Load and check the file at path. */
int conf_load(const char *path, const struct conf_opts *opts, struct conf **confp)
{
	return load(path, NULL, 0, opts, confp);
}

/* Load and check a config held in memory. */
int conf_load_buffer(const char *name, const char *buf, size_t len,
		     const struct conf_opts *opts, struct conf **confp)
{
	return load(name, buf ? buf : "", buf ? len : 0, opts, confp);
}

/* Number of diagnostics. */
size_t conf_diag_count(const struct conf *conf)
{
	return conf ? conf->ndiags : 0;
}

/* The i-th diagnostic. */
const char *conf_diag(const struct conf *conf, size_t i)
{
	return conf && i < conf->ndiags ? conf->diags[i] : NULL;
}

/* Look up a section definition by name. */
const struct conf_section_def *conf_schema_section(const struct conf_schema *schema,
						   const char *name)
{
	size_t i;

	for (i = 0; i < schema->nsections; i++)
		if (strcmp(schema->sections[i]->name, name) == 0)
			return schema->sections[i];
	return NULL;
}

/* Look up a key definition by name. */
const struct conf_key_def *conf_schema_key(const struct conf_section_def *sdef,
					   const char *name)
{
	size_t i;

	for (i = 0; i < sdef->nkeys; i++)
		if (strcmp(sdef->keys[i].name, name) == 0)
			return &sdef->keys[i];
	return NULL;
}

static bool name_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The section as written in the file, or NULL. */
const struct conf_section *conf_section_find(const struct conf *conf, const char *type,
					     const char *name)
{
	size_t i;

	for (i = 0; conf && i < conf->nsections; i++)
		if (strcmp(conf->sections[i]->def->name, type) == 0 &&
		    name_eq(conf->sections[i]->name, name))
			return conf->sections[i];
	return NULL;
}

/* The section, or its type's defaults. */
const struct conf_section *conf_section_get(const struct conf *conf, const char *type,
					    const char *name)
{
	const struct conf_section *sec = conf_section_find(conf, type, name);
	size_t i;

	if (sec || !conf)
		return sec;
	for (i = 0; i < conf->schema->nsections; i++)
		if (strcmp(conf->schema->sections[i]->name, type) == 0)
			return conf->defaults[i];
	return NULL;
}

/* The next section of a type after prev. */
const struct conf_section *conf_section_next(const struct conf *conf, const char *type,
					     const struct conf_section *prev)
{
	size_t i = prev && prev->index != SIZE_MAX ? prev->index + 1 : 0;

	if (prev && prev->index == SIZE_MAX)
		return NULL;
	for (; conf && i < conf->nsections; i++)
		if (strcmp(conf->sections[i]->def->name, type) == 0)
			return conf->sections[i];
	return NULL;
}

/* The section's name, NULL for an unnamed one. */
const char *conf_section_name(const struct conf_section *sec)
{
	return sec ? sec->name : NULL;
}

/* The section's type, e.g. "line". */
const char *conf_section_type(const struct conf_section *sec)
{
	return sec ? sec->def->name : NULL;
}

/* The file holding the section header; NULL for defaults. */
const char *conf_section_file(const struct conf_section *sec)
{
	return sec ? sec->file : NULL;
}

/* The line of the section header; 0 for defaults. */
unsigned conf_section_line(const struct conf_section *sec)
{
	return sec ? sec->line : 0;
}

#ifdef OUTPOST_DEBUG
#define CONF_ASSERT_KEYS 1
#else
#define CONF_ASSERT_KEYS 0
#endif

static const struct conf_entry *entry(const struct conf_section *sec, const char *key)
{
	size_t i;

	if (!sec)
		return NULL;
	for (i = 0; i < sec->def->nkeys; i++)
		if (strcmp(sec->def->keys[i].name, key) == 0)
			return &sec->entries[i];
	if (CONF_ASSERT_KEYS) {
		/* A typo in a key name would read as "not set" forever: the
		 * one place libop prints, since it is a bug in the caller. */
		fprintf(stderr, "conf: [%s] has no key '%s' in its schema\n", sec->def->name,
			key);
		abort();
	}
	return NULL;
}

/* The file that (first) set key, or NULL. */
const char *conf_key_file(const struct conf_section *sec, const char *key)
{
	const struct conf_entry *e = entry(sec, key);

	return e ? e->file : NULL;
}

/* The line that (first) set key, or 0. */
unsigned conf_key_line(const struct conf_section *sec, const char *key)
{
	const struct conf_entry *e = entry(sec, key);

	return e && e->file ? e->line : 0;
}

/* The line of the i-th value of key, or 0. */
unsigned conf_key_line_at(const struct conf_section *sec, const char *key, size_t i)
{
	const struct conf_entry *e = entry(sec, key);

	return e && i < e->nvalues ? e->lines[i] : 0;
}

/* Whether key was set in the file. */
bool conf_is_set(const struct conf_section *sec, const char *key)
{
	const struct conf_entry *e = entry(sec, key);

	return e && e->file && e->nvalues;
}

/* Number of values of key. */
size_t conf_get_count(const struct conf_section *sec, const char *key)
{
	const struct conf_entry *e = entry(sec, key);

	return e ? e->nvalues : 0;
}

/* The i-th value of key. */
const struct conf_value *conf_get_at(const struct conf_section *sec, const char *key, size_t i)
{
	const struct conf_entry *e = entry(sec, key);

	return e && i < e->nvalues ? &e->values[i] : NULL;
}

static const struct conf_value *first(const struct conf_section *sec, const char *key,
				      enum conf_type type)
{
	const struct conf_value *v = conf_get_at(sec, key, 0);

	return v && v->type == type ? v : NULL;
}

/* The string value of key, or its default. */
const char *conf_get_str(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_STR);

	return v ? v->v.str : NULL;
}

/* The integer value of key, or its default. */
uint64_t conf_get_u64(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_INT);

	return v ? v->v.u64 : 0;
}

/* The boolean value of key, or its default. */
bool conf_get_bool(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_BOOL);

	return v ? v->v.b : false;
}

/* The duration value of key in milliseconds, or its default. */
uint64_t conf_get_duration_ms(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_DURATION);

	return v ? v->v.u64 : 0;
}

/* The rate value of key in bits per second, or its default. */
uint64_t conf_get_rate(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_RATE);

	return v ? v->v.u64 : 0;
}

/* The size value of key in bytes, or its default. */
uint64_t conf_get_size(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_SIZE);

	return v ? v->v.u64 : 0;
}

/* The address value of key, or its default. */
const struct conf_addr *conf_get_addr(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_ADDR);

	return v ? &v->v.addr : NULL;
}

/* The prefix value of key, or its default. */
const struct conf_prefix *conf_get_prefix(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_PREFIX);

	return v ? &v->v.prefix : NULL;
}

/* The custom value of key, or its default. */
const void *conf_get_custom(const struct conf_section *sec, const char *key)
{
	const struct conf_value *v = first(sec, key, CONF_CUSTOM);

	return v ? v->v.custom : NULL;
}

/* Check a section table for what the loader cannot report. */
int conf_schema_verify(const struct conf_section_def *sdef, char *msg, size_t msglen)
{
	const struct conf_key_def *k;
	struct conf_value v;
	char pmsg[CONF_MSG_MAX];
	size_t i, j;
	int r;

	for (i = 0; i < sdef->nkeys; i++) {
		k = &sdef->keys[i];
		for (j = 0; j < i; j++) {
			if (strcmp(sdef->keys[j].name, k->name) == 0) {
				snprintf(msg, msglen, "[%s] %s: defined twice", sdef->name,
					 k->name);
				return -EINVAL;
			}
		}
		if (k->type == CONF_DURATION && !k->max) {
			snprintf(msg, msglen, "[%s] %s: a duration needs a max", sdef->name,
				 k->name);
			return -EINVAL;
		}
		if (k->max && k->min > k->max) {
			snprintf(msg, msglen, "[%s] %s: min is above max", sdef->name, k->name);
			return -EINVAL;
		}
		if (k->type == CONF_CUSTOM &&
		    (!k->custom || !k->custom->parse || !k->custom->format)) {
			snprintf(msg, msglen, "[%s] %s: a custom key needs parse and format",
				 sdef->name, k->name);
			return -EINVAL;
		}
		if (!k->def)
			continue;
		r = conf_value_parse(k, k->def, &v, pmsg, sizeof(pmsg));
		if (r < 0) {
			snprintf(msg, msglen, "[%s] %s: bad default: %s", sdef->name, k->name,
				 r == -ENOMEM ? "out of memory" : pmsg);
			return r == -ENOMEM ? r : -EINVAL;
		}
		conf_value_clear(&v);
	}
	return 0;
}
