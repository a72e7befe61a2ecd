/* loop_work.h: the loop's worker threads (internal to libop's loop.c).
 *
 * Jobs sit in one list in the order they were started. Only the loop's
 * thread links and unlinks them; workers take the first queued one and
 * mark it running, then ended, under the mutex, and wake the loop through
 * an eventfd. The loop then runs the done callbacks one job at a time, so
 * a callback may cancel or wait for any other job, ended or not. */
#ifndef OUTPOST_LOOP_WORK_H
#define OUTPOST_LOOP_WORK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define LOOP_WORK_THREADS	2	/* at most; started as jobs need them */

struct loop_works {
	pthread_mutex_t		mu;
	pthread_cond_t		work_cv;	/* workers: a job was queued, or quit */
	pthread_cond_t		end_cv;		/* loop_work_wait: a job ended */
	int			efd;		/* eventfd; -1 until the first job */
	struct loop_work	*head, *tail;	/* every job not yet done */
	size_t			njobs;		/* loop thread only */
	size_t			nqueued;	/* under mu */
	unsigned		nthreads, idle;	/* under mu */
	pthread_t		threads[LOOP_WORK_THREADS];
	uint64_t		next_id;
	bool			quit;
};

void loop_works_init(struct loop_works *w);
/* Cancel every job, wait for the running ones, join the workers and
 * free, without running any done callback. */
void loop_works_fini(struct loop_works *w);
/* The public calls (loop.h) on the loop's works; start needs w->efd. */
uint64_t loop_works_start(struct loop_works *w, loop_work_fn fn, loop_work_cb done, void *arg);
int loop_works_cancel(struct loop_works *w, uint64_t id);
int loop_works_wait(struct loop_works *w, uint64_t id);
/* The eventfd is readable: run the done callbacks of ended jobs, one at
 * a time, until none is left or *stop. Returns how many ran. */
int loop_works_dispatch(struct loop_works *w, struct loop *l, const bool *stop);

#endif
