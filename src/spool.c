/* spool.c: opening a spool, its state file, and the write path.
 *
 * <dir>/state is one fixed-length text line holding the sequence counter and
 * the running totals of new/, read and rewritten under flock(LOCK_EX) by
 * every writer and deleter. Before totals and files change the line is
 * marked dirty and afterwards clean, so a process killed in between leaves
 * a dirty line and the next locker rebuilds the totals from new/. The line
 * also names the boot it was written in: the page cache makes it coherent
 * within one boot without fsync, and after a reboot (perhaps a power loss
 * that lost the last writes) it is rebuilt once from what is durable. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "json.h"
#include "spool.h"
#include "spool_impl.h"

#define STATE_FMT "outpost-spool 1 dirty=%d seq=%020" PRIu64 " count=%020" \
	PRIu64 " bytes=%020" PRIu64 " dropped=%020" PRIu64 " boot=%-36.36s\n"
#define STALE_TMP_SECONDS 3600

int spool_lock(struct spool *sp, int how)
{
	while (flock(sp->statefd, how) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

void spool_unlock(struct spool *sp)
{
	flock(sp->statefd, LOCK_UN);
}

int spool_state_format(char *buf, size_t size, const struct spool_totals *t,
		       int dirty, const char *boot)
{
	return snprintf(buf, size, STATE_FMT, dirty, t->seq, t->count,
			t->bytes, t->dropped, boot);
}

static int format_state(const struct spool *sp, const struct spool_totals *t,
			int dirty, char *buf, size_t size)
{
	return spool_state_format(buf, size, t, dirty, sp->boot_id);
}

int spool_state_store(struct spool *sp, bool dirty)
{
	char buf[256];
	int n = format_state(sp, &sp->tot, dirty, buf, sizeof(buf));
	ssize_t w;

	w = pwrite(sp->statefd, buf, (size_t)n, 0);
	if (w < 0)
		return -errno;
	return w == n ? 0 : -EIO;
}

int spool_state_parse(const char *buf, size_t len, struct spool_totals *t,
		      int *dirty, char boot[40])
{
	char again[256];
	int n;

	/* sscanf needs a terminated string and a line is short: anything
	 * longer or holding a NUL is damaged. */
	if (len >= sizeof(again) || memchr(buf, '\0', len) != NULL)
		return -EINVAL;
	memcpy(again, buf, len);
	again[len] = '\0';
	if (sscanf(again, "outpost-spool 1 dirty=%d seq=%" SCNu64 " count=%"
		   SCNu64 " bytes=%" SCNu64 " dropped=%" SCNu64 " boot=%39s",
		   dirty, &t->seq, &t->count, &t->bytes, &t->dropped, boot) != 6)
		return -EINVAL;
	if (*dirty != 0 && *dirty != 1)
		return -EINVAL;
	n = spool_state_format(again, sizeof(again), t, *dirty, boot);
	if (n < 0 || (size_t)n != len || memcmp(again, buf, len) != 0)
		return -EINVAL;
	return 0;
}

/* Parse the state line and tell whether it is from this boot. */
static bool parse_state(const struct spool *sp, const char *buf, size_t len,
			struct spool_totals *t, int *dirty, bool *same_boot)
{
	char boot[40];

	if (spool_state_parse(buf, len, t, dirty, boot) < 0)
		return false;
	*same_boot = strcmp(boot, sp->boot_id) == 0;
	return true;
}

int spool_state_peek(struct spool *sp, uint64_t *seq)
{
	struct spool_totals t;
	bool same_boot;
	char buf[256];
	ssize_t n;
	int dirty;

	n = pread(sp->statefd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	if (!parse_state(sp, buf, (size_t)n, &t, &dirty, &same_boot) || dirty ||
	    !same_boot)
		return -EAGAIN;
	*seq = t.seq;
	return 0;
}

/* Rebuild the totals from new/, keeping what the old line still knows. */
int spool_state_rebuild(struct spool *sp, const struct spool_totals *old)
{
	struct spool_totals t;
	int r;

	r = spool_scan_totals(sp, &t);
	if (r < 0)
		return r;
	if (old != NULL) {
		if (old->seq > t.seq)
			t.seq = old->seq;
		t.dropped = old->dropped;
	}
	sp->tot = t;
	r = spool_state_store(sp, false);
	/* Drop whatever followed a longer, corrupt line. */
	if (r == 0 && ftruncate(sp->statefd, format_state(sp, &t, 0, NULL, 0)) < 0)
		r = -errno;
	/* A rebuilt line is worth making durable: it may carry the seq
	 * past a reboot. */
	if (r == 0 && fsync(sp->statefd) < 0)
		r = -errno;
	return r;
}

/* After a reboot the line may be older than the last numbers handed out
 * (it is not fsynced at every emit) and the events with them may be
 * delivered and deleted, so new/ does not show them either. Jump to the
 * next block of 2^32: spool_next_seq makes the line durable whenever it
 * enters a block, so the previous boot never got past the block stored. */
static int seq_jump(struct spool *sp)
{
	uint64_t s = sp->tot.seq | SPOOL_SEQ_BLOCK_MASK;

	if (s >= SPOOL_SEQ_LIMIT)
		return -EOVERFLOW;
	sp->tot.seq = s;
	if (spool_state_store(sp, false) < 0 || fsync(sp->statefd) < 0)
		return -errno;
	return 0;
}

/* Load the state line; rebuild when it cannot be trusted or when forced. */
static int state_load(struct spool *sp, bool force)
{
	struct spool_totals t = { 0 };
	bool same_boot = false, known = strcmp(sp->boot_id, "-") != 0;
	char buf[256];
	ssize_t n;
	int dirty = 1, r;

	n = pread(sp->statefd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (parse_state(sp, buf, (size_t)n, &t, &dirty, &same_boot)) {
		if (!dirty && same_boot && !force) {
			sp->tot = t;
			return 0;
		}
		r = spool_state_rebuild(sp, &t);
		if (r == 0 && !same_boot && known)
			r = seq_jump(sp);
	} else {
		/* A damaged line may be a torn write before a power cut;
		 * an empty one is a new spool. */
		r = spool_state_rebuild(sp, NULL);
		if (r == 0 && n > 0 && known)
			r = seq_jump(sp);
	}
	/* Any cached eviction order predates whatever went wrong. */
	sp->evict_i = sp->evict_n;
	return r;
}

int spool_state_load(struct spool *sp)
{
	return state_load(sp, false);
}

static void read_boot_id(struct spool *sp)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	strcpy(sp->boot_id, "-");
	if (f == NULL)
		return;
	if (fscanf(f, "%36s", sp->boot_id) != 1 || sp->boot_id[0] == '\0')
		strcpy(sp->boot_id, "-");
	fclose(f);
}

/* Remove tmp/ files left by writers killed long ago; a live writer holds
 * its tmp file for milliseconds. */
static void clean_tmp(struct spool *sp)
{
	time_t limit = time(NULL) - STALE_TMP_SECONDS;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	fd = openat(sp->tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* tmp/ is the folder opened and checked at open: unlinkat
		 * removes a link itself, never its target, and refuses
		 * folders. */
		if (fstatat(sp->tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode) && st.st_mtime < limit)
			unlinkat(sp->tmpfd, de->d_name, 0);
	}
	closedir(d);
}

/* Open the top folder; it may be a link (an administrator's choice, made
 * outside the spool), but it must pass the checks itself. */
static int open_top(struct spool *sp, char *dir, struct spool_why *w)
{
	struct stat st;
	int r;

	sp->dirfd = fs_mkdir_open(dir, 0750, 0750, FS_FOLLOW);
	if (sp->dirfd < 0) {
		r = sp->dirfd;
		sp->dirfd = -1;
		if (r == -ENOTDIR)
			spool_why(w, "spool %s: is not a folder", dir);
		return r;
	}
	if (fstat(sp->dirfd, &st) < 0)
		return -errno;
	sp->top_uid = st.st_uid;
	return spool_fs_check(sp, sp->dirfd, NULL, true, w);
}

static int open_state(struct spool *sp, struct spool_why *w)
{
	struct stat st;
	int r;

	r = spool_fs_open(sp->dirfd, "state", O_RDWR | O_CREAT, 0640, &st);
	if (r == -ELOOP || r == -EINVAL) {
		spool_why(w, "spool %s/state: is %s; remove it", sp->dirpath,
			  r == -ELOOP ? "a symbolic link" : "not a regular file");
		return r == -ELOOP ? r : -EPERM;
	}
	if (r < 0)
		return r;
	sp->statefd = r;
	return spool_fs_check(sp, sp->statefd, "state", false, w);
}

int spool_open(struct spool **out, const struct spool_opts *opts)
{
	struct spool_why w = { NULL, 0 };
	struct spool *sp;
	struct json j;
	char *dir = NULL, data[64];
	int r;

	*out = NULL;
	json_init(&j);
	if (opts == NULL || opts->dir == NULL || opts->dir[0] == '\0')
		return -EINVAL;
	w = (struct spool_why){ opts->why, opts->whylen };
	spool_why(&w, "%s", "");
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return -ENOMEM;
	sp->dirfd = sp->newfd = sp->tmpfd = sp->statefd = -1;
	sp->max_bytes = opts->max_bytes;
	sp->notice = opts->notice;
	sp->notice_arg = opts->notice_arg;
	sp->owner = opts->owner;
	sp->node = strdup(opts->node ? opts->node : "");
	sp->region = opts->region ? strdup(opts->region) : NULL;
	dir = strdup(opts->dir);
	sp->dirpath = strdup(opts->dir);
	if (sp->node == NULL || dir == NULL || sp->dirpath == NULL ||
	    (opts->region && !sp->region) ||
	    asprintf(&sp->newdir, "%s/new", opts->dir) < 0) {
		sp->newdir = NULL;
		r = -ENOMEM;
		goto out;
	}
	read_boot_id(sp);
	if ((r = open_top(sp, dir, &w)) < 0 ||
	    (r = spool_fs_subdir(sp, "new", true, &sp->newfd, &w)) < 0 ||
	    (r = spool_fs_subdir(sp, "tmp", true, &sp->tmpfd, &w)) < 0 ||
	    (r = open_state(sp, &w)) < 0)
		goto out;
	/* The largest dropped event, kept free when evicting so it fits. */
	spool_dropped_data(data, sizeof(data), UINT64_MAX, UINT64_MAX);
	r = spool_envelope(sp, &j, "spool", "dropped", data, strlen(data));
	if (r < 0)
		goto out;
	sp->drop_reserve = j.len;
	clean_tmp(sp);
	r = spool_lock(sp, LOCK_EX);
	if (r < 0)
		goto out;
	/* Without a boot id a reboot cannot be told apart: recount at every
	 * open instead. */
	r = state_load(sp, strcmp(sp->boot_id, "-") == 0);
	spool_unlock(sp);
out:
	json_free(&j);
	free(dir);
	if (r < 0) {
		spool_close(sp);
		return r;
	}
	*out = sp;
	return 0;
}

void spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->statefd >= 0)
		close(sp->statefd);
	if (sp->tmpfd >= 0)
		close(sp->tmpfd);
	if (sp->newfd >= 0)
		close(sp->newfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->evict);
	free(sp->newdir);
	free(sp->dirpath);
	free(sp->node);
	free(sp->region);
	free(sp);
}

