/* spool_scan.c: reading the new/ folder: ordered listings, recounts, and
 * the files in it that are not well-formed events.
 *
 * Anything may appear in new/: files named by hand, links, folders, FIFOs,
 * copies that share a number, a restored backup numbered above the
 * counter. Each gets one defined outcome when spool_list meets it, so that
 * nothing is skipped silently and nothing stalls the reader:
 *   - not a regular file, or a name that is not an event name, or a number
 *     past SPOOL_SEQ_LIMIT: moved aside into bad/ (spool_aside.c);
 *   - sequence number 0, or a number another file has: renumbered to a
 *     fresh number, so it is delivered after what is there;
 *   - a number above the counter: the counter is raised to it, so events
 *     recorded later get higher numbers than the reader has seen;
 *   - one that cannot be moved (a folder root made, which the daemon's
 *     user may not rename): told once and skipped from then on.
 * The listing itself runs under a shared lock; only when it met such a
 * file does it take the exclusive lock, look again and act. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "spool_impl.h"

enum odd_what { ODD_ASIDE, ODD_RENUMBER, ODD_RAISE };

static void notice(struct spool *sp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct odd {
	enum odd_what what;
	const char *reason;
	char file[256];
	uint64_t seq;
};

/* What one pass found besides the listing. */
struct odd_set {
	struct odd *v;
	size_t n, cap;
	uint64_t *seqs;         /* every good seq, to find the shared ones */
	size_t nseqs, capseqs;
	uint64_t counter;       /* the counter to compare with */
};

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

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->file, y->file);
}

static int seq_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
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

static int odd_add(struct odd_set *o, enum odd_what what, const char *file,
		   uint64_t seq, const char *reason)
{
	struct odd *t;

	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 16;

		t = reallocarray(o->v, ncap, sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		o->v = t;
		o->cap = ncap;
	}
	t = &o->v[o->n++];
	t->what = what;
	t->reason = reason;
	t->seq = seq;
	snprintf(t->file, sizeof(t->file), "%s", file);
	return 0;
}

static int seq_add(struct odd_set *o, uint64_t seq)
{
	uint64_t *t;

	if (o->nseqs == o->capseqs) {
		size_t ncap = o->capseqs ? o->capseqs * 2 : 256;

		t = reallocarray(o->seqs, ncap, sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		o->seqs = t;
		o->capseqs = ncap;
	}
	o->seqs[o->nseqs++] = seq;
	return 0;
}

static const char *type_name(mode_t m)
{
	if (S_ISLNK(m))
		return "it is a symbolic link";
	if (S_ISDIR(m))
		return "it is a folder";
	if (S_ISFIFO(m))
		return "it is a FIFO";
	if (S_ISSOCK(m))
		return "it is a socket";
	return "it is not a regular file";
}

static bool is_stuck(const struct spool *sp, ino_t ino)
{
	size_t i;

	for (i = 0; i < sp->nstuck; i++)
		if (sp->stuck[i] == ino)
			return true;
	return false;
}

/* new/<file> could not be set right (err): tell once, and skip it from
 * now on; what can be delivered still is. */
static void mark_stuck(struct spool *sp, const char *file, const char *reason,
		       int err)
{
	struct stat st;

	if (fstatat(sp->newfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	notice(sp, "event %s/%s: %s, but it cannot be moved: %s; left in place "
	       "(remove it by hand)", sp->newdir, file, reason, strerror(-err));
	if (sp->nstuck < SPOOL_STUCK_MAX)
		sp->stuck[sp->nstuck++] = st.st_ino;
}

/* Classify one entry of new/ for o. 1: a good event (ref), 0: not. */
static int classify(struct spool *sp, const struct dirent *de,
		    struct spool_ref *ref, struct odd_set *o, int *err)
{
	bool named = spool_ref_parse(de->d_name, ref, NULL, NULL) == 0;
	unsigned char type = de->d_type;
	struct stat st;

	*err = 0;
	if (is_stuck(sp, de->d_ino))
		return 0;
	if (o == NULL)
		return named;
	if (type == DT_UNKNOWN) {
		if (fstatat(sp->newfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 0;       /* gone meanwhile */
		type = S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		if (!S_ISREG(st.st_mode))
			return (*err = odd_add(o, ODD_ASIDE, de->d_name, 0,
					       type_name(st.st_mode))), 0;
	}
	if (type != DT_REG) {
		mode_t m = type == DT_LNK ? S_IFLNK : type == DT_DIR ? S_IFDIR :
			   type == DT_FIFO ? S_IFIFO : type == DT_SOCK ? S_IFSOCK : 0;

		*err = odd_add(o, ODD_ASIDE, de->d_name, 0, type_name(m));
		return 0;
	}
	if (!named) {
		*err = odd_add(o, ODD_ASIDE, de->d_name, 0,
			       "its name is not <16 hex digits>.<kind>[.<name>]");
		return 0;
	}
	if (ref->seq == 0) {
		*err = odd_add(o, ODD_RENUMBER, de->d_name, 0, "sequence number 0");
		return 0;
	}
	if (ref->seq > SPOOL_SEQ_LIMIT) {
		*err = odd_add(o, ODD_ASIDE, de->d_name, ref->seq,
			       "its sequence number is past 2^62");
		return 0;
	}
	if (ref->seq > o->counter)
		*err = odd_add(o, ODD_RAISE, de->d_name, ref->seq,
			       "its sequence number is above the counter");
	if (*err == 0)
		*err = seq_add(o, ref->seq);
	return 1;
}

/* Second pass, only when numbers are shared: every file but the first
 * (by name) of each shared number is renumbered. */
static int find_shared(struct spool *sp, struct odd_set *o)
{
	struct spool_ref *v = NULL, ref, *t;
	size_t i, k, n = 0, cap = 0;
	bool any = false;
	struct dirent *de;
	int r = 0;
	DIR *d;

	if (o->nseqs < 2)
		return 0;
	qsort(o->seqs, o->nseqs, sizeof(*o->seqs), seq_cmp);
	for (i = 1; i < o->nseqs; i++)
		any |= o->seqs[i] == o->seqs[i - 1];
	if (!any)
		return 0;
	d = open_new(sp);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		uint64_t *p;

		if (spool_ref_parse(de->d_name, &ref, NULL, NULL) < 0)
			continue;
		p = bsearch(&ref.seq, o->seqs, o->nseqs, sizeof(ref.seq), seq_cmp);
		/* Keep only numbers that occur twice or more. */
		if (p == NULL || !((p > o->seqs && p[-1] == ref.seq) ||
				   (p + 1 < o->seqs + o->nseqs && p[1] == ref.seq)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			t = reallocarray(v, cap, sizeof(*v));
			if (t == NULL) {
				r = -ENOMEM;
				goto out;
			}
			v = t;
		}
		v[n++] = ref;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), ref_cmp);
	for (k = 1; k < n && r == 0; k++)
		if (v[k].seq == v[k - 1].seq)
			r = odd_add(o, ODD_RENUMBER, v[k].file, v[k].seq,
				    "another file has its sequence number");
out:
	free(v);
	closedir(d);
	return r;
}

/* One pass over new/: up to max (0: all) events with seq > after, oldest
 * first; with o, also what is odd. */
static int scan(struct spool *sp, uint64_t after, size_t max,
		struct spool_ref **refs, size_t *n, struct odd_set *o)
{
	struct spool_ref *v = NULL, *tmp, ref;
	size_t len = 0, cap = 0, i;
	bool heap = false;
	struct dirent *de;
	int r = 0, e;
	DIR *d;

	*refs = NULL;
	*n = 0;
	d = open_new(sp);
	if (d == NULL)
		return -errno;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!classify(sp, de, &ref, o, &e) || ref.seq <= after) {
			if (e < 0) {
				r = e;
				goto out;
			}
			continue;
		}
		if (e < 0) {
			r = e;
			goto out;
		}
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
	if (o != NULL && (r = find_shared(sp, o)) < 0)
		goto out;
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

int spool_scan(struct spool *sp, uint64_t after, size_t max,
	       struct spool_ref **refs, size_t *n)
{
	return scan(sp, after, max, refs, n, NULL);
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
		/* A number past the limit is set aside, never counted on. */
		if (ref.seq > t->seq && ref.seq <= SPOOL_SEQ_LIMIT)
			t->seq = ref.seq;
	}
	if (errno != 0)
		r = -errno;
out:
	closedir(d);
	return r;
}

static void notice(struct spool *sp, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (sp->notice == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sp->notice(sp->notice_arg, text);
}

/* Give new/<file> the next number, keeping its kind and name. */
static int renumber(struct spool *sp, const struct odd *o)
{
	char kind[SPOOL_KIND_MAX + 1], name[SPOOL_NAME_MAX + 1], to[SPOOL_FILE_MAX];
	uint64_t s;
	int r, tries;

	if (spool_ref_parse(o->file, NULL, kind, name) < 0)
		return -EINVAL;
	for (tries = 0; tries < 1000; tries++) {
		r = spool_next_seq(sp, &s);
		if (r < 0)
			return r;
		snprintf(to, sizeof(to), "%016" PRIx64 ".%s%s%s", s, kind,
			 name[0] ? "." : "", name);
		if (renameat2(sp->newfd, o->file, sp->newfd, to, RENAME_NOREPLACE) == 0) {
			notice(sp, "event %s/%s: %s: renumbered to %s", sp->newdir,
			       o->file, o->reason, to);
			return 0;
		}
		if (errno != EEXIST)
			return errno == ENOENT ? 0 : -errno;
	}
	return -EEXIST;
}

/* Under LOCK_EX, with the state marked dirty: act on what o found. The
 * counter is raised first, so renumbered files come after every file
 * there, which a reader may have seen already. */
static int fix(struct spool *sp, struct odd_set *o)
{
	static const enum odd_what order[] = { ODD_RAISE, ODD_ASIDE, ODD_RENUMBER };
	size_t i, k;
	int r = 0;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < o->n && r == 0; i++) {
			struct odd *x = &o->v[i];

			if (x->what != order[k])
				continue;
			switch (x->what) {
			case ODD_ASIDE:
				r = spool_aside_locked(sp, x->file, x->reason);
				if (r == 0)
					notice(sp, "event %s/%s: %s: moved aside to %s/bad/",
					       sp->newdir, x->file, x->reason, sp->dirpath);
				if (r == -ENOENT)
					r = 0;
				break;
			case ODD_RENUMBER:
				r = renumber(sp, x);
				break;
			case ODD_RAISE:
				if (x->seq > sp->tot.seq) {
					notice(sp, "event %s/%s: %s: counter raised from %"
					       PRIu64 " to %" PRIu64, sp->newdir, x->file,
					       x->reason, sp->tot.seq, x->seq);
					sp->tot.seq = x->seq;
				}
				break;
			}
			/* One file that cannot be moved (EACCES, EPERM,
			 * EXDEV, EBUSY, ...) must not stop the rest. */
			if (r < 0 && r != -ENOMEM && x->what != ODD_RAISE) {
				mark_stuck(sp, x->file, x->reason, r);
				r = 0;
			}
		}
	}
	return r;
}

static void odd_free(struct odd_set *o)
{
	free(o->v);
	free(o->seqs);
	memset(o, 0, sizeof(*o));
}

/* Under LOCK_EX: set right what is odd, then list. */
static int list_fixing(struct spool *sp, uint64_t after, size_t max,
		       struct spool_ref **refs, size_t *n)
{
	struct odd_set o = { 0 };
	int r;

	r = spool_state_load(sp);
	if (r == 0)
		r = spool_state_store(sp, true);
	if (r < 0)
		return r;
	o.counter = sp->tot.seq;
	r = scan(sp, after, max, refs, n, &o);
	if (r == 0 && o.n > 0) {
		free(*refs);
		*refs = NULL;
		*n = 0;
		r = fix(sp, &o);
		if (r == 0 && fsync(sp->newfd) < 0)
			r = -errno;
		/* Files planted by hand were never counted: recount. */
		if (r == 0)
			r = spool_state_rebuild(sp, &sp->tot);
		if (r == 0)
			r = scan(sp, after, max, refs, n, NULL);
	} else if (r == 0) {
		r = spool_state_store(sp, false);
	}
	odd_free(&o);
	return r;
}

int spool_list(struct spool *sp, uint64_t after, size_t max,
	       struct spool_ref **refs, size_t *n)
{
	struct odd_set o = { 0 };
	int r;

	*refs = NULL;
	*n = 0;
	/* Writers rename under LOCK_EX, so a shared lock gives a snapshot in
	 * which no lower seq can still appear after a higher one. */
	r = spool_lock(sp, LOCK_SH);
	if (r < 0)
		return r;
	r = spool_state_peek(sp, &o.counter);
	if (r < 0)
		o.counter = UINT64_MAX;  /* dirty: the next writer recounts */
	r = scan(sp, after, max, refs, n, &o);
	spool_unlock(sp);
	if (r < 0 || o.n == 0) {
		odd_free(&o);
		return r;
	}
	odd_free(&o);
	free(*refs);
	*refs = NULL;
	*n = 0;
	r = spool_lock(sp, LOCK_EX);
	if (r < 0)
		return r;
	r = list_fixing(sp, after, max, refs, n);
	spool_unlock(sp);
	if (r < 0) {
		free(*refs);
		*refs = NULL;
		*n = 0;
	}
	return r;
}
