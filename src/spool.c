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

#include "json.h"
#include "spool.h"
#include "spool_impl.h"

#define STATE_FMT "outpost-spool 1 dirty=%d seq=%020" PRIu64 " count=%020" \
	PRIu64 " bytes=%020" PRIu64 " dropped=%020" PRIu64 " boot=%-36.36s\n"
#define STALE_TMP_SECONDS 3600
#define EVICT_BATCH 4096
/* Evicting frees 1/32 of the bound beyond what the event needs: exact
 * eviction would, in a spool kept full, evict on every emit and write a
 * dropped record each time, which then evicts another event; that halves
 * the useful capacity and doubles the fsyncs. */
#define EVICT_SLACK_SHIFT 5

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

static int format_state(const struct spool *sp, const struct spool_totals *t,
			int dirty, char *buf, size_t size)
{
	return snprintf(buf, size, STATE_FMT, dirty, t->seq, t->count,
			t->bytes, t->dropped, sp->boot_id);
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

/* Parse the state line; the re-formatted line must equal what was read,
 * which rejects anything torn, padded or hand-edited. */
static bool parse_state(const struct spool *sp, const char *buf, size_t len,
			struct spool_totals *t, int *dirty, bool *same_boot)
{
	char boot[40], again[256];
	int n;

	if (sscanf(buf, "outpost-spool 1 dirty=%d seq=%" SCNu64 " count=%"
		   SCNu64 " bytes=%" SCNu64 " dropped=%" SCNu64 " boot=%39s",
		   dirty, &t->seq, &t->count, &t->bytes, &t->dropped, boot) != 6)
		return false;
	if (*dirty != 0 && *dirty != 1)
		return false;
	n = snprintf(again, sizeof(again), STATE_FMT, *dirty, t->seq,
		     t->count, t->bytes, t->dropped, boot);
	if (n < 0 || (size_t)n != len || memcmp(again, buf, len) != 0)
		return false;
	*same_boot = strcmp(boot, sp->boot_id) == 0;
	return true;
}

/* Rebuild the totals from new/, keeping what the old line still knows. */
static int state_rebuild(struct spool *sp, const struct spool_totals *old)
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

/* Load the state line; rebuild when it cannot be trusted or when forced. */
static int state_load(struct spool *sp, bool force)
{
	struct spool_totals t = { 0 };
	bool same_boot = false;
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
		r = state_rebuild(sp, &t);
	} else {
		r = state_rebuild(sp, NULL);
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
		if (fstatat(sp->tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode) && st.st_mtime < limit)
			unlinkat(sp->tmpfd, de->d_name, 0);
	}
	closedir(d);
}

static int mkdir_p(char *path, mode_t mode)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_subdir(int dirfd, const char *name, int *out)
{
	if (mkdirat(dirfd, name, 0750) < 0 && errno != EEXIST)
		return -errno;
	*out = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *out < 0 ? -errno : 0;
}

/* Build one envelope at time now. */
static int envelope(const struct spool *sp, struct json *j, const char *kind,
		    const char *name, const char *data, size_t dlen)
{
	struct timespec ts;
	struct tm tm;
	char stamp[96];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
	json_reset(j);
	json_obj_begin(j);
	json_kv_str(j, "ts", stamp);
	json_kv_str(j, "node", sp->node);
	if (sp->region != NULL)
		json_kv_str(j, "region", sp->region);
	json_kv_str(j, "kind", kind);
	if (name != NULL)
		json_kv_str(j, "name", name);
	json_key(j, "data");
	json_raw(j, data, dlen);
	json_obj_end(j);
	return json_finish(j, NULL, NULL);
}

static void dropped_data(char *buf, size_t size, uint64_t n, uint64_t total)
{
	snprintf(buf, size, "{\"dropped\":%" PRIu64 ",\"total\":%" PRIu64 "}",
		 n, total);
}

int spool_open(struct spool **out, const struct spool_opts *opts)
{
	struct spool *sp;
	struct json j;
	char *dir = NULL, data[64];
	int r;

	*out = NULL;
	json_init(&j);
	if (opts == NULL || opts->dir == NULL || opts->dir[0] == '\0')
		return -EINVAL;
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return -ENOMEM;
	sp->dirfd = sp->newfd = sp->tmpfd = sp->statefd = -1;
	sp->max_bytes = opts->max_bytes;
	sp->node = strdup(opts->node ? opts->node : "");
	sp->region = opts->region ? strdup(opts->region) : NULL;
	dir = strdup(opts->dir);
	if (sp->node == NULL || dir == NULL || (opts->region && !sp->region) ||
	    asprintf(&sp->newdir, "%s/new", opts->dir) < 0) {
		sp->newdir = NULL;
		r = -ENOMEM;
		goto out;
	}
	read_boot_id(sp);
	r = mkdir_p(dir, 0750);
	if (r < 0)
		goto out;
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		r = -errno;
		goto out;
	}
	if ((r = open_subdir(sp->dirfd, "new", &sp->newfd)) < 0 ||
	    (r = open_subdir(sp->dirfd, "tmp", &sp->tmpfd)) < 0)
		goto out;
	sp->statefd = openat(sp->dirfd, "state", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (sp->statefd < 0) {
		r = -errno;
		goto out;
	}
	/* The largest dropped event, kept free when evicting so it fits. */
	dropped_data(data, sizeof(data), UINT64_MAX, UINT64_MAX);
	r = envelope(sp, &j, "spool", "dropped", data, strlen(data));
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
	free(sp->node);
	free(sp->region);
	free(sp);
}

/* Write text to a fresh tmp/ file and fsync it; *name gets its name. */
static int write_tmp(struct spool *sp, const char *text, size_t len,
		     char *name, size_t size)
{
	size_t off = 0;
	ssize_t w;
	int fd, r = 0, tries;

	for (tries = 0; ; tries++) {
		snprintf(name, size, "%ld.%lu", (long)getpid(), sp->tmp_counter++);
		fd = openat(sp->tmpfd, name,
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd >= 0)
			break;
		/* A killed process with our pid may have left this name. */
		if (errno != EEXIST || tries > 100)
			return -errno;
	}
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = -errno;
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		r = -errno;
out:
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlinkat(sp->tmpfd, name, 0);
	return r;
}

/* Delete the oldest event. 1 if one went, 0 if none is left. */
static int evict_one(struct spool *sp)
{
	struct spool_ref *ref;
	struct stat st;
	bool fresh = false;
	int r;

	for (;;) {
		if (sp->evict_i == sp->evict_n) {
			if (fresh)
				return 0;
			free(sp->evict);
			sp->evict = NULL;
			sp->evict_i = sp->evict_n = 0;
			r = spool_scan(sp, 0, EVICT_BATCH, &sp->evict, &sp->evict_n);
			if (r < 0)
				return r;
			if (sp->evict_n == 0)
				return 0;
			fresh = true;
		}
		ref = &sp->evict[sp->evict_i++];
		/* Deleters hold the lock too: a file we cannot find was
		 * deleted and accounted for by someone else. */
		if (fstatat(sp->newfd, ref->file, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(sp->newfd, ref->file, 0) < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		sp->tot.count -= sp->tot.count > 0;
		sp->tot.bytes -= (uint64_t)st.st_size < sp->tot.bytes ?
				 (uint64_t)st.st_size : sp->tot.bytes;
		sp->tot.dropped++;
		return 1;
	}
}

/* Evict until need more bytes fit. Returns how many went, or -errno. */
static int64_t make_room(struct spool *sp, uint64_t need)
{
	int64_t n = 0;
	bool rescanned = false;
	int r;

	while (sp->tot.bytes + need > sp->max_bytes) {
		r = evict_one(sp);
		if (r < 0)
			return r;
		if (r > 0) {
			n++;
			continue;
		}
		/* Nothing left to evict, yet the totals say it is full:
		 * they are wrong, so recount once. */
		if (rescanned)
			break;
		r = state_rebuild(sp, &sp->tot);
		if (r == 0)     /* the rebuild stored it clean; we are not done */
			r = spool_state_store(sp, true);
		if (r < 0)
			return r;
		rescanned = true;
	}
	return n;
}

/* Move tmp/<tmpname> to new/ as the next sequence number. */
static int publish(struct spool *sp, const char *tmpname, const char *kind,
		   const char *name, size_t len, uint64_t *seq)
{
	char file[SPOOL_FILE_MAX];
	int r, tries;

	for (tries = 0; tries < 1000; tries++) {
		uint64_t s = sp->tot.seq + 1;

		snprintf(file, sizeof(file), "%016" PRIx64 ".%s%s%s", s, kind,
			 name ? "." : "", name ? name : "");
		r = renameat2(sp->tmpfd, tmpname, sp->newfd, file, RENAME_NOREPLACE);
		if (r < 0 && (errno == EINVAL || errno == ENOSYS))  /* old fs/kernel */
			r = renameat(sp->tmpfd, tmpname, sp->newfd, file);
		sp->tot.seq = s;
		if (r == 0) {
			sp->tot.count++;
			sp->tot.bytes += len;
			*seq = s;
			return fsync(sp->newfd) < 0 ? -errno : 0;
		}
		/* Only a counter lost with a power cut can collide: skip. */
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Record that n events were just evicted, evicting nothing more. */
static int emit_dropped(struct spool *sp, struct json *j, uint64_t n)
{
	char data[64], tmpname[64];
	uint64_t seq;
	int r;

	dropped_data(data, sizeof(data), n, sp->tot.dropped);
	r = envelope(sp, j, "spool", "dropped", data, strlen(data));
	if (r < 0)
		return r;
	if (sp->max_bytes && sp->tot.bytes + j->len > sp->max_bytes)
		return 0;       /* no room without evicting what was just sent;
				 * the total still reaches the next record */
	r = write_tmp(sp, j->buf, j->len, tmpname, sizeof(tmpname));
	if (r < 0)
		return r;
	r = publish(sp, tmpname, "spool", "dropped", j->len, &seq);
	if (r < 0)
		unlinkat(sp->tmpfd, tmpname, 0);
	return r;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int spool_emit(struct spool *sp, const char *kind, const char *name,
	       const char *data_json, uint64_t *seq)
{
	const char *data = data_json ? data_json : "{}";
	size_t dlen = strlen(data), len;
	char tmpname[64];
	int64_t evicted = 0;
	uint64_t got = 0, need;
	bool locked = false, have_tmp = false;
	struct json j;
	int r;

	if (!spool_kind_ok(kind) || (name != NULL && !spool_name_ok(name)))
		return -EINVAL;
	if (json_validate(data, dlen, NULL, NULL) < 0)
		return -EINVAL;
	while (dlen > 0 && is_ws(data[0])) {
		data++;
		dlen--;
	}
	while (dlen > 0 && is_ws(data[dlen - 1]))
		dlen--;
	json_init(&j);
	r = envelope(sp, &j, kind, name, data, dlen);
	if (r < 0)
		goto out;
	len = j.len;
	if (len > SPOOL_EVENT_MAX || (sp->max_bytes && len > sp->max_bytes)) {
		r = -EFBIG;
		goto out;
	}
	r = write_tmp(sp, j.buf, len, tmpname, sizeof(tmpname));
	if (r < 0)
		goto out;
	have_tmp = true;

	r = spool_lock(sp, LOCK_EX);
	if (r < 0)
		goto out;
	locked = true;
	r = spool_state_load(sp);
	if (r < 0)
		goto out;
	r = spool_state_store(sp, true);
	if (r < 0)
		goto out;
	if (sp->max_bytes && sp->tot.bytes + len > sp->max_bytes) {
		/* Make room for the dropped record as well, if both fit,
		 * and some slack so the next emits need not evict. */
		need = len;
		if (need + sp->drop_reserve <= sp->max_bytes)
			need += sp->drop_reserve;
		if (need + (sp->max_bytes >> EVICT_SLACK_SHIFT) <= sp->max_bytes)
			need += sp->max_bytes >> EVICT_SLACK_SHIFT;
		evicted = make_room(sp, need);
		if (evicted < 0) {
			r = (int)evicted;
			goto out;
		}
	}
	r = publish(sp, tmpname, kind, name, len, &got);
	if (r < 0)
		goto out;
	have_tmp = false;
	/* The event is durable now; failing to record the drop must not say
	 * otherwise, and the total still reaches the next record and stats. */
	if (evicted > 0)
		(void)emit_dropped(sp, &j, (uint64_t)evicted);
	r = spool_state_store(sp, false);
	if (r == 0 && seq != NULL)
		*seq = got;
out:
	/* On failure the state stays dirty and the next locker recounts. */
	if (locked)
		spool_unlock(sp);
	if (have_tmp)
		unlinkat(sp->tmpfd, tmpname, 0);
	json_free(&j);
	return r;
}
