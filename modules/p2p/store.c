/* store.c: a torrent's content on disk (store.h): the staging layout,
 * the piece space mapped onto files, checks, and moving into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p2p_wire.h"
#include "store_int.h"

static int set_why(char *why, size_t whylen, int rc, const char *what)
{
	if (why && whylen)
		snprintf(why, whylen, "%s: %s", what, strerror(-rc));
	return rc;
}

/* Walk [off, off + len) of the piece space: write (buf into files), or
 * read (files into buf, pad files and gaps as zeros). */
int p2p_store_io(struct p2p_store *s, uint64_t off, uint8_t *buf, size_t len, bool wr)
{
	const struct p2p_meta *m = s->m;
	size_t lo = 0, hi = m->nfiles, i;

	while (lo < hi) {	/* the first file ending after off */
		size_t mid = lo + (hi - lo) / 2;

		if (m->files[mid].offset + m->files[mid].length <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!wr)
		memset(buf, 0, len);
	for (i = lo; i < m->nfiles && len; i++) {
		const struct p2p_file *f = &m->files[i];
		uint64_t start, end;
		size_t n, done = 0;

		if (f->offset >= off + len)
			break;
		start = f->offset > off ? f->offset : off;
		end = f->offset + f->length < off + len ? f->offset + f->length : off + len;
		if (end <= start || f->pad || s->fds[i] < 0)
			continue;
		n = (size_t)(end - start);
		while (done < n) {
			uint8_t *p = buf + (start - off) + done;
			off_t at = (off_t)(start - f->offset + done);
			ssize_t r = wr ? pwrite(s->fds[i], p, n - done, at)
				       : pread(s->fds[i], p, n - done, at);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -errno;
			if (r == 0)
				return wr ? -EIO : 0;	/* short file: the rest reads as zeros */
			done += (size_t)r;
		}
	}
	return 0;
}

static void hex_of(const struct p2p_meta *m, char *out)
{
	const uint8_t *h = (m->version & P2P_V1) ? m->ih1 : m->ih2;
	size_t i;

	for (i = 0; i < 20; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

static void close_files(struct p2p_store *s)
{
	size_t i;

	for (i = 0; s->fds && i < s->m->nfiles; i++)
		if (s->fds[i] >= 0) {
			close(s->fds[i]);
			s->fds[i] = -1;
		}
}

/* Open every stored file in its final place. 1 all there with the right
 * sizes, 0 not all there (nothing kept open), or -errno: anything but a
 * regular file or folder in the way is refused even when others are
 * missing, so it is seen before any download starts. */
static int open_final(struct p2p_store *s, char *why, size_t whylen)
{
	const struct p2p_meta *m = s->m;
	bool all = true;
	struct stat st;
	size_t i;
	int rc;

	for (i = 0; i < m->nfiles; i++) {
		if (m->files[i].pad)
			continue;
		rc = p2p_fs_open(s->dirfd, m->files[i].path, s->seed_only ? O_RDONLY : O_RDWR, 0,
		    &s->fds[i]);
		if (rc == -EACCES && !s->seed_only)	/* complete read-only content is fine */
			rc = p2p_fs_open(s->dirfd, m->files[i].path, O_RDONLY, 0, &s->fds[i]);
		if (rc == -ENOENT || rc == -ENOTDIR) {
			all = false;
			continue;
		}
		if (rc < 0) {
			close_files(s);
			return set_why(why, whylen, rc, m->files[i].path);
		}
		if (fstat(s->fds[i], &st) < 0 || (uint64_t)st.st_size != m->files[i].length)
			all = false;
	}
	if (!all)
		close_files(s);
	return all ? 1 : 0;
}

static int prealloc(int fd, uint64_t len)
{
	struct stat st;
	int rc;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size == len)
		return 0;
	if ((uint64_t)st.st_size > len)
		return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
	rc = posix_fallocate(fd, 0, (off_t)len);
	if (rc == 0)
		return 0;
	/* The filesystem refused (EOPNOTSUPP, EINVAL): a sparse file will do. */
	return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

/* Open (creating) every file under the staging folder. *old is set when
 * some file already held bytes. */
static int open_stage(struct p2p_store *s, bool *old, char *why, size_t whylen)
{
	const struct p2p_meta *m = s->m;
	char rel[96];
	struct stat st;
	size_t i;
	int rc;

	snprintf(rel, sizeof(rel), "%s/%s", P2P_STAGE_DIR, s->hex);
	if ((rc = p2p_fs_opendir(s->dirfd, rel, 0700, &s->stagefd)) < 0)
		return set_why(why, whylen, rc, rel);
	*old = false;
	for (i = 0; i < m->nfiles; i++) {
		if (m->files[i].pad)
			continue;
		rc = p2p_fs_open(s->stagefd, m->files[i].path, O_RDWR | O_CREAT, 0700, &s->fds[i]);
		if (rc < 0)
			return set_why(why, whylen, rc, m->files[i].path);
		if (fstat(s->fds[i], &st) == 0 && st.st_size > 0)
			*old = true;
	}
	return 0;
}

static int prealloc_all(struct p2p_store *s, char *why, size_t whylen)
{
	size_t i;
	int rc;

	for (i = 0; i < s->m->nfiles; i++)
		if (s->fds[i] >= 0 && (rc = prealloc(s->fds[i], s->m->files[i].length)) < 0)
			return set_why(why, whylen, rc, s->m->files[i].path);
	return 0;
}

uint64_t p2p_store_have_bytes(const struct p2p_store *s)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < s->m->npieces; i++)
		if (p2p_bit(s->have, i))
			n += p2p_piece_size(s->m, i);
	return n;
}

void p2p_store_count_have(struct p2p_store *s)
{
	uint32_t i;

	s->count = 0;
	for (i = 0; i < s->m->npieces; i++)
		s->count += p2p_bit(s->have, i);
}

int p2p_store_open(const struct p2p_meta *m, const struct p2p_store_opts *o,
    struct p2p_store **out, char *why, size_t whylen)
{
	struct p2p_store *s;
	bool old = false, resumed;
	size_t i;
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (!m || !o || !o->dir || !m->npieces)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->m = m;
	s->stagefd = -1;
	s->dirfd = -1;
	s->progress = o->progress;
	s->arg = o->arg;
	s->seed_only = o->seed_only;
	s->dir = strdup(o->dir);
	s->fds = malloc(m->nfiles * sizeof(*s->fds) + 1);
	s->have = calloc(1, p2p_bitfield_bytes(m->npieces));
	if (!s->fds || !s->have || !s->dir) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < m->nfiles; i++)
		s->fds[i] = -1;
	hex_of(m, s->hex);
	snprintf(s->resume, sizeof(s->resume), "%s.resume", s->hex);
	if (!o->seed_only && mkdir(o->dir, 0755) < 0 && errno != EEXIST) {
		rc = set_why(why, whylen, -errno, o->dir);
		goto fail;
	}
	s->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = set_why(why, whylen, -errno, o->dir);
		goto fail;
	}
	rc = open_final(s, why, whylen);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		s->final = true;
		if (p2p_resume_load(s) != 0) {
			if (o->defer_check)
				s->need_check = true;
			else if ((rc = p2p_store_check(s, why, whylen)) < 0)
				goto fail;
		}
	} else if (o->seed_only) {
		rc = -ENOENT;
		if (why && whylen)
			snprintf(why, whylen, "%s: the content is not complete in place", o->dir);
		goto fail;
	} else {
		if ((rc = open_stage(s, &old, why, whylen)) < 0)
			goto fail;
		/* Before preallocating: that would change the mtimes. */
		rc = p2p_resume_load(s);
		if (rc == -ENOMEM)
			goto fail;
		resumed = rc == 0;
		if ((rc = prealloc_all(s, why, whylen)) < 0)
			goto fail;
		if (!resumed && old) {
			if (o->defer_check)
				s->need_check = true;
			else if ((rc = p2p_store_check(s, why, whylen)) < 0)
				goto fail;
		}
		s->dirty = true;
	}
	if (s->need_check) {	/* the job says the rest (p2p_store_job_end) */
		*out = s;
		return 0;
	}
	p2p_store_count_have(s);
	s->found = p2p_store_have_bytes(s);
	if (o->seed_only && s->count != m->npieces) {
		if (why && whylen)
			snprintf(why, whylen, "%s: %u of %u pieces do not match", o->dir,
			    m->npieces - s->count, m->npieces);
		rc = -EILSEQ;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	s->dirty = false;
	p2p_store_close(s);
	return rc;
}

void p2p_store_close(struct p2p_store *s)
{
	if (!s)
		return;
	/* A check left undone leaves the resume file as it was. */
	if (s->dirty && !s->final && s->stagefd >= 0 && !s->need_check)
		(void)p2p_resume_write(s);
	close_files(s);
	if (s->stagefd >= 0)
		close(s->stagefd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->fds);
	free(s->have);
	free(s->dir);
	free(s);
}

const uint8_t *p2p_store_have(const struct p2p_store *s)
{
	return s->have;
}

uint32_t p2p_store_count(const struct p2p_store *s)
{
	return s->count;
}

bool p2p_store_complete(const struct p2p_store *s)
{
	return s->count == s->m->npieces;
}

bool p2p_store_final(const struct p2p_store *s)
{
	return s->final;
}

uint64_t p2p_store_found_bytes(const struct p2p_store *s)
{
	return s->found;
}

int p2p_store_write_piece(struct p2p_store *s, uint32_t i, const uint8_t *data, size_t len,
    char *why, size_t whylen)
{
	char what[32];
	int rc;

	if (i >= s->m->npieces || len != p2p_piece_size(s->m, i))
		return -EINVAL;
	if (p2p_bit(s->have, i))
		return -EEXIST;
	if (s->need_check)
		return -EBUSY;
	if (s->seed_only)
		return -EROFS;
	if (!p2p_piece_verify(s->m, i, data, len))
		return -EILSEQ;
	rc = p2p_store_io(s, (uint64_t)i * s->m->piece_len, (uint8_t *)data, len, true);
	if (rc < 0) {
		snprintf(what, sizeof(what), "piece %u", i);
		return set_why(why, whylen, rc, what);
	}
	p2p_bit_set(s->have, i);
	s->count++;
	s->dirty = true;
	return 0;
}

int p2p_store_read(struct p2p_store *s, uint32_t i, uint32_t begin, uint8_t *buf, uint32_t len)
{
	if (i >= s->m->npieces || !p2p_bit(s->have, i))
		return -ENOENT;
	if ((uint64_t)begin + len > p2p_piece_span(s->m, i))
		return -EINVAL;
	return p2p_store_io(s, (uint64_t)i * s->m->piece_len + begin, buf, len, false);
}

int p2p_store_save(struct p2p_store *s)
{
	int rc;

	if (!s->dirty || s->final || s->stagefd < 0 || s->need_check)
		return 0;
	rc = p2p_resume_write(s);
	if (rc == 0)
		s->dirty = false;
	return rc;
}

/* Move one file from the staging folder to its final place. */
static int move_one(struct p2p_store *s, size_t i)
{
	const char *path = s->m->files[i].path, *sleaf, *tleaf;
	struct stat st;
	int sp = -1, tp = -1, rc;

	if ((rc = p2p_fs_parent(s->stagefd, path, 0, &sp, &sleaf)) < 0 ||
	    (rc = p2p_fs_parent(s->dirfd, path, 0755, &tp, &tleaf)) < 0)
		goto out;
	if (fstatat(tp, tleaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		rc = -EEXIST;
		goto out;
	}
	if (s->m->files[i].executable)
		(void)fchmod(s->fds[i], 0755);
	rc = renameat(sp, sleaf, tp, tleaf) < 0 || fsync(tp) < 0 ? -errno : 0;
out:
	if (sp >= 0)
		close(sp);
	if (tp >= 0)
		close(tp);
	return rc;
}

/* Remove the staging folders left empty once every file moved out. */
static void remove_stage(struct p2p_store *s)
{
	char rel[P2P_PATH_MAX + 1], *slash;
	size_t i;
	int sd;

	for (i = s->m->nfiles; i-- > 0;) {
		snprintf(rel, sizeof(rel), "%s", s->m->files[i].path);
		while ((slash = strrchr(rel, '/')) != NULL) {
			*slash = '\0';
			(void)unlinkat(s->stagefd, rel, AT_REMOVEDIR);
		}
	}
	close(s->stagefd);
	s->stagefd = -1;
	if (p2p_fs_opendir(s->dirfd, P2P_STAGE_DIR, 0, &sd) < 0)
		return;
	(void)unlinkat(sd, s->hex, AT_REMOVEDIR);
	(void)unlinkat(sd, s->resume, 0);
	close(sd);
	(void)unlinkat(s->dirfd, P2P_STAGE_DIR, AT_REMOVEDIR);
	(void)fsync(s->dirfd);
}

/* Every file into its final place, the staging folder gone. */
int p2p_store_place(struct p2p_store *s, char *why, size_t whylen)
{
	const struct p2p_meta *m = s->m;
	size_t i;
	int rc;

	for (i = 0; i < m->nfiles; i++) {
		if (s->fds[i] < 0)
			continue;
		if ((rc = move_one(s, i)) < 0)
			return set_why(why, whylen, rc, m->files[i].path);
	}
	if (fsync(s->dirfd) < 0)
		return set_why(why, whylen, -errno, "target folder");
	remove_stage(s);
	s->final = true;
	s->dirty = false;
	return 0;
}
