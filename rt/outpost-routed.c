/* outpost-routed: keep the policy routing of the config's lines in the
 * kernel (rules and per-line tables, through rtnetlink), repair it when
 * anything disturbs it, and fail lines over on their health.
 *
 * This file: the command line and the modes that run once (-n,
 * --dry-run, --once, --flush, -s). The daemon itself is routed_daemon.c.
 * See outpost-routed(8). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "routed.h"
#include "rt_kernel.h"

#define SYNOPSIS "[-dhnqVv] [-f file] [-p pidfile] [--dry-run | --once | --flush]\n" \
	"       outpost-routed -s [--json] [-f file]"

static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

struct modes {
	bool		dry_run, once, flush, status, json;
	const char	*pidfile;
};

/* getopt(3) of cli_daemon_init() knows single letters only: take the
 * long options out of argv first (up to a "--"). */
static int take_long(int argc, char **argv, struct modes *m)
{
	int j = 1, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--dry-run") == 0)
			m->dry_run = true;
		else if (strcmp(a, "--once") == 0)
			m->once = true;
		else if (strcmp(a, "--flush") == 0)
			m->flush = true;
		else if (strcmp(a, "--json") == 0)
			m->json = true;
		else if (a[0] == '-' && a[1] == '-')
			return -i;	/* an unknown long option */
		else
			argv[j++] = argv[i];
	}
	while (i < argc)
		argv[j++] = argv[i++];
	argv[j] = NULL;
	return j;
}

static int extra_opt(int opt, const char *arg, void *ctx)
{
	struct modes *m = ctx;

	if (opt == 's')
		m->status = true;
	else if (opt == 'p')
		m->pidfile = arg;
	else
		return -1;
	return 0;
}

const char *routed_line_where(const struct routed *d, const char *line, char *buf, size_t len)
{
	const struct conf_section *sec = line ? conf_section_get(d->conf, "line", line) : NULL;

	if (!sec)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s:%u: [line \"%s\"]: ", conf_section_file(sec),
		    conf_section_line(sec), line);
	return buf;
}

static void print_check(bool error, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s%s\n", error ? "" : "warning: ", msg);
}

/* What -n checks beyond the schema: the user (as root), and the lines
 * against the interfaces the kernel has now (read only). */
static int check_settings(const struct conf *conf, void *ctx)
{
	const char *user = conf_get_str(conf_section_get(conf, "node", NULL), "user");
	struct rt_config *cfg = NULL;
	struct nl_sock *nl = NULL;
	struct rt_links links;
	int r, rc = 0;

	(void)ctx;
	rt_links_init(&links);
	if (cli_check_user(conf, user) < 0)
		rc = -1;
	if ((r = rt_config_from_conf(conf, &cfg)) < 0) {
		fprintf(stderr, "cannot build the routing model: %s\n", strerror(-r));
		return -1;
	}
	if ((r = nl_open(NETLINK_ROUTE, 0, &nl)) < 0 ||
	    (r = rt_kernel_links(nl, &links)) < 0) {
		fprintf(stderr, "cannot read the interfaces: %s\n", strerror(-r));
		rc = -1;
	} else if (rt_config_check_links(cfg, conf, &links, print_check, NULL) > 0) {
		rc = -1;
	}
	rt_links_free(&links);
	nl_close(nl);
	rt_config_free(cfg);
	return rc;
}

static void usage_error(const char *prog, const char *why)
{
	fprintf(stderr, "%s: %s\nusage: %s %s\n", prog, why, prog, SYNOPSIS);
	exit(2);
}

/* --dry-run, --once, --flush: one round against the kernel, no loop. */
static int run_once(struct routed *d, const struct modes *m)
{
	int r;

	if (m->flush) {
		r = routed_flush(d);
		if (r >= 0 && routed_files_remove(d) < 0)
			r = 1;
		return r == 0 ? 0 : 1;
	}
	if (m->once && (routed_files_open(d) < 0 || routed_files_write(d) < 0))
		return 1;
	if (routed_lines_start(d, NULL, NULL, 0) < 0)
		return 1;
	r = routed_reconcile(d, m->once ? "--once" : "--dry-run");
	return r == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct modes m = { 0 };
	struct cli_daemon_opts o = {
		.synopsis = SYNOPSIS,
		.extra_opts = "p:s",
		.extra = extra_opt,
		.ctx = &m,
		.conf_opts = &conf_opts,
		.check = check_settings,
	};
	struct cli_daemon c;
	struct routed d;
	int rc, r;

	const char *prog = cli_progname(argc > 0 ? argv[0] : NULL);
	char why[128];

	if ((r = take_long(argc, argv, &m)) < 0) {
		snprintf(why, sizeof(why), "unknown option '%s'", argv[-r]);
		usage_error(prog, why);
	}
	argc = r;
	if (m.dry_run + m.once + m.flush > 1)
		usage_error(prog, "--dry-run, --once and --flush exclude each other");
	cli_daemon_init(&c, &o, argc, argv);
	log_init(c.prog, 1, LOG_NOTICE);
	log_adjust(c.verbosity);
	signal(SIGPIPE, SIG_IGN);
	/* -s is a letter getopt(3) saw in cli_daemon_init(). */
	if (m.status && (m.dry_run || m.once || m.flush))
		usage_error(prog, "-s asks a running daemon: no --dry-run, --once or --flush");
	if (m.json && !m.status)
		usage_error(prog, "--json goes with -s");

	routed_init(&d, &c);
	if (m.status) {
		rc = routed_ctl_client(d.control, m.json);
		routed_free(&d);
		cli_daemon_free(&c);
		return rc;
	}
	d.dry_run = m.dry_run;
	rc = 1;
	if (routed_load(&d, &c) < 0)
		goto out;
	if ((r = nl_open(NETLINK_ROUTE, 0, &d.nl)) < 0) {
		log_err("cannot open a netlink socket: %s", strerror(-r));
		goto out;
	}
	if ((r = rt_kernel_links(d.nl, &d.links)) < 0) {
		log_err("cannot read the interfaces: %s", strerror(-r));
		goto out;
	}
	if (!m.flush && routed_check_links(&d, d.conf, d.cfg) > 0)
		goto out;
	if (m.dry_run || m.once || m.flush)
		rc = run_once(&d, &m);
	else
		rc = routed_daemon_run(&d, &c, m.pidfile);
out:
	routed_free(&d);
	cli_daemon_free(&c);
	return rc;
}
