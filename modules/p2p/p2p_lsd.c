/* p2p_lsd.c: local service discovery (BEP 14) on the loop: one UDP
 * socket per family bound to 6771 in the group, used to send too.
 * (owner: net) */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "p2p_net.h"

#define LSD_PORT	6771
#define LSD_GROUP4	"239.192.152.143"
#define LSD_GROUP6	"ff15::efc0:988f"
#define LSD_PER_DGRAM	20	/* hashes per datagram: stays below 1400 bytes */
#define LSD_RX_MAX	4096

struct p2p_lsd {
	struct loop	*loop;
	p2p_lsd_cb	cb;
	void		*arg;
	int		fd4, fd6;
	unsigned	ifindex;
	uint16_t	port;
	char		cookie[17];
};

static int on(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) ? -errno : 0;
}

static int open4(struct p2p_lsd *d)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(LSD_PORT) };
	struct ip_mreqn mr = { .imr_ifindex = (int)d->ifindex };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	inet_pton(AF_INET, LSD_GROUP4, &mr.imr_multiaddr);
	if ((rc = on(fd, SOL_SOCKET, SO_REUSEADDR, 1)) || (rc = on(fd, SOL_SOCKET, SO_REUSEPORT, 1)) ||
	    (rc = on(fd, IPPROTO_IP, IP_MULTICAST_TTL, 1)) ||
	    (rc = on(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 1)))
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) ||
	    (d->ifindex && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)))) {
		rc = -errno;
		goto fail;
	}
	d->fd4 = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

static int open6(struct p2p_lsd *d)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(LSD_PORT) };
	struct ipv6_mreq mr = { .ipv6mr_interface = d->ifindex };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rc;
	unsigned idx = d->ifindex;

	if (fd < 0)
		return -errno;
	inet_pton(AF_INET6, LSD_GROUP6, &mr.ipv6mr_multiaddr);
	if ((rc = on(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)) || (rc = on(fd, SOL_SOCKET, SO_REUSEADDR, 1)) ||
	    (rc = on(fd, SOL_SOCKET, SO_REUSEPORT, 1)) ||
	    (rc = on(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1)) ||
	    (rc = on(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1)))
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) ||
	    (idx && setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)))) {
		rc = -errno;
		goto fail;
	}
	d->fd6 = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

static void on_read(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct p2p_lsd *d = arg;
	uint8_t buf[LSD_RX_MAX + 1], ih[LSD_PER_DGRAM * 4][20];
	struct p2p_lsd_info info;
	struct p2p_addr a;
	uint16_t port;
	ssize_t n;
	int k;

	(void)l;
	(void)events;
	for (int tries = 0; tries < 16; tries++) {
		memset(&a, 0, sizeof(a));
		a.len = sizeof(a.ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&a.ss, &a.len);
		if (n < 0)
			return;
		k = p2p_lsd_parse(buf, (size_t)n, ih, sizeof(ih) / sizeof(ih[0]), &info);
		if (k <= 0 || strcmp(info.cookie, d->cookie) == 0)
			continue;	/* malformed, or our own announce looped back */
		port = info.port;
		if (a.ss.ss_family == AF_INET)
			((struct sockaddr_in *)&a.ss)->sin_port = htons(port);
		else if (a.ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&a.ss)->sin6_port = htons(port);
		else
			continue;
		for (int i = 0; i < k; i++)
			d->cb(ih[i], &a, info.member ? &info.m : NULL, d->arg);
	}
}

int p2p_lsd_new(struct loop *l, const struct p2p_lsd_opts *o, p2p_lsd_cb cb, void *arg,
    struct p2p_lsd **out)
{
	struct p2p_lsd *d;
	uint8_t rnd[8];
	int rc = 0;

	*out = NULL;
	if (!o->v4 && !o->v6)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->loop = l;
	d->cb = cb;
	d->arg = arg;
	d->fd4 = d->fd6 = -1;
	d->port = o->port;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		rc = -EIO;
		goto fail;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(d->cookie + 2 * i, 3, "%02x", rnd[i]);
	if (o->ifname && !(d->ifindex = if_nametoindex(o->ifname))) {
		rc = -ENODEV;
		goto fail;
	}
	if (o->v4 && ((rc = open4(d)) || (rc = loop_fd_add(l, d->fd4, EPOLLIN, on_read, d))))
		goto fail;
	if (o->v6 && ((rc = open6(d)) || (rc = loop_fd_add(l, d->fd6, EPOLLIN, on_read, d))))
		goto fail;
	*out = d;
	return 0;
fail:
	p2p_lsd_free(d);
	return rc;
}

static int send_one(struct p2p_lsd *d, int fd, bool v6, const uint8_t (*ih)[20], size_t n,
    const struct p2p_lsd_member *m)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	char buf[1500];
	int k;

	k = p2p_lsd_format(buf, sizeof(buf), v6, d->port, d->cookie, ih, n, m);
	if (k < 0)
		return k;
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(LSD_PORT);
		inet_pton(AF_INET6, LSD_GROUP6, &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(LSD_PORT);
		inet_pton(AF_INET, LSD_GROUP4, &s4->sin_addr);
		len = sizeof(*s4);
	}
	if (sendto(fd, buf, (size_t)k, 0, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	return 0;
}

int p2p_lsd_announce(struct p2p_lsd *d, const uint8_t (*ih)[20], size_t n)
{
	int rc = 0, r;

	for (size_t i = 0; i < n; i += LSD_PER_DGRAM) {
		size_t k = n - i < LSD_PER_DGRAM ? n - i : LSD_PER_DGRAM;
		if (d->fd4 >= 0 && (r = send_one(d, d->fd4, false, ih + i, k, NULL)))
			rc = r;
		if (d->fd6 >= 0 && (r = send_one(d, d->fd6, true, ih + i, k, NULL)))
			rc = r;
	}
	return rc;
}

int p2p_lsd_announce_member(struct p2p_lsd *d, const uint8_t ih[20],
    const struct p2p_lsd_member *m)
{
	const uint8_t (*one)[20] = (const uint8_t (*)[20])ih;
	int rc = -ENOTCONN;

	if (d->fd4 >= 0 && (rc = send_one(d, d->fd4, false, one, 1, m)) == 0)
		return 0;
	if (d->fd6 >= 0)
		rc = send_one(d, d->fd6, true, one, 1, m);
	return rc;
}

void p2p_lsd_free(struct p2p_lsd *d)
{
	if (!d)
		return;
	if (d->fd4 >= 0) {
		loop_fd_del(d->loop, d->fd4);
		close(d->fd4);
	}
	if (d->fd6 >= 0) {
		loop_fd_del(d->loop, d->fd6);
		close(d->fd6);
	}
	free(d);
}
