/* probe_web_url.c: the targets of the tls and http probes, and redirects.
 *
 * Targets come from the command line, the config and (for redirects)
 * from a server's Location header, so everything is length-checked and
 * anything odd is refused rather than guessed at. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web.h"

bool probe_is_ip_literal(const char *s)
{
	unsigned char b[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* A host name made of letters, digits, '-', '.', '_' (no spaces, no '@'
 * or '/' that would make a URL mean something else). */
static bool host_ok(const char *h)
{
	if (!*h)
		return false;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			return false;
	return true;
}

static int port_parse(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* s[0..n) is "host", "host:port", "[v6]" or "[v6]:port". */
static int authority_parse(const char *s, size_t n, struct probe_url *u)
{
	const char *hs = s, *colon = NULL;
	size_t hl;

	if (n == 0 || memchr(s, '@', n))
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return -EINVAL;
		hs = s + 1;
		hl = (size_t)(close - hs);
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return -EINVAL;
			colon = close + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		if (colon && memchr(colon + 1, ':', (size_t)(s + n - colon - 1)))
			return -EINVAL;	/* a bare IPv6 address needs brackets */
		hl = colon ? (size_t)(colon - s) : n;
	}
	if (hl == 0 || hl >= sizeof(u->host))
		return -EINVAL;
	memcpy(u->host, hs, hl);
	u->host[hl] = '\0';
	if (colon && port_parse(colon + 1, (size_t)(s + n - colon - 1), &u->port) < 0)
		return -EINVAL;
	u->has_port = colon != NULL;
	u->host_is_ip = probe_is_ip_literal(u->host);
	if (s[0] == '[') {
		struct in6_addr a;

		if (inet_pton(AF_INET6, u->host, &a) != 1)
			return -EINVAL;
	} else if (!u->host_is_ip && !host_ok(u->host)) {
		return -EINVAL;
	}
	return 0;
}

int probe_hostport_parse(const char *s, uint16_t def_port, struct probe_url *u)
{
	memset(u, 0, sizeof(*u));
	u->port = def_port;
	u->tls = true;
	strcpy(u->path, "/");
	/* A bare IPv6 literal is unambiguous without brackets. */
	if (strchr(s, ':') && s[0] != '[' && probe_is_ip_literal(s)) {
		if (strlen(s) >= sizeof(u->host))
			return -EINVAL;
		strcpy(u->host, s);
		u->host_is_ip = true;
		return 0;
	}
	return authority_parse(s, strlen(s), u);
}

/* Copy a path (and query) without its fragment; control bytes and
 * spaces would break the request line, so they are refused. */
static int path_set(struct probe_url *u, const char *p, size_t n)
{
	const char *hash = memchr(p, '#', n);

	if (hash)
		n = (size_t)(hash - p);
	if (n == 0) {
		strcpy(u->path, "/");
		return 0;
	}
	if (n >= sizeof(u->path) || p[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return -EINVAL;
	memcpy(u->path, p, n);
	u->path[n] = '\0';
	return 0;
}

int probe_url_parse(const char *s, struct probe_url *u)
{
	const char *a, *end;
	size_t n = strlen(s);

	memset(u, 0, sizeof(*u));
	if (n >= PROBE_URL_MAX)
		return -EINVAL;
	if (!strncasecmp(s, "http://", 7)) {
		a = s + 7;
		u->port = 80;
	} else if (!strncasecmp(s, "https://", 8)) {
		a = s + 8;
		u->tls = true;
		u->port = 443;
	} else {
		return -EINVAL;
	}
	end = a + strcspn(a, "/?#");
	if (authority_parse(a, (size_t)(end - a), u) < 0)
		return -EINVAL;
	if (*end == '?') {
		/* "http://h?q" means the path "/?q". */
		char tmp[PROBE_URL_MAX];

		snprintf(tmp, sizeof(tmp), "/%s", end);
		return path_set(u, tmp, strlen(tmp));
	}
	return path_set(u, end, strlen(end));
}

int probe_url_resolve(const struct probe_url *base, const char *loc, struct probe_url *out)
{
	char tmp[PROBE_URL_MAX];
	size_t n = strlen(loc);

	if (n == 0 || n >= PROBE_URL_MAX)
		return -EINVAL;
	if (!strncasecmp(loc, "http://", 7) || !strncasecmp(loc, "https://", 8))
		return probe_url_parse(loc, out);
	if (loc[0] == '/' && loc[1] == '/') {
		/* Scheme-relative: //host[:port]/path. */
		if (snprintf(tmp, sizeof(tmp), "%s:%s", base->tls ? "https" : "http", loc) >=
		    (int)sizeof(tmp))
			return -EINVAL;
		return probe_url_parse(tmp, out);
	}
	*out = *base;
	if (loc[0] == '/')
		return path_set(out, loc, n);
	if (strchr(loc, ':') && strcspn(loc, ":") < strcspn(loc, "/?#"))
		return -EINVAL;		/* another scheme (ftp:, javascript:) */
	if (loc[0] == '?') {
		size_t q = strcspn(base->path, "?");

		if (snprintf(tmp, sizeof(tmp), "%.*s%s", (int)q, base->path, loc) >=
		    (int)sizeof(tmp))
			return -EINVAL;
	} else {
		/* Relative to the base path's directory; dot segments are
		 * left for the server, as they are legal in a request. */
		size_t q = strcspn(base->path, "?");
		size_t dir = q;

		while (dir > 0 && base->path[dir - 1] != '/')
			dir--;
		if (snprintf(tmp, sizeof(tmp), "%.*s%s", (int)dir, base->path, loc) >=
		    (int)sizeof(tmp))
			return -EINVAL;
	}
	return path_set(out, tmp, strlen(tmp));
}

void probe_url_format(const struct probe_url *u, char *buf, size_t len)
{
	bool v6 = strchr(u->host, ':') != NULL;
	bool def = u->port == (u->tls ? 443 : 80);
	char port[8] = "";

	if (!def)
		snprintf(port, sizeof(port), ":%u", u->port);
	snprintf(buf, len, "%s://%s%s%s%s%s", u->tls ? "https" : "http", v6 ? "[" : "",
	    u->host, v6 ? "]" : "", port, u->path);
}
