/* test-daemon.c: pidfile ownership (including racing writers) and detach. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "../tap.h"

static char dir[] = "/tmp/outpost-test-daemon.XXXXXX";
static char path[PATH_MAX];

/* Whole file as a string, or NULL (caller frees). */
static char *slurp(const char *p)
{
	char *buf = calloc(1, 256);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (buf == NULL || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	n = read(fd, buf, 255);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void is_pid_in_file(pid_t pid, const char *what)
{
	char want[32], *got = slurp(path);

	snprintf(want, sizeof(want), "%ld\n", (long)pid);
	is_str(got, want, "%s", what);
	free(got);
}

/* Fork a holder that takes the pidfile, reports, and waits for us to close
 * its pipe before it dies without removing the file (like a crash). */
static pid_t spawn_holder(int *release_fd, int *result)
{
	int up[2], down[2];
	pid_t pid;
	char c;

	if (pipe(up) < 0 || pipe(down) < 0)
		bail_out("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail_out("fork");
	if (pid == 0) {
		int r = daemon_pidfile_write(path);

		close(up[0]);
		close(down[1]);
		if (write(up[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		while (read(down[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], result, sizeof(*result)) != sizeof(*result))
		bail_out("holder did not report");
	close(up[0]);
	*release_fd = down[1];
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
}

static void test_basic(void)
{
	struct stat st;
	int release, r;
	pid_t holder;

	holder = spawn_holder(&release, &r);
	is_int(r, 0, "a first process takes the pidfile");
	is_int(daemon_pidfile_write(path), -EBUSY, "a second process is refused while the holder lives");
	is_pid_in_file(holder, "the pidfile still names the holder");
	close(release);
	reap(holder);

	is_int(daemon_pidfile_write(path), 0, "a stale pidfile (holder died) is replaced");
	is_pid_in_file(getpid(), "the pidfile names us");
	if (stat(path, &st) < 0)
		st.st_mode = 0;
	is_int(st.st_mode & 07777, 0644, "pidfile mode 0644");
	is_int(count_entries(), 1, "no temporary file left behind");
	is_int(daemon_pidfile_write(path), -EALREADY, "a second pidfile in one process: -EALREADY");

	holder = spawn_holder(&release, &r);
	is_int(r, -EALREADY, "a forked child inherits the ownership, not a new pidfile");
	close(release);
	reap(holder);

	is_int(daemon_pidfile_remove(path), 0, "daemon_pidfile_remove");
	ok(access(path, F_OK) < 0 && errno == ENOENT, "the pidfile is gone");
	is_int(daemon_pidfile_remove(path), -ENOENT, "remove without owning one: -ENOENT");
}

static void test_garbage_and_replaced(void)
{
	char other[PATH_MAX + 8], *got;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "not a pid", 9) != 9)
		bail_out("write garbage");
	close(fd);
	is_int(daemon_pidfile_write(path), 0, "an unlocked file with garbage is replaced");
	is_pid_in_file(getpid(), "and now names us");

	/* Someone else puts a different file in place: not ours to delete. */
	snprintf(other, sizeof(other), "%s.other", path);
	fd = open(other, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "1\n", 2) != 2 || rename(other, path) < 0)
		bail_out("replace");
	close(fd);
	is_int(daemon_pidfile_remove(path), -ESTALE, "remove after a foreign replace: -ESTALE");
	got = slurp(path);
	is_str(got, "1\n", "the foreign file is left alone");
	free(got);
	unlink(path);
}

static void test_refusals(void)
{
	char target[PATH_MAX + 8], *got;
	int fd;

	snprintf(target, sizeof(target), "%s.target", path);
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "keep", 4) != 4 || symlink(target, path) < 0)
		bail_out("symlink setup");
	close(fd);
	is_int(daemon_pidfile_write(path), -ELOOP, "a symlink at the pidfile path is refused");
	got = slurp(target);
	is_str(got, "keep", "the symlink's target is untouched");
	free(got);
	unlink(path);
	unlink(target);

	is_int(daemon_pidfile_write("/nonexistent-outpost-dir/x.pid"), -ENOENT,
	       "a pidfile in a missing directory: -ENOENT");
	is_int(count_entries(), 0, "refusals leave nothing behind");
}

/* Many processes start at once; exactly one may own the pidfile. */
static void test_race(void)
{
	enum { PROCS = 8, ROUNDS = 20 };
	bool exactly_one = true, content_ok = true;

	for (int round = 0; round < ROUNDS; round++) {
		int go[2], up[2], hold[2], winners = 0, busy = 0;
		pid_t kids[PROCS], winner = 0;
		char c;

		if (round % 2) {
			/* Odd rounds start from a stale file. */
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd < 0 || write(fd, "99999\n", 6) != 6)
				bail_out("stale");
			close(fd);
		}
		if (pipe(go) < 0 || pipe(up) < 0 || pipe(hold) < 0)
			bail_out("pipe");
		fflush(stdout);
		for (int i = 0; i < PROCS; i++) {
			kids[i] = fork();
			if (kids[i] < 0)
				bail_out("fork");
			if (kids[i] == 0) {
				struct { pid_t pid; int r; } rep;

				close(go[1]);
				close(up[0]);
				close(hold[1]);
				/* EOF on go is the starting gun. */
				if (read(go[0], &c, 1) != 0)
					_exit(2);
				rep.pid = getpid();
				rep.r = daemon_pidfile_write(path);
				if (write(up[1], &rep, sizeof(rep)) != sizeof(rep))
					_exit(2);
				/* Hold on until the parent has checked. */
				while (read(hold[0], &c, 1) > 0)
					;
				_exit(0);
			}
		}
		close(up[1]);
		close(go[0]);
		close(hold[0]);
		close(go[1]);
		for (int i = 0; i < PROCS; i++) {
			struct { pid_t pid; int r; } rep;

			if (read(up[0], &rep, sizeof(rep)) != sizeof(rep))
				bail_out("child report");
			if (rep.r == 0) {
				winners++;
				winner = rep.pid;
			} else if (rep.r == -EBUSY) {
				busy++;
			} else {
				diag("round %d: pid %ld got %d", round, (long)rep.pid, rep.r);
			}
		}
		if (winners != 1 || busy != PROCS - 1) {
			exactly_one = false;
			diag("round %d: %d winners, %d busy", round, winners, busy);
		}
		if (winner) {
			char want[32], *got = slurp(path);

			snprintf(want, sizeof(want), "%ld\n", (long)winner);
			if (got == NULL || strcmp(got, want) != 0)
				content_ok = false;
			free(got);
		}
		close(up[0]);
		close(hold[1]);
		for (int i = 0; i < PROCS; i++)
			reap(kids[i]);
		unlink(path);
	}
	ok(exactly_one, "%d rounds of %d racing starters: exactly one wins each", ROUNDS, PROCS);
	ok(content_ok, "the pidfile names the winner every time");
	is_int(count_entries(), 0, "racing leaves no temporary files");
}

static void test_detach(void)
{
	struct {
		pid_t pid, sid, ppid;
		int r;
		char cwd[64];
		int null_fds;
	} rep;
	struct stat devnull, st;
	int p[2], status;
	pid_t child;

	if (stat("/dev/null", &devnull) < 0 || pipe(p) < 0)
		bail_out("setup");
	fflush(stdout);
	child = fork();
	if (child < 0)
		bail_out("fork");
	if (child == 0) {
		close(p[0]);
		memset(&rep, 0, sizeof(rep));
		rep.r = daemon_detach();
		rep.pid = getpid();
		rep.sid = getsid(0);
		rep.ppid = getppid();
		if (getcwd(rep.cwd, sizeof(rep.cwd)) == NULL)
			rep.cwd[0] = '\0';
		for (int fd = 0; fd <= 2; fd++)
			if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == devnull.st_rdev)
				rep.null_fds++;
		if (write(p[1], &rep, sizeof(rep)) != sizeof(rep))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the process that called daemon_detach exits 0");
	if (read(p[0], &rep, sizeof(rep)) != sizeof(rep)) {
		ok(0, "the daemon reported back");
		close(p[0]);
		return;
	}
	close(p[0]);
	is_int(rep.r, 0, "daemon_detach returned 0 in the daemon");
	ok(rep.pid != child, "the daemon is a grandchild, not the caller");
	ok(rep.sid != getsid(0), "the daemon is in a new session");
	ok(rep.sid != rep.pid, "the daemon is not a session leader (cannot get a tty)");
	is_str(rep.cwd, "/", "the daemon's cwd is /");
	is_int(rep.null_fds, 3, "stdin, stdout and stderr are /dev/null");
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		bail_out("mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/outpost-test.pid", dir);
	test_basic();
	test_garbage_and_replaced();
	test_refusals();
	test_race();
	test_detach();
	rmdir(dir);
	return done_testing();
}
