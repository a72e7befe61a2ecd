/* spool_fs.c: opening what lies under a spool folder safely.
 *
 * The folder belongs to the daemon's user, who can replace anything in it;
 * root opens the same folder (root-run producers, and outpost-pubd before
 * it drops privileges). So nothing under the folder is opened by a path
 * that can be redirected: every open is relative to an already opened
 * folder, with O_NOFOLLOW (a link is refused, never followed) and
 * O_NONBLOCK (a FIFO cannot hold the process in open()); the type, owner
 * and mode are then checked on the open descriptor, which is what every
 * later change goes through. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "spool_impl.h"

void spool_why(struct spool_why *w, const char *fmt, ...)
{
	va_list ap;

	if (w == NULL || w->buf == NULL || w->len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(w->buf, w->len, fmt, ap);
	va_end(ap);
}

/* Whether uid may own something in the spool: root, ourselves, the
 * declared owner, or (when none was declared) the top folder's owner. */
static bool owner_ok(const struct spool *sp, uid_t uid)
{
	if (uid == 0 || uid == geteuid())
		return true;
	if (sp->owner != (uid_t)-1 && sp->owner != 0)
		return uid == sp->owner;
	return uid == sp->top_uid;
}

int spool_fs_check(const struct spool *sp, int fd, const char *name, bool dir,
		   struct spool_why *w)
{
	const char *sep = name ? "/" : "";
	struct stat st;

	name = name ? name : "";
	if (fstat(fd, &st) < 0)
		return -errno;
	if (dir && !S_ISDIR(st.st_mode)) {
		spool_why(w, "spool %s%s%s: is not a folder; remove it", sp->dirpath, sep, name);
		return -ENOTDIR;
	}
	if (!dir && (!S_ISREG(st.st_mode) || st.st_nlink != 1)) {
		spool_why(w, "spool %s%s%s: is not a plain file (%s); remove it",
			  sp->dirpath, sep, name, S_ISREG(st.st_mode) ?
			  "it has other hard links" : "a FIFO, socket or device");
		return -EPERM;
	}
	if (!owner_ok(sp, st.st_uid)) {
		spool_why(w, "spool %s%s%s: is owned by uid %u, which is neither root, "
			  "this process (uid %u) nor the spool's user: chown it to the "
			  "spool's user", sp->dirpath, sep, name, (unsigned)st.st_uid,
			  (unsigned)geteuid());
		return -EPERM;
	}
	if (st.st_mode & S_IWOTH) {
		spool_why(w, "spool %s%s%s: is mode %04o, writable by every user: "
			  "chmod o-w it (outpost-pubd makes folders 2770)", sp->dirpath,
			  sep, name, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int spool_fs_subdir(struct spool *sp, const char *name, bool create, int *out,
		    struct spool_why *w)
{
	int fd, r;

	*out = -1;
	if (create && mkdirat(sp->dirfd, name, 0750) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(sp->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		struct stat st;

		r = -errno;
		/* With O_DIRECTORY a link gives ENOTDIR: tell them apart. */
		if (r == -ENOTDIR && fstatat(sp->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			r = -ELOOP;
		if (r == -ELOOP)
			spool_why(w, "spool %s/%s: is a symbolic link; remove it "
				  "(the spool holds only plain folders and files)",
				  sp->dirpath, name);
		else if (r == -ENOTDIR)
			spool_why(w, "spool %s/%s: is not a folder; remove it",
				  sp->dirpath, name);
		return r;
	}
	r = spool_fs_check(sp, fd, name, true, w);
	if (r < 0) {
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

int spool_fs_open(int dirfd, const char *name, int flags, mode_t mode,
		  struct stat *st)
{
	int fd, fl, r;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		r = -EINVAL;
		goto fail;
	}
	/* Regular files ignore O_NONBLOCK; clear it all the same so that
	 * nothing later depends on that. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}
