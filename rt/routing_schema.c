/* routing_schema.c: the [routing] section, outpost-routed's own settings:
 * the protocol number its objects carry and the files and socket it
 * writes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_line.h"

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

static const struct conf_key_def routing_keys[] = {
	/* 0-4 are unspec, redirect, kernel, boot and static: the kernel's
	 * and ip(8)'s own, which Outpost must never take for its own. */
	{ .name = "protocol", .type = CONF_INT, .def = "158", .min = 5, .max = 255,
	  .help = "protocol number of every rule and route outpost-routed installs (5 to 255)" },
	{ .name = "rt-tables", .type = CONF_STR, .def = "/etc/iproute2/rt_tables.d/outpost.conf",
	  .check = conf_check_abs_path,
	  .help = "file where outpost-routed names the lines' tables for ip(8)" },
	{ .name = "rt-protos", .type = CONF_STR, .def = "/etc/iproute2/rt_protos.d/outpost.conf",
	  .check = conf_check_abs_path,
	  .help = "file where outpost-routed names its protocol for ip(8)" },
	{ .name = "control", .type = CONF_STR, .def = RUNSTATEDIR "/outpost/routed.sock",
	  .check = conf_check_socket_path,
	  .help = "control socket of outpost-routed (outpost-routed -s)" },
};

const struct conf_section_def rt_routing_conf_section = {
	.name = "routing", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = routing_keys, .nkeys = NKEYS(routing_keys),
	.help = "outpost-routed: protocol number, table and protocol names, control socket",
};
