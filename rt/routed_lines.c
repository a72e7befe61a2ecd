/* routed_lines.c: every line's health and where its rules point.
 *
 * A line with a track has an rt_health tracker; one without follows its
 * link (up while the interface is up with carrier). On each change: log
 * it, pick again where every line's rules point (one line going down
 * can move the rules of lines that fail over to it), schedule a
 * reconcile, and record a "line" event in the spool. A reload keeps the
 * tracker (and so the health) of each line whose health settings did
 * not change. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "routed.h"

const char *routed_line_to(const struct routed *d, size_t i)
{
	int to = d->lines[i].to;

	if (to == RT_TO_BLACKHOLE)
		return "blackhole";
	if (to < 0 || (size_t)to == i || (size_t)to >= d->cfg->nlines)
		return "self";
	return d->cfg->lines[to].name;
}

bool routed_lines_pick(struct routed *d)
{
	size_t n = d->cfg->nlines;
	bool *healthy = calloc(n ? n : 1, sizeof(*healthy));
	bool moved = false;

	if (!healthy) {
		log_err("out of memory picking the lines' targets");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		healthy[i] = d->lines[i].up;
	for (size_t i = 0; i < n; i++) {
		int to = rt_failover_pick(d->cfg, i, healthy);

		if (to == d->lines[i].to)
			continue;
		d->lines[i].to = to;
		moved = true;
		if (to == RT_TO_SELF)
			log_notice("[line \"%s\"]: its rules point to its own table %u again",
			    d->cfg->lines[i].name, d->cfg->lines[i].table);
		else if (to == RT_TO_BLACKHOLE)
			log_notice("[line \"%s\"]: its sources are blackholed",
			    d->cfg->lines[i].name);
		else
			log_notice("[line \"%s\"]: its rules now point to [line \"%s\"] (table %u)",
			    d->cfg->lines[i].name, d->cfg->lines[to].name, d->cfg->lines[to].table);
	}
	free(healthy);
	return moved;
}

/* The device event of common.md: kind "line", name the line. */
static void emit(struct routed *d, size_t i)
{
	const struct routed_line *s = &d->lines[i];
	const char *text;
	struct json j;
	int r;

	if (!d->spool)
		return;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "state", s->up ? "up" : "down");
	json_kv_str(&j, "why", s->why);
	json_key(&j, "rtt_ms");
	if (s->rtt_ms >= 0)
		json_double(&j, s->rtt_ms);
	else
		json_null(&j);
	json_kv_double(&j, "loss", s->loss);
	json_kv_uint(&j, "rounds", s->rounds);
	json_kv_str(&j, "to", routed_line_to(d, i));
	json_kv_str(&j, "interface", d->cfg->lines[i].ifname);
	json_obj_end(&j);
	if ((r = json_finish(&j, &text, NULL)) == 0)
		r = spool_emit(d->spool, "line", d->cfg->lines[i].name, text, NULL);
	if (r < 0)
		log_err("[line \"%s\"]: cannot record the event: %s", d->cfg->lines[i].name,
		    strerror(-r));
	json_free(&j);
}

/* A line's health changed: everything that follows from it. */
static void changed(struct routed *d, size_t i)
{
	const struct routed_line *s = &d->lines[i];
	char why[160];

	log_notice("[line \"%s\"]: %s (%s)", d->cfg->lines[i].name, s->up ? "up" : "down",
	    s->why);
	routed_lines_pick(d);
	snprintf(why, sizeof(why), "line %s %s", d->cfg->lines[i].name, s->up ? "up" : "down");
	routed_schedule(d, why);
	emit(d, i);
}

static void on_health(struct rt_health *h, const struct rt_health_change *c, void *arg)
{
	struct routed *d = arg;
	size_t i;

	for (i = 0; i < d->cfg->nlines; i++)
		if (d->lines[i].health == h)
			break;
	if (i == d->cfg->nlines)
		return;		/* not (yet) one of ours: the start checks the link */
	d->lines[i].up = c->up;
	snprintf(d->lines[i].why, sizeof(d->lines[i].why), "%s", c->why ? c->why : "");
	d->lines[i].rtt_ms = c->rtt_ms;
	d->lines[i].loss = c->loss;
	d->lines[i].rounds = c->rounds;
	changed(d, i);
}

void routed_lines_link(struct routed *d, size_t i, bool usable)
{
	struct routed_line *s = &d->lines[i];

	s->link_usable = usable;
	if (s->health) {
		rt_health_link(s->health, usable);
		return;
	}
	if (s->up == usable)
		return;
	s->up = usable;
	snprintf(s->why, sizeof(s->why), "%s", usable ? "link up" : "link down");
	s->rtt_ms = -1;
	s->loss = 0;
	s->rounds = 0;
	changed(d, i);
}

static bool same_track(const struct rt_line *a, const struct rt_line *b)
{
	return a->track.kind == b->track.kind && a->track.port == b->track.port &&
	    strcmp(a->track.target, b->track.target) == 0 &&
	    strcmp(a->ifname, b->ifname) == 0 && a->interval_ms == b->interval_ms &&
	    a->timeout_ms == b->timeout_ms && a->down_after == b->down_after &&
	    a->up_after == b->up_after;
}

int routed_lines_start(struct routed *d, const struct rt_config *old,
		       struct routed_line *oldl, size_t nold)
{
	size_t n = d->cfg->nlines;
	char err[256];
	int r;

	d->lines = calloc(n ? n : 1, sizeof(*d->lines));
	if (!d->lines) {
		log_err("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rt_line *ln = &d->cfg->lines[i];
		const struct rt_link *l = rt_links_by_name(&d->links, ln->ifname);
		struct routed_line *s = &d->lines[i];
		int j = old ? rt_config_line(old, ln->name) : -1;

		s->to = RT_TO_SELF;
		s->link_usable = l && rt_link_usable(l);
		s->link_sig = routed_link_sig(l);
		if (j >= 0 && (size_t)j < nold && same_track(&old->lines[j], ln)) {
			/* Unchanged: keep its tracker and what it knows. */
			*s = oldl[j];
			oldl[j].health = NULL;
			s->to = RT_TO_SELF;
			s->link_usable = l && rt_link_usable(l);
			s->link_sig = routed_link_sig(l);
			continue;
		}
		s->up = ln->track.kind == RT_TRACK_NONE ? s->link_usable : true;
		snprintf(s->why, sizeof(s->why), "%s", ln->track.kind != RT_TRACK_NONE ?
		    "started" : s->link_usable ? "link up" : "link down");
		s->rtt_ms = -1;
		if (ln->track.kind == RT_TRACK_NONE || !d->loop)
			continue;
		r = rt_health_start(d->loop, d->res, ln, on_health, d, &s->health, err,
		    sizeof(err));
		if (r < 0) {
			/* Rather than no routing at all: the line counts as up. */
			log_err("[line \"%s\"] track: cannot start: %s; the line counts as up",
			    ln->name, err);
			s->health = NULL;
			continue;
		}
		if (!s->link_usable)
			rt_health_link(s->health, false);
	}
	routed_lines_pick(d);
	return 0;
}

void routed_lines_free(struct routed_line *lines, size_t n)
{
	for (size_t i = 0; lines && i < n; i++)
		rt_health_free(lines[i].health);
	free(lines);
}
