/* test-fs.c: libop's fs.c: mkdir with parents, bounded whole-file reads
 * (links, FIFOs, sizes at and over the limit) and whole writes through a
 * pipe that takes them in pieces. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "../tap.h"
#include "child.h"

static char dir[] = "/tmp/outpost-test-fs.XXXXXX";

static const char *at(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void put(const char *name, const void *data, size_t len)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || fs_write_all(fd, data, len) < 0)
		bail_out("cannot write %s: %s", name, strerror(errno));
	close(fd);
}

static bool is_dir(const char *path, mode_t *mode)
{
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	*mode = st.st_mode & 07777;
	return true;
}

static void test_mkdir(void)
{
	mode_t m = 0;
	int fd;

	umask(022);
	fd = fs_mkdir_open(at("a/b/c"), 0755, 0750, 0);
	ok(fd >= 0, "mkdir a/b/c: opened (%d)", fd);
	if (fd >= 0)
		close(fd);
	ok(is_dir(at("a/b"), &m) && m == 0755, "parent a/b made with the parents' mode");
	ok(is_dir(at("a/b/c"), &m) && m == 0750, "a/b/c made with its own mode");

	chmod(at("a/b/c"), 0700);
	fd = fs_mkdir_open(at("a/b/c"), 0755, 0750, 0);
	ok(fd >= 0 && is_dir(at("a/b/c"), &m) && m == 0700, "an existing folder is kept as it is");
	if (fd >= 0)
		close(fd);

	fd = fs_mkdir_open(at("t//u/"), 0755, 0711, 0);
	ok(fd >= 0 && is_dir(at("t/u"), &m) && m == 0711,
	    "double and trailing slashes: the last folder still gets its mode");
	ok(is_dir(at("t"), &m) && m == 0755, "t made with the parents' mode");
	if (fd >= 0)
		close(fd);

	put("file", "x", 1);
	is_int(fs_mkdir_open(at("file"), 0755, 0750, 0), -ENOTDIR, "mkdir over a file: -ENOTDIR");
	is_int(fs_mkdir_open(at("file/sub"), 0755, 0750, 0), -ENOTDIR,
	    "a parent that is a file: -ENOTDIR");

	if (symlink(at("a"), at("link")) < 0)
		bail_out("symlink: %s", strerror(errno));
	is_int(fs_mkdir_open(at("link"), 0755, 0750, 0), -ELOOP, "the folder a link: -ELOOP");
	fd = fs_mkdir_open(at("link"), 0755, 0750, FS_FOLLOW);
	ok(fd >= 0, "the folder a link, with FS_FOLLOW: opened");
	if (fd >= 0)
		close(fd);
	fd = fs_mkdir_open(at("link/d"), 0755, 0750, 0);
	ok(fd >= 0 && is_dir(at("a/d"), &m), "a parent that is a link is resolved: a/d made");
	if (fd >= 0)
		close(fd);
	if (symlink(at("file"), at("flink")) < 0)
		bail_out("symlink: %s", strerror(errno));
	is_int(fs_mkdir_open(at("flink/d"), 0755, 0750, 0), -ENOTDIR,
	    "a parent that is a link to a file: -ENOTDIR");
	is_int(fs_mkdir_open("", 0755, 0750, 0), -ENOENT, "empty path: -ENOENT");
}

static void test_read(void)
{
	uint8_t *buf = (uint8_t *)"x";
	char data[100];
	size_t len = 1;
	int r, fd;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	put("hundred", data, sizeof(data));
	r = fs_read_file(AT_FDCWD, at("hundred"), 100, 0, &buf, &len);
	ok(r == 0 && len == 100 && !memcmp(buf, data, 100) && buf[100] == '\0',
	    "100 bytes with max 100: read whole, NUL after (%d, %zu)", r, len);
	free(buf);
	r = fs_read_file(AT_FDCWD, at("hundred"), 99, 0, &buf, &len);
	ok(r == -EFBIG && buf == NULL && len == 0, "100 bytes with max 99: -EFBIG, nothing out");

	put("empty", "", 0);
	r = fs_read_file(AT_FDCWD, at("empty"), 10, 0, &buf, &len);
	ok(r == 0 && len == 0 && buf && buf[0] == '\0', "an empty file: 0 bytes, a buffer");
	free(buf);

	/* From its start, wherever the fd stands. */
	fd = open(at("hundred"), O_RDONLY | O_CLOEXEC);
	lseek(fd, 50, SEEK_SET);
	r = fs_read_fd(fd, 1000, &buf, &len);
	ok(r == 0 && len == 100 && buf[0] == 'a', "fs_read_fd reads from the start");
	free(buf);
	close(fd);

	if (symlink(at("hundred"), at("hlink")) < 0)
		bail_out("symlink: %s", strerror(errno));
	is_int(fs_read_file(AT_FDCWD, at("hlink"), 1000, 0, &buf, &len), -ELOOP,
	    "a link: -ELOOP");
	r = fs_read_file(AT_FDCWD, at("hlink"), 1000, FS_FOLLOW, &buf, &len);
	ok(r == 0 && len == 100, "a link with FS_FOLLOW: read");
	free(buf);

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fs_read_file(fd, "hundred", 1000, 0, &buf, &len);
	ok(r == 0 && len == 100, "relative to a folder fd");
	free(buf);
	close(fd);

	if (mkfifo(at("fifo"), 0600) < 0)
		bail_out("mkfifo: %s", strerror(errno));
	/* A FIFO without a writer would block an open without O_NONBLOCK:
	 * the alarm turns that into a failure rather than a hang. */
	alarm(5);
	is_int(fs_read_file(AT_FDCWD, at("fifo"), 1000, 0, &buf, &len), -EINVAL,
	    "a FIFO: -EINVAL at once");
	alarm(0);
	is_int(fs_read_file(AT_FDCWD, dir, 1000, 0, &buf, &len), -EINVAL, "a folder: -EINVAL");
	is_int(fs_read_file(AT_FDCWD, "/dev/null", 1000, 0, &buf, &len), -EINVAL,
	    "a device: -EINVAL");
	is_int(fs_read_file(AT_FDCWD, at("none"), 1000, 0, &buf, &len), -ENOENT,
	    "no such file: -ENOENT");
}

/* A file that grows under the reader: /proc files say size 0. */
static void test_read_grown(void)
{
	uint8_t *buf;
	size_t len;
	int r;

	r = fs_read_file(AT_FDCWD, "/proc/self/status", 1 << 20, FS_FOLLOW, &buf, &len);
	ok(r == 0 && len > 0 && memmem(buf, len, "Pid:", 4),
	    "a file larger than fstat says: read to its end (%zu bytes)", len);
	free(buf);
	r = fs_read_file(AT_FDCWD, "/proc/self/status", 10, FS_FOLLOW, &buf, &len);
	is_int(r, -EFBIG, "and past max on the way: -EFBIG");
}

/* A pipe takes at most its capacity per write; a child drains it slowly
 * so the writer sees partial writes, and the bytes must all arrive. */
static void test_write_pipe(void)
{
	size_t n = 1 << 20, got = 0;
	uint8_t *data = malloc(n), *back = malloc(n);
	int p[2], st = 0, r;
	bool same = true;
	pid_t pid;

	if (!data || !back || pipe(p) < 0)
		bail_out("setup: %s", strerror(errno));
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		_exit(fs_write_all(p[1], data, n) == 0 ? 0 : 1);
	}
	close(p[1]);
	while (got < n) {
		ssize_t k = read(p[0], back + got, got % 3 ? 1000 : 10);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	for (size_t i = 0; i < got && same; i++)
		same = back[i] == data[i];
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fs_write_all over a small pipe returned 0");
	ok(got == n && same, "all %zu bytes arrived in order (%zu)", n, got);

	/* The reader gone: the error comes back, not a loop. */
	if (pipe(p) < 0)
		bail_out("pipe: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	close(p[0]);
	r = fs_write_all(p[1], data, 10);
	is_int(r, -EPIPE, "a pipe with no reader: -EPIPE");
	close(p[1]);
	is_int(fs_write_all(-1, data, 1), -EBADF, "a bad fd: -EBADF");
	is_int(fs_write_all(-1, data, 0), 0, "nothing to write: 0");
	free(data);
	free(back);
}

/* A pipe read to its end, from a writer that sends in pieces. */
static void test_read_stream(void)
{
	size_t n = 200000, len;
	uint8_t *data = malloc(n), *buf;
	int p[2], st, r;
	pid_t pid;

	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i % 253);
	for (int round = 0; round < 2; round++) {
		size_t max = round ? n - 1 : n;

		if (pipe(p) < 0 || (pid = fork()) < 0)
			bail_out("pipe/fork: %s", strerror(errno));
		if (pid == 0) {
			close(p[0]);
			for (size_t off = 0; off < n; off += 7000)
				if (fs_write_all(p[1], data + off, n - off < 7000 ? n - off : 7000))
					_exit(1);
			_exit(0);
		}
		close(p[1]);
		r = fs_read_stream(p[0], max, 0, &buf, &len);
		close(p[0]);
		waitpid(pid, &st, 0);
		if (!round) {
			ok(r == 0 && len == n && !memcmp(buf, data, n) && buf[n] == '\0',
			    "a pipe of %zu bytes with max %zu: all of it, NUL after", n, max);
			free(buf);
		} else {
			ok(r == -EFBIG && !buf, "the same pipe with max %zu: -EFBIG", max);
		}
	}
	free(data);
}

/* Positional writes: at the offset, the fd's position left alone. */
static void test_pwrite(void)
{
	uint8_t *buf;
	size_t len;
	int fd = open(at("pw"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		bail_out("open: %s", strerror(errno));
	ok(fs_write_all(fd, "aaaaaaaaaa", 10) == 0 && fs_pwrite_all(fd, "XYZ", 3, 4) == 0,
	    "fs_pwrite_all at 4 after 10 bytes");
	is_int(lseek(fd, 0, SEEK_CUR), 10, "the fd's position is still 10");
	ok(fs_pwrite_all(fd, "END", 3, 12) == 0, "past the end: the file grows");
	is_int(fs_pwrite_all(fd, "x", 1, -1), -EINVAL, "a negative offset: -EINVAL");
	close(fd);
	ok(fs_read_file(AT_FDCWD, at("pw"), 100, 0, &buf, &len) == 0 && len == 15 &&
	    !memcmp(buf, "aaaaXYZaaa\0\0END", 15), "the bytes are where they were put");
	free(buf);
}

int main(void)
{
	if (!mkdtemp(dir))
		bail_out("mkdtemp: %s", strerror(errno));
	test_mkdir();
	test_read();
	test_read_grown();
	test_write_pipe();
	test_pwrite();
	test_read_stream();
	rm_tree(dir);
	return done_testing();
}
