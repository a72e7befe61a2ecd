/* ctl.h: a daemon's control socket and the client side of it.
 *
 * A Unix stream socket; a client writes one request line ("status\n")
 * and reads the answer until the daemon closes. Requests are small and
 * answered from memory on the loop, so nothing blocks: a client that
 * does not read is dropped once its answer no longer fits the socket
 * buffer or after a timeout. The socket lives in a root-owned folder
 * (RUNSTATEDIR/outpost) the daemon creates before dropping privileges;
 * mode 0660, so root and the daemon's group may ask.
 *
 * Library code: 0 or -errno, never prints. */
#ifndef OUTPOST_CTL_H
#define OUTPOST_CTL_H

#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

#define CTL_REQUEST_MAX 256

struct ctl_server;

/* Answer one request (a NUL-terminated line without its newline): set
 * *reply to malloc'd bytes (*len of them; the server frees them), and
 * return 0, or -errno to close without an answer. */
typedef int (*ctl_handler)(const char *req, char **reply, size_t *len, void *arg);

/* Listen on path (an old socket there is replaced; anything else there
 * is refused with -EEXIST), owned by uid:gid with mode 0660, and serve
 * it on l. 0 or -errno. */
int ctl_listen(struct loop *l, const char *path, uid_t uid, gid_t gid, ctl_handler h, void *arg,
	       struct ctl_server **out);
/* Make the socket's folder (root's, 0755) when it is missing, as root
 * before ctl_listen. 0 or -errno. */
int ctl_make_folder(const char *path);
/* Stop serving, unlink the socket (when it is still ours) and free;
 * NULL-safe. */
void ctl_close(struct ctl_server *s);

/* Client: send req to the daemon at path and read the whole answer
 * into *reply (malloc'd, NUL-terminated, *len bytes), waiting at most
 * timeout_ms in all. 0, -ENOENT/-ECONNREFUSED when no daemon listens,
 * -ETIMEDOUT, or -errno. req is one line without its newline (the
 * client adds it; -EINVAL for an empty one, one holding '\n' or one of
 * CTL_REQUEST_MAX bytes or more). A request the handler refused reads
 * as 0 with *len 0: the daemon closed without an answer. */
int ctl_request(const char *path, const char *req, int timeout_ms, char **reply, size_t *len);

#endif
