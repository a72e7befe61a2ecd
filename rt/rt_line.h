/* rt_line.h: the [line "name"] section of outpost.conf(5) (one ISP line).
 *
 * This issue defines the keys a probe needs to leave by a line
 * (interface, gateway, source, fwmark); the routing daemon adds the
 * rest (table, priority, health checks). The table and its validators
 * live in rt/librtline.a, linked into every tool through $(LIBOPSCHEMA). */
#ifndef OUTPOST_RT_LINE_H
#define OUTPOST_RT_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* The [line] section definition, registered in conf_sections. */
extern const struct conf_section_def rt_line_conf_section;

/* Whether name is usable as a Linux interface name (1 to 15 bytes, not
 * "." or "..", no '/', ':' or white space), as the kernel's
 * dev_valid_name() decides. */
bool rt_ifname_ok(const char *name);

/* Whether prefix a contains address (or prefix) b of the same family. */
bool rt_prefix_contains(const struct conf_prefix *a, const struct conf_addr *b);

#endif
