/* daemon.c: detaching from the terminal and owning a pidfile.
 *
 * The pidfile's flock, not its contents, says whether a daemon is alive:
 * a pid can be stale or reused, a lock dies with its holder. Replacing a
 * pidfile happens while holding the lock on the old one, and the winner
 * re-checks that the path still names the inode it locked, so two daemons
 * starting at once cannot both believe they own it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "fs.h"

/* Attempts before giving up when the pidfile keeps changing under us. */
#define PIDFILE_TRIES	16

static int pidfile_fd = -1;
static dev_t pidfile_dev;
static ino_t pidfile_ino;

/* Fork twice, setsid, chdir("/"), stdio to /dev/null. */
int daemon_detach(void)
{
	pid_t pid;
	int fd;

	/* The exiting parents must not flush the same buffers again later. */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (int i = 0; i <= 2; i++) {
		if (fd != i && dup2(fd, i) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	if (fd > 2)
		close(fd);
	else
		fcntl(fd, F_SETFD, 0);	/* it became one of 0..2: keep it */
	return 0;
}

/* Write our pid to path and hold an exclusive flock on it. */
int daemon_pidfile_write(const char *path)
{
	char *tmp = NULL;
	char pidbuf[32];
	bool tmp_exists = false;
	struct stat st, pst;
	int fd = -1, old = -1, r, n;

	if (pidfile_fd >= 0)
		return -EALREADY;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	tmp_exists = true;
	n = snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	if (fchmod(fd, 0644) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		goto out;
	}
	r = fs_write_all(fd, pidbuf, (size_t)n);
	if (r < 0)
		goto out;

	for (int tries = 0; tries < PIDFILE_TRIES; tries++) {
		/* O_NONBLOCK: a FIFO planted at path must not hang us. */
		old = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
		if (old < 0) {
			if (errno != ENOENT) {
				r = -errno;
				goto out;
			}
			/* link, unlike rename, fails if someone got there first. */
			if (link(tmp, path) == 0)
				goto owned;
			if (errno == EEXIST)
				continue;
			r = -errno;
			goto out;
		}
		if (flock(old, LOCK_EX | LOCK_NB) < 0) {
			r = errno == EWOULDBLOCK ? -EBUSY : -errno;
			goto out;
		}
		if (fstat(old, &st) < 0) {
			r = -errno;
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			r = -EINVAL;
			goto out;
		}
		if (lstat(path, &pst) == 0 && pst.st_dev == st.st_dev &&
		    pst.st_ino == st.st_ino) {
			/* The old file is ours to replace while we hold it. */
			if (rename(tmp, path) < 0) {
				r = -errno;
				goto out;
			}
			tmp_exists = false;
			goto owned;
		}
		close(old);	/* replaced or removed meanwhile: look again */
		old = -1;
	}
	r = -EAGAIN;
	goto out;

owned:
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	pidfile_dev = st.st_dev;
	pidfile_ino = st.st_ino;
	pidfile_fd = fd;
	fd = -1;
	r = 0;
out:
	if (tmp_exists)
		unlink(tmp);
	if (old >= 0)
		close(old);
	if (fd >= 0)
		close(fd);
	free(tmp);
	return r;
}

/* Remove path if it is still our pidfile, and release the lock. */
int daemon_pidfile_remove(const char *path)
{
	struct stat st;
	int r;

	if (pidfile_fd < 0)
		return -ENOENT;
	if (lstat(path, &st) < 0)
		r = errno == ENOENT ? -ESTALE : -errno;
	else if (st.st_dev != pidfile_dev || st.st_ino != pidfile_ino)
		r = -ESTALE;
	else if (unlink(path) < 0)
		r = -errno;
	else
		r = 0;
	/* Unlink before unlocking, so no one can lock a file about to vanish. */
	close(pidfile_fd);
	pidfile_fd = -1;
	return r;
}
