/* p2p_ctx.c: what transfers share: the listen socket, our peer id, LSD,
 * the TLS context, global limits, and the clock that drives it all.
 * (owner: engine) */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p2p_int.h"

/* The plain BEP 14 announce of all transfers; a region transfer also
 * announces itself as a member much more often (p2p_region.c). */
#define LSD_EVERY_MS	(5 * 60 * 1000)

bool p2p_addr_eq(const struct p2p_addr *a, const struct p2p_addr *b)
{
	const struct sockaddr *x = (const void *)&a->ss, *y = (const void *)&b->ss;

	if (x->sa_family != y->sa_family)
		return false;
	if (x->sa_family == AF_INET) {
		const struct sockaddr_in *p = (const void *)x, *q = (const void *)y;
		return p->sin_port == q->sin_port && p->sin_addr.s_addr == q->sin_addr.s_addr;
	}
	if (x->sa_family == AF_INET6) {
		const struct sockaddr_in6 *p = (const void *)x, *q = (const void *)y;
		return p->sin6_port == q->sin6_port &&
		    !memcmp(&p->sin6_addr, &q->sin6_addr, sizeof(p->sin6_addr));
	}
	return false;
}

/* A v4-mapped v6 address (from the dual-stack socket) as plain v4, so
 * bans and duplicates compare equal whichever way a peer came. */
static void addr_unmap(struct p2p_addr *a)
{
	struct sockaddr_in6 *s6 = (void *)&a->ss;
	struct sockaddr_in s4;

	if (s6->sin6_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = s6->sin6_port;
	memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	memset(&a->ss, 0, sizeof(a->ss));
	memcpy(&a->ss, &s4, sizeof(s4));
	a->len = sizeof(s4);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct p2p_ctx *c = arg;

	(void)l;
	(void)events;
	for (int i = 0; i < 16; i++) {
		struct p2p_addr a;
		int s;

		memset(&a, 0, sizeof(a));
		a.len = sizeof(a.ss);
		s = accept4(fd, (struct sockaddr *)&a.ss, &a.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s < 0)
			return;	/* EAGAIN, or a transient error: next round */
		if (c->nconns >= c->max_conns) {
			close(s);
			continue;
		}
		addr_unmap(&a);
		if (p2p_peer_accept(c, s, &a) < 0)
			close(s);
	}
}

/* The socket is owned by the user it was made as (its fsuid): made as
 * the user the engine drops to, outgoing sockets may share its port. */
static int listen_socket(const struct p2p_ctx_opts *o, int family)
{
	bool as_user = o->share_port && o->sock_uid != 0 && o->sock_uid != (uid_t)-1 &&
	    geteuid() == 0;
	int fd, saved, prev = 0;

	if (as_user)
		prev = setfsuid(o->sock_uid);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	saved = errno;
	if (as_user)
		setfsuid((uid_t)prev);
	errno = saved;
	return fd;
}

static int ctx_listen(struct p2p_ctx *c, const struct p2p_ctx_opts *o, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, zero = 0, err;

	memset(&ss, 0, sizeof(ss));
	if (o->listen_addr && strchr(o->listen_addr, ':') == NULL) {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(o->listen_port);
		if (inet_pton(AF_INET, o->listen_addr, &s4->sin_addr) != 1) {
			snprintf(why, whylen, "listen address '%s': not an IPv4 or IPv6 address",
			    o->listen_addr);
			return -EINVAL;
		}
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(o->listen_port);
		if (o->listen_addr && inet_pton(AF_INET6, o->listen_addr, &s6->sin6_addr) != 1) {
			snprintf(why, whylen, "listen address '%s': not an IPv4 or IPv6 address",
			    o->listen_addr);
			return -EINVAL;
		}
		len = sizeof(*s6);
	}
	fd = listen_socket(o, ss.ss_family);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->share_port)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0)
		goto fail;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		goto fail;
	c->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	c->lss = ss;
	c->share_port = o->share_port;
	err = loop_fd_add(c->loop, fd, EPOLLIN, on_accept, c);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	c->lfd = fd;
	return 0;
fail:
	err = -errno;
	snprintf(why, whylen, "listen on port %u: %s", o->listen_port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

static void on_lsd(const uint8_t ih[20], const struct p2p_addr *a,
    const struct p2p_lsd_member *m, void *arg)
{
	struct p2p_xfer *x = p2p_xfer_by_hash(arg, ih);

	if (!x || x->no_lsd || x->m->private_)
		return;
	if (m && x->rg)
		p2p_region_lsd(x, m);
	p2p_xfer_add_peer(x, a);
}

static void ctx_tick(struct loop *l, void *arg)
{
	struct p2p_ctx *c = arg;
	uint64_t now = loop_now_ms();
	bool second = ++c->tick % (1000 / P2P_TICK_MS) == 0;

	for (struct p2p_peer *p = c->pending; p; p = p->next)
		if (p->st != PS_DEAD && now - p->start_ms > P2P_CONNECT_MS)
			p2p_peer_close(p, "no handshake");
	p2p_peers_reap(&c->pending);
	for (struct p2p_xfer *x = c->xfers; x; x = x->next) {
		for (struct p2p_peer *p = x->peers; p; p = p->next)
			if (p->throttled || p->up_wait)
				p2p_peer_wake(p);
		if (x->rg && c->lsd)
			p2p_region_lsd_tick(x, now);
		if (second)
			p2p_xfer_tick(x, now);
		else if (x->rg)
			p2p_src_tick(x, now);	/* the origin share refills between seconds */
		p2p_peers_reap(&x->peers);
	}
	if (c->lsd && now >= c->lsd_next_ms) {
		p2p_xfer_lsd_announce(c);
		c->lsd_next_ms = now + LSD_EVERY_MS;
	}
	c->timer = loop_timer_add(l, P2P_TICK_MS, ctx_tick, c);
}

int p2p_ctx_new(struct loop *l, struct resolver *r, const struct p2p_ctx_opts *o,
    struct p2p_ctx **out, char *why, size_t whylen)
{
	struct p2p_ctx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	c->loop = l;
	c->res = r;
	c->lfd = -1;
	snprintf(c->client, sizeof(c->client), "%s", o->client ? o->client : "Outpost/0.1.0");
	memcpy(c->peer_id, "-OP0100-", 8);
	if (getrandom(c->peer_id + 8, 12, 0) != 12) {
		err = -errno;
		snprintf(why, whylen, "random peer id: %s", strerror(errno));
		goto fail;
	}
	p2p_ctx_set_limits(c, &o->global, o->max_conns);
	c->tls = p2p_tls_ctx_new(o->ca_file, why, whylen);
	if (!c->tls) {
		err = -EINVAL;
		goto fail;
	}
	if (o->listen_port || o->listen_addr) {
		err = ctx_listen(c, o, why, whylen);
		if (err < 0)
			goto fail;
	}
	if (o->lsd) {
		struct p2p_lsd_opts lo = {
			.v4 = true,
			.v6 = !(o->listen_addr && !strchr(o->listen_addr, ':')),
			.ifname = o->lsd_ifname,
			.port = c->port,
		};

		err = p2p_lsd_new(l, &lo, on_lsd, c, &c->lsd);
		if (err < 0) {
			snprintf(why, whylen, "local service discovery: %s", strerror(-err));
			goto fail;
		}
	}
	c->timer = loop_timer_add(l, P2P_TICK_MS, ctx_tick, c);
	if (!c->timer) {
		err = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	p2p_ctx_free(c);
	return err;
}

/* A "stopped" announce outlives its transfer: the context holds it. */
void p2p_ctx_keep_stop(struct p2p_ctx *c, struct p2p_stop *s)
{
	struct p2p_stop **n;

	/* forget those already answered */
	for (size_t i = 0; i < c->nstops;) {
		if (c->stops[i]->done) {
			free(c->stops[i]);
			c->stops[i] = c->stops[--c->nstops];
		} else {
			i++;
		}
	}
	n = reallocarray(c->stops, c->nstops + 1, sizeof(*n));
	if (!n) {
		if (!s->done)
			p2p_http_req_free(s->q);
		free(s);
		return;
	}
	c->stops = n;
	c->stops[c->nstops++] = s;
}

void p2p_ctx_free(struct p2p_ctx *c)
{
	if (!c)
		return;
	while (c->xfers)
		p2p_xfer_free(c->xfers);
	for (struct p2p_peer *p = c->pending; p; p = p->next)
		if (p->st != PS_DEAD)
			p2p_peer_close(p, NULL);
	p2p_peers_reap(&c->pending);
	loop_timer_cancel(c->loop, c->timer);
	for (size_t i = 0; i < c->nstops; i++) {
		if (!c->stops[i]->done)
			p2p_http_req_free(c->stops[i]->q);
		free(c->stops[i]);
	}
	free(c->stops);
	p2p_lsd_free(c->lsd);
	if (c->lfd >= 0) {
		loop_fd_del(c->loop, c->lfd);
		close(c->lfd);
	}
	if (c->tls)
		SSL_CTX_free(c->tls);
	free(c);
}

void p2p_ctx_set_limits(struct p2p_ctx *c, const struct p2p_limits *global, unsigned max_conns)
{
	c->max_conns = max_conns ? max_conns : 500;
	p2p_bucket_set(&c->up, global->up_rate);
	p2p_bucket_set(&c->down, global->down_rate);
}

uint16_t p2p_ctx_port(const struct p2p_ctx *c)
{
	return c ? c->port : 0;
}

SSL_CTX *p2p_ctx_tls(const struct p2p_ctx *c)
{
	return c->tls;
}

struct resolver *p2p_ctx_resolver(const struct p2p_ctx *c)
{
	return c->res;
}

const char *p2p_state_name(enum p2p_state s)
{
	switch (s) {
	case P2P_CHECKING:	return "checking";
	case P2P_DOWNLOADING:	return "downloading";
	case P2P_FINISHING:	return "finishing";
	case P2P_SEEDING:	return "seeding";
	case P2P_FAILED:	return "failed";
	}
	return "unknown";
}
