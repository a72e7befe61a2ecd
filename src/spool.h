/* spool.h: the crash-safe, bounded event spool.
 *
 * The contract between every event producer and outpost-pubd. Layout of a
 * spool directory:
 *   tmp/      events being written (never read)
 *   new/      complete events, one JSON object per file, named
 *             "<seq:16 lowercase hex>.<kind>" or "<seq>.<kind>.<name>"
 *             so that names sort in emission order across processes
 *   state     sequence counter and accounting, updated under flock(2)
 *   bad/      files moved out of new/ because they can never be delivered,
 *             each with <file>.why holding the reason (made on demand)
 * An event is written to tmp/, fsynced, then renamed into new/ (and the
 * directory fsynced), so a reader never sees a partial event.
 *
 * Sequence numbers grow for the life of the spool, also across reboots:
 * the first process to lock the spool after a reboot (a state line from
 * another boot id, or a damaged one) moves the counter to the end of its
 * block of 2^32, so the next number is the next multiple of 2^32 above
 * both the stored counter and the highest number in new/. The line is
 * made durable whenever the counter enters a new block, so numbers handed
 * out before a power cut, delivered and deleted, are never handed out
 * again. Without /proc/sys/kernel/random/boot_id there is no jump (and
 * the totals are recounted at every open). No number past 2^62 is used.
 *
 * Nothing under the folder is opened through a link or can block in
 * open(): tmp/, new/, bad/ and state are opened without following links,
 * FIFOs cannot hold the caller, and each must be a folder (a plain file
 * with one link, for state) owned by root, the caller's euid or the
 * spool's owner (spool_opts.owner; when that is not set, the owner of the
 * spool folder itself) and not writable by other users. spool_open
 * refuses anything else with a message in spool_opts.why.
 *
 * Each file holds the envelope
 *   {"ts":"2026-11-21T08:00:00.123Z","node":"..","region":"..",
 *    "kind":"..","name":"..","data":{..}}
 * ("name" is left out when the event has none).
 *
 * The spool is bounded by max_bytes (sum of the sizes of files in new/):
 * when an event would not fit, the oldest events are deleted first (until
 * it fits with max_bytes/32 to spare, so a full spool does not evict on
 * every emit) and a "spool"/"dropped" event with {"dropped":N,"total":M}
 * (N evicted for this event, M since the spool was made) is recorded
 * right after it.
 *
 * Several processes may use one spool at once (writers and readers); a
 * struct spool itself must not be shared between threads without a lock. */
#ifndef OUTPOST_SPOOL_H
#define OUTPOST_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPOOL_KIND_MAX 32   /* [a-z0-9_-]{1,32} */
#define SPOOL_NAME_MAX 128  /* [A-Za-z0-9_.:-]{1,128} */
#define SPOOL_FILE_MAX (16 + 1 + SPOOL_KIND_MAX + 1 + SPOOL_NAME_MAX + 1)
#define SPOOL_EVENT_MAX (1024 * 1024)  /* largest envelope emitted or read */

struct spool;

struct spool_opts {
	const char *dir;          /* created (with tmp/ and new/) if missing */
	uint64_t max_bytes;       /* 0: unbounded */
	const char *node;         /* envelope "node"; NULL: "" */
	const char *region;       /* envelope "region"; NULL: left out */
	/* Told one line per file in new/ that the spool renumbered or moved
	 * aside while listing (see spool_list); NULL: nobody is told. */
	void (*notice)(void *arg, const char *text);
	void *notice_arg;
	/* Owner the spool folders may have besides root and the caller's euid
	 * ((uid_t)-1 or 0: not told; then the owner of the folder itself is
	 * accepted for what is in it); see spool_open. */
	uid_t owner;
	/* When spool_open refuses the spool (-EPERM, -ENOTDIR, -ELOOP, ...)
	 * it writes here what is wrong and how to fix it, for the caller to
	 * log; NULL/0: not told. */
	char *why;
	size_t whylen;
};

/* One event of a batch. */
struct spool_item {
	const char *kind, *name, *data_json;   /* as for spool_emit */
	uint64_t seq;                          /* out: its number */
	int result;                            /* out: 0 or -errno, as spool_emit */
};

#define SPOOL_NO_EVICT 0x1u  /* -ENOSPC rather than evict older events */

/* A reference to one event in new/, as listed. */
struct spool_ref {
	uint64_t seq;
	char file[SPOOL_FILE_MAX];
};

/* One event read back. payload is the whole envelope, NUL-terminated and
 * owned by the event (free with spool_event_clear()). */
struct spool_event {
	uint64_t seq;
	char kind[SPOOL_KIND_MAX + 1];
	char name[SPOOL_NAME_MAX + 1];   /* "" when none */
	char *payload;
	size_t len;
};

struct spool_stats {
	uint64_t count;          /* events in new/ */
	uint64_t bytes;          /* their total size */
	uint64_t dropped;        /* events evicted since the spool was made */
	uint64_t last_seq;       /* highest sequence number handed out */
};

/* Open (creating if needed) a spool. Returns 0 or -errno; a spool that
 * breaks the rules above gives -ELOOP (a link), -ENOTDIR (not a folder)
 * or -EPERM (owner, mode, not a plain file), with opts->why saying what
 * to fix, e.g. "spool /var/spool/outpost/tmp: is a symbolic link; remove
 * it". */
int spool_open(struct spool **out, const struct spool_opts *opts);

/* Close; NULL-safe. */
void spool_close(struct spool *sp);

/* True when kind / name are acceptable (see the limits above). */
int spool_kind_ok(const char *kind);
int spool_name_ok(const char *name);

/* Record one event: data_json must be one valid JSON value (NULL means
 * {}); name may be NULL. Durable on disk when it returns 0. Returns
 * -EINVAL for a bad kind, name or JSON, -EFBIG when the single event is
 * larger than max_bytes (or SPOOL_EVENT_MAX), or -errno. *seq (if not
 * NULL) gets its number. */
int spool_emit(struct spool *sp, const char *kind, const char *name,
	       const char *data_json, uint64_t *seq);

/* Record n events under one lock with one directory fsync; each item
 * gets its own result (an invalid item fails alone). Items get
 * consecutive numbers in their order. With SPOOL_NO_EVICT an item that
 * does not fit fails with -ENOSPC instead of evicting older events.
 * Returns the number recorded, or -errno when none could be. */
int spool_emit_batch(struct spool *sp, struct spool_item *items, size_t n,
		     unsigned flags);

/* List up to max events (0: no limit) with seq > after, oldest first, into
 * *refs (malloc'ed, caller frees; NULL when *n is 0). The directory is read
 * under a shared lock, so the list never has a gap that a later listing
 * could fill: it is safe to continue with after = the last seq seen.
 * What else is in new/ is dealt with first (under the exclusive lock),
 * each case told through opts.notice in one line naming the file:
 *   - a link, folder, FIFO or other non-regular file, a name that is not
 *     an event name, a number past 2^62: moved aside into bad/;
 *   - sequence number 0, or a number another file has (all but the first
 *     by name): renamed to a fresh number, so it is delivered after the
 *     events already there;
 *   - a number above the counter: the counter is raised to it, so later
 *     events get higher numbers than any listed.
 * notice is called with the spool locked: it must not call the spool.
 * Returns 0 or -errno. */
int spool_list(struct spool *sp, uint64_t after, size_t max,
	       struct spool_ref **refs, size_t *n);

/* Read one listed event. -ENOENT if it is gone (evicted or deleted),
 * -EINVAL for a ref whose file name is not a spool name or a file that is
 * not a regular file with one link, -ELOOP for a link, -EFBIG for a file
 * past SPOOL_EVENT_MAX, -EBADMSG if the file is not valid JSON. The last
 * four can never be delivered: the caller moves the file aside with
 * spool_set_aside() and logs it. Whatever spool_emit() accepted reads
 * back. */
int spool_read(struct spool *sp, const struct spool_ref *ref, struct spool_event *ev);

/* Free what spool_read() allocated; NULL-safe, idempotent. */
void spool_event_clear(struct spool_event *ev);

/* Delete one event after it was delivered; 0, -ENOENT if already gone,
 * or -errno. */
int spool_delete(struct spool *sp, const struct spool_ref *ref);

/* Move new/<file> aside into bad/ (created on demand) because it cannot
 * be delivered; reason is recorded beside it as bad/<file>.why (a name
 * taken in bad/ gets "~N" appended). file may be any name found in new/
 * (badly named files, links and folders too: they move, not what they
 * point to). Durable when it returns 0; the totals drop by what left.
 * 0, -ENOENT if it is already gone, or -errno. The caller logs one line
 * naming the file and the reason. */
int spool_set_aside(struct spool *sp, const char *file, const char *reason);

/* Counters (consistent under the spool lock). */
int spool_get_stats(struct spool *sp, struct spool_stats *st);

/* The new/ directory, for inotify watchers. */
const char *spool_new_dir(const struct spool *sp);

/* Parse a file name from new/ (e.g. from inotify) into ref; 0 or -EINVAL
 * if it is not "<16 hex>.<kind>[.<name>]". kind/name (if not NULL) get the
 * parts, name "" when none. */
int spool_ref_parse(const char *file, struct spool_ref *ref,
		    char kind[SPOOL_KIND_MAX + 1], char name[SPOOL_NAME_MAX + 1]);

/* As root, before a daemon drops to uid:gid: create the spool directory
 * and give it (tmp/, new/, bad/, state, pubd.inflight, the events in
 * new/) to uid:gid, directories setgid and group-writable. 0 or -errno,
 * with what naming the path that failed. */
int spool_setup(const char *dir, uid_t uid, gid_t gid, const char **what);

#endif
