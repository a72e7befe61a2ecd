/* wire.h: bounds-checked reading and growable writing of wire formats.
 *
 * A struct wire_cur walks untrusted bytes. Every read checks the bounds;
 * an overrun sets a sticky error, returns zeros and leaves the cursor where
 * it was, so a parser reads a whole structure and checks wire_error() once
 * at the end. Parsers may also record their own (negative errno) error with
 * wire_fail(); the first error wins.
 *
 * A struct wire_buf collects output. Appends grow it as needed; an
 * allocation failure sets a sticky -ENOMEM and makes later appends no-ops,
 * so an encoder checks wire_buf_error() once when done.
 *
 * Header-only: DNS, MQTT, bencode and netlink parsers share it. */
#ifndef OUTPOST_WIRE_H
#define OUTPOST_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wire_cur {
	const uint8_t	*p;
	const uint8_t	*end;
	int		 err;	/* 0 or the first negative errno */
};

/* Start reading len bytes at buf. */
static inline void wire_cur_init(struct wire_cur *c, const void *buf, size_t len)
{
	c->p = buf;
	c->end = buf ? c->p + len : c->p;	/* NULL + 0 is undefined too */
	c->err = 0;
}

/* Bytes left to read (0 once an error is set). */
static inline size_t wire_remaining(const struct wire_cur *c)
{
	return c->err ? 0 : (size_t)(c->end - c->p);
}

/* The sticky error: 0 or a negative errno. */
static inline int wire_error(const struct wire_cur *c)
{
	return c->err;
}

/* Record err (negative errno) unless an error is already set. */
static inline void wire_fail(struct wire_cur *c, int err)
{
	if (!c->err)
		c->err = err;
}

/* Whether n more bytes can be read; sets -EBADMSG when they cannot. */
static inline bool wire_need(struct wire_cur *c, size_t n)
{
	if (c->err)
		return false;
	if ((size_t)(c->end - c->p) < n) {
		c->err = -EBADMSG;
		return false;
	}
	return true;
}

/* Read one byte; 0 on overrun. */
static inline uint8_t wire_read_u8(struct wire_cur *c)
{
	if (!wire_need(c, 1))
		return 0;
	return *c->p++;
}

/* Read a big-endian 16-bit integer; 0 on overrun. */
static inline uint16_t wire_read_u16be(struct wire_cur *c)
{
	uint16_t v;

	if (!wire_need(c, 2))
		return 0;
	v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return v;
}

/* Read a big-endian 32-bit integer; 0 on overrun. */
static inline uint32_t wire_read_u32be(struct wire_cur *c)
{
	uint32_t v;

	if (!wire_need(c, 4))
		return 0;
	v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	    (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	return v;
}

/* Copy n bytes to dst; on overrun dst is zeroed. */
static inline void wire_read_bytes(struct wire_cur *c, void *dst, size_t n)
{
	if (!wire_need(c, n)) {
		if (n)
			memset(dst, 0, n);
		return;
	}
	if (n)
		memcpy(dst, c->p, n);
	c->p += n;
}

/* Borrow n bytes in place and step over them; NULL on overrun. The pointer
 * stays valid as long as the underlying buffer does. */
static inline const uint8_t *wire_read_ptr(struct wire_cur *c, size_t n)
{
	const uint8_t *p;

	if (!wire_need(c, n))
		return NULL;
	p = c->p;
	c->p += n;
	return p;
}

/* Step over n bytes. */
static inline void wire_skip(struct wire_cur *c, size_t n)
{
	if (wire_need(c, n))
		c->p += n;
}

/* Split off the next n bytes as their own cursor and step over them in c.
 * An overrun sets the error in both. */
static inline struct wire_cur wire_sub(struct wire_cur *c, size_t n)
{
	struct wire_cur s;

	if (!wire_need(c, n)) {
		s.p = s.end = c->p;
		s.err = c->err;
		return s;
	}
	s.p = c->p;
	s.end = c->p + n;
	s.err = 0;
	c->p += n;
	return s;
}

struct wire_buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	int	 err;	/* 0 or -ENOMEM, sticky */
};

/* An empty buffer; no allocation until the first append. */
static inline void wire_buf_init(struct wire_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

/* Release the storage; the buffer is empty and usable again. NULL-safe. */
static inline void wire_buf_free(struct wire_buf *b)
{
	if (!b)
		return;
	free(b->data);
	wire_buf_init(b);
}

/* The sticky error: 0 or -ENOMEM. */
static inline int wire_buf_error(const struct wire_buf *b)
{
	return b->err;
}

/* Drop the contents and the error but keep the storage. */
static inline void wire_buf_reset(struct wire_buf *b)
{
	b->len = 0;
	b->err = 0;
}

/* Make room for n more bytes; false (and -ENOMEM) when that fails. */
static inline bool wire_buf_reserve(struct wire_buf *b, size_t n)
{
	size_t cap;
	uint8_t *d;

	if (b->err)
		return false;
	if (b->cap - b->len >= n)
		return true;
	if (n > SIZE_MAX / 2 - b->len) {
		b->err = -ENOMEM;
		return false;
	}
	cap = b->cap ? b->cap : 64;
	while (cap - b->len < n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d) {
		b->err = -ENOMEM;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

/* Append n bytes. */
static inline void wire_put_bytes(struct wire_buf *b, const void *src, size_t n)
{
	if (!n || !wire_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, src, n);
	b->len += n;
}

/* Append one byte. */
static inline void wire_put_u8(struct wire_buf *b, uint8_t v)
{
	wire_put_bytes(b, &v, 1);
}

/* Append a big-endian 16-bit integer. */
static inline void wire_put_u16be(struct wire_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wire_put_bytes(b, x, 2);
}

/* Append a big-endian 32-bit integer. */
static inline void wire_put_u32be(struct wire_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	wire_put_bytes(b, x, 4);
}

/* Bytes a base-128 varint (7 bits per byte, least significant group first,
 * high bit = more follow; MQTT, LEB128, protobuf) of v takes. */
static inline size_t wire_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Write the base-128 varint of v to dst (wire_varint_len(v) bytes). */
static inline size_t wire_varint_encode(uint8_t *dst, uint64_t v)
{
	size_t n = 0;

	do {
		uint8_t byte = v & 0x7f;

		v >>= 7;
		dst[n++] = v ? (uint8_t)(byte | 0x80) : byte;
	} while (v);
	return n;
}

/* Append the base-128 varint of v. */
static inline void wire_put_varint(struct wire_buf *b, uint64_t v)
{
	uint8_t x[10];

	wire_put_bytes(b, x, wire_varint_encode(x, v));
}

/* Remove the first n bytes (sent data), keeping the rest in order. */
static inline void wire_buf_consume(struct wire_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

#endif
