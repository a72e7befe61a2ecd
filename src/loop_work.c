/* loop_work.c: a few worker threads for the loop's long jobs (loop.h,
 * loop_work.h): hashing or syncing gigabytes must not hold up a loop that
 * serves sockets meanwhile. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop_work.h"

enum loop_work_st { W_QUEUED, W_RUNNING, W_ENDED };

struct loop_work {
	struct loop_work	*next, *prev;
	uint64_t		id;
	loop_work_fn		fn;
	loop_work_cb		done;
	void			*arg;
	enum loop_work_st	st;		/* under mu */
	atomic_bool		cancelled;
};

void loop_works_init(struct loop_works *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work_cv, NULL);
	pthread_cond_init(&w->end_cv, NULL);
	w->efd = -1;
	w->next_id = 1;
}

bool loop_work_cancelled(const struct loop_work *j)
{
	return atomic_load_explicit(&j->cancelled, memory_order_relaxed);
}

/* Under mu: only the loop's thread unlinks. */
static void unlink_job(struct loop_works *w, struct loop_work *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		w->head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		w->tail = j->prev;
	w->njobs--;
}

static struct loop_work *find(struct loop_works *w, uint64_t id)
{
	struct loop_work *j;

	for (j = w->head; j && j->id != id; j = j->next)
		;
	return j;
}

static void wake_loop(struct loop_works *w)
{
	uint64_t one = 1;

	/* EAGAIN only with the counter near 2^64: the loop is awake then */
	while (write(w->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void *worker(void *arg)
{
	struct loop_works *w = arg;
	struct loop_work *j;

	pthread_mutex_lock(&w->mu);
	while (!w->quit) {
		for (j = w->head; j && j->st != W_QUEUED; j = j->next)
			;
		if (!j) {
			w->idle++;
			pthread_cond_wait(&w->work_cv, &w->mu);
			w->idle--;
			continue;
		}
		j->st = W_RUNNING;
		w->nqueued--;
		pthread_mutex_unlock(&w->mu);
		if (!loop_work_cancelled(j))
			j->fn(j, j->arg);
		pthread_mutex_lock(&w->mu);
		j->st = W_ENDED;
		pthread_cond_broadcast(&w->end_cv);
		wake_loop(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Under mu. Every signal stays blocked in a worker: the loop takes its
 * signals through signalfd, which needs them blocked in every thread. */
static int spawn(struct loop_works *w)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->threads[w->nthreads], NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		w->nthreads++;
	return -rc;
}

uint64_t loop_works_start(struct loop_works *w, loop_work_fn fn, loop_work_cb done, void *arg)
{
	struct loop_work *j;
	uint64_t id;
	int rc;

	if (fn == NULL || done == NULL) {
		errno = EINVAL;
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return 0;
	j->fn = fn;
	j->done = done;
	j->arg = arg;
	j->st = W_QUEUED;
	atomic_init(&j->cancelled, false);
	pthread_mutex_lock(&w->mu);
	/* A new worker when no idle one is left for this job; with none at
	 * all the job could never run. */
	if (w->idle <= w->nqueued && w->nthreads < LOOP_WORK_THREADS &&
	    (rc = spawn(w)) < 0 && w->nthreads == 0) {
		pthread_mutex_unlock(&w->mu);
		free(j);
		errno = -rc;
		return 0;
	}
	id = j->id = w->next_id++;
	j->prev = w->tail;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->njobs++;
	w->nqueued++;
	pthread_cond_signal(&w->work_cv);
	pthread_mutex_unlock(&w->mu);
	return id;
}

int loop_works_cancel(struct loop_works *w, uint64_t id)
{
	struct loop_work *j;

	pthread_mutex_lock(&w->mu);
	j = id ? find(w, id) : NULL;
	if (j) {
		atomic_store(&j->cancelled, true);
		if (j->st == W_QUEUED) {	/* it never runs: done comes next round */
			j->st = W_ENDED;
			w->nqueued--;
			wake_loop(w);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return j ? 0 : -ENOENT;
}

int loop_works_wait(struct loop_works *w, uint64_t id)
{
	struct loop_work *j;

	pthread_mutex_lock(&w->mu);
	j = id ? find(w, id) : NULL;
	if (j == NULL) {
		pthread_mutex_unlock(&w->mu);
		return -ENOENT;
	}
	atomic_store(&j->cancelled, true);
	if (j->st == W_QUEUED)
		w->nqueued--;
	while (j->st == W_RUNNING)
		pthread_cond_wait(&w->end_cv, &w->mu);
	unlink_job(w, j);
	pthread_mutex_unlock(&w->mu);
	free(j);
	return 0;
}

int loop_works_dispatch(struct loop_works *w, struct loop *l, const bool *stop)
{
	struct loop_work *j;
	uint64_t n;
	int ran = 0;

	/* Only a wake-up: the list tells which jobs ended. */
	while (read(w->efd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	for (;;) {
		loop_work_cb done;
		void *arg;
		bool cancelled;

		pthread_mutex_lock(&w->mu);
		for (j = w->head; j && j->st != W_ENDED; j = j->next)
			;
		if (j && *stop) {
			wake_loop(w);	/* the rest in a later run */
			j = NULL;
		}
		if (j)
			unlink_job(w, j);
		pthread_mutex_unlock(&w->mu);
		if (j == NULL)
			break;
		done = j->done;
		arg = j->arg;
		cancelled = loop_work_cancelled(j);
		free(j);
		done(l, cancelled, arg);
		ran++;
	}
	return ran;
}

void loop_works_fini(struct loop_works *w)
{
	struct loop_work *j;

	pthread_mutex_lock(&w->mu);
	w->quit = true;
	for (j = w->head; j; j = j->next)
		atomic_store(&j->cancelled, true);
	pthread_cond_broadcast(&w->work_cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	while ((j = w->head) != NULL) {
		w->head = j->next;
		free(j);
	}
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->end_cv);
	pthread_cond_destroy(&w->work_cv);
	pthread_mutex_destroy(&w->mu);
}
