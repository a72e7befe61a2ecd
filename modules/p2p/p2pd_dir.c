/* p2pd_dir.c: outpost-p2pd's data folder (layout in p2pd.h).
 *
 * Root only makes the folder and hands it to the [node] user, through an
 * fd opened without following links; everything inside is made and read
 * by the daemon after it dropped to that user, with the store's
 * one-component-at-a-time opens (store_fs.c). (owner: region) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "p2pd.h"
#include "store_int.h"

#define DIR_MODE	(S_ISGID | 0770)

int p2pd_dir_setup(const char *data_dir, uid_t uid, gid_t gid, const char **what)
{
	struct stat st;
	int fd, r = 0;

	*what = data_dir;
	/* parents: root's, as a package manager would make them; the folder
	 * itself never through a link */
	fd = fs_mkdir_open(data_dir, 0755, DIR_MODE, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0) {
		r = -errno;
	} else if ((st.st_mode & 07777) != DIR_MODE && fchmod(fd, DIR_MODE) < 0) {
		r = -errno;
	}
	close(fd);
	return r;
}

int p2pd_dir_open(struct p2pd *d, char *why, size_t whylen)
{
	static const char *const sub[] = { P2PD_DIR_TORRENTS, P2PD_DIR_CONTENT, P2PD_DIR_INCOMING };
	int *fds[] = { &d->torrents_fd, &d->content_fd, &d->incoming_fd };
	int r;

	d->dirfd = open(d->set.data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->dirfd < 0) {
		r = -errno;
		snprintf(why, whylen, "data folder %s: %s", d->set.data_dir, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < 3; i++) {
		r = p2p_fs_opendir(d->dirfd, sub[i], DIR_MODE, fds[i]);
		if (r < 0) {
			snprintf(why, whylen, "%s/%s: %s", d->set.data_dir, sub[i],
			    r == -ELOOP ? "a symbolic link (remove it)" :
			    r == -ENOTDIR ? "not a folder" : strerror(-r));
			return r;
		}
	}
	return 0;
}

void p2pd_dir_close(struct p2pd *d)
{
	int *fds[] = { &d->dirfd, &d->torrents_fd, &d->content_fd, &d->incoming_fd };

	for (size_t i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int p2pd_read_file(int dirfd, const char *name, size_t max, uint8_t **buf, size_t *len)
{
	int fd, r;

	*buf = NULL;
	*len = 0;
	if ((r = p2p_fs_open(dirfd, name, O_RDONLY, 0, &fd)) < 0)
		return r;
	r = fs_read_fd(fd, max, buf, len);
	close(fd);
	return r;
}

int p2pd_write_file(int dirfd, const char *name, const void *buf, size_t len, bool durable)
{
	char tmp[P2PD_PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	r = fs_write_all(fd, buf, len);
	if (!r && durable && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r)
		(void)unlinkat(dirfd, tmp, 0);
	else if (durable)
		(void)fsync(dirfd);
	return r;
}

/* Depth-first removal through fds: a link is removed, never followed. */
static int remove_in(int parent, const char *name, int depth)
{
	struct dirent *e;
	DIR *dir;
	int fd, r = 0;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	if (depth > 64)
		return -ELOOP;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(dir)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((r = remove_in(dirfd(dir), e->d_name, depth + 1)) < 0)
			break;
	}
	closedir(dir);
	if (!r && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int p2pd_remove_tree(int dirfd, const char *name)
{
	return remove_in(dirfd, name, 0);
}
