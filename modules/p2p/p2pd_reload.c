/* p2pd_reload.c: what a SIGHUP changes in a running outpost-p2pd.
 *
 * Rates, limits, seed time, progress interval, trackers, lease and the
 * region's origin-rate and LAN take effect at once: limits in place,
 * the rest by running each transfer again (its verified pieces stay).
 * Who the daemon is and where it lives (node id, region, user, spool,
 * data folder, control socket, listen address and port, LSD, CA file,
 * shape)
 * take a restart: a reload that changes them says so and keeps the
 * running values. (owner: region) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "p2pd.h"

/* Keys that need a restart: the running value stays in *now. */
static void keep_str(const char *key, char *now, size_t n, const char *old)
{
	if (strcmp(now, old) == 0)
		return;
	log_warn("reload: %s '%s' takes effect at the next restart (still '%s')", key, now, old);
	snprintf(now, n, "%s", old);
}

static void keep_fixed(const struct p2pd_settings *old, struct p2pd_settings *s)
{
	keep_str("[node] id", s->id, sizeof(s->id), old->id);
	keep_str("[node] region", s->region, sizeof(s->region), old->region);
	keep_str("[node] user", s->user, sizeof(s->user), old->user);
	keep_str("[node] spool", s->spool, sizeof(s->spool), old->spool);
	keep_str("[p2p] data-dir", s->data_dir, sizeof(s->data_dir), old->data_dir);
	keep_str("[p2p] control", s->control, sizeof(s->control), old->control);
	keep_str("[p2p] bind", s->bind, sizeof(s->bind), old->bind);
	keep_str("[p2p] ca-file", s->ca_file, sizeof(s->ca_file), old->ca_file);
	if (s->port != old->port) {
		log_warn("reload: [p2p] listen %u takes effect at the next restart (still %u)",
		    s->port, old->port);
		s->port = old->port;
	}
	if (s->lsd != old->lsd) {
		log_warn("reload: [p2p] lsd takes effect at the next restart");
		s->lsd = old->lsd;
	}
	/* the capability to shape is kept or dropped at start */
	if (s->shape != old->shape) {
		log_warn("reload: [p2p] shape takes effect at the next restart");
		s->shape = old->shape;
	}
}

/* A new [node] region waits for a restart: so do the running region's
 * origin-rate and LAN (s has the new region's). */
static int keep_region(const struct p2pd_settings *old, struct p2pd_settings *s)
{
	struct p2p_prefix *lan = NULL;

	if (old->nlan && !(lan = calloc(old->nlan, sizeof(*lan))))
		return -1;
	if (old->nlan)
		memcpy(lan, old->lan, old->nlan * sizeof(*lan));
	free(s->lan);
	s->lan = lan;
	s->nlan = old->nlan;
	s->origin_rate = old->origin_rate;
	return 0;
}

static bool trackers_equal(const struct p2pd_settings *a, const struct p2pd_settings *b)
{
	if (a->ntrackers != b->ntrackers)
		return false;
	for (size_t i = 0; i < a->ntrackers; i++)
		if (strcmp(a->trackers[i], b->trackers[i]) != 0)
			return false;
	return true;
}

/* Whether the transfers must run again: what the engine copied at start. */
static bool engine_changed(const struct p2pd_settings *a, const struct p2pd_settings *b)
{
	return !trackers_equal(a, b) || a->lease_ms != b->lease_ms ||
	    a->origin_rate != b->origin_rate || a->other_regions != b->other_regions ||
	    a->nlan != b->nlan || (a->nlan && memcmp(a->lan, b->lan, a->nlan * sizeof(*a->lan)));
}

int p2pd_reload(struct p2pd *d, const struct conf *conf)
{
	struct p2pd_settings s;
	struct p2p_limits global;
	char why[512];
	bool restart, longer;

	if (p2pd_settings_load(&s, conf, why, sizeof(why)) < 0) {
		log_err("reload: %s; keeping the running configuration", why);
		return -1;
	}
	if (strcmp(s.region, d->set.region) != 0 && keep_region(&d->set, &s) < 0) {
		p2pd_settings_free(&s);
		log_err("reload: out of memory; keeping the running configuration");
		return -1;
	}
	keep_fixed(&d->set, &s);
	restart = engine_changed(&d->set, &s);
	longer = s.seed_time_ms > d->set.seed_time_ms;
	p2pd_settings_free(&d->set);
	d->set = s;
	p2pd_settings_link(&d->set);
	memset(&global, 0, sizeof(global));
	global.up_rate = d->set.up_rate;
	global.down_rate = d->set.down_rate;
	p2p_ctx_set_limits(d->ctx, &global, d->set.max_conns);
	p2pd_xfers_reload(d, restart);
	log_notice("reload: settings taken%s%s", restart ? "; transfers run again" : "",
	    longer ? "; seed time longer" : "");
	return 0;
}
