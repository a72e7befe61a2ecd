/* meta_path.c: path components from untrusted metainfo, decided once. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta_int.h"

int meta_fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

const char *meta_component_bad(const uint8_t *s, size_t n)
{
	if (n == 0)
		return "an empty path component is not allowed";
	if (n > 255)
		return "a path component is longer than 255 bytes";
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return "\".\" and \"..\" are not allowed";
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/')
			return "\"/\" inside a path component is not allowed";
		if (s[i] < 0x20 || s[i] == 0x7f)
			return "control characters in a path are not allowed";
	}
	return NULL;
}

char *meta_path_join(const char *base, const uint8_t *c, size_t n)
{
	size_t bl = base ? strlen(base) : 0;
	char *p;

	if (bl + 1 + n >= P2P_PATH_MAX)
		return NULL;
	p = malloc(bl + n + 2);
	if (!p)
		return NULL;
	if (bl) {
		memcpy(p, base, bl);
		p[bl++] = '/';
	}
	memcpy(p + bl, c, n);
	p[bl + n] = '\0';
	return p;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int meta_check_paths(const struct p2p_meta *m, char *why, size_t whylen)
{
	char **v = calloc(m->nfiles ? m->nfiles : 1, sizeof(*v));
	size_t n = 0;
	int e = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->nfiles; i++)
		if (!m->files[i].pad)
			v[n++] = m->files[i].path;
	qsort(v, n, sizeof(*v), path_cmp);
	for (size_t i = 1; i < n && !e; i++) {
		size_t l = strlen(v[i - 1]);

		if (strcmp(v[i - 1], v[i]) == 0)
			e = meta_fail(why, whylen, -EBADMSG, "two files have the path \"%s\"", v[i]);
		else if (strncmp(v[i - 1], v[i], l) == 0 && v[i][l] == '/')
			e = meta_fail(why, whylen, -EBADMSG,
			    "\"%s\" is a file and also a folder of \"%s\"", v[i - 1], v[i]);
	}
	free(v);
	return e;
}

size_t meta_file_at(const struct p2p_meta *m, uint64_t off)
{
	size_t lo = 0, hi = m->nfiles;

	/* The last file with offset <= off. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->files[mid].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? m->nfiles : lo - 1;
}
