/* conf_parse.c: the line parser, checked against the schema as it goes.
 * Every problem becomes a diagnostic and parsing goes on, so one run
 * reports everything wrong with a file. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static const char *skip_ws(const char *s)
{
	while (is_ws(*s))
		s++;
	return s;
}

/* Leave the current section; a scratch one was only there for checking. */
static void cur_leave(struct cursec *cur)
{
	if (cur->scratch)
		conf_section_free(cur->sec);
	memset(cur, 0, sizeof(*cur));
}

/* "line 3" in the same file, "other.conf:3" in another. */
static const char *where(char *buf, size_t len, const char *file, unsigned line,
			 const char *here)
{
	if (here && strcmp(file, here) == 0)
		snprintf(buf, len, "line %u", line);
	else
		snprintf(buf, len, "%s:%u", file, line);
	return buf;
}

/* Read a quoted string starting after its opening quote into out (as
 * long as s); returns the position after the closing quote or NULL. */
static const char *unquote(const char *s, char *out, size_t *olen)
{
	for (; *s; s++) {
		if (*s == '"')
			return s + 1;
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		else if (*s == '\\' && !s[1])
			return NULL;
		out[(*olen)++] = *s;
	}
	return NULL;
}

/* Split a value into the whole text (quotes removed, inner whitespace
 * kept) and its whitespace-separated items. A comment starts at '#' or
 * ';' at the start or after whitespace, outside quotes. Returns the item
 * count (0: empty value) or -1 on an unterminated quote. */
static int lex_value(const char *s, char *whole, char *items)
{
	size_t wl = 0, il = 0;
	const char *ws = NULL;
	int n = 0;
	bool in_item = false;

	for (;;) {
		if (!*s)
			break;
		if (is_ws(*s)) {
			if (!ws)
				ws = s;
			if (in_item) {
				items[il++] = '\0';
				in_item = false;
			}
			s++;
			continue;
		}
		if ((*s == '#' || *s == ';') && (n == 0 || ws))
			break;
		if (ws && n > 0) {
			memcpy(whole + wl, ws, (size_t)(s - ws));
			wl += (size_t)(s - ws);
		}
		ws = NULL;
		if (!in_item) {
			in_item = true;
			n++;
		}
		if (*s == '"') {
			size_t before = wl;
			s = unquote(s + 1, whole, &wl);
			if (!s)
				return -1;
			memcpy(items + il, whole + before, wl - before);
			il += wl - before;
			continue;
		}
		whole[wl++] = *s;
		items[il++] = *s;
		s++;
	}
	whole[wl] = '\0';
	if (in_item)
		items[il] = '\0';
	return n;
}

static struct conf_section *section_find(struct conf *conf, const struct conf_section_def *def,
					 const char *name, bool any_name)
{
	size_t i;

	for (i = 0; i < conf->nsections; i++) {
		struct conf_section *s = conf->sections[i];
		if (s->def != def)
			continue;
		if (any_name || (!s->name && !name) ||
		    (s->name && name && strcmp(s->name, name) == 0))
			return s;
	}
	return NULL;
}

static const char *section_name_at(const void *ctx, size_t i)
{
	return ((const struct conf_schema *)ctx)->sections[i]->name;
}

static const char *key_name_at(const void *ctx, size_t i)
{
	return ((const struct conf_section_def *)ctx)->keys[i].name;
}

static void header(struct parser *p, const char *file, unsigned line, const char *s,
		   struct cursec *cur)
{
	struct conf *conf = p->conf;
	const struct conf_schema *schema = conf->schema;
	const struct conf_section_def *def = NULL;
	const struct conf_section *first;
	const char *q = skip_ws(s + 1), *start, *sugg, *problem = NULL;
	char *type = NULL, *name = NULL, at[PATH_MAX + 32], sh[CONF_SHOW_MAX];
	size_t nlen = 0, di;

	cur_leave(cur);
	cur->skip = true;
	for (start = q; is_name_char(*q); q++)
		;
	type = strndup(start, (size_t)(q - start));
	if (!type)
		goto nomem;
	q = skip_ws(q);
	if (*q == '"') {
		name = malloc(strlen(q) + 1);
		if (!name)
			goto nomem;
		q = unquote(q + 1, name, &nlen);
		if (!q) {
			conf_diag_add(conf, file, line, NULL, NULL, NULL,
				      "syntax error: unterminated quote in '%s'", conf_show(s, sh));
			goto out;
		}
		name[nlen] = '\0';
		q = skip_ws(q);
	}
	if (*q != ']') {
		conf_diag_add(conf, file, line, NULL, NULL, NULL,
			      strchr(q, ']') ? "syntax error: invalid section header '%s'" :
					       "syntax error: missing ']' in '%s'", conf_show(s, sh));
		goto out;
	}
	q = skip_ws(q + 1);
	if (*q && *q != '#' && *q != ';') {
		conf_diag_add(conf, file, line, NULL, NULL, NULL,
			      "syntax error: unexpected '%s' after ']'", conf_show(q, sh));
		goto out;
	}
	if (!*type || (name && !*name)) {
		conf_diag_add(conf, file, line, NULL, NULL, NULL,
			      "syntax error: invalid section header '%s'", conf_show(s, sh));
		goto out;
	}
	for (di = 0; di < schema->nsections; di++)
		if (strcmp(schema->sections[di]->name, type) == 0)
			break;
	if (di == schema->nsections) {
		sugg = conf_suggest(type, section_name_at, schema, schema->nsections);
		if (sugg)
			conf_diag_add(conf, file, line, type, name, NULL,
				      "unknown section, did you mean '%s'?", sugg);
		else
			conf_diag_add(conf, file, line, type, name, NULL, "unknown section");
		goto out;
	}
	def = schema->sections[di];
	if (def->naming == CONF_NAME_FORBIDDEN && name) {
		conf_diag_add(conf, file, line, type, name, NULL,
			      "section takes no name, write [%s]", type);
		problem = "";
	} else if (def->naming == CONF_NAME_REQUIRED && !name) {
		conf_diag_add(conf, file, line, type, NULL, NULL,
			      "section needs a name, e.g. [%s \"name\"]", type);
		problem = "";
	} else if ((first = section_find(conf, def, name, false))) {
		conf_diag_add(conf, file, line, type, name, NULL, "duplicate section, first at %s",
			      where(at, sizeof(at), first->file, first->line, file));
		problem = "";
	} else if (def->unique && (first = section_find(conf, def, NULL, true))) {
		conf_diag_add(conf, file, line, type, name, NULL,
			      "only one [%s] section is allowed, first at %s", type,
			      where(at, sizeof(at), first->file, first->line, file));
		problem = "";
	}
	/* A bad header still gets its keys checked, into a scratch section. */
	cur->sec = conf_section_add(problem ? NULL : conf, def, di, name, file, line);
	if (!cur->sec)
		goto nomem;
	cur->scratch = problem != NULL;
	cur->skip = false;
	goto out;
nomem:
	conf->nomem = true;
out:
	free(type);
	free(name);
}

static void store(struct parser *p, const char *file, unsigned line, struct cursec *cur,
		  const char *key, const char *whole, const char *items, int nitems)
{
	struct conf *conf = p->conf;
	struct conf_section *sec = cur->sec;
	const struct conf_key_def *kdef = NULL;
	struct conf_entry *e;
	struct conf_value v;
	char msg[CONF_MSG_MAX + PATH_MAX], at[PATH_MAX + 32], sh[CONF_SHOW_MAX];
	const char *sugg, *it;
	size_t ki;
	int k, r;

	for (ki = 0; ki < sec->def->nkeys; ki++)
		if (strcmp(sec->def->keys[ki].name, key) == 0)
			break;
	if (ki == sec->def->nkeys) {
		sugg = conf_suggest(key, key_name_at, sec->def, sec->def->nkeys);
		if (sugg)
			conf_diag_add(conf, file, line, sec->def->name, sec->name, key,
				      "unknown key, did you mean '%s'?", sugg);
		else
			conf_diag_add(conf, file, line, sec->def->name, sec->name, key,
				      "unknown key");
		return;
	}
	kdef = &sec->def->keys[ki];
	e = &sec->entries[ki];
	if (e->file && !(kdef->flags & CONF_LIST)) {
		conf_diag_add(conf, file, line, sec->def->name, sec->name, key,
			      "'%s' repeats a key that is not a list, first set at %s",
			      conf_show(whole, sh),
			      where(at, sizeof(at), e->file, e->line, file));
		return;
	}
	if (!e->file) {
		e->file = file;
		e->line = line;
	}
	if (!(kdef->flags & CONF_LIST)) {
		items = whole;
		nitems = 1;
	}
	for (k = 0, it = items; k < nitems; k++, it += strlen(it) + 1) {
		r = conf_value_parse(kdef, it, &v, msg, sizeof(msg));
		if (r == -EINVAL)
			conf_diag_add(conf, file, line, sec->def->name, sec->name, key, "%s", msg);
		else if (r < 0 || conf_entry_push(e, &v, line) < 0)
			conf->nomem = true;
	}
}

static void key_line(struct parser *p, const char *file, unsigned line, const char *s,
		     struct cursec *cur)
{
	struct conf *conf = p->conf;
	const char *type = cur->sec ? cur->sec->def->name : NULL;
	const char *name = cur->sec ? cur->sec->name : NULL;
	const char *eq = strchr(s, '='), *k, *v;
	char *key = NULL, *whole = NULL, *items = NULL, sh[CONF_SHOW_MAX];
	size_t klen;
	int n;

	if (!eq) {
		conf_diag_add(conf, file, line, type, name, NULL,
			      "syntax error: expected 'key = value' but found '%s'",
			      conf_show(s, sh));
		return;
	}
	for (klen = (size_t)(eq - s); klen && is_ws(s[klen - 1]); klen--)
		;
	key = strndup(s, klen);
	v = skip_ws(eq + 1);
	whole = malloc(strlen(v) + 1);
	items = malloc(strlen(v) + 1);
	if (!key || !whole || !items) {
		conf->nomem = true;
		goto out;
	}
	for (k = key; *k && (is_name_char(*k) && *k != '.'); k++)
		;
	if (!klen || *k) {
		conf_diag_add(conf, file, line, type, name, NULL,
			      "syntax error: invalid key name '%s'", conf_show(key, sh));
		goto out;
	}
	n = lex_value(v, whole, items);
	if (n < 0) {
		conf_diag_add(conf, file, line, type, name, key,
			      "syntax error: unterminated quote in '%s'", conf_show(v, sh));
		goto out;
	}
	if (n == 0) {
		conf_diag_add(conf, file, line, type, name, key, "empty value");
		goto out;
	}
	if (strcmp(key, "include") == 0)
		conf_include(p, file, line, cur, items, n);
	else if (cur->skip)
		;  /* the header was reported; its keys cannot be checked */
	else if (!cur->sec)
		conf_diag_add(conf, file, line, NULL, NULL, key,
			      "key outside of any section");
	else
		store(p, file, line, cur, key, whole, items, n);
out:
	free(key);
	free(whole);
	free(items);
}

/* Parse the lines of one file (or buffer); includes recurse into here. */
int conf_parse_text(struct parser *p, const char *file, const char *buf, size_t len)
{
	struct cursec cur = { 0 };
	const char *end = buf + len, *nl, *s;
	char *ln = NULL, *tmp;
	size_t cap = 0, n;
	unsigned line = 0;

	if (!len)
		return 0;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		/* Editors on Windows add one; it would make the first line
		 * an unknown section or key with invisible bytes. */
		conf_diag_add(p->conf, file, 1, NULL, NULL, NULL,
			      "starts with a UTF-8 byte order mark; save it without one");
		buf += 3;
	}
	if (memchr(buf, '\r', (size_t)(end - buf)) && !memchr(buf, '\n', (size_t)(end - buf))) {
		/* Read as one long line it would give one confusing error. */
		conf_diag_add(p->conf, file, 0, NULL, NULL, NULL,
			      "uses CR-only line ends (old Mac); convert to LF");
		return 0;
	}
	while (buf < end && !p->conf->diags_full && !p->conf->nomem) {
		line++;
		nl = memchr(buf, '\n', (size_t)(end - buf));
		n = (size_t)((nl ? nl : end) - buf);
		if (n + 1 > cap) {
			tmp = realloc(ln, n + 1);
			if (!tmp) {
				p->conf->nomem = true;
				break;
			}
			ln = tmp;
			cap = n + 1;
		}
		memcpy(ln, buf, n);
		ln[n] = '\0';
		buf += n + (nl ? 1 : 0);
		if (strlen(ln) != n) {
			conf_diag_add(p->conf, file, line, NULL, NULL, NULL,
				      "syntax error: line holds a NUL byte");
			continue;
		}
		while (n && (is_ws(ln[n - 1]) || ln[n - 1] == '\r'))
			ln[--n] = '\0';
		s = skip_ws(ln);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[')
			header(p, file, line, s, &cur);
		else
			key_line(p, file, line, s, &cur);
	}
	cur_leave(&cur);
	free(ln);
	return 0;
}

/* Parse a file's bytes; the file was read by the caller (or is a buffer). */
int conf_parse_buffer(struct conf *conf, const struct conf_opts *opts, const char *file,
		      const char *buf, size_t len)
{
	struct parser p = { .conf = conf, .opts = opts };
	const char *interned = conf_intern_file(conf, file);

	if (!interned)
		return -ENOMEM;
	return conf_parse_text(&p, interned, buf, len);
}
