/* loop_timer.h: the loop's timer queue (internal to libop's loop.c).
 *
 * A binary min-heap ordered by (deadline, id) plus an id -> timer hash, so
 * equal deadlines pop in insertion order and cancel costs O(log n). Ids
 * grow monotonically and are never reused, so a stale id cannot cancel a
 * newer timer. */
#ifndef OUTPOST_LOOP_TIMER_H
#define OUTPOST_LOOP_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

struct loop_timer {
	uint64_t deadline;	/* ms on CLOCK_MONOTONIC */
	uint64_t id;		/* also the insertion sequence */
	loop_timer_cb cb;
	void *arg;
	size_t idx;		/* position in the heap */
};

struct loop_timers {
	struct loop_timer **heap;
	size_t n, cap;
	struct loop_timer **tab;	/* open addressing, linear probing */
	size_t tabcap;			/* power of two, or 0 */
	uint64_t next_id;
};

/* Prepare an empty queue. */
void loop_timers_init(struct loop_timers *t);

/* Free every pending timer and the queue's arrays. */
void loop_timers_fini(struct loop_timers *t);

/* Queue cb at deadline; returns the new id (> 0), or 0 without memory. */
uint64_t loop_timers_add(struct loop_timers *t, uint64_t deadline,
			 loop_timer_cb cb, void *arg);

/* Remove a pending timer; 0 or -ENOENT. */
int loop_timers_cancel(struct loop_timers *t, uint64_t id);

/* The earliest pending timer, or NULL. */
const struct loop_timer *loop_timers_peek(const struct loop_timers *t);

/* Remove the earliest timer if its deadline is <= now and its id is below
 * id_limit; hands back its callback. Returns 1 when one was taken, else 0. */
int loop_timers_pop_due(struct loop_timers *t, uint64_t now, uint64_t id_limit,
			loop_timer_cb *cb, void **arg);

#endif
