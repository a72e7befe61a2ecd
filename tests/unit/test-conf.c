/* test-conf: the config library, outpost.conf(5).
 *
 * Values of every type (good and bad, asserting what was parsed), every
 * diagnostic with its exact text, includes, defaults, lists, quoting,
 * suggestions, and the print/parse round trip. Files are written into a
 * fresh mkdtemp folder which is the working directory while tests run. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/capability.h>

#include "conf.h"
#include "../tap.h"
#include "conf-helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a test schema that has every type, flag and naming rule ---- */


/* Root passes permission checks through CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH; clear (or restore) them in the effective set so
 * the permission errors can be tested as root too. No-op for others. */
static int dac_override(bool on)
{
	static const cap_value_t caps[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH };
	cap_t c;
	int r;

	if (geteuid() != 0)
		return 0;
	if ((c = cap_get_proc()) == NULL)
		return -1;
	r = cap_set_flag(c, CAP_EFFECTIVE, 2, caps, on ? CAP_SET : CAP_CLEAR);
	if (r == 0)
		r = cap_set_proc(c);
	cap_free(c);
	return r;
}

static int check_url(const char *raw, char *msg, size_t len)
{
	if (strncmp(raw, "mqtt://", 7) == 0)
		return 0;
	snprintf(msg, len, "is not an mqtt:// URL");
	return -1;
}

static const struct conf_key_def t_keys[] = {
	{ .name = "str", .type = CONF_STR },
	{ .name = "int", .type = CONF_INT, .min = 1, .max = 1000 },
	{ .name = "big", .type = CONF_INT },
	{ .name = "mark", .type = CONF_INT, .flags = CONF_HEX },
	{ .name = "flag", .type = CONF_BOOL, .def = "yes" },
	{ .name = "dur", .type = CONF_DURATION, .def = "30s" },
	{ .name = "rate", .type = CONF_RATE, .max = 10000000000ULL },
	{ .name = "size", .type = CONF_SIZE },
	{ .name = "addr", .type = CONF_ADDR, .def = "192.0.2.1" },
	{ .name = "prefix", .type = CONF_PREFIX },
	{ .name = "url", .type = CONF_STR, .check = check_url },
	{ .name = "words", .type = CONF_STR, .flags = CONF_LIST },
	{ .name = "nets", .type = CONF_PREFIX, .flags = CONF_LIST },
	{ .name = "timeout", .type = CONF_DURATION, .min = 100, .max = 60000 },
};

static const struct conf_key_def line_keys[] = {
	{ .name = "interface", .type = CONF_STR, .flags = CONF_REQUIRED },
	{ .name = "gateway", .type = CONF_ADDR },
	{ .name = "source", .type = CONF_PREFIX, .flags = CONF_LIST },
	{ .name = "fwmark", .type = CONF_INT, .flags = CONF_HEX },
};

static const struct conf_key_def uniq_keys[] = {
	{ .name = "x", .type = CONF_STR },
};

static const struct conf_section_def t_section = {
	.name = "t", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = t_keys, .nkeys = N(t_keys),
};
static const struct conf_section_def line_section = {
	.name = "line", .naming = CONF_NAME_REQUIRED,
	.keys = line_keys, .nkeys = N(line_keys),
};
static const struct conf_section_def uniq_section = {
	.name = "uniq", .naming = CONF_NAME_OPTIONAL, .unique = true,
	.keys = uniq_keys, .nkeys = N(uniq_keys),
};

static const struct conf_section_def *test_sections[4];
static struct conf_schema test_schema = { test_sections, N(test_sections) };
static const struct conf_opts topts = { .schema = &test_schema };
/* The real whole-file schema, as outpost-config links it. */
static const struct conf_opts oopts = { .schema = &conf_schema_outpost };

static const struct conf_key_def *tkey(const char *name)
{
	const struct conf_key_def *k = conf_schema_key(&t_section, name);

	if (!k)
		bail_out("no test key %s", name);
	return k;
}

/* ---- files ---- */

static char tmpdir[] = "/tmp/test-conf.XXXXXX";

/* Load text written to outpost.conf with the test schema. */
static int load_text(const char *text, struct conf **confp)
{
	write_file("outpost.conf", text);
	return conf_load("outpost.conf", &topts, confp);
}

/* ---- typed values ---- */

struct value_case {
	const char *key, *raw;
	uint64_t u64;       /* integer-like types, or bool */
	const char *canon;  /* canonical text; NULL: error expected */
	const char *msg;    /* the exact error */
};

static const struct value_case value_cases[] = {
	/* integer, bounded 1..1000 */
	{ "int", "1", 1, "1", NULL },
	{ "int", "1000", 1000, "1000", NULL },
	{ "int", "0x10", 16, "16", NULL },
	{ "int", "0X1f", 31, "31", NULL },
	{ "int", "007", 7, "7", NULL },
	{ "int", "0", 0, NULL, "'0' is less than the minimum 1" },
	{ "int", "1001", 0, NULL, "'1001' is greater than the maximum 1000" },
	{ "int", "abc", 0, NULL, "'abc' is not an integer" },
	{ "int", "1x", 0, NULL, "'1x' is not an integer" },
	{ "int", "-1", 0, NULL, "'-1' is not an integer" },
	{ "int", "+1", 0, NULL, "'+1' is not an integer" },
	{ "int", "0x", 0, NULL, "'0x' is not an integer" },
	{ "int", "1 2", 0, NULL, "'1 2' is not an integer" },
	{ "int", "", 0, NULL, "'' is not an integer" },
	{ "big", "18446744073709551615", UINT64_MAX, "18446744073709551615", NULL },
	{ "big", "0xffffffffffffffff", UINT64_MAX, "18446744073709551615", NULL },
	{ "big", "18446744073709551616", 0, NULL, "'18446744073709551616' is too large" },
	{ "big", "0x10000000000000000", 0, NULL, "'0x10000000000000000' is too large" },
	{ "mark", "0x150", 0x150, "0x150", NULL },
	{ "mark", "336", 0x150, "0x150", NULL },
	/* boolean */
	{ "flag", "yes", 1, "yes", NULL },
	{ "flag", "true", 1, "yes", NULL },
	{ "flag", "on", 1, "yes", NULL },
	{ "flag", "1", 1, "yes", NULL },
	{ "flag", "YES", 1, "yes", NULL },
	{ "flag", "no", 0, "no", NULL },
	{ "flag", "false", 0, "no", NULL },
	{ "flag", "off", 0, "no", NULL },
	{ "flag", "0", 0, "no", NULL },
	{ "flag", "y", 0, NULL, "'y' is not a boolean (yes/no, true/false, on/off, 1/0)" },
	{ "flag", "2", 0, NULL, "'2' is not a boolean (yes/no, true/false, on/off, 1/0)" },
	/* duration, in milliseconds */
	{ "dur", "250ms", 250, "250ms", NULL },
	{ "dur", "5s", 5000, "5s", NULL },
	{ "dur", "2m", 120000, "2m", NULL },
	{ "dur", "1h", 3600000, "1h", NULL },
	{ "dur", "1d", 86400000, "1d", NULL },
	{ "dur", "90", 90000, "90s", NULL },
	{ "dur", "120s", 120000, "2m", NULL },
	{ "dur", "1.5s", 1500, "1500ms", NULL },
	{ "dur", "0.5h", 1800000, "30m", NULL },
	{ "dur", "0", 0, "0s", NULL },
	{ "dur", "5S", 5000, "5s", NULL },
	{ "dur", "5x", 0, NULL, "'5x' is not a duration (e.g. 250ms, 5s, 2m, 1h, 1d)" },
	{ "dur", "s", 0, NULL, "'s' is not a duration (e.g. 250ms, 5s, 2m, 1h, 1d)" },
	{ "dur", "5 s", 0, NULL, "'5 s' is not a duration (e.g. 250ms, 5s, 2m, 1h, 1d)" },
	{ "dur", "-5s", 0, NULL, "'-5s' is not a duration (e.g. 250ms, 5s, 2m, 1h, 1d)" },
	{ "dur", "1.s", 0, NULL, "'1.s' is not a duration (e.g. 250ms, 5s, 2m, 1h, 1d)" },
	{ "dur", "0.5ms", 0, NULL, "'0.5ms' is not a duration (e.g. 250ms, 5s, 2m, 1h, 1d)" },
	{ "dur", "99999999999999d", 0, NULL, "'99999999999999d' is too large" },
	{ "timeout", "99ms", 0, NULL, "'99ms' is less than the minimum 100ms" },
	{ "timeout", "61s", 0, NULL, "'61s' is greater than the maximum 1m" },
	{ "timeout", "1m", 60000, "1m", NULL },
	/* rate, in bits per second */
	{ "rate", "20mbit", 20000000, "20mbit", NULL },
	{ "rate", "1.5gbit", 1500000000, "1500mbit", NULL },
	{ "rate", "500kbps", 4000000, "4mbit", NULL },
	{ "rate", "100kbit", 100000, "100kbit", NULL },
	{ "rate", "8bit", 8, "8bit", NULL },
	{ "rate", "1bps", 8, "8bit", NULL },
	{ "rate", "1gbps", 8000000000ULL, "8gbit", NULL },
	{ "rate", "20Mbit", 20000000, "20mbit", NULL },
	{ "rate", "100", 0, NULL,
	  "'100' is not a rate (e.g. 8bit, 100kbit, 20mbit, 1.5gbit, 500kbps)" },
	{ "rate", "20 mbit", 0, NULL,
	  "'20 mbit' is not a rate (e.g. 8bit, 100kbit, 20mbit, 1.5gbit, 500kbps)" },
	{ "rate", "20mbits", 0, NULL,
	  "'20mbits' is not a rate (e.g. 8bit, 100kbit, 20mbit, 1.5gbit, 500kbps)" },
	{ "rate", "0.1bit", 0, NULL,
	  "'0.1bit' is not a rate (e.g. 8bit, 100kbit, 20mbit, 1.5gbit, 500kbps)" },
	{ "rate", "11gbit", 0, NULL, "'11gbit' is greater than the maximum 10gbit" },
	{ "rate", "99999999999tbps", 0, NULL, "'99999999999tbps' is too large" },
	/* size, in bytes */
	{ "size", "4MiB", 4194304, "4MiB", NULL },
	{ "size", "512KiB", 524288, "512KiB", NULL },
	{ "size", "1GiB", 1073741824, "1GiB", NULL },
	{ "size", "100KB", 100000, "100KB", NULL },
	{ "size", "4096", 4096, "4KiB", NULL },
	{ "size", "1023", 1023, "1023", NULL },
	{ "size", "1.5KiB", 1536, "1536", NULL },
	{ "size", "10B", 10, "10", NULL },
	{ "size", "4mib", 4194304, "4MiB", NULL },
	{ "size", "0", 0, "0", NULL },
	{ "size", "4MB4", 0, NULL, "'4MB4' is not a size (e.g. 4096, 512KiB, 4MiB, 1GiB, 100KB)" },
	{ "size", "4 MiB", 0, NULL, "'4 MiB' is not a size (e.g. 4096, 512KiB, 4MiB, 1GiB, 100KB)" },
	{ "size", "0x10", 0, NULL, "'0x10' is not a size (e.g. 4096, 512KiB, 4MiB, 1GiB, 100KB)" },
	{ "size", "20000000TiB", 0, NULL, "'20000000TiB' is too large" },
	/* address */
	{ "addr", "203.0.113.1", 0, "203.0.113.1", NULL },
	{ "addr", "2001:DB8::1", 0, "2001:db8::1", NULL },
	{ "addr", "::ffff:192.0.2.1", 0, "::ffff:192.0.2.1", NULL },
	{ "addr", "203.0.113.300", 0, NULL, "'203.0.113.300' is not an IPv4 or IPv6 address" },
	{ "addr", "203.0.113", 0, NULL, "'203.0.113' is not an IPv4 or IPv6 address" },
	{ "addr", "192.0.2.1/32", 0, NULL, "'192.0.2.1/32' is not an IPv4 or IPv6 address" },
	{ "addr", "fe80::1%eth0", 0, NULL, "'fe80::1%eth0' is not an IPv4 or IPv6 address" },
	/* prefix */
	{ "prefix", "10.0.0.0/8", 0, "10.0.0.0/8", NULL },
	{ "prefix", "2001:db8::/32", 0, "2001:db8::/32", NULL },
	{ "prefix", "192.0.2.7", 0, "192.0.2.7/32", NULL },
	{ "prefix", "2001:db8::7", 0, "2001:db8::7/128", NULL },
	{ "prefix", "0.0.0.0/0", 0, "0.0.0.0/0", NULL },
	{ "prefix", "192.168.50.0/23", 0, "192.168.50.0/23", NULL },
	{ "prefix", "192.168.51.0/23", 0, NULL,
	  "'192.168.51.0/23' has host bits set, did you mean '192.168.50.0/23'?" },
	{ "prefix", "10.0.0.1/8", 0, NULL, "'10.0.0.1/8' has host bits set, did you mean '10.0.0.0/8'?" },
	{ "prefix", "2001:db8::1/32", 0, NULL,
	  "'2001:db8::1/32' has host bits set, did you mean '2001:db8::/32'?" },
	{ "prefix", "10.0.0.0/33", 0, NULL,
	  "'10.0.0.0/33' is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, 2001:db8::/32)" },
	{ "prefix", "10.0.0.0/", 0, NULL,
	  "'10.0.0.0/' is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, 2001:db8::/32)" },
	{ "prefix", "10.0.0.0/8x", 0, NULL,
	  "'10.0.0.0/8x' is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, 2001:db8::/32)" },
	{ "prefix", "10.0.0.0/0x8", 0, NULL,
	  "'10.0.0.0/0x8' is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, 2001:db8::/32)" },
	{ "prefix", "/8", 0, NULL,
	  "'/8' is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, 2001:db8::/32)" },
	/* string, with a check */
	{ "str", "any thing", 0, "any thing", NULL },
	{ "url", "mqtt://broker", 0, "mqtt://broker", NULL },
	{ "url", "http://broker", 0, NULL, "'http://broker' is not an mqtt:// URL" },
};

static void test_values(void)
{
	const struct value_case *c;
	struct conf_value v;
	char msg[CONF_MSG_MAX], canon[128];
	size_t i;
	int r;

	for (i = 0; i < N(value_cases); i++) {
		c = &value_cases[i];
		msg[0] = '\0';
		r = conf_value_parse(tkey(c->key), c->raw, &v, msg, sizeof(msg));
		if (!c->canon) {
			is_int(r, -EINVAL, "%s = '%s' is rejected", c->key, c->raw);
			is_str(msg, c->msg, "%s = '%s': message", c->key, c->raw);
			continue;
		}
		if (!is_int(r, 0, "%s = '%s' parses", c->key, c->raw)) {
			diag("%s", msg);
			continue;
		}
		if (v.type == CONF_BOOL)
			is_int(v.v.b, c->u64, "%s = '%s': value", c->key, c->raw);
		else if (v.type != CONF_STR && v.type != CONF_ADDR && v.type != CONF_PREFIX)
			is_int(v.v.u64, c->u64, "%s = '%s': value", c->key, c->raw);
		conf_value_format(&v, tkey(c->key)->flags, canon, sizeof(canon));
		is_str(canon, c->canon, "%s = '%s': canonical text", c->key, c->raw);
		conf_value_clear(&v);
	}
}

/* The address and prefix bytes themselves, not just their text. */
static void test_addr_bytes(void)
{
	struct conf_value v;
	struct in6_addr want6;
	char msg[CONF_MSG_MAX];

	conf_value_parse(tkey("addr"), "203.0.113.9", &v, msg, sizeof(msg));
	is_int(v.v.addr.family, AF_INET, "IPv4 address family");
	is_int(ntohl(v.v.addr.u.v4.s_addr), 0xcb007109, "IPv4 address bytes");
	conf_value_parse(tkey("addr"), "2001:db8::9", &v, msg, sizeof(msg));
	inet_pton(AF_INET6, "2001:db8::9", &want6);
	ok(v.v.addr.family == AF_INET6 && memcmp(&v.v.addr.u.v6, &want6, 16) == 0,
	   "IPv6 address bytes");
	conf_value_parse(tkey("prefix"), "198.51.100.0/24", &v, msg, sizeof(msg));
	ok(v.v.prefix.addr.family == AF_INET && v.v.prefix.len == 24 &&
	   ntohl(v.v.prefix.addr.u.v4.s_addr) == 0xc6336400, "IPv4 prefix bytes and length");
}

/* ---- whole files: the exact diagnostics ---- */

struct file_case {
	const char *name, *text, *want;  /* want: diagnostics joined by \n */
};

static const struct file_case file_cases[] = {
	{ "clean file", "# comment\n; comment\n\n[t]\nstr = x\n", "" },
	{ "unknown section, near miss", "[tt]\nstr = x\n",
	  "outpost.conf:1: [tt] unknown section, did you mean 't'?" },
	{ "unknown section, far", "[zebra \"z\"]\nkey = 1\n",
	  "outpost.conf:1: [zebra \"z\"] unknown section" },
	{ "unknown key, near miss", "[t]\nwrods = a\ntimeotu = 1s\n",
	  "outpost.conf:2: [t] wrods: unknown key, did you mean 'words'?\n"
	  "outpost.conf:3: [t] timeotu: unknown key, did you mean 'timeout'?" },
	{ "unknown key, far", "[t]\nbanana = 1\n", "outpost.conf:2: [t] banana: unknown key" },
	{ "bad values, all reported", "[t]\nint = 0\naddr = 203.0.113.300\nrate = 5\n",
	  "outpost.conf:2: [t] int: '0' is less than the minimum 1\n"
	  "outpost.conf:3: [t] addr: '203.0.113.300' is not an IPv4 or IPv6 address\n"
	  "outpost.conf:4: [t] rate: '5' is not a rate (e.g. 8bit, 100kbit, 20mbit, 1.5gbit, "
	  "500kbps)" },
	{ "bad value in a named section",
	  "[line \"tel\"]\ninterface = eth2\ngateway = 203.0.113.300\n",
	  "outpost.conf:3: [line \"tel\"] gateway: '203.0.113.300' is not an IPv4 or IPv6 "
	  "address" },
	{ "duplicate section", "[line \"tel\"]\ninterface = a\n\n[line \"tel\"]\ninterface = b\n",
	  "outpost.conf:4: [line \"tel\"] duplicate section, first at line 1" },
	{ "duplicate unnamed section", "[t]\n[t]\nbanana = 1\n",
	  "outpost.conf:2: [t] duplicate section, first at line 1\n"
	  "outpost.conf:3: [t] banana: unknown key" },
	{ "unique section", "[uniq \"a\"]\n[uniq \"b\"]\n",
	  "outpost.conf:2: [uniq \"b\"] only one [uniq] section is allowed, first at line 1" },
	{ "name forbidden", "[t \"x\"]\n", "outpost.conf:1: [t \"x\"] section takes no name, write [t]" },
	{ "name required", "[line]\ninterface = a\n",
	  "outpost.conf:1: [line] section needs a name, e.g. [line \"name\"]" },
	{ "repeated key", "[t]\nstr = a\nstr = b\n",
	  "outpost.conf:3: [t] str: 'b' repeats a key that is not a list, first set at line 2" },
	{ "missing required key", "[t]\n[line \"tel\"]\ngateway = 203.0.113.1\n",
	  "outpost.conf:2: [line \"tel\"] interface: required key missing" },
	{ "missing ]", "[t\nstr = a\n", "outpost.conf:1: syntax error: missing ']' in '[t'" },
	{ "bad header", "[t x]\n[t] junk\n[]\n[line \"\"]\n[t]\n",
	  "outpost.conf:1: syntax error: invalid section header '[t x]'\n"
	  "outpost.conf:2: syntax error: unexpected 'junk' after ']'\n"
	  "outpost.conf:3: syntax error: invalid section header '[]'\n"
	  "outpost.conf:4: syntax error: invalid section header '[line \"\"]'" },
	{ "unterminated quote in header", "[line \"tel]\n",
	  "outpost.conf:1: syntax error: unterminated quote in '[line \"tel]'" },
	{ "unterminated quote", "[t]\nstr = \"abc\nwords = \"a\\\"\n",
	  "outpost.conf:2: [t] str: syntax error: unterminated quote in '\"abc'\n"
	  "outpost.conf:3: [t] words: syntax error: unterminated quote in '\"a\\\"'" },
	{ "line without =", "[t]\nstr\n\tthis is not a key\n",
	  "outpost.conf:2: [t] syntax error: expected 'key = value' but found 'str'\n"
	  "outpost.conf:3: [t] syntax error: expected 'key = value' but found 'this is not a key'" },
	{ "bad key name", "[t]\na b = 1\n= 2\n",
	  "outpost.conf:2: [t] syntax error: invalid key name 'a b'\n"
	  "outpost.conf:3: [t] syntax error: invalid key name ''" },
	{ "empty value", "[t]\nstr =\nint =   # nothing\n",
	  "outpost.conf:2: [t] str: empty value\noutpost.conf:3: [t] int: empty value" },
	{ "key outside of a section", "str = a\n[t]\n",
	  "outpost.conf:1: str: key outside of any section" },
	{ "keys of an unknown section are not reported", "[zzz]\na = 1\nb = 2\n[t]\nc = 3\n",
	  "outpost.conf:1: [zzz] unknown section\noutpost.conf:5: [t] c: unknown key" },
	{ "host bits", "[t]\nnets = 10.0.0.0/8 10.0.0.1/8\n",
	  "outpost.conf:2: [t] nets: '10.0.0.1/8' has host bits set, did you mean '10.0.0.0/8'?" },
	{ "check callback", "[t]\nurl = http://x\n",
	  "outpost.conf:2: [t] url: 'http://x' is not an mqtt:// URL" },
	{ "CRLF line ends", "[t]\r\nstr = a\r\nint = 5\r\n", "" },
};

static void test_files(void)
{
	const struct file_case *c;
	struct conf *conf;
	char *got;
	size_t i;
	int r;

	for (i = 0; i < N(file_cases); i++) {
		c = &file_cases[i];
		r = load_text(c->text, &conf);
		is_int(r, *c->want ? -EINVAL : 0, "%s: return value", c->name);
		got = diags(conf);
		is_str(got, c->want, "%s: diagnostics", c->name);
		free(got);
		conf_free(conf);
	}
}

/* A NUL inside a buffer is reported (a file can hold one). */
static void test_nul(void)
{
	static const char text[] = "[t]\nstr = a\0b\n";
	struct conf *conf;
	int r;

	r = conf_load_buffer("mem.conf", text, sizeof(text) - 1, &topts, &conf);
	is_int(r, -EINVAL, "NUL byte: rejected");
	is_str(conf_diag(conf, 0), "mem.conf:2: syntax error: line holds a NUL byte",
	       "NUL byte: message");
	conf_free(conf);
}

/* Past CONF_DIAG_MAX diagnostics the parser stops with one last note. */
static void test_diag_cap(void)
{
	struct conf *conf;
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&text, &len);

	/* The missing interface is found after parsing, when already full. */
	fputs("[line \"x\"]\n[t]\n", fp);
	for (i = 0; i < 80; i++)
		fputs("int = x\n", fp);
	fclose(fp);
	load_text(text, &conf);
	is_int(conf_diag_count(conf), CONF_DIAG_MAX + 1, "diagnostics are capped");
	is_str(conf_diag(conf, 0), "outpost.conf:3: [t] int: 'x' is not an integer",
	       "the first is the first error");
	is_str(conf_diag(conf, CONF_DIAG_MAX), "outpost.conf: too many errors, stopping",
	       "the last says why it stopped");
	free(text);
	conf_free(conf);
}

static void test_missing_file(void)
{
	struct conf *conf;
	int r;

	r = conf_load("nope.conf", &topts, &conf);
	is_int(r, -ENOENT, "missing file: -ENOENT");
	is_str(conf_diag(conf, 0), "nope.conf: cannot read: No such file or directory",
	       "missing file: message");
	conf_free(conf);
	mkdir("adir", 0755);
	r = conf_load("adir", &topts, &conf);
	is_int(r, -EISDIR, "folder as file: -EISDIR");
	is_str(conf_diag(conf, 0), "adir: cannot read: Is a directory", "folder: message");
	conf_free(conf);
}

/* ---- lists, quoting, comments ---- */

static void test_lists_quoting(void)
{
	static const char text[] =
		"[t]   # header comment\n"
		"words = system 192.0.2.53\n"
		"words = \"two words\" x\"y z\"w   ; comment\n"
		"words = a#b c;d \"#\" \";\"\n"
		"words = \"back\\\\slash\" \"q\\\"uote\" \"\"\n"
		"nets = 10.0.0.0/8\n"
		"nets = 2001:db8::/32 192.0.2.0/24\n"
		"str =   keep  inner   space   # but not this\n"
		"url = \"mqtt://host/#\"\n";
	static const char *const want_words[] = {
		"system", "192.0.2.53", "two words", "xy zw", "a#b", "c;d", "#", ";",
		"back\\slash", "q\"uote", "",
	};
	static const char *const want_nets[] = { "10.0.0.0/8", "2001:db8::/32", "192.0.2.0/24" };
	const struct conf_section *t;
	struct conf *conf;
	char buf[64];
	size_t i;
	int r;

	r = conf_load_buffer("mem.conf", text, strlen(text), &topts, &conf);
	is_int(r, 0, "lists and quoting: clean");
	t = conf_section_get(conf, "t", NULL);
	is_int(conf_get_count(t, "words"), N(want_words), "words: item count");
	for (i = 0; i < N(want_words); i++) {
		const struct conf_value *v = conf_get_at(t, "words", i);
		is_str(v ? v->v.str : NULL, want_words[i], "words[%zu]", i);
	}
	ok(conf_get_at(t, "words", N(want_words)) == NULL, "words: nothing past the end");
	is_int(conf_get_count(t, "nets"), N(want_nets), "nets: item count");
	for (i = 0; i < N(want_nets); i++) {
		conf_value_format(conf_get_at(t, "nets", i), 0, buf, sizeof(buf));
		is_str(buf, want_nets[i], "nets[%zu]", i);
	}
	is_str(conf_get_str(t, "str"), "keep  inner   space", "inner whitespace kept");
	is_str(conf_get_str(t, "url"), "mqtt://host/#", "# inside quotes is not a comment");
	conf_free(conf);
}

/* ---- defaults and getters ---- */

static void test_defaults(void)
{
	const struct conf_section *node, *t;
	struct conf *conf;
	char host[256] = "";
	int r;

	gethostname(host, sizeof(host));
	r = conf_load_buffer("empty.conf", "", 0, NULL, &conf);
	is_int(r, 0, "empty config: clean (every schema default parses)");
	is_int(conf_diag_count(conf), 0, "empty config: no diagnostics");
	ok(conf_section_find(conf, "node", NULL) == NULL, "absent [node] is not found");
	node = conf_section_get(conf, "node", NULL);
	ok(node != NULL, "absent [node] still gives defaults");
	is_str(conf_get_str(node, "spool"), LOCALSTATEDIR "/spool/outpost", "spool default");
	is_str(conf_get_str(node, "user"), "outpost", "user default");
	is_int(conf_get_size(node, "spool-max"), 64 << 20, "spool-max default");
	is_str(conf_get_str(node, "id"), host, "id defaults to the host name");
	ok(conf_get_str(node, "region") == NULL, "region has no default");
	ok(!conf_is_set(node, "spool"), "a default is not 'set'");
	ok(conf_section_get(conf, "nosuch", NULL) == NULL, "unknown type: NULL");
	ok(conf_section_next(conf, "node", NULL) == NULL, "no [node] to iterate");
	conf_free(conf);

	r = conf_load_buffer("n.conf", "[node]\nid = kiosk-0042\nspool-max = 1MiB\n", 40, NULL,
			     &conf);
	is_int(r, 0, "[node] config: clean");
	node = conf_section_get(conf, "node", NULL);
	is_str(conf_get_str(node, "id"), "kiosk-0042", "id set");
	ok(conf_is_set(node, "id"), "id is 'set'");
	is_int(conf_get_size(node, "spool-max"), 1 << 20, "spool-max set");
	is_str(conf_get_str(node, "spool"), LOCALSTATEDIR "/spool/outpost", "spool still defaulted");
	is_str(conf_section_file(node), "n.conf", "section file");
	is_int(conf_section_line(node), 1, "section line");
	ok(conf_get_u64(node, "spool-max") == 0, "getter of another type gives 0");
	conf_free(conf);

	r = conf_load_buffer("t.conf", "[t]\nint = 5\n", 12, &topts, &conf);
	t = conf_section_get(conf, "t", NULL);
	is_int(conf_get_u64(t, "int"), 5, "integer getter");
	ok(conf_get_bool(t, "flag"), "boolean default");
	is_int(conf_get_duration_ms(t, "dur"), 30000, "duration default");
	is_int(conf_get_addr(t, "addr")->u.v4.s_addr, htonl(0xc0000201), "address default");
	ok(conf_get_prefix(t, "prefix") == NULL, "no prefix default");
	is_int(conf_get_rate(t, "rate"), 0, "no rate default");
	conf_free(conf);

	ok(conf_get_str(NULL, "id") == NULL && conf_get_count(NULL, "id") == 0,
	   "getters on NULL are safe");
	conf_free(NULL);
}

static void test_iterate(void)
{
	static const char text[] =
		"[line \"b\"]\ninterface = eth1\n[t]\n[line \"a\"]\ninterface = eth2\n"
		"source = 192.0.2.0/24\n";
	const struct conf_section *s;
	struct conf *conf;
	char got[64] = "";

	conf_load_buffer("i.conf", text, strlen(text), &topts, &conf);
	for (s = conf_section_next(conf, "line", NULL); s; s = conf_section_next(conf, "line", s)) {
		strcat(got, conf_section_name(s));
		strcat(got, "=");
		strcat(got, conf_get_str(s, "interface"));
		strcat(got, " ");
	}
	is_str(got, "a=eth2 b=eth1 ", "[line] sections iterate sorted by name");
	s = conf_section_get(conf, "line", "zz");
	ok(s && conf_section_name(s) == NULL && conf_get_str(s, "interface") == NULL,
	   "absent named section: defaults");
	is_int(conf_section_line(conf_section_find(conf, "line", "a")), 4, "[line \"a\"] line");
	conf_free(conf);
}

/* ---- includes ---- */

static void test_includes(void)
{
	struct conf *conf;
	const struct conf_section *t;
	char *got;
	int r;

	mkdir("inc", 0755);
	mkdir("inc/conf.d", 0755);
	mkdir("inc/conf.d/sub", 0755);
	mkdir("inc/empty.d", 0755);
	write_file("inc/main.conf",
		   "[t]\nwords = main\ninclude = conf.d/*.conf   # sorted\n"
		   "include = empty.d/*.conf\nwords = end\n");
	write_file("inc/conf.d/20-b.conf", "[line \"b\"]\ninterface = b\n"
					   "include = sub/c.part\n");
	write_file("inc/conf.d/10-a.conf", "[uniq]\nx = a\n");
	write_file("inc/conf.d/sub/c.part", "[line \"c\"]\ninterface = c\n");
	r = conf_load("inc/main.conf", &topts, &conf);
	is_int(r, 0, "include: glob, nested and relative: clean");
	got = diags(conf);
	is_str(got, "", "include: no diagnostics");
	free(got);
	/* The order the files were read in, via the [t] section list... */
	t = conf_section_get(conf, "t", NULL);
	is_int(conf_get_count(t, "words"), 2, "the parent's section continues after include");
	is_str(conf_get_str(conf_section_get(conf, "uniq", NULL), "x"), "a", "10-a.conf read");
	is_str(conf_get_str(conf_section_get(conf, "line", "c"), "interface"), "c",
	       "include relative to the including file");
	is_str(conf_section_file(conf_section_find(conf, "line", "c")), "inc/conf.d/sub/c.part",
	       "section remembers its file");
	conf_free(conf);

	/* Included files start with no current section. */
	mkdir("inc/ord.d", 0755);
	write_file("inc/order.conf", "[t]\nwords = main\ninclude = ord.d/*.conf\nwords = end\n");
	write_file("inc/ord.d/a.conf", "words = a\n");
	conf_load("inc/order.conf", &topts, &conf);
	got = diags(conf);
	is_str(got, "inc/ord.d/a.conf:1: words: key outside of any section",
	       "included file starts with no section");
	free(got);
	conf_free(conf);

	/* Sorted glob order: a.conf is read first, so b.conf is the duplicate. */
	write_file("inc/order.conf", "[t]\nwords = main\n[uniq]\ninclude = ord.d/*.conf\n"
				     "[line \"z\"]\ninterface = z\n");
	write_file("inc/ord.d/b.conf", "[line \"a\"]\ninterface = b\n");
	write_file("inc/ord.d/a.conf", "[line \"a\"]\ninterface = a\n");
	conf_load("inc/order.conf", &topts, &conf);
	got = diags(conf);
	is_str(got, "inc/ord.d/b.conf:1: [line \"a\"] duplicate section, first at "
		    "inc/ord.d/a.conf:1",
	       "glob order: a.conf before b.conf");
	free(got);
	is_str(conf_get_str(conf_section_get(conf, "line", "a"), "interface"), "a",
	       "the first one read is kept");
	is_str(conf_get_str(conf_section_get(conf, "line", "z"), "interface"), "z",
	       "parsing goes on after the include");
	conf_free(conf);

	/* Loops: directly and through another file. */
	write_file("inc/self.conf", "[t]\ninclude = self.conf\n");
	r = conf_load("inc/self.conf", &topts, &conf);
	got = diags(conf);
	is_str(got, "inc/self.conf:2: [t] include: include loop: 'inc/self.conf' is already "
		    "being read", "include loop on itself");
	free(got);
	is_int(r, -EINVAL, "include loop: -EINVAL");
	conf_free(conf);
	mkdir("loop", 0755);
	write_file("loop/x.conf", "include = y.conf\n");
	write_file("loop/y.conf", "\n\ninclude = *.conf\n");
	conf_load("loop/x.conf", &topts, &conf);
	got = diags(conf);
	is_str(got, "loop/y.conf:3: include: include loop: 'loop/x.conf' is already being read\n"
		    "loop/y.conf:3: include: include loop: 'loop/y.conf' is already being read",
	       "include loop through another file (glob matches both)");
	free(got);
	conf_free(conf);

	/* Unreadable: a missing plain file, a folder, a file without access. */
	write_file("inc/bad.conf", "include = missing.conf\ninclude = conf.d\n"
				   "include = nomatch/*.conf\n");
	r = conf_load("inc/bad.conf", &topts, &conf);
	got = diags(conf);
	is_str(got, "inc/bad.conf:1: include: cannot read 'inc/missing.conf': No such file or "
		    "directory\n"
		    "inc/bad.conf:2: include: cannot read 'inc/conf.d': Is a directory",
	       "unreadable includes; a glob matching nothing is fine");
	free(got);
	conf_free(conf);
	/* A file and a folder without access. Root would read them anyway,
	 * so it sets aside its permission overrides for these two cases. */
	if (dac_override(false) < 0) {
		skip(2, "cannot drop CAP_DAC_OVERRIDE");
	} else {
		write_file("inc/secret.conf", "");
		chmod("inc/secret.conf", 0);
		write_file("inc/bad.conf", "include = secret.conf\n");
		conf_load("inc/bad.conf", &topts, &conf);
		is_str(conf_diag(conf, 0), "inc/bad.conf:1: include: cannot read "
					   "'inc/secret.conf': Permission denied",
		       "include without permission");
		conf_free(conf);
		mkdir("inc/closed.d", 0);
		write_file("inc/bad.conf", "include = closed.d/*.conf\n");
		conf_load("inc/bad.conf", &topts, &conf);
		is_str(conf_diag(conf, 0), "inc/bad.conf:1: include: cannot read "
					   "'inc/closed.d/*.conf': Permission denied",
		       "glob in a folder without permission");
		conf_free(conf);
		chmod("inc/closed.d", 0755);
		dac_override(true);
	}

	/* Buffer loads can forbid includes (the fuzzer does). */
	{
		static const struct conf_opts noinc = { .schema = &test_schema,
							.no_include = true };
		r = conf_load_buffer("buf.conf", "include = x.conf\n", 17, &noinc, &conf);
		is_str(conf_diag(conf, 0), "buf.conf:1: include: includes are not allowed here",
		       "include disabled");
		conf_free(conf);
	}
}

/* ---- round trip ---- */

static void test_round_trip(void)
{
	static const char text[] =
		"# a rich config, keys out of order, odd spacing, an include\n"
		"[line \"tel\"]   # the ISP\n"
		"\tsource = 192.168.50.0/24 192.168.51.0/24\n"
		"fwmark = 336\n"
		"interface = \"eth 2\"\n"
		"gateway=203.0.113.1\n"
		"[t]\n"
		"words = system \"two words\" \"q\\\"uote\" 'single' \"#\" back\\slash \"\"\n"
		"timeout = 60000ms\n"
		"rate = 500kbps\n"
		"str = a # b\n"
		"size = 1024KiB\n"
		"dur = 0.5h\n"
		"flag = off\n"
		"addr = 2001:DB8:0::1\n"
		"prefix = 0.0.0.0/0\n"
		"nets = 2001:db8::/32\n"
		"big = 0x10\n"
		"mark = 0x0\n"
		"include = rt.d/*.conf\n"
		"[uniq \"only\"]\n"
		"x = \"\"\n";
	static const char want[] =
		"[t]\n"
		"str = a\n"
		"big = 16\n"
		"mark = 0x0\n"
		"flag = no\n"
		"dur = 30m\n"
		"rate = 4mbit\n"
		"size = 1MiB\n"
		"addr = 2001:db8::1\n"
		"prefix = 0.0.0.0/0\n"
		"words = system\n"
		"words = \"two words\"\n"
		"words = \"q\\\"uote\"\n"
		"words = 'single'\n"
		"words = \"#\"\n"
		"words = \"back\\\\slash\"\n"
		"words = \"\"\n"
		"nets = 2001:db8::/32\n"
		"timeout = 1m\n"
		"\n"
		"[line \"a b\"]\n"
		"interface = lo\n"
		"\n"
		"[line \"q\\\"\"]\n"
		"interface = x\n"
		"\n"
		"[line \"tel\"]\n"
		"interface = \"eth 2\"\n"
		"gateway = 203.0.113.1\n"
		"source = 192.168.50.0/24\n"
		"source = 192.168.51.0/24\n"
		"fwmark = 0x150\n"
		"\n"
		"[uniq \"only\"]\n"
		"x = \"\"\n";
	struct conf *a, *b;
	char *pa, *pb, *got;
	FILE *fp;
	int r;

	mkdir("rt", 0755);
	mkdir("rt/rt.d", 0755);
	write_file("rt/rich.conf", text);
	write_file("rt/rt.d/1.conf", "[line \"q\\\"\"]\ninterface = x\n");
	write_file("rt/rt.d/2.conf", "[line \"a b\"]\ninterface = lo\n");
	r = conf_load("rt/rich.conf", &topts, &a);
	got = diags(a);
	is_str(got, "", "rich config: clean");
	free(got);
	is_int(r, 0, "rich config: loads");
	pa = print_str(a);
	is_str(pa, want, "canonical form");
	fp = fopen("rt/printed.conf", "w");
	fputs(pa, fp);
	fclose(fp);
	r = conf_load("rt/printed.conf", &topts, &b);
	is_int(r, 0, "printed form parses");
	pb = print_str(b);
	is_str(pb, pa, "print, reparse, print: identical");
	is_str(conf_get_str(conf_section_get(b, "line", "q\""), "interface"), "x",
	       "quoted section name survives");
	free(pa);
	free(pb);
	conf_free(a);
	conf_free(b);
}

/* ---- [mqtt] keys of the real schema ---- */
static void test_mqtt_section(void)
{
	static const struct { const char *url, *want; } cases[] = {
		{ "mqtt://broker.example.net", NULL },
		{ "mqtts://broker.example.net:8883", NULL },
		{ "mqtt://user@192.0.2.80:1883/", NULL },
		{ "mqtts://[2001:db8::80]:8883", NULL },
		{ "http://broker", "a.conf:2: [mqtt] url: 'http://broker' is not a broker URL: the URL must start with mqtt:// or mqtts://" },
		{ "mqtt://", "a.conf:2: [mqtt] url: 'mqtt://' is not a broker URL: the URL has no host" },
		{ "mqtt://h:0", "a.conf:2: [mqtt] url: 'mqtt://h:0' is not a broker URL: the port is not a number from 1 to 65535" },
		{ "mqtt://h:65536", "a.conf:2: [mqtt] url: 'mqtt://h:65536' is not a broker URL: the port is not a number from 1 to 65535" },
		{ "mqtt://[::1", "a.conf:2: [mqtt] url: 'mqtt://[::1' is not a broker URL: an IPv6 address in the URL lacks its closing ']'" },
		{ "mqtt://h/topic", "a.conf:2: [mqtt] url: 'mqtt://h/topic' is not a broker URL: the URL may not have a path, query or fragment" },
	};
	const struct conf_section *m;
	struct conf *conf;
	char text[256];
	size_t i;

	for (i = 0; i < N(cases); i++) {
		snprintf(text, sizeof(text), "[mqtt]\nurl = %s\n", cases[i].url);
		conf_load_buffer("a.conf", text, strlen(text), &oopts, &conf);
		if (cases[i].want)
			is_str(conf_diag(conf, 0), cases[i].want, "mqtt url '%s' refused", cases[i].url);
		else
			is_int(conf_diag_count(conf), 0, "mqtt url '%s' accepted", cases[i].url);
		conf_free(conf);
	}

	snprintf(text, sizeof(text), "[mqtt]\nurl = mqtt://h\nprotocol = 4\n");
	conf_load_buffer("a.conf", text, strlen(text), &oopts, &conf);
	is_str(conf_diag(conf, 0), "a.conf:3: [mqtt] protocol: '4' is not auto or an MQTT protocol version (5 or 3.1.1)",
	       "mqtt protocol checked");
	conf_free(conf);

	snprintf(text, sizeof(text), "[mqtt]\nurl = mqtt://h\n");
	conf_load_buffer("a.conf", text, strlen(text), &oopts, &conf);
	m = conf_section_get(conf, "mqtt", NULL);
	is_int(conf_get_u64(m, "qos"), 1, "mqtt qos defaults to 1");
	is_int(conf_get_duration_ms(m, "keepalive"), 30000, "mqtt keepalive defaults to 30s");
	is_int(conf_get_u64(m, "inflight"), 32, "mqtt inflight defaults to 32");
	is_str(conf_get_str(m, "protocol"), "auto", "mqtt protocol defaults to auto (5, falling back to 3.1.1)");
	is_int(conf_get_bool(m, "verify-hostname"), 1, "hostname verification on by default");
	conf_free(conf);
}

/* ---- suggestions ---- */

static void test_suggest(void)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "[node]\nspool-mx = 1MiB\n", "a.conf:2: [node] spool-mx: unknown key, did you mean 'spool-max'?" },
		{ "[node]\nsppol-max = 1MiB\n", "a.conf:2: [node] sppol-max: unknown key, did you mean 'spool-max'?" },
		{ "[node]\nspoolmax = 1MiB\n", "a.conf:2: [node] spoolmax: unknown key, did you mean 'spool-max'?" },
		{ "[node]\nusr = x\n", "a.conf:2: [node] usr: unknown key, did you mean 'user'?" },
		{ "[node]\nregino = x\n", "a.conf:2: [node] regino: unknown key, did you mean 'region'?" },
		{ "[node]\nmax-spool = x\n", "a.conf:2: [node] max-spool: unknown key" },
		{ "[node]\nx = 1\n", "a.conf:2: [node] x: unknown key" },
		{ "[nodes]\n", "a.conf:1: [nodes] unknown section, did you mean 'node'?" },
		{ "[ndoe]\n", "a.conf:1: [ndoe] unknown section, did you mean 'node'?" },
		{ "[mqtx]\n", "a.conf:1: [mqtx] unknown section, did you mean 'mqtt'?" },
		{ "[zzzzzz]\n", "a.conf:1: [zzzzzz] unknown section" },
		{ "[mqtt]\n", "a.conf:1: [mqtt] url: required key missing" },
	};
	struct conf *conf;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		conf_load_buffer("a.conf", cases[i].text, strlen(cases[i].text), &oopts, &conf);
		is_str(conf_diag(conf, 0), cases[i].want, "suggestion %zu", i);
		conf_free(conf);
	}
}

int main(void)
{
	char cwd[PATH_MAX];

	test_sections[0] = &t_section;
	test_sections[1] = &line_section;
	test_sections[2] = &uniq_section;
	test_sections[3] = conf_schema_section(&conf_schema_outpost, "node");
	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		bail_out("cannot set up %s: %s", tmpdir, strerror(errno));

	test_values();
	test_addr_bytes();
	test_files();
	test_nul();
	test_diag_cap();
	test_missing_file();
	test_lists_quoting();
	test_defaults();
	test_iterate();
	test_includes();
	test_round_trip();
	test_suggest();
	test_mqtt_section();

	if (chdir(cwd) < 0 || nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		diag("cannot remove %s", tmpdir);
	return done_testing();
}
