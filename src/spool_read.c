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

/* Max-heap on seq, so the root is the newest of the max oldest kept. */
static void heap_down(struct spool_ref *h, size_t n, size_t i)
{
	struct spool_ref t;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && h[l].seq > h[m].seq)
			m = l;
		if (r < n && h[r].seq > h[m].seq)
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int ref_cmp(const void *a, const void *b)
{
	const struct spool_ref *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Open new/ for one pass; the fd is dup'ed because closedir() closes it. */
static DIR *open_new(struct spool *sp)
{
	DIR *d;
	int fd = openat(sp->newfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL)
		close(fd);
	return d;
}

int spool_scan(struct spool *sp, uint64_t after, size_t max,
	       struct spool_ref **refs, size_t *n)
{
	struct spool_ref *v = NULL, *tmp, ref;
	size_t len = 0, cap = 0, i;
	bool heap = false;
	struct dirent *de;
	int r = 0;
	DIR *d;

	*refs = NULL;
	*n = 0;
	d = open_new(sp);
	if (d == NULL)
		return -errno;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (spool_ref_parse(de->d_name, &ref, NULL, NULL) < 0 ||
		    ref.seq <= after)
			continue;
		if (heap) {
			/* Full: keep ref only if older than the newest kept. */
			if (ref.seq < v[0].seq) {
				v[0] = ref;
				heap_down(v, len, 0);
			}
			continue;
		}
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;

			if (max && ncap > max)
				ncap = max;
			tmp = reallocarray(v, ncap, sizeof(*v));
			if (tmp == NULL) {
				r = -ENOMEM;
				goto out;
			}
			v = tmp;
			cap = ncap;
		}
		v[len++] = ref;
		if (max && len == max) {
			for (i = len / 2; i-- > 0;)
				heap_down(v, len, i);
			heap = true;
		}
	}
	if (errno != 0) {
		r = -errno;
		goto out;
	}
	if (len > 0)
		qsort(v, len, sizeof(*v), ref_cmp);
	*refs = v;
	*n = len;
	v = NULL;
out:
	free(v);
	closedir(d);
	return r;
}

int spool_scan_totals(struct spool *sp, struct spool_totals *t)
{
	struct spool_ref ref;
	struct dirent *de;
	struct stat st;
	int r = 0;
	DIR *d;

	t->count = t->bytes = t->seq = t->dropped = 0;
	d = open_new(sp);
	if (d == NULL)
		return -errno;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (spool_ref_parse(de->d_name, &ref, NULL, NULL) < 0)
			continue;
		if (fstatat(sp->newfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			goto out;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		t->count++;
		t->bytes += (uint64_t)st.st_size;
		if (ref.seq > t->seq)
			t->seq = ref.seq;
	}
	if (errno != 0)
		r = -errno;
out:
	closedir(d);
	return r;
}

int spool_list(struct spool *sp, uint64_t after, size_t max,
	       struct spool_ref **refs, size_t *n)
{
	int r;

	*refs = NULL;
	*n = 0;
	/* Writers rename under LOCK_EX, so a shared lock gives a snapshot in
	 * which no lower seq can still appear after a higher one. */
	r = spool_lock(sp, LOCK_SH);
	if (r < 0)
		return r;
	r = spool_scan(sp, after, max, refs, n);
	spool_unlock(sp);
	return r;
}

int spool_read(struct spool *sp, const struct spool_ref *ref, struct spool_event *ev)
{
	struct spool_ref chk;
	struct stat st;
	size_t got = 0;
	ssize_t k;
	int fd, r;

	memset(ev, 0, sizeof(*ev));
	if (spool_ref_parse(ref->file, &chk, ev->kind, ev->name) < 0 ||
	    chk.seq != ref->seq)
		return -EINVAL;
	ev->seq = ref->seq;
	fd = openat(sp->newfd, ref->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > SPOOL_EVENT_MAX) {
		r = -EFBIG;
		goto out;
	}
	ev->payload = malloc((size_t)st.st_size + 1);
	if (ev->payload == NULL) {
		r = -ENOMEM;
		goto out;
	}
	/* Files in new/ never change, so the size from fstat is the size. */
	while (got < (size_t)st.st_size) {
		k = read(fd, ev->payload + got, (size_t)st.st_size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	ev->payload[got] = '\0';
	ev->len = got;
	r = json_validate(ev->payload, got, NULL, NULL) < 0 ? -EBADMSG : 0;
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

/* Write reason into bad/<file>.why, replacing nothing. */
static void write_why(int badfd, const char *file, const char *reason)
{
	char name[SPOOL_FILE_MAX + 8];
	size_t len = strlen(reason);
	int fd;

	if ((size_t)snprintf(name, sizeof(name), "%s.why", file) >= sizeof(name))
		return;
	fd = openat(badfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	if (write(fd, reason, len) == (ssize_t)len)
		(void)write(fd, "\n", 1);
	close(fd);
}

int spool_set_aside(struct spool *sp, const char *file, const char *reason)
{
	struct stat st;
	int badfd = -1, r;

	if (file == NULL || file[0] == '\0' || strchr(file, '/') != NULL ||
	    strcmp(file, ".") == 0 || strcmp(file, "..") == 0 ||
	    strlen(file) >= SPOOL_FILE_MAX)
		return -EINVAL;
	r = spool_lock(sp, LOCK_EX);
	if (r < 0)
		return r;
	r = spool_state_load(sp);
	if (r < 0)
		goto out;
	if (fstatat(sp->newfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		goto out;
	}
	if (mkdirat(sp->dirfd, "bad", 0750) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	badfd = openat(sp->dirfd, "bad", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (badfd < 0) {
		r = -errno;
		goto out;
	}
	r = spool_state_store(sp, true);
	if (r < 0)
		goto out;
	/* rename moves a link or a folder itself, never what it points to. */
	if (renameat(sp->newfd, file, badfd, file) < 0) {
		r = -errno;
		goto out;
	}
	write_why(badfd, file, reason ? reason : "");
	if (S_ISREG(st.st_mode) && spool_ref_parse(file, NULL, NULL, NULL) == 0) {
		sp->tot.count -= sp->tot.count > 0;
		sp->tot.bytes -= (uint64_t)st.st_size < sp->tot.bytes ?
				 (uint64_t)st.st_size : sp->tot.bytes;
	}
	r = spool_state_store(sp, false);
out:
	if (badfd >= 0)
		close(badfd);
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
