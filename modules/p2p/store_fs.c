/* store_fs.c: opening paths under a folder without ever leaving it:
 * openat one component at a time with O_NOFOLLOW, fstat after each. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define FS_FLAGS	(O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)

static int open_one_dir(int at, const char *name, int mode, int *out)
{
	struct stat st;
	int fd;

	fd = openat(at, name, O_RDONLY | O_DIRECTORY | FS_FLAGS);
	if (fd < 0 && errno == ENOENT && mode) {
		if (mkdirat(at, name, (mode_t)mode) < 0 && errno != EEXIST)
			return -errno;
		fd = openat(at, name, O_RDONLY | O_DIRECTORY | FS_FLAGS);
	}
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? -EPERM : -errno;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return -EPERM;
	}
	*out = fd;
	return 0;
}

int p2p_fs_opendir(int base, const char *rel, int mode, int *out)
{
	char comp[NAME_MAX + 1];
	const char *p = rel, *slash;
	int fd, nfd = -1, rc;

	fd = fcntl(base, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (*p) {
		size_t n;

		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			return -EINVAL;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		rc = open_one_dir(fd, comp, mode, &nfd);
		close(fd);
		if (rc < 0)
			return rc;
		fd = nfd;
		p += n + (slash ? 1 : 0);
	}
	*out = fd;
	return 0;
}

int p2p_fs_parent(int base, const char *path, int dmode, int *pfd, const char **leaf)
{
	char dir[P2P_PATH_MAX + 1];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		*leaf = path;
		return p2p_fs_opendir(base, "", 0, pfd);
	}
	n = (size_t)(slash - path);
	if (n > P2P_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*leaf = slash + 1;
	return p2p_fs_opendir(base, dir, dmode, pfd);
}

int p2p_fs_open(int base, const char *path, int flags, int dmode, int *out)
{
	const char *leaf;
	struct stat st;
	int dfd, fd, rc;

	rc = p2p_fs_parent(base, path, (flags & O_CREAT) ? dmode : 0, &dfd, &leaf);
	if (rc < 0)
		return rc;
	if (!*leaf || strlen(leaf) > NAME_MAX) {
		close(dfd);
		return -EINVAL;
	}
	fd = openat(dfd, leaf, flags | FS_FLAGS, 0644);
	rc = fd < 0 ? (errno == ELOOP ? -EPERM : -errno) : 0;
	close(dfd);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EPERM;
	}
	/* O_NONBLOCK was only there so a FIFO could not hang the open. */
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*out = fd;
	return 0;
}
