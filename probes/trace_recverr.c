/* trace_recverr.c: tracing without CAP_NET_RAW (UDP and ICMP echo).
 *
 * An ordinary UDP socket, or an ICMP datagram ("ping") socket where
 * net.ipv4.ping_group_range admits us, with IP_RECVERR / IPV6_RECVERR:
 * the kernel matches each ICMP error to the socket and queues it with the
 * offender's address and the quoted bytes. The ports (UDP), the identifier
 * (ICMP, the socket's own) and the checksums are the kernel's to write;
 * they stay the same for every probe of the socket, so the flow identifier
 * still holds. UDP probes are keyed by their first payload word, which
 * only comes back when the router quotes more than RFC 792's eight bytes
 * (Linux and most routers today quote far more); ICMP probes by their
 * sequence number, which is always quoted. */
#include "config.h"

#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "trace.h"

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

int trace_open_dgram(struct trace_target *t)
{
	const struct probe_spec *spec = probe_job_spec(t->tj->job);
	bool icmp = t->tj->proto == IPPROTO_ICMP, v4 = t->family == AF_INET;
	int proto = icmp ? (v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6) : IPPROTO_UDP;
	int fd = probe_socket(t->family, SOCK_DGRAM, proto, &spec->path), rc;

	if (fd < 0) {
		rc = fd;
		snprintf(t->why, sizeof(t->why), "opening %s socket: %s%s",
		    icmp ? "an unprivileged ICMP" : "a UDP", strerror(-rc),
		    icmp && (rc == -EACCES || rc == -EPERM) ?
		    " (net.ipv4.ping_group_range excludes us; -P udp needs no privilege)" : "");
		return rc;
	}
	if ((rc = trace_bind_source(t, fd)) < 0 ||
	    (rc = set_int(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_RECVERR : IPV6_RECVERR, 1)) < 0 ||
	    (rc = set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1)) < 0) {
		snprintf(t->why, sizeof(t->why), "setting up the %s socket: %s", icmp ? "ICMP" : "UDP",
		    strerror(-rc));
		close(fd);
		return rc;
	}
	if (icmp) {
		t->icmp_fd = fd;
		t->id = local_port(fd);		/* the kernel's identifier for our echoes */
	} else {
		t->send_fd = fd;
		t->sport = local_port(fd);
	}
	t->dport = t->tj->port;
	return 0;
}

int trace_recv_error(struct trace_target *t, int fd, struct trace_reply *r, struct timespec *ts)
{
	uint8_t data[2048];
	union {
		char		buf[512];
		struct cmsghdr	align;
	} ctl;
	struct sockaddr_storage dst;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = { .msg_name = &dst, .msg_namelen = sizeof(dst), .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	const struct sock_extended_err *ee = NULL;
	ssize_t len = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);

	if (len < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	ts->tv_sec = 0;
	ts->tv_nsec = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*ts)))
			memcpy(ts, CMSG_DATA(c), sizeof(*ts));
		else if (((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*ee) + (t->family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6))))
			ee = (const struct sock_extended_err *)CMSG_DATA(c);
	}
	if (!ts->tv_sec)
		clock_gettime(CLOCK_REALTIME, ts);
	if (!ee)
		return -ENOMSG;
	if ((size_t)len > sizeof(data))
		len = sizeof(data);
	int rc = trace_parse_recverr(t->family, t->tj->proto, ee->ee_origin, ee->ee_type,
	    ee->ee_code, SO_EE_OFFENDER(ee), (const struct sockaddr *)&dst, data, (size_t)len, r);

	/* The kernel found the socket by the quoted ports: they are ours. */
	if (rc == 0 && r->proto == IPPROTO_UDP) {
		r->sport = t->sport;
		r->dport = t->dport;
	}
	return rc;
}
