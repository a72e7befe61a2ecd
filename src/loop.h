/* loop.h: the event loop every Outpost daemon runs on.
 *
 * epoll for file descriptors, a binary heap of CLOCK_MONOTONIC timers,
 * signals delivered through signalfd, and jobs run on worker threads.
 * Callbacks all run on the loop's thread; they may add or remove any
 * watcher, timer, signal or job, including their own. */
#ifndef OUTPOST_LOOP_H
#define OUTPOST_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

/* events is an EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP mask. */
typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *l, void *arg);
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *arg);

struct loop_work;
/* A job's work, on a worker thread. */
typedef void (*loop_work_fn)(const struct loop_work *w, void *arg);
/* Its end, on the loop: cancelled when loop_work_cancel was called (fn may
 * have stopped early, run to its end all the same, or not run at all). */
typedef void (*loop_work_cb)(struct loop *l, bool cancelled, void *arg);

/* Create a loop; returns 0 or -errno. */
int loop_new(struct loop **out);

/* Free the loop and everything registered in it (fds are not closed; its
 * signals are unblocked as by loop_signal_del; jobs are cancelled, the
 * running ones waited for, and no done callback runs). NULL-safe. */
void loop_free(struct loop *l);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t loop_now_ms(void);

/* Watch fd for events (EPOLLIN, EPOLLOUT); one watcher per fd.
 * Returns 0, -EEXIST if fd is already watched, or -errno. */
int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);

/* Change the event mask of a watched fd; 0 or -errno (-ENOENT if unknown). */
int loop_fd_mod(struct loop *l, int fd, uint32_t events);

/* Stop watching fd; 0 or -ENOENT. Safe from inside any callback, also
 * after close(fd): events of this round still pending for fd are dropped,
 * even if the fd number is watched again in the meantime. */
int loop_fd_del(struct loop *l, int fd);

/* Call cb once, delay_ms from now. Returns a timer id > 0, or 0 on
 * allocation failure. Timers with equal deadlines fire in the order they
 * were added; a timer never fires before its deadline (the deadline is
 * rounded up to a whole ms, so it may be up to ~1 ms late). A timer added
 * from a callback fires in a later round, even with delay 0. */
uint64_t loop_timer_add(struct loop *l, uint64_t delay_ms, loop_timer_cb cb, void *arg);

/* Cancel a pending timer; 0, or -ENOENT when it already fired or is
 * unknown. Cancelling id 0 is a no-op returning -ENOENT. */
int loop_timer_cancel(struct loop *l, uint64_t id);

/* Deliver signo to cb through signalfd (the signal is blocked for normal
 * delivery in this thread; one inherited as ignored, as a shell's
 * background jobs get SIGINT, is delivered too, and ignored again after
 * loop_signal_del). Returns 0 or -errno. */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *arg);

/* Stop delivering signo and unblock it; 0 or -ENOENT. A copy of signo
 * still pending is discarded rather than left to the default action. */
int loop_signal_del(struct loop *l, int signo);

/* Work that would hold the loop up (hashing gigabytes, fsync) runs as a
 * job: fn(w, arg) on one of a few worker threads, started with the first
 * job (so drop privileges before: capabilities are per thread), which
 * take jobs in the order started; then done(l, cancelled, arg) on the
 * loop, in a later round. fn must not touch the loop, nor anything the
 * loop's callbacks change meanwhile, unless it locks it itself; long work
 * should look at loop_work_cancelled between steps. A job not yet done
 * keeps loop_run going. Returns a job id > 0, or 0 with errno set. */
uint64_t loop_work_start(struct loop *l, loop_work_fn fn, loop_work_cb done, void *arg);

/* For fn: whether the job was cancelled (stop at the next step). Safe on
 * any thread. */
bool loop_work_cancelled(const struct loop_work *w);

/* Ask job id to stop: fn sees loop_work_cancelled, and a job still queued
 * never runs; done runs all the same, with cancelled. 0, or -ENOENT when
 * done already ran (or is running) or id is unknown. */
int loop_work_cancel(struct loop *l, uint64_t id);

/* Cancel job id and wait until its fn returned (at once when it had not
 * started); done is not called. For freeing what arg points to: the loop
 * is held up until fn sees the cancel, so fn must look often. 0 or
 * -ENOENT, as loop_work_cancel. */
int loop_work_wait(struct loop *l, uint64_t id);

/* Run until loop_stop() is called or nothing is left to wait for.
 * Returns 0, or -errno if epoll itself fails. */
int loop_run(struct loop *l);

/* Wait at most timeout_ms (-1: until something happens) and dispatch what is
 * ready once. Returns the number of callbacks run, or -errno. */
int loop_run_once(struct loop *l, int timeout_ms);

/* Make loop_run() (or loop_run_once()) return after the current callback;
 * fds ready but not yet dispatched are reported again next round (the loop
 * is level-triggered; do not pass EPOLLET). */
void loop_stop(struct loop *l);

#endif
