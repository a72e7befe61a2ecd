/* test-loop.c: the event loop's timers, fd watchers and signals. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "../tap.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- random batch: order and never early ---- */

#define BATCH 50

struct batch_timer {
	int index;
	uint64_t delay;
	uint64_t add_ms, add_ns_before, add_ns_after;
	uint64_t fire_ms, fire_ns;
	int fired;
	int *order;
	int *norder;
};

static void batch_cb(struct loop *l, void *arg)
{
	struct batch_timer *t = arg;

	t->fire_ns = mono_ns();
	t->fire_ms = loop_now_ms();
	t->fired++;
	t->order[(*t->norder)++] = t->index;
}

static uint64_t ceil_ms(uint64_t ns)
{
	return (ns + 999999) / 1000000;
}

static void test_batch(struct loop *l, unsigned seed)
{
	struct batch_timer t[BATCH];
	int order[BATCH], norder = 0;
	bool early_ms = false, early_ns = false, late = false, once = true;
	bool misordered = false;

	srand(seed);
	for (int i = 0; i < BATCH; i++) {
		t[i] = (struct batch_timer){ .index = i, .delay = (uint64_t)(rand() % 201),
					     .order = order, .norder = &norder };
		t[i].add_ms = loop_now_ms();
		t[i].add_ns_before = mono_ns();
		if (loop_timer_add(l, t[i].delay, batch_cb, &t[i]) == 0)
			bail_out("loop_timer_add failed");
		t[i].add_ns_after = mono_ns();
	}
	is_int(loop_run(l), 0, "batch: loop_run returns 0 once every timer fired");
	is_int(norder, BATCH, "batch: all %d timers fired", BATCH);
	for (int i = 0; i < BATCH; i++) {
		if (t[i].fired != 1)
			once = false;
		if (t[i].fire_ms < t[i].add_ms + t[i].delay) {
			early_ms = true;
			diag("timer %d early by loop_now_ms: added %ju +%ju fired %ju", i,
			     (uintmax_t)t[i].add_ms, (uintmax_t)t[i].delay, (uintmax_t)t[i].fire_ms);
		}
		if (t[i].fire_ns - t[i].add_ns_after < t[i].delay * 1000000u) {
			early_ns = true;
			diag("timer %d early by CLOCK_MONOTONIC: %ju ns for %ju ms", i,
			     (uintmax_t)(t[i].fire_ns - t[i].add_ns_after), (uintmax_t)t[i].delay);
		}
		if (t[i].fire_ms > t[i].add_ms + t[i].delay + 1000)
			late = true;
	}
	/* The loop's deadline is ceil(add time in ms) + delay, somewhere in
	 * [lo, hi] as seen from the readings around the add. b firing after a
	 * is wrong only if b's deadline was surely earlier, or surely equal
	 * with b added first. */
	for (int k = 0; k + 1 < norder; k++) {
		struct batch_timer *a = &t[order[k]], *b = &t[order[k + 1]];
		uint64_t alo = ceil_ms(a->add_ns_before) + a->delay;
		uint64_t ahi = ceil_ms(a->add_ns_after) + a->delay;
		uint64_t blo = ceil_ms(b->add_ns_before) + b->delay;
		uint64_t bhi = ceil_ms(b->add_ns_after) + b->delay;

		if (bhi < alo || (alo == ahi && blo == bhi && alo == blo && b->index < a->index)) {
			misordered = true;
			diag("timer %d (+%ju) fired before timer %d (+%ju)", a->index,
			     (uintmax_t)a->delay, b->index, (uintmax_t)b->delay);
		}
	}
	ok(once, "batch: each timer fired exactly once");
	ok(!early_ms, "batch: no timer fired early by loop_now_ms");
	ok(!early_ns, "batch: no timer fired early by CLOCK_MONOTONIC");
	ok(!misordered, "batch: timers fired in deadline order");
	ok(!late, "batch: no timer fired more than 1s late");
}

/* ---- equal deadlines, cancel ---- */

struct seq {
	char log[64];
	size_t n;
};

struct tag {
	struct seq *seq;
	char c;
};

static void tag_cb(struct loop *l, void *arg)
{
	struct tag *t = arg;

	if (t->seq->n + 1 < sizeof(t->seq->log))
		t->seq->log[t->seq->n++] = t->c;
}

static void test_equal_and_cancel(struct loop *l)
{
	struct seq s = { 0 };
	struct tag tags[8];
	uint64_t id[8];
	const char *names = "ABCDEFGH";

	for (int i = 0; i < 8; i++)
		tags[i] = (struct tag){ .seq = &s, .c = names[i] };
	/* A, B, D, E, G, H share a delay; C comes first; F is cancelled. */
	id[0] = loop_timer_add(l, 30, tag_cb, &tags[0]);
	id[1] = loop_timer_add(l, 30, tag_cb, &tags[1]);
	id[2] = loop_timer_add(l, 0, tag_cb, &tags[2]);
	id[3] = loop_timer_add(l, 30, tag_cb, &tags[3]);
	id[4] = loop_timer_add(l, 30, tag_cb, &tags[4]);
	id[5] = loop_timer_add(l, 30, tag_cb, &tags[5]);
	id[6] = loop_timer_add(l, 30, tag_cb, &tags[6]);
	id[7] = loop_timer_add(l, 30, tag_cb, &tags[7]);
	bool mono = true;
	for (int i = 1; i < 8; i++)
		if (id[i] <= id[i - 1])
			mono = false;
	ok(id[0] > 0 && mono, "timer ids are > 0 and increase");
	is_int(loop_timer_cancel(l, id[5]), 0, "cancel a pending timer");
	is_int(loop_timer_cancel(l, id[5]), -ENOENT, "cancel it again: -ENOENT");
	is_int(loop_timer_cancel(l, 0), -ENOENT, "cancel id 0: -ENOENT");
	is_int(loop_timer_cancel(l, id[7] + 1000), -ENOENT, "cancel an unknown id: -ENOENT");
	is_int(loop_run(l), 0, "loop_run returns when the timers are done");
	is_str(s.log, "CABDEGH", "equal deadlines fire in insertion order, cancelled never");
	is_int(loop_timer_cancel(l, id[0]), -ENOENT, "cancel after fire: -ENOENT");
}

/* ---- many timers, random cancels (exercises heap and id index) ---- */

struct many {
	uint64_t id;
	uint64_t delay;
	int fired;
	bool cancelled;
	bool *bad;
};

static void many_cb(struct loop *l, void *arg)
{
	struct many *m = arg;

	m->fired++;
	if (m->cancelled)
		*m->bad = true;
}

static void test_many(struct loop *l, unsigned seed)
{
	enum { N = 2000 };
	struct many *m = calloc(N, sizeof(*m));
	bool bad = false, ids_ok = true, counts_ok = true;
	int ncancel = 0;

	if (m == NULL)
		bail_out("calloc");
	srand(seed + 1);
	for (unsigned i = 0; i < N; i++) {
		m[i] = (struct many){ .delay = (uint64_t)(rand() % 25), .bad = &bad };
		m[i].id = loop_timer_add(l, m[i].delay, many_cb, &m[i]);
		if (m[i].id == 0)
			bail_out("loop_timer_add failed");
	}
	for (unsigned i = 0; i < N; i++) {
		if (rand() % 2) {
			if (loop_timer_cancel(l, m[i].id) != 0)
				ids_ok = false;
			m[i].cancelled = true;
			ncancel++;
		}
	}
	is_int(loop_run(l), 0, "many: loop_run returns");
	for (unsigned i = 0; i < N; i++)
		if (m[i].fired != (m[i].cancelled ? 0 : 1))
			counts_ok = false;
	ok(ids_ok, "many: %d random cancels all found their timer", ncancel);
	ok(!bad && counts_ok, "many: exactly the %d uncancelled timers fired once", N - ncancel);
	free(m);
}

/* ---- timer callbacks that add and cancel timers ---- */

struct juggle {
	uint64_t self, victim, added;
	int self_cancel, victim_cancel;
	struct seq *seq;
	struct tag *late_tag;
};

static void juggle_cb(struct loop *l, void *arg)
{
	struct juggle *j = arg;

	struct tag me = { .seq = j->seq, .c = 'J' };

	tag_cb(l, &me);
	j->self_cancel = loop_timer_cancel(l, j->self);
	j->victim_cancel = loop_timer_cancel(l, j->victim);
	j->added = loop_timer_add(l, 0, tag_cb, j->late_tag);
}

static void test_juggle(struct loop *l)
{
	struct seq s = { 0 };
	struct tag victim = { .seq = &s, .c = 'V' }, late = { .seq = &s, .c = 'L' };
	struct juggle j = { .seq = &s, .late_tag = &late };
	int ran;

	j.self = loop_timer_add(l, 5, juggle_cb, &j);
	j.victim = loop_timer_add(l, 10, tag_cb, &victim);
	/* Wait for the juggler's round alone. */
	do
		ran = loop_run_once(l, 1000);
	while (ran == 0);
	is_int(ran, 1, "callback round ran only the juggler (delay-0 timer waits a round)");
	is_int(j.self_cancel, -ENOENT, "a timer cancelling itself while firing gets -ENOENT");
	is_int(j.victim_cancel, 0, "a timer callback cancels another pending timer");
	ok(j.added > j.self, "a timer callback adds a timer");
	is_int(loop_run(l), 0, "loop_run drains the rest");
	is_str(s.log, "JL", "cancelled victim never fired, the added timer did");
}

/* ---- fd watchers ---- */

struct reader {
	int fd;
	uint32_t events;
	char buf[32];
	ssize_t n;
	int calls;
};

static void reader_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct reader *r = arg;

	r->calls++;
	r->events = events;
	r->fd = fd;
	r->n = read(fd, r->buf, sizeof(r->buf) - 1);
	if (r->n >= 0)
		r->buf[r->n] = '\0';
}

static void test_pipe(struct loop *l)
{
	struct reader r = { 0 };
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		bail_out("pipe2: %s", strerror(errno));
	is_int(loop_fd_add(l, p[0], EPOLLIN, reader_cb, &r), 0, "watch a pipe");
	is_int(loop_fd_add(l, p[0], EPOLLIN, reader_cb, &r), -EEXIST, "second watcher on the fd: -EEXIST");
	is_int(loop_run_once(l, 0), 0, "nothing ready on an empty pipe");
	if (write(p[1], "hello", 5) != 5)
		bail_out("write");
	is_int(loop_run_once(l, 1000), 1, "one callback for the readable pipe");
	ok(r.events & EPOLLIN, "watcher saw EPOLLIN");
	is_int(r.fd, p[0], "watcher got its fd");
	is_str(r.buf, "hello", "watcher read the bytes written");
	is_int(loop_fd_mod(l, p[0], 0), 0, "loop_fd_mod to an empty mask");
	if (write(p[1], "x", 1) != 1)
		bail_out("write");
	is_int(loop_run_once(l, 20), 0, "an fd with an empty mask is not dispatched");
	is_int(loop_fd_del(l, p[0]), 0, "loop_fd_del");
	is_int(loop_fd_del(l, p[0]), -ENOENT, "loop_fd_del again: -ENOENT");
	is_int(loop_fd_mod(l, p[0], EPOLLIN), -ENOENT, "loop_fd_mod of an unwatched fd: -ENOENT");
	is_int(loop_fd_add(l, -1, EPOLLIN, reader_cb, &r), -EBADF, "loop_fd_add(-1): -EBADF");
	close(p[0]);
	close(p[1]);
}

/* Two readable pipes whose callbacks each delete and free the other, then
 * put a fresh watcher on the (probably reused) fd number of the victim. */
struct rival {
	struct rival **other;
	struct rival **self;
	int fd, wfd;
	int *calls;
	int *fresh_fd;
	int *fresh_w;
};

static void fresh_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	int *calls = arg;

	(*calls)++;
}

static void rival_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct rival *me = arg, *victim = *me->other;
	int p[2];

	(*me->calls)++;
	if (victim == NULL)
		return;
	loop_fd_del(l, victim->fd);
	close(victim->fd);
	close(victim->wfd);
	*me->other = NULL;
	free(victim);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
		*me->fresh_fd = p[0];
		*me->fresh_w = p[1];
		loop_fd_add(l, p[0], EPOLLIN, fresh_cb, me->calls + 1);
	}
}

static void test_delete_in_round(struct loop *l)
{
	struct rival *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	int calls[2] = { 0, 0 }, fresh_fd = -1, fresh_w = -1, pa[2], pb[2];
	struct rival *survivor;

	if (a == NULL || b == NULL || pipe2(pa, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(pb, O_CLOEXEC | O_NONBLOCK) < 0)
		bail_out("setup");
	*a = (struct rival){ .other = &b, .self = &a, .fd = pa[0], .wfd = pa[1],
			     .calls = calls, .fresh_fd = &fresh_fd, .fresh_w = &fresh_w };
	*b = (struct rival){ .other = &a, .self = &b, .fd = pb[0], .wfd = pb[1],
			     .calls = calls, .fresh_fd = &fresh_fd, .fresh_w = &fresh_w };
	if (write(pa[1], "a", 1) != 1 || write(pb[1], "b", 1) != 1)
		bail_out("write");
	loop_fd_add(l, pa[0], EPOLLIN, rival_cb, a);
	loop_fd_add(l, pb[0], EPOLLIN, rival_cb, b);
	is_int(loop_run_once(l, 1000), 1, "both ready, the first deletes the second: one callback");
	is_int(calls[0], 1, "the deleted watcher's callback did not run");
	is_int(calls[1], 0, "a new watcher on a reused fd number got no stale event");
	diag("victim fd reused: %s", fresh_fd >= 0 && (fresh_fd == pa[0] || fresh_fd == pb[0]) ? "yes" : "no");
	survivor = a != NULL ? a : b;
	loop_fd_del(l, survivor->fd);
	loop_fd_del(l, fresh_fd);
	close(survivor->fd);
	close(survivor->wfd);
	close(fresh_fd);
	close(fresh_w);
	free(survivor);
}

/* ---- loop_run ending ---- */

static void self_delete_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	int *calls = arg;

	(*calls)++;
	loop_fd_del(l, fd);
}

struct ticker {
	int count;
	int stop_at;
};

static void ticker_cb(struct loop *l, void *arg)
{
	struct ticker *t = arg;

	t->count++;
	loop_timer_add(l, 1, ticker_cb, t);
	if (t->count == t->stop_at)
		loop_stop(l);
}

static void stopper_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	int *calls = arg;
	char c;

	(*calls)++;
	if (read(fd, &c, 1) != 1)
		(*calls) += 100;
	loop_stop(l);
}

/* loop_stop takes effect right after the calling callback, even with more
 * events ready in the same round; those come in the next run. */
static void test_stop_in_round(void)
{
	struct loop *l;
	int calls = 0, pa[2], pb[2];

	if (loop_new(&l) < 0 || pipe2(pa, O_CLOEXEC) < 0 || pipe2(pb, O_CLOEXEC) < 0)
		bail_out("setup");
	if (write(pa[1], "a", 1) != 1 || write(pb[1], "b", 1) != 1)
		bail_out("write");
	loop_fd_add(l, pa[0], EPOLLIN, stopper_cb, &calls);
	loop_fd_add(l, pb[0], EPOLLIN, stopper_cb, &calls);
	is_int(loop_run(l), 0, "loop_run returns after a callback calls loop_stop");
	is_int(calls, 1, "no further callback ran in that round");
	is_int(loop_run(l), 0, "a second loop_run runs again and stops again");
	is_int(calls, 2, "the other ready fd was dispatched by the second run");
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
	}
	loop_free(l);
}

static void test_run_end(void)
{
	struct loop *l;
	struct ticker t = { .stop_at = 5 };
	int calls = 0, p[2];

	if (loop_new(&l) < 0 || pipe2(p, O_CLOEXEC) < 0)
		bail_out("setup");
	is_int(loop_run(l), 0, "loop_run on an empty loop returns at once");
	if (write(p[1], "z", 1) != 1)
		bail_out("write");
	loop_fd_add(l, p[0], EPOLLIN, self_delete_cb, &calls);
	is_int(loop_run(l), 0, "loop_run returns after the only watcher removed itself");
	is_int(calls, 1, "the self-removing watcher ran once");
	loop_timer_add(l, 1, ticker_cb, &t);
	is_int(loop_run(l), 0, "loop_run returns after loop_stop");
	is_int(t.count, 5, "loop_stop ended the run at the stopping callback");
	close(p[0]);
	close(p[1]);
	/* The ticker's next timer is still pending: loop_free must free it. */
	loop_free(l);
}

/* ---- signals ---- */

struct sigrec {
	int usr1, usr2, wrong;
};

static void sig_cb(struct loop *l, int signo, void *arg)
{
	struct sigrec *s = arg;

	if (signo == SIGUSR1)
		s->usr1++;
	else if (signo == SIGUSR2)
		s->usr2++;
	else
		s->wrong++;
}

static void test_signals(void)
{
	struct loop *l;
	struct sigrec s = { 0 };
	sigset_t cur, pend;

	if (loop_new(&l) < 0)
		bail_out("loop_new");
	is_int(loop_signal_add(l, SIGUSR1, sig_cb, &s), 0, "loop_signal_add SIGUSR1");
	is_int(loop_signal_add(l, SIGUSR2, sig_cb, &s), 0, "loop_signal_add SIGUSR2");
	is_int(loop_signal_add(l, SIGUSR2, sig_cb, &s), -EEXIST, "loop_signal_add twice: -EEXIST");
	is_int(loop_signal_add(l, SIGKILL, sig_cb, &s), -EINVAL, "SIGKILL cannot be caught: -EINVAL");
	raise(SIGUSR1);
	kill(getpid(), SIGUSR2);
	for (int i = 0; i < 10 && s.usr1 + s.usr2 < 2; i++)
		loop_run_once(l, 1000);
	is_int(s.usr1, 1, "raise(SIGUSR1) reached its callback once");
	is_int(s.usr2, 1, "kill(getpid(), SIGUSR2) reached its callback once");
	is_int(s.wrong, 0, "callbacks saw the right signo");

	is_int(loop_signal_del(l, SIGUSR1), 0, "loop_signal_del SIGUSR1");
	is_int(loop_signal_del(l, SIGUSR1), -ENOENT, "loop_signal_del again: -ENOENT");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	ok(!sigismember(&cur, SIGUSR1), "SIGUSR1 is unblocked after loop_signal_del");
	ok(sigismember(&cur, SIGUSR2), "SIGUSR2 is still blocked");

	/* A signal pending when its callback goes must not kill us. */
	raise(SIGUSR2);
	is_int(loop_signal_del(l, SIGUSR2), 0, "loop_signal_del with SIGUSR2 pending");
	sigpending(&pend);
	ok(!sigismember(&pend, SIGUSR2), "the pending SIGUSR2 was discarded, we live");
	is_int(loop_run(l), 0, "loop_run returns with no signals left");

	loop_signal_add(l, SIGUSR1, sig_cb, &s);
	loop_free(l);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	ok(!sigismember(&cur, SIGUSR1), "loop_free unblocks the signals it held");

	/* Inherited as ignored (a shell's background job and SIGINT): still
	 * delivered while watched, ignored again afterwards. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, now;

	sigaction(SIGUSR1, &ign, NULL);
	if (loop_new(&l) < 0)
		bail_out("loop_new");
	s.usr1 = 0;
	loop_signal_add(l, SIGUSR1, sig_cb, &s);
	raise(SIGUSR1);
	for (int i = 0; i < 10 && !s.usr1; i++)
		loop_run_once(l, 1000);
	is_int(s.usr1, 1, "a signal inherited as ignored reaches its callback");
	loop_signal_del(l, SIGUSR1);
	sigaction(SIGUSR1, NULL, &now);
	ok(now.sa_handler == SIG_IGN, "and is ignored again after loop_signal_del");
	raise(SIGUSR1);
	ok(1, "raising it then does not kill us");
	loop_free(l);
}

int main(void)
{
	struct loop *l;
	unsigned seed;
	const char *env = getenv("OUTPOST_SEED");

	seed = env != NULL ? (unsigned)strtoul(env, NULL, 0) : (unsigned)(mono_ns() ^ (uint64_t)getpid());
	diag("seed %u (set OUTPOST_SEED to repeat)", seed);
	if (loop_new(&l) < 0)
		bail_out("loop_new");
	test_batch(l, seed);
	test_equal_and_cancel(l);
	test_many(l, seed);
	test_juggle(l);
	test_pipe(l);
	test_delete_in_round(l);
	loop_free(l);
	loop_free(NULL);
	test_run_end();
	test_stop_in_round();
	test_signals();
	return done_testing();
}
