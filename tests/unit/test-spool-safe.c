/* test-spool-safe: a spool whose user plants links, FIFOs and hard links
 * must not make root (spool_open, spool_list, spool_read, and the setup
 * outpost-pubd does as root) change, delete or block on anything outside
 * the spool. Each case plants one thing, runs the code as root under an
 * alarm, and compares what lies outside (content, mode, owner, group,
 * mtime) before and after. Needs root (chown, the other user's uid). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "tap.h"

#define USER_UID 64123          /* the spool's user; need not exist */
#define USER_GID 64123
#define ALARM_SECONDS 10

static char *top;               /* one folder per run, removed at exit */
static int ncase;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static void cleanup(void)
{
	if (top != NULL)
		nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void on_alarm(int sig)
{
	(void)sig;
	/* A blocked open() is the failure this test looks for. */
	static const char msg[] = "not ok - blocked (a FIFO held the process)\n";
	(void)!write(1, msg, sizeof(msg) - 1);
	cleanup();
	_exit(1);
}

/* snprintf for paths in buffers far larger than the paths here. */
__attribute__((format(printf, 3, 4)))
static void pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		bail_out("write %s: %s", path, strerror(errno));
	fchmod(fd, mode);
	close(fd);
}

/* What must not change about a file or folder outside the spool. */
struct snap {
	struct stat st;
	char text[256];
};

static struct snap snap(const char *path)
{
	struct snap s;
	int fd;
	ssize_t n;

	memset(&s, 0, sizeof(s));
	if (lstat(path, &s.st) < 0)
		bail_out("lstat %s: %s", path, strerror(errno));
	if (S_ISREG(s.st.st_mode) && (fd = open(path, O_RDONLY)) >= 0) {
		n = read(fd, s.text, sizeof(s.text) - 1);
		s.text[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return s;
}

static int same(const char *path, const struct snap *was)
{
	struct snap now;
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	now = snap(path);
	return now.st.st_mode == was->st.st_mode && now.st.st_uid == was->st.st_uid &&
	       now.st.st_gid == was->st.st_gid && now.st.st_size == was->st.st_size &&
	       now.st.st_mtim.tv_sec == was->st.st_mtim.tv_sec &&
	       now.st.st_mtim.tv_nsec == was->st.st_mtim.tv_nsec &&
	       strcmp(now.text, was->text) == 0;
}

/* A fresh spool folder and a fresh outside folder for one case. */
static void fresh(char *spool, char *out, size_t size)
{
	ncase++;
	pathf(spool, size, "%s/spool%d", top, ncase);
	pathf(out, size, "%s/outside%d", top, ncase);
	if (mkdir(spool, 0750) < 0 || mkdir(out, 0700) < 0)
		bail_out("mkdir: %s", strerror(errno));
}

static int try_open(const char *dir, uid_t owner, char *why, size_t whylen)
{
	struct spool_opts o = { .dir = dir, .node = "n", .owner = owner,
				.why = why, .whylen = whylen };
	struct spool *sp = NULL;
	int r;

	why[0] = '\0';
	alarm(ALARM_SECONDS);
	r = spool_open(&sp, &o);
	alarm(0);
	spool_close(sp);
	return r;
}

static void path_of(char *buf, size_t size, const char *dir, const char *name)
{
	pathf(buf, size, "%s/%s", dir, name);
}

/* tmp, new and state as links, state as a FIFO or hard link. */
static void test_open_links(void)
{
	char sp[4096], out[4096], p[4096], q[4096], why[512];
	struct timespec old[2] = { { time(NULL) - 7200, 0 }, { time(NULL) - 7200, 0 } };
	struct snap s1, s2;
	int r;

	/* tmp -> a folder outside holding an old file: clean_tmp used to
	 * delete it. */
	fresh(sp, out, sizeof(sp));
	path_of(p, sizeof(p), out, "old-file");
	put(p, "keep me\n", 0600);
	utimensat(AT_FDCWD, p, old, 0);
	s1 = snap(p);
	s2 = snap(out);
	path_of(q, sizeof(q), sp, "tmp");
	if (symlink(out, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	r = try_open(sp, (uid_t)-1, why, sizeof(why));
	is_int(r, -ELOOP, "tmp as a link: spool_open refuses (-ELOOP)");
	ok(strstr(why, "/tmp: is a symbolic link; remove it") != NULL, "... saying so: %s", why);
	ok(same(p, &s1), "the old file outside is still there, unchanged");
	ok(same(out, &s2), "the folder outside is unchanged");

	/* new -> outside */
	fresh(sp, out, sizeof(sp));
	path_of(p, sizeof(p), out, "0000000000000001.x");
	put(p, "{}", 0600);
	s1 = snap(p);
	path_of(q, sizeof(q), sp, "new");
	if (symlink(out, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	is_int(try_open(sp, (uid_t)-1, why, sizeof(why)), -ELOOP, "new as a link: refused");
	ok(same(p, &s1), "the file behind it is unchanged");

	/* state -> a file outside: it used to be truncated and rewritten. */
	fresh(sp, out, sizeof(sp));
	path_of(p, sizeof(p), out, "precious");
	put(p, "precious content\n", 0600);
	s1 = snap(p);
	path_of(q, sizeof(q), sp, "state");
	if (symlink(p, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	is_int(try_open(sp, (uid_t)-1, why, sizeof(why)), -ELOOP, "state as a link: refused");
	ok(strstr(why, "state: is a symbolic link") != NULL, "... saying so: %s", why);
	ok(same(p, &s1), "the file it points to is unchanged");

	/* state as a hard link to a file outside. */
	fresh(sp, out, sizeof(sp));
	path_of(p, sizeof(p), out, "precious");
	put(p, "precious content\n", 0600);
	path_of(q, sizeof(q), sp, "state");
	if (link(p, q) < 0)
		bail_out("link: %s", strerror(errno));
	s1 = snap(p);
	is_int(try_open(sp, (uid_t)-1, why, sizeof(why)), -EPERM, "state as a hard link: refused");
	ok(same(p, &s1), "the linked file is unchanged");

	/* state as a FIFO: open used to block for ever. */
	fresh(sp, out, sizeof(sp));
	path_of(q, sizeof(q), sp, "state");
	if (mkfifo(q, 0640) < 0)
		bail_out("mkfifo: %s", strerror(errno));
	is_int(try_open(sp, (uid_t)-1, why, sizeof(why)), -EPERM,
	       "state as a FIFO: refused at once, not blocked");
	ok(strstr(why, "state: is not a regular file") != NULL, "... saying so: %s", why);
}

/* Owner and mode rules. */
static void test_open_rules(void)
{
	char sp[4096], out[4096], q[4096], why[512];

	fresh(sp, out, sizeof(sp));
	chmod(sp, 0777);
	is_int(try_open(sp, (uid_t)-1, why, sizeof(why)), -EPERM, "a folder writable by all: refused");
	ok(strstr(why, "is mode 0777, writable by every user: chmod o-w") != NULL,
	   "... saying what to fix: %s", why);

	fresh(sp, out, sizeof(sp));
	path_of(q, sizeof(q), sp, "tmp");
	mkdir(q, 0750);
	if (chown(q, USER_UID + 1, USER_GID) < 0)
		bail_out("chown: %s", strerror(errno));
	is_int(try_open(sp, USER_UID, why, sizeof(why)), -EPERM,
	       "tmp/ owned by a third user: refused");
	ok(strstr(why, "/tmp: is owned by uid") != NULL, "... saying so: %s", why);
	if (chown(q, USER_UID, USER_GID) < 0 || chown(sp, USER_UID, USER_GID) < 0)
		bail_out("chown: %s", strerror(errno));
	is_int(try_open(sp, USER_UID, why, sizeof(why)), 0, "owned by the declared owner: fine");
	is_int(try_open(sp, (uid_t)-1, why, sizeof(why)), 0,
	       "owned like the spool folder, no owner declared: fine");
}

static void on_notice(void *arg, const char *text)
{
	int *n = arg;

	(*n)++;
	diag("notice: %s", text);
}

/* Links and FIFOs in new/: read and list neither follow nor block. */
static void test_event_files(void)
{
	char sp[4096], out[4096], p[4096], q[4096], why[512] = "";
	struct spool_opts o = { .dir = sp, .node = "n", .notice = on_notice,
				.why = why, .whylen = sizeof(why) };
	struct spool_ref *refs = NULL, ref;
	struct spool_event ev;
	struct spool *s = NULL;
	struct snap s1;
	struct stat st;
	int notices = 0;
	size_t n = 0;

	o.notice_arg = &notices;
	fresh(sp, out, sizeof(sp));
	if (spool_open(&s, &o) < 0)
		bail_out("spool_open: %s", why);
	spool_emit(s, "ok", NULL, NULL, NULL);
	path_of(p, sizeof(p), out, "secret");
	put(p, "{\"secret\":1}", 0600);
	s1 = snap(p);
	pathf(q, sizeof(q), "%s/new/0000000000000002.link", sp);
	if (symlink(p, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	pathf(q, sizeof(q), "%s/new/0000000000000003.fifo", sp);
	if (mkfifo(q, 0640) < 0)
		bail_out("mkfifo: %s", strerror(errno));
	pathf(q, sizeof(q), "%s/new/0000000000000004.hard", sp);
	if (link(p, q) < 0)
		bail_out("link: %s", strerror(errno));

	alarm(ALARM_SECONDS);
	spool_ref_parse("0000000000000002.link", &ref, NULL, NULL);
	is_int(spool_read(s, &ref, &ev), -ELOOP, "reading a link in new/: -ELOOP, not followed");
	spool_ref_parse("0000000000000003.fifo", &ref, NULL, NULL);
	is_int(spool_read(s, &ref, &ev), -EINVAL, "reading a FIFO in new/: -EINVAL at once");
	spool_ref_parse("0000000000000004.hard", &ref, NULL, NULL);
	is_int(spool_read(s, &ref, &ev), -EINVAL, "reading a hard link to another file: -EINVAL");
	is_int(spool_list(s, 0, 0, &refs, &n), 0, "listing does not block");
	alarm(0);
	ok(n == 2 && refs[0].seq == 1 && strcmp(refs[1].file, "0000000000000004.hard") == 0,
	   "the event and the hard link (a plain file) are listed");
	free(refs);
	/* The hard link is a plain file numbered above the counter: it
	 * raises it (spool_read refuses it; the reader sets it aside). */
	is_int(notices, 3, "three notices: link and FIFO moved aside, counter raised");
	pathf(q, sizeof(q), "%s/bad/0000000000000002.link", sp);
	ok(lstat(q, &st) == 0 && S_ISLNK(st.st_mode), "the link itself is in bad/");
	pathf(q, sizeof(q), "%s/bad/0000000000000003.fifo.why", sp);
	ok(lstat(q, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0, "with a .why beside the FIFO");
	ok(same(p, &s1), "the file outside is unchanged");
	spool_close(s);
}

/* The setup outpost-pubd does as root, with links planted. */
static void test_setup(void)
{
	char sp[4096], out[4096], p[4096], q[4096];
	const char *what;
	struct snap s1, s2;
	struct stat st;

	/* state as a link to a root-only file: it used to be chowned. */
	fresh(sp, out, sizeof(sp));
	path_of(p, sizeof(p), out, "root-only");
	put(p, "root only\n", 0600);
	s1 = snap(p);
	path_of(q, sizeof(q), sp, "state");
	if (symlink(p, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	ok(spool_setup(sp, USER_UID, USER_GID, &what) < 0 && strcmp(what, "state") == 0,
	   "setup refuses a state link");
	ok(same(p, &s1), "the root-only file keeps its owner, group and mode");

	/* An event that is a link or a hard link to a root-only file. */
	fresh(sp, out, sizeof(sp));
	path_of(p, sizeof(p), out, "root-only");
	put(p, "root only\n", 0600);
	pathf(q, sizeof(q), "%s/new", sp);
	mkdir(q, 0750);
	pathf(q, sizeof(q), "%s/new/0000000000000001.link", sp);
	if (symlink(p, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	pathf(q, sizeof(q), "%s/new/0000000000000002.hard", sp);
	if (link(p, q) < 0)
		bail_out("link: %s", strerror(errno));
	pathf(q, sizeof(q), "%s/new/0000000000000003.fifo", sp);
	mkfifo(q, 0600);
	pathf(q, sizeof(q), "%s/new/0000000000000004.ok", sp);
	put(q, "{}", 0600);
	s1 = snap(p);
	alarm(ALARM_SECONDS);
	is_int(spool_setup(sp, USER_UID, USER_GID, &what), 0, "setup with odd events succeeds");
	alarm(0);
	ok(same(p, &s1), "the root-only file behind the links is unchanged");
	ok(stat(q, &st) == 0 && st.st_gid == USER_GID && (st.st_mode & S_IRGRP),
	   "the real event got the group and its read bit");
	pathf(q, sizeof(q), "%s/bad", sp);
	ok(stat(q, &st) == 0 && st.st_uid == USER_UID && (st.st_mode & 07777) == 02770,
	   "bad/ is made for the user, mode 2770");

	/* tmp as a link to a folder outside. */
	fresh(sp, out, sizeof(sp));
	s2 = snap(out);
	path_of(q, sizeof(q), sp, "tmp");
	if (symlink(out, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	ok(spool_setup(sp, USER_UID, USER_GID, &what) < 0 && strcmp(what, "tmp") == 0,
	   "setup refuses a tmp link");
	ok(same(out, &s2), "the folder outside keeps its owner and mode");
}

/* The spool's user swaps new/ and a link to a folder with a root-only
 * file in a loop while root runs the setup. */
static void test_setup_race(void)
{
	char sp[4096], out[4096], p[4096], q[4096], evil[4096];
	struct snap s1;
	const char *what;
	int i, status, fails = 0;
	time_t end;
	pid_t pid;

	fresh(sp, out, sizeof(sp));
	path_of(p, sizeof(p), out, "0000000000000001.secret");
	put(p, "root only\n", 0600);
	s1 = snap(p);
	pathf(q, sizeof(q), "%s/new", sp);
	mkdir(q, 0750);
	pathf(q, sizeof(q), "%s/new/0000000000000001.ok", sp);
	put(q, "{}", 0600);
	pathf(evil, sizeof(evil), "%s/evil", sp);
	if (symlink(out, evil) < 0)
		bail_out("symlink: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		char a[4096];

		pathf(a, sizeof(a), "%s/new", sp);
		alarm(ALARM_SECONDS);
		for (;;)
			renameat2(AT_FDCWD, a, AT_FDCWD, evil, RENAME_EXCHANGE);
	}
	end = time(NULL) + 3;
	for (i = 0; time(NULL) < end; i++)
		if (spool_setup(sp, USER_UID, USER_GID, &what) < 0)
			fails++;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	diag("%d setups during the swapping, %d refused", i, fails);
	ok(same(p, &s1), "after %d setups racing the swap, the root-only file outside is unchanged", i);
}

/* A folder root made in new/, which the spool's user cannot move: the
 * listing tells once, skips it and goes on listing the events. */
static void test_stuck_folder(void)
{
	char sp[4096], out[4096], q[4096];
	int st = 0, bits;
	pid_t pid;

	fresh(sp, out, sizeof(sp));
	pathf(q, sizeof(q), "chown -R %d:%d %s", USER_UID, USER_GID, sp);
	{
		struct spool_opts o = { .dir = sp, .node = "n" };
		struct spool *s = NULL;

		if (spool_open(&s, &o) < 0)
			bail_out("spool_open %s", sp);
		spool_close(s);
	}
	if (system(q) != 0)
		bail_out("%s failed", q);
	pathf(q, sizeof(q), "%s/new/0000000000000009.dir", sp);
	if (mkdir(q, 0755) < 0)
		bail_out("mkdir %s: %s", q, strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char why[512] = "";
		struct spool_opts o = { .dir = sp, .node = "n", .notice = on_notice,
					.why = why, .whylen = sizeof(why) };
		struct spool_ref *refs = NULL;
		struct spool *s = NULL;
		int notices = 0, r;
		size_t n = 0;

		o.notice_arg = &notices;
		bits = 0;
		if (setgid(USER_GID) < 0 || setuid(USER_UID) < 0)
			_exit(100);
		alarm(ALARM_SECONDS);
		if (spool_open(&s, &o) < 0)
			_exit(101);
		spool_emit(s, "a", NULL, NULL, NULL);
		spool_emit(s, "b", NULL, NULL, NULL);
		r = spool_list(s, 0, 0, &refs, &n);
		if (r == 0 && n == 2 && strcmp(refs[0].file + 17, "a") == 0)
			bits |= 1;
		if (notices == 1)
			bits |= 2;
		free(refs);
		refs = NULL;
		r = spool_list(s, 0, 0, &refs, &n);
		if (r == 0 && n == 2 && notices == 1)
			bits |= 4;
		free(refs);
		spool_close(s);
		_exit(bits);
	}
	waitpid(pid, &st, 0);
	bits = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	if (bits >= 100)
		bits = 0;
	ok(bits & 1, "a folder the user cannot move does not stop the listing");
	ok(bits & 2, "one notice names it");
	ok(bits & 4, "a second listing skips it without another notice");
	pathf(q, sizeof(q), "%s/new/0000000000000009.dir", sp);
	ok(access(q, F_OK) == 0, "the folder is left in place");
}

int main(void)
{
	const char *req = getenv("OUTPOST_REQUIRE_ROOT"), *base = getenv("TMPDIR");
	char *d;

	if (geteuid() != 0) {
		if (req != NULL && strcmp(req, "1") == 0)
			bail_out("needs root (OUTPOST_REQUIRE_ROOT=1)");
		printf("1..0 # skip needs root\n");
		return 0;
	}
	signal(SIGALRM, on_alarm);
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (asprintf(&d, "%s/test-spool-safe.XXXXXX", base) < 0 || mkdtemp(d) == NULL)
		bail_out("mkdtemp: %s", strerror(errno));
	chmod(d, 0755);
	top = d;
	atexit(cleanup);
	test_open_links();
	test_open_rules();
	test_event_files();
	test_setup();
	test_setup_race();
	test_stuck_folder();
	return done_testing();
}
