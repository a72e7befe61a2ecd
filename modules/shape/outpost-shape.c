/* outpost-shape: per-region shaping of the [region] sections in the
 * kernel: nftables classification and HTB trees on each WAN interface
 * and its IFB. This file: the command line, apply and clear. check is
 * shape_check.c, show shape_show.c. See outpost-shape(8). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "shape_cli.h"
#include "version.h"

#define SYNOPSIS "[-hnqVv] [-f file] [--dry-run] [--json] apply | clear | show | check"

enum { OPT_DRY_RUN = 0x100, OPT_JSON };

static void usage(const char *prog, FILE *fp)
{
	fprintf(fp, "usage: %s %s\n", prog, SYNOPSIS);
}

static void usage_error(const char *prog, const char *why)
{
	fprintf(stderr, "%s: %s\n", prog, why);
	usage(prog, stderr);
	exit(2);
}

/* Per-interface change counts for apply's summary line. */
struct tally {
	const struct shape_cli *c;
	bool print;   /* -v: one line per change */
	bool clear;
	struct {
		char name[16];
		size_t n;
	} v[64];
	size_t n;
};

/* Changes on an IFB count for the WAN interface it serves. */
static const char *iface_of(const struct shape_cli *c, const struct shape_op *op)
{
	const char *dev = op->tree && op->tree->wan[0] ? op->tree->wan : op->dev;

	for (size_t i = 0; i < c->cfg.nifaces; i++)
		if (strcmp(c->cfg.ifaces[i].ifb, dev) == 0)
			return c->cfg.ifaces[i].name;
	return dev;
}

static void changed(const struct shape_op *op, void *arg)
{
	struct tally *t = arg;
	const char *name = iface_of(t->c, op);
	char text[512];
	size_t i;

	if (t->print) {
		shape_op_format(op, text, sizeof(text));
		printf("%s%s\n", t->clear ? "removed: " : "", text);
	}
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			break;
	if (i == t->n) {
		if (t->n == sizeof(t->v) / sizeof(t->v[0]))
			return;  /* the summary names the first 64 */
		snprintf(t->v[t->n].name, sizeof(t->v[t->n].name), "%s", name);
		t->v[t->n++].n = 0;
	}
	t->v[i].n++;
}

/* The kernel took a change but had something to say about it. */
static void warned(const struct shape_op *op, const char *text, void *arg)
{
	const struct tally *t = arg;
	char cmd[512];

	shape_op_format(op, cmd, sizeof(cmd));
	fprintf(stderr, "%s: warning: %s: the kernel says: %s\n", t->c->prog, cmd, text);
}

/* "wan0: 9 tc changes, nft table replaced" or "nothing to do". */
static void summary(const struct tally *t, const struct shape_result *res, const char *nft_word)
{
	const char *sep = "";

	if (!t->n && !res->nft_changed) {
		printf("nothing to do\n");
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		printf("%s%s: %zu tc change%s", sep, t->v[i].name, t->v[i].n,
		    t->v[i].n == 1 ? "" : "s");
		sep = ", ";
	}
	if (res->nft_changed)
		printf("%snft table %s", sep, nft_word);
	printf("\n");
}

/* A service reload and outpost-p2pd starting may meet; the second waits
 * this long for the first before giving up. */
#define SHAPE_LOCK_WAIT_MS 10000

static int failed(const struct shape_cli *c, int r, const struct shape_result *res, bool clear)
{
	fprintf(stderr, "%s: %s\n", c->prog, res->why[0] ? res->why : strerror(-r));
	if (geteuid() != 0)
		fprintf(stderr, "%s: changing the kernel needs root (CAP_NET_ADMIN); --dry-run "
		    "does not\n", c->prog);
	else if (r == -EPROTO && res->refused && !clear)
		fprintf(stderr, "%s: rolled back: the kernel holds what it held before\n", c->prog);
	return 1;
}

static void dry_note(const struct shape_cli *c, const struct shape_result *res)
{
	if (!res->caps.probed && c->verbosity >= 0)
		fprintf(stderr, "%s: note: not root: the kernel was not probed (leaves shown as "
		    "fq_codel) and the nft table not read (shown whole)\n", c->prog);
}

static int cmd_apply(struct shape_cli *c)
{
	struct tally t = { .c = c, .print = c->verbosity > 0 && !c->dry_run };
	struct shape_apply_opts o = {
		.dry_run = c->dry_run, .out = stdout, .changed = changed, .arg = &t,
		.lock_wait_ms = SHAPE_LOCK_WAIT_MS, .warned = warned,
	};
	struct shape_result res;
	int r;

	if (shape_cli_check_ifaces(c))
		return 1;
	if (c->dry_run) {
		printf("# nft(8) script, then tc(8) and ip(8) commands\n");
		fflush(stdout);
	}
	r = shape_apply(&c->cfg, &o, &res);
	if (r < 0)
		return failed(c, r, &res, false);
	if (c->dry_run)
		dry_note(c, &res);
	else if (c->verbosity >= 0)
		summary(&t, &res, c->cfg.nregions ? "replaced" : "removed");
	if (!res.caps.fq_codel && res.caps.probed && c->verbosity > 0)
		fprintf(stderr, "%s: note: fq_codel: not in this kernel, leaves are pfifo\n", c->prog);
	return 0;
}

static int cmd_clear(struct shape_cli *c)
{
	struct tally t = { .c = c, .print = c->verbosity >= 0 && !c->dry_run, .clear = true };
	struct shape_apply_opts o = {
		.dry_run = c->dry_run, .out = stdout, .changed = changed, .arg = &t,
		.lock_wait_ms = SHAPE_LOCK_WAIT_MS, .warned = warned,
	};
	struct shape_result res;
	int r;

	r = shape_clear(&o, &res);
	if (r < 0)
		return failed(c, r, &res, true);
	if (c->dry_run)
		return 0;
	if (res.nft_changed && c->verbosity >= 0)
		printf("removed: nft table inet %s\n", SHAPE_NFT_TABLE);
	if (!res.tc_changes && !res.nft_changed && c->verbosity >= 0)
		printf("nothing to remove\n");
	return 0;
}

/* Load the config: required for apply and check; for show only when
 * given or when the default file exists (it labels the classes). */
static int load_config(struct shape_cli *c, bool required)
{
	static const struct conf_opts opts = { .schema = &conf_schema_outpost };
	int r;

	if (!required && !c->config_given && access(c->config_path, F_OK) < 0)
		return 0;
	r = conf_load(c->config_path, &opts, &c->conf);
	if (r == -ENOMEM) {
		fprintf(stderr, "%s: %s\n", c->prog, strerror(ENOMEM));
		return 2;
	}
	cli_print_diags(c->conf, stderr);
	if (r < 0)
		return 2;
	if ((r = shape_config_from_conf(c->conf, &c->cfg)) < 0) {
		fprintf(stderr, "%s: %s\n", c->prog, strerror(-r));
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct shape_cli c = { .config_path = CLI_DEFAULT_CONFIG };
	const char *cmd = NULL;
	bool check = false;
	char why[128];
	int opt, rc;

	c.prog = cli_progname(argc > 0 ? argv[0] : NULL);
	while ((opt = getopt_long(argc, argv, "f:hnqVv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			c.config_path = optarg;
			c.config_given = true;
			break;
		case 'h':
			usage(c.prog, stdout);
			return 0;
		case 'n':
			check = true;
			break;
		case 'q':
			c.verbosity--;
			break;
		case 'V':
			printf("%s\n", op_version());
			return 0;
		case 'v':
			c.verbosity++;
			break;
		case OPT_DRY_RUN:
			c.dry_run = true;
			break;
		case OPT_JSON:
			c.json = true;
			break;
		default:
			usage(c.prog, stderr);
			return 2;
		}
	}
	if (optind < argc)
		cmd = argv[optind++];
	if (optind < argc) {
		snprintf(why, sizeof(why), "unexpected argument '%s'", argv[optind]);
		usage_error(c.prog, why);
	}
	if (check && cmd && strcmp(cmd, "check") != 0)
		usage_error(c.prog, "-n is check: no other command with it");
	if (check)
		cmd = "check";
	if (!cmd)
		usage_error(c.prog, "a command is needed: apply, clear, show or check");
	if (strcmp(cmd, "apply") && strcmp(cmd, "clear") && strcmp(cmd, "show") &&
	    strcmp(cmd, "check")) {
		snprintf(why, sizeof(why), "unknown command '%s'", cmd);
		usage_error(c.prog, why);
	}
	if (c.json && strcmp(cmd, "show") != 0)
		usage_error(c.prog, "--json goes with show");
	if (c.dry_run && strcmp(cmd, "apply") != 0 && strcmp(cmd, "clear") != 0)
		usage_error(c.prog, "--dry-run goes with apply or clear");

	/* clear removes everything of Outpost's: it needs no config. */
	rc = strcmp(cmd, "clear") == 0 ? 0 :
	     load_config(&c, strcmp(cmd, "show") != 0);
	if (rc == 0) {
		if (strcmp(cmd, "apply") == 0)
			rc = cmd_apply(&c);
		else if (strcmp(cmd, "clear") == 0)
			rc = cmd_clear(&c);
		else if (strcmp(cmd, "show") == 0)
			rc = shape_cmd_show(&c);
		else
			rc = shape_cmd_check(&c);
	}
	shape_config_free(&c.cfg);
	conf_free(c.conf);
	return rc;
}
