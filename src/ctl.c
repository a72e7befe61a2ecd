/* ctl.c: a daemon's Unix control socket (server on the loop) and its
 * blocking client.
 *
 * The server never blocks: every client socket is non-blocking, a
 * request is one short line, the answer is built in memory by the
 * handler and written as the socket accepts it. A client that has not
 * finished its exchange within CTL_CLIENT_TIMEOUT_MS (one that never
 * sends a newline, or never reads a big answer) is dropped, and at most
 * CTL_CLIENTS_MAX are served at once, so no client can stall the loop
 * or hold the daemon's memory. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_CLIENT_TIMEOUT_MS	2000
#define CTL_CLIENTS_MAX		64
#define CTL_BACKLOG		16
#define CTL_PAUSE_MS		100
/* The client refuses answers past this: a daemon's status is far smaller. */
#define CTL_REPLY_MAX		(64u << 20)

struct ctl_client {
	struct ctl_server	*srv;
	struct ctl_client	*next, **pprev;
	int			fd;
	uint64_t		timer;
	size_t			n;		/* request bytes read */
	char			req[CTL_REQUEST_MAX + 1];
	char			*reply;		/* NULL while reading */
	size_t			rlen, roff;
};

struct ctl_server {
	struct loop		*loop;
	int			fd;
	char			*path;
	dev_t			dev;
	ino_t			ino;
	ctl_handler		handler;
	void			*arg;
	struct ctl_client	*clients;
	unsigned		nclients;
	uint64_t		pause_timer;	/* accepting paused (out of fds) */
};

static void client_free(struct ctl_client *c)
{
	if (!c)
		return;
	loop_fd_del(c->srv->loop, c->fd);
	loop_timer_cancel(c->srv->loop, c->timer);
	close(c->fd);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->srv->nclients--;
	free(c->reply);
	free(c);
}

static void client_timeout(struct loop *l, void *arg)
{
	struct ctl_client *c = arg;

	(void)l;
	c->timer = 0;
	client_free(c);
}

/* Write what the socket takes; true when the client is finished with
 * (answered or failed) and must be freed. */
static bool client_write(struct ctl_client *c)
{
	while (c->roff < c->rlen) {
		ssize_t w = send(c->fd, c->reply + c->roff, c->rlen - c->roff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return loop_fd_mod(c->srv->loop, c->fd, EPOLLOUT) < 0;
			return true;
		}
		c->roff += (size_t)w;
	}
	return true;
}

/* The request is complete in c->req: answer it. */
static bool client_answer(struct ctl_client *c)
{
	char *reply = NULL;
	size_t len = 0;

	if (c->srv->handler(c->req, &reply, &len, c->srv->arg) < 0) {
		free(reply);
		return true;
	}
	if (!reply)
		return true;
	c->reply = reply;
	c->rlen = len;
	/* The rest of what the client sent is not read any more. */
	return client_write(c);
}

/* Read request bytes; true when the client is to be freed. */
static bool client_read(struct ctl_client *c)
{
	for (;;) {
		char *nl;
		ssize_t r = recv(c->fd, c->req + c->n, CTL_REQUEST_MAX - c->n, MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return !(errno == EAGAIN || errno == EWOULDBLOCK);
		}
		if (r == 0) {
			/* A request ended by the client's shutdown, without newline. */
			if (c->n == 0)
				return true;
			c->req[c->n] = '\0';
			return client_answer(c);
		}
		nl = memchr(c->req + c->n, '\n', (size_t)r);
		c->n += (size_t)r;
		if (nl) {
			*nl = '\0';
			if (nl > c->req && nl[-1] == '\r')
				nl[-1] = '\0';
			return client_answer(c);
		}
		if (c->n >= CTL_REQUEST_MAX)
			return true;	/* too long: not a request of ours */
	}
}

static void client_event(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctl_client *c = arg;
	bool done;

	(void)l;
	(void)fd;
	if (c->reply)
		done = client_write(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		done = client_read(c);
	else
		done = false;
	if (done)
		client_free(c);
}

static void server_resume(struct loop *l, void *arg)
{
	struct ctl_server *s = arg;

	s->pause_timer = 0;
	loop_fd_mod(l, s->fd, EPOLLIN);
}

/* Out of fds or memory: the listening socket stays readable, and the
 * level-triggered loop would spin on it; stop looking for a while. */
static void server_pause(struct ctl_server *s)
{
	if (s->pause_timer)
		return;
	s->pause_timer = loop_timer_add(s->loop, CTL_PAUSE_MS, server_resume, s);
	if (s->pause_timer)
		loop_fd_mod(s->loop, s->fd, 0);
}

static void server_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctl_server *s = arg;

	(void)events;
	for (;;) {
		struct ctl_client *c;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				server_pause(s);
			return;
		}
		if (s->nclients >= CTL_CLIENTS_MAX || !(c = calloc(1, sizeof(*c)))) {
			close(cfd);
			continue;
		}
		c->srv = s;
		c->fd = cfd;
		c->next = s->clients;
		if (c->next)
			c->next->pprev = &c->next;
		c->pprev = &s->clients;
		s->clients = c;
		s->nclients++;
		c->timer = loop_timer_add(l, CTL_CLIENT_TIMEOUT_MS, client_timeout, c);
		if (!c->timer || loop_fd_add(l, cfd, EPOLLIN, client_event, c) < 0) {
			client_free(c);
			continue;
		}
	}
}

static int sun_fill(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (!*path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Bind fd at path with mode 0660 from the start (chmod after bind
 * would leave a moment with the umask's mode, and follows links). */
static int bind_0660(int fd, const struct sockaddr_un *sun)
{
	mode_t old = umask(0117);
	int r = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int e = errno;

	umask(old);
	return r < 0 ? -e : 0;
}

/* Listen on path, replacing an old socket there, owned by uid:gid, mode 0660. */
int ctl_listen(struct loop *l, const char *path, uid_t uid, gid_t gid, ctl_handler h, void *arg,
	       struct ctl_server **out)
{
	struct ctl_server *s = NULL;
	struct sockaddr_un sun;
	struct stat st;
	int r;

	*out = NULL;
	if ((r = sun_fill(&sun, path)) < 0)
		return r;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (!(s = calloc(1, sizeof(*s))) || !(s->path = strdup(path))) {
		free(s);
		return -ENOMEM;
	}
	s->loop = l;
	s->handler = h;
	s->arg = arg;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		r = -errno;
		free(s->path);
		free(s);
		return r;
	}
	if ((r = bind_0660(s->fd, &sun)) < 0)
		goto fail_unbound;
	if (lstat(path, &st) < 0) {
		r = -errno;
		goto fail_unbound;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && lchown(path, uid, gid) < 0) {
		r = -errno;
		goto fail;
	}
	if (listen(s->fd, CTL_BACKLOG) < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = loop_fd_add(l, s->fd, EPOLLIN, server_accept, s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	unlink(path);
fail_unbound:
	close(s->fd);
	free(s->path);
	free(s);
	return r;
}

/* Stop serving, unlink the socket if it is still ours, free. */
void ctl_close(struct ctl_server *s)
{
	struct stat st;

	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	loop_timer_cancel(s->loop, s->pause_timer);
	loop_fd_del(s->loop, s->fd);
	close(s->fd);
	/* Another daemon may have replaced it since: leave that one alone. */
	if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->path);
	free(s->path);
	free(s);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - mono_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int client_connect(int fd, const struct sockaddr_un *sun, int64_t deadline)
{
	for (;;) {
		int r;

		if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EINPROGRESS)
			return wait_fd(fd, POLLOUT, deadline);
		if (errno != EAGAIN)
			return -errno;
		/* The daemon's backlog is full: try again shortly. */
		if (mono_ms() + 10 >= deadline)
			return -ETIMEDOUT;
		if ((r = poll(NULL, 0, 10)) < 0 && errno != EINTR)
			return -errno;
	}
}

static int client_send(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		int r;

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			if ((r = wait_fd(fd, POLLOUT, deadline)) < 0)
				return r;
			continue;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int client_recv(int fd, char **reply, size_t *len, int64_t deadline)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int r;

	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;

			if (ncap > CTL_REPLY_MAX + 1) {
				r = -EMSGSIZE;
				goto fail;
			}
			if (!(nb = realloc(buf, ncap))) {
				r = -ENOMEM;
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		got = recv(fd, buf + n, cap - n - 1, 0);
		if (got == 0)
			break;
		if (got > 0) {
			n += (size_t)got;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			r = -errno;
			goto fail;
		}
		if ((r = wait_fd(fd, POLLIN, deadline)) < 0)
			goto fail;
	}
	buf[n] = '\0';
	*reply = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	return r;
}

/* Send req to the daemon at path and read its whole answer. */
int ctl_request(const char *path, const char *req, int timeout_ms, char **reply, size_t *len)
{
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct sockaddr_un sun;
	size_t rl = strlen(req);
	int fd, r;

	*reply = NULL;
	*len = 0;
	if ((r = sun_fill(&sun, path)) < 0)
		return r;
	if (rl == 0 || rl >= CTL_REQUEST_MAX || memchr(req, '\n', rl))
		return -EINVAL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((r = client_connect(fd, &sun, deadline)) < 0 ||
	    (r = client_send(fd, req, rl, deadline)) < 0 ||
	    (r = client_send(fd, "\n", 1, deadline)) < 0)
		goto out;
	if (shutdown(fd, SHUT_WR) < 0) {
		r = -errno;
		goto out;
	}
	r = client_recv(fd, reply, len, deadline);
out:
	close(fd);
	return r;
}

int ctl_make_folder(const char *path)
{
	char dir[108];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
