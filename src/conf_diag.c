/* conf_diag.c: diagnostics in the one format every tool prints, near-miss
 * suggestions, and the quoting rules the parser undoes. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

/* Grows a diagnostic while it is composed; on ENOMEM it stays NULL. */
struct sbuf {
	char *s;
	size_t len;
};

__attribute__((format(printf, 2, 0)))
static void sb_vadd(struct sbuf *sb, const char *fmt, va_list ap)
{
	char *more, *tmp;
	int n;

	if (!sb->s)
		return;
	n = vasprintf(&more, fmt, ap);
	if (n < 0) {
		free(sb->s);
		sb->s = NULL;
		return;
	}
	tmp = realloc(sb->s, sb->len + (size_t)n + 1);
	if (!tmp) {
		free(sb->s);
		free(more);
		sb->s = NULL;
		return;
	}
	memcpy(tmp + sb->len, more, (size_t)n + 1);
	sb->s = tmp;
	sb->len += (size_t)n;
	free(more);
}

__attribute__((format(printf, 2, 3)))
static void sb_add(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vadd(sb, fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (not a C1 control, which some
 * terminals obey), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* Escape one character of s into out (room for 4 bytes); returns how
 * many bytes of s it took. */
static size_t show_char(const unsigned char *s, char *out, size_t *o)
{
	size_t n = utf8_len(s);

	if (n == 1 && *s >= 0x20 && *s != 0x7f) {
		out[(*o)++] = (char)*s;
		return 1;
	}
	if (n > 1) {
		memcpy(out + *o, s, n);
		*o += n;
		return n;
	}
	if (*s == 0x1b || *s == '\t' || *s == '\r' || *s == '\n') {
		out[(*o)++] = '\\';
		out[(*o)++] = *s == 0x1b ? 'e' : *s == '\t' ? 't' : *s == '\r' ? 'r' : 'n';
	} else {
		*o += (size_t)snprintf(out + *o, 5, "\\x%02x", *s);
	}
	return 1;
}

/* Raw text made safe to print: escaped, and cut when long. */
const char *conf_show(const char *raw, char *buf)
{
	const unsigned char *s = (const unsigned char *)(raw ? raw : "");
	size_t o = 0, chars = 0;

	while (*s && chars < CONF_SHOW_CUT) {
		s += show_char(s, buf, &o);
		chars++;
	}
	buf[o] = '\0';
	if (*s)
		snprintf(buf + o, CONF_SHOW_MAX - o, "... (%zu bytes)", strlen(raw));
	return buf;
}

/* A whole message made safe: control bytes escaped, at most max bytes. */
static char *sanitize(const char *msg, size_t max)
{
	const unsigned char *s = (const unsigned char *)msg;
	size_t o = 0;
	char *out = malloc(max + 32);

	if (!out)
		return NULL;
	while (*s && o < max)
		s += show_char(s, out, &o);
	out[o] = '\0';
	if (*s)
		strcpy(out + o, "... (cut)");
	return out;
}

/* The longest diagnostic kept: a path, a few shown values, the words. */
#define DIAG_MAX (PATH_MAX + 4 * CONF_SHOW_MAX)

/* Record one diagnostic, or the note that there are too many. */
void conf_diag_add(struct conf *conf, const char *file, unsigned line, const char *type,
		   const char *name, const char *key, const char *fmt, ...)
{
	struct sbuf sb = { 0 };
	char qname[2 * CONF_SHOW_MAX + 3], shown[CONF_SHOW_MAX];
	char **tmp;
	va_list ap;

	if (conf->diags_full)
		return;
	sb.s = strdup("");
	if (conf->ndiags == CONF_DIAG_MAX) {
		conf->diags_full = true;
		if (file)
			sb_add(&sb, "%s: ", file);
		sb_add(&sb, "too many errors, stopping");
		goto add;
	}
	if (file && line)
		sb_add(&sb, "%s:%u: ", file, line);
	else if (file)
		sb_add(&sb, "%s: ", file);
	if (type && name) {
		/* Quoted as the file would write it, unless it had to be
		 * escaped or cut: then as shown. */
		if (strcmp(conf_show(name, shown), name) != 0 ||
		    conf_quote(name, true, qname, sizeof(qname)) < 0)
			snprintf(qname, sizeof(qname), "\"%s\"", shown);
		sb_add(&sb, "[%s %s] ", conf_show(type, shown), qname);
	} else if (type) {
		sb_add(&sb, "[%s] ", conf_show(type, shown));
	}
	if (key)
		sb_add(&sb, "%s: ", conf_show(key, shown));
	va_start(ap, fmt);
	sb_vadd(&sb, fmt, ap);
	va_end(ap);
add:
	if (sb.s) {
		/* Values come in through conf_show(); this catches the rest
		 * (names, paths) so no raw control byte reaches a terminal. */
		char *safe = sanitize(sb.s, DIAG_MAX);
		free(sb.s);
		sb.s = safe;
	}
	if (!sb.s) {
		conf->nomem = true;
		return;
	}
	tmp = reallocarray(conf->diags, conf->ndiags + 1, sizeof(*tmp));
	if (!tmp) {
		free(sb.s);
		conf->nomem = true;
		return;
	}
	conf->diags = tmp;
	conf->diags[conf->ndiags++] = sb.s;
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), giving up early past the limit the caller cares for. */
static size_t osa_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best;
	size_t d[3][34];  /* rows i-2, i-1, i; names are short */
	size_t *r2 = d[0], *r1 = d[1], *r0 = d[2], *t;

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		r1[j] = j;
	for (i = 1; i <= la; i++) {
		r0[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			best = r1[j] + 1;
			if (r0[j - 1] + 1 < best)
				best = r0[j - 1] + 1;
			if (r1[j - 1] + cost < best)
				best = r1[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    r2[j - 2] + 1 < best)
				best = r2[j - 2] + 1;
			r0[j] = best;
		}
		t = r2;
		r2 = r1;
		r1 = r0;
		r0 = t;
	}
	return r1[lb];
}

/* The closest candidate within distance 2 (and closer than the word is
 * long, so "x" does not suggest "id"). */
const char *conf_suggest(const char *word, const char *(*name)(const void *ctx, size_t i),
			 const void *ctx, size_t n)
{
	const char *best = NULL, *cand;
	size_t i, d, bestd = 3;

	for (i = 0; i < n; i++) {
		cand = name(ctx, i);
		d = osa_distance(word, cand);
		if (d < bestd && d < strlen(word)) {
			best = cand;
			bestd = d;
		}
	}
	return best;
}

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '#' || *s == ';' || *s == '"' ||
		    *s == '\\' || *s == '\r' || (unsigned char)*s < 0x20)
			return true;
	return false;
}

/* Quote s the way the parser reads it back. */
int conf_quote(const char *s, bool force, char *buf, size_t len)
{
	size_t o = 0;

	if (!force && !needs_quotes(s)) {
		if (strlen(s) >= len)
			return -ENOSPC;
		memcpy(buf, s, strlen(s) + 1);
		return 0;
	}
	if (len < 3)
		return -ENOSPC;
	buf[o++] = '"';
	for (; *s; s++) {
		if (o + 4 > len)
			return -ENOSPC;
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}
