/* probe_path.c: binding a probe's socket to an interface, source, mark. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

void probe_path_init(struct probe_path *p)
{
	memset(p, 0, sizeof(*p));
	p->src.ss_family = AF_UNSPEC;
	p->tos = -1;
	p->ttl = -1;
}

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

int probe_path_apply(int fd, int family, const struct probe_path *p)
{
	int rc;

	if (p->ifname[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->ifname, strlen(p->ifname) + 1) < 0)
		return -errno;
	if (p->has_mark && (rc = set_int(fd, SOL_SOCKET, SO_MARK, (int)p->mark)) < 0)
		return rc;
	if (p->src.ss_family != AF_UNSPEC) {
		struct sockaddr_storage ss = p->src;
		socklen_t len;

		if (ss.ss_family != family)
			return -EAFNOSUPPORT;
		if (family == AF_INET) {
			((struct sockaddr_in *)&ss)->sin_port = 0;
			len = sizeof(struct sockaddr_in);
		} else {
			((struct sockaddr_in6 *)&ss)->sin6_port = 0;
			len = sizeof(struct sockaddr_in6);
		}
		if (bind(fd, (struct sockaddr *)&ss, len) < 0)
			return -errno;
	}
	if (p->tos >= 0) {
		rc = family == AF_INET ? set_int(fd, IPPROTO_IP, IP_TOS, p->tos) :
		    set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, p->tos);
		if (rc < 0)
			return rc;
	}
	if (p->ttl >= 0) {
		rc = family == AF_INET ? set_int(fd, IPPROTO_IP, IP_TTL, p->ttl) :
		    set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, p->ttl);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int probe_socket(int family, int type, int proto, const struct probe_path *p)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	int rc = probe_path_apply(fd, family, p);

	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

void probe_path_describe(const struct probe_path *p, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN] = "";
	char mark[24] = "";
	const void *a = NULL;

	if (p->src.ss_family == AF_INET)
		a = &((const struct sockaddr_in *)&p->src)->sin_addr;
	else if (p->src.ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)&p->src)->sin6_addr;
	if (a)
		inet_ntop(p->src.ss_family, a, src, sizeof(src));
	if (p->has_mark)
		snprintf(mark, sizeof(mark), "mark 0x%x", p->mark);

	const char *parts[3] = { p->ifname, src, mark };
	char inner[160] = "";
	size_t off = 0;

	for (int i = 0; i < 3; i++) {
		if (!parts[i][0])
			continue;
		int n = snprintf(inner + off, sizeof(inner) - off, "%s%s", off ? ", " : "", parts[i]);

		if (n < 0 || (size_t)n >= sizeof(inner) - off)
			break;
		off += (size_t)n;
	}
	if (p->line[0])
		snprintf(buf, len, "via %s%s%s%s", p->line, off ? " (" : "", inner, off ? ")" : "");
	else if (off)
		snprintf(buf, len, "from %s", inner);
	else
		snprintf(buf, len, "default path");
}
