/* test-json: the JSON writer's exact output and errors, and the validator's
 * verdicts and error offsets. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "../tap.h"

/* Finish j and compare its text (want NULL: expect error werr). */
static void check_doc(struct json *j, const char *want, int werr, const char *what)
{
	const char *out = NULL;
	size_t len = 0;
	int r = json_finish(j, &out, &len);

	if (want != NULL) {
		if (is_int(r, 0, "%s: finishes", what))
			is_str(out, want, "%s: text", what);
		else
			ok(0, "%s: text", what);
	} else {
		is_int(r, werr, "%s: error %d", what, werr);
	}
	json_free(j);
}

/* --- writer: structure --- */

static void w_empty_obj(struct json *j) { json_obj_begin(j); json_obj_end(j); }
static void w_empty_arr(struct json *j) { json_arr_begin(j); json_arr_end(j); }
static void w_mixed(struct json *j)
{
	json_obj_begin(j);
	json_kv_str(j, "a", "x");
	json_kv_int(j, "b", -42);
	json_kv_uint(j, "c", UINT64_MAX);
	json_kv_bool(j, "d", true);
	json_key(j, "e");
	json_null(j);
	json_key(j, "f");
	json_arr_begin(j);
	json_int(j, INT64_MIN);
	json_bool(j, false);
	json_str(j, NULL);
	json_obj_begin(j);
	json_obj_end(j);
	json_arr_begin(j);
	json_arr_end(j);
	json_arr_end(j);
	json_kv_double(j, "g", 0.5);
	json_key(j, "h");
	json_raw(j, "{\"r\":[1]}", 9);
	json_obj_end(j);
}
static void w_scalar(struct json *j) { json_int(j, 7); }
static void w_str_top(struct json *j) { json_str(j, "top"); }
static void w_nested_arr(struct json *j)
{
	json_arr_begin(j);
	json_arr_begin(j);
	json_int(j, 1);
	json_arr_end(j);
	json_arr_begin(j);
	json_int(j, 2);
	json_int(j, 3);
	json_arr_end(j);
	json_arr_end(j);
}
static void w_depth32(struct json *j)
{
	int i;

	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_begin(j);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_end(j);
}
/* Errors. */
static void e_nothing(struct json *j) { (void)j; }
static void e_end_unopened(struct json *j) { json_obj_end(j); }
static void e_two_top(struct json *j) { json_int(j, 1); json_int(j, 2); }
static void e_unclosed(struct json *j) { json_obj_begin(j); }
static void e_key_in_arr(struct json *j) { json_arr_begin(j); json_key(j, "k"); }
static void e_value_no_key(struct json *j) { json_obj_begin(j); json_int(j, 1); }
static void e_key_key(struct json *j) { json_obj_begin(j); json_key(j, "a"); json_key(j, "b"); }
static void e_key_end(struct json *j) { json_obj_begin(j); json_key(j, "a"); json_obj_end(j); }
static void e_wrong_end(struct json *j) { json_obj_begin(j); json_arr_end(j); }
static void e_key_top(struct json *j) { json_key(j, "a"); }
static void e_too_deep(struct json *j)
{
	int i;

	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_arr_begin(j);
}
static void e_nan_sticky(struct json *j)
{
	json_arr_begin(j);
	json_double(j, NAN);
	json_obj_end(j);        /* would be -EINVAL, but the first error stays */
}
static void e_inf(struct json *j) { json_double(j, -INFINITY); }
static void e_raw_empty(struct json *j) { json_raw(j, "", 0); }

static const struct {
	const char *what;
	void (*build)(struct json *);
	const char *want;
	int err;
} writer_cases[] = {
	{ "empty object", w_empty_obj, "{}", 0 },
	{ "empty array", w_empty_arr, "[]", 0 },
	{ "mixed", w_mixed, "{\"a\":\"x\",\"b\":-42,\"c\":18446744073709551615,"
	  "\"d\":true,\"e\":null,\"f\":[-9223372036854775808,false,null,{},[]],"
	  "\"g\":0.5,\"h\":{\"r\":[1]}}", 0 },
	{ "scalar at top", w_scalar, "7", 0 },
	{ "string at top", w_str_top, "\"top\"", 0 },
	{ "nested arrays", w_nested_arr, "[[1],[2,3]]", 0 },
	{ "depth 32", w_depth32, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0 },
	{ "no value", e_nothing, NULL, -EINVAL },
	{ "end without begin", e_end_unopened, NULL, -EINVAL },
	{ "two top-level values", e_two_top, NULL, -EINVAL },
	{ "unclosed object", e_unclosed, NULL, -EINVAL },
	{ "key in array", e_key_in_arr, NULL, -EINVAL },
	{ "value without key", e_value_no_key, NULL, -EINVAL },
	{ "key after key", e_key_key, NULL, -EINVAL },
	{ "key then end", e_key_end, NULL, -EINVAL },
	{ "array end on object", e_wrong_end, NULL, -EINVAL },
	{ "key at top", e_key_top, NULL, -EINVAL },
	{ "depth 33", e_too_deep, NULL, -E2BIG },
	{ "NaN, sticky", e_nan_sticky, NULL, -EDOM },
	{ "-Inf", e_inf, NULL, -EDOM },
	{ "empty raw", e_raw_empty, NULL, -EINVAL },
};

static void test_writer_table(void)
{
	struct json j;
	size_t i;

	for (i = 0; i < sizeof(writer_cases) / sizeof(writer_cases[0]); i++) {
		json_init(&j);
		writer_cases[i].build(&j);
		check_doc(&j, writer_cases[i].want, writer_cases[i].err,
			  writer_cases[i].what);
	}
}

static void test_reset(void)
{
	struct json j;

	json_init(&j);
	json_int(&j, 1);
	json_reset(&j);
	json_str(&j, "again");
	check_doc(&j, "\"again\"", 0, "reset keeps no state of the old document");
}

/* --- writer: strings --- */

static void str_case(const char *in, size_t n, const char *want, const char *what)
{
	struct json j;

	json_init(&j);
	json_strn(&j, in, n);
	check_doc(&j, want, 0, what);
}

static void test_control_chars(void)
{
	static const char *shortf[32] = {
		['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n",
		['\f'] = "\\f", ['\r'] = "\\r",
	};
	char in[1], want[16], what[32];
	int c, bad = 0;

	for (c = 0; c < 0x20; c++) {
		struct json j;
		const char *out;

		in[0] = (char)c;
		if (shortf[c])
			snprintf(want, sizeof(want), "\"%s\"", shortf[c]);
		else
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		json_init(&j);
		json_strn(&j, in, 1);
		if (json_finish(&j, &out, NULL) != 0 || strcmp(out, want) != 0) {
			snprintf(what, sizeof(what), "control 0x%02x", c);
			is_str(out, want, "%s", what);
			bad++;
		}
		json_free(&j);
	}
	ok(bad == 0, "all 32 control characters escaped as expected");
}

static void test_strings(void)
{
	str_case("", 0, "\"\"", "empty string");
	str_case("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"", "quote and backslash");
	str_case("\x7f", 1, "\"\x7f\"", "DEL passes");
	str_case("h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e", 15,
		 "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e\"", "UTF-8 passes through");
	str_case("\xe2\x80\xa8|\xe2\x80\xa9", 7, "\"\\u2028|\\u2029\"", "U+2028/2029 escaped");
	str_case("a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\"", "0xff replaced");
	str_case("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", "overlong replaced");
	str_case("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
		 "encoded surrogate replaced");
	str_case("\xe2\x82", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", "truncated sequence replaced");
	str_case("\xf4\x90\x80\x80", 4,
		 "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "past U+10FFFF replaced");
	str_case("a\0b", 3, "\"a\\u0000b\"", "embedded NUL");
}

/* Random bytes through json_str always give valid JSON. */
static void test_strings_random(unsigned seed)
{
	char buf[64];
	int i, k, bad = 0;

	srand(seed);
	for (i = 0; i < 20000; i++) {
		struct json j;
		const char *out;
		size_t n = (size_t)(rand() % (int)sizeof(buf)), len;

		for (k = 0; k < (int)n; k++)
			buf[k] = (char)(rand() % 4 == 0 ? rand() % 0x20 : rand() % 256);
		json_init(&j);
		json_arr_begin(&j);
		json_strn(&j, buf, n);
		json_arr_end(&j);
		if (json_finish(&j, &out, &len) != 0 ||
		    json_validate(out, len, NULL, NULL) != 0)
			bad++;
		json_free(&j);
	}
	ok(bad == 0, "20000 random byte strings encode to valid JSON (seed %u)", seed);
}

/* --- writer: doubles --- */

static const struct {
	double v;
	const char *want;
} double_cases[] = {
	{ 0.1, "0.1" },
	{ 0.5, "0.5" },
	{ 1e300, "1e+300" },
	{ -0.0, "-0" },
	{ 0.0, "0" },
	{ 123456789.125, "123456789.125" },
	{ 0.1 + 0.2, "0.30000000000000004" },
	{ 1.0 / 3.0, "0.3333333333333333" },
	{ 100.0, "100" },
	{ 1e-7, "1e-7" },
	{ 1e21, "1e+21" },
	{ -2.5e-300, "-2.5e-300" },
	{ 5e-324, "4.94065645841247e-324" },
	{ 1.7976931348623157e308, "1.7976931348623157e+308" },
};

static void double_case(double v, const char *want)
{
	struct json j;
	char what[64];

	snprintf(what, sizeof(what), "double %s", want);
	json_init(&j);
	json_double(&j, v);
	check_doc(&j, want, 0, what);
}

static void test_doubles(void)
{
	size_t i;

	for (i = 0; i < sizeof(double_cases) / sizeof(double_cases[0]); i++)
		double_case(double_cases[i].v, double_cases[i].want);
}

/* Random doubles read back exactly, and never print more digits than the
 * shortest precision that does. */
static void test_doubles_random(unsigned seed)
{
	int i, bad = 0;

	srand(seed);
	for (i = 0; i < 20000; i++) {
		union { double d; uint64_t u; } x;
		struct json j;
		const char *out;
		size_t len;
		char shorter[40];
		int p;

		x.u = ((uint64_t)rand() << 62) ^ ((uint64_t)rand() << 31) ^ (uint64_t)rand();
		if (!isfinite(x.d))
			continue;
		json_init(&j);
		json_double(&j, x.d);
		if (json_finish(&j, &out, &len) != 0 || strtod(out, NULL) != x.d ||
		    json_validate(out, len, NULL, NULL) != 0) {
			diag("%a printed as %s", x.d, out ? out : "(error)");
			bad++;
		} else {
			/* Digits beyond 15 only when fewer would not round-trip. */
			for (p = 15; p < 17; p++) {
				snprintf(shorter, sizeof(shorter), "%.*g", p, x.d);
				if (strtod(shorter, NULL) == x.d)
					break;
			}
			snprintf(shorter, sizeof(shorter), "%.*g", p, x.d);
			if (strchr(out, 'e') == NULL && strlen(out) != strlen(shorter)) {
				diag("%a printed as %s, shortest %s", x.d, out, shorter);
				bad++;
			}
		}
		json_free(&j);
	}
	ok(bad == 0, "20000 random doubles round-trip at the shortest precision (seed %u)", seed);
}

static void test_locale(void)
{
	char probe[16];

	if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL) {
		skip(3, "locale de_DE.UTF-8 not installed");
		return;
	}
	snprintf(probe, sizeof(probe), "%.1f", 0.5);
	is_str(probe, "0,5", "de_DE really uses a decimal comma");
	double_case(0.5, "0.5");
	double_case(-1234.25, "-1234.25");
	setlocale(LC_ALL, "C");
}

/* --- validator --- */

static const struct {
	const char *in;
	size_t n;               /* 0: strlen(in) */
	size_t off;             /* (size_t)-1: valid */
	const char *why;        /* expected reason, or NULL not to check */
} validate_cases[] = {
	{ "0", 0, (size_t)-1, NULL },
	{ "-0", 0, (size_t)-1, NULL },
	{ "-12.5e+10", 0, (size_t)-1, NULL },
	{ "1E-3", 0, (size_t)-1, NULL },
	{ " \t\r\n{\"a\":[1,2,{\"b\":null}],\"c\":true} \n", 0, (size_t)-1, NULL },
	{ "\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"", 0, (size_t)-1, NULL },
	{ "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xf4\x8f\xbf\xbf\"", 0, (size_t)-1, NULL },
	{ "[]", 0, (size_t)-1, NULL },
	{ "{}", 0, (size_t)-1, NULL },
	{ "false", 0, (size_t)-1, NULL },
	{ "\"\x7f\"", 0, (size_t)-1, NULL },
	{ "", 0, 0, "unexpected end of input" },
	{ "   ", 0, 3, "unexpected end of input" },
	{ "01", 0, 1, "leading zero in number" },
	{ "1.", 0, 2, "expected digit after decimal point" },
	{ ".5", 0, 0, "unexpected character" },
	{ "-", 0, 1, "expected digit" },
	{ "+1", 0, 0, "unexpected character" },
	{ "1e", 0, 2, "expected digit in exponent" },
	{ "1e+", 0, 3, "expected digit in exponent" },
	{ "[1,]", 0, 3, "unexpected character" },
	{ "[1 2]", 0, 3, "expected ',' or ']'" },
	{ "[", 0, 1, "unexpected end of input" },
	{ "{\"a\" 1}", 0, 5, "expected ':'" },
	{ "{1:2}", 0, 1, "expected string key" },
	{ "{\"a\":1,}", 0, 7, "expected string key" },
	{ "{\"a\":1 \"b\":2}", 0, 7, "expected ',' or '}'" },
	{ "\"abc", 0, 4, "unterminated string" },
	{ "\"a\x01\"", 0, 2, "control character in string" },
	{ "\"a\tb\"", 0, 2, "control character in string" },
	{ "\"\\x\"", 0, 2, "invalid escape" },
	{ "\"\\u12G4\"", 0, 5, "expected four hex digits after \\u" },
	{ "\"\\u12", 0, 5, "expected four hex digits after \\u" },
	{ "\"\\ud800\"", 0, 1, "unpaired high surrogate" },
	{ "\"ab\\udc00\"", 0, 3, "unpaired low surrogate" },
	{ "\"\\ud800\\u0041\"", 0, 1, "unpaired high surrogate" },
	{ "\"\\ud800\\", 0, 1, "unpaired high surrogate" },
	{ "\"\xff\"", 0, 1, "invalid UTF-8 lead byte" },
	{ "\"\x80\"", 0, 1, "invalid UTF-8 lead byte" },
	{ "\"\xc0\xaf\"", 0, 1, "invalid UTF-8 lead byte" },
	{ "\"\xe0\x80\xaf\"", 0, 1, "invalid UTF-8 sequence" },
	{ "\"\xed\xa0\x80\"", 0, 1, "invalid UTF-8 sequence" },
	{ "\"\xf4\x90\x80\x80\"", 0, 1, "invalid UTF-8 sequence" },
	{ "\"\xe2\x82", 0, 1, "invalid UTF-8 sequence" },
	{ "tru", 0, 3, "invalid literal" },
	{ "nulL", 0, 3, "invalid literal" },
	{ "NaN", 0, 0, "unexpected character" },
	{ "1 2", 0, 2, "trailing garbage after value" },
	{ "{}x", 0, 2, "trailing garbage after value" },
	{ "\"a\"\0", 4, 3, "trailing garbage after value" },
	{ "\xef\xbb\xbf{}", 0, 0, "unexpected character" },
};

static void test_validate_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]); i++) {
		const char *in = validate_cases[i].in;
		size_t n = validate_cases[i].n ? validate_cases[i].n : strlen(in);
		size_t off = 12345;
		const char *why = NULL;
		int r = json_validate(in, n, &off, &why);

		if (validate_cases[i].off == (size_t)-1) {
			if (!is_int(r, 0, "validate accepts case %zu", i))
				diag("at %zu: %s", off, why);
			continue;
		}
		if (!ok(r == -EINVAL && off == validate_cases[i].off &&
			why != NULL && strcmp(why, validate_cases[i].why) == 0,
			"validate rejects case %zu at %zu (%s)", i,
			validate_cases[i].off, validate_cases[i].why))
			diag("got r=%d off=%zu why=%s", r, off, why ? why : "(null)");
	}
}

static void test_validate_depth(void)
{
	char buf[2 * (JSON_MAX_DEPTH + 1) + 1];
	size_t off = 0;
	int i;

	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		buf[i] = '[';
		buf[2 * JSON_MAX_DEPTH - 1 - i] = ']';
	}
	is_int(json_validate(buf, 2 * JSON_MAX_DEPTH, NULL, NULL), 0,
	       "validate accepts depth %d", JSON_MAX_DEPTH);
	for (i = 0; i <= JSON_MAX_DEPTH; i++) {
		buf[i] = '[';
		buf[2 * JSON_MAX_DEPTH + 1 - i] = ']';
	}
	is_int(json_validate(buf, 2 * JSON_MAX_DEPTH + 2, &off, NULL), -EINVAL,
	       "validate rejects depth %d", JSON_MAX_DEPTH + 1);
	is_int(off, JSON_MAX_DEPTH, "... at the bracket that is too deep");
}

/* The validator must stop at n even when the buffer goes on. */
static void test_validate_bounds(void)
{
	const char *s = "[1,2]";
	size_t off = 0;

	is_int(json_validate(s, 4, &off, NULL), -EINVAL, "validate stops at n");
	is_int(off, 4, "... and reports the end");
	is_int(json_validate(NULL, 0, &off, NULL), -EINVAL, "NULL buffer is an error");
}

static void test_line_col(void)
{
	const char *s = "{\n  \"a\": x\n}";
	size_t off = 0, line = 0, col = 0;

	json_validate(s, strlen(s), &off, NULL);
	json_line_col(s, strlen(s), off, &line, &col);
	ok(line == 2 && col == 8, "line/col of an error (got %zu:%zu)", line, col);
	json_line_col(s, strlen(s), 0, &line, &col);
	ok(line == 1 && col == 1, "line/col of offset 0");
	json_line_col(s, strlen(s), 999, &line, &col);
	ok(line == 3 && col == 2, "line/col past the end is clamped (got %zu:%zu)", line, col);
}

int main(void)
{
	unsigned seed = (unsigned)time(NULL);
	const char *env = getenv("TEST_SEED");

	if (env != NULL)
		seed = (unsigned)strtoul(env, NULL, 10);
	diag("seed %u (set TEST_SEED to repeat)", seed);
	test_writer_table();
	test_reset();
	test_control_chars();
	test_strings();
	test_strings_random(seed);
	test_doubles();
	test_doubles_random(seed);
	test_locale();
	test_validate_table();
	test_validate_depth();
	test_validate_bounds();
	test_line_col();
	return done_testing();
}
