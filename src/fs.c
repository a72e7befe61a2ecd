/* fs.c: making folders, reading small files whole, writing whole. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

/* mkdir(2) that keeps whatever already stands at the name: open() will
 * tell whether it is a folder. */
static int mkdir_keep(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int fs_mkdir_open(const char *path, mode_t pmode, mode_t mode, unsigned flags)
{
	int oflags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	struct stat st;
	char *s, *p;
	int fd, r = 0;

	if (!*path)
		return -ENOENT;
	if (!(s = strdup(path)))
		return -ENOMEM;
	for (p = s + 1; *p && r == 0; p++) {
		/* "a//b" and "a/b/" name no folder in between */
		if (*p != '/' || p[-1] == '/' || p[strspn(p, "/")] == '\0')
			continue;
		*p = '\0';
		r = mkdir_keep(s, pmode);
		*p = '/';
	}
	free(s);
	if (r == 0)
		r = mkdir_keep(path, mode);
	if (r < 0)
		return r;
	if (!(flags & FS_FOLLOW))
		oflags |= O_NOFOLLOW;
	fd = open(path, oflags);
	if (fd >= 0)
		return fd;
	r = -errno;
	/* O_NOFOLLOW with O_DIRECTORY says ENOTDIR for a link: say ELOOP. */
	if (r == -ENOTDIR && !(flags & FS_FOLLOW) && lstat(path, &st) == 0 &&
	    S_ISLNK(st.st_mode))
		r = -ELOOP;
	return r;
}

int fs_read_stream(int fd, size_t max, size_t hint, uint8_t **buf, size_t *len)
{
	size_t got = 0, cap;
	uint8_t *b = NULL, *t;
	int r;

	*buf = NULL;
	*len = 0;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	/* cap bytes are read into, plus the NUL: what is expected and one
	 * byte more, to see the end at once. */
	cap = (hint ? (hint < max ? hint : max) : (max < 65535 ? max : 65535)) + 1;
	for (;;) {
		ssize_t n;

		if (!b || got == cap) {
			/* Double, never past max + 1: a pipe that brings more
			 * than max costs max + 2 bytes, not twice that. */
			if (b)
				cap = cap > max / 2 ? max + 1 : cap * 2;
			if (!(t = realloc(b, cap + 1))) {
				r = -ENOMEM;
				goto fail;
			}
			b = t;
		}
		n = read(fd, b + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			r = -EFBIG;
			goto fail;
		}
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
fail:
	free(b);
	return r;
}

int fs_read_fd(int fd, size_t max, uint8_t **buf, size_t *len)
{
	struct stat st;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size < 0 || (uint64_t)st.st_size > max)
		return -EFBIG;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	/* The size is a hint: the file may grow or shrink meanwhile. */
	return fs_read_stream(fd, max, (size_t)st.st_size, buf, len);
}

int fs_read_file(int dirfd, const char *path, size_t max, unsigned flags, uint8_t **buf,
		 size_t *len)
{
	int oflags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd, r;

	*buf = NULL;
	*len = 0;
	if (!(flags & FS_FOLLOW))
		oflags |= O_NOFOLLOW;
	if ((fd = openat(dirfd, path, oflags)) < 0)
		return -errno;
	r = fs_read_fd(fd, max, buf, len);
	close(fd);
	return r;
}

/* write(2) (at < 0) or pwrite(2) at offset at, until all of buf is out. */
static int write_whole(int fd, const void *buf, size_t len, off_t at)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = at < 0 ? write(fd, p, len) : pwrite(fd, p, len, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		if (at >= 0)
			at += n;
	}
	return 0;
}

int fs_write_all(int fd, const void *buf, size_t len)
{
	return write_whole(fd, buf, len, -1);
}

int fs_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	if (off < 0)
		return -EINVAL;
	return write_whole(fd, buf, len, off);
}
