/* spool_emit.c: the write path of the spool: envelopes, tmp/ files,
 * eviction, and moving events into new/ under their sequence numbers.
 *
 * Everything slow happens outside the spool-wide lock: each event is
 * written and fsynced in tmp/ before the lock is taken, and new/ is
 * fsynced once after it is dropped. Under the lock a writer only reads the
 * state line, renames its files (which is what orders them: a reader
 * listing under a shared lock never sees a lower seq appear after a higher
 * one) and writes the line back. An emit returns 0 only after the fsync of
 * new/, so "durable when it returns 0" holds; a reader may see an event a
 * moment before it is durable, which costs nothing but a possible
 * redelivery of an event lost in a power cut, which was never reported
 * recorded. */
#include "config.h"

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

#define EVICT_BATCH 4096
/* Evicting frees 1/32 of the bound beyond what the event needs: exact
 * eviction would, in a spool kept full, evict on every emit and write a
 * dropped record each time, which then evicts another event; that halves
 * the useful capacity and doubles the fsyncs. */
#define EVICT_SLACK_SHIFT 5
#define SYNC_CHUNK 128          /* tmp/ files written before their fsyncs */

int spool_envelope(const struct spool *sp, struct json *j, const char *kind,
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

void spool_dropped_data(char *buf, size_t size, uint64_t n, uint64_t total)
{
	snprintf(buf, size, "{\"dropped\":%" PRIu64 ",\"total\":%" PRIu64 "}",
		 n, total);
}

/* Write text to a fresh tmp/ file; *name gets its name. With fdp the
 * file stays open there for the caller to fsync; without, it is fsynced
 * and closed here. */
static int write_tmp_fd(struct spool *sp, const char *text, size_t len,
			char *name, size_t size, int *fdp)
{
	int fd, r, tries;

	for (tries = 0; ; tries++) {
		snprintf(name, size, "%ld.%lu", (long)getpid(), sp->tmp_counter++);
		/* O_EXCL never follows a link, even a dangling one. */
		fd = openat(sp->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd >= 0)
			break;
		/* A killed process with our pid may have left this name. */
		if (errno != EEXIST || tries > 100)
			return -errno;
	}
	if ((r = fs_write_all(fd, text, len)) < 0)
		goto out;
	if (fdp != NULL) {
		*fdp = fd;
		return 0;
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

static int write_tmp(struct spool *sp, const char *text, size_t len,
		     char *name, size_t size)
{
	return write_tmp_fd(sp, text, len, name, size, NULL);
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
		r = spool_state_rebuild(sp, &sp->tot);
		if (r == 0)     /* the rebuild stored it clean; we are not done */
			r = spool_state_store(sp, true);
		if (r < 0)
			return r;
		rescanned = true;
	}
	return n;
}

/* Under LOCK_EX: hand out the next sequence number. When it opens a new
 * block of 2^32 the line is made durable first, so that after a reboot
 * the jump past the stored block (spool_state_load) is past every number
 * this boot handed out. */
int spool_next_seq(struct spool *sp, uint64_t *seq)
{
	uint64_t s = sp->tot.seq + 1;
	int r;

	if (s == 0 || s > SPOOL_SEQ_LIMIT)
		return -EOVERFLOW;
	if ((s & SPOOL_SEQ_BLOCK_MASK) == 0) {
		sp->tot.seq = s;
		r = spool_state_store(sp, true);
		if (r == 0 && fdatasync(sp->statefd) < 0)
			r = -errno;
		if (r < 0)
			return r;
	}
	sp->tot.seq = s;
	*seq = s;
	return 0;
}

/* Move tmp/<tmpname> to new/ as the next sequence number; the caller
 * fsyncs new/. */
static int publish(struct spool *sp, const char *tmpname, const char *kind,
		   const char *name, size_t len, uint64_t *seq)
{
	char file[SPOOL_FILE_MAX];
	uint64_t s;
	int r, tries;

	for (tries = 0; tries < 1000; tries++) {
		r = spool_next_seq(sp, &s);
		if (r < 0)
			return r;
		snprintf(file, sizeof(file), "%016" PRIx64 ".%s%s%s", s, kind,
			 name ? "." : "", name ? name : "");
		r = renameat2(sp->tmpfd, tmpname, sp->newfd, file, RENAME_NOREPLACE);
		if (r < 0 && (errno == EINVAL || errno == ENOSYS))  /* old fs/kernel */
			r = renameat(sp->tmpfd, tmpname, sp->newfd, file);
		if (r == 0) {
			sp->tot.count++;
			sp->tot.bytes += len;
			*seq = s;
			return 0;
		}
		/* Only a file planted above the counter can collide: skip. */
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

	spool_dropped_data(data, sizeof(data), n, sp->tot.dropped);
	r = spool_envelope(sp, j, "spool", "dropped", data, strlen(data));
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

/* Nesting depth of valid JSON text: brackets outside strings. */
static int json_depth(const char *s, size_t n)
{
	bool in_str = false;
	int depth = 0, max = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return max;
}

/* Valid JSON that still nests within JSON_MAX_DEPTH once the envelope
 * wraps it one level deeper, so that spool_read accepts the event. */
static bool data_ok(const char *data, size_t dlen)
{
	return json_validate(data, dlen, NULL, NULL) == 0 &&
	       json_depth(data, dlen) < JSON_MAX_DEPTH;
}

/* One item on its way: its tmp/ file and size. */
struct pending {
	char tmpname[64];
	size_t len;
	int fd;                 /* open until fsynced */
	bool have_tmp;
};

/* Check one item and write its envelope to tmp/. */
static int prepare(struct spool *sp, struct json *j, const struct spool_item *it,
		   struct pending *p)
{
	const char *data = it->data_json ? it->data_json : "{}";
	size_t dlen = strlen(data);
	int r;

	if (!spool_kind_ok(it->kind) || (it->name != NULL && !spool_name_ok(it->name)))
		return -EINVAL;
	/* The envelope puts data one level deeper: what is accepted here
	 * must still be within the depth spool_read accepts. */
	if (!data_ok(data, dlen))
		return -EINVAL;
	while (dlen > 0 && is_ws(data[0])) {
		data++;
		dlen--;
	}
	while (dlen > 0 && is_ws(data[dlen - 1]))
		dlen--;
	r = spool_envelope(sp, j, it->kind, it->name, data, dlen);
	if (r < 0)
		return r;
	p->len = j->len;
	if (p->len > SPOOL_EVENT_MAX || (sp->max_bytes && p->len > sp->max_bytes))
		return -EFBIG;
	r = write_tmp_fd(sp, j->buf, p->len, p->tmpname, sizeof(p->tmpname), &p->fd);
	if (r < 0)
		return r;
	p->have_tmp = true;
	return 0;
}

/* fsync what prepare() wrote. All files are written before the first
 * fsync, so the first one commits them all (one journal commit on ext4
 * and xfs) and the rest find little left to do. */
static void sync_pending(struct spool_item *items, struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i].fd < 0)
			continue;
		if (fsync(p[i].fd) < 0 && items[i].result == 0)
			items[i].result = -errno;
		if (close(p[i].fd) < 0 && items[i].result == 0)
			items[i].result = -errno;
		p[i].fd = -1;
	}
}

/* Under LOCK_EX: move the prepared items into new/, evicting as needed. */
static int place(struct spool *sp, struct json *j, struct spool_item *items,
		 struct pending *p, size_t n, unsigned flags)
{
	int64_t evicted = 0, e;
	uint64_t need;
	size_t i;
	int r;

	r = spool_state_load(sp);
	if (r == 0)
		r = spool_state_store(sp, true);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		if (!p[i].have_tmp)
			continue;
		if (sp->max_bytes && sp->tot.bytes + p[i].len > sp->max_bytes) {
			if (flags & SPOOL_NO_EVICT) {
				items[i].result = -ENOSPC;
				continue;
			}
			/* Make room for the dropped record as well, if both
			 * fit, and some slack so the next emits need not
			 * evict. */
			need = p[i].len;
			if (need + sp->drop_reserve <= sp->max_bytes)
				need += sp->drop_reserve;
			if (need + (sp->max_bytes >> EVICT_SLACK_SHIFT) <= sp->max_bytes)
				need += sp->max_bytes >> EVICT_SLACK_SHIFT;
			e = make_room(sp, need);
			if (e < 0) {
				items[i].result = (int)e;
				continue;
			}
			evicted += e;
		}
		r = publish(sp, p[i].tmpname, items[i].kind, items[i].name,
			    p[i].len, &items[i].seq);
		items[i].result = r;
		if (r == 0)
			p[i].have_tmp = false;
	}
	/* The events are in new/ now; failing to record the drop must not
	 * say otherwise, and the total still reaches the next record. */
	if (evicted > 0)
		(void)emit_dropped(sp, j, (uint64_t)evicted);
	return spool_state_store(sp, false);
}

int spool_emit_batch(struct spool *sp, struct spool_item *items, size_t n,
		     unsigned flags)
{
	struct pending *p;
	size_t i, ready = 0, done = 0;
	int first = 0, r;
	struct json j;

	if (n == 0)
		return 0;
	p = calloc(n, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	json_init(&j);
	for (i = 0; i < n; i++) {
		p[i].fd = -1;
		items[i].seq = 0;
		items[i].result = prepare(sp, &j, &items[i], &p[i]);
		/* Bound the files held open at once. */
		if ((i + 1) % SYNC_CHUNK == 0)
			sync_pending(items + i + 1 - SYNC_CHUNK, p + i + 1 - SYNC_CHUNK,
				     SYNC_CHUNK);
	}
	sync_pending(items + n - n % SYNC_CHUNK, p + n - n % SYNC_CHUNK, n % SYNC_CHUNK);
	for (i = 0; i < n; i++) {
		if (items[i].result == 0)
			ready++;
		else if (first == 0)
			first = items[i].result;
		/* A file that could not be made durable is not published. */
		if (items[i].result < 0 && p[i].have_tmp) {
			unlinkat(sp->tmpfd, p[i].tmpname, 0);
			p[i].have_tmp = false;
		}
	}
	if (ready == 0) {
		r = first;
		goto out;
	}
	r = spool_lock(sp, LOCK_EX);
	if (r == 0) {
		r = place(sp, &j, items, p, n, flags);
		/* On failure the state stays dirty and the next locker
		 * recounts; the renamed events are there all the same. */
		spool_unlock(sp);
	}
	if (r < 0) {
		for (i = 0; i < n; i++)
			if (p[i].have_tmp)
				items[i].result = r;
	}
	/* One fsync of new/ makes every rename above durable, and those of
	 * writers that renamed meanwhile: it needs no lock. */
	if (fsync(sp->newfd) < 0) {
		r = -errno;
		for (i = 0; i < n; i++)
			if (items[i].result == 0)
				items[i].result = r;
	}
	first = 0;
	for (i = 0; i < n; i++) {
		if (items[i].result == 0)
			done++;
		else if (first == 0)
			first = items[i].result;
	}
	r = done > 0 ? (int)done : first;
out:
	for (i = 0; i < n; i++)
		if (p[i].have_tmp)
			unlinkat(sp->tmpfd, p[i].tmpname, 0);
	free(p);
	json_free(&j);
	return r;
}

int spool_emit(struct spool *sp, const char *kind, const char *name,
	       const char *data_json, uint64_t *seq)
{
	struct spool_item it = { .kind = kind, .name = name, .data_json = data_json };
	int r = spool_emit_batch(sp, &it, 1, 0);

	if (r < 0)
		return r;
	if (it.result == 0 && seq != NULL)
		*seq = it.seq;
	return it.result;
}
