/* icmp_sock.c: ICMP sockets, raw or unprivileged, and their kernel stamps.
 *
 * RTTs are the kernel's receive stamp minus the kernel's transmit stamp
 * (SO_TIMESTAMPING software stamps), so the time our process spends
 * between epoll and recvmsg, or between the scheduler and sendmsg, does
 * not enter them. TX stamps come back on the error queue; each send names
 * its key with SCM_TS_OPT_ID (Linux 6.13+) so a stamp is tied to its
 * probe exactly; without that the send time is read just before sendmsg. */
/* struct in6_pktinfo is a GNU extension of <netinet/in.h>. */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "priv.h"

/* From <linux/icmp.h>, which clashes with <net/if.h>. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif
struct ping_icmp_filter {
	uint32_t data;
};

#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID 81
#endif

/* A burst of replies from 10,000 targets must not overflow the queue. */
#define RCVBUF_BYTES (4 << 20)

int64_t probe_icmp_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t probe_icmp_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

/* A raw socket, raising CAP_NET_RAW when it is permitted but not
 * effective (outpost-probed keeps it that way between uses). */
static int open_raw(int family)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	if (fd >= 0 || (errno != EPERM && errno != EACCES))
		return fd >= 0 ? fd : -errno;
	if (priv_raise(CAP_NET_RAW) < 0)
		return -EPERM;
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int err = fd < 0 ? -errno : 0;

	priv_lower(CAP_NET_RAW);
	return fd >= 0 ? fd : err;
}

/* Only echo replies and the errors that may quote an echo request reach
 * a raw socket: others' echo requests and router chatter stay out. */
static int set_filter(int fd, int family)
{
	if (family == AF_INET) {
		/* Bits set are blocked: echo reply 0, unreachable 3, time
		 * exceeded 11 and parameter problem 12 pass. */
		struct ping_icmp_filter f = { .data = ~(uint32_t)(1u << 0 | 1u << 3 | 1u << 11 |
		    1u << 12) };

		return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) < 0 ? -errno : 0;
	}
	struct icmp6_filter f;

	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
	ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
	ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
	ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
	return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0 ? -errno : 0;
}

/* A ping socket gets its id from the port it is bound to. */
static int bind_dgram(struct probe_icmp_sock *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if ((s->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port) == 0) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)s->family;
		len = s->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		if (bind(s->fd, (struct sockaddr *)&ss, len) < 0)
			return -errno;
		len = sizeof(ss);
		if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0)
			return -errno;
	}
	s->id = ntohs(s->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static int set_options(struct probe_icmp_sock *s)
{
	int fd = s->fd, rc;
	int ts = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
	    SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;

	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF_BYTES) < 0)
		set_int(fd, SOL_SOCKET, SO_RCVBUF, RCVBUF_BYTES);
	/* Without TX stamps the RX stamp still helps: half the noise. */
	if (set_int(fd, SOL_SOCKET, SO_TIMESTAMPING, ts) == 0)
		s->tx_kernel = true;
	else if ((rc = set_int(fd, SOL_SOCKET, SO_TIMESTAMPING,
	    SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE)) < 0)
		return rc;
	if (s->family == AF_INET) {
		if ((rc = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1)) < 0 ||
		    (rc = set_int(fd, IPPROTO_IP, IP_RECVTTL, 1)) < 0)
			return rc;
		/* Raw sockets see ICMP errors as packets; ping sockets only
		 * through the error queue. */
		if (!s->raw && (rc = set_int(fd, IPPROTO_IP, IP_RECVERR, 1)) < 0)
			return rc;
	} else {
		if ((rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)) < 0 ||
		    (rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)) < 0)
			return rc;
		if (!s->raw && (rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1)) < 0)
			return rc;
	}
	if (s->raw) {
		uint16_t id;

		if ((rc = set_filter(fd, s->family)) < 0)
			return rc;
		/* A random id, not the pid: two outpost-probes in containers
		 * sharing a network namespace would otherwise collide. */
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint16_t)getpid();
		s->id = id;
		return 0;
	}
	return bind_dgram(s);
}

int probe_icmp_open(struct probe_icmp_sock *s, int family, const struct probe_path *p,
    bool allow_raw)
{
	int fd = -EPERM, rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->family = family;
	if (allow_raw)
		fd = open_raw(family);
	if (fd >= 0) {
		s->raw = true;
	} else if (fd == -EPERM || fd == -EACCES) {
		fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
		if (fd < 0)
			return errno == EACCES ? -EPERM : -errno;
	} else {
		return fd;
	}
	s->fd = fd;
	if ((rc = probe_path_apply(fd, family, p)) < 0 || (rc = set_options(s)) < 0) {
		probe_icmp_close(s);
		return rc;
	}
	return 0;
}

void probe_icmp_close(struct probe_icmp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int probe_icmp_send(struct probe_icmp_sock *s, const struct sockaddr *dst, socklen_t dlen,
    const uint8_t *buf, size_t len, uint32_t key, int64_t *user_ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)dst, .msg_namelen = dlen, .msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	if (s->tx_kernel) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_TS_OPT_ID;
		cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memcpy(CMSG_DATA(cm), &key, sizeof(key));
	}
	*user_ns = probe_icmp_real_ns();
	n = sendmsg(s->fd, &msg, 0);
	if (n < 0 && errno == EINVAL && s->tx_kernel) {
		/* An older kernel: no per-send key, so no way to tie a stamp
		 * to its probe; user-space send times from now on. */
		s->tx_kernel = false;
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		n = sendmsg(s->fd, &msg, 0);
	}
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int probe_icmp_recv(struct probe_icmp_sock *s, uint8_t *buf, size_t cap, struct probe_icmp_rx *rx)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_name = &rx->from, .msg_namelen = sizeof(rx->from), .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	rx->len = (size_t)n;
	rx->rx_kernel = false;
	rx->has_dst = false;
	rx->ttl = -1;
	rx->rx_ns = 0;
	if (msg.msg_flags & MSG_TRUNC)
		rx->len = cap < (size_t)n ? cap : (size_t)n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING) {
			struct timespec ts[3];

			memcpy(ts, CMSG_DATA(cm), sizeof(ts));
			if (ts[0].tv_sec || ts[0].tv_nsec) {
				rx->rx_ns = ts_ns(&ts[0]);
				rx->rx_kernel = true;
			}
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(rx->dst, &pi.ipi_addr, 4);
			rx->has_dst = true;
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) {
			int ttl;

			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
			rx->ttl = ttl;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(rx->dst, &pi.ipi6_addr, 16);
			rx->has_dst = true;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT) {
			int hl;

			memcpy(&hl, CMSG_DATA(cm), sizeof(hl));
			rx->ttl = hl;
		}
	}
	if (!rx->rx_kernel)
		rx->rx_ns = probe_icmp_real_ns();
	return 0;
}

int probe_icmp_recv_err(struct probe_icmp_sock *s, uint8_t *buf, size_t cap,
    struct probe_icmp_err *e)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_name = &e->dst, .msg_namelen = sizeof(e->dst), .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct sock_extended_err ee;
	bool have_ee = false, have_ts = false;
	struct timespec ts[3];
	ssize_t n;

	memset(e, 0, sizeof(*e));
	n = recvmsg(s->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	e->len = (size_t)n > cap ? cap : (size_t)n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING) {
			memcpy(ts, CMSG_DATA(cm), sizeof(ts));
			have_ts = true;
		} else if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
		    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)) {
			if (cm->cmsg_len < CMSG_LEN(sizeof(ee)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			have_ee = true;
			/* The offender follows the error in the same cmsg. */
			size_t olen = cm->cmsg_len - CMSG_LEN(sizeof(ee));

			if (olen > sizeof(e->offender))
				olen = sizeof(e->offender);
			if (olen >= sizeof(sa_family_t)) {
				memcpy(&e->offender, CMSG_DATA(cm) + sizeof(ee), olen);
				e->has_offender = e->offender.ss_family == AF_INET ||
				    e->offender.ss_family == AF_INET6;
			}
		}
	}
	if (!have_ee)
		return -ENOMSG;
	if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
		if (!have_ts || ee.ee_info != SCM_TSTAMP_SND)
			return -ENOMSG;
		e->is_stamp = true;
		e->key = ee.ee_data;
		e->ts_ns = ts_ns(&ts[0]);
		return 0;
	}
	if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
		return -ENOMSG;
	e->type = ee.ee_type;
	e->code = ee.ee_code;
	return 0;
}
