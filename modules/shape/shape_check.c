/* shape_check.c: outpost-shape check (-n): what the config loader
 * cannot know, checked against this namespace's kernel without changing
 * it: the interfaces, foreign root qdiscs, the kernel's capabilities,
 * and whether the kernel already holds what apply would make. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shape_cli.h"

/* FILE:LINE of a region's wan-interface key (the section's, failing that). */
static void where(const struct shape_cli *c, const struct shape_region *rg, char *buf, size_t len)
{
	const struct conf_section *sec = c->conf ? conf_section_get(c->conf, "region", rg->name)
						 : NULL;

	if (sec && conf_key_file(sec, "wan-interface"))
		snprintf(buf, len, "%s:%u: [region \"%s\"]: key 'wan-interface'",
		    conf_key_file(sec, "wan-interface"), conf_key_line(sec, "wan-interface"),
		    rg->name);
	else
		snprintf(buf, len, "%s:%u: [region \"%s\"]: key 'wan-interface'",
		    rg->file ? rg->file : c->config_path, rg->line, rg->name);
}

int shape_cli_check_ifaces(const struct shape_cli *c)
{
	char at[256];
	int rc = 0;

	for (size_t i = 0; i < c->cfg.nregions; i++) {
		const struct shape_region *rg = &c->cfg.regions[i];

		if (if_nametoindex(rg->wan) != 0)
			continue;
		where(c, rg, at, sizeof(at));
		fprintf(stderr, "%s: no interface '%s' here\n", at, rg->wan);
		rc = 1;
	}
	return rc;
}

void shape_cli_line_notes(const struct shape_cli *c)
{
	for (size_t i = 0; c->verbosity >= 0 && i < c->cfg.nifaces; i++) {
		const struct shape_iface *f = &c->cfg.ifaces[i];
		const struct shape_region *rg = &c->cfg.regions[f->regions[0]];

		if (!f->down_unlimited)
			continue;
		fprintf(stderr, "%s:%u: [region \"%s\"]: note: no line-rate: %s of %s is not "
		    "limited, only the caps are, and business traffic has no guaranteed share "
		    "when the line is full\n", rg->file ? rg->file : c->config_path, rg->line,
		    rg->name, f->up_unlimited ? "the line" : "the download", f->name);
	}
}

/* Foreign root qdiscs on the configured WAN interfaces: apply refuses them. */
static int check_roots(const struct shape_cli *c, const struct shape_kdev *devs, size_t n)
{
	char at[256], h[16];
	int rc = 0;

	for (size_t i = 0; i < c->cfg.nregions; i++) {
		const struct shape_region *rg = &c->cfg.regions[i];
		const struct shape_kdev *d = shape_cli_dev(devs, n, rg->wan);
		bool first = true;

		/* One message per interface, at its first region. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->cfg.regions[j].wan, rg->wan) == 0)
				first = false;
		if (!first || !d || d->root != SHAPE_ROOT_FOREIGN)
			continue;
		where(c, rg, at, sizeof(at));
		/* A qdisc handle as tc prints it: "1:", not "1:0". */
		snprintf(h, sizeof(h), "%x:", (unsigned)(d->root_handle >> 16));
		fprintf(stderr, "%s: '%s' has a root qdisc that is not Outpost's (%s %s): "
		    "outpost-shape will not replace it\n", at, rg->wan, d->root_kind, h);
		rc = 1;
	}
	return rc;
}

static int check_caps(const struct shape_cli *c, const struct shape_caps *caps)
{
	char miss[96] = "";

	if (!caps->probed) {
		if (c->verbosity >= 0)
			printf("kernel: not probed (not root)\n");
		return 0;
	}
	if (!caps->htb)
		strcat(miss, ", htb");
	if (!caps->ingress)
		strcat(miss, ", ingress");
	if (!caps->ifb)
		strcat(miss, ", ifb");
	if (!caps->u32)
		strcat(miss, ", u32");
	if (!caps->mirred)
		strcat(miss, ", mirred");
	if (miss[0]) {
		fprintf(stderr, "%s: this kernel lacks %s: it cannot shape\n", c->prog, miss + 2);
		return 1;
	}
	if (c->verbosity >= 0)
		printf("kernel: htb, ingress, ifb, u32, mirred%s\n",
		    caps->fq_codel ? ", fq_codel" : "; fq_codel: not in this kernel, leaves are pfifo");
	return 0;
}

int shape_cmd_check(struct shape_cli *c)
{
	struct shape_snapshot snap;
	struct shape_result res;
	char why[256] = "";
	size_t pending;
	int r, rc = 0;

	if (c->cfg.nregions == 0) {
		if (c->verbosity >= 0)
			printf("%s: no [region]: nothing to shape\n", c->config_path);
		return 0;
	}
	if (shape_cli_check_ifaces(c))
		rc = 1;
	shape_cli_line_notes(c);
	/* One read of the kernel for every check below. */
	if (shape_snapshot_read(NULL, &c->cfg, NULL, &snap, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s\n", c->prog, why);
		shape_snapshot_free(&snap);
		return 1;
	}
	if (check_roots(c, snap.devs, snap.ndevs))
		rc = 1;
	if (check_caps(c, &snap.caps))
		rc = 1;
	/* What apply would do, without output: the same code path. */
	r = rc ? 0 : shape_compare(&c->cfg, &snap, NULL, &res);
	shape_snapshot_free(&snap);
	if (rc)
		return rc;
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", c->prog, res.why[0] ? res.why : strerror(-r));
		return 1;
	}
	if (c->verbosity < 0)
		return 0;
	if (!res.caps.probed) {
		printf("%s: config valid; tc: %zu change%s pending (nft table not readable: not "
		    "root)\n", c->config_path, res.tc_changes, res.tc_changes == 1 ? "" : "s");
		return 0;
	}
	pending = res.tc_changes + (res.nft_changed ? 1 : 0);
	if (pending == 0)
		printf("%s: in sync\n", c->config_path);
	else
		printf("%s: %zu change%s pending (tc: %zu, nft: %s)\n", c->config_path, pending,
		    pending == 1 ? "" : "s", res.tc_changes,
		    res.nft_changed ? "table differs" : "in sync");
	return 0;
}

int shape_cli_in_sync(const struct shape_cli *c, const struct shape_snapshot *snap)
{
	struct shape_result res;

	if (!c->conf)
		return -1;
	if (shape_compare(&c->cfg, snap, NULL, &res) < 0)
		return 0;
	if (!res.caps.probed)
		return -1;
	return res.tc_changes == 0 && !res.nft_changed;
}
