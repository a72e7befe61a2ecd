/* bencode.h: the bencode codec (BEP 3) every BitTorrent structure uses.
 *
 * The decoder reads untrusted bytes through libop's cursor into a tree of
 * nodes that point into the input (no copies of strings): the input must
 * outlive the document. Limits: nesting depth BENC_MAX_DEPTH, node count
 * BENC_MAX_NODES, integers within int64 with no leading zeros, "-0" or
 * empty digits; dictionary keys must be strings, strictly sorted and
 * unique (BEP 3; an unsorted info dict would hash differently in other
 * clients). Each node records the span of its own encoding, so the info
 * dictionary is hashed from the exact bytes received.
 *
 * The encoder appends to a wire_buf; callers write dictionary keys in
 * sorted order themselves. (owner: meta) */
#ifndef OUTPOST_P2P_BENCODE_H
#define OUTPOST_P2P_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define BENC_MAX_DEPTH	64
#define BENC_MAX_NODES	(1u << 22)

enum benc_type { BENC_INT, BENC_STR, BENC_LIST, BENC_DICT };

struct benc {
	enum benc_type	type;
	int64_t		i;		/* BENC_INT */
	const uint8_t	*s;		/* BENC_STR: the bytes (not NUL-terminated) */
	size_t		len;		/* BENC_STR: byte count */
	/* BENC_LIST: n items; BENC_DICT: n pairs, kids[2k] the key (a
	 * string), kids[2k+1] its value. */
	struct benc	*kids;
	size_t		n;
	const uint8_t	*raw;		/* this node's own encoding */
	size_t		raw_len;
};

struct benc_doc {
	struct benc	*root;
	struct benc	*nodes;		/* one allocation for the whole tree */
	size_t		nnodes;
};

/* Decode exactly one value filling buf[0..len) (trailing bytes are an
 * error). 0, or -EBADMSG / -E2BIG (limits) / -ENOMEM with a reason in
 * why ("offset 17: dictionary keys not sorted"). */
int benc_decode(const uint8_t *buf, size_t len, struct benc_doc *doc, char *why, size_t whylen);
/* Decode one value at the front of buf; *used is its length (for
 * messages that carry bencode followed by raw data, as ut_metadata). */
int benc_decode_prefix(const uint8_t *buf, size_t len, struct benc_doc *doc, size_t *used,
    char *why, size_t whylen);
void benc_doc_free(struct benc_doc *doc);

/* The value under key in dict d, or NULL (also when d is not a dict). */
const struct benc *benc_get(const struct benc *d, const char *key);
/* Typed lookups: NULL / false when absent or of another type. */
const struct benc *benc_get_dict(const struct benc *d, const char *key);
const struct benc *benc_get_list(const struct benc *d, const char *key);
const struct benc *benc_get_str(const struct benc *d, const char *key);
bool benc_get_int(const struct benc *d, const char *key, int64_t *out);
/* Whether string node s equals the C string t. */
bool benc_str_is(const struct benc *s, const char *t);

void benc_put_int(struct wire_buf *b, int64_t v);
void benc_put_str(struct wire_buf *b, const void *p, size_t n);
void benc_put_cstr(struct wire_buf *b, const char *s);
void benc_put_list(struct wire_buf *b);		/* 'l' */
void benc_put_dict(struct wire_buf *b);		/* 'd' */
void benc_put_end(struct wire_buf *b);		/* 'e' */

#endif
