/* spool_impl.h: what spool.c (writer, state) and spool_read.c (names,
 * scans, readers) share. Not part of the public API. */
#ifndef OUTPOST_SPOOL_IMPL_H
#define OUTPOST_SPOOL_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "json.h"
#include "spool.h"

/* Sequence numbers run in blocks of 2^32: after a reboot the counter
 * jumps to the next block (see spool_state_load). Numbers above
 * SPOOL_SEQ_LIMIT are never handed out, so the counter cannot wrap. */
#define SPOOL_SEQ_BLOCK_MASK UINT64_C(0xffffffff)
#define SPOOL_SEQ_LIMIT (UINT64_C(1) << 62)

/* Running totals, mirrored in <dir>/state. */
struct spool_totals {
	uint64_t seq;           /* last sequence number handed out */
	uint64_t count;
	uint64_t bytes;
	uint64_t dropped;
};

#define SPOOL_STUCK_MAX 64

struct spool {
	int dirfd, newfd, tmpfd, statefd;
	char *newdir;
	char *node, *region;
	uint64_t max_bytes;
	size_t drop_reserve;    /* size of the largest possible dropped event */
	struct spool_totals tot;
	char boot_id[40];
	void (*notice)(void *arg, const char *text);
	void *notice_arg;
	uid_t owner, top_uid;
	char *dirpath;
	unsigned long tmp_counter;
	/* The oldest files as last scanned, consumed by eviction. Files added
	 * later are newer and files removed later fail with ENOENT, so the
	 * rest of this list stays the oldest files until it runs out. */
	struct spool_ref *evict;
	size_t evict_n, evict_i;
	/* Inodes of odd files in new/ this process could not move (a folder
	 * root made, which the daemon's user may not rename): skipped by
	 * later listings instead of stopping them or logging each time. */
	ino_t stuck[SPOOL_STUCK_MAX];
	size_t nstuck;
};

/* Take / drop the spool lock (flock on the state file). */
int spool_lock(struct spool *sp, int how);
void spool_unlock(struct spool *sp);
/* Under LOCK_EX: load the totals, rebuilding them if the state is dirty,
 * corrupt or from an earlier boot. */
int spool_state_load(struct spool *sp);
/* Under LOCK_EX: store the totals, dirty or clean. */
int spool_state_store(struct spool *sp, bool dirty);
/* Under LOCK_EX: recount the totals from new/, keeping the higher seq and
 * the dropped count of old (NULL: none), and store them clean. */
int spool_state_rebuild(struct spool *sp, const struct spool_totals *old);
/* Under LOCK_EX: take the next sequence number into *seq. */
int spool_next_seq(struct spool *sp, uint64_t *seq);

/* The envelope of one event, stamped now, into j. */
int spool_envelope(const struct spool *sp, struct json *j, const char *kind,
		   const char *name, const char *data, size_t dlen);
/* The data of a "spool"/"dropped" event. */
void spool_dropped_data(char *buf, size_t size, uint64_t n, uint64_t total);

/* Under LOCK_SH or LOCK_EX: the counter in a clean line of this boot;
 * -EAGAIN when the line is dirty, damaged or from another boot. */
int spool_state_peek(struct spool *sp, uint64_t *seq);
/* Format the state line (snprintf's result). */
int spool_state_format(char *buf, size_t size, const struct spool_totals *t,
		       int dirty, const char *boot);
/* Parse a state line; the re-formatted line must equal what was read.
 * boot gets the boot id. 0 or -EINVAL. */
int spool_state_parse(const char *buf, size_t len, struct spool_totals *t,
		      int *dirty, char boot[40]);
/* Under LOCK_EX with the state dirty: move new/<file> into bad/ with the
 * reason, fixing the totals. 0, -ENOENT if gone, or -errno. */
int spool_aside_locked(struct spool *sp, const char *file, const char *reason);

/* Scan new/ for up to max (0: all) events with seq > after, oldest first. */
int spool_scan(struct spool *sp, uint64_t after, size_t max,
	       struct spool_ref **refs, size_t *n);
/* Scan new/ and sum what is there: count, bytes, highest seq. */
int spool_scan_totals(struct spool *sp, struct spool_totals *t);

/* Where spool_open writes why it refused a spool (spool_opts why). */
struct spool_why {
	char *buf;
	size_t len;
};
void spool_why(struct spool_why *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Check the folder (dir) or plain file open at fd against the spool's
 * rules (type, one link, owner, not writable by others); name is what to
 * call it in w (NULL: the spool folder). 0, -ENOTDIR or -EPERM. */
int spool_fs_check(const struct spool *sp, int fd, const char *name, bool dir,
		   struct spool_why *w);
/* Open (creating if asked) the spool's subfolder name without following
 * a link, and check it. 0 with *out, or -errno (ELOOP for a link). */
int spool_fs_subdir(struct spool *sp, const char *name, bool create, int *out,
		    struct spool_why *w);
/* Open dirfd/name as a regular file: never a link, never blocking on a
 * FIFO. Returns the fd (blocking again) with *st, or -errno: -ELOOP for
 * a link, -EINVAL for anything but a regular file. */
int spool_fs_open(int dirfd, const char *name, int flags, mode_t mode,
		  struct stat *st);

#endif
