/* rt_line.h: the [line "name"] and [routing] sections of outpost.conf(5).
 *
 * A line is one ISP uplink: what a probe needs to leave by it (interface,
 * gateway, source, fwmark) and what outpost-routed installs for it
 * (table, priority, selectors, health checks, failover). The tables and
 * their validators live in rt/librtline.a, linked into every tool through
 * $(LIBOPSCHEMA): they need only libop. */
#ifndef OUTPOST_RT_LINE_H
#define OUTPOST_RT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* The [line] section definition, registered in conf_sections. */
extern const struct conf_section_def rt_line_conf_section;

/* The [routing] section definition (unique, no name). */
extern const struct conf_section_def rt_routing_conf_section;

/* Table ids and rule priorities the kernel keeps for itself. */
#define RT_TABLE_DEFAULT 253
#define RT_TABLE_MAIN 254
#define RT_TABLE_LOCAL 255
#define RT_PRIORITY_MAX 32765

/* Parse "N" or "A-B" (decimal, min <= A <= B <= max) into *a, *b:
 * 0, -EINVAL (syntax or bounds) or -ERANGE (A > B). */
int rt_range_parse(const char *s, uint32_t min, uint32_t max, uint32_t *a, uint32_t *b);

/* An ipproto value (tcp, udp, icmp, ipv6-icmp, sctp or 1..255) as its
 * number, or -EINVAL. */
int rt_ipproto_parse(const char *s);

/* Whether name is usable as a Linux interface name (1 to 15 bytes, not
 * "." or "..", no '/', ':' or white space), as the kernel's
 * dev_valid_name() decides. */
bool rt_ifname_ok(const char *name);

/* Whether prefix a contains address (or prefix) b of the same family. */
bool rt_prefix_contains(const struct conf_prefix *a, const struct conf_addr *b);

/* Whether a is 0.0.0.0 / :: or a multicast address (no next hop). */
bool rt_addr_is_any(const struct conf_addr *a);
bool rt_addr_is_multicast(const struct conf_addr *a);

/* The checks across [line] sections (validate_config of the section):
 * marks, sources, tables and priorities that two lines share. */
int rt_lines_validate(const struct conf *conf, struct conf_report *rep);

#endif
