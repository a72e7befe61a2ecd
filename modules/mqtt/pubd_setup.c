/* pubd_setup.c: what root prepares before the daemon drops to [node] user.
 *
 * The spool is shared: root tools (outpost-pub --event, the other daemons)
 * write events into it and outpost-pubd, running as the unprivileged user,
 * reads and deletes them. So the directories belong to the user and its
 * group, mode 2770: group-writable, and setgid so every file created in
 * them gets the group; event files are created 0640, so the group can read
 * them, and deleting only needs write access to new/. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pubd.h"

#define DIR_MODE (S_ISGID | 0770)

/* Look up user by name or numeric uid. */
int pubd_setup_user(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	char *end;
	unsigned long n;
	int r;

	errno = 0;
	n = strtoul(user, &end, 10);
	if (*user >= '0' && *user <= '9' && *end == '\0' && errno == 0) {
		r = getpwuid_r((uid_t)n, &pw, buf, sizeof(buf), &res);
		if (!res && (r == 0 || r == ENOENT)) {
			/* priv_drop() accepts a bare uid: so do we. */
			*uid = (uid_t)n;
			*gid = (gid_t)n;
			return 0;
		}
	} else {
		r = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	}
	if (!res)
		return r == 0 || r == ENOENT || r == ESRCH ? -ESRCH : -r;
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

/* mkdir -p, with mode for what it creates. */
static int mkdir_p(const char *path, mode_t mode)
{
	char *p, *s = strdup(path);
	int r = 0;

	if (!s)
		return -ENOMEM;
	for (p = s + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0755) < 0 && errno != EEXIST)
			r = -errno;
		*p = '/';
		if (r < 0)
			goto out;
	}
	if (mkdir(s, mode) < 0 && errno != EEXIST)
		r = -errno;
out:
	free(s);
	return r;
}

/* Give dirfd/name (or dirfd itself when name is NULL) to uid:gid. */
static int own(int dirfd, const char *name, uid_t uid, gid_t gid, mode_t dmode,
    mode_t fmode)
{
	struct stat st;
	int fd, r = 0;

	fd = name ? openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : dup(dirfd);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0) {
		r = -errno;
		goto out;
	}
	/* fchown clears setgid: set the mode afterwards. */
	if (fchmod(fd, S_ISDIR(st.st_mode) ? dmode : fmode) < 0)
		r = -errno;
out:
	close(fd);
	return r;
}

/* Events written before the directory had its group (or by a tool with
 * another umask) get the group and its read bit, so the daemon can read
 * them once it is not root any more. */
static int own_events(int dirfd, gid_t gid)
{
	struct dirent *de;
	struct stat st;
	int fd, r = 0;
	DIR *d;

	fd = openat(dirfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (st.st_gid != gid &&
		    fchownat(fd, de->d_name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != ENOENT) {
			r = -errno;
			break;
		}
		if (!(st.st_mode & S_IRGRP) &&
		    fchmodat(fd, de->d_name, (st.st_mode & 07777) | S_IRGRP, 0) < 0 &&
		    errno != ENOENT) {
			r = -errno;
			break;
		}
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

/* Create the spool directory and give it to uid:gid. */
int pubd_setup_spool(const char *dir, uid_t uid, gid_t gid, const char **what)
{
	static const char *const subdirs[] = { "tmp", "new" };
	int dirfd = -1, r;
	size_t i;

	*what = dir;
	r = mkdir_p(dir, DIR_MODE);
	if (r < 0)
		return r;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	r = own(dirfd, NULL, uid, gid, DIR_MODE, 0);
	for (i = 0; r == 0 && i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		*what = subdirs[i];
		if (mkdirat(dirfd, subdirs[i], DIR_MODE) < 0 && errno != EEXIST)
			r = -errno;
		else
			r = own(dirfd, subdirs[i], uid, gid, DIR_MODE, 0);
	}
	if (r == 0) {
		*what = "state";
		r = own(dirfd, "state", uid, gid, DIR_MODE, 0660);
	}
	if (r == 0) {
		*what = "pubd.inflight";
		r = own(dirfd, "pubd.inflight", uid, gid, DIR_MODE, 0640);
	}
	if (r == 0) {
		*what = "new/";
		r = own_events(dirfd, gid);
	}
	close(dirfd);
	return r;
}
