/* outpost-p2pd: distribute packages to the devices of a region over
 * BitTorrent, keeping transfers across restarts, driven by outpost-p2p
 * add|list|remove|status through the control socket, reporting device
 * events.
 *
 * Start-up order: as root, look up [node] user, make the data folder
 * and the spool theirs, apply the region's caps when [p2p] shape = yes,
 * listen for peers (and join LSD), open the control socket, detach;
 * then drop to the user keeping CAP_NET_ADMIN only when shaping (a
 * SIGHUP applies the caps again), and only then read the data folder
 * and resume the transfers. See outpost-p2pd(8). (owner: region) */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "p2pd.h"
#include "shape_kernel.h"

#define DEFAULT_PIDFILE RUNSTATEDIR "/outpost-p2pd.pid"
#define TICK_MS 1000

static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

/* -n: what setup() refuses beyond the schema: the user to switch to. */
static int check_settings(const struct conf *conf, void *ctx)
{
	struct p2pd_settings s;
	char why[512];
	int r;

	(void)ctx;
	if (p2pd_settings_load(&s, conf, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	r = cli_check_user(conf, s.user);
	p2pd_settings_free(&s);
	return r;
}

/* What the kernel can shape with, probed by the first apply (as root). */
static struct shape_caps kernel_caps;

/* The kernel took a change but had something to say about it. */
static void shape_warned(const struct shape_op *op, const char *text, void *arg)
{
	char cmd[512];

	(void)arg;
	shape_op_format(op, cmd, sizeof(cmd));
	log_warn("shape: %s: the kernel says: %s", cmd, text);
}

/* [p2p] shape = yes: the caps of every [region] in the kernel, without
 * waiting on another apply (the loop must not block). */
static int apply_shaping(const struct conf *conf)
{
	struct shape_apply_opts o = {
		.lock_wait_ms = 0, .caps = &kernel_caps, .warned = shape_warned,
	};
	struct shape_config cfg;
	struct shape_result res;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = shape_config_from_conf(conf, &cfg)) < 0) {
		log_err("shape: cannot build the regions' caps: %s", strerror(-r));
		return -1;
	}
	r = shape_apply(&cfg, &o, &res);
	shape_config_free(&cfg);
	if (res.caps.probed)
		kernel_caps = res.caps;
	if (r == -EBUSY) {
		log_warn("shape: another apply is running; the caps stay as they are");
		return 0;
	}
	if (r < 0) {
		log_err("shape: %s", res.why[0] ? res.why : strerror(-r));
		return -1;
	}
	log_notice("shape: the region's caps are in place (%zu change(s))", res.tc_changes);
	return 0;
}

static void on_tick(struct loop *l, void *arg)
{
	struct p2pd *d = arg;

	d->tick_timer = loop_timer_add(l, TICK_MS, on_tick, d);
	p2pd_xfers_tick(d);
}

/* The SIGHUP hook (cli_daemon_def.reload): p2pd_reload takes what can
 * change while running; with shape = yes the region's caps go in again. */
static void reload(void *ctx)
{
	struct p2pd *d = ctx;
	struct conf *conf = NULL;

	if (cli_daemon_reload_conf(d->config_path, &conf_opts, &conf) < 0)
		return;
	if (p2pd_reload(d, conf) == 0 && d->set.shape)
		(void)apply_shaping(conf);
	conf_free(conf);
}

static int setup_root(struct p2pd *d, const struct conf *conf, uid_t *uid, gid_t *gid)
{
	const char *what;
	int r;

	if (cli_daemon_user(d->set.user, uid, gid) < 0)
		return -1;
	if ((r = p2pd_dir_setup(d->set.data_dir, *uid, *gid, &what)) < 0) {
		log_err("cannot prepare the data folder %s for user '%s': %s", what, d->set.user,
		    r == -ELOOP ? "it is a symbolic link" : strerror(-r));
		return -1;
	}
	if (d->set.shape && apply_shaping(conf) < 0)
		return -1;
	return 0;
}

static int open_engine(struct p2pd *d, uid_t uid)
{
	struct p2p_ctx_opts o;
	char why[512] = "";
	int r;

	memset(&o, 0, sizeof(o));
	o.listen_port = d->set.port;
	o.listen_addr = d->set.bind[0] ? d->set.bind : NULL;
	o.lsd = d->set.lsd;
	o.max_conns = d->set.max_conns;
	o.global.up_rate = d->set.up_rate;
	o.global.down_rate = d->set.down_rate;
	o.ca_file = d->set.ca_file[0] ? d->set.ca_file : NULL;
	o.client = "Outpost/" PACKAGE_VERSION;
	/* a [region]'s peer-port tells P2P traffic by our port, both ways */
	o.share_port = true;
	o.sock_uid = uid;
	if ((r = resolver_new(d->loop, NULL, &d->res)) < 0) {
		log_err("cannot start the resolver: %s", strerror(-r));
		return -1;
	}
	if ((r = p2p_ctx_new(d->loop, d->res, &o, &d->ctx, why, sizeof(why))) < 0) {
		log_err("%s", why[0] ? why : strerror(-r));
		return -1;
	}
	return 0;
}

/* Before detaching, as root: the data folder and the spool handed to
 * [node] user, the caps, the peers' port, the control socket. */
static int setup(void *ctx, const struct cli_daemon *c)
{
	struct p2pd *d = ctx;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char why[512];

	d->prog = c->prog;
	d->config_path = c->config_path;
	d->loop = c->loop;
	if (p2pd_settings_load(&d->set, c->conf, why, sizeof(why)) < 0) {
		log_err("%s", why);
		return -1;
	}
	if (geteuid() == 0 && setup_root(d, c->conf, &uid, &gid) < 0)
		return -1;
	if (d->set.spool[0] &&
	    cli_daemon_spool(c->conf, d->set.spool, d->set.user, uid, gid, &d->spool) < 0)
		return -1;
	if (open_engine(d, uid) < 0 || p2pd_ctl_open(d, uid, gid) < 0)
		return -1;
	return 0;
}

/* Detached: drop to [node] user (CAP_NET_ADMIN only when shaping), then
 * open the data folder as that user. */
static int enter(void *ctx, const struct cli_daemon *c)
{
	const cap_value_t admin[] = { CAP_NET_ADMIN };
	struct p2pd *d = ctx;
	char why[512];

	d->daemon = !c->foreground;
	if (cli_daemon_drop(d->set.user, admin, d->set.shape ? 1 : 0) < 0)
		return -1;
	umask(0027);
	if (p2pd_dir_open(d, why, sizeof(why)) < 0) {
		log_err("%s", why);
		return -1;
	}
	return 0;
}

/* Signals handled: resume the transfers and tick. */
static int ready(void *ctx)
{
	struct p2pd *d = ctx;
	int r;

	d->started_ms = loop_now_ms();
	if ((r = p2pd_xfers_load(d)) < 0)
		log_warn("%s/%s: %s", d->set.data_dir, P2PD_DIR_TORRENTS, strerror(-r));
	d->tick_timer = loop_timer_add(d->loop, TICK_MS, on_tick, d);
	log_notice("node %s%s%s: peers on port %u, control socket %s, %s", d->set.id,
	    d->set.region[0] ? " of region " : "", d->set.region, p2p_ctx_port(d->ctx),
	    d->set.control, d->set.data_dir);
	return 0;
}

static void teardown(void *ctx)
{
	struct p2pd *d = ctx;

	p2pd_ctl_close(d);
	p2pd_fetches_free(d);
	p2pd_xfers_free(d);
	p2p_ctx_free(d->ctx);
	resolver_free(d->res);
	if (d->loop && d->tick_timer)
		loop_timer_cancel(d->loop, d->tick_timer);
	p2pd_dir_close(d);
	spool_close(d->spool);
	p2pd_settings_free(&d->set);
}

int main(int argc, char **argv)
{
	static const struct cli_daemon_def def = {
		.pidfile = DEFAULT_PIDFILE, .conf_opts = &conf_opts, .check = check_settings,
		.setup = setup, .enter = enter, .ready = ready, .teardown = teardown,
		.reload = reload,	/* the SIGHUP hook */
	};
	struct p2pd d;

	memset(&d, 0, sizeof(d));
	d.dirfd = d.torrents_fd = d.content_fd = d.incoming_fd = -1;
	return cli_daemon_main(&def, &d, argc, argv);
}
