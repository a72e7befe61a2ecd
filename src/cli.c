/* cli.c: the option conventions shared by every Outpost tool. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "priv.h"
#include "spool.h"
#include "version.h"

/* The last component of argv[0]. */
const char *cli_progname(const char *argv0)
{
	const char *s;

	if (!argv0 || !*argv0)
		return "outpost";
	s = strrchr(argv0, '/');
	return s ? s + 1 : argv0;
}

/* Print every diagnostic of conf. */
void cli_print_diags(const struct conf *conf, FILE *fp)
{
	size_t i;

	for (i = 0; i < conf_diag_count(conf); i++)
		fprintf(fp, "%s\n", conf_diag(conf, i));
}

static void daemon_usage(const struct cli_daemon *d, const struct cli_daemon_opts *o, FILE *fp)
{
	fprintf(fp, "usage: %s %s\n", d->prog,
		o && o->synopsis ? o->synopsis : "[-dhnqVv] [-f file]");
}

/* Parse a daemon's argv and load its config. */
int cli_daemon_init(struct cli_daemon *d, const struct cli_daemon_opts *o, int argc,
		    char **argv)
{
	char optstring[64] = "df:hnqVv";
	bool check = false;
	int c, r;

	memset(d, 0, sizeof(*d));
	d->prog = cli_progname(argc > 0 ? argv[0] : NULL);
	d->config_path = CLI_DEFAULT_CONFIG;
	if (o && o->extra_opts)
		strncat(optstring, o->extra_opts, sizeof(optstring) - strlen(optstring) - 1);
	optind = 1;
	while ((c = getopt(argc, argv, optstring)) != -1) {
		switch (c) {
		case 'd':
			d->foreground = true;
			break;
		case 'f':
			d->config_path = optarg;
			break;
		case 'h':
			daemon_usage(d, o, stdout);
			exit(0);
		case 'n':
			check = true;
			break;
		case 'q':
			d->verbosity--;
			break;
		case 'V':
			printf("%s\n", op_version());
			exit(0);
		case 'v':
			d->verbosity++;
			break;
		default:
			if (c != '?' && o && o->extra && o->extra(c, optarg, o->ctx) == 0)
				break;
			daemon_usage(d, o, stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", d->prog, argv[optind]);
		daemon_usage(d, o, stderr);
		exit(2);
	}
	r = conf_load(d->config_path, o ? o->conf_opts : NULL, &d->conf);
	if (r == -ENOMEM) {
		fprintf(stderr, "%s: %s\n", d->prog, strerror(ENOMEM));
		exit(1);
	}
	cli_print_diags(d->conf, stderr);
	if (check) {
		if (r == 0 && o && o->check && o->check(d->conf, o->ctx) < 0)
			r = -EINVAL;
		if (r == 0 && d->verbosity > 0)
			r = conf_print(d->conf, stdout);
		conf_free(d->conf);
		exit(r == 0 ? 0 : 1);
	}
	if (r < 0) {
		conf_free(d->conf);
		exit(1);
	}
	return 0;
}

/* Free what cli_daemon_init() loaded. */
void cli_daemon_free(struct cli_daemon *d)
{
	if (!d)
		return;
	conf_free(d->conf);
	d->conf = NULL;
}

/* Load an ad hoc tool's config. */
int cli_tool_config(const char *path, const struct conf_opts *opts, struct conf **confp)
{
	int r;

	*confp = NULL;
	if (!path && access(CLI_DEFAULT_CONFIG, F_OK) < 0 && errno == ENOENT)
		r = conf_load_buffer(CLI_DEFAULT_CONFIG, "", 0, opts, confp);
	else
		r = conf_load(path ? path : CLI_DEFAULT_CONFIG, opts, confp);
	if (r == -ENOMEM) {
		fprintf(stderr, "%s\n", strerror(ENOMEM));
		return -1;
	}
	cli_print_diags(*confp, stderr);
	if (r < 0) {
		conf_free(*confp);
		*confp = NULL;
		return -1;
	}
	return 0;
}

int cli_tool_spool(const char *prog, const struct conf *conf, struct spool **out)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	char why[256] = "";
	struct spool_opts so = {
		.dir = conf_get_str(node, "spool"),
		.max_bytes = conf_get_size(node, "spool-max"),
		.node = conf_get_str(node, "id"),
		.region = conf_get_str(node, "region"),
		.why = why, .whylen = sizeof(why),
	};
	uid_t uid;
	gid_t gid;
	int r;

	/* As root, as outpost-pub does: the spool is [node] user's or nobody's. */
	if (geteuid() == 0 && priv_user_ids(conf_get_str(node, "user"), &uid, &gid) == 0)
		so.owner = uid;
	if ((r = spool_open(out, &so)) < 0) {
		fprintf(stderr, "%s: spool %s: %s\n", prog, so.dir, why[0] ? why : strerror(-r));
		return -1;
	}
	return 0;
}

int cli_daemon_start(const struct cli_daemon *d, const char *pidfile)
{
	int r;

	if (!d->foreground) {
		if ((r = daemon_detach()) < 0) {
			log_err("cannot detach: %s", strerror(-r));
			return -1;
		}
		log_init(d->prog, 0, LOG_NOTICE);
		log_adjust(d->verbosity);
	}
	if (pidfile && (r = daemon_pidfile_write(pidfile)) < 0) {
		if (r == -EBUSY)
			log_err("pidfile %s: another %s is running", pidfile, d->prog);
		else
			log_err("pidfile %s: %s", pidfile, strerror(-r));
		return -1;
	}
	return 0;
}

int cli_daemon_spool(const struct conf *conf, const char *dir, const char *user, uid_t uid,
		     gid_t gid, struct spool **out)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	char why[512] = "";
	struct spool_opts so = {
		.dir = dir, .max_bytes = conf_get_size(node, "spool-max"),
		.node = conf_get_str(node, "id"), .region = conf_get_str(node, "region"),
		.why = why, .whylen = sizeof(why),
	};
	const char *what;
	int r;

	if (geteuid() == 0) {
		r = spool_setup(dir, uid, gid, &what);
		if (r < 0) {
			log_err("cannot prepare the spool %s for user '%s' (%s): %s", dir, user, what,
			    strerror(-r));
			return -1;
		}
		so.owner = uid;
	}
	r = spool_open(out, &so);
	if (r < 0)
		log_err("cannot open the spool %s: %s", dir, why[0] ? why : strerror(-r));
	return r < 0 ? -1 : 0;
}

int cli_daemon_drop(const char *user, const cap_value_t *keep, size_t n)
{
	int r;

	if (geteuid() != 0)
		return 0;
	if ((r = priv_drop(user, keep, n)) < 0) {
		log_err("cannot switch to user '%s': %s", user, strerror(-r));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((r = priv_raise(keep[i])) < 0) {
			log_err("cannot raise %s: %s", priv_cap_name(keep[i]), strerror(-r));
			return -1;
		}
	return 0;
}
