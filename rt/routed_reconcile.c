/* routed_reconcile.c: one round of making the kernel hold what the
 * config wants.
 *
 * dump Outpost's objects -> the wanted ones (given links and where each
 * line's rules point) -> the difference -> apply, in two steps: first
 * every add and replace, then the deletes, except those of a line one
 * of whose adds the kernel refused, so that a refused new object leaves
 * the old ones of its line in place rather than leaving the line with
 * nothing. Every refusal is reported with the line's file:line and the
 * kernel's text. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rt_kernel.h"
#include "routed.h"

int routed_obj_line(const struct routed *d, const struct rt_obj *o)
{
	if (o->line[0])
		return rt_config_line(d->cfg, o->line);
	for (size_t i = 0; i < d->cfg->nlines; i++) {
		const struct rt_line *l = &d->cfg->lines[i];

		if (!l->table)
			continue;
		if (o->kind == RT_RULE ? o->u.rule.priority == l->priority :
		    o->u.route.table == l->table)
			return (int)i;
	}
	return -1;
}

/* The daemon logs this many refusals per round, then counts the rest:
 * a round racing an `ip route flush` of thousands must not flood syslog. */
#define REFUSALS_LOGGED 10

/* Waiting for the kernel to be quiet before trusting a dump. */
#define SETTLE_MS	200
#define SETTLE_RETRY_MS	2

/* What one step of applying collects. */
struct apply_ctx {
	struct routed	*d;
	bool		*failed;	/* per line, and one more for "no line" */
	size_t		refused;
};

static void report(struct routed *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The tool modes print plain lines; the daemon logs. */
static void report(struct routed *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (d->daemon) {
		log_vmsg(LOG_ERR, fmt, ap);
	} else {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/* A wanted object that is not in place after this round. */
static void not_ok(struct routed *d, const struct rt_obj *o)
{
	long k = routed_index_find(&d->want_idx, &d->want, o, true);

	if (k >= 0 && d->want_ok)
		d->want_ok[k] = false;
}

/* Whether o was wanted and in place after the last round: missing now,
 * someone removed or changed it. */
static bool was_ok(const struct routed *d, const struct rt_obj *o)
{
	long k = routed_index_find(&d->prev_idx, &d->prev, o, true);

	return k >= 0 && d->prev_ok && d->prev_ok[k];
}

static void on_refused(const struct rt_change *c, int err, const char *extack, void *arg)
{
	struct apply_ctx *a = arg;
	struct routed *d = a->d;
	int i = routed_obj_line(d, &c->obj);
	char cmd[512], where[384];

	a->refused++;
	a->failed[i >= 0 ? (size_t)i : d->cfg->nlines] = true;
	not_ok(d, &c->obj);
	if (d->daemon && a->refused > REFUSALS_LOGGED)
		return;
	if (rt_change_format(c, d->cfg->protocol, cmd, sizeof(cmd)) < 0)
		strcpy(cmd, "(command too long to show)");
	routed_line_where(d, i >= 0 ? d->cfg->lines[i].name : NULL, where, sizeof(where));
	report(d, "%skernel refused '%s': %s", where, cmd,
	    extack && *extack ? extack : strerror(-err));
}


/* A wanted route whose place (table, destination, metric) a route of
 * another protocol holds: the kernel would take ours only by replacing
 * theirs, which is not Outpost's to touch. Refused here, reported once
 * while it lasts (every round in the tool modes). */
static void conflict(struct apply_ctx *a, const struct rt_change *c)
{
	struct routed *d = a->d;
	int i = routed_obj_line(d, &c->obj);
	char cmd[512], where[384];

	a->refused++;
	a->failed[i >= 0 ? (size_t)i : d->cfg->nlines] = true;
	not_ok(d, &c->obj);
	rt_set_add(&d->conflicts, &c->obj);
	if (d->daemon && routed_index_find(&d->conflicts_idx, &d->conflicts_prev, &c->obj, true) >= 0)
		return;
	if (rt_change_format(c, d->cfg->protocol, cmd, sizeof(cmd)) < 0)
		strcpy(cmd, "(command too long to show)");
	routed_line_where(d, i >= 0 ? d->cfg->lines[i].name : NULL, where, sizeof(where));
	report(d, "%srefused '%s': a foreign route (another protocol) exists in its place; "
	    "left alone", where, cmd);
}

/* Keep in out the changes of d->diff that go in this step. */
static int pick_step(struct apply_ctx *a, bool deletes, uint64_t now, struct rt_diff *out)
{
	struct routed *d = a->d;

	for (size_t k = 0; k < d->diff.n; k++) {
		const struct rt_change *c = &d->diff.v[k];

		if ((c->op == RT_DEL) != deletes)
			continue;
		if (deletes) {
			int i = routed_obj_line(d, &c->obj);

			if (a->failed[i >= 0 ? (size_t)i : d->cfg->nlines])
				continue;
		} else if (c->op == RT_ADD && c->obj.kind == RT_ROUTE &&
			   routed_index_find(&d->foreign_idx, &d->foreign, &c->obj, false) >= 0) {
			conflict(a, c);
			continue;
		} else if (d->daemon && was_ok(d, &c->obj) && routed_fight_readd(d, &c->obj, now)) {
			not_ok(d, &c->obj);
			continue;	/* contested: left alone for now */
		}
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			struct rt_change *v = reallocarray(out->v, cap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			out->v = v;
			out->cap = cap;
		}
		out->v[out->n++] = *c;
	}
	return 0;
}

static int by_priority_desc(const void *a, const void *b)
{
	const struct rt_change *x = a, *y = b;
	uint32_t px = x->obj.u.rule.priority, py = y->obj.u.rule.priority;

	return px < py ? 1 : px > py ? -1 : 0;
}

/* The kernel keeps rules in one list sorted by priority and finds a new
 * rule's place by walking it from the front: added highest priority
 * number first, each new one stops right away (10,000 rules: O(n)
 * instead of O(n^2)). The diff puts every route add before the first
 * rule add, and rules of one priority are independent, so only the run
 * of rule adds is reordered (qsort: their order within a priority does
 * not matter to the kernel). */
static void order_rule_adds(struct rt_diff *step)
{
	size_t first = 0;

	while (first < step->n && step->v[first].obj.kind != RT_RULE)
		first++;
	for (size_t k = first; k < step->n; k++)
		if (step->v[k].obj.kind != RT_RULE)
			return;	/* not the shape the diff promises: keep its order */
	if (step->n - first > 1)
		qsort(step->v + first, step->n - first, sizeof(*step->v), by_priority_desc);
}

static int apply_step(struct routed *d, bool deletes, struct apply_ctx *a, uint64_t now,
		      size_t *applied)
{
	struct rt_diff step;
	int r;

	rt_diff_init(&step);
	r = pick_step(a, deletes, now, &step);
	if (r == 0 && !deletes)
		order_rule_adds(&step);
	if (r == 0 && step.n) {
		size_t before = a->refused;

		r = rt_kernel_apply(d->nl, &step, d->cfg->protocol, on_refused, a);
		if (r >= 0) {
			*applied += step.n - (a->refused - before);
			r = 0;
		}
	}
	rt_diff_free(&step);
	return r;
}

static void print_diff(const struct routed *d)
{
	char cmd[512];

	for (size_t k = 0; k < d->diff.n; k++) {
		if (rt_change_format(&d->diff.v[k], d->cfg->protocol, cmd, sizeof(cmd)) < 0) {
			fprintf(stderr, "%s: a change too long to show\n", d->prog);
			continue;
		}
		printf("%s\n", cmd);
	}
	fflush(stdout);
}

/* Where each line's rules point, for rt_desired. */
static int *targets(const struct routed *d)
{
	int *to = calloc(d->cfg->nlines ? d->cfg->nlines : 1, sizeof(*to));

	for (size_t i = 0; to && i < d->cfg->nlines; i++)
		to[i] = d->lines ? d->lines[i].to : RT_TO_SELF;
	return to;
}

static void on_reconcile(struct loop *l, void *arg);

/* One more dump, and an object in either counts as there (one skipped
 * by both is unlikely; one deleted since the first has its notice
 * queued, so the next round puts it back). Adding a rule that is there
 * would make a duplicate: the kernel adds rules without looking. */
static void merge_second_dump(struct routed *d)
{
	struct routed_index ix = { 0 };
	struct rt_set second;
	size_t n = d->have.n;

	rt_set_init(&second);
	if (rt_kernel_dump(d->nl, d->cfg->protocol, &d->links, &second, NULL) == 0 &&
	    routed_index_build(&ix, &d->have) == 0)
		for (size_t k = 0; k < second.n; k++)
			if (routed_index_find(&ix, &d->have, &second.v[k], true) < 0 &&
			    rt_set_add(&d->have, &second.v[k]) < 0)
				break;
	if (d->have.n > n)
		log_debug("a second dump found %zu object(s) the first missed", d->have.n - n);
	routed_index_free(&ix);
	rt_set_free(&second);
}

/* Someone changed Outpost's objects while the dump ran (an `ip rule
 * flush` in progress): the dump may have skipped objects that are
 * there, and adding them again would make duplicates. Look again in a
 * moment, for at most SETTLE_MS, then go ahead with two dumps merged. */
static bool unsettled(struct routed *d, uint64_t seq, const char *why)
{
	uint64_t now;

	routed_monitor_drain(d);
	if (d->drift_seq == seq) {
		d->unsettled_since = 0;
		return false;
	}
	now = loop_now_ms();
	if (!d->unsettled_since)
		d->unsettled_since = now;
	if (now - d->unsettled_since >= SETTLE_MS) {
		d->unsettled_since = 0;
		merge_second_dump(d);
		return false;
	}
	if (d->reconcile_timer)
		loop_timer_cancel(d->loop, d->reconcile_timer);
	if (!d->pending_why[0])
		snprintf(d->pending_why, sizeof(d->pending_why), "%s", why);
	d->reconcile_timer = loop_timer_add(d->loop, SETTLE_RETRY_MS, on_reconcile, d);
	return d->reconcile_timer != 0;
}

int routed_reconcile(struct routed *d, const char *why)
{
	uint64_t t0 = loop_now_ms();
	struct apply_ctx a = { .d = d };
	struct rt_set tmp_set;
	struct routed_index tmp_idx;
	size_t applied = 0, tmp_cap;
	bool *tmp_ok;
	uint64_t seq;
	int *to = NULL, r;

	/* What is queued first, so that the dump is compared with the
	 * notifications that come after it. */
	if (d->daemon)
		routed_monitor_drain(d);
	seq = d->drift_seq;
	rt_set_clear(&d->have);
	rt_set_clear(&d->foreign);
	r = rt_kernel_dump(d->nl, d->cfg->protocol, &d->links, &d->have, &d->foreign);
	if (r < 0) {
		report(d, "cannot read the kernel's rules and routes: %s", strerror(-r));
		return -1;
	}
	if (d->daemon && unsettled(d, seq, why))
		return 0;
	routed_index_build(&d->foreign_idx, &d->foreign);
	/* This round's want replaces the last one, which stays as prev. */
	tmp_set = d->prev, d->prev = d->want, d->want = tmp_set;
	tmp_idx = d->prev_idx, d->prev_idx = d->want_idx, d->want_idx = tmp_idx;
	tmp_ok = d->prev_ok, d->prev_ok = d->want_ok, d->want_ok = tmp_ok;
	tmp_cap = d->prev_ok_cap, d->prev_ok_cap = d->want_ok_cap, d->want_ok_cap = tmp_cap;
	rt_set_clear(&d->want);
	d->diff.n = 0;
	if (!(to = targets(d)) || rt_desired(d->cfg, &d->links, to, &d->want) < 0 ||
	    rt_diff_compute(&d->want, &d->have, &d->diff) < 0) {
		free(to);
		report(d, "out of memory computing the routing");
		return -1;
	}
	free(to);
	log_debug("%s: %zu of ours in the kernel, %zu wanted, %zu change(s)", why, d->have.n,
	    d->want.n, d->diff.n);
	routed_index_build(&d->want_idx, &d->want);
	if (d->want.n > d->want_ok_cap) {
		bool *ok = reallocarray(d->want_ok, d->want.n, sizeof(*ok));

		if (!ok) {
			report(d, "out of memory computing the routing");
			return -1;
		}
		d->want_ok = ok;
		d->want_ok_cap = d->want.n;
	}
	for (size_t k = 0; k < d->want.n; k++)
		d->want_ok[k] = true;
	if (d->dry_run) {
		print_diff(d);
		return 0;
	}
	if (!d->diff.n) {
		rt_set_clear(&d->conflicts_prev);
		routed_index_build(&d->conflicts_idx, &d->conflicts_prev);
		return 0;
	}
	a.failed = calloc(d->cfg->nlines + 1, sizeof(*a.failed));
	if (!a.failed) {
		report(d, "out of memory applying the routing");
		return -1;
	}
	rt_set_clear(&d->conflicts);
	r = apply_step(d, false, &a, t0, &applied);
	if (r == 0)
		r = apply_step(d, true, &a, t0, &applied);
	free(a.failed);
	/* This round's conflicts are the ones not to report again. */
	tmp_set = d->conflicts_prev, d->conflicts_prev = d->conflicts, d->conflicts = tmp_set;
	routed_index_build(&d->conflicts_idx, &d->conflicts_prev);
	if (r < 0) {
		report(d, "cannot apply the routing: %s", strerror(-r));
		return -1;
	}
	d->refused = a.refused;
	if (d->daemon && a.refused > REFUSALS_LOGGED)
		log_err("%s: %zu more change(s) refused", why, a.refused - REFUSALS_LOGGED);
	if (applied) {
		d->repairs++;
		d->has_last = true;
		d->last_at_ms = loop_now_ms();
		d->last_took_ms = d->last_at_ms - t0;
		d->last_changes = applied;
		snprintf(d->last_why, sizeof(d->last_why), "%s", why);
		log_info("%s: %zu change(s) in %llu ms%s", why, applied,
		    (unsigned long long)d->last_took_ms,
		    a.refused ? ", some refused" : "");
	}
	return (int)a.refused;
}

static void on_reconcile(struct loop *l, void *arg)
{
	struct routed *d = arg;
	char why[sizeof(d->pending_why)];

	(void)l;
	d->reconcile_timer = 0;
	memcpy(why, d->pending_why, sizeof(why));
	d->pending_why[0] = '\0';
	routed_reconcile(d, why);
}

void routed_schedule(struct routed *d, const char *why)
{
	if (!d->loop)
		return;
	if (!d->pending_why[0])
		snprintf(d->pending_why, sizeof(d->pending_why), "%s", why);
	if (d->reconcile_timer)
		return;
	d->reconcile_timer = loop_timer_add(d->loop, 0, on_reconcile, d);
	if (!d->reconcile_timer)
		log_err("cannot schedule a reconcile: out of memory");
}

int routed_flush(struct routed *d)
{
	struct apply_ctx a = { .d = d };
	struct rt_set none;
	size_t rules = 0, routes = 0, applied = 0;
	int r;

	rt_set_init(&none);
	rt_set_clear(&d->have);
	r = rt_kernel_dump(d->nl, d->cfg->protocol, &d->links, &d->have, NULL);
	if (r < 0) {
		report(d, "cannot read the kernel's rules and routes: %s", strerror(-r));
		return -1;
	}
	d->diff.n = 0;
	a.failed = calloc(d->cfg->nlines + 1, sizeof(*a.failed));
	if (!a.failed || rt_diff_compute(&none, &d->have, &d->diff) < 0) {
		free(a.failed);
		report(d, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < d->diff.n; k++)
		d->diff.v[k].obj.kind == RT_RULE ? rules++ : routes++;
	r = apply_step(d, true, &a, loop_now_ms(), &applied);
	free(a.failed);
	if (r < 0) {
		report(d, "cannot remove the routing: %s", strerror(-r));
		return -1;
	}
	printf("removed %zu rule(s) and %zu route(s) of protocol %u%s\n", rules, routes,
	    d->cfg->protocol, a.refused ? " (but for the refusals above)" : "");
	return (int)a.refused;
}
