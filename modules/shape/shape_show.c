/* shape_show.c: outpost-shape show, what the kernel holds now read back
 * through netlink (never from tc's text): per WAN interface the egress
 * tree and the ingress tree on its IFB with each class's counters, the
 * nft table's sets and rules with theirs, and what the kernel lacks.
 * The config, when there is one, only labels classes with regions. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "shape_cli.h"

const char *shape_cli_kind(uint32_t classid)
{
	uint32_t minor = classid & 0xffffu;

	if (minor == SHAPE_MINOR_LINE)
		return "line";
	if (minor == SHAPE_MINOR_BUSINESS)
		return "business";
	if ((minor & 0xfu) == SHAPE_ORIGIN)
		return "origin";
	if ((minor & 0xfu) == SHAPE_PEER)
		return "peer";
	return "?";
}

const struct shape_region *shape_cli_region(const struct shape_config *cfg, uint32_t classid)
{
	uint32_t minor = classid & 0xffffu;

	if (minor == SHAPE_MINOR_LINE || minor == SHAPE_MINOR_BUSINESS)
		return NULL;
	for (size_t i = 0; cfg && i < cfg->nregions; i++)
		if (cfg->regions[i].slot == minor >> 4)
			return &cfg->regions[i];
	return NULL;
}

const struct shape_kdev *shape_cli_dev(const struct shape_kdev *devs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(devs[i].name, name) == 0)
			return &devs[i];
	return NULL;
}

bool shape_cli_is_wan(const struct shape_cli *c, const struct shape_kdev *d)
{
	for (size_t i = 0; i < c->cfg.nifaces; i++) {
		if (strcmp(c->cfg.ifaces[i].name, d->name) == 0)
			return true;
		if (strcmp(c->cfg.ifaces[i].ifb, d->name) == 0)
			return false;
	}
	return !d->ifb_ours;
}

void shape_cli_ifb_of(const struct shape_kdev *wan, char out[16])
{
	if (wan->redirect && wan->redirect_to[0])
		snprintf(out, 16, "%s", wan->redirect_to);
	else
		shape_ifb_name(wan->name, out);
}

const char *shape_cli_root_name(enum shape_root root)
{
	switch (root) {
	case SHAPE_ROOT_OURS:
		return "ours";
	case SHAPE_ROOT_DEFAULT:
		return "default";
	case SHAPE_ROOT_FOREIGN:
		return "foreign";
	case SHAPE_ROOT_NONE:
		break;
	}
	return "none";
}

/* A rule's match as nft(8) lists it. Family 0 is a port rule for both
 * families, or, with nothing to match, a rule outpost-shape did not
 * write. */
void shape_cli_rule_match(const struct shape_nft *nft, const struct shape_nft_rule *r, char *buf,
			  size_t len)
{
	if (r->family != AF_INET && r->family != AF_INET6 && !r->ipproto)
		snprintf(buf, len, "(not Outpost's)");
	else
		shape_nft_match_text(nft, r, buf, len);
}

/* Classes by id: the line, business, then each region's in slot order,
 * whatever order the kernel dumped them in. */
static int by_classid(const void *a, const void *b)
{
	const struct shape_kclass *x = *(const struct shape_kclass *const *)a;
	const struct shape_kclass *y = *(const struct shape_kclass *const *)b;

	return x->cls.classid < y->cls.classid ? -1 : x->cls.classid > y->cls.classid;
}

static void print_classes(const struct shape_cli *c, const struct shape_kdev *d)
{
	const struct shape_kclass **v = calloc(d->nclasses ? d->nclasses : 1, sizeof(*v));
	char id[16], rate[24], ceil[24], now[24];

	if (!v) {
		printf("  (out of memory)\n");
		return;
	}
	for (size_t i = 0; i < d->nclasses; i++)
		v[i] = &d->classes[i];
	qsort(v, d->nclasses, sizeof(*v), by_classid);

	printf("  %-9s %-12s %-8s %9s %9s %-8s %14s %10s %7s %10s %10s\n", "class", "region",
	    "kind", "rate", "ceil", "leaf", "sent bytes", "packets", "drops", "overlimits",
	    "rate now");
	for (size_t i = 0; i < d->nclasses; i++) {
		const struct shape_kclass *k = v[i];
		const struct shape_region *rg = shape_cli_region(&c->cfg, k->cls.classid);

		shape_handle_format(k->cls.classid, id);
		shape_rate_format(k->cls.rate, rate, sizeof(rate));
		shape_rate_format(k->cls.ceil, ceil, sizeof(ceil));
		if (k->st.has_rate)
			shape_rate_format(k->st.rate_bps / 8, now, sizeof(now));
		else
			snprintf(now, sizeof(now), "-");
		printf("  %-9s %-12s %-8s %9s %9s %-8s %14" PRIu64 " %10" PRIu64 " %7" PRIu32
		    " %10" PRIu32 " %10s\n", id, rg ? rg->name : "-", shape_cli_kind(k->cls.classid),
		    rate, ceil, k->leaf_kind[0] ? k->leaf_kind : "-", k->st.bytes, k->st.packets,
		    k->st.drops, k->st.overlimits, now);
	}
	free(v);
}

static void print_dev(const struct shape_cli *c, const struct shape_kdev *wan,
		      const struct shape_kdev *ifb)
{
	char ifbname[16];

	shape_cli_ifb_of(wan, ifbname);
	printf("%s egress: root %s", wan->name, shape_cli_root_name(wan->root));
	if (wan->root == SHAPE_ROOT_FOREIGN || wan->root == SHAPE_ROOT_OURS)
		printf(" (%s)", wan->root_kind);
	printf("\n");
	if (wan->root == SHAPE_ROOT_OURS)
		print_classes(c, wan);
	printf("%s ingress: on %s, redirect %s", wan->name, ifbname, wan->redirect ? "yes" : "no");
	if (!ifb || ifb->root == SHAPE_ROOT_NONE) {
		printf(", no %s\n", ifbname);
		return;
	}
	printf(", root %s, %zu filter%s\n", shape_cli_root_name(ifb->root), ifb->nfilters,
	    ifb->nfilters == 1 ? "" : "s");
	if (ifb->root == SHAPE_ROOT_OURS)
		print_classes(c, ifb);
}

static void print_nft(const struct shape_knft *k, int err)
{
	char m[512], h[16];

	if (err < 0) {
		printf("nft table inet %s: cannot read it: %s\n", SHAPE_NFT_TABLE, strerror(-err));
		return;
	}
	if (!k->present) {
		printf("nft table inet %s: none\n", SHAPE_NFT_TABLE);
		return;
	}
	printf("nft table inet %s%s:\n", SHAPE_NFT_TABLE,
	    k->foreign ? " (holds rules outpost-shape did not write)" : "");
	for (size_t i = 0; i < k->nft.nsets; i++)
		printf("  set %-24s ipv%d  %zu element%s\n", k->nft.sets[i].name,
		    k->nft.sets[i].family == AF_INET6 ? 6 : 4, k->nft.sets[i].nelems,
		    k->nft.sets[i].nelems == 1 ? "" : "s");
	for (size_t i = 0; i < k->nft.nrules; i++) {
		const struct shape_nft_rule *r = &k->nft.rules[i];

		shape_cli_rule_match(&k->nft, r, m, sizeof(m));
		shape_handle_format(r->priority, h);
		printf("  rule oifname \"%s\" %s -> %s  packets %" PRIu64 " bytes %" PRIu64 "\n",
		    r->oif, m, h, k->rule_packets ? k->rule_packets[i] : 0,
		    k->rule_bytes ? k->rule_bytes[i] : 0);
	}
}

static void print_human(const struct shape_cli *c, const struct shape_caps *caps,
			const struct shape_kdev *devs, size_t n, const struct shape_knft *k,
			int nft_err, int in_sync)
{
	char miss[96];
	size_t shown = 0;

	if (!caps->probed) {
		printf("kernel: not probed (not root)\n");
	} else {
		shape_caps_missing(caps, miss, sizeof(miss));
		if (caps->fq_codel)
			printf("kernel: %s%s%sleaves are fq_codel\n", miss[0] ? "lacks " : "", miss,
			    miss[0] ? "; " : "");
		else if (strcmp(miss, "fq_codel") == 0)
			printf("kernel: fq_codel: not in this kernel, leaves are pfifo\n");
		else
			printf("kernel: lacks %s; fq_codel: not in this kernel, leaves are pfifo\n",
			    miss);
	}
	for (size_t i = 0; i < n; i++) {
		char ifbname[16];

		if (!shape_cli_is_wan(c, &devs[i]))
			continue;
		shape_cli_ifb_of(&devs[i], ifbname);
		print_dev(c, &devs[i], shape_cli_dev(devs, n, ifbname));
		shown++;
	}
	if (!shown)
		printf("no interface holds Outpost's shaping\n");
	print_nft(k, nft_err);
	if (in_sync >= 0)
		printf("config %s: %s\n", c->config_path, in_sync ? "in sync" : "changes pending");
}

int shape_cmd_show(struct shape_cli *c)
{
	struct shape_snapshot snap;
	char why[256] = "";
	int in_sync, rc = 0;

	/* One read: what is printed is what in_sync was judged on. */
	if (shape_snapshot_read(NULL, &c->cfg, NULL, &snap, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s\n", c->prog, why);
		shape_snapshot_free(&snap);
		return 1;
	}
	in_sync = shape_cli_in_sync(c, &snap);
	if (c->json)
		rc = shape_show_json(c, &snap.caps, snap.devs, snap.ndevs, &snap.knft, snap.nft_err,
		    in_sync);
	else
		print_human(c, &snap.caps, snap.devs, snap.ndevs, &snap.knft, snap.nft_err, in_sync);
	shape_snapshot_free(&snap);
	return rc;
}
