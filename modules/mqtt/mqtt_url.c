/* mqtt_url.c: broker URLs, mqtt://[user@]host[:port] and mqtts://. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_client.h"

static bool copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

int mqtt_url_parse(const char *url, struct mqtt_url *u, const char **why)
{
	const char *p, *at, *end, *hend, *colon = NULL;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (!url) {
		*why = "no broker URL";
		return -EINVAL;
	}
	if (strncmp(url, "mqtt://", 7) == 0) {
		p = url + 7;
	} else if (strncmp(url, "mqtts://", 8) == 0) {
		p = url + 8;
		u->tls = true;
	} else {
		*why = "the URL must start with mqtt:// or mqtts://";
		return -EINVAL;
	}
	end = p + strcspn(p, "/?#");
	if (*end == '?' || *end == '#' || (*end == '/' && end[1] != '\0')) {
		*why = "the URL may not have a path, query or fragment";
		return -EINVAL;
	}
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		if (memchr(p, ':', (size_t)(at - p))) {
			*why = "the URL may not carry a password; use a password file";
			return -EINVAL;
		}
		if (at == p || !copy(u->user, sizeof(u->user), p, (size_t)(at - p))) {
			*why = "the user name in the URL is empty or too long";
			return -EINVAL;
		}
		p = at + 1;
	}
	if (*p == '[') {
		hend = memchr(p, ']', (size_t)(end - p));
		if (!hend) {
			*why = "an IPv6 address in the URL lacks its closing ']'";
			return -EINVAL;
		}
		if (!copy(u->host, sizeof(u->host), p + 1, (size_t)(hend - p - 1)) ||
		    !strchr(u->host, ':')) {
			*why = "the bracketed host is not an IPv6 address";
			return -EINVAL;
		}
		hend++;
		if (hend < end && *hend != ':') {
			*why = "unexpected characters after the IPv6 address";
			return -EINVAL;
		}
		colon = hend < end ? hend : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		hend = colon ? colon : end;
		if (!copy(u->host, sizeof(u->host), p, (size_t)(hend - p))) {
			*why = "the host name is too long";
			return -EINVAL;
		}
	}
	if (u->host[0] == '\0') {
		*why = "the URL has no host";
		return -EINVAL;
	}
	if (colon) {
		char *e;
		unsigned long port;

		n = (size_t)(end - colon - 1);
		if (n == 0 || n > 5 || strspn(colon + 1, "0123456789") < n) {
			*why = "the port is not a number from 1 to 65535";
			return -EINVAL;
		}
		port = strtoul(colon + 1, &e, 10);
		if (port < 1 || port > 65535) {
			*why = "the port is not a number from 1 to 65535";
			return -EINVAL;
		}
		snprintf(u->port, sizeof(u->port), "%lu", port);
	} else {
		snprintf(u->port, sizeof(u->port), "%s", u->tls ? "8883" : "1883");
	}
	return 0;
}
