/* meta_int.h: what the metainfo files share (not part of the API). */
#ifndef OUTPOST_P2P_META_INT_H
#define OUTPOST_P2P_META_INT_H

#include "bencode.h"
#include "meta.h"

/* Say why into m's reason buffer; returns err. */
int meta_fail(char *why, size_t whylen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Whether one path component is acceptable; a reason when not. */
const char *meta_component_bad(const uint8_t *s, size_t n);
/* Append "/"-joined component c to path (malloc'd, grown); NULL on
 * overflow of P2P_PATH_MAX or memory. */
char *meta_path_join(const char *base, const uint8_t *c, size_t n);
/* Refuse two files with one path, or a file that is a folder of another. */
int meta_check_paths(const struct p2p_meta *m, char *why, size_t whylen);
/* The v2 part: file tree and piece layers (meta_v2.c). For hybrid
 * torrents (m->files already filled from v1) it checks they agree. */
int meta_parse_v2(struct p2p_meta *m, const struct benc *root, const struct benc *info,
    char *why, size_t whylen);
/* The index of the file holding byte off of the piece space (files are
 * sorted by offset); nfiles when none. */
size_t meta_file_at(const struct p2p_meta *m, uint64_t off);

#endif
