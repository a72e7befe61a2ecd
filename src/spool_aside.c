/* spool_aside.c: moving files out of new/ into bad/ when they cannot be
 * delivered, with the reason beside them, instead of deleting them: an
 * operator can look at what went wrong, and a mistake costs no data.
 *
 * bad/ is opened like every other spool folder (no link followed, owner
 * and mode checked) and both folders are fsynced, so a file set aside is
 * neither lost nor back in new/ after a power cut. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "spool_impl.h"

/* Longest name kept in bad/, leaving room for "~NN" and ".why". */
#define ASIDE_NAME_MAX 240

/* Write reason into bad/<name>.why, durably, replacing nothing. */
static int write_why(int badfd, const char *name, const char *reason)
{
	char why[ASIDE_NAME_MAX + 16];
	size_t len = strlen(reason);
	int fd, r = 0;

	snprintf(why, sizeof(why), "%s.why", name);
	fd = openat(badfd, why, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, reason, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		r = errno ? -errno : -EIO;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* rename new/<file> to a free name in bad/ (name gets it). */
static int move_to_bad(struct spool *sp, int badfd, const char *file,
		       char *name, size_t size)
{
	int k;

	for (k = 0; k < 100; k++) {
		if (k == 0)
			snprintf(name, size, "%.*s", ASIDE_NAME_MAX, file);
		else
			snprintf(name, size, "%.*s~%d", ASIDE_NAME_MAX, file, k);
		/* rename moves a link or a folder itself, never its target. */
		if (renameat2(sp->newfd, file, badfd, name, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int spool_aside_locked(struct spool *sp, const char *file, const char *reason)
{
	char name[ASIDE_NAME_MAX + 8];
	struct stat st;
	int badfd, r;

	if (fstatat(sp->newfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	r = spool_fs_subdir(sp, "bad", true, &badfd, NULL);
	if (r < 0)
		return r;
	r = move_to_bad(sp, badfd, file, name, sizeof(name));
	if (r < 0)
		goto out;
	/* Account for what was really moved, whatever the name said. */
	if (fstatat(badfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && spool_ref_parse(file, NULL, NULL, NULL) == 0) {
		sp->tot.count -= sp->tot.count > 0;
		sp->tot.bytes -= (uint64_t)st.st_size < sp->tot.bytes ?
				 (uint64_t)st.st_size : sp->tot.bytes;
	}
	/* The move is done; a lost reason must not undo it. */
	(void)write_why(badfd, name, reason ? reason : "");
	if (fsync(badfd) < 0 || fsync(sp->newfd) < 0)
		r = -errno;
out:
	close(badfd);
	return r;
}

int spool_set_aside(struct spool *sp, const char *file, const char *reason)
{
	int r;

	if (file == NULL || file[0] == '\0' || strchr(file, '/') != NULL ||
	    strcmp(file, ".") == 0 || strcmp(file, "..") == 0 ||
	    strlen(file) > 255)
		return -EINVAL;
	r = spool_lock(sp, LOCK_EX);
	if (r < 0)
		return r;
	r = spool_state_load(sp);
	if (r == 0)
		r = spool_state_store(sp, true);
	if (r == 0)
		r = spool_aside_locked(sp, file, reason);
	/* Left dirty on failure: the next locker recounts. */
	if (r == 0)
		r = spool_state_store(sp, false);
	spool_unlock(sp);
	return r;
}
