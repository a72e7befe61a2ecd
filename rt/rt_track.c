/* rt_track.c: the [line] track key, "icmp TARGET" or "tcp TARGET:PORT",
 * and the small value syntaxes of the routing selectors (ranges,
 * protocol names). In librtline.a: the schema needs them and may use
 * only libop. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "rt_line.h"

/* An address or a DNS host name (letters, digits, '-', '.', '_'). */
static bool target_ok(const char *t)
{
	struct in6_addr a6;
	size_t n = strlen(t);

	if (n == 0 || n >= sizeof(((struct rt_track *)0)->target))
		return false;
	if (strchr(t, ':'))
		return inet_pton(AF_INET6, t, &a6) == 1;
	if (t[0] == '.' || t[0] == '-')
		return false;
	for (const char *p = t; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

/* A decimal number without sign, at most max. */
static bool num_parse(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

static int track_parse(const char *raw, void **out, char *msg, size_t msglen)
{
	struct rt_track t = { .kind = RT_TRACK_NONE };
	const char *sp = strchr(raw, ' '), *arg, *colon, *host;
	size_t hlen;
	uint64_t port;

	if (!sp)
		goto syntax;
	arg = sp + 1;
	while (*arg == ' ')
		arg++;
	if ((size_t)(sp - raw) == 4 && !strncmp(raw, "icmp", 4)) {
		if (!target_ok(arg))
			goto target;
		t.kind = RT_TRACK_ICMP;
		snprintf(t.target, sizeof(t.target), "%s", arg);
	} else if ((size_t)(sp - raw) == 3 && !strncmp(raw, "tcp", 3)) {
		colon = strrchr(arg, ':');
		if (!colon)
			goto syntax;
		host = arg;
		hlen = (size_t)(colon - arg);
		if (arg[0] == '[') {
			if (hlen < 2 || colon[-1] != ']')
				goto syntax;
			host++;
			hlen -= 2;
		}
		if (hlen == 0 || hlen >= sizeof(t.target))
			goto target;
		memcpy(t.target, host, hlen);
		t.target[hlen] = '\0';
		/* A bare IPv6 address would make the port ambiguous. */
		if (!target_ok(t.target) || (arg[0] != '[' && strchr(t.target, ':')) ||
		    (arg[0] == '[' && !strchr(t.target, ':')))
			goto target;
		if (!num_parse(colon + 1, strlen(colon + 1), 65535, &port) || port == 0) {
			snprintf(msg, msglen, "has no port from 1 to 65535 after the ':'");
			return -EINVAL;
		}
		t.kind = RT_TRACK_TCP;
		t.port = (uint16_t)port;
	} else {
		goto syntax;
	}
	*out = malloc(sizeof(t));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, &t, sizeof(t));
	return 0;
syntax:
	snprintf(msg, msglen, "is not 'icmp TARGET', 'tcp TARGET:PORT' or 'tcp [IPV6]:PORT'");
	return -EINVAL;
target:
	snprintf(msg, msglen, "has no target address or host name (IPv6 in brackets for tcp)");
	return -EINVAL;
}

static int track_format(const void *value, char *buf, size_t len)
{
	const struct rt_track *t = value;
	int n;

	if (t->kind == RT_TRACK_ICMP)
		n = snprintf(buf, len, "icmp %s", t->target);
	else if (strchr(t->target, ':'))
		n = snprintf(buf, len, "tcp [%s]:%u", t->target, t->port);
	else
		n = snprintf(buf, len, "tcp %s:%u", t->target, t->port);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

const struct conf_custom_type rt_track_type = {
	.name = "health check", .parse = track_parse, .format = track_format, .free = free,
};

int rt_range_parse(const char *s, uint32_t min, uint32_t max, uint32_t *a, uint32_t *b)
{
	const char *dash = strchr(s, '-');
	uint64_t x, y;

	if (!dash) {
		if (!num_parse(s, strlen(s), max, &x) || x < min)
			return -EINVAL;
		*a = *b = (uint32_t)x;
		return 0;
	}
	if (!num_parse(s, (size_t)(dash - s), max, &x) || x < min ||
	    !num_parse(dash + 1, strlen(dash + 1), max, &y) || y < min)
		return -EINVAL;
	if (x > y)
		return -ERANGE;
	*a = (uint32_t)x;
	*b = (uint32_t)y;
	return 0;
}

static const struct { const char *name; int num; } protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "ipv6-icmp", 58 }, { "sctp", 132 },
};

int rt_ipproto_parse(const char *s)
{
	uint64_t v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name))
			return protos[i].num;
	if (num_parse(s, strlen(s), 255, &v) && v >= 1)
		return (int)v;
	return -EINVAL;
}
