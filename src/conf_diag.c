/* conf_diag.c: diagnostics in the one format every tool prints, near-miss
 * suggestions, and the quoting rules the parser undoes. */
#include "config.h"

#include <errno.h>
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

/* Record one diagnostic, or the note that there are too many. */
void conf_diag_add(struct conf *conf, const char *file, unsigned line, const char *type,
		   const char *name, const char *key, const char *fmt, ...)
{
	struct sbuf sb = { 0 };
	char qname[512];
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
		if (conf_quote(name, true, qname, sizeof(qname)) < 0)
			snprintf(qname, sizeof(qname), "\"...\"");
		sb_add(&sb, "[%s %s] ", type, qname);
	} else if (type) {
		sb_add(&sb, "[%s] ", type);
	}
	if (key)
		sb_add(&sb, "%s: ", key);
	va_start(ap, fmt);
	sb_vadd(&sb, fmt, ap);
	va_end(ap);
add:
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
