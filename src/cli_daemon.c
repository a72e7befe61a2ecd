/* cli_daemon.c: the main() every Outpost daemon shares.
 *
 * Each daemon brings its steps (struct cli_daemon_def); the order around
 * them is the same for all: options and config, logging, the loop, what
 * needs root, detach and pidfile, dropping root, signals, the loop, and
 * the teardown. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "priv.h"

struct serve {
	const struct cli_daemon_def *def;
	void *ctx;
	const char *pidfile;	/* -p */
};

static int pidfile_opt(int opt, const char *arg, void *ctx)
{
	struct serve *s = ctx;

	if (opt != 'p')
		return -1;
	s->pidfile = arg;
	return 0;
}

static int check(const struct conf *conf, void *ctx)
{
	const struct serve *s = ctx;

	return s->def->check ? s->def->check(conf, s->ctx) : 0;
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	const struct serve *s = arg;

	if (signo == SIGHUP) {
		if (s->def->reload)
			s->def->reload(s->ctx);
		return;
	}
	log_notice("%s: stopping%s", strsignal(signo), s->def->stop_note ? s->def->stop_note : "");
	if (s->def->stop)
		s->def->stop(s->ctx, l);
	else
		loop_stop(l);
}

int cli_daemon_serve(struct loop *l, const struct cli_daemon_def *def, void *ctx)
{
	/* The loop keeps arg until it is freed: static, one daemon a process. */
	static struct serve s;
	int r;

	s.def = def;
	s.ctx = ctx;
	if (loop_signal_add(l, SIGTERM, on_signal, &s) < 0 ||
	    loop_signal_add(l, SIGINT, on_signal, &s) < 0 ||
	    loop_signal_add(l, SIGHUP, on_signal, &s) < 0) {
		log_err("cannot handle signals");
		return 1;
	}
	if (def->ready && def->ready(ctx) < 0)
		return 1;
	if ((r = loop_run(l)) < 0) {
		log_err("event loop: %s", strerror(-r));
		return 1;
	}
	if (def->stopped)
		def->stopped(ctx);
	return 0;
}

static int run(const struct cli_daemon_def *def, void *ctx, const struct cli_daemon *c)
{
	if (def->setup && def->setup(ctx, c) < 0)
		return 1;
	if (cli_daemon_start(c, c->pidfile) < 0)
		return 1;
	if (def->enter && def->enter(ctx, c) < 0)
		return 1;
	return cli_daemon_serve(c->loop, def, ctx);
}

int cli_daemon_main(const struct cli_daemon_def *def, void *ctx, int argc, char **argv)
{
	struct serve s = { .def = def, .ctx = ctx };
	struct cli_daemon_opts o = {
		.synopsis = "[-dhnqVv] [-f file] [-p pidfile]",
		.extra_opts = "p:",
		.extra = pidfile_opt,
		.ctx = &s,
		.conf_opts = def->conf_opts,
		.check = check,
	};
	struct cli_daemon c;
	int r, rc = 1;

	cli_daemon_init(&c, &o, argc, argv);
	log_init(c.prog, 1, LOG_NOTICE);
	log_adjust(c.verbosity);
	signal(SIGPIPE, SIG_IGN);
	/* In the background a pidfile is always written; in the foreground
	 * (systemd) only when asked. */
	c.pidfile = s.pidfile ? s.pidfile : c.foreground ? NULL : def->pidfile;
	if ((r = loop_new(&c.loop)) < 0)
		log_err("cannot create the event loop: %s", strerror(-r));
	else
		rc = run(def, ctx, &c);
	if (def->teardown)
		def->teardown(ctx);
	loop_free(c.loop);
	/* After dropping root the pidfile's folder may not be writable: a
	 * file left behind is unlocked, so it reads as stale. */
	if (c.pidfile)
		daemon_pidfile_remove(c.pidfile);
	cli_daemon_free(&c);
	return rc;
}

int cli_daemon_user(const char *user, uid_t *uid, gid_t *gid)
{
	int r = priv_user_ids(user, uid, gid);

	if (r == -ESRCH)
		log_err("user '%s' does not exist: create it or set [node] user", user);
	else if (r < 0)
		log_err("cannot look up user '%s': %s", user, strerror(-r));
	return r < 0 ? -1 : 0;
}

int cli_check_user(const struct conf *conf, const char *user)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	uid_t uid;
	gid_t gid;
	int r;

	if (!user || geteuid() != 0 || (r = priv_user_ids(user, &uid, &gid)) == 0)
		return 0;
	if (conf_key_file(node, "user"))
		fprintf(stderr, "%s:%u: ", conf_key_file(node, "user"), conf_key_line(node, "user"));
	fprintf(stderr, "[node] user: cannot look up '%s': %s\n", user,
	    r == -ESRCH ? "no such user" : strerror(-r));
	return -1;
}

int cli_daemon_reload_conf(const char *path, const struct conf_opts *opts, struct conf **out)
{
	struct conf *conf = NULL;

	*out = NULL;
	if (conf_load(path, opts, &conf) < 0) {
		log_err("reload: %s has errors; keeping the running configuration", path);
		for (size_t i = 0; conf && i < conf_diag_count(conf); i++)
			log_err("%s", conf_diag(conf, i));
		conf_free(conf);
		return -1;
	}
	*out = conf;
	return 0;
}
