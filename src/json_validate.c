/* json_validate.c: a strict RFC 8259 checker for untrusted text.
 *
 * Every byte is read through a cursor that knows the end of the buffer, so a
 * truncated document is an error at offset n, never a read past it. The
 * recursion is bounded by JSON_MAX_DEPTH. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "json.h"

struct cur {
	const unsigned char *p;
	size_t n, i;
	size_t err_off;
	const char *why;
};

static bool bad(struct cur *c, const char *why)
{
	if (c->why == NULL) {
		c->why = why;
		c->err_off = c->i;
	}
	return false;
}

/* The byte at the cursor, or -1 at the end. */
static int peek(const struct cur *c)
{
	return c->i < c->n ? c->p[c->i] : -1;
}

static void skip_ws(struct cur *c)
{
	int ch;

	while ((ch = peek(c)) == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
		c->i++;
}

static bool literal(struct cur *c, const char *word, size_t len)
{
	size_t k;

	for (k = 0; k < len; k++) {
		if (peek(c) != (unsigned char)word[k])
			return bad(c, "invalid literal");
		c->i++;
	}
	return true;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool number(struct cur *c)
{
	if (peek(c) == '-')
		c->i++;
	if (peek(c) == '0') {
		c->i++;
		if (is_digit(peek(c)))
			return bad(c, "leading zero in number");
	} else if (is_digit(peek(c))) {
		while (is_digit(peek(c)))
			c->i++;
	} else {
		return bad(c, "expected digit");
	}
	if (peek(c) == '.') {
		c->i++;
		if (!is_digit(peek(c)))
			return bad(c, "expected digit after decimal point");
		while (is_digit(peek(c)))
			c->i++;
	}
	if (peek(c) == 'e' || peek(c) == 'E') {
		c->i++;
		if (peek(c) == '+' || peek(c) == '-')
			c->i++;
		if (!is_digit(peek(c)))
			return bad(c, "expected digit in exponent");
		while (is_digit(peek(c)))
			c->i++;
	}
	return true;
}

/* Four hex digits of a \u escape; the cursor is on the first. */
static bool hex4(struct cur *c, uint32_t *v)
{
	int k, ch;

	*v = 0;
	for (k = 0; k < 4; k++) {
		ch = peek(c);
		if (ch >= '0' && ch <= '9')
			*v = (*v << 4) | (uint32_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			*v = (*v << 4) | (uint32_t)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			*v = (*v << 4) | (uint32_t)(ch - 'A' + 10);
		else
			return bad(c, "expected four hex digits after \\u");
		c->i++;
	}
	return true;
}

static bool escape(struct cur *c)
{
	uint32_t hi, lo;
	size_t start = c->i - 1;        /* at the backslash */

	switch (peek(c)) {
	case '"': case '\\': case '/': case 'b':
	case 'f': case 'n': case 'r': case 't':
		c->i++;
		return true;
	case 'u':
		break;
	default:
		return bad(c, "invalid escape");
	}
	c->i++;
	if (!hex4(c, &hi))
		return false;
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		c->i = start;
		return bad(c, "unpaired low surrogate");
	}
	if (hi < 0xd800 || hi > 0xdbff)
		return true;
	if (peek(c) != '\\' || c->i + 1 >= c->n || c->p[c->i + 1] != 'u') {
		c->i = start;
		return bad(c, "unpaired high surrogate");
	}
	c->i += 2;
	if (!hex4(c, &lo))
		return false;
	if (lo < 0xdc00 || lo > 0xdfff) {
		c->i = start;
		return bad(c, "unpaired high surrogate");
	}
	return true;
}

/* One UTF-8 encoded code point >= 0x80 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). */
static bool utf8(struct cur *c)
{
	unsigned char b = c->p[c->i];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, k;

	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		return bad(c, "invalid UTF-8 lead byte");
	}
	for (k = 1; k < len; k++) {
		int ch = c->i + k < c->n ? c->p[c->i + k] : -1;

		if (ch < lo || ch > hi)
			return bad(c, "invalid UTF-8 sequence");
		lo = 0x80;
		hi = 0xbf;
	}
	c->i += len;
	return true;
}

static bool string(struct cur *c)
{
	int ch;

	c->i++;                         /* opening quote */
	for (;;) {
		ch = peek(c);
		if (ch < 0)
			return bad(c, "unterminated string");
		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch < 0x20)
			return bad(c, "control character in string");
		if (ch == '\\') {
			c->i++;
			if (!escape(c))
				return false;
		} else if (ch >= 0x80) {
			if (!utf8(c))
				return false;
		} else {
			c->i++;
		}
	}
}

static bool value(struct cur *c, int depth);

static bool container(struct cur *c, int depth, bool obj)
{
	char close = obj ? '}' : ']';

	if (depth >= JSON_MAX_DEPTH)
		return bad(c, "nesting too deep");
	c->i++;
	skip_ws(c);
	if (peek(c) == close) {
		c->i++;
		return true;
	}
	for (;;) {
		if (obj) {
			if (peek(c) != '"')
				return bad(c, "expected string key");
			if (!string(c))
				return false;
			skip_ws(c);
			if (peek(c) != ':')
				return bad(c, "expected ':'");
			c->i++;
			skip_ws(c);
		}
		if (!value(c, depth + 1))
			return false;
		skip_ws(c);
		if (peek(c) == ',') {
			c->i++;
			skip_ws(c);
			continue;
		}
		if (peek(c) == close) {
			c->i++;
			return true;
		}
		return bad(c, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool value(struct cur *c, int depth)
{
	switch (peek(c)) {
	case '{': return container(c, depth, true);
	case '[': return container(c, depth, false);
	case '"': return string(c);
	case 't': return literal(c, "true", 4);
	case 'f': return literal(c, "false", 5);
	case 'n': return literal(c, "null", 4);
	case -1:  return bad(c, "unexpected end of input");
	default:
		if (peek(c) == '-' || is_digit(peek(c)))
			return number(c);
		return bad(c, "unexpected character");
	}
}

int json_validate(const char *buf, size_t n, size_t *err_off, const char **why)
{
	struct cur c = { .p = (const unsigned char *)buf, .n = buf ? n : 0 };

	skip_ws(&c);
	if (value(&c, 0)) {
		skip_ws(&c);
		if (c.i == c.n)
			return 0;
		bad(&c, "trailing garbage after value");
	}
	if (err_off != NULL)
		*err_off = c.err_off;
	if (why != NULL)
		*why = c.why;
	return -EINVAL;
}

void json_line_col(const char *buf, size_t n, size_t off, size_t *line, size_t *col)
{
	size_t i, l = 1, start = 0;

	if (off > n)
		off = n;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	if (line != NULL)
		*line = l;
	if (col != NULL)
		*col = off - start + 1;
}
