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
 * spec's strings point into conf. 0, or -EINVAL with why set. */
int probe_spec_from_conf(const struct conf *conf, const struct conf_section *sec,
    struct probe_spec *spec, char *why, size_t whylen);

#endif
