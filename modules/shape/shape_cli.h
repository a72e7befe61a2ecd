/* shape_cli.h: the files of outpost-shape (the tool layer: these print).
 * outpost-shape.c parses the command line and runs apply and clear,
 * shape_check.c runs check, shape_show.c and shape_show_json.c show. */
#ifndef OUTPOST_SHAPE_CLI_H
#define OUTPOST_SHAPE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "shape.h"
#include "shape_kernel.h"

struct shape_cli {
	const char *prog;
	const char *config_path;  /* -f, or the default */
	bool config_given;        /* -f was given */
	int verbosity;            /* +1 per -v, -1 per -q */
	bool dry_run, json;
	struct conf *conf;        /* NULL: no config (show, clear) */
	struct shape_config cfg;  /* empty without a config */
};

/* check / -n: 0 when everything holds, else 1 (messages on stderr). */
int shape_cmd_check(struct shape_cli *c);
/* show [--json]: 0, or 1 when the kernel could not be read. */
int shape_cmd_show(struct shape_cli *c);
int shape_show_json(struct shape_cli *c, const struct shape_caps *caps,
		    const struct shape_kdev *devs, size_t ndevs, const struct shape_knft *knft,
		    int nft_err, int in_sync);

/* Each configured wan-interface exists here: 0, or 1 after printing
 * "FILE:LINE: [region "x"]: key 'wan-interface': no interface 'eth9' here". */
int shape_cli_check_ifaces(const struct shape_cli *c);

/* Labels for show: the kind of a class from its minor ("line",
 * "business", "origin", "peer"), the region whose slot it carries (NULL:
 * none or no config), and an nft rule's match as nft(8) writes it. */
const char *shape_cli_kind(uint32_t classid);
const struct shape_region *shape_cli_region(const struct shape_config *cfg, uint32_t classid);
void shape_cli_rule_match(const struct shape_nft *nft, const struct shape_nft_rule *r, char *buf,
			  size_t len);
/* The device of devs named name, or NULL. */
const struct shape_kdev *shape_cli_dev(const struct shape_kdev *devs, size_t n, const char *name);
/* Whether a device is a WAN side (not one of Outpost's IFBs) to list. */
bool shape_cli_is_wan(const struct shape_cli *c, const struct shape_kdev *d);
/* The IFB a WAN interface uses: its redirect's target, else the name
 * Outpost gives it. */
void shape_cli_ifb_of(const struct shape_kdev *wan, char out[16]);
const char *shape_cli_root_name(enum shape_root root);

/* 1 in sync, 0 not, -1 unknown (not readable, or no config): the
 * config compared with snap, what show printed. */
int shape_cli_in_sync(const struct shape_cli *c, const struct shape_snapshot *snap);

/* For each WAN interface whose line-rate (or line-upload-rate) is not
 * given, a note on stderr at its first region: that line is not
 * limited and business traffic has no guaranteed share when it is full.
 * Nothing with -q. */
void shape_cli_line_notes(const struct shape_cli *c);

#endif
