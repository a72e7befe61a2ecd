/* json.h: a small JSON writer into a growable buffer, and a validator.
 *
 * The writer tracks nesting and commas itself; the first failure (no memory,
 * bad nesting, non-finite number) is sticky and reported by json_finish(). */
#ifndef OUTPOST_JSON_H
#define OUTPOST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json {
	char *buf;
	size_t len, cap;
	int err;                        /* 0 or first -errno */
	int depth;
	bool need_comma[JSON_MAX_DEPTH + 1];
	bool is_obj[JSON_MAX_DEPTH + 1];  /* object (true) or array per level */
	bool after_key;
};

void json_init(struct json *j);
/* Free the buffer; NULL-safe; the struct may be reused after json_init(). */
void json_free(struct json *j);
/* Empty the buffer, keeping its memory, for the next document. */
void json_reset(struct json *j);

void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
/* Object key; the next value call supplies its value. */
void json_key(struct json *j, const char *key);
/* String with full escaping (quotes, backslash, control characters as \uXXXX;
 * invalid UTF-8 bytes become U+FFFD). s may be NULL for null. */
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
/* Shortest round-trip decimal, '.' whatever the locale; NaN/Inf are an
 * error (-EDOM). */
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Insert already-valid JSON text as one value (caller validated it). */
void json_raw(struct json *j, const char *text, size_t n);

/* Convenience: key + value in one call. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_double(struct json *j, const char *key, double v);
void json_kv_bool(struct json *j, const char *key, bool v);

/* Errors: -ENOMEM, -EDOM (NaN/Inf), -E2BIG (nesting past JSON_MAX_DEPTH),
 * -EINVAL (misplaced key or value, unbalanced end, more than one top-level
 * value, empty json_raw()). */

/* Check the document is complete; returns 0 with *out pointing at the
 * NUL-terminated text (owned by j), or the sticky -errno. */
int json_finish(struct json *j, const char **out, size_t *len);

/* Validate that buf[0..n) is exactly one JSON value (RFC 8259, UTF-8,
 * nesting at most JSON_MAX_DEPTH) with optional surrounding white space.
 * Returns 0, or -EINVAL with *err_off (if not NULL) at the offending byte
 * and *why (if not NULL) a static description. Never reads past n. */
int json_validate(const char *buf, size_t n, size_t *err_off, const char **why);

/* 1-based line and column (in bytes) of offset off in buf[0..n), for error
 * messages; off past n is clamped to n. */
void json_line_col(const char *buf, size_t n, size_t off, size_t *line, size_t *col);

#endif
