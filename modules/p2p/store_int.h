/* store_int.h: what store.c, store_fs.c and store_resume.c share. */
#ifndef OUTPOST_P2P_STORE_INT_H
#define OUTPOST_P2P_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define P2P_STAGE_DIR	".outpost-p2p"

struct p2p_store {
	const struct p2p_meta	*m;
	int			dirfd;		/* DIR */
	int			stagefd;	/* DIR/.outpost-p2p/<hex>, or -1 */
	int			*fds;		/* per file; -1 for pad files */
	uint8_t			*have;
	uint32_t		count;
	uint64_t		found;
	bool			final, seed_only, dirty;
	bool			need_check;	/* a check job must end first */
	char			*dir;
	void			(*progress)(uint32_t done, uint32_t total, void *arg);
	void			*arg;
	char			hex[65];
	char			resume[80];	/* file name under .outpost-p2p */
};

/* Read or write [off, off + len) of the piece space (store.c); reads
 * only pread, so a job may read while the loop serves pieces. */
int p2p_store_io(struct p2p_store *s, uint64_t off, uint8_t *buf, size_t len, bool wr);
uint64_t p2p_store_have_bytes(const struct p2p_store *s);
void p2p_store_count_have(struct p2p_store *s);
/* The end of finish: rename every file into place, drop the staging. */
int p2p_store_place(struct p2p_store *s, char *why, size_t whylen);

/* Open folder rel (a '/'-separated path, "" for base itself) under base,
 * one component at a time, never following links; create missing ones
 * with mode when mode != 0. 0 or -errno. */
int p2p_fs_opendir(int base, const char *rel, int mode, int *out);
/* Open the regular file path under base (parents as p2p_fs_opendir;
 * create them with dmode when O_CREAT is in flags). 0, -ENOENT, -EPERM
 * for anything but a regular file, or -errno. */
int p2p_fs_open(int base, const char *path, int flags, int dmode, int *out);
/* Split path into its parent's fd (opened, created with dmode if != 0)
 * and the last component. 0 or -errno. */
int p2p_fs_parent(int base, const char *path, int dmode, int *pfd, const char **leaf);

/* Resume: load into s->have when it matches the files (0), -ESTALE when
 * it does not or is damaged, -ENOENT when there is none. */
int p2p_resume_load(struct p2p_store *s);
/* The same from the file's bytes (the fuzz harness's way in). */
int p2p_resume_parse(struct p2p_store *s, const uint8_t *buf, size_t len);
int p2p_resume_write(struct p2p_store *s);

#endif
