/* test-ctl.c: the control socket: answers to many clients, dropping the
 * ones that misbehave (a request without end, an answer never read)
 * without stalling the others, replacing a stale socket, refusing a
 * regular file, the socket's mode, and unlinking only our own socket. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "loop.h"
#include "../tap.h"

#define BIG (1u << 20)
#define NCHILD 20

static char dir[] = "/tmp/test-ctl.XXXXXX";
static char path[sizeof(dir) + 16];
static unsigned handled;

/* "status" and "echo X" answer a line; "big" answers BIG bytes. */
static int handler(const char *req, char **reply, size_t *len, void *arg)
{
	(void)arg;
	handled++;
	if (strcmp(req, "big") == 0) {
		if (!(*reply = malloc(BIG)))
			return -ENOMEM;
		memset(*reply, 'x', BIG);
		*len = BIG;
		return 0;
	}
	if (strncmp(req, "echo ", 5) == 0 || strcmp(req, "status") == 0) {
		size_t n = strlen(req);

		if (!(*reply = malloc(n + 4)))
			return -ENOMEM;
		memcpy(*reply, "ok ", 3);
		memcpy(*reply + 3, req, n + 1);
		*len = n + 3;
		return 0;
	}
	return -EINVAL;
}

static int raw_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	strcpy(sun.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Run the loop for ms milliseconds. */
static void spin(struct loop *l, int ms)
{
	uint64_t end = loop_now_ms() + (uint64_t)ms;

	while (loop_now_ms() < end)
		loop_run_once(l, 10);
}

/* Read what fd holds now (non-blocking) until EOF/error: bytes read, and
 * whether the peer closed. */
static size_t drain(int fd, bool *closed)
{
	static char buf[65536];
	size_t total = 0;

	*closed = false;
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (r > 0) {
			total += (size_t)r;
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			*closed = true;
		if (r < 0 && errno == EINTR)
			continue;
		return total;
	}
}

/* Fork NCHILD clients asking "echo N" at once; serve them; count the right answers. */
static int forked_clients(struct loop *l)
{
	pid_t pids[NCHILD];
	int good = 0, left = NCHILD;
	uint64_t end;

	for (int i = 0; i < NCHILD; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char req[32], want[40], *reply;
			size_t len;
			int r;

			snprintf(req, sizeof(req), "echo %d", i);
			snprintf(want, sizeof(want), "ok echo %d", i);
			r = ctl_request(path, req, 5000, &reply, &len);
			_exit(r == 0 && len == strlen(want) && strcmp(reply, want) == 0 ? 0 : 1);
		}
	}
	end = loop_now_ms() + 10000;
	while (left > 0 && loop_now_ms() < end) {
		loop_run_once(l, 10);
		for (int i = 0; i < NCHILD; i++) {
			int st;

			if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
				pids[i] = 0;
				left--;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
					good++;
			}
		}
	}
	for (int i = 0; i < NCHILD; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	return good;
}

static void test_serve(struct loop *l)
{
	struct ctl_server *s;
	struct stat st;
	char *big;
	int fd_long, fd_big;
	bool closed;
	size_t got;
	uint64_t t0;

	is_int(ctl_listen(l, path, (uid_t)-1, (gid_t)-1, handler, NULL, &s), 0, "listen");
	ok(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode), "a socket at the path");
	is_int(st.st_mode & 07777, 0660, "mode 0660");

	is_int(forked_clients(l), NCHILD, "%d clients at once all get their answer", NCHILD);

	/* 10 KiB without a newline: dropped, no answer. */
	fd_long = raw_connect();
	big = calloc(1, 10240);
	memset(big, 'a', 10240);
	ok(fd_long >= 0 && send(fd_long, big, 10240, MSG_NOSIGNAL) == 10240, "sent 10 KiB without newline");
	free(big);
	spin(l, 200);
	got = drain(fd_long, &closed);
	ok(closed && got == 0, "the endless request is dropped without answer (got %zu)", got);
	close(fd_long);

	/* A client that asks for 1 MiB and never reads it. */
	fd_big = raw_connect();
	ok(fd_big >= 0 && send(fd_big, "big\n", 4, MSG_NOSIGNAL) == 4, "asked for 1 MiB");
	spin(l, 100);
	t0 = loop_now_ms();
	is_int(forked_clients(l), NCHILD, "others are answered while it does not read");
	ok(loop_now_ms() - t0 < 1500, "and quickly (%llu ms)", (unsigned long long)(loop_now_ms() - t0));
	spin(l, 2300);
	got = drain(fd_big, &closed);
	ok(closed && got < BIG, "the non-reader is dropped after 2 s (got %zu of %u)", got, BIG);
	close(fd_big);

	/* A request the handler refuses: closed without answer. */
	{
		char *reply = NULL;
		size_t len = 0;
		pid_t p = fork();
		int stt = -1;

		if (p == 0) {
			int r = ctl_request(path, "nonsense", 3000, &reply, &len);
			_exit(r == 0 && len == 0 ? 0 : 1);
		}
		for (int i = 0; i < 300 && waitpid(p, &stt, WNOHANG) == 0; i++)
			loop_run_once(l, 10);
		ok(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "a refused request gets an empty answer");
	}

	/* Out of fds: accept fails, and the loop must not spin on the
	 * listening socket meanwhile; the client is answered afterwards. */
	{
		struct rlimit old, low;
		int fd = raw_connect(), lowest = dup(0), calls = 0;
		uint64_t end;
		bool cl;

		close(lowest);
		getrlimit(RLIMIT_NOFILE, &old);
		low = old;
		low.rlim_cur = (rlim_t)lowest;
		ok(fd >= 0 && send(fd, "status\n", 7, MSG_NOSIGNAL) == 7 &&
		   setrlimit(RLIMIT_NOFILE, &low) == 0, "a client waits while we are out of fds");
		end = loop_now_ms() + 300;
		while (loop_now_ms() < end) {
			int n = loop_run_once(l, 10);
			calls += n > 0 ? n : 0;
		}
		setrlimit(RLIMIT_NOFILE, &old);
		ok(calls < 30, "the loop did not spin meanwhile (%d callbacks in 300 ms)", calls);
		spin(l, 300);
		got = drain(fd, &cl);
		ok(got == strlen("ok status") && cl, "answered once fds are back (%zu bytes)", got);
		close(fd);
	}

	ctl_close(s);
	ok(lstat(path, &st) < 0 && errno == ENOENT, "ctl_close unlinks its socket");
}

static void test_paths(struct loop *l)
{
	struct ctl_server *s;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	char *reply;
	size_t len;
	int fd;

	is_int(ctl_request(path, "status", 500, &reply, &len), -ENOENT, "no socket: -ENOENT");

	/* A stale socket: bound once, nobody listening. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sun.sun_path, path);
	ok(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0, "a stale socket file");
	close(fd);
	is_int(ctl_request(path, "status", 500, &reply, &len), -ECONNREFUSED,
	       "stale socket: -ECONNREFUSED");
	is_int(ctl_listen(l, path, (uid_t)-1, (gid_t)-1, handler, NULL, &s), 0,
	       "the stale socket is replaced");
	{
		pid_t p = fork();
		int stt = -1;

		if (p == 0) {
			int r = ctl_request(path, "status", 3000, &reply, &len);
			_exit(r == 0 && strcmp(reply, "ok status") == 0 ? 0 : 1);
		}
		for (int i = 0; i < 300 && waitpid(p, &stt, WNOHANG) == 0; i++)
			loop_run_once(l, 10);
		ok(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "and the new one answers");
	}
	/* Someone replaces our socket: ctl_close must leave theirs. */
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0, "another socket takes the path");
	close(fd);
	ctl_close(s);
	ok(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode), "ctl_close leaves a socket not its own");
	unlink(path);

	/* A regular file is not ours to remove. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	is_int(ctl_listen(l, path, (uid_t)-1, (gid_t)-1, handler, NULL, &s), -EEXIST,
	       "a regular file at the path: -EEXIST");
	ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "and the file is still there");
	unlink(path);

	/* A symlink to a socket is not a socket either. */
	ok(symlink("/nonexistent", path) == 0, "a dangling symlink");
	is_int(ctl_listen(l, path, (uid_t)-1, (gid_t)-1, handler, NULL, &s), -EEXIST,
	       "a symlink at the path: -EEXIST");
	unlink(path);

	is_int(ctl_request(path, "two\nlines", 500, &reply, &len), -EINVAL, "a request with a newline");

	/* The owner asked for (root only: others cannot give files away). */
	if (geteuid() == 0) {
		is_int(ctl_listen(l, path, 65534, 65534, handler, NULL, &s), 0, "listen as 65534:65534");
		ok(lstat(path, &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534 &&
		   (st.st_mode & 07777) == 0660, "owned by 65534:65534, mode 0660");
		ctl_close(s);
	} else {
		skip(2, "chown needs root");
	}
}

int main(void)
{
	struct loop *l;

	if (!mkdtemp(dir))
		bail_out("mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	if (loop_new(&l) < 0)
		bail_out("loop_new");
	test_serve(l);
	test_paths(l);
	ok(handled >= 2 * NCHILD, "the handler ran %u times", handled);
	loop_free(l);
	rmdir(dir);
	return done_testing();
}
