/* bencode.c: the bencode decoder and encoder (bencode.h).
 *
 * Two passes over the input: the first validates and counts nodes with
 * an explicit depth counter (no recursion on untrusted nesting), the
 * second fills one node array. Children of a list or dict are stored
 * contiguously, so the second pass places each container's children in
 * a block reserved when the container is met. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bencode.h"

struct scan {
	const uint8_t	*buf, *p, *end;
	char		*why;
	size_t		whylen;
	size_t		nodes;
	int		err;
};

static int fail(struct scan *s, int err, const char *what)
{
	if (!s->err) {
		s->err = err;
		if (s->why && s->whylen)
			snprintf(s->why, s->whylen, "offset %zu: %s", (size_t)(s->p - s->buf), what);
	}
	return err;
}

/* An integer body up to the terminator t: canonical decimal. */
static int read_num(struct scan *s, char t, bool sign, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;
	const uint8_t *start;

	if (sign && s->p < s->end && *s->p == '-') {
		neg = true;
		s->p++;
	}
	start = s->p;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		unsigned d = (unsigned)(*s->p - '0');

		if (v > (lim - d) / 10)
			return fail(s, -EBADMSG, "integer out of range");
		v = v * 10 + d;
		s->p++;
	}
	if (s->p == start)
		return fail(s, -EBADMSG, "digits expected");
	if (s->p - start > 1 && *start == '0')
		return fail(s, -EBADMSG, "leading zero");
	if (neg && v == 0)
		return fail(s, -EBADMSG, "negative zero");
	if (s->p >= s->end || *s->p != (uint8_t)t)
		return fail(s, -EBADMSG, t == 'e' ? "'e' expected after an integer" :
		    "':' expected after a string length");
	s->p++;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* One string at s->p; its bytes in *str, *len. */
static int read_str(struct scan *s, const uint8_t **str, size_t *len)
{
	int64_t n;

	if (read_num(s, ':', false, &n) < 0)
		return s->err;
	if ((uint64_t)n > (uint64_t)(s->end - s->p))
		return fail(s, -EBADMSG, "string runs past the end");
	*str = s->p;
	*len = (size_t)n;
	s->p += n;
	return 0;
}

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

/* Pass 1: validate one value, counting nodes; containers are walked with
 * an explicit stack of the last key seen at each depth. */
static int scan_value(struct scan *s)
{
	struct { bool dict; bool want_key; const uint8_t *k; size_t kl; } st[BENC_MAX_DEPTH];
	int depth = 0;

	for (;;) {
		const uint8_t *str;
		size_t len;
		int64_t iv;

		if (s->p >= s->end)
			return fail(s, -EBADMSG, "input ends inside a value");
		if (depth > 0 && *s->p == 'e') {
			if (st[depth - 1].dict && !st[depth - 1].want_key)
				return fail(s, -EBADMSG, "dictionary key without a value");
			depth--;
			s->p++;
			if (depth > 0 && st[depth - 1].dict)
				st[depth - 1].want_key = true;
			if (depth == 0)
				return 0;
			continue;
		}
		if (depth > 0 && st[depth - 1].dict && st[depth - 1].want_key) {
			if (*s->p < '0' || *s->p > '9')
				return fail(s, -EBADMSG, "dictionary key is not a string");
			if (read_str(s, &str, &len) < 0)
				return s->err;
			if (st[depth - 1].k && key_cmp(st[depth - 1].k, st[depth - 1].kl, str, len) >= 0)
				return fail(s, -EBADMSG, "dictionary keys not sorted or not unique");
			st[depth - 1].k = str;
			st[depth - 1].kl = len;
			st[depth - 1].want_key = false;
			if (++s->nodes > BENC_MAX_NODES)
				return fail(s, -E2BIG, "too many values");
			continue;
		}
		if (++s->nodes > BENC_MAX_NODES)
			return fail(s, -E2BIG, "too many values");
		switch (*s->p) {
		case 'i':
			s->p++;
			if (read_num(s, 'e', true, &iv) < 0)
				return s->err;
			break;
		case 'l':
		case 'd':
			if (depth == BENC_MAX_DEPTH)
				return fail(s, -E2BIG, "nested too deeply");
			st[depth].dict = *s->p == 'd';
			st[depth].want_key = true;
			st[depth].k = NULL;
			st[depth].kl = 0;
			depth++;
			s->p++;
			continue;
		default:
			if (*s->p < '0' || *s->p > '9')
				return fail(s, -EBADMSG, "not a bencoded value");
			if (read_str(s, &str, &len) < 0)
				return s->err;
			break;
		}
		if (depth == 0)
			return 0;
		if (st[depth - 1].dict)
			st[depth - 1].want_key = true;
	}
}

/* Pass 2 on input already validated: build node n at s->p, its children
 * from *next on. Recursion depth is bounded by BENC_MAX_DEPTH (checked in
 * pass 1). */
static void build(struct scan *s, struct benc *nodes, struct benc *n, size_t *next)
{
	const uint8_t *start = s->p;
	int64_t iv;

	memset(n, 0, sizeof(*n));
	if (*s->p == 'i') {
		s->p++;
		read_num(s, 'e', true, &iv);
		n->type = BENC_INT;
		n->i = iv;
	} else if (*s->p == 'l' || *s->p == 'd') {
		bool dict = *s->p == 'd';
		const uint8_t *q;
		size_t count = 0, depth = 0;

		/* Count the direct children first: skim to the matching 'e'. */
		s->p++;
		q = s->p;
		struct scan t = *s;

		while (*t.p != 'e') {
			const uint8_t *str;
			size_t len;

			count++;
			if (*t.p == 'i') {
				while (*t.p != 'e')
					t.p++;
				t.p++;
			} else if (*t.p == 'l' || *t.p == 'd') {
				depth = 1;
				t.p++;
				while (depth) {
					if (*t.p == 'e') {
						depth--;
						t.p++;
					} else if (*t.p == 'l' || *t.p == 'd') {
						depth++;
						t.p++;
					} else if (*t.p == 'i') {
						while (*t.p != 'e')
							t.p++;
						t.p++;
					} else {
						read_str(&t, &str, &len);
					}
				}
			} else {
				read_str(&t, &str, &len);
			}
		}
		n->type = dict ? BENC_DICT : BENC_LIST;
		n->n = dict ? count / 2 : count;
		n->kids = nodes + *next;
		*next += count;
		s->p = q;
		for (size_t i = 0; i < count; i++)
			build(s, nodes, &n->kids[i], next);
		s->p++;		/* 'e' */
	} else {
		const uint8_t *str;
		size_t len;

		read_str(s, &str, &len);
		n->type = BENC_STR;
		n->s = str;
		n->len = len;
	}
	n->raw = start;
	n->raw_len = (size_t)(s->p - start);
}

int benc_decode_prefix(const uint8_t *buf, size_t len, struct benc_doc *doc, size_t *used,
    char *why, size_t whylen)
{
	struct scan s = { .buf = buf, .p = buf, .end = buf + len, .why = why, .whylen = whylen };
	size_t next = 1;

	memset(doc, 0, sizeof(*doc));
	if (why && whylen)
		why[0] = '\0';
	if (!buf || len == 0) {
		if (why && whylen)
			snprintf(why, whylen, "offset 0: empty input");
		return -EBADMSG;
	}
	if (scan_value(&s) < 0)
		return s.err;
	doc->nodes = calloc(s.nodes, sizeof(*doc->nodes));
	if (!doc->nodes)
		return -ENOMEM;
	doc->nnodes = s.nodes;
	*used = (size_t)(s.p - buf);
	s.p = buf;
	build(&s, doc->nodes, &doc->nodes[0], &next);
	doc->root = &doc->nodes[0];
	return 0;
}

int benc_decode(const uint8_t *buf, size_t len, struct benc_doc *doc, char *why, size_t whylen)
{
	size_t used = 0;
	int e = benc_decode_prefix(buf, len, doc, &used, why, whylen);

	if (e == 0 && used != len) {
		benc_doc_free(doc);
		if (why && whylen)
			snprintf(why, whylen, "offset %zu: trailing bytes after the value", used);
		return -EBADMSG;
	}
	return e;
}

void benc_doc_free(struct benc_doc *doc)
{
	if (!doc)
		return;
	free(doc->nodes);
	memset(doc, 0, sizeof(*doc));
}

bool benc_str_is(const struct benc *s, const char *t)
{
	size_t n = strlen(t);

	return s && s->type == BENC_STR && s->len == n && memcmp(s->s, t, n) == 0;
}

const struct benc *benc_get(const struct benc *d, const char *key)
{
	if (!d || d->type != BENC_DICT)
		return NULL;
	for (size_t i = 0; i < d->n; i++)
		if (benc_str_is(&d->kids[2 * i], key))
			return &d->kids[2 * i + 1];
	return NULL;
}

static const struct benc *get_typed(const struct benc *d, const char *key, enum benc_type t)
{
	const struct benc *v = benc_get(d, key);

	return v && v->type == t ? v : NULL;
}

const struct benc *benc_get_dict(const struct benc *d, const char *key)
{
	return get_typed(d, key, BENC_DICT);
}

const struct benc *benc_get_list(const struct benc *d, const char *key)
{
	return get_typed(d, key, BENC_LIST);
}

const struct benc *benc_get_str(const struct benc *d, const char *key)
{
	return get_typed(d, key, BENC_STR);
}

bool benc_get_int(const struct benc *d, const char *key, int64_t *out)
{
	const struct benc *v = get_typed(d, key, BENC_INT);

	if (v)
		*out = v->i;
	return v != NULL;
}

void benc_put_int(struct wire_buf *b, int64_t v)
{
	char t[32];
	int k = snprintf(t, sizeof(t), "i%" PRId64 "e", v);

	wire_put_bytes(b, t, (size_t)k);
}

void benc_put_str(struct wire_buf *b, const void *p, size_t n)
{
	char t[32];
	int k = snprintf(t, sizeof(t), "%zu:", n);

	wire_put_bytes(b, t, (size_t)k);
	wire_put_bytes(b, p, n);
}

void benc_put_cstr(struct wire_buf *b, const char *s)
{
	benc_put_str(b, s, strlen(s));
}

void benc_put_list(struct wire_buf *b)
{
	wire_put_u8(b, 'l');
}

void benc_put_dict(struct wire_buf *b)
{
	wire_put_u8(b, 'd');
}

void benc_put_end(struct wire_buf *b)
{
	wire_put_u8(b, 'e');
}
