/* spool_setup.c: what root prepares before a daemon drops to [node] user.
 *
 * The spool is shared: root tools (outpost-pub --event, outpost-probe
 * --publish) and the daemons write events into it (outpost-probed, running
 * as the unprivileged user, too) and outpost-pubd, running as that user,
 * reads and deletes them. So the directories belong to the user and its
 * group, mode 2770: group-writable, and setgid so every file created in
 * them gets the group; event files are created 0640, so the group can read
 * them, and deleting only needs write access to new/. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "spool.h"

#define DIR_MODE (S_ISGID | 0770)

/* Open dirfd/name for changing it as root: never through a link (the
 * spool's user can plant one), never blocked by a FIFO, and only if it is
 * a folder (dir) or a plain file with one link (so not a hard link to a
 * file of someone else's). Returns the fd, 0 when it does not exist
 * (-ENOENT), or -errno. */
static int open_owned(int dirfd, const char *name, bool dir, struct stat *st)
{
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    (dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode) || st->st_nlink != 1) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Give fd to uid:gid with mode; only through the fd. */
static int own_fd(int fd, const struct stat *st, uid_t uid, gid_t gid, mode_t mode)
{
	if ((st->st_uid != uid || st->st_gid != gid) && fchown(fd, uid, gid) < 0)
		return -errno;
	/* fchown clears setgid: set the mode afterwards. */
	if (fchmod(fd, mode) < 0)
		return -errno;
	return 0;
}

/* Give dirfd/name (or dirfd itself when name is NULL) to uid:gid; name is
 * a folder (dir) or a plain file. A missing file is fine. */
static int own(int dirfd, const char *name, uid_t uid, gid_t gid, bool dir,
    mode_t mode)
{
	struct stat st;
	int fd, r;

	if (name == NULL) {
		if (fstat(dirfd, &st) < 0)
			return -errno;
		return own_fd(dirfd, &st, uid, gid, mode);
	}
	fd = open_owned(dirfd, name, dir, &st);
	if (fd < 0)
		return fd == -ENOENT && !dir ? 0 : fd;
	r = own_fd(fd, &st, uid, gid, mode);
	close(fd);
	return r;
}

/* Events written before the directory had its group (or by a tool with
 * another umask) get the group and its read bit, so the daemon can read
 * them once it is not root any more. new/ is the folder opened here, and
 * each entry is opened and changed through its fd, so neither swapping
 * new/ for a link nor an entry for a link or a hard link makes root change
 * a file outside the spool; what is not a plain file is left for the
 * daemon to move aside. */
static int own_events(int dirfd, gid_t gid)
{
	struct dirent *de;
	struct stat st;
	int fd, efd, r = 0;
	DIR *d;

	fd = openat(dirfd, "new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		efd = open_owned(fd, de->d_name, false, &st);
		if (efd < 0)
			continue;       /* gone, a link, a FIFO, a folder... */
		if (st.st_gid != gid && fchown(efd, (uid_t)-1, gid) < 0)
			r = -errno;
		if (r == 0 && !(st.st_mode & S_IRGRP) &&
		    fchmod(efd, (st.st_mode & 07777) | S_IRGRP) < 0)
			r = -errno;
		close(efd);
		if (r < 0)
			break;
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

/* Create the spool directory and give it to uid:gid. Everything under it
 * is created and changed through fds opened without following links. */
int spool_setup(const char *dir, uid_t uid, gid_t gid, const char **what)
{
	static const char *const subdirs[] = { "tmp", "new", "bad" };
	int dirfd = -1, r;
	size_t i;

	*what = dir;
	/* parents: root's, as a package manager would make them */
	dirfd = fs_mkdir_open(dir, 0755, DIR_MODE, FS_FOLLOW);
	if (dirfd < 0)
		return dirfd;
	r = own(dirfd, NULL, uid, gid, true, DIR_MODE);
	for (i = 0; r == 0 && i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		*what = subdirs[i];
		if (mkdirat(dirfd, subdirs[i], DIR_MODE) < 0 && errno != EEXIST)
			r = -errno;
		else
			r = own(dirfd, subdirs[i], uid, gid, true, DIR_MODE);
	}
	if (r == 0) {
		*what = "state";
		r = own(dirfd, "state", uid, gid, false, 0660);
	}
	if (r == 0) {
		*what = "pubd.inflight";
		r = own(dirfd, "pubd.inflight", uid, gid, false, 0640);
	}
	if (r == 0) {
		*what = "new/";
		r = own_events(dirfd, gid);
	}
	close(dirfd);
	return r;
}
