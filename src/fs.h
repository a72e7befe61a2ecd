/* fs.h: small file and folder helpers every Outpost tool needs the same
 * way: making a folder with its parents, reading a small file whole, and
 * writing a buffer whole. They return 0 (or an fd) or -errno and never
 * print. */
#ifndef OUTPOST_FS_H
#define OUTPOST_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Follow a link as the last component of the path (parents are always
 * resolved the ordinary way). Without it a link there is -ELOOP. */
#define FS_FOLLOW	0x1

/* Make path and its missing parents (the parents with pmode, path itself
 * with mode; what exists already is kept as it is), then open path as a
 * folder, O_RDONLY|O_DIRECTORY|O_CLOEXEC. Returns the fd, or -errno:
 * -ENOTDIR when path or a parent is something else than a folder,
 * -ELOOP when path is a link and flags lack FS_FOLLOW, -ENOENT for "". */
int fs_mkdir_open(const char *path, mode_t pmode, mode_t mode, unsigned flags);

/* Read fd (a pipe, a terminal, a file from where it stands) to its end
 * into a malloc'd buffer with a NUL after the last byte (*len excludes
 * it). hint: the size expected (0: unknown), to read a file in one go.
 * Returns 0, -EFBIG as soon as more than max bytes came, or -errno. */
int fs_read_stream(int fd, size_t max, size_t hint, uint8_t **buf, size_t *len);

/* Read the regular file open on fd whole, from its start, into a malloc'd
 * buffer with a NUL after the last byte (*len excludes it). Returns 0,
 * -EINVAL when fd is no regular file, -EFBIG when it holds more than max
 * bytes (also when it grew past max while being read), or -errno. */
int fs_read_fd(int fd, size_t max, uint8_t **buf, size_t *len);

/* fs_read_fd() of dirfd/path (dirfd may be AT_FDCWD), opened with
 * O_NOFOLLOW (unless FS_FOLLOW), O_NONBLOCK (a FIFO is refused at once,
 * never waited on), O_NOCTTY and O_CLOEXEC. Returns 0 or -errno: -ELOOP
 * for a link, -EINVAL for a FIFO, device or folder, -EFBIG over max. */
int fs_read_file(int dirfd, const char *path, size_t max, unsigned flags, uint8_t **buf,
		 size_t *len);

/* Write len bytes of buf to fd, going on after partial writes and EINTR.
 * Returns 0 or -errno (-EAGAIN on a non-blocking fd that is full). */
int fs_write_all(int fd, const void *buf, size_t len);

/* The same with pwrite(2) from offset off, which the fd's position does
 * not follow. 0 or -errno (-EINVAL for a negative off). */
int fs_pwrite_all(int fd, const void *buf, size_t len, off_t off);

#endif
