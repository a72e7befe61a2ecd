/* test-conf-check: what the config schema checks beyond one value, and
 * what it refuses to read.
 *
 * A section defined here, outside src/ as rt/ or probes/ will define
 * theirs, with a custom compound type, a section validator and a
 * whole-config validator; the real schema's [mqtt] validators (what
 * outpost-pubd would refuse at start) and its duration ranges; escaped
 * and cut diagnostics, BOM and CR-only files, FIFOs, include fan-out
 * bounds, and the getter's abort on a key the schema lacks. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "../tap.h"
#include "conf-helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a subsystem's section, as rt/ would write it ---- */

/* track = icmp ADDRESS | tcp ADDRESS PORT: one compound value. */
struct track {
	bool tcp;
	struct in_addr addr;
	unsigned port;
};

static int track_parse(const char *raw, void **out, char *msg, size_t msglen)
{
	char kind[8], addr[INET_ADDRSTRLEN + 1], extra;
	struct track *t;
	unsigned port = 0;
	int n;

	n = sscanf(raw, "%7s %16s %u %c", kind, addr, &port, &extra);
	if (n < 2 || n > 3 || (strcmp(kind, "icmp") == 0) != (n == 2) ||
	    (strcmp(kind, "icmp") != 0 && strcmp(kind, "tcp") != 0) || port > 65535 ||
	    (n == 3 && port == 0)) {
		snprintf(msg, msglen, "is not 'icmp ADDRESS' or 'tcp ADDRESS PORT'");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (inet_pton(AF_INET, addr, &t->addr) != 1) {
		free(t);
		snprintf(msg, msglen, "has no IPv4 address to track");
		return -EINVAL;
	}
	t->tcp = n == 3;
	t->port = port;
	*out = t;
	return 0;
}

static int track_format(const void *value, char *buf, size_t len)
{
	const struct track *t = value;
	char a[INET_ADDRSTRLEN];
	int n;

	inet_ntop(AF_INET, &t->addr, a, sizeof(a));
	n = t->tcp ? snprintf(buf, len, "tcp %s %u", a, t->port) :
		     snprintf(buf, len, "icmp %s", a);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static int track_frees;

static void track_free(void *value)
{
	if (value)
		track_frees++;
	free(value);
}

static const struct conf_custom_type track_type = {
	.name = "health check", .parse = track_parse, .format = track_format,
	.free = track_free,
};

static const struct conf_key_def line_keys[] = {
	{ .name = "interface", .type = CONF_STR, .flags = CONF_REQUIRED },
	{ .name = "table", .type = CONF_INT, .min = 1, .max = 252 },
	{ .name = "fwmark", .type = CONF_INT, .flags = CONF_HEX },
	{ .name = "track", .type = CONF_CUSTOM, .custom = &track_type },
	{ .name = "checks", .type = CONF_CUSTOM, .custom = &track_type, .flags = CONF_LIST },
	{ .name = "down-after", .type = CONF_INT, .def = "3", .min = 1, .max = 100 },
	{ .name = "up-after", .type = CONF_INT, .min = 1, .max = 100 },
};

/* Across the keys of one [line]: a tcp check needs a table to route. */
static int line_validate(const struct conf *conf, const struct conf_section *sec,
			 struct conf_report *rep)
{
	const struct track *t = conf_get_custom(sec, "track");
	size_t i;

	if (t && t->tcp && !conf_is_set(sec, "table"))
		conf_report(rep, sec, "track", "a tcp check needs 'table' to route it");
	if (conf_get_u64(sec, "up-after") > conf_get_u64(sec, "down-after"))
		conf_report(rep, sec, "up-after", "is above down-after");
	/* A list item is reported at its own line. */
	for (i = 1; i < conf_get_count(sec, "checks"); i++) {
		char a[64], b[64];

		conf_value_format(conf_get_at(sec, "checks", i - 1), 0, a, sizeof(a));
		conf_value_format(conf_get_at(sec, "checks", i), 0, b, sizeof(b));
		if (strcmp(a, b) == 0)
			conf_report_at(rep, sec, "checks", i, "'%s' repeats the check before it", b);
	}
	return 0;
}

/* Across sections: table ids unique, and each probe's via names a line. */
static int lines_validate(const struct conf *conf, struct conf_report *rep)
{
	const struct conf_section *a, *b, *p;
	const char *via;

	for (a = conf_section_next(conf, "line", NULL); a; a = conf_section_next(conf, "line", a))
		for (b = conf_section_next(conf, "line", a); b;
		     b = conf_section_next(conf, "line", b))
			if (conf_is_set(a, "table") && conf_is_set(b, "table") &&
			    conf_get_u64(a, "table") == conf_get_u64(b, "table"))
				conf_report(rep, b, "table", "%llu is already the table of [line \"%s\"]",
					    (unsigned long long)conf_get_u64(b, "table"),
					    conf_section_name(a));
	for (p = conf_section_next(conf, "probe", NULL); p; p = conf_section_next(conf, "probe", p)) {
		via = conf_get_str(p, "via");
		if (via && !conf_section_find(conf, "line", via))
			conf_report(rep, p, "via", "'%s' names no [line] section", via);
	}
	return 0;
}

static const struct conf_section_def line_section = {
	.name = "line", .naming = CONF_NAME_REQUIRED,
	.keys = line_keys, .nkeys = N(line_keys),
	.validate = line_validate, .validate_config = lines_validate,
};

static const struct conf_key_def probe_keys[] = {
	{ .name = "via", .type = CONF_STR },
	{ .name = "interval", .type = CONF_DURATION, .def = "5m", .min = 1000, .max = 86400000 },
	{ .name = "type", .type = CONF_STR, .def = "icmp" },
	{ .name = "resolvers", .type = CONF_STR, .flags = CONF_LIST },
	{ .name = "target", .type = CONF_STR },
};

/* A probe's type decides which keys it takes. */
static int probe_validate(const struct conf *conf, const struct conf_section *sec,
			  struct conf_report *rep)
{
	const char *type = conf_get_str(sec, "type");

	if (strcmp(type, "icmp") != 0 && strcmp(type, "dns") != 0) {
		conf_report(rep, sec, "type", "'%s' is not icmp or dns", type);
		return 0;
	}
	if (strcmp(type, "icmp") == 0 && conf_is_set(sec, "resolvers"))
		conf_report(rep, sec, "resolvers", "is not a key of an icmp probe");
	if (strcmp(type, "dns") == 0 && !conf_is_set(sec, "resolvers"))
		conf_report(rep, sec, "type", "a dns probe needs resolvers");
	return 0;
}

static const struct conf_section_def probe_section = {
	.name = "probe", .naming = CONF_NAME_REQUIRED, .keys = probe_keys, .nkeys = N(probe_keys),
	.validate = probe_validate,
};

static const struct conf_section_def *const ext_sections[] = {
	&conf_node_section, &line_section, &probe_section,
};
static const struct conf_schema ext_schema = { ext_sections, N(ext_sections) };
static const struct conf_opts eopts = { .schema = &ext_schema };
static const struct conf_opts oopts = { .schema = &conf_schema_outpost };

/* ---- helpers ---- */

static char tmpdir[] = "/tmp/test-conf-check.XXXXXX";

/* got matches the extended regular expression re. */
static void like(const char *got, const char *re, const char *name)
{
	regex_t rx;
	bool m;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		bail_out("bad regex %s", re);
	m = got && regexec(&rx, got, 0, NULL, 0) == 0;
	regfree(&rx);
	if (!ok(m, "%s", name))
		diag("got '%s', want /%s/", got ? got : "(null)", re);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the section from outside src/ ---- */

static void test_custom(void)
{
	static const char text[] =
		"[line \"tel\"]\ninterface = eth2\ntable = 150\ntrack = tcp 203.0.113.1 443\n"
		"checks = \"icmp 192.0.2.1\" \"tcp 192.0.2.2 80\"\n"
		"[line \"uni\"]\ninterface = eth3\ntrack = icmp   198.51.100.1\n";
	const struct conf_section *tel, *uni;
	const struct track *t;
	struct conf *a, *b;
	char *pa, *pb;
	int r;

	track_frees = 0;
	r = conf_load_buffer("a.conf", text, strlen(text), &eopts, &a);
	is_int(r, 0, "custom: clean");
	tel = conf_section_get(a, "line", "tel");
	t = conf_get_custom(tel, "track");
	ok(t && t->tcp && t->port == 443 && t->addr.s_addr == htonl(0xcb007101),
	   "custom: 'tcp 203.0.113.1 443' parsed once into the subsystem's struct");
	is_int(conf_get_count(tel, "checks"), 2, "custom list: two items");
	t = conf_get_at(tel, "checks", 1) ? conf_get_at(tel, "checks", 1)->v.custom : NULL;
	ok(t && t->tcp && t->port == 80, "custom list: second item parsed");
	uni = conf_section_get(a, "line", "uni");
	t = conf_get_custom(uni, "track");
	ok(t && !t->tcp && t->addr.s_addr == htonl(0xc6336401), "custom: icmp parsed");
	ok(conf_get_custom(uni, "checks") == NULL, "custom: unset key gives NULL");
	pa = print_str(a);
	is_str(pa, "[line \"tel\"]\ninterface = eth2\ntable = 150\n"
		   "track = \"tcp 203.0.113.1 443\"\nchecks = \"icmp 192.0.2.1\"\n"
		   "checks = \"tcp 192.0.2.2 80\"\n\n"
		   "[line \"uni\"]\ninterface = eth3\ntrack = \"icmp 198.51.100.1\"\n",
	       "custom: printed with format(), quoted");
	r = conf_load_buffer("p.conf", pa, strlen(pa), &eopts, &b);
	pb = print_str(b);
	is_int(r, 0, "custom: printed text parses again");
	is_str(pb, pa, "custom: and prints the same");
	conf_free(a);
	conf_free(b);
	is_int(track_frees, 8, "custom: free() called for each of the 8 values");
	free(pa);
	free(pb);

	expect_diags(&eopts, "[line \"x\"]\ninterface = e\ntrack = ping 192.0.2.1\n",
	       "a.conf:3: [line \"x\"] track: 'ping 192.0.2.1' is not 'icmp ADDRESS' or "
	       "'tcp ADDRESS PORT'", "custom: parse error with file:line and value");
	expect_diags(&eopts, "[line \"x\"]\ninterface = e\ntrack = icmp example.net\n",
	       "a.conf:3: [line \"x\"] track: 'icmp example.net' has no IPv4 address to track",
	       "custom: the type's own message");
}

static void test_validators(void)
{
	expect_diags(&eopts, "[line \"tel\"]\ninterface = eth2\ntrack = tcp 203.0.113.1 443\n",
	       "a.conf:3: [line \"tel\"] track: a tcp check needs 'table' to route it",
	       "section validator: at the key's line");
	expect_diags(&eopts, "[line \"tel\"]\ninterface = eth2\nup-after = 4\n",
	       "a.conf:3: [line \"tel\"] up-after: is above down-after",
	       "section validator sees defaults (down-after = 3)");
	expect_diags(&eopts, "[line \"tel\"]\ninterface = eth2\nup-after = 2\ndown-after = 1\n",
	       "a.conf:3: [line \"tel\"] up-after: is above down-after",
	       "section validator: two set keys");
	expect_diags(&eopts, "[line \"tel\"]\ninterface = eth2\nchecks = \"icmp 192.0.2.1\"\n"
		       "checks = \"tcp 192.0.2.2 80\"\n\nchecks = \"tcp 192.0.2.2 80\"\n",
	       "a.conf:6: [line \"tel\"] checks: 'tcp 192.0.2.2 80' repeats the check before it",
	       "conf_report_at: a list item at its own line");
	expect_diags(&eopts, "[line \"a\"]\ninterface = e\ntable = 150\n"
		       "[line \"b\"]\ninterface = f\ntable = 151\n"
		       "[line \"c\"]\ninterface = g\n\ntable = 150\n",
	       "a.conf:10: [line \"c\"] table: 150 is already the table of [line \"a\"]",
	       "config validator: unique across sections");
	expect_diags(&eopts, "[probe \"dns\"]\nvia = tel\n[line \"uni\"]\ninterface = e\n",
	       "a.conf:2: [probe \"dns\"] via: 'tel' names no [line] section",
	       "config validator: names another section");
	expect_diags(&eopts, "[probe \"dns\"]\nvia = tel\n[line \"tel\"]\ninterface = e\n", "",
	       "config validator: an existing [line] is fine");
	expect_diags(&eopts, "[probe \"dns\"]\n", "", "config validator: runs on an empty match");
	expect_diags(&eopts, "[probe \"p\"]\ntarget = www.example.com\nresolvers = system 192.0.2.53\n",
	       "a.conf:3: [probe \"p\"] resolvers: is not a key of an icmp probe",
	       "the default type (icmp) takes no resolvers");
	expect_diags(&eopts, "[probe \"p\"]\ntype = dns\n",
	       "a.conf:2: [probe \"p\"] type: a dns probe needs resolvers",
	       "type dns needs resolvers");
	expect_diags(&eopts, "[probe \"p\"]\ntype = dns\nresolvers = system 192.0.2.53\n", "",
	       "type dns with resolvers");
}

/* Reports against the section header when the key was defaulted. */
static int header_validate(const struct conf *conf, const struct conf_section *sec,
			   struct conf_report *rep)
{
	conf_report(rep, sec, "interval", "defaulted, so at the header");
	conf_report(rep, sec, NULL, "about the whole section");
	conf_report(rep, NULL, NULL, "about the whole file");
	return 0;
}

static void test_report_places(void)
{
	static const struct conf_section_def hs = {
		.name = "probe", .naming = CONF_NAME_REQUIRED, .keys = probe_keys,
		.nkeys = N(probe_keys), .validate = header_validate,
	};
	static const struct conf_section_def *const secs[] = { &hs };
	static const struct conf_schema sch = { secs, 1 };
	static const struct conf_opts o = { .schema = &sch };

	expect_diags(&o, "\n[probe \"p\"]\nvia = x\n",
	       "a.conf:2: [probe \"p\"] interval: defaulted, so at the header\n"
	       "a.conf:2: [probe \"p\"] about the whole section\n"
	       "a.conf: about the whole file", "conf_report: header, section, file");
}

/* ---- the real schema ---- */

static void test_schema_tables(void)
{
	static const struct conf_key_def bad_keys[] = {
		{ .name = "wait", .type = CONF_DURATION, .def = "5s" },
	};
	static const struct conf_section_def bad = {
		.name = "bad", .keys = bad_keys, .nkeys = 1,
	};
	char msg[256];
	size_t i;

	for (i = 0; i < conf_schema_outpost.nsections; i++) {
		msg[0] = '\0';
		is_int(conf_schema_verify(conf_schema_outpost.sections[i], msg, sizeof(msg)), 0,
		       "[%s]: every duration has a range, every default parses %s",
		       conf_schema_outpost.sections[i]->name, msg);
	}
	ok(conf_schema_section(&conf_schema_outpost, "node") &&
	   conf_schema_section(&conf_schema_outpost, "mqtt"),
	   "the linked schema has [node] (libop) and [mqtt] (modules/mqtt)");
	is_int(conf_schema_verify(&bad, msg, sizeof(msg)), -EINVAL,
	       "a duration without max is refused");
	is_str(msg, "[bad] wait: a duration needs a max", "and says so");
	is_int(conf_schema_verify(&line_section, msg, sizeof(msg)), 0,
	       "the test's own [line] passes");
}

#define MQ "[mqtt]\nurl = mqtts://broker.example.net\n"

static void test_mqtt_checks(void)
{
	expect_diags(&oopts, MQ "topic-prefix = a/+/b\n",
	       "a.conf:3: [mqtt] topic-prefix: 'a/+/b' cannot start a topic: the topic contains "
	       "a wildcard ('+' or '#'), which only subscriptions may use",
	       "wildcard topic-prefix refused at load");
	expect_diags(&oopts, "[node]\nregion = r#1\nid = k\n" MQ,
	       "a.conf:2: [node] region: 'r#1' cannot be part of the topic prefix "
	       "outpost/REGION/ID: the topic contains a wildcard ('+' or '#'), which only "
	       "subscriptions may use",
	       "a wildcard in [node] region blames region");
	expect_diags(&oopts, "[node]\nid = \"kiosk\x1b[2J\"\n" MQ,
	       "a.conf:2: [node] id: 'kiosk\\e[2J' cannot be the MQTT client id: the client id "
	       "contains a control character (U+0001..U+001F or U+007F..U+009F), which MQTT "
	       "forbids",
	       "control character in [node] id, escaped in the message");
	expect_diags(&oopts, "[node]\nid = \"kiosk\x1b\"\n" MQ "client-id = c1\ntopic-prefix = t\n", "",
	       "[node] id unused by MQTT when client-id and topic-prefix are set");
	expect_diags(&oopts, MQ "client-id = \"c\x01\"\n",
	       "a.conf:3: [mqtt] client-id: 'c\\x01' is not a usable client id: the client id "
	       "contains a control character (U+0001..U+001F or U+007F..U+009F), which MQTT "
	       "forbids", "control character in client-id");
	expect_diags(&oopts, MQ "topic-prefix = \"fleet\x1b[1m\"\n",
	       "a.conf:3: [mqtt] topic-prefix: 'fleet\\e[1m' cannot start a topic: the topic "
	       "contains a control character (U+0001..U+001F or U+007F..U+009F), which MQTT "
	       "forbids", "control character in topic-prefix");
	expect_diags(&oopts, "[node]\nid = k\nregion = \"r\x7f\"\n" MQ "client-id = c\n",
	       "a.conf:3: [node] region: 'r\\x7f' cannot be part of the topic prefix "
	       "outpost/REGION/ID: the topic contains a control character (U+0001..U+001F or "
	       "U+007F..U+009F), which MQTT forbids", "control character in [node] region");
	expect_diags(&oopts, MQ "cert-file = /etc/c.pem\n",
	       "a.conf:3: [mqtt] cert-file: needs key-file, the certificate's private key",
	       "cert-file needs key-file");
	expect_diags(&oopts, MQ "\nkey-file = /etc/k.pem\n",
	       "a.conf:4: [mqtt] key-file: needs cert-file, the certificate it belongs to",
	       "key-file needs cert-file");
	expect_diags(&oopts, MQ "cert-file = /etc/c.pem\nkey-file = /etc/k.pem\nca-file = /etc/ca\n"
		       "ca-path = /etc/ssl/certs\n", "", "TLS files together are fine");
	expect_diags(&oopts, "[mqtt]\nurl = mqtt://h\nca-file = /etc/ca\n",
	       "a.conf:3: [mqtt] ca-file: is set but url is not mqtts://, so no TLS is used",
	       "a TLS key with a clear-text url");
	expect_diags(&oopts, MQ "password-file = /etc/pw\n",
	       "a.conf:3: [mqtt] password-file: needs username (or user@ in url): MQTT sends a "
	       "password only with a user name", "password-file needs a user name");
	expect_diags(&oopts, "[mqtt]\nurl = mqtts://u@h\npassword-file = /etc/pw\n", "",
	       "password-file with user@ in url");
	expect_diags(&oopts, MQ "username = u\npassword-file = /etc/pw\n", "",
	       "password-file with username");
	expect_diags(&oopts, MQ "protocol = 5\npassword-file = /etc/pw\n", "",
	       "protocol = 5 allows a password without a user name");
	expect_diags(&oopts, MQ "heartbeat = 1ms\n",
	       "a.conf:3: [mqtt] heartbeat: '1ms' is less than the minimum 1s (0 turns it off)",
	       "heartbeat below 1s");
	expect_diags(&oopts, MQ "heartbeat = 0\n", "", "heartbeat 0 still turns it off");
	expect_diags(&oopts, MQ "heartbeat = 1s\n", "", "heartbeat 1s");
	expect_diags(&oopts, MQ "heartbeat = 2d\n",
	       "a.conf:3: [mqtt] heartbeat: '2d' is greater than the maximum 1d",
	       "heartbeat has a maximum");
	expect_diags(&oopts, MQ "reconnect-max = 4294968s\n",
	       "a.conf:3: [mqtt] reconnect-max: '4294968s' is greater than the maximum 1d",
	       "reconnect-max that wrapped in 32-bit milliseconds is refused");
	expect_diags(&oopts, MQ "reconnect-max = 0\n",
	       "a.conf:3: [mqtt] reconnect-max: '0' is less than the minimum 1s",
	       "reconnect-max has no 0-means-off");
	expect_diags(&oopts, MQ "reconnect-max = 1d\nsession-expiry = 4294967295s\n", "",
	       "the maxima themselves are accepted");
	expect_diags(&oopts, MQ "session-expiry = 4294967296s\n",
	       "a.conf:3: [mqtt] session-expiry: '4294967296s' is greater than the maximum "
	       "4294967295s", "session-expiry fits MQTT's 32-bit seconds");
}

/* ---- hostile files ---- */

static void test_show(void)
{
	char buf[CONF_SHOW_MAX], *big, *text, *want;
	struct conf *conf;
	const char *d;
	size_t n = 2 << 20;

	is_str(conf_show("a\x1b[31mb\tc\r\x7f\x01", buf), "a\\e[31mb\\tc\\r\\x7f\\x01",
	       "show: control bytes escaped");
	is_str(conf_show("h\xc3\xa9 \xff\xc2\x85", buf), "h\xc3\xa9 \\xff\\xc2\\x85",
	       "show: UTF-8 kept, invalid bytes and C1 controls escaped");
	big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	conf_show(big, buf);
	ok(strlen(buf) == 64 + strlen("... (2097152 bytes)") &&
	   strcmp(buf + 64, "... (2097152 bytes)") == 0, "show: cut to 64 with the length");
	memset(buf, 0, sizeof(buf));
	memset(big, 0x1b, 100);
	conf_show(big, buf);
	ok(strlen(buf) < CONF_SHOW_MAX, "show: escapes fit CONF_SHOW_MAX");

	/* A 2 MiB line: one short diagnostic. */
	memset(big, 'v', n);
	text = malloc(n + 32);
	snprintf(text, n + 32, "[node]\nspool-max = %s\n", big);
	conf_load_buffer("big.conf", text, strlen(text), NULL, &conf);
	d = conf_diag(conf, 0);
	if (asprintf(&want, "big.conf:2: [node] spool-max: '%.64s... (2097152 bytes)' is not a "
		     "size (e.g. 4096, 512KiB, 4MiB, 1GiB, 100KB)", big) < 0)
		bail_out("asprintf");
	is_str(d, want, "2 MiB value: cut, with its length");
	free(want);
	conf_free(conf);
	snprintf(text, n + 32, "[node]\n%s\n", big);
	conf_load_buffer("big.conf", text, strlen(text), NULL, &conf);
	d = conf_diag(conf, 0);
	ok(d && strlen(d) < 200 && strstr(d, "... (2097152 bytes)'"),
	   "2 MiB line without '=': short message (%zu bytes)", d ? strlen(d) : 0);
	conf_free(conf);
	snprintf(text, n + 32, "[%s]\n", big);
	conf_load_buffer("big.conf", text, strlen(text), NULL, &conf);
	d = conf_diag(conf, 0);
	ok(d && strlen(d) < 300, "2 MiB section name: short message (%zu bytes)",
	   d ? strlen(d) : 0);
	conf_free(conf);
	free(text);
	free(big);

	expect_diags(NULL, "[node]\nid = x\nuser = \"a\x1b]0;pwned\x07\"\nspool-max = \"\x1b[1m\"\n",
	       "a.conf:4: [node] spool-max: '\\e[1m' is not a size (e.g. 4096, 512KiB, 4MiB, "
	       "1GiB, 100KB)", "ESC in a bad value is escaped");
	expect_diags(NULL, "[no\x1b" "de]\n", "a.conf:1: syntax error: invalid section header "
	       "'[no\\ede]'", "ESC in a header is escaped");
	expect_diags(NULL, "[node \"\x1b[2J\"]\n",
	       "a.conf:1: [node \"\\e[2J\"] section takes no name, write [node]",
	       "ESC in a section name is escaped");
}

static void test_bom_cr(void)
{
	expect_diags(NULL, "\xef\xbb\xbf[node]\nid = k\n",
	       "a.conf:1: starts with a UTF-8 byte order mark; save it without one",
	       "BOM: said so (and nothing about an unknown section)");
	expect_diags(NULL, "[node]\rid = k\rspool-max = 1MiB\r",
	       "a.conf: uses CR-only line ends (old Mac); convert to LF", "CR-only: said so");
	expect_diags(NULL, "[node]\r\nid = k\r\n", "", "CRLF is still fine");
}

/* A FIFO would block open() with no writer; alarm() makes a hang fail. */
static void test_fifo(void)
{
	struct conf *conf;
	char *got;
	int r;

	if (mkfifo("fifo.conf", 0600) < 0)
		bail_out("mkfifo: %s", strerror(errno));
	write_file("top.conf", "[node]\ninclude = fifo.conf\n");
	alarm(20);
	r = conf_load("top.conf", &oopts, &conf);
	got = diags(conf);
	is_str(got, "top.conf:2: [node] include: cannot read 'fifo.conf': not a regular file",
	       "FIFO include: refused without blocking");
	is_int(r, -EINVAL, "FIFO include: -EINVAL");
	free(got);
	conf_free(conf);
	r = conf_load("fifo.conf", &oopts, &conf);
	got = diags(conf);
	is_str(got, "fifo.conf: cannot read: not a regular file", "FIFO top file refused");
	ok(r < 0, "FIFO top file: an error");
	free(got);
	conf_free(conf);
	r = conf_load("/dev/zero", &oopts, &conf);
	is_str(conf_diag(conf, 0), "/dev/zero: cannot read: not a regular file",
	       "a character device is not a config");
	conf_free(conf);
	r = conf_load("/dev/null", &oopts, &conf);
	is_int(r, 0, "/dev/null reads as an empty config (--config /dev/null)");
	conf_free(conf);
	alarm(0);
}

static void test_fanout(void)
{
	struct conf *conf;
	char name[32], text[512], *got, *big;
	double t0, dt;
	int i, j, o;
	size_t n = 9u << 20;
	FILE *fp;

	/* Nine files, each including the next eight times: 8^8 reads. */
	mkdir("fan", 0755);
	for (i = 0; i < 9; i++) {
		o = snprintf(text, sizeof(text), "# level %d\n", i);
		for (j = 0; i < 8 && j < 8; j++)
			o += snprintf(text + o, sizeof(text) - (size_t)o, "include = f%d.conf\n",
				      i + 1);
		snprintf(name, sizeof(name), "fan/f%d.conf", i);
		write_file(name, text);
	}
	alarm(60);
	t0 = now_s();
	conf_load("fan/f0.conf", &oopts, &conf);
	dt = now_s() - t0;
	alarm(0);
	got = diags(conf);
	ok(dt < 5, "fan-out: done in %.2f s", dt);
	like(got, "^fan/f[0-9]\\.conf:[0-9]+: include: 'fan/f[0-9]\\.conf' not read: more than "
		  "256 files read in one parse \\(includes that fan out\\?\\)$",
	     "fan-out: one clear error");
	free(got);
	conf_free(conf);

	/* Two 9 MiB files (comments): the second goes past 16 MiB. */
	big = malloc(n + 1);
	memset(big, '#', n);
	big[n - 1] = '\n';
	big[n] = '\0';
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "fan/big%d.conf", i);
		if (!(fp = fopen(name, "w")) || fwrite(big, 1, n, fp) != n || fclose(fp) != 0)
			bail_out("cannot write %s", name);
	}
	free(big);
	write_file("fan/bytes.conf", "include = big0.conf big1.conf\n");
	conf_load("fan/bytes.conf", &oopts, &conf);
	got = diags(conf);
	is_str(got, "fan/bytes.conf:1: include: cannot read 'fan/big1.conf': more than 16 MiB "
		    "read in one parse, includes together", "bytes bound: clear error");
	free(got);
	conf_free(conf);
}

/* ---- getters on keys the schema lacks ---- */

static void test_unknown_key_aborts(void)
{
	struct conf *conf;
	int st, fd;
	pid_t pid;
	char err[256] = "";
	ssize_t n;

	conf_load_buffer("a.conf", "", 0, NULL, &conf);
#ifndef OUTPOST_DEBUG
	ok(conf_get_str(conf_section_get(conf, "node", NULL), "spool-mx") == NULL,
	   "release build: a getter on an unknown key gives NULL");
	skip(2, "release build: getters do not abort (configure --enable-debug)");
	conf_free(conf);
	return;
#endif
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fd = open("abort.err", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		signal(SIGABRT, SIG_DFL);
		conf_get_str(conf_section_get(conf, "node", NULL), "spool-mx");
		_exit(0);
	}
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "a getter on an unknown key aborts");
	fd = open("abort.err", O_RDONLY);
	n = fd >= 0 ? read(fd, err, sizeof(err) - 1) : -1;
	err[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	like(err, "^conf: \\[node\\] has no key 'spool-mx' in its schema", "and names the key");
	ok(conf_get_str(NULL, "spool-mx") == NULL, "a NULL section is still just NULL");
	conf_free(conf);
}

int main(void)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		bail_out("cannot set up %s: %s", tmpdir, strerror(errno));

	test_custom();
	test_validators();
	test_report_places();
	test_schema_tables();
	test_mqtt_checks();
	test_show();
	test_bom_cr();
	test_fifo();
	test_fanout();
	test_unknown_key_aborts();

	if (chdir(cwd) < 0 || nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		diag("cannot remove %s", tmpdir);
	return done_testing();
}
