/* rt_health.c: a line's health tracker (rt_health.h).
 *
 * One round per interval: a one-probe job of the probe engine bound to
 * the line's interface. A round still running at the next tick is
 * counted as lost and freed, so there is never more than one in flight
 * and a slow name lookup cannot pile rounds up. The state changes only
 * after down_after lost / up_after good rounds in a row (hysteresis), or
 * at once when the link goes down. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "rt_health.h"

struct health_round {
	bool	good;
	double	rtt_ms;		/* <0: none */
};

struct rt_health {
	struct loop		*loop;
	struct resolver		*res;
	rt_health_cb		cb;
	void			*arg;
	char			name[64];
	char			ifname[IF_NAMESIZE];
	struct rt_track		track;
	uint64_t		interval_ms, timeout_ms;
	unsigned		down_after, up_after;

	bool			up;
	bool			link;		/* usable as far as we were told */
	char			why[320];
	uint64_t		since;

	struct health_round	win[RT_HEALTH_WINDOW];
	unsigned		nwin, head;	/* head: where the next round goes */
	unsigned		bad_run, good_run;

	uint64_t		timer, next_tick;
	struct probe_job	*job;
	bool			got_result, round_good;
	double			round_rtt;
	char			round_err[256];	/* why the engine failed, or "" */
	char			last_err[256];	/* of the latest bad round */
};

static void notify(struct rt_health *h, bool up, const char *why)
{
	struct rt_health_change c = { .up = up, .why = why, .rtt_ms = -1 };
	double sum = 0;
	unsigned good = 0, lost = 0;

	h->up = up;
	snprintf(h->why, sizeof(h->why), "%s", why);
	h->since = loop_now_ms();
	for (unsigned i = 0; i < h->nwin; i++) {
		if (h->win[i].good) {
			if (h->win[i].rtt_ms >= 0) {
				sum += h->win[i].rtt_ms;
				good++;
			}
		} else {
			lost++;
		}
	}
	c.rounds = h->nwin;
	c.loss = h->nwin ? (double)lost / h->nwin : 0;
	c.rtt_ms = good ? sum / good : -1;
	if (h->cb)
		h->cb(h, &c, h->arg);
}

/* One round is over (answered, lost, or failed): remember it, decide. */
static void round_end(struct rt_health *h, bool good, double rtt_ms, const char *err)
{
	char why[320];

	h->win[h->head] = (struct health_round){ .good = good, .rtt_ms = good ? rtt_ms : -1 };
	h->head = (h->head + 1) % RT_HEALTH_WINDOW;
	if (h->nwin < RT_HEALTH_WINDOW)
		h->nwin++;
	if (good) {
		h->good_run++;
		h->bad_run = 0;
		h->last_err[0] = '\0';
	} else {
		h->bad_run++;
		h->good_run = 0;
		snprintf(h->last_err, sizeof(h->last_err), "%s", err ? err : "");
	}
	if (!h->link)
		return;	/* down already, and up again only from rt_health_link */
	if (h->up && h->bad_run >= h->down_after) {
		/* A probe that could not even run says why: no privilege, no
		 * such interface; an operator must see that, not "lost". */
		if (h->last_err[0])
			snprintf(why, sizeof(why), "probe failed: %s", h->last_err);
		else
			snprintf(why, sizeof(why), "%u of %u probes lost", h->bad_run, h->bad_run);
		notify(h, false, why);
	} else if (!h->up && h->good_run >= h->up_after) {
		snprintf(why, sizeof(why), "%u probes answered", h->good_run);
		notify(h, true, why);
	}
}

static void on_result(const struct probe_result *r, void *arg)
{
	struct rt_health *h = arg;

	h->got_result = true;
	h->round_good = r->outcome == PROBE_REACHED;
	h->round_rtt = r->has_rtt ? r->rtt_ms : -1;
	h->round_err[0] = '\0';
	if (r->outcome == PROBE_FAILED || r->outcome == PROBE_UNRESOLVED) {
		/* The human line without its newline names the cause. */
		const char *t = r->text ? r->text : "error";
		size_t n = strcspn(t, "\n");

		snprintf(h->round_err, sizeof(h->round_err), "%.*s", (int)n, t);
	}
}

static void on_done(int err, void *arg)
{
	struct rt_health *h = arg;
	bool good = h->got_result && h->round_good;
	char e[256];

	if (!h->got_result && err)
		snprintf(h->round_err, sizeof(h->round_err), "%s", strerror(-err));
	snprintf(e, sizeof(e), "%s", h->round_err);
	probe_job_free(h->job);
	h->job = NULL;
	round_end(h, good, h->round_rtt, e[0] ? e : NULL);
}

static void round_start(struct rt_health *h)
{
	const struct probe_sink sink = { .result = on_result, .done = on_done, .arg = h };
	const char *target = h->track.target;
	struct probe_spec spec;
	char err[256] = "";
	int r;

	memset(&spec, 0, sizeof(spec));
	spec.type = h->track.kind == RT_TRACK_TCP ? PROBE_TCP : PROBE_PING;
	probe_path_init(&spec.path);
	/* Only the interface: the kernel picks its address through the
	 * line's "oif" rule, and no mark so no other rule catches it. */
	snprintf(spec.path.ifname, sizeof(spec.path.ifname), "%s", h->ifname);
	snprintf(spec.path.line, sizeof(spec.path.line), "%s", h->name);
	spec.count = 1;
	spec.timeout_ms = h->timeout_ms;
	spec.port = h->track.port;
	h->got_result = false;
	h->round_good = false;
	h->round_rtt = -1;
	h->round_err[0] = '\0';
	r = probe_job_start(h->loop, h->res, &spec, &target, 1, &sink, &h->job, err, sizeof(err));
	if (r < 0) {
		h->job = NULL;
		round_end(h, false, -1, err[0] ? err : strerror(-r));
	}
}

static void tick(struct loop *l, void *arg)
{
	struct rt_health *h = arg;
	uint64_t now = loop_now_ms();

	h->timer = 0;
	/* Next tick on the interval's grid, so rounds do not drift. */
	h->next_tick += h->interval_ms;
	if (h->next_tick <= now)
		h->next_tick = now + h->interval_ms;
	h->timer = loop_timer_add(l, h->next_tick - now, tick, h);
	if (h->job) {
		/* Still running: it had its interval, it is lost. */
		probe_job_free(h->job);
		h->job = NULL;
		round_end(h, false, -1, NULL);
	}
	if (h->link)
		round_start(h);
}

/* Start tracking line on l, resolving through r; the first round goes out at once. */
int rt_health_start(struct loop *l, struct resolver *r, const struct rt_line *line,
		    rt_health_cb cb, void *arg, struct rt_health **out, char *err, size_t errlen)
{
	struct rt_health *h;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (line->track.kind != RT_TRACK_NONE && !line->track.target[0]) {
		snprintf(err, errlen, "[line \"%s\"] track: no target", line->name);
		return -EINVAL;
	}
	if (line->track.kind == RT_TRACK_TCP && !line->track.port) {
		snprintf(err, errlen, "[line \"%s\"] track: tcp needs a port", line->name);
		return -EINVAL;
	}
	if (!(h = calloc(1, sizeof(*h)))) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	h->loop = l;
	h->res = r;
	h->cb = cb;
	h->arg = arg;
	snprintf(h->name, sizeof(h->name), "%s", line->name);
	snprintf(h->ifname, sizeof(h->ifname), "%s", line->ifname);
	h->track = line->track;
	h->interval_ms = line->interval_ms ? line->interval_ms : 1000;
	h->timeout_ms = line->timeout_ms && line->timeout_ms <= h->interval_ms ?
	    line->timeout_ms : h->interval_ms;
	h->down_after = line->down_after ? line->down_after : 1;
	h->up_after = line->up_after ? line->up_after : 1;
	h->up = true;
	h->link = true;
	snprintf(h->why, sizeof(h->why), "started");
	h->since = loop_now_ms();
	if (h->track.kind != RT_TRACK_NONE) {
		/* From the loop, not from here: a callback must not run
		 * before the caller has its tracker. */
		h->next_tick = loop_now_ms();
		h->timer = loop_timer_add(l, 0, tick, h);
		if (!h->timer) {
			free(h);
			snprintf(err, errlen, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
	}
	*out = h;
	return 0;
}

/* Stop the rounds and free the tracker. */
void rt_health_free(struct rt_health *h)
{
	if (!h)
		return;
	loop_timer_cancel(h->loop, h->timer);
	probe_job_free(h->job);
	free(h);
}

/* The link became usable or not; down at once, up after up_after good rounds. */
void rt_health_link(struct rt_health *h, bool usable)
{
	if (!h || usable == h->link)
		return;
	h->link = usable;
	if (!usable) {
		/* Probes bound to a dead interface only fail: stop them. */
		probe_job_free(h->job);
		h->job = NULL;
		h->good_run = h->bad_run = 0;
		if (h->up)
			notify(h, false, "link down");
		return;
	}
	if (h->track.kind == RT_TRACK_NONE) {
		notify(h, true, "link up");
		return;
	}
	/* Up only once the probes say so; the rounds restart now rather
	 * than at the next tick of the old grid (which would also cut the
	 * first round short), so the wait is up_after rounds, not more. */
	h->good_run = h->bad_run = 0;
	loop_timer_cancel(h->loop, h->timer);
	h->next_tick = loop_now_ms();
	h->timer = loop_timer_add(h->loop, 0, tick, h);
}

/* Whether the line is healthy now. */
bool rt_health_up(const struct rt_health *h)
{
	return h && h->up;
}

/* The tracker's state as members of the current JSON object. */
void rt_health_json(const struct rt_health *h, struct json *j)
{
	double sum = 0;
	unsigned good = 0, lost = 0;
	char track[300];

	for (unsigned i = 0; i < h->nwin; i++) {
		if (!h->win[i].good)
			lost++;
		else if (h->win[i].rtt_ms >= 0) {
			sum += h->win[i].rtt_ms;
			good++;
		}
	}
	json_kv_str(j, "state", h->up ? "up" : "down");
	json_kv_str(j, "why", h->why);
	if (good)
		json_kv_double(j, "rtt_ms", sum / good);
	else {
		json_key(j, "rtt_ms");
		json_null(j);
	}
	json_kv_double(j, "loss", h->nwin ? (double)lost / h->nwin : 0);
	json_kv_uint(j, "rounds", h->nwin);
	json_kv_uint(j, "since", h->since);
	switch (h->track.kind) {
	case RT_TRACK_ICMP:
		snprintf(track, sizeof(track), "icmp %s", h->track.target);
		break;
	case RT_TRACK_TCP:
		snprintf(track, sizeof(track), "tcp %s:%u", h->track.target, h->track.port);
		break;
	default:
		track[0] = '\0';
	}
	if (track[0])
		json_kv_str(j, "track", track);
	else {
		json_key(j, "track");
		json_null(j);
	}
}
