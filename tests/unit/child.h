/* child.h: run code that may exit (a tool's main(), cli_daemon_init())
 * in a child, its standard output and error in the files "out" and "err"
 * of the current folder. */
#ifndef OUTPOST_TEST_CHILD_H
#define OUTPOST_TEST_CHILD_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"

/* fn(arg)'s return value or exit status; 99 when the files could not be
 * made, -1 when the child did not exit. */
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

#endif
