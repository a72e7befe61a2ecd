/* shape_lock.c: one change to a namespace's shaping at a time.
 *
 * Two applies at once (a service reload while outpost-p2pd starts)
 * would each diff against a kernel the other is changing. The lock is
 * an abstract Unix socket name: abstract names belong to the network
 * namespace, exactly the scope of what outpost-shape changes; the kernel
 * frees the name when its holder exits, even by SIGKILL; and there is no
 * file for another user to plant a link in. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shape_apply_int.h"

#define LOCK_NAME "outpost-shape.lock"

static int try_bind(int fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	/* sun_path[0] stays 0: an abstract name, not a path. */
	memcpy(sa.sun_path + 1, LOCK_NAME, sizeof(LOCK_NAME) - 1);
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof(LOCK_NAME))) == 0)
		return 0;
	return -errno;
}

int shape_lock(unsigned wait_ms, int *fdp)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	unsigned waited = 0;
	int fd, r;

	*fdp = -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while ((r = try_bind(fd)) == -EADDRINUSE && waited < wait_ms) {
		nanosleep(&pause, NULL);
		waited += 50;
	}
	if (r < 0) {
		close(fd);
		return r == -EADDRINUSE ? -EBUSY : r;
	}
	*fdp = fd;
	return 0;
}

void shape_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
