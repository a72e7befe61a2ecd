/* conf_node.c: [node], the one section libop owns (see conf.h for how the
 * subsystems add theirs). Adding a key is one table entry plus its
 * paragraph in man/outpost.conf.5. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

/* The node's default id: the host name, as uname -n shows it. */
static int default_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) < 0)
		return -errno;
	buf[len - 1] = '\0';
	return *buf ? 0 : -ENOENT;
}

static const struct conf_key_def node_keys[] = {
	{ .name = "id", .type = CONF_STR, .def_fn = default_hostname,
	  .def_doc = "the host name",
	  .help = "name of this node in events and MQTT topics" },
	{ .name = "region", .type = CONF_STR,
	  .help = "region (LAN) this node belongs to, carried in every event" },
	{ .name = "user", .type = CONF_STR, .def = "outpost",
	  .help = "user the daemons switch to after opening what needs root" },
	{ .name = "spool", .type = CONF_STR, .def = LOCALSTATEDIR "/spool/outpost",
	  .help = "directory of the event spool" },
	{ .name = "spool-max", .type = CONF_SIZE, .def = "64MiB", .min = 64 << 10,
	  .help = "bound on the spool; the oldest events go first" },
};

const struct conf_section_def conf_node_section = {
	.name = "node", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = node_keys, .nkeys = NKEYS(node_keys),
	.help = "this machine",
};

static const struct conf_section_def *const libop_sections[] = {
	&conf_node_section,
};

const struct conf_schema conf_schema_libop = {
	.sections = libop_sections,
	.nsections = NKEYS(libop_sections),
};
