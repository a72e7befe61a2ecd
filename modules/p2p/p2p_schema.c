/* p2p_schema.c: the [p2p] section, outpost-p2pd's settings: where it
 * listens and keeps its transfers, how it finds the region's peers, how
 * long it seeds, its limits, and how long the region waits for a
 * piece's responsible peer before going to the origin itself.
 *
 * Needs only libop, so every tool that reads outpost.conf links it
 * (modules/p2p/libp2pschema.a). (owner: region) */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "p2p_schema.h"

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

static int check_tracker(const char *raw, char *msg, size_t msglen)
{
	if ((strncasecmp(raw, "http://", 7) == 0 && raw[7]) ||
	    (strncasecmp(raw, "https://", 8) == 0 && raw[8]))
		return 0;
	snprintf(msg, msglen, "is not an http:// or https:// tracker announce URL");
	return 1;
}

#define DAY_MS (24ull * 3600 * 1000)

static const struct conf_key_def p2p_keys[] = {
	{ .name = "listen", .type = CONF_INT, .def = "6881", .min = 1, .max = 65535,
	  .help = "TCP port outpost-p2pd takes peers on and announces" },
	{ .name = "bind", .type = CONF_ADDR,
	  .help = "address to listen on (default: every address)" },
	{ .name = "data-dir", .type = CONF_STR, .def = LOCALSTATEDIR "/lib/outpost/p2p",
	  .check = conf_check_abs_path,
	  .help = "folder of the transfers: their .torrent files, state and content" },
	{ .name = "control", .type = CONF_STR, .def = RUNSTATEDIR "/outpost/p2pd.sock",
	  .check = conf_check_socket_path,
	  .help = "control socket of outpost-p2pd (outpost-p2p add, list, remove, status)" },
	{ .name = "lsd", .type = CONF_BOOL, .def = "yes",
	  .help = "find the region's peers by local service discovery (BEP 14)" },
	{ .name = "tracker", .type = CONF_STR, .flags = CONF_LIST, .check = check_tracker,
	  .help = "a region tracker, besides the .torrent's own" },
	{ .name = "other-regions", .type = CONF_BOOL, .def = "no",
	  .help = "also take pieces from peers outside the region's LAN" },
	{ .name = "seed-time", .type = CONF_DURATION, .def = "7d", .max = 365 * DAY_MS,
	  .help = "how long a finished package is seeded to the region (0: not at all)" },
	{ .name = "lease", .type = CONF_DURATION, .def = "30s", .min = 1000, .max = DAY_MS,
	  .help = "how long the region waits for a piece's responsible peer before "
		  "another fetches it from the origin" },
	{ .name = "max-peers", .type = CONF_INT, .def = "50", .min = 1, .max = 10000,
	  .help = "peer connections per transfer" },
	{ .name = "max-connections", .type = CONF_INT, .def = "500", .min = 1, .max = 100000,
	  .help = "peer connections over all transfers" },
	{ .name = "max-download-rate", .type = CONF_RATE, .min = 8,
	  .help = "cap on what all transfers take, peers and origin (default: none)" },
	{ .name = "max-upload-rate", .type = CONF_RATE, .min = 8,
	  .help = "cap on what all transfers send to peers (default: none)" },
	{ .name = "max-buffer", .type = CONF_SIZE, .def = "64MiB", .min = 1 << 20,
	  .help = "memory for blocks of pieces not yet verified, over all transfers" },
	{ .name = "ca-file", .type = CONF_STR, .check = conf_check_abs_path,
	  .help = "CA certificates for https:// web seeds and trackers (default: the system's)" },
	{ .name = "progress-interval", .type = CONF_DURATION, .def = "60s", .min = 60000,
	  .max = DAY_MS, .help = "a p2p/progress event at most this often per transfer" },
	{ .name = "shape", .type = CONF_BOOL, .def = "no",
	  .help = "apply the region's caps in the kernel (on the region's gateway)" },
};

/* Checks against [node] and [region]: a gateway that shapes must know
 * its region. */
static int validate(const struct conf *conf, const struct conf_section *sec,
		    struct conf_report *rep)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	const char *region = node ? conf_get_str(node, "region") : NULL;

	if (!conf_get_bool(sec, "shape"))
		return 0;
	if (!region || !region[0])
		conf_report(rep, sec, "shape", "needs [node] region: the region whose caps to apply");
	else if (!conf_section_find(conf, "region", region))
		conf_report(rep, sec, "shape", "needs a [region \"%s\"] section (the [node] region)",
		    region);
	return 0;
}

const struct conf_section_def p2p_conf_section = {
	.name = "p2p", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = p2p_keys, .nkeys = NKEYS(p2p_keys),
	.help = "outpost-p2pd: listening, transfers, the region's swarm and limits",
	.validate = validate,
};
