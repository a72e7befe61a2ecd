/* probe_schema.h: the [probe "name"] section of outpost.conf(5), and its
 * conversion into what a probe job runs. */
#ifndef OUTPOST_PROBE_SCHEMA_H
#define OUTPOST_PROBE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct probe_spec;

/* [probe "name"]: keys, the per-type checks, the check that via names a
 * [line]; listed in conf_sections. */
extern const struct conf_section_def probe_conf_section;

/* What the schema assumes when a key is left out: count, timeout and the
 * gap between two probes to one target, per type (enum probe_type). */
struct probe_conf_defaults {
	unsigned	count;
	uint64_t	timeout_ms;
	uint64_t	gap_ms;
};
void probe_conf_defaults(int type, struct probe_conf_defaults *d);

/* The longest a round of section sec can take, in ms (what its interval
 * must leave room for); 0 when the type is unknown. */
uint64_t probe_conf_round_ms(const struct conf_section *sec);

/* Fill spec from the [probe] section sec of conf (a checked config),
 * taking interface, source and fwmark from the [line] its via names.
 * spec's strings point into conf, but for a dns probe spec->dns_servers
 * is one allocation of its own (array and strings) that the caller frees
 * with free(). 0, or -EINVAL / -ENOMEM with why set. */
int probe_spec_from_conf(const struct conf *conf, const struct conf_section *sec,
    struct probe_spec *spec, char *why, size_t whylen);

/* probe_schema_dns.c: the value checks of the dns and hijack keys (the
 * conf_key_def check signature: 0, or 1 with msg set). */
int probe_schema_check_resolver(const char *raw, char *msg, size_t msglen);
int probe_schema_check_server(const char *raw, char *msg, size_t msglen);
int probe_schema_check_dot(const char *raw, char *msg, size_t msglen);
int probe_schema_check_domain(const char *raw, char *msg, size_t msglen);
int probe_schema_check_qtype(const char *raw, char *msg, size_t msglen);
/* Whether s[0..n) is ADDRESS, IPV4:PORT or [IPV6]:PORT. */
int probe_schema_server_ok(const char *s, size_t n);
/* Whether s[0..n) is a domain name (letters, digits, '-', '_'). */
int probe_schema_domain_ok(const char *s, size_t n);
/* The number of a query type name (A, AAAA, ..., TYPE65, 65), or -EINVAL. */
int probe_schema_qtype(const char *s);

#endif
