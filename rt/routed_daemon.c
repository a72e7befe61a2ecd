/* routed_daemon.c: outpost-routed as a daemon: start-up, privileges,
 * signals, reload.
 *
 * Start-up order: as root, look up [node] user, hand the spool to it
 * (as outpost-probed and outpost-pubd do), open the netlink sockets,
 * the rt-tables/rt-protos files and the loop with its resolver, detach,
 * listen on the control socket; then drop to the user keeping
 * CAP_NET_ADMIN (rtnetlink checks it at every send, so it stays
 * effective) and CAP_NET_RAW when a line has a track (its probes bind to
 * the interface). SIGHUP reloads (a bad file changes nothing), SIGTERM
 * and SIGINT stop and leave the routing in place: a restart must not cut
 * traffic; --flush removes it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "priv.h"
#include "routed.h"

static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

/* The settings of [node] and [routing] the daemon itself reads. */
static void settings(struct routed *d, const struct conf *conf)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	const struct conf_section *rt = conf_section_get(conf, "routing", NULL);
	const char *s;

	s = conf_get_str(rt, "control");
	snprintf(d->control, sizeof(d->control), "%s", s ? s : RUNSTATEDIR "/outpost/routed.sock");
	s = conf_get_str(node, "user");
	snprintf(d->user, sizeof(d->user), "%s", s ? s : "outpost");
	s = conf_get_str(node, "spool");
	snprintf(d->spool_dir, sizeof(d->spool_dir), "%s", s ? s : "");
}

void routed_init(struct routed *d, const struct cli_daemon *c)
{
	memset(d, 0, sizeof(*d));
	d->prog = c->prog;
	d->config_path = c->config_path;
	rt_links_init(&d->links);
	rt_set_init(&d->have);
	rt_set_init(&d->want);
	rt_set_init(&d->prev);
	rt_diff_init(&d->diff);
	routed_files_init(d);
	settings(d, c->conf);
}

int routed_load(struct routed *d, struct cli_daemon *c)
{
	int r;

	d->conf = c->conf;
	c->conf = NULL;		/* ours now: a reload replaces it */
	if ((r = rt_config_from_conf(d->conf, &d->cfg)) < 0) {
		log_err("cannot build the routing model: %s", strerror(-r));
		return -1;
	}
	return 0;
}

static void report_check(bool error, const char *msg, void *arg)
{
	const struct routed *d = arg;

	if (d->daemon)
		log_msg(error ? LOG_ERR : LOG_WARNING, "%s", msg);
	else
		fprintf(stderr, "%s%s\n", error ? "" : "warning: ", msg);
}

size_t routed_check_links(struct routed *d, const struct conf *conf, const struct rt_config *cfg)
{
	return rt_config_check_links(cfg, conf, &d->links, report_check, d);
}

void routed_free(struct routed *d)
{
	routed_ctl_close(d);
	routed_monitor_close(d);
	if (d->reconcile_timer && d->loop)
		loop_timer_cancel(d->loop, d->reconcile_timer);
	routed_fights_free(d);
	if (d->cfg)
		routed_lines_free(d->lines, d->cfg->nlines);
	d->lines = NULL;
	resolver_free(d->res);
	d->res = NULL;
	spool_close(d->spool);
	d->spool = NULL;
	nl_close(d->nl);
	d->nl = NULL;
	routed_files_close(d);
	loop_free(d->loop);
	d->loop = NULL;
	rt_links_free(&d->links);
	rt_set_free(&d->have);
	rt_set_free(&d->want);
	rt_set_free(&d->prev);
	routed_index_free(&d->want_idx);
	routed_index_free(&d->prev_idx);
	rt_set_free(&d->foreign);
	rt_set_free(&d->conflicts);
	rt_set_free(&d->conflicts_prev);
	routed_index_free(&d->foreign_idx);
	routed_index_free(&d->conflicts_idx);
	free(d->want_ok);
	free(d->prev_ok);
	d->want_ok = d->prev_ok = NULL;
	rt_diff_free(&d->diff);
	rt_config_free(d->cfg);
	d->cfg = NULL;
	conf_free(d->conf);
	d->conf = NULL;
}

static bool any_track(const struct rt_config *cfg)
{
	for (size_t i = 0; i < cfg->nlines; i++)
		if (cfg->lines[i].track.kind != RT_TRACK_NONE)
			return true;
	return false;
}

/* SIGHUP: read the file again; a bad one changes nothing. Lines whose
 * health settings did not change keep their tracker and state; the
 * reconcile applies only the difference. */
static void reload(void *ctx)
{
	struct routed *d = ctx;
	struct rt_config *cfg = NULL, *old = d->cfg;
	struct routed_line *oldl = d->lines;
	struct routed saved;
	struct conf *conf;
	int r;

	if (cli_daemon_reload_conf(d->config_path, &conf_opts, &conf) < 0)
		return;
	if ((r = rt_config_from_conf(conf, &cfg)) < 0) {
		log_err("reload: cannot build the routing model: %s; keeping the running "
		    "configuration", strerror(-r));
		conf_free(conf);
		return;
	}
	if (routed_check_links(d, conf, cfg) > 0) {
		log_err("reload: %s does not fit the interfaces; keeping the running "
		    "configuration", d->config_path);
		rt_config_free(cfg);
		conf_free(conf);
		return;
	}
	if (cfg->protocol != old->protocol) {
		log_warn("reload: [routing] protocol changes at the next restart (run "
		    "--flush first); still using %u", old->protocol);
		cfg->protocol = old->protocol;
	}
	memset(&saved, 0, sizeof(saved));
	settings(&saved, conf);
	if (strcmp(saved.control, d->control) || strcmp(saved.user, d->user) ||
	    strcmp(saved.spool_dir, d->spool_dir))
		log_warn("reload: [node] user and spool and [routing] control change at the "
		    "next restart");
	if (any_track(cfg) && !any_track(old) && geteuid() != 0 && priv_raise(CAP_NET_RAW) < 0)
		log_warn("reload: a line has a track now, but CAP_NET_RAW was dropped at start "
		    "(no line had one): restart outpost-routed for its probes");
	d->cfg = cfg;
	if (routed_lines_start(d, old, oldl, old->nlines) < 0) {
		/* Out of memory: back to the old configuration. */
		d->cfg = old;
		d->lines = oldl;
		rt_config_free(cfg);
		conf_free(conf);
		return;
	}
	routed_lines_free(oldl, old->nlines);
	rt_config_free(old);
	conf_free(d->conf);
	d->conf = conf;
	routed_files_write(d);
	log_notice("reloaded %s: %zu line(s)", d->config_path, cfg->nlines);
	routed_reconcile(d, "reload");
}

/* Drop to [node] user with CAP_NET_ADMIN, and CAP_NET_RAW for tracks,
 * both effective for good: every netlink send and every probe socket
 * needs them. */
static int drop_root(struct routed *d)
{
	cap_value_t keep[2] = { CAP_NET_ADMIN, CAP_NET_RAW };
	size_t n = any_track(d->cfg) ? 2 : 1;

	if (geteuid() != 0)
		return 0;
	if (cli_daemon_drop(d->user, keep, n) < 0)
		return -1;
	log_info("running as '%s' with cap_net_admin%s", d->user,
	    n == 2 ? " and cap_net_raw (a line has a track)" : "");
	return 0;
}

/* Signals handled: the lines' trackers, the monitor, a first round. */
static int ready(void *ctx)
{
	struct routed *d = ctx;

	if (routed_lines_start(d, NULL, NULL, 0) < 0 || routed_monitor_start(d) < 0)
		return -1;
	routed_reconcile(d, "start");
	log_notice("routing %zu line(s); control socket %s", d->cfg->nlines, d->control);
	return 0;
}

int routed_daemon_run(struct routed *d, const struct cli_daemon *c, const char *pidfile)
{
	static const struct cli_daemon_def def = {
		.ready = ready,
		.reload = reload,
		/* A restart must not cut traffic. */
		.stop_note = "; the routing stays in place (--flush removes it)",
	};
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int r;

	d->daemon = true;
	if (!c->foreground && !pidfile)
		pidfile = RUNSTATEDIR "/outpost-routed.pid";
	if (uid == 0 && cli_daemon_user(d->user, &uid, &gid) < 0)
		return 1;
	if (cli_daemon_spool(d->conf, d->spool_dir, d->user, uid, gid, &d->spool) < 0 ||
	    routed_monitor_open(d) < 0 ||
	    routed_files_open(d) < 0 || routed_files_write(d) < 0)
		return 1;
	if ((r = loop_new(&d->loop)) < 0 || (r = resolver_new(d->loop, NULL, &d->res)) < 0) {
		log_err("cannot create the event loop and resolver: %s", strerror(-r));
		return 1;
	}
	if (cli_daemon_start(c, pidfile) < 0)
		return 1;
	if (routed_ctl_open(d, uid, gid) < 0 || drop_root(d) < 0)
		return 1;
	r = cli_daemon_serve(d->loop, &def, d);
	if (pidfile)
		daemon_pidfile_remove(pidfile);
	return r;
}
