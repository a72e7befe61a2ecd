/* outpost-probed: run the [probe] sections of outpost.conf on a schedule
 * and record each round as a device event in the spool.
 *
 * Start-up order: as root, check the user, hand the spool to it (the same
 * way outpost-pubd does, so either may start first), open the spool, make
 * the loop and the resolver, detach, write the pidfile; then drop to
 * [node] user keeping CAP_NET_RAW (raw ICMP sockets) and, only when a
 * probe sets a mark, CAP_NET_ADMIN (SO_MARK), both effective since the
 * engine opens its sockets at every round. See outpost-probed(8). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "priv.h"
#include "probe_schema.h"
#include "probed.h"

#define DEFAULT_PIDFILE RUNSTATEDIR "/outpost-probed.pid"

static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

static bool str_eq(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static int node_load(struct probed *d, const struct conf *conf)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	const char *region = conf_get_str(node, "region");

	d->id = strdup(conf_get_str(node, "id") ? conf_get_str(node, "id") : "");
	d->region = region ? strdup(region) : NULL;
	d->user = strdup(conf_get_str(node, "user"));
	d->spool_dir = strdup(conf_get_str(node, "spool"));
	d->spool_max = conf_get_size(node, "spool-max");
	if (!d->id || (region && !d->region) || !d->user || !d->spool_dir) {
		log_err("out of memory");
		return -1;
	}
	return 0;
}

/* What node_load() copied. */
static void node_free(struct probed *d)
{
	free(d->id);
	free(d->region);
	free(d->user);
	free(d->spool_dir);
}

/* -n: what setup() refuses beyond the schema: the user to switch to (as
 * root), and each probe converting into what a job runs. */
static int check_settings(const struct conf *conf, void *ctx)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	const char *user = conf_get_str(node, "user");
	struct probe_spec spec;
	const struct conf_section *sec = NULL;
	char why[512];
	int rc;

	(void)ctx;
	rc = cli_check_user(conf, user);
	while ((sec = conf_section_next(conf, "probe", sec)))
		if (probe_spec_from_conf(conf, sec, &spec, why, sizeof(why)) < 0) {
			fprintf(stderr, "%s:%u: [probe \"%s\"] %s\n", conf_section_file(sec),
			    conf_section_line(sec), conf_section_name(sec), why);
			rc = -1;
		} else {
			free((void *)spec.dns_servers);
		}
	return rc;
}

static void free_probes(struct probed_probe **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		probed_probe_free(v[i]);
	free(v);
}

/* A reload changed what only a restart can apply. */
static void warn_restart_only(const struct probed *d, const struct conf *conf)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);

	if (!str_eq(conf_get_str(node, "spool"), d->spool_dir))
		log_warn("reload: [node] spool changes at the next restart; still writing %s",
		    d->spool_dir);
	if (!str_eq(conf_get_str(node, "user"), d->user))
		log_warn("reload: [node] user changes at the next restart");
	if (!str_eq(conf_get_str(node, "id"), d->id) ||
	    !str_eq(conf_get_str(node, "region"), d->region) ||
	    conf_get_size(node, "spool-max") != d->spool_max)
		log_warn("reload: [node] id, region and spool-max change at the next restart");
}

/* SIGHUP: read the file again; a bad one changes nothing. Probes whose
 * section did not change keep their schedule, round and state. */
static void reload(void *ctx)
{
	struct probed *d = ctx;
	struct probed_probe **v = NULL;
	struct conf *conf;
	size_t n = 0, kept = 0;
	char why[512];
	int r;

	if (cli_daemon_reload_conf(d->config_path, &conf_opts, &conf) < 0)
		return;
	r = probed_probes_build(d, conf, d->probes, d->nprobes, &v, &n, why, sizeof(why));
	if (r < 0) {
		log_err("reload: %s: %s; keeping the running configuration", d->config_path, why);
		conf_free(conf);
		return;
	}
	warn_restart_only(d, conf);
	if (probed_conf_needs_mark(conf) && geteuid() != 0 && priv_raise(CAP_NET_ADMIN) < 0)
		log_warn("reload: a probe sets a mark, but CAP_NET_ADMIN was dropped at start "
		    "(no probe had one): restart outpost-probed for it");
	conf_free(conf);
	for (size_t i = 0; i < n; i++)
		kept += v[i]->first_ms != 0;
	/* What is left in the old list was removed or changed. */
	free_probes(d->probes, d->nprobes);
	d->probes = v;
	d->nprobes = n;
	probed_probes_arm(d);
	log_notice("reloaded %s: %zu probe(s), %zu unchanged", d->config_path, n, kept);
}

/* SIGTERM, SIGINT: no new round starts. */
static void stop(void *ctx, struct loop *l)
{
	struct probed *d = ctx;

	(void)l;
	free_probes(d->probes, d->nprobes);
	d->probes = NULL;
	d->nprobes = 0;
	d->stopping = true;
	loop_stop(d->loop);
}

/* The spool is shared with outpost-pubd, which runs as the same user:
 * both hand it over the same way (cli_daemon_spool). */
static int open_spool(struct probed *d, const struct conf *conf)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (geteuid() == 0 && cli_daemon_user(d->user, &uid, &gid) < 0)
		return -1;
	return cli_daemon_spool(conf, d->spool_dir, d->user, uid, gid, &d->spool);
}

/* Drop to [node] user with CAP_NET_RAW, and CAP_NET_ADMIN for marks. */
static int drop_root(struct probed *d, const struct conf *conf)
{
	cap_value_t keep[2] = { CAP_NET_RAW, CAP_NET_ADMIN };
	size_t n = probed_conf_needs_mark(conf) ? 2 : 1;

	if (geteuid() != 0)
		return 0;
	/* Kept effective: the engine needs them at every socket(). */
	if (cli_daemon_drop(d->user, keep, n) < 0)
		return -1;
	log_info("running as '%s' with %s%s", d->user, priv_cap_name(CAP_NET_RAW),
	    n == 2 ? " and cap_net_admin (a probe sets a mark)" : "");
	return 0;
}

/* Before detaching: [node], the probes, the spool, the resolver. */
static int setup(void *ctx, const struct cli_daemon *c)
{
	struct probed *d = ctx;
	char why[512];
	int r;

	d->prog = c->prog;
	d->config_path = c->config_path;
	d->loop = c->loop;
	if (node_load(d, c->conf) < 0)
		return -1;
	if (probed_probes_build(d, c->conf, NULL, 0, &d->probes, &d->nprobes, why,
	    sizeof(why)) < 0) {
		log_err("%s", why);
		return -1;
	}
	if (open_spool(d, c->conf) < 0)
		return -1;
	if ((r = resolver_new(d->loop, NULL, &d->res)) < 0) {
		log_err("cannot create the resolver: %s", strerror(-r));
		return -1;
	}
	return 0;
}

static int enter(void *ctx, const struct cli_daemon *c)
{
	return drop_root(ctx, c->conf);
}

static int ready(void *ctx)
{
	struct probed *d = ctx;

	if (!d->nprobes)
		log_warn("no [probe] section in %s: nothing to run until a reload adds one",
		    d->config_path);
	probed_probes_arm(d);
	log_notice("probing: %zu probe(s), events into %s", d->nprobes, d->spool_dir);
	return 0;
}

static void stopped(void *ctx)
{
	const struct probed *d = ctx;

	log_notice("stopped; %llu event(s) recorded", (unsigned long long)d->events);
}

static void teardown(void *ctx)
{
	struct probed *d = ctx;

	free_probes(d->probes, d->nprobes);
	resolver_free(d->res);
	spool_close(d->spool);
	node_free(d);
}

int main(int argc, char **argv)
{
	static const struct cli_daemon_def def = {
		.pidfile = DEFAULT_PIDFILE, .conf_opts = &conf_opts, .check = check_settings,
		.setup = setup, .enter = enter, .ready = ready, .reload = reload,
		.stop = stop, .stopped = stopped, .teardown = teardown,
	};
	struct probed d;

	memset(&d, 0, sizeof(d));
	return cli_daemon_main(&def, &d, argc, argv);
}
