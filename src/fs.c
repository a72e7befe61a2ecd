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

int fs_read_fd(int fd, size_t max, uint8_t **buf, size_t *len)
{
	size_t got = 0, cap;
	struct stat st;
	uint8_t *b, *t;
	int r;

	*buf = NULL;
	*len = 0;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size < 0 || (uint64_t)st.st_size > max)
		return -EFBIG;
	/* Room for the size fstat saw, the NUL, and one byte to see EOF. */
	cap = (size_t)st.st_size + 2;
	if (!(b = malloc(cap)))
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (got > max) {
			r = -EFBIG;
			goto fail;
		}
		if (got + 1 == cap) {
			/* It grew since fstat: take more room, up to max. */
			cap = cap - 1 > max / 2 ? max + 2 : cap * 2;
			if (!(t = realloc(b, cap))) {
				r = -ENOMEM;
				goto fail;
			}
			b = t;
		}
		n = pread(fd, b + got, cap - 1 - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
fail:
	free(b);
	return r;
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

int fs_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
