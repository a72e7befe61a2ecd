/* store.h: a torrent's content on disk. (owner: store)
 *
 * Layout under the target folder DIR: the content's final place is
 * DIR/<path of each file> (p2p_file.path). While incomplete, files live in
 * DIR/.outpost-p2p/<hex>/<path> (preallocated), with the resume file
 * DIR/.outpost-p2p/<hex>.resume (bitfield of verified pieces, each file's
 * size and mtime, written to a temporary and renamed). When every piece is
 * verified, p2p_store_finish re-hashes everything (the final check),
 * fsyncs, and renames each file into place; the staging folder goes.
 *
 * If the content is already in its final place (a second get, or seed),
 * open finds it there: with a valid resume it trusts it, else it verifies
 * every piece (p2p_store_check).
 *
 * Both whole checks can run off the caller's thread as a job (struct
 * p2p_store_job): an event loop opens with defer_check and runs the check,
 * and the final check of finish, on a worker thread (loop_work_start).
 *
 * Only verified pieces are written: p2p_store_write_piece hashes the piece
 * first. Every open is relative to a folder fd with O_NOFOLLOW on each
 * component and O_NOCTTY|O_NONBLOCK, refusing anything but a regular file
 * or folder (no links, FIFOs, devices); nothing is created outside DIR. */
#ifndef OUTPOST_P2P_STORE_H
#define OUTPOST_P2P_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta.h"

struct p2p_store;

struct p2p_store_opts {
	const char	*dir;		/* target folder (created if missing, mode 0755) */
	bool		seed_only;	/* the content must already be complete in place:
					 * never create or write */
	bool		defer_check;	/* a check open needs is left to a job:
					 * p2p_store_need_check */
	/* Progress of a check run on the caller's thread (not of a job):
	 * pieces done of total. */
	void		(*progress)(uint32_t done, uint32_t total, void *arg);
	void		*arg;
};

/* Open (and, when needed, check) the content. 0, or -errno with a reason
 * for the operator in why (file name included). For seed_only, content
 * that does not verify fully is -EILSEQ ("3 of 120 pieces do not match"). */
int p2p_store_open(const struct p2p_meta *m, const struct p2p_store_opts *o,
    struct p2p_store **out, char *why, size_t whylen);
/* Save the resume file (if anything changed) and free. NULL-safe. */
void p2p_store_close(struct p2p_store *s);

/* Verified pieces: a bitfield of p2p_bitfield_bytes(npieces) bytes. */
const uint8_t *p2p_store_have(const struct p2p_store *s);
uint32_t p2p_store_count(const struct p2p_store *s);
bool p2p_store_complete(const struct p2p_store *s);
/* Whether the content is in its final place (finish done or found so). */
bool p2p_store_final(const struct p2p_store *s);
/* Bytes of pieces found already verified at open (not downloaded now). */
uint64_t p2p_store_found_bytes(const struct p2p_store *s);

/* Hash and write piece i (p2p_piece_size bytes). 0; -EILSEQ when the
 * hash does not match (nothing written); -EEXIST when already had;
 * -errno on I/O errors (why). */
int p2p_store_write_piece(struct p2p_store *s, uint32_t i, const uint8_t *data, size_t len,
    char *why, size_t whylen);
/* Read len bytes at begin of piece i (only pieces we have); pad ranges
 * read as zeros. 0 or -errno. */
int p2p_store_read(struct p2p_store *s, uint32_t i, uint32_t begin, uint8_t *buf, uint32_t len);
/* Re-verify every piece from disk, resetting the bitfield to what
 * matches. Returns the number of pieces that verify, or -errno. */
int p2p_store_check(struct p2p_store *s, char *why, size_t whylen);
/* Save the resume file now (the engine calls it every few seconds and
 * on exit). 0 or -errno. */
int p2p_store_save(struct p2p_store *s);
/* All pieces verified: final whole check, fsync, rename into place.
 * 0, -EILSEQ (a piece changed on disk: it is cleared from the bitfield),
 * or -errno with why. */
int p2p_store_finish(struct p2p_store *s, char *why, size_t whylen);

/* Opened with defer_check, the content needs a check job before anything
 * counts as had: until it ends nothing is had, written or saved. */
bool p2p_store_need_check(const struct p2p_store *s);

/* A whole check as a job: new and end on the store's thread; run on any
 * thread, while the store's thread only reads pieces (p2p_store_read):
 * it must not write, save, finish or close the store until end or free.
 * The job reads the files and hashes into a bitfield of its own; finish
 * also fdatasyncs every file when all match. */
struct p2p_store_job;
/* finish: the final check (-EAGAIN unless every piece is had); else the
 * check p2p_store_need_check asks for, or a re-check. 0 or -errno. */
int p2p_store_job_new(struct p2p_store *s, bool finish, struct p2p_store_job **out);
/* Hash every piece; stop(arg) is asked between pieces and files (NULL:
 * never stop). 0, -ECANCELED, or -errno (the reason goes to end). */
int p2p_store_job_run(struct p2p_store_job *j, bool (*stop)(void *arg), void *arg);
/* Pieces that verified so far, and their bytes (any thread). */
uint32_t p2p_store_job_ok(const struct p2p_store_job *j, uint64_t *bytes);
/* Apply the result to the store and free the job. The check: the count
 * of pieces that verify, or as p2p_store_open would have failed (for
 * seed_only "DIR: 3 of 120 pieces do not match", -EILSEQ). The final
 * check: as p2p_store_finish. */
int p2p_store_job_end(struct p2p_store_job *j, char *why, size_t whylen);
/* Drop a job (stopped or never run): the store stays as before it, a
 * check still needed. NULL-safe. */
void p2p_store_job_free(struct p2p_store_job *j);

#endif
