/* spool_read.c: the reading side of the spool: file names, directory
 * scans, and what outpost-pubd calls to drain events (list, read, delete). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "json.h"
#include "spool.h"
#include "spool_impl.h"

static bool kind_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
	       c == '-';
}

/* Length of the run of acceptable characters at s, at most max + 1. */
static size_t span(const char *s, size_t max, bool (*okc)(char))
{
	size_t n = 0;

	while (n <= max && s[n] != '\0' && okc(s[n]))
		n++;
	return n;
}

int spool_kind_ok(const char *kind)
{
	size_t n;

	if (kind == NULL)
		return 0;
	n = span(kind, SPOOL_KIND_MAX, kind_char);
	return n >= 1 && n <= SPOOL_KIND_MAX && kind[n] == '\0';
}

int spool_name_ok(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = span(name, SPOOL_NAME_MAX, name_char);
	return n >= 1 && n <= SPOOL_NAME_MAX && name[n] == '\0';
}

int spool_ref_parse(const char *file, struct spool_ref *ref,
		    char kind[SPOOL_KIND_MAX + 1], char name[SPOOL_NAME_MAX + 1])
{
	uint64_t seq = 0;
	size_t i, k, nl;
	const char *p;

	for (i = 0; i < 16; i++) {
		char c = file[i];

		if (c >= '0' && c <= '9')
			seq = (seq << 4) | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			seq = (seq << 4) | (uint64_t)(c - 'a' + 10);
		else
			return -EINVAL;
	}
	if (file[16] != '.')
		return -EINVAL;
	p = file + 17;
	k = span(p, SPOOL_KIND_MAX, kind_char);
	if (k == 0 || k > SPOOL_KIND_MAX || (p[k] != '\0' && p[k] != '.'))
		return -EINVAL;
	nl = 0;
	if (p[k] == '.') {
		nl = span(p + k + 1, SPOOL_NAME_MAX, name_char);
		if (nl == 0 || nl > SPOOL_NAME_MAX || p[k + 1 + nl] != '\0')
			return -EINVAL;
	}
	if (ref != NULL) {
		ref->seq = seq;
		memcpy(ref->file, file, 17 + k + (nl ? 1 + nl : 0) + 1);
	}
	if (kind != NULL) {
		memcpy(kind, p, k);
		kind[k] = '\0';
	}
	if (name != NULL) {
		if (nl)
			memcpy(name, p + k + 1, nl);
		name[nl] = '\0';
	}
	return 0;
}

int spool_read(struct spool *sp, const struct spool_ref *ref, struct spool_event *ev)
{
	struct spool_ref chk;
	struct stat st;
	uint8_t *b;
	int fd, r;

	memset(ev, 0, sizeof(*ev));
	if (spool_ref_parse(ref->file, &chk, ev->kind, ev->name) < 0 ||
	    chk.seq != ref->seq)
		return -EINVAL;
	ev->seq = ref->seq;
	/* Never a link, never blocked by a FIFO planted under the name. */
	fd = spool_fs_open(sp->newfd, ref->file, O_RDONLY, 0, &st);
	if (fd < 0)
		return fd;
	if (st.st_nlink != 1) {
		r = -EINVAL;    /* a hard link to someone else's file */
		goto out;
	}
	if ((r = fs_read_fd(fd, SPOOL_EVENT_MAX, &b, &ev->len)) < 0)
		goto out;
	ev->payload = (char *)b;
	r = json_validate(ev->payload, ev->len, NULL, NULL) < 0 ? -EBADMSG : 0;
out:
	close(fd);
	if (r < 0) {
		free(ev->payload);
		ev->payload = NULL;
		ev->len = 0;
	}
	return r;
}

void spool_event_clear(struct spool_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->payload);
	memset(ev, 0, sizeof(*ev));
}

int spool_delete(struct spool *sp, const struct spool_ref *ref)
{
	struct stat st;
	int r;

	if (spool_ref_parse(ref->file, NULL, NULL, NULL) < 0)
		return -EINVAL;
	r = spool_lock(sp, LOCK_EX);
	if (r < 0)
		return r;
	r = spool_state_load(sp);
	if (r < 0)
		goto out;
	if (fstatat(sp->newfd, ref->file, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		goto out;
	}
	r = spool_state_store(sp, true);
	if (r < 0)
		goto out;
	if (unlinkat(sp->newfd, ref->file, 0) < 0) {
		r = -errno;
		goto out;       /* left dirty: the next locker rescans */
	}
	if (S_ISREG(st.st_mode)) {
		sp->tot.count -= sp->tot.count > 0;
		sp->tot.bytes -= (uint64_t)st.st_size < sp->tot.bytes ?
				 (uint64_t)st.st_size : sp->tot.bytes;
	}
	r = spool_state_store(sp, false);
out:
	spool_unlock(sp);
	return r;
}

int spool_get_stats(struct spool *sp, struct spool_stats *st)
{
	int r;

	r = spool_lock(sp, LOCK_EX);
	if (r < 0)
		return r;
	r = spool_state_load(sp);
	if (r == 0) {
		st->count = sp->tot.count;
		st->bytes = sp->tot.bytes;
		st->dropped = sp->tot.dropped;
		st->last_seq = sp->tot.seq;
	}
	spool_unlock(sp);
	return r;
}

const char *spool_new_dir(const struct spool *sp)
{
	return sp->newdir;
}
