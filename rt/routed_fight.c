/* routed_fight.c: never fight another daemon in a loop.
 *
 * Each re-add (an object the previous round wanted too, missing or
 * changed in the kernel again) is remembered per object identity. Five
 * re-adds within ten seconds make the object contested: it is left
 * alone for a backoff (10 s, doubling up to 10 min at each new trip),
 * logged once per trip, listed in status, and tried again when the
 * backoff ends. An object at peace for ten minutes starts afresh. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "routed.h"

static void fight_retry(struct loop *l, void *arg)
{
	struct routed *d = arg;

	(void)l;
	d->fight_timer = 0;
	routed_schedule(d, "contested object's backoff ended");
}

/* Wake up when the earliest backoff ends, to try that object again. */
static void fight_arm(struct routed *d, uint64_t now)
{
	uint64_t next = 0;

	if (!d->loop)
		return;
	for (size_t i = 0; i < d->nfights; i++) {
		uint64_t u = d->fights[i].until_ms;

		if (u > now && (!next || u < next))
			next = u;
	}
	if (d->fight_timer)
		loop_timer_cancel(d->loop, d->fight_timer);
	d->fight_timer = next ? loop_timer_add(d->loop, next - now + 1, fight_retry, d) : 0;
}

static struct routed_fight *fight_find(const struct routed *d, const struct rt_obj *o)
{
	long i = routed_index_find(&d->fight_idx, &d->fight_set, o, false);

	return i >= 0 ? &d->fights[i] : NULL;
}

bool routed_fight_held(const struct routed *d, const struct rt_obj *o, uint64_t now)
{
	const struct routed_fight *f = fight_find(d, o);

	return f && f->until_ms > now;
}

/* Forget objects at peace, so the list stays as short as the fights;
 * run only when the array is full, so it costs O(1) per re-add. */
static void fight_expire(struct routed *d, uint64_t now)
{
	size_t j = 0;

	for (size_t i = 0; i < d->nfights; i++) {
		struct routed_fight *f = &d->fights[i];

		if (f->until_ms <= now && now - f->last_ms > ROUTED_BACKOFF_MAX_MS)
			continue;
		d->fights[j] = *f;
		d->fight_set.v[j++] = f->obj;
	}
	d->nfights = d->fight_set.n = j;
	routed_index_build(&d->fight_idx, &d->fight_set);
}

bool routed_fight_readd(struct routed *d, const struct rt_obj *o, uint64_t now)
{
	struct routed_fight *f = fight_find(d, o);
	char text[512];
	uint64_t oldest;

	if (f && f->until_ms > now)
		return true;
	if (!f) {
		if (d->nfights == d->cfights)
			fight_expire(d, now);
		if (d->nfights == d->cfights) {
			size_t cap = d->cfights ? d->cfights * 2 : 8;
			struct routed_fight *v = reallocarray(d->fights, cap, sizeof(*v));

			if (!v)
				return false;	/* no memory to count: repair */
			d->fights = v;
			d->cfights = cap;
		}
		if (rt_set_add(&d->fight_set, o) < 0)
			return false;
		f = &d->fights[d->nfights++];
		memset(f, 0, sizeof(*f));
		f->obj = *o;
		routed_index_push(&d->fight_idx, &d->fight_set);
	}
	f->readds[f->nreadds % ROUTED_FIGHT_READDS] = now;
	f->nreadds++;
	f->last_ms = now;
	if (f->nreadds < ROUTED_FIGHT_READDS)
		return false;
	/* The ring holds the last five; the oldest is the next slot. */
	oldest = f->readds[f->nreadds % ROUTED_FIGHT_READDS];
	if (now - oldest > ROUTED_FIGHT_WINDOW_MS)
		return false;
	f->backoff_ms = f->backoff_ms ? f->backoff_ms * 2 : ROUTED_BACKOFF_MIN_MS;
	if (f->backoff_ms > ROUTED_BACKOFF_MAX_MS)
		f->backoff_ms = ROUTED_BACKOFF_MAX_MS;
	f->until_ms = now + f->backoff_ms;
	/* A fresh window after the backoff: five more before the next trip. */
	memset(f->readds, 0, sizeof(f->readds));
	if (rt_obj_format(o, text, sizeof(text)) < 0)
		strcpy(text, "(object too long to show)");
	log_warn("'%s' was removed or changed %d times within %d s (%u in all): something "
	    "else manages it; leaving it alone for %llu s", text, ROUTED_FIGHT_READDS,
	    ROUTED_FIGHT_WINDOW_MS / 1000, f->nreadds,
	    (unsigned long long)(f->backoff_ms / 1000));
	fight_arm(d, now);
	return true;
}

void routed_fights_json(const struct routed *d, struct json *j, uint64_t now)
{
	char text[512];

	for (size_t i = 0; i < d->nfights; i++) {
		const struct routed_fight *f = &d->fights[i];

		if (!f->backoff_ms)
			continue;
		if (rt_obj_format(&f->obj, text, sizeof(text)) < 0)
			strcpy(text, "(object too long to show)");
		json_obj_begin(j);
		json_kv_str(j, "object", text);
		json_kv_uint(j, "count", f->nreadds);
		json_kv_uint(j, "backoff_ms", f->until_ms > now ? f->until_ms - now : 0);
		json_obj_end(j);
	}
}

void routed_fights_free(struct routed *d)
{
	if (d->fight_timer && d->loop)
		loop_timer_cancel(d->loop, d->fight_timer);
	d->fight_timer = 0;
	free(d->fights);
	d->fights = NULL;
	d->nfights = d->cfights = 0;
	rt_set_free(&d->fight_set);
	routed_index_free(&d->fight_idx);
}
