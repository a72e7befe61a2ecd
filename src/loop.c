/* loop.c: epoll, timers and signalfd behind one small single-threaded loop.
 *
 * Callbacks may change anything registered, free what their arg points to,
 * or close and reuse fds. So dispatch never keeps a pointer into the loop
 * across a callback: each epoll event carries the fd and the generation of
 * the watcher it was registered for, and the registry is consulted again
 * right before each call. An event whose watcher was deleted (or replaced by
 * a new watcher on a reused fd number) in the same round is dropped.
 * Jobs (loop_work.c) report their end through an eventfd watched like the
 * signalfd. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "loop_timer.h"
#include "loop_work.h"

#define LOOP_MAX_EVENTS	64

struct loop_watcher {
	loop_fd_cb cb;
	void *arg;
	uint32_t events;
	uint32_t gen;		/* 0: slot unused */
};

struct loop_sig {
	loop_signal_cb cb;
	void *arg;
	bool active;
	bool was_ignored;	/* inherited SIG_IGN, put back by loop_signal_del */
};

struct loop {
	int epfd;
	int sigfd;		/* -1 until the first signal is added */
	struct loop_watcher *fds;
	size_t nfds_cap;
	size_t nwatchers;
	uint32_t next_gen;
	struct loop_timers timers;
	sigset_t sigmask;	/* signals routed to sigfd */
	struct loop_sig sigs[_NSIG];
	size_t nsigs;
	struct loop_works works;
	bool stop;
};

/* epoll_data for the signalfd and the jobs' eventfd: generation 0 is
 * never given to a watcher. */
#define LOOP_SIG_TAG	0

static uint64_t loop_tag(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Now in ms, rounded up: a deadline counted from here cannot be early. */
static uint64_t loop_now_ms_ceil(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ((uint64_t)ts.tv_nsec + 999999) / 1000000;
}

/* Create a loop; returns 0 or -errno. */
int loop_new(struct loop **out)
{
	struct loop *l;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->sigfd = -1;
	l->next_gen = 1;
	sigemptyset(&l->sigmask);
	loop_timers_init(&l->timers);
	loop_works_init(&l->works);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = -errno;

		loop_works_fini(&l->works);
		free(l);
		return err;
	}
	*out = l;
	return 0;
}

/* Free the loop and everything registered in it (fds are not closed). */
void loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	loop_works_fini(&l->works);
	for (int s = 1; s < _NSIG; s++)
		if (l->sigs[s].active)
			loop_signal_del(l, s);
	if (l->sigfd >= 0)
		close(l->sigfd);
	close(l->epfd);
	loop_timers_fini(&l->timers);
	free(l->fds);
	free(l);
}

static struct loop_watcher *loop_watcher_get(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds_cap || l->fds[fd].gen == 0)
		return NULL;
	return &l->fds[fd];
}

static int loop_fds_reserve(struct loop *l, int fd)
{
	struct loop_watcher *fds;
	size_t cap;

	if ((size_t)fd < l->nfds_cap)
		return 0;
	cap = l->nfds_cap ? l->nfds_cap : 64;
	while (cap <= (size_t)fd)
		cap *= 2;
	fds = reallocarray(l->fds, cap, sizeof(*fds));
	if (fds == NULL)
		return -ENOMEM;
	memset(fds + l->nfds_cap, 0, (cap - l->nfds_cap) * sizeof(*fds));
	l->fds = fds;
	l->nfds_cap = cap;
	return 0;
}

/* Watch fd for events; one watcher per fd. */
int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	uint32_t gen;
	int r;

	if (fd < 0 || cb == NULL)
		return fd < 0 ? -EBADF : -EINVAL;
	if (loop_watcher_get(l, fd) != NULL)
		return -EEXIST;
	r = loop_fds_reserve(l, fd);
	if (r < 0)
		return r;
	gen = l->next_gen++;
	if (l->next_gen == LOOP_SIG_TAG)
		l->next_gen++;
	ev.data.u64 = loop_tag(fd, gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->fds[fd] = (struct loop_watcher){ .cb = cb, .arg = arg,
					    .events = events, .gen = gen };
	l->nwatchers++;
	return 0;
}

/* Change the event mask of a watched fd. */
int loop_fd_mod(struct loop *l, int fd, uint32_t events)
{
	struct loop_watcher *w = loop_watcher_get(l, fd);
	struct epoll_event ev = { .events = events };

	if (w == NULL)
		return -ENOENT;
	ev.data.u64 = loop_tag(fd, w->gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

/* Stop watching fd; safe from inside any callback. */
int loop_fd_del(struct loop *l, int fd)
{
	struct loop_watcher *w = loop_watcher_get(l, fd);

	if (w == NULL)
		return -ENOENT;
	/* A caller that closed fd first has already left the epoll set
	 * (EBADF/ENOENT); the registry entry must go either way. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	*w = (struct loop_watcher){ 0 };
	l->nwatchers--;
	return 0;
}

/* Call cb once, delay_ms from now; returns a timer id > 0, or 0. */
uint64_t loop_timer_add(struct loop *l, uint64_t delay_ms, loop_timer_cb cb, void *arg)
{
	uint64_t now = loop_now_ms_ceil();

	if (cb == NULL)
		return 0;
	if (delay_ms > UINT64_MAX - now)
		delay_ms = UINT64_MAX - now;
	return loop_timers_add(&l->timers, now + delay_ms, cb, arg);
}

/* Cancel a pending timer; 0, or -ENOENT. */
int loop_timer_cancel(struct loop *l, uint64_t id)
{
	return loop_timers_cancel(&l->timers, id);
}

/* Point the signalfd at the current mask, creating it on first use. */
static int loop_sigfd_update(struct loop *l)
{
	int fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (l->sigfd < 0) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u64 = loop_tag(fd, LOOP_SIG_TAG) };

		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		l->sigfd = fd;
	}
	return 0;
}

/* Deliver signo to cb through signalfd. */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	sigset_t one;
	int r;

	if (signo <= 0 || signo >= _NSIG || cb == NULL ||
	    signo == SIGKILL || signo == SIGSTOP)
		return -EINVAL;
	if (l->sigs[signo].active)
		return -EEXIST;
	/* Block before the signalfd sees it, so none slips through to the
	 * default action in between. */
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return -errno;
	sigaddset(&l->sigmask, signo);
	r = loop_sigfd_update(l);
	if (r < 0) {
		sigdelset(&l->sigmask, signo);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		return r;
	}
	/* An ignored signal is discarded when sent, so signalfd would never
	 * see it: a shell starts background jobs with SIGINT ignored, and
	 * the caller asked for the signal. Blocked, SIG_DFL only queues. */
	struct sigaction old, dfl = { .sa_handler = SIG_DFL };
	bool ignored = sigaction(signo, NULL, &old) == 0 && old.sa_handler == SIG_IGN;

	if (ignored)
		sigaction(signo, &dfl, NULL);
	l->sigs[signo] = (struct loop_sig){ .cb = cb, .arg = arg, .active = true,
	    .was_ignored = ignored };
	l->nsigs++;
	return 0;
}

/* Stop delivering signo and unblock it. */
int loop_signal_del(struct loop *l, int signo)
{
	static const struct timespec zero;
	sigset_t one;

	if (signo <= 0 || signo >= _NSIG || !l->sigs[signo].active)
		return -ENOENT;
	bool was_ignored = l->sigs[signo].was_ignored;

	l->sigs[signo] = (struct loop_sig){ 0 };
	l->nsigs--;
	sigdelset(&l->sigmask, signo);
	if (l->sigfd >= 0)
		loop_sigfd_update(l);
	/* A copy still pending was meant for the callback just removed;
	 * discard it rather than let it hit the default action on unblock. */
	sigemptyset(&one);
	sigaddset(&one, signo);
	while (sigtimedwait(&one, NULL, &zero) == signo)
		;
	if (was_ignored) {
		struct sigaction ign = { .sa_handler = SIG_IGN };

		sigaction(signo, &ign, NULL);
	}
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	return 0;
}

/* Run fn on a worker thread, then done on the loop. */
uint64_t loop_work_start(struct loop *l, loop_work_fn fn, loop_work_cb done, void *arg)
{
	if (l->works.efd < 0) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u64 = loop_tag(fd, LOOP_SIG_TAG) };

		if (fd < 0)
			return 0;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			int err = errno;

			close(fd);
			errno = err;
			return 0;
		}
		l->works.efd = fd;
	}
	return loop_works_start(&l->works, fn, done, arg);
}

/* Ask a job to stop; its done still runs. */
int loop_work_cancel(struct loop *l, uint64_t id)
{
	return loop_works_cancel(&l->works, id);
}

/* Cancel a job and wait for its fn to return; its done does not run. */
int loop_work_wait(struct loop *l, uint64_t id)
{
	return loop_works_wait(&l->works, id);
}

/* Read and dispatch pending signals; returns callbacks run or -errno. */
static int loop_dispatch_signals(struct loop *l)
{
	int ran = 0;

	while (!l->stop) {
		struct signalfd_siginfo si;
		ssize_t n = read(l->sigfd, &si, sizeof(si));
		int signo;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if ((size_t)n != sizeof(si))
			break;
		signo = (int)si.ssi_signo;
		if (signo <= 0 || signo >= _NSIG || !l->sigs[signo].active)
			continue;
		l->sigs[signo].cb(l, signo, l->sigs[signo].arg);
		ran++;
	}
	return ran;
}

/* How long epoll may sleep: the caller's bound or the next deadline. */
static int loop_timeout(struct loop *l, int timeout_ms)
{
	const struct loop_timer *t = loop_timers_peek(&l->timers);
	uint64_t now, wait;

	if (t == NULL)
		return timeout_ms;
	now = loop_now_ms();
	if (t->deadline <= now)
		return 0;
	/* deadline is a whole ms on the clock and now is rounded down, so
	 * waiting deadline - now ms reaches the deadline (epoll may wake a
	 * little early; the next round then simply waits again). */
	wait = t->deadline - now;
	if (wait > INT32_MAX)
		wait = INT32_MAX;
	if (timeout_ms >= 0 && (uint64_t)timeout_ms < wait)
		return timeout_ms;
	return (int)wait;
}

/* Wait at most timeout_ms and dispatch what is ready once. */
int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	uint64_t now, id_limit;
	loop_timer_cb tcb;
	void *targ;
	int n, ran = 0;

	l->stop = false;
	n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, loop_timeout(l, timeout_ms));
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (int i = 0; i < n && !l->stop; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		struct loop_watcher *w;

		if (gen == LOOP_SIG_TAG && fd == l->works.efd) {
			ran += loop_works_dispatch(&l->works, l, &l->stop);
			continue;
		}
		if (gen == LOOP_SIG_TAG) {
			int r = loop_dispatch_signals(l);

			if (r < 0)
				return r;
			ran += r;
			continue;
		}
		w = loop_watcher_get(l, fd);
		if (w == NULL || w->gen != gen)
			continue;	/* deleted or replaced earlier this round */
		w->cb(l, fd, evs[i].events, w->arg);
		ran++;
	}

	/* Timers added by these callbacks wait for the next round, even with
	 * delay 0, so a timer re-arming itself cannot starve the fds. */
	now = loop_now_ms();
	id_limit = l->timers.next_id;
	while (!l->stop && loop_timers_pop_due(&l->timers, now, id_limit, &tcb, &targ)) {
		tcb(l, targ);
		ran++;
	}
	return ran;
}

static bool loop_empty(const struct loop *l)
{
	return l->nwatchers == 0 && l->nsigs == 0 && l->works.njobs == 0 &&
	       loop_timers_peek(&l->timers) == NULL;
}

/* Run until loop_stop() is called or nothing is left to wait for. */
int loop_run(struct loop *l)
{
	int r = 0;

	while (!l->stop && !loop_empty(l)) {
		r = loop_run_once(l, -1);
		if (r < 0)
			break;
		r = 0;
	}
	l->stop = false;
	return r;
}

/* Make loop_run() return after the current callback. */
void loop_stop(struct loop *l)
{
	l->stop = true;
}
