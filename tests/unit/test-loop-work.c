/* test-loop-work.c: the loop's jobs on worker threads: done runs on the
 * loop after fn ran elsewhere, many jobs, timers served meanwhile,
 * cancel and wait (running and queued), done callbacks that remove other
 * ended jobs, loop_stop between done callbacks, signals with workers
 * around, and loop_free with jobs running. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "../tap.h"

static pthread_t loop_thread;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

struct job {
	uint64_t id;
	unsigned ms;		/* how long fn works (in 1 ms steps) */
	bool until_cancel;	/* or until cancelled (at most 5 s) */
	atomic_bool ran, on_other, saw_cancel, release;
	bool hold;		/* fn waits for release first */
	int done, cancelled, done_on_loop;
	uint64_t end_ms;	/* when fn returned */
	struct loop *l;
	uint64_t other;		/* done waits for (removes) this job */
	bool stop_in_done;
};

static void job_fn(const struct loop_work *w, void *arg)
{
	struct job *j = arg;

	atomic_store(&j->ran, true);
	atomic_store(&j->on_other, !pthread_equal(pthread_self(), loop_thread));
	while (j->hold && !atomic_load(&j->release) && !loop_work_cancelled(w))
		sleep_ms(1);
	for (unsigned i = 0; j->until_cancel ? i < 5000 : i < j->ms; i++) {
		if (loop_work_cancelled(w)) {
			atomic_store(&j->saw_cancel, true);
			break;
		}
		sleep_ms(1);
	}
	if (loop_work_cancelled(w))
		atomic_store(&j->saw_cancel, true);
	j->end_ms = loop_now_ms();
}

static void job_done(struct loop *l, bool cancelled, void *arg)
{
	struct job *j = arg;

	j->done++;
	j->cancelled = cancelled;
	j->done_on_loop = pthread_equal(pthread_self(), loop_thread);
	if (j->other)
		loop_work_wait(l, j->other);
	if (j->stop_in_done)
		loop_stop(l);
}

static uint64_t start(struct loop *l, struct job *j)
{
	j->l = l;
	j->id = loop_work_start(l, job_fn, job_done, j);
	return j->id;
}

/* Run until every job's done ran or ms passed. */
static bool run_until_done(struct loop *l, struct job *js, size_t n, unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	for (;;) {
		size_t k = 0;

		while (k < n && js[k].done)
			k++;
		if (k == n)
			return true;
		if (loop_now_ms() >= end)
			return false;
		loop_run_once(l, 50);
	}
}

static void test_one(struct loop *l)
{
	struct job j = { .ms = 20 };

	ok(start(l, &j) > 0, "a job starts");
	ok(loop_run(l) == 0, "loop_run returns once the job is done");
	ok(j.done == 1 && !j.cancelled, "its done ran once, not cancelled");
	ok(atomic_load(&j.ran) && atomic_load(&j.on_other), "fn ran on another thread");
	ok(j.done_on_loop, "done ran on the loop's thread");
	is_int(loop_work_cancel(l, j.id), -ENOENT, "cancel after done: -ENOENT");
	is_int(loop_work_wait(l, j.id), -ENOENT, "wait after done: -ENOENT");
	is_int(loop_work_cancel(l, 0), -ENOENT, "cancel of id 0: -ENOENT");
	errno = 0;
	ok(loop_work_start(l, NULL, job_done, &j) == 0 && errno == EINVAL, "no fn: EINVAL");
}

#define MANY 200

static void test_many(struct loop *l)
{
	static struct job js[MANY];
	bool all_once = true, ids_grow = true;

	for (size_t i = 0; i < MANY; i++) {
		js[i].ms = i % 3;
		start(l, &js[i]);
		if (i && js[i].id <= js[i - 1].id)
			ids_grow = false;
	}
	ok(ids_grow, "job ids grow");
	ok(run_until_done(l, js, MANY, 20000), "%d jobs all done", MANY);
	for (size_t i = 0; i < MANY; i++)
		if (js[i].done != 1 || js[i].cancelled || !atomic_load(&js[i].ran))
			all_once = false;
	ok(all_once, "each ran, and its done once");
}

static unsigned ticks;
static uint64_t tick_timer;

static void on_tick(struct loop *l, void *arg)
{
	ticks++;
	tick_timer = loop_timer_add(l, 10, on_tick, arg);
}

/* The loop keeps serving a 10 ms timer while a 300 ms job runs. */
static void test_not_blocked(struct loop *l)
{
	struct job j = { .ms = 300 };
	uint64_t t0 = loop_now_ms();

	ticks = 0;
	tick_timer = loop_timer_add(l, 10, on_tick, NULL);
	start(l, &j);
	ok(run_until_done(l, &j, 1, 5000), "the long job ends");
	loop_timer_cancel(l, tick_timer);
	diag("%u ticks of 10 ms in %llu ms", ticks, (unsigned long long)(loop_now_ms() - t0));
	ok(ticks >= 10, "a 10 ms timer fired during the job (%u times)", ticks);
}

static void test_cancel(struct loop *l)
{
	struct job a = { .until_cancel = true }, b = { .hold = true, .ms = 1 },
	    c = { .hold = true, .ms = 1 }, q = { .ms = 1 };
	uint64_t t;

	start(l, &a);
	sleep_ms(20);
	t = loop_now_ms();
	is_int(loop_work_cancel(l, a.id), 0, "cancel a running job");
	ok(run_until_done(l, &a, 1, 5000), "it ends");
	ok(a.cancelled && atomic_load(&a.saw_cancel), "fn saw the cancel, done says cancelled");
	ok(a.end_ms - t < 1000, "fn stopped soon after (%llu ms)",
	    (unsigned long long)(a.end_ms - t));

	/* both workers held: q waits in the queue */
	start(l, &b);
	start(l, &c);
	sleep_ms(20);
	start(l, &q);
	is_int(loop_work_cancel(l, q.id), 0, "cancel a queued job");
	ok(run_until_done(l, &q, 1, 2000), "its done runs");
	ok(q.cancelled && !atomic_load(&q.ran), "cancelled, fn never ran");
	atomic_store(&b.release, true);
	atomic_store(&c.release, true);
	ok(run_until_done(l, &b, 1, 2000) && run_until_done(l, &c, 1, 2000) &&
	    !b.cancelled && !c.cancelled, "the held jobs end normally");
}

static void test_wait(struct loop *l)
{
	struct job a = { .until_cancel = true }, b = { .hold = true, .ms = 1 },
	    c = { .hold = true, .ms = 1 }, q = { .ms = 1 };

	start(l, &a);
	sleep_ms(20);
	is_int(loop_work_wait(l, a.id), 0, "wait for a running job");
	ok(atomic_load(&a.saw_cancel) && a.end_ms, "fn had returned, having seen the cancel");
	is_int(loop_work_wait(l, a.id), -ENOENT, "a second wait: -ENOENT");

	start(l, &b);
	start(l, &c);
	sleep_ms(20);
	start(l, &q);
	is_int(loop_work_wait(l, q.id), 0, "wait for a queued job");
	atomic_store(&b.release, true);
	atomic_store(&c.release, true);
	ok(run_until_done(l, &b, 1, 2000) && run_until_done(l, &c, 1, 2000), "others end");
	/* a few more rounds: nothing of a or q may come */
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 10);
	ok(!a.done && !q.done && !atomic_load(&q.ran), "no done after wait; the queued never ran");
}

/* A done that removes another ended job: that one's done never runs. */
static void test_done_removes(struct loop *l)
{
	struct job c = { .ms = 1 }, d = { .ms = 1 };

	start(l, &c);
	start(l, &d);
	c.other = d.id;	/* set before dispatch: c's done removes d */
	sleep_ms(100);
	ok(run_until_done(l, &c, 1, 2000), "c done");
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 10);
	ok(c.done == 1 && d.done == 0, "d, removed by c's done, never got its done");
}

/* loop_stop in a done: the other ended jobs wait for the next run. */
static void test_stop_in_done(struct loop *l)
{
	struct job a = { .ms = 1, .stop_in_done = true }, b = { .ms = 1 };

	start(l, &a);
	start(l, &b);
	sleep_ms(100);
	loop_run(l);
	ok(a.done == 1 && b.done == 0, "loop_run stops after the first done");
	loop_run(l);
	ok(b.done == 1, "the next run dispatches the other");
}

static int usr1;

static void on_usr1(struct loop *l, int signo, void *arg)
{
	usr1++;
}

/* Workers block every signal: one sent to the process still reaches the
 * loop's signalfd rather than a worker's default action. */
static void test_signal(struct loop *l)
{
	struct job js[4] = { { .ms = 200 }, { .ms = 200 }, { .ms = 200 }, { .ms = 200 } };

	loop_signal_add(l, SIGUSR1, on_usr1, NULL);
	for (int i = 0; i < 4; i++)
		start(l, &js[i]);
	sleep_ms(20);
	for (int i = 0; i < 5; i++) {
		kill(getpid(), SIGUSR1);
		loop_run_once(l, 20);
	}
	ok(run_until_done(l, js, 4, 5000), "jobs done");
	while (loop_run_once(l, 10) > 0)
		;
	ok(usr1 >= 1, "SIGUSR1 went to the loop (%d times)", usr1);
	loop_signal_del(l, SIGUSR1);
}

/* loop_free with a job running and one queued: cancelled, waited for,
 * no done; ASan sees no leak. */
static void test_free_running(void)
{
	static struct job a = { .until_cancel = true }, b = { .until_cancel = true },
	    q = { .ms = 1 };
	struct loop *l;
	uint64_t t;

	if (loop_new(&l) < 0)
		bail_out("loop_new");
	start(l, &a);
	start(l, &b);
	start(l, &q);
	sleep_ms(20);
	t = loop_now_ms();
	loop_free(l);
	ok(atomic_load(&a.saw_cancel) && atomic_load(&b.saw_cancel), "running jobs cancelled");
	ok(!a.done && !b.done && !q.done, "no done from loop_free");
	ok(loop_now_ms() - t < 1000, "loop_free returned soon (%llu ms)",
	    (unsigned long long)(loop_now_ms() - t));
}

int main(void)
{
	struct loop *l;

	loop_thread = pthread_self();
	if (loop_new(&l) < 0)
		bail_out("loop_new");
	test_one(l);
	test_many(l);
	test_not_blocked(l);
	test_cancel(l);
	test_wait(l);
	test_done_removes(l);
	test_stop_in_done(l);
	test_signal(l);
	loop_free(l);
	test_free_running();
	return done_testing();
}
