/* conf.h: the Outpost config file, outpost.conf(5).
 *
 * Git-config style INI: "[section]" or "[section "name"]", "key = value",
 * '#'/';' comments, repeated keys for lists, "include = conf.d/NAME.conf" (a glob).
 * The loader checks every line against a schema and collects every
 * problem as a diagnostic "FILE:LINE: [section "name"] key: message
 * 'value'" for the caller to print. The library never prints except
 * through conf_print().
 *
 * The schema is assembled at link time, without src/ knowing the
 * subsystems. Each subsystem defines its sections in its own folder as a
 * `const struct conf_section_def NAME` (keys, typed values, custom
 * compound types, and validators that check a whole section or the whole
 * config), compiles them into its library, and names both in its make
 * fragment:
 *
 *     conf_sections += mqtt_conf_section
 *     CONF_SCHEMA_LIBS += modules/mqtt/libopmqtt.a
 *
 * src/conf.mk generates src/conf_schema_list.c from conf_sections (in
 * fragment order, which is the canonical order conf_print() writes) into
 * src/libopschema.a, which defines conf_schema_outpost. A tool that reads
 * outpost.conf links $(LIBOPSCHEMA) before its own libraries and passes
 * &conf_schema_outpost in struct conf_opts; libop itself only knows
 * [node] (conf_node_section, conf_schema_libop). Since every such tool
 * links every section, a section's object file (its table, types and
 * validators) should need nothing beyond libop and its own folder's
 * parsers. tests/unit/test-conf-check.c shows a section defined outside
 * src/ with a custom type and both kinds of validator. */
#ifndef OUTPOST_CONF_H
#define OUTPOST_CONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum conf_type {
	CONF_STR,
	CONF_INT,       /* u64: decimal or 0x hex */
	CONF_BOOL,      /* b: yes/no, true/false, on/off, 1/0 */
	CONF_DURATION,  /* u64: milliseconds; 250ms, 5s, 2m, 1h, 1d, bare = s */
	CONF_RATE,      /* u64: bits per second; 8bit, 20mbit, 500kbps */
	CONF_SIZE,      /* u64: bytes; 4096, 512KiB, 4MiB, 100KB */
	CONF_ADDR,      /* addr: IPv4 or IPv6 address */
	CONF_PREFIX,    /* prefix: 10.0.0.0/8, 2001:db8::/32 */
	CONF_CUSTOM,    /* custom: parsed once by the key's conf_custom_type */
};

/* Key flags. */
#define CONF_REQUIRED 0x1u  /* the section is incomplete without it */
#define CONF_LIST     0x2u  /* may repeat; one line may hold several items */
#define CONF_HEX      0x4u  /* integers print as 0x... (fwmarks) */
#define CONF_ZERO_OFF 0x8u  /* 0 is allowed below min: it turns the thing off */

/* The longest message a check callback or the value parser writes. */
#define CONF_MSG_MAX 512

/* A compound value ("icmp 203.0.113.1", "system 192.0.2.53") parsed once,
 * by the schema, into the subsystem's own struct. */
struct conf_custom_type {
	const char *name;  /* as "keys" and messages show it, e.g. "health check" */
	/* Parse raw into a new *out: 0, -ENOMEM, or -EINVAL with msg set to
	 * what follows the quoted value, e.g. "is not 'icmp ADDRESS'". */
	int (*parse)(const char *raw, void **out, char *msg, size_t msglen);
	/* Canonical text that parses back to the same value: 0 or -ENOSPC. */
	int (*format)(const void *value, char *buf, size_t len);
	void (*free)(void *value);  /* NULL-safe */
};

struct conf_key_def {
	const char *name;
	enum conf_type type;
	unsigned flags;
	/* Default as text, parsed by the same code as the file; NULL: none. */
	const char *def;
	/* Computes the default text at load time instead (e.g. the host
	 * name); returns 0 or a negative errno. def_doc describes it. */
	int (*def_fn)(char *buf, size_t len);
	const char *def_doc;
	/* Bounds for INT, SIZE, DURATION, RATE in the stored unit;
	 * max == 0 means unbounded, which a DURATION may not be
	 * (conf_schema_verify() says so): consumers store durations in
	 * narrower units. */
	uint64_t min, max;
	const struct conf_custom_type *custom;  /* for CONF_CUSTOM */
	/* Extra check on the raw text after it parsed as its type: returns 0,
	 * or nonzero with msg set to what follows the quoted value, e.g.
	 * "is not an mqtt:// or mqtts:// URL". */
	int (*check)(const char *raw, char *msg, size_t msglen);
	const char *help;  /* one line for outpost-config keys */
};

enum conf_naming {
	CONF_NAME_FORBIDDEN,  /* [node] */
	CONF_NAME_REQUIRED,   /* [line "tel"] */
	CONF_NAME_OPTIONAL,
};

struct conf;
struct conf_section;
/* Where validators send their diagnostics (see conf_report()). */
struct conf_report;

struct conf_section_def {
	const char *name;
	enum conf_naming naming;
	bool unique;  /* at most one such section, whatever its name */
	const struct conf_key_def *keys;
	size_t nkeys;
	const char *help;
	/* Checks across the keys of one section, run for each section of
	 * this type in the file once all files are read and defaults are
	 * filled in: returns 0 or -ENOMEM, reporting through rep. */
	int (*validate)(const struct conf *conf, const struct conf_section *sec,
			struct conf_report *rep);
	/* Checks across sections (names that must exist, ids unique across
	 * sections), run once per load after every section validator,
	 * whether or not the file has such a section: 0 or -ENOMEM. */
	int (*validate_config)(const struct conf *conf, struct conf_report *rep);
};

struct conf_schema {
	const struct conf_section_def *const *sections;
	size_t nsections;
};

/* libop's own section, [node], and the schema holding only it. */
extern const struct conf_section_def conf_node_section;
extern const struct conf_schema conf_schema_libop;

/* Every section of outpost.conf, in canonical order: defined by the
 * generated src/libopschema.a (link $(LIBOPSCHEMA)), not by libop. */
extern const struct conf_schema conf_schema_outpost;

struct conf_addr {
	int family;  /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

struct conf_prefix {
	struct conf_addr addr;  /* host bits are always zero */
	unsigned len;
};

struct conf_value {
	enum conf_type type;
	union {
		char *str;
		uint64_t u64;
		bool b;
		struct conf_addr addr;
		struct conf_prefix prefix;
		void *custom;  /* what custom->parse made */
	} v;
	const struct conf_custom_type *custom;  /* CONF_CUSTOM only */
};

struct conf_opts {
	const struct conf_schema *schema;  /* NULL: conf_schema_libop, [node] only */
	bool no_include;                   /* "include" is an error */
};

/* Bounds of one parse, files and includes together, so an include
 * fan-out cannot keep a check busy: the files read, and their bytes. */
#define CONF_FILES_MAX 256
#define CONF_BYTES_MAX (16u << 20)

/* Load and check the file at path. Returns 0 when it is clean, -EINVAL
 * when it produced diagnostics, another negative errno when it could not
 * be read at all (also a diagnostic), or -ENOMEM. Except on -ENOMEM,
 * *confp is set and must be freed with conf_free(). */
int conf_load(const char *path, const struct conf_opts *opts, struct conf **confp);

/* Like conf_load() on len bytes at buf; name stands for the file in
 * diagnostics and anchors relative includes. An empty buffer gives a
 * config holding only defaults. */
int conf_load_buffer(const char *name, const char *buf, size_t len,
		     const struct conf_opts *opts, struct conf **confp);

/* Free a config and everything it owns; NULL is fine. */
void conf_free(struct conf *conf);

/* Number of diagnostics (at most CONF_DIAG_MAX plus one "too many"). */
#define CONF_DIAG_MAX 50
size_t conf_diag_count(const struct conf *conf);

/* The i-th diagnostic as one line without newline, e.g.
 * "outpost.conf:14: [line "tel"] gateway: '203.0.113.300' is not an IPv4
 * or IPv6 address". */
const char *conf_diag(const struct conf *conf, size_t i);

/* The section type/name from the file, or when absent a section of that
 * type holding only defaults, so getters work either way. NULL only for a
 * type the schema does not know (or a NULL conf). */
const struct conf_section *conf_section_get(const struct conf *conf, const char *type,
					    const char *name);

/* The section type/name as written in the file, or NULL when absent. */
const struct conf_section *conf_section_find(const struct conf *conf, const char *type,
					     const char *name);

/* Iterate over the sections of a type present in the file, in canonical
 * order: pass prev = NULL first; returns NULL after the last. */
const struct conf_section *conf_section_next(const struct conf *conf, const char *type,
					     const struct conf_section *prev);

/* The section's name ("tel" for [line "tel"]) or NULL; its type. */
const char *conf_section_name(const struct conf_section *sec);
const char *conf_section_type(const struct conf_section *sec);

/* Where the section header is; file is NULL for a defaults-only section. */
const char *conf_section_file(const struct conf_section *sec);
unsigned conf_section_line(const struct conf_section *sec);

/* Whether key was set in the file (rather than defaulted). */
bool conf_is_set(const struct conf_section *sec, const char *key);

/* Number of values of key (its items for a list; 0 when neither set nor
 * defaulted). */
size_t conf_get_count(const struct conf_section *sec, const char *key);

/* The i-th value of key, or NULL past the end or for an unknown key. */
const struct conf_value *conf_get_at(const struct conf_section *sec, const char *key, size_t i);

/* Where key was (first) set: its file and line, or NULL and 0 when it
 * was not written in the file. A key written with a bad value counts. */
const char *conf_key_file(const struct conf_section *sec, const char *key);
unsigned conf_key_line(const struct conf_section *sec, const char *key);
/* The line of the i-th value of a (list) key; 0 when defaulted or past
 * the end. */
unsigned conf_key_line_at(const struct conf_section *sec, const char *key, size_t i);

/* Typed getters: the (first) value or its default; NULL/0/false when the
 * key has neither or has another type. A key that is not in the
 * section's schema is a programming error: a debug build (configure
 * --enable-debug, the default with sanitizers or fuzzing) aborts with a
 * message; a release build gives NULL/0/false. */
const char *conf_get_str(const struct conf_section *sec, const char *key);
uint64_t conf_get_u64(const struct conf_section *sec, const char *key);
bool conf_get_bool(const struct conf_section *sec, const char *key);
uint64_t conf_get_duration_ms(const struct conf_section *sec, const char *key);
uint64_t conf_get_rate(const struct conf_section *sec, const char *key);
uint64_t conf_get_size(const struct conf_section *sec, const char *key);
const struct conf_addr *conf_get_addr(const struct conf_section *sec, const char *key);
const struct conf_prefix *conf_get_prefix(const struct conf_section *sec, const char *key);
/* The value a CONF_CUSTOM key's parse() made, or NULL. */
const void *conf_get_custom(const struct conf_section *sec, const char *key);

/* Report a problem found by a validator as "FILE:LINE: [type "name"] key:
 * message", at the line that set key, or at the section header when key
 * is NULL or was defaulted; with sec NULL, at the top file. Put raw
 * values in through conf_show(). */
void conf_report(struct conf_report *rep, const struct conf_section *sec, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Like conf_report(), about the i-th value of a list key, at the line
 * that value was written on. */
void conf_report_at(struct conf_report *rep, const struct conf_section *sec, const char *key,
		    size_t i, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Room conf_show() needs: CONF_SHOW_CUT characters, escapes, the length. */
#define CONF_SHOW_CUT 64
#define CONF_SHOW_MAX (4 * CONF_SHOW_CUT + 40)

/* Raw text made safe to print inside a diagnostic: control bytes and
 * invalid UTF-8 escaped (\e, \t, \xNN), and past CONF_SHOW_CUT
 * characters cut and followed by "... (N bytes)". Returns buf, which
 * holds at least CONF_SHOW_MAX bytes. */
const char *conf_show(const char *raw, char *buf);

/* Write the config in canonical form: sections in schema order then by
 * name, keys in schema order, one line per list item, values normalised,
 * includes expanded, defaults left out. Parsing it gives the same config.
 * Returns 0 or -EIO. */
int conf_print(const struct conf *conf, FILE *fp);

/* Parse raw as a value of def's type and bounds into *val (a string is
 * copied; release with conf_value_clear()). Returns 0, -ENOMEM, or
 * -EINVAL with msg set to the full message, e.g. "'5x' is not a
 * duration (e.g. 250ms, 5s, 2m, 1h, 1d)". */
int conf_value_parse(const struct conf_key_def *def, const char *raw, struct conf_value *val,
		     char *msg, size_t msglen);

/* Free what a parsed value owns. */
void conf_value_clear(struct conf_value *val);

/* Write val's canonical text (unquoted) into buf; returns 0 or -ENOSPC. */
int conf_value_format(const struct conf_value *val, unsigned flags, char *buf, size_t len);

/* The type's name as documented in outpost.conf(5): "duration", ... */
const char *conf_type_name(enum conf_type type);

/* Check a section table for mistakes the loader cannot report: a
 * duration without max, a CONF_CUSTOM key without its type, a default
 * that does not parse, a key twice. Returns 0, or -EINVAL with msg set. */
int conf_schema_verify(const struct conf_section_def *sdef, char *msg, size_t msglen);

/* Checks for conf_key_def.check that several sections share: an
 * absolute path of at most 255 bytes (files a daemon writes whatever its
 * working folder), and one that also fits a Unix socket's sun_path. */
int conf_check_abs_path(const char *raw, char *msg, size_t msglen);
int conf_check_socket_path(const char *raw, char *msg, size_t msglen);

/* Look up a section definition or a key definition by name. */
const struct conf_section_def *conf_schema_section(const struct conf_schema *schema,
						   const char *name);
const struct conf_key_def *conf_schema_key(const struct conf_section_def *sdef,
					   const char *name);

#endif
