/* meta.h: BitTorrent metainfo (.torrent): v1 (BEP 3), v2 (BEP 52) and
 * hybrid, single and multi-file; the piece space, piece hashes and their
 * checks; creating torrents. (owner: meta)
 *
 * The piece space. Every torrent is seen as one run of bytes cut into
 * pieces of piece_len; each file occupies [offset, offset + length) of it.
 * v1: the files follow each other (a piece may span files); pad files of
 * BEP 47 (attr "p") are files with pad = true, their bytes zero, never
 * stored. v2 only: each file starts on a piece boundary (as if padded), as
 * the v2 wire protocol numbers pieces. Hybrid: the v1 pad files make the
 * two spaces identical, which p2p_meta_parse checks.
 *
 * A piece's wire size (p2p_piece_size) is its bytes up to the end of the
 * last non-pad data it holds: blocks are requested at 16 KiB steps below
 * it. Bytes of pad files inside that range read as zeros.
 *
 * Path safety is decided here, once: every path component is checked
 * (non-empty, not "." or "..", no '/', no NUL, no control characters,
 * at most 255 bytes, not a Windows device trick needed), the joined path
 * at most P2P_PATH_MAX; the name likewise. Absolute paths cannot occur
 * (components never contain '/'). Two files with the same path, or a
 * file that is also a directory of another, are refused. */
#ifndef OUTPOST_P2P_META_H
#define OUTPOST_P2P_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define P2P_BLOCK		16384u
#define P2P_PATH_MAX		4096
#define P2P_MAX_PIECES		(1u << 22)	/* 4 Mi pieces */
#define P2P_MAX_FILES		100000
#define P2P_MAX_TORRENT_SIZE	(64u << 20)	/* bytes of a .torrent we read */
#define P2P_MIN_PIECE_LEN	16384u
#define P2P_MAX_PIECE_LEN	(64u << 20)

enum { P2P_V1 = 1, P2P_V2 = 2, P2P_HYBRID = 3 };	/* bit mask */

struct p2p_file {
	char		*path;		/* "name/dir/file" relative to the target folder,
					 * '/'-separated, sanitised; for a single-file
					 * torrent just "name" */
	uint64_t	length;
	uint64_t	offset;		/* in the piece space */
	bool		pad;		/* a BEP 47 pad file: zeros, not stored */
	bool		executable;	/* attr "x" */
	/* v2: the merkle root of the file's 16 KiB leaves (all zero for an
	 * empty file) and its hashes in the piece layer (NULL when the file
	 * fits in one piece: the root is the piece hash). */
	uint8_t		root[32];
	const uint8_t	*layer;		/* layer_n * 32 bytes, owned by the meta */
	uint32_t	layer_n;
	uint32_t	first_piece;	/* offset / piece_len */
};

struct p2p_meta {
	int		version;	/* P2P_V1, P2P_V2 or P2P_HYBRID */
	uint8_t		ih1[20];	/* SHA-1 of the info dict (v1, hybrid) */
	uint8_t		ih2[32];	/* SHA-256 of the info dict (v2, hybrid) */
	char		*name;		/* sanitised */
	uint32_t	piece_len;
	uint32_t	npieces;
	uint64_t	size;		/* content bytes, pad files excluded */
	uint64_t	space;		/* bytes of the piece space */
	uint8_t		*pieces;	/* v1: npieces * 20 bytes; NULL for v2 only */
	struct p2p_file	*files;		/* in piece-space order, pad files included */
	size_t		nfiles;
	bool		multi;		/* a folder (info has "files" / a file tree) */
	bool		private_;	/* info "private" = 1 (BEP 27): no LSD */
	char		**trackers;	/* announce, then announce-list tiers flattened, deduplicated */
	size_t		ntrackers;
	char		**webseeds;	/* url-list (BEP 19) */
	size_t		nwebseeds;
	char		*comment, *created_by;
	int64_t		creation_date;
	uint8_t		*info;		/* copy of the info dict's bytes */
	size_t		info_len;
};

/* Parse a whole .torrent (len <= P2P_MAX_TORRENT_SIZE). Checks
 * everything the rest relies on: types, piece length a power of two in
 * [P2P_MIN_PIECE_LEN, P2P_MAX_PIECE_LEN] (v2; v1 any multiple of 16 KiB),
 * pieces length == 20 * npieces, npieces <= P2P_MAX_PIECES and matching
 * the sizes, paths (above), piece layers present for every v2 file larger
 * than a piece and hashing up to its root, hybrid v1/v2 file lists the
 * same. 0 or -EBADMSG/-E2BIG/-ENOMEM with a reason for the operator in
 * why ("info.files[3].path[1]: \"..\" is not allowed"). */
int p2p_meta_parse(const uint8_t *buf, size_t len, struct p2p_meta *m, char *why, size_t whylen);
/* Read and parse a file (refuses non-regular files and sizes over
 * P2P_MAX_TORRENT_SIZE); why starts with the file name. */
int p2p_meta_load(const char *path, struct p2p_meta *m, char *why, size_t whylen);
void p2p_meta_free(struct p2p_meta *m);

/* Bytes of piece i to fetch and verify (see above); 0 for i out of range. */
uint32_t p2p_piece_size(const struct p2p_meta *m, uint32_t i);
/* Bytes piece i spans in the piece space, trailing padding included:
 * what a peer may ask for (libtorrent asks for whole blocks across the
 * padding after a file's end, and with v2 after the last file too; those
 * bytes are zeros). */
uint32_t p2p_piece_span(const struct p2p_meta *m, uint32_t i);
/* Number of 16 KiB blocks of piece i (the last may be short). */
uint32_t p2p_piece_blocks(const struct p2p_meta *m, uint32_t i);
/* Whether data (p2p_piece_size(m, i) bytes, pad ranges zero) is piece i:
 * the v1 SHA-1 and, when the torrent has v2, the v2 piece hash both must
 * match. */
bool p2p_piece_verify(const struct p2p_meta *m, uint32_t i, const uint8_t *data, size_t len);
/* The info-hash the wire handshake carries: ih1 for v1 and hybrid, the
 * first 20 bytes of ih2 for v2 only. */
const uint8_t *p2p_meta_wire_hash(const struct p2p_meta *m);
/* Whether h (20 bytes from a handshake, tracker or LSD) names this
 * torrent: ih1, or the truncated ih2. */
bool p2p_meta_hash_is(const struct p2p_meta *m, const uint8_t *h);
/* Hex of the wire hash (41 bytes with NUL). */
void p2p_meta_hex(const struct p2p_meta *m, char out[41]);

/* v2 merkle helpers (also used by create and the tests). */
/* SHA-256 leaf hashes of data, one per 16 KiB block, into out. */
void p2p_merkle_leaves(const uint8_t *data, size_t len, uint8_t *out);
/* The root over n leaf hashes padded with zero hashes to width (a power
 * of two >= n); pad_hash is what one padding leaf is (NULL: 32 zeros). */
void p2p_merkle_root(const uint8_t *leaves, size_t n, size_t width, const uint8_t *pad_hash,
    uint8_t out[32]);

/* ---- create ---- */

struct p2p_create_opts {
	const char	*path;		/* a file or a folder */
	int		version;	/* P2P_V1, P2P_V2 or P2P_HYBRID (default) */
	uint32_t	piece_len;	/* 0: chosen from the size */
	const char	**trackers;
	size_t		ntrackers;
	const char	**webseeds;
	size_t		nwebseeds;
	const char	*comment;
	const char	*created_by;	/* "outpost-p2p 0.1.0" */
	int64_t		creation_date;	/* 0: none */
	bool		private_;
	/* Called after each piece hashed (done, total bytes), for progress. */
	void		(*progress)(uint64_t done, uint64_t total, void *arg);
	void		*arg;
};

/* The piece length for size bytes: a power of two giving roughly 1000 to
 * 2000 pieces, within 16 KiB .. 16 MiB. */
uint32_t p2p_piece_len_for(uint64_t size);
/* Hash the content and encode the .torrent into out (files in sorted
 * order, no symlinks followed, hidden names kept). 0 or -errno with
 * why. */
int p2p_create(const struct p2p_create_opts *o, struct wire_buf *out, char *why, size_t whylen);

#endif
