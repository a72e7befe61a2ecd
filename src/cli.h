/* cli.h: the command line every Outpost tool shares.
 *
 * Daemons take -f FILE, -n (check the config), -nv (check and print it),
 * -d (foreground), -v/-q (more/less logging), -h and -V; cli_daemon_init()
 * parses all of that, and cli_daemon_main() is the whole main() around a
 * daemon's own steps. Ad hoc tools take --config FILE and otherwise read
 * the default file only when it exists; CLI_CONFIG_LONGOPT and
 * cli_tool_config() give them that. These helpers are the tool layer:
 * they print to stdout/stderr and may exit. */
#ifndef OUTPOST_CLI_H
#define OUTPOST_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "conf.h"

struct loop;

#define CLI_DEFAULT_CONFIG SYSCONFDIR "/outpost/outpost.conf"

/* getopt_long value of --config, out of the range of option letters. */
#define CLI_OPT_CONFIG 0x4300
#define CLI_CONFIG_LONGOPT { "config", required_argument, NULL, CLI_OPT_CONFIG }

struct cli_daemon_opts {
	const char *synopsis;     /* after "usage: prog "; NULL: the common options */
	const char *extra_opts;   /* the daemon's own getopt letters, e.g. "p:" */
	/* Handle one of them: 0, or -1 for a usage error. */
	int (*extra)(int opt, const char *arg, void *ctx);
	void *ctx;
	const struct conf_opts *conf_opts;  /* NULL: conf_schema_libop ([node] only) */
	/* Under -n, after the schema passed: the daemon's checks that need
	 * more than the file (reading the password file, ...), printing
	 * what it refuses to stderr; 0 or -1. NULL: none. */
	int (*check)(const struct conf *conf, void *ctx);
};

struct cli_daemon {
	const char *prog;         /* basename of argv[0] */
	const char *config_path;  /* -f, or CLI_DEFAULT_CONFIG */
	bool foreground;          /* -d */
	int verbosity;            /* +1 per -v, -1 per -q: pass to log_adjust() */
	struct conf *conf;        /* the loaded config */
	/* Under cli_daemon_main() only: */
	const char *pidfile;      /* -p, or the default in the background; NULL: none */
	struct loop *loop;        /* the daemon's loop, freed after its teardown */
};

/* Parse a daemon's argv and load its config. Exits 0 after -h or -V, 2
 * on a usage error, 0/1 after -n (running o->check, and printing the
 * canonical config with -nv), and 1 when the config has errors (printed
 * to stderr). Otherwise
 * returns 0 with d filled; release it with cli_daemon_free(). */
int cli_daemon_init(struct cli_daemon *d, const struct cli_daemon_opts *o, int argc,
		    char **argv);

/* Free what cli_daemon_init() loaded; NULL-safe. */
void cli_daemon_free(struct cli_daemon *d);

/* Go to the background unless -d (logging to syslog from then on), then
 * write pidfile when one is given (NULL: none). Logs what failed and
 * returns -1, else 0. */
int cli_daemon_start(const struct cli_daemon *d, const char *pidfile);

/* Drop root to user keeping the capabilities keep[0..n), each made
 * effective for the rest of the process (the daemons use them at every
 * socket or netlink send). Nothing to do unless running as root. Logs
 * what failed and returns -1, else 0. */
int cli_daemon_drop(const char *user, const cap_value_t *keep, size_t n);

/* For a daemon that writes events: open the spool folder dir with
 * [node] spool-max, id and region of conf. As root, first hand the folder
 * to uid:gid (the daemon's [node] user, named user in messages) the way
 * every daemon does, whichever of them starts first, and open it as that
 * owner. Logs what failed and returns -1, else 0 with *out set. */
struct spool;
int cli_daemon_spool(const struct conf *conf, const char *dir, const char *user, uid_t uid,
		     gid_t gid, struct spool **out);

/* A daemon's own part of cli_daemon_main(): its defaults and the steps
 * only it knows, each called with ctx, the daemon's state. The common
 * options (-dfhnpqVv) and their handling, logging, detaching, the
 * pidfile, signals and the loop are cli_daemon_main()'s. */
struct cli_daemon_def {
	const char *pidfile;       /* written when in the background and no -p */
	const struct conf_opts *conf_opts;  /* the schema; NULL: [node] only */
	/* -n: the daemon's checks beyond the schema (cli_daemon_opts.check). */
	int (*check)(const struct conf *conf, void *ctx);
	/* Before detaching, as root when started so: read the settings, open
	 * what needs root. c->loop exists. 0, or -1 after logging why. */
	int (*setup)(void *ctx, const struct cli_daemon *c);
	/* Detached and the pidfile written: drop root, open what the user
	 * opens. 0 or -1. NULL: nothing. */
	int (*enter)(void *ctx, const struct cli_daemon *c);
	/* Signals handled, just before the loop runs: 0 or -1. NULL: nothing. */
	int (*ready)(void *ctx);
	/* SIGHUP. A bad file must change nothing (cli_daemon_reload_conf). */
	void (*reload)(void *ctx);
	/* SIGTERM or SIGINT, after "SIG: stopping" is logged: wind down and
	 * end the loop. NULL: loop_stop(). */
	void (*stop)(void *ctx, struct loop *l);
	/* The loop ended without error: log the totals. NULL: nothing. */
	void (*stopped)(void *ctx);
	/* Always, last, before the loop is freed: free everything of ctx. */
	void (*teardown)(void *ctx);
	const char *stop_note;     /* appended to "SIG: stopping"; NULL: none */
};

/* A daemon's whole main(): parse argv and load the config as
 * cli_daemon_init() does (with -p pidfile), set up logging, ignore
 * SIGPIPE, make the loop, then setup, detach (cli_daemon_start), enter,
 * cli_daemon_serve(), teardown, and remove the pidfile. Returns the exit
 * status: 0, or 1 when a step failed. */
int cli_daemon_main(const struct cli_daemon_def *def, void *ctx, int argc, char **argv);

/* The running part of cli_daemon_main(), for a daemon with a main() of
 * its own: handle SIGTERM, SIGINT and SIGHUP on l with def's stop and
 * reload, call def->ready, run l, then def->stopped. 0, or 1 when a
 * step or the loop failed (logged). */
int cli_daemon_serve(struct loop *l, const struct cli_daemon_def *def, void *ctx);

/* Look up [node] user before setting up for it; logs what is wrong
 * ("user 'x' does not exist: ...") and returns -1, else 0. */
int cli_daemon_user(const char *user, uid_t *uid, gid_t *gid);

/* -n, as root: whether [node] user of conf (given as user) exists;
 * prints "FILE:LINE: [node] user: cannot look up ..." to stderr and
 * returns -1 when not. Not root: 0, as the daemon will not switch. */
int cli_check_user(const struct conf *conf, const char *user);

/* SIGHUP: load path again. On errors logs "reload: PATH has errors;
 * keeping the running configuration" and each diagnostic, and returns
 * -1 (nothing to free); else 0 with *out to conf_free(). */
int cli_daemon_reload_conf(const char *path, const struct conf_opts *opts, struct conf **out);

/* For ad hoc tools: load path (from --config), or when path is NULL the
 * default file if it exists and otherwise a config holding only defaults.
 * Prints diagnostics to stderr. Returns 0 with *confp set, or -1. */
int cli_tool_config(const char *path, const struct conf_opts *opts, struct conf **confp);

/* For ad hoc tools that record events (--publish): open [node] spool of
 * conf with its spool-max, id and region; as root, one owned by [node]
 * user is accepted. Prints "prog: spool DIR: why" to stderr and returns
 * -1 when refused, else 0 with *out set. */
int cli_tool_spool(const char *prog, const struct conf *conf, struct spool **out);

/* Print every diagnostic of conf, one per line. */
void cli_print_diags(const struct conf *conf, FILE *fp);

/* The last component of argv[0], for messages. */
const char *cli_progname(const char *argv0);

#endif
