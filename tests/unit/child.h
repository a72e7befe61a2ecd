/* child.h: run code that may exit (a tool's main(), cli_daemon_init())
 * in a child, its standard output and error in the files "out" and "err"
 * of the current folder. */
#ifndef OUTPOST_TEST_CHILD_H
#define OUTPOST_TEST_CHILD_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"

/* fn(arg)'s return value or exit status; 99 when the files could not be
 * made, -1 when the child did not exit. */
__attribute__((unused))
static int run_child(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		if (!freopen("out", "w", stdout) || !freopen("err", "w", stderr))
			_exit(99);
		status = fn(arg);
		fflush(stdout);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the test's temporary folder and all in it, links not followed:
 * 0 or -1. */
__attribute__((unused))
static int rm_tree(const char *dir)
{
	return chdir("/") < 0 || nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -1 : 0;
}

#endif
