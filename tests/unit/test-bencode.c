/* test-bencode.c: the bencode codec beyond test-meta's table: reasons
 * carry the byte offset, lengths are checked before use, the depth and
 * node limits hold, spans cover each value's own bytes, prefixes report
 * their length, and the encoder's output decodes back byte for byte. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bencode.h"
#include "tap.h"

static int dec(const char *in, size_t n, char *why, size_t wl)
{
	struct benc_doc d;
	int e = benc_decode((const uint8_t *)in, n, &d, why, wl);

	if (!e)
		benc_doc_free(&d);
	return e;
}

static void test_reasons(void)
{
	static const struct { const char *in, *why; int err; } t[] = {
		{ "d3:abci1e3:abbi2ee", "offset 14: dictionary keys not sorted", -EBADMSG },
		{ "99999999999999999999:x", "offset 18: integer out of range", -EBADMSG },
		{ "9999999:abc", "offset 8: string runs past the end", -EBADMSG },
		{ "l4:spami1e", "offset 10: input ends inside a value", -EBADMSG },
		{ "-1:a", "offset 0: not a bencoded value", -EBADMSG },
		{ "3abc", "':' expected after a string length", -EBADMSG },
		{ "d1:a", "input ends inside a value", -EBADMSG },
		{ "", "offset 0: empty input", -EBADMSG },
		{ "i1ee", "offset 3: trailing bytes", -EBADMSG },
		/* Keys compare as raw bytes: a prefix sorts first, 0xff last. */
		{ "d1:ai1e2:abi2e1:zi3e1:\xffi4ee", NULL, 0 },
		{ "d2:abi1e1:ai2ee", "not sorted", -EBADMSG },
	};
	char why[160];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int e;

		why[0] = 0;
		e = dec(t[i].in, strlen(t[i].in), why, sizeof(why));
		ok(e == t[i].err && (!t[i].why || strstr(why, t[i].why)), "%zu: %d \"%s\"", i, e,
		    why);
	}
	is_int(dec("4:a\0bc", 6, why, sizeof(why)), 0, "a NUL inside a string is data");
	is_int(dec("i9223372036854775807e", 21, why, sizeof(why)), 0, "INT64_MAX decodes");
	is_int(dec("i-9223372036854775808e", 22, why, sizeof(why)), 0, "INT64_MIN decodes");
	is_int(dec("i-9223372036854775809e", 22, why, sizeof(why)), -EBADMSG,
	    "below INT64_MIN refused");
}

static void test_limits(void)
{
	char why[160];
	size_t n = BENC_MAX_NODES + 1, len = 2 + 2 * n;
	char *big = malloc(len), deep[2 * BENC_MAX_DEPTH + 2];

	if (!big)
		bail_out("malloc");
	/* A list of BENC_MAX_NODES empty strings: one node too many. */
	big[0] = 'l';
	for (size_t i = 0; i < n; i++)
		memcpy(big + 1 + 2 * i, "0:", 2);
	big[len - 1] = 'e';
	is_int(dec(big, len, why, sizeof(why)), -E2BIG, "%zu values refused (%s)", n + 1, why);
	free(big);
	memset(deep, 'l', BENC_MAX_DEPTH);
	memset(deep + BENC_MAX_DEPTH, 'e', BENC_MAX_DEPTH);
	is_int(dec(deep, 2 * BENC_MAX_DEPTH, why, sizeof(why)), 0, "%d levels accepted",
	    BENC_MAX_DEPTH);
	memset(deep, 'l', BENC_MAX_DEPTH + 1);
	memset(deep + BENC_MAX_DEPTH + 1, 'e', BENC_MAX_DEPTH + 1);
	ok(dec(deep, 2 * BENC_MAX_DEPTH + 2, why, sizeof(why)) == -E2BIG &&
	    strstr(why, "nested too deeply"), "%d levels refused (%s)", BENC_MAX_DEPTH + 1, why);
}

static void test_spans_and_prefix(void)
{
	const char *in = "d4:infod6:lengthi5ee3:xyzl1:aee";
	const char *msg = "d8:msg_typei1e5:piecei0eeRAWDATA";
	struct benc_doc d;
	const struct benc *info;
	char why[160];
	size_t used = 0;
	int64_t v;

	if (benc_decode((const uint8_t *)in, strlen(in), &d, why, sizeof(why)) < 0)
		bail_out("decode: %s", why);
	info = benc_get_dict(d.root, "info");
	ok(info && info->raw_len == 13 && !memcmp(info->raw, "d6:lengthi5ee", 13),
	    "the info dict's span is its own bytes");
	ok(d.root->raw == (const uint8_t *)in && d.root->raw_len == strlen(in),
	    "the root's span is the whole input");
	ok(benc_get_int(info, "length", &v) && v == 5 && !benc_get_int(info, "nope", &v) &&
	    !benc_get_str(info, "length") && !benc_get(info->kids, "x"), "typed lookups");
	benc_doc_free(&d);
	benc_doc_free(&d);	/* freeing twice is harmless */
	is_int(benc_decode_prefix((const uint8_t *)msg, strlen(msg), &d, &used, why, sizeof(why)),
	    0, "a prefix decodes with data behind it");
	is_int((long long)used, 25, "its length is reported");
	benc_doc_free(&d);
	is_int(benc_decode((const uint8_t *)msg, strlen(msg), &d, why, sizeof(why)), -EBADMSG,
	    "the whole message is not one value");
}

static void test_encode(void)
{
	static const uint8_t bin[] = { 0, 0xff, ':', 'e' };
	static const char want[] = "d1:ai-9223372036854775808e1:bl4:\0\xff:ei9223372036854775807ee"
	    "1:cdee";
	size_t wl = sizeof(want) - 1;
	struct wire_buf b;
	struct benc_doc d;
	char why[160];

	wire_buf_init(&b);
	benc_put_dict(&b);
	benc_put_cstr(&b, "a");
	benc_put_int(&b, INT64_MIN);
	benc_put_cstr(&b, "b");
	benc_put_list(&b);
	benc_put_str(&b, bin, sizeof(bin));
	benc_put_int(&b, INT64_MAX);
	benc_put_end(&b);
	benc_put_cstr(&b, "c");
	benc_put_dict(&b);
	benc_put_end(&b);
	benc_put_end(&b);
	ok(!wire_buf_error(&b) && b.len == wl && !memcmp(b.data, want, wl),
	    "the encoder's bytes (%zu)", b.len);
	is_int(benc_decode(b.data, b.len, &d, why, sizeof(why)), 0, "and they decode");
	ok(d.root->n == 3 && benc_get_list(d.root, "b")->kids[0].len == 4 &&
	    !memcmp(benc_get_list(d.root, "b")->kids[0].s, bin, 4) &&
	    benc_get_list(d.root, "b")->kids[1].i == INT64_MAX, "to the same values");
	benc_doc_free(&d);
	wire_buf_free(&b);
}

int main(void)
{
	test_reasons();
	test_limits();
	test_spans_and_prefix();
	test_encode();
	return done_testing();
}
