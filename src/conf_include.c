/* conf_include.c: reading files: the top one and what "include" names,
 * with glob expansion in sorted order and loop detection. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conf_int.h"
#include "fs.h"

#define FILE_MAX (16u << 20)

/* A FIFO would block open() and read() (SIGTERM and SIGHUP with it), and
 * a device or socket is never a config: open without blocking and
 * require a regular file (or /dev/null, read as empty). -ENOSTR stands
 * for "not a regular file" (see read_error()). */
static int read_file(const char *path, size_t room, char **bufp, size_t *lenp)
{
	struct stat st;
	uint8_t *buf;
	int fd, r;

	*bufp = NULL;
	*lenp = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	/* "--config /dev/null" is the usual way to say "no config". */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
		r = 0;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -ENOSTR;
		goto out;
	}
	if ((r = fs_read_fd(fd, FILE_MAX, &buf, lenp)) < 0)
		goto out;
	if (*lenp > room) {
		free(buf);
		*lenp = 0;
		r = -E2BIG;
		goto out;
	}
	*bufp = (char *)buf;
out:
	close(fd);
	return r;
}

/* The words for what read_file() refused. */
static const char *read_error(int r, char *buf, size_t len)
{
	if (r == -ENOSTR)
		return "not a regular file";
	if (r == -EFBIG)
		snprintf(buf, len, "larger than %u MiB", FILE_MAX >> 20);
	else if (r == -E2BIG)
		snprintf(buf, len, "more than %u MiB read in one parse, includes together",
			 CONF_BYTES_MAX >> 20);
	else
		return strerror(-r);
	return buf;
}

/* Read one included (or the top) file; from is the including file or NULL. */
static void include_file(struct parser *p, const char *from, unsigned line,
			 const struct cursec *cur, const char *path)
{
	struct conf *conf = p->conf;
	const char *type = cur->sec ? cur->sec->def->name : NULL;
	const char *name = cur->sec ? cur->sec->name : NULL;
	const char *key = from ? "include" : NULL;
	const char *interned;
	char *real, *buf = NULL, why[96];
	size_t i, len = 0;
	int r;

	real = realpath(path, NULL);
	if (!real) {
		r = errno;
		if (r == ENOMEM)
			conf->nomem = true;
		else if (from)
			conf_diag_add(conf, from, line, type, name, key, "cannot read '%s': %s",
				      path, strerror(r));
		else
			conf_diag_add(conf, path, 0, NULL, NULL, NULL, "cannot read: %s",
				      strerror(r));
		if (!from)
			conf->read_error = -r;
		return;
	}
	for (i = 0; i < p->depth; i++) {
		if (strcmp(p->stack[i], real) == 0) {
			conf_diag_add(conf, from, line, type, name, key,
				      "include loop: '%s' is already being read", path);
			goto out;
		}
	}
	if (p->depth == INCLUDE_DEPTH) {
		conf_diag_add(conf, from, line, type, name, key,
			      "'%s' is nested too deeply (more than %d includes)", path,
			      INCLUDE_DEPTH);
		goto out;
	}
	if (conf->bound_hit)
		goto out;  /* reported once, at the include that hit it */
	if (conf->files_read == CONF_FILES_MAX) {
		conf->bound_hit = true;
		conf_diag_add(conf, from, line, type, name, key,
			      "'%s' not read: more than %u files read in one parse "
			      "(includes that fan out?)", path, CONF_FILES_MAX);
		goto out;
	}
	conf->files_read++;
	r = read_file(path, CONF_BYTES_MAX - conf->bytes_read, &buf, &len);
	if (r == -E2BIG)
		conf->bound_hit = true;
	if (r == -ENOMEM) {
		conf->nomem = true;
		goto out;
	} else if (r < 0 && from) {
		conf_diag_add(conf, from, line, type, name, key, "cannot read '%s': %s",
			      path, read_error(r, why, sizeof(why)));
		goto out;
	} else if (r < 0) {
		conf_diag_add(conf, path, 0, NULL, NULL, NULL, "cannot read: %s",
			      read_error(r, why, sizeof(why)));
		conf->read_error = r == -ENOSTR ? -EINVAL : r;
		goto out;
	}
	conf->bytes_read += len;
	interned = conf_intern_file(conf, path);
	if (!interned)
		goto out;
	p->stack[p->depth++] = real;
	conf_parse_text(p, interned, buf, len);
	real = p->stack[--p->depth];
out:
	free(real);
	free(buf);
}

/* glob(3) gives its error callback no context. */
static __thread int glob_errno;

/* A folder that does not exist matches nothing; one we cannot read is an
 * error. */
static int glob_err(const char *epath, int eerrno)
{
	if (eerrno == ENOENT || eerrno == ENOTDIR)
		return 0;
	glob_errno = eerrno;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* include = PATTERN...: globs relative to the including file's folder,
 * read in sorted order; a glob matching nothing is fine, a missing plain
 * file is not. */
void conf_include(struct parser *p, const char *file, unsigned line,
		    const struct cursec *cur, const char *items, int nitems)
{
	struct conf *conf = p->conf;
	const char *slash = strrchr(file, '/'), *it, *c;
	size_t dlen = slash ? (size_t)(slash - file) + 1 : 0, o, i;
	char *path = NULL, *pat = NULL;
	glob_t g;
	int k, r;

	if (p->opts->no_include) {
		conf_diag_add(conf, file, line, cur->sec ? cur->sec->def->name : NULL,
			      cur->sec ? cur->sec->name : NULL, "include",
			      "includes are not allowed here");
		return;
	}
	for (k = 0, it = items; k < nitems; k++, it += strlen(it) + 1) {
		size_t ilen = strlen(it), plen = *it == '/' ? 0 : dlen;
		free(path);
		free(pat);
		path = malloc(plen + ilen + 1);
		pat = malloc(2 * plen + ilen + 1);
		if (!path || !pat) {
			conf->nomem = true;
			break;
		}
		memcpy(path, file, plen);
		memcpy(path + plen, it, ilen + 1);
		if (!strpbrk(it, "*?[")) {
			include_file(p, file, line, cur, path);
			continue;
		}
		/* The folder part is literal even if it holds glob characters. */
		for (o = 0, c = file; c < file + plen; c++) {
			if (strchr("*?[\\", *c))
				pat[o++] = '\\';
			pat[o++] = *c;
		}
		memcpy(pat + o, it, ilen + 1);
		glob_errno = 0;
		r = glob(pat, GLOB_NOSORT, glob_err, &g);
		if (r == GLOB_NOSPACE) {
			conf->nomem = true;
		} else if (r == GLOB_ABORTED) {
			conf_diag_add(conf, file, line, cur->sec ? cur->sec->def->name : NULL,
				      cur->sec ? cur->sec->name : NULL, "include",
				      "cannot read '%s': %s", path, strerror(glob_errno));
		} else if (r == 0) {
			qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
			for (i = 0; i < g.gl_pathc; i++)
				include_file(p, file, line, cur, g.gl_pathv[i]);
		}
		if (r != GLOB_NOMATCH)
			globfree(&g);
	}
	free(path);
	free(pat);
}

/* Read and parse the file at path, the top of any includes. */
int conf_parse_file(struct conf *conf, const struct conf_opts *opts, const char *path)
{
	struct parser p = { .conf = conf, .opts = opts };
	const struct cursec none = { 0 };

	include_file(&p, NULL, 0, &none, path);
	return conf->nomem ? -ENOMEM : 0;
}
