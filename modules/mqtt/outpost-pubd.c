/* outpost-pubd: deliver the event spool to an MQTT broker, losing nothing.
 *
 * Start-up order matters: as root, check the user, open and hand over the
 * spool, read the password, build the client (which reads the TLS files),
 * detach, write the pidfile; then drop to [node] user with no capability
 * at all, open the in-flight journal, put back what it holds, and only
 * then connect. See outpost-pubd(8). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "priv.h"
#include "pubd.h"

#define DEFAULT_PIDFILE RUNSTATEDIR "/outpost-pubd.pid"

/* The whole of outpost.conf, every subsystem's sections and validators. */
static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

/* The spool renumbered a file in new/ or moved it to bad/ while listing. */
static void spool_notice(void *arg, const char *text)
{
	(void)arg;
	log_warn("spool: %s", text);
}

/* Open the spool; a refusal is logged with what to fix. */
static int open_spool(const struct pubd_settings *s, struct spool **out)
{
	char why[512] = "";
	struct spool_opts so = {
		.dir = s->spool, .max_bytes = s->spool_max, .node = s->id, .region = s->region,
		.notice = spool_notice, .why = why, .whylen = sizeof(why),
	};
	uid_t uid;
	gid_t gid;
	int r;

	/* As root, a spool owned by anyone but the daemon's user is refused. */
	if (geteuid() == 0 && priv_user_ids(s->user, &uid, &gid) == 0)
		so.owner = uid;
	r = spool_open(out, &so);
	if (r < 0)
		log_err("cannot open the spool %s: %s", s->spool, why[0] ? why : strerror(-r));
	return r;
}

/* -n: what setup() refuses beyond the schema's checks, which need more than
 * the file: the password file, and (as root) the user to switch to. */
static int check_settings(const struct conf *conf, void *ctx)
{
	struct pubd_settings s;
	char why[512];
	int r;

	(void)ctx;
	if (pubd_settings_load(&s, conf, NULL, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	r = cli_check_user(conf, s.user);
	pubd_settings_free(&s);
	return r;
}

/* A reload changed [node] spool or user: that needs a restart. */
static void keep_restart_only(struct pubd_settings *ns, const struct pubd_settings *old)
{
	char *t;

	if (strcmp(ns->spool, old->spool) != 0 && (t = strdup(old->spool)) != NULL) {
		log_warn("reload: [node] spool changes to %s at the next restart; still delivering %s",
		    ns->spool, old->spool);
		free(ns->spool);
		ns->spool = t;
	}
	if (strcmp(ns->user, old->user) != 0)
		log_warn("reload: [node] user changes to '%s' at the next restart", ns->user);
}

/* SIGHUP: load the file again; a bad one changes nothing. */
static void reload(void *ctx)
{
	struct pubd *p = ctx;
	struct pubd_settings ns, old;
	const char *why_pub = "";
	struct spool *nsp = NULL;
	struct conf *conf;
	char why[512];
	int r;

	if (cli_daemon_reload_conf(p->config_path, &conf_opts, &conf) < 0)
		return;
	r = pubd_settings_load(&ns, conf, &p->set, why, sizeof(why));
	conf_free(conf);
	if (r < 0) {
		log_err("reload: %s: %s; keeping the running configuration", p->config_path, why);
		return;
	}
	keep_restart_only(&ns, &p->set);
	if (strcmp(ns.id, p->set.id) != 0 || ns.spool_max != p->set.spool_max ||
	    (ns.region == NULL) != (p->set.region == NULL) ||
	    (ns.region && strcmp(ns.region, p->set.region) != 0)) {
		r = open_spool(&ns, &nsp);
		if (r < 0) {
			log_err("reload: keeping the running configuration");
			pubd_settings_free(&ns);
			return;
		}
	}
	old = p->set;
	p->set = ns;
	if (pubd_settings_client_differs(&old, &p->set) && pubd_client_rebuild(p) < 0) {
		log_err("reload: keeping the running configuration");
		p->set = old;
		spool_close(nsp);
		pubd_settings_free(&ns);
		return;
	}
	/* The old status topic would say "online" for ever. */
	if (strcmp(old.status_topic, p->set.status_topic) != 0 &&
	    mqtt_client_publish(p->client, old.status_topic, "offline", 7, 1, true,
	    &pubd_status_online, &why_pub) < 0)
		log_warn("reload: cannot mark %s offline", old.status_topic);
	if (nsp) {
		spool_close(p->spool);
		p->spool = nsp;
	}
	p->held_max = p->set.inflight + 64;
	p->journal.prealloc = p->set.qos == 2;
	if (old.heartbeat_ms != p->set.heartbeat_ms)
		pubd_heartbeat_arm(p);
	pubd_settings_free(&old);
	log_notice("reloaded %s: broker %s, topics %s/..., QoS %u", p->config_path,
	    p->set.url, p->set.prefix, p->set.qos);
	pubd_drain_fill(p);
}

/* SIGTERM, SIGINT: the client says goodbye, then stops the loop. */
static void stop(void *ctx, struct loop *l)
{
	struct pubd *p = ctx;

	if (p->hb_timer)
		loop_timer_cancel(l, p->hb_timer);
	p->hb_timer = 0;
	pubd_client_shutdown(p);
}

/* Everything that needs root, before dropping it. */
static int setup_root(struct pubd *p)
{
	const char *what;
	uid_t uid;
	gid_t gid;
	int r;

	if (cli_daemon_user(p->set.user, &uid, &gid) < 0)
		return -1;
	r = spool_setup(p->set.spool, uid, gid, &what);
	if (r < 0) {
		log_err("cannot prepare the spool %s for user '%s' (%s): %s", p->set.spool,
		    p->set.user, what, strerror(-r));
		return -1;
	}
	return 0;
}

/* Before detaching: the settings, the spool handed over, the client. */
static int setup(void *ctx, const struct cli_daemon *d)
{
	struct pubd *p = ctx;
	char why[512];

	p->prog = d->prog;
	p->config_path = d->config_path;
	p->loop = d->loop;
	if (pubd_settings_load(&p->set, d->conf, NULL, why, sizeof(why)) < 0) {
		log_err("%s", why);
		return -1;
	}
	if (open_spool(&p->set, &p->spool) < 0)
		return -1;
	if (geteuid() == 0 && setup_root(p) < 0)
		return -1;
	return pubd_client_create(p, &p->client) < 0 ? -1 : 0;
}

/* Detached: [node] user with no capability, the journal put back. */
static int enter(void *ctx, const struct cli_daemon *d)
{
	struct pubd *p = ctx;
	struct pubd_replay rp;
	int r;

	(void)d;
	if (cli_daemon_drop(p->set.user, NULL, 0) < 0)
		return -1;
	/* At QoS 0 and 1 the journal only holds what an earlier QoS 2 run
	 * left in flight: no room is reserved for it. */
	r = pubd_journal_open(&p->journal, p->set.spool, p->set.qos == 2, &rp);
	if (r < 0) {
		log_err("in-flight journal %s/pubd.inflight: %s", p->set.spool,
		    r == -EBUSY ? "another outpost-pubd delivers this spool" :
		    r == -EINVAL ? "not a regular file (a link, FIFO or folder?): remove it" :
		    strerror(-r));
		return -1;
	}
	r = pubd_drain_restore(p, &rp);
	pubd_replay_free(&rp);
	if (r < 0 || pubd_drain_init(p) < 0)
		return -1;
	return 0;
}

static int ready(void *ctx)
{
	struct pubd *p = ctx;

	p->started_ms = loop_now_ms();
	pubd_heartbeat_arm(p);
	log_notice("delivering %s to %s on %s/..., QoS %u", p->set.spool, p->set.url,
	    p->set.prefix, p->set.qos);
	pubd_client_start(p);
	pubd_drain_fill(p);
	return 0;
}

static void stopped(void *ctx)
{
	const struct pubd *p = ctx;

	log_notice("stopped; %llu event(s) delivered", (unsigned long long)p->delivered);
}

static void teardown(void *ctx)
{
	struct pubd *p = ctx;

	if (p->loop)
		pubd_drain_free(p);
	mqtt_client_free(p->client);
	pubd_journal_close(&p->journal);
	spool_close(p->spool);
	pubd_settings_free(&p->set);
}

int main(int argc, char **argv)
{
	static const struct cli_daemon_def def = {
		.pidfile = DEFAULT_PIDFILE, .conf_opts = &conf_opts, .check = check_settings,
		.setup = setup, .enter = enter, .ready = ready, .reload = reload,
		.stop = stop, .stopped = stopped, .teardown = teardown,
	};
	struct pubd p;

	memset(&p, 0, sizeof(p));
	TAILQ_INIT(&p.held);
	p.inotify_fd = -1;
	p.journal.fd = p.journal.dirfd = -1;
	return cli_daemon_main(&def, &p, argc, argv);
}
