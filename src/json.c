/* json.c: the JSON writer.
 *
 * Every call appends to a growable, always NUL-terminated buffer. Nesting
 * and commas are tracked here so callers cannot produce malformed text; the
 * first failure is sticky and later calls do nothing. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void json_free(struct json *j)
{
	if (j == NULL)
		return;
	free(j->buf);
	json_init(j);
}

void json_reset(struct json *j)
{
	char *buf = j->buf;
	size_t cap = j->cap;

	json_init(j);
	j->buf = buf;
	j->cap = cap;
	if (buf != NULL)
		buf[0] = '\0';
}

static void fail(struct json *j, int err)
{
	if (j->err == 0)
		j->err = err;
}

/* Make room for n more bytes plus the terminating NUL. */
static int reserve(struct json *j, size_t n)
{
	size_t want, cap;
	char *p;

	if (j->err)
		return j->err;
	if (n > SIZE_MAX / 2 - j->len) {
		fail(j, -ENOMEM);
		return j->err;
	}
	want = j->len + n + 1;
	if (want <= j->cap)
		return 0;
	cap = j->cap ? j->cap : 64;
	while (cap < want)
		cap *= 2;
	p = realloc(j->buf, cap);
	if (p == NULL) {
		fail(j, -ENOMEM);
		return j->err;
	}
	j->buf = p;
	j->cap = cap;
	return 0;
}

static void put(struct json *j, const char *s, size_t n)
{
	if (reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putc_(struct json *j, char c)
{
	put(j, &c, 1);
}

/* Called before every value: checks the position is legal and emits the
 * separating comma. Returns false (with the error set) when it is not. */
static bool begin_value(struct json *j)
{
	if (j->err)
		return false;
	if (j->depth > 0 && j->is_obj[j->depth] && !j->after_key) {
		fail(j, -EINVAL);       /* object member without a key */
		return false;
	}
	if (j->depth == 0 && j->need_comma[0]) {
		fail(j, -EINVAL);       /* a second top-level value */
		return false;
	}
	if (j->after_key) {
		j->after_key = false;
	} else if (j->need_comma[j->depth]) {
		putc_(j, ',');
	}
	j->need_comma[j->depth] = true;
	return j->err == 0;
}

static void open_container(struct json *j, char c, bool obj)
{
	if (!begin_value(j))
		return;
	if (j->depth >= JSON_MAX_DEPTH) {
		fail(j, -E2BIG);
		return;
	}
	putc_(j, c);
	j->depth++;
	j->need_comma[j->depth] = false;
	j->is_obj[j->depth] = obj;
}

static void close_container(struct json *j, char c, bool obj)
{
	if (j->err)
		return;
	if (j->depth == 0 || j->is_obj[j->depth] != obj || j->after_key) {
		fail(j, -EINVAL);
		return;
	}
	putc_(j, c);
	j->depth--;
}

void json_obj_begin(struct json *j)
{
	open_container(j, '{', true);
}

void json_obj_end(struct json *j)
{
	close_container(j, '}', true);
}

void json_arr_begin(struct json *j)
{
	open_container(j, '[', false);
}

void json_arr_end(struct json *j)
{
	close_container(j, ']', false);
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 if the bytes
 * there are not one (overlong forms, surrogates and code points past
 * U+10FFFF are refused, as RFC 3629 requires). *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	uint32_t v;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static void put_escaped(struct json *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, len;
	uint32_t cp;
	char esc[7];

	putc_(j, '"');
	while (i < n && j->err == 0) {
		len = utf8_seq(s + i, n - i, &cp);
		if (len > 0 && cp >= 0x20 && cp != '"' && cp != '\\' &&
		    cp != 0x2028 && cp != 0x2029) {
			/* Plain bytes are copied in runs, not one by one. */
			i += len;
			run += len;
			continue;
		}
		put(j, str + i - run, run);
		run = 0;
		if (len == 0) {
			put(j, "\xef\xbf\xbd", 3);      /* U+FFFD */
			i++;
			continue;
		}
		i += len;
		switch (cp) {
		case '"':  put(j, "\\\"", 2); continue;
		case '\\': put(j, "\\\\", 2); continue;
		case '\n': put(j, "\\n", 2); continue;
		case '\t': put(j, "\\t", 2); continue;
		case '\r': put(j, "\\r", 2); continue;
		case '\b': put(j, "\\b", 2); continue;
		case '\f': put(j, "\\f", 2); continue;
		}
		/* Other controls, and U+2028/2029 which break JavaScript. */
		esc[0] = '\\';
		esc[1] = 'u';
		esc[2] = hex[(cp >> 12) & 0xf];
		esc[3] = hex[(cp >> 8) & 0xf];
		esc[4] = hex[(cp >> 4) & 0xf];
		esc[5] = hex[cp & 0xf];
		put(j, esc, 6);
	}
	put(j, str + i - run, run);
	putc_(j, '"');
}

void json_key(struct json *j, const char *key)
{
	if (j->err)
		return;
	if (j->depth == 0 || !j->is_obj[j->depth] || j->after_key ||
	    key == NULL) {
		fail(j, -EINVAL);
		return;
	}
	if (j->need_comma[j->depth])
		putc_(j, ',');
	put_escaped(j, key, strlen(key));
	putc_(j, ':');
	j->after_key = true;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	if (begin_value(j))
		put_escaped(j, s, n);
}

void json_str(struct json *j, const char *s)
{
	json_strn(j, s, s ? strlen(s) : 0);
}

void json_int(struct json *j, int64_t v)
{
	char tmp[24];
	int n;

	if (!begin_value(j))
		return;
	n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	put(j, tmp, (size_t)n);
}

void json_uint(struct json *j, uint64_t v)
{
	char tmp[24];
	int n;

	if (!begin_value(j))
		return;
	n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	put(j, tmp, (size_t)n);
}

/* The "C" numeric locale, made once; printf and strtod consult the
 * thread's locale, and a process that called setlocale() may use ','. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* Format v in the shortest %.Ng that reads back as the same double. */
static int fmt_double(double v, char *out, size_t size)
{
	locale_t old = (locale_t)0;
	int prec, n = -1;

	pthread_once(&c_locale_once, c_locale_make);
	if (c_locale != (locale_t)0)
		old = uselocale(c_locale);
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(out, size, "%.*g", prec, v);
		if (n < 0 || (size_t)n >= size) {
			n = -1;
			break;
		}
		if (strtod(out, NULL) == v)
			break;
	}
	if (old != (locale_t)0)
		uselocale(old);
	return n;
}

/* Turn printf's "1e+300"/"1e-07" into "1e+300"/"1e-7", and make sure the
 * decimal point is '.' even if no "C" locale object could be made. */
static size_t tidy_double(char *s, size_t n)
{
	char *e, *d;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == ',')
			s[i] = '.';
	e = strchr(s, 'e');
	if (e == NULL)
		return n;
	d = e + 1;
	if (*d == '+' || *d == '-')
		d++;
	while (d[0] == '0' && d[1] != '\0')
		memmove(d, d + 1, strlen(d));
	return strlen(s);
}

void json_double(struct json *j, double v)
{
	char tmp[40];
	int n;

	if (j->err)
		return;
	if (!isfinite(v)) {
		fail(j, -EDOM);
		return;
	}
	if (!begin_value(j))
		return;
	n = fmt_double(v, tmp, sizeof(tmp));
	if (n < 0) {
		fail(j, -EIO);
		return;
	}
	put(j, tmp, tidy_double(tmp, (size_t)n));
}

void json_bool(struct json *j, bool v)
{
	if (begin_value(j))
		put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json *j)
{
	if (begin_value(j))
		put(j, "null", 4);
}

void json_raw(struct json *j, const char *text, size_t n)
{
	if (text == NULL || n == 0) {
		fail(j, -EINVAL);
		return;
	}
	if (begin_value(j))
		put(j, text, n);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

int json_finish(struct json *j, const char **out, size_t *len)
{
	if (j->err)
		return j->err;
	if (j->depth != 0 || j->after_key || !j->need_comma[0])
		return -EINVAL;
	if (out != NULL)
		*out = j->buf;
	if (len != NULL)
		*len = j->len;
	return 0;
}
