/* probe_schema_dns.c: the value checks of the [probe] keys of the dns and
 * hijack types (resolvers, references, dot, nx-domain, qtype).
 *
 * They accept what outpost-probe dns and hijack take after '@' on the
 * command line, so a section and the command line it stands for mean the
 * same; the schema keeps them in probe_schema.c's one key table. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe_schema.h"

/* The query types outpost-probe dns -t names; any other is TYPEnnn or a
 * bare number (RFC 3597's way of writing an unknown type). */
static const struct {
	const char *name;
	int type;
} qtypes[] = {
	{ "A", 1 }, { "AAAA", 28 }, { "CNAME", 5 }, { "MX", 15 }, { "NS", 2 }, { "TXT", 16 },
	{ "SOA", 6 }, { "PTR", 12 }, { "SRV", 33 }, { "CAA", 257 }, { "ANY", 255 },
};

static bool is_port(const char *s, size_t n)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* ADDR, ADDR:PORT (IPv4) or [ADDR6]:PORT; a bare IPv6 address takes no
 * port, as the colon would be ambiguous. */
int probe_schema_server_ok(const char *s, size_t n)
{
	char a[INET6_ADDRSTRLEN + 1];
	struct in6_addr b6;
	struct in_addr b4;
	const char *c;

	if (n == 0 || n >= 64)
		return 0;
	if (s[0] == '[') {
		c = memchr(s, ']', n);
		if (!c || (size_t)(c - s - 1) >= sizeof(a))
			return 0;
		memcpy(a, s + 1, (size_t)(c - s - 1));
		a[c - s - 1] = '\0';
		if (inet_pton(AF_INET6, a, &b6) != 1)
			return 0;
		n -= (size_t)(c + 1 - s);
		return n == 0 || (c[1] == ':' && is_port(c + 2, n - 1));
	}
	c = memchr(s, ':', n);
	if (c && memchr(c + 1, ':', n - (size_t)(c + 1 - s))) {
		/* Two colons: a bare IPv6 address. */
		if (n >= sizeof(a))
			return 0;
		memcpy(a, s, n);
		a[n] = '\0';
		return inet_pton(AF_INET6, a, &b6) == 1;
	}
	if ((size_t)((c ? c : s + n) - s) >= sizeof(a))
		return 0;
	memcpy(a, s, (size_t)((c ? c : s + n) - s));
	a[(c ? c : s + n) - s] = '\0';
	if (inet_pton(AF_INET, a, &b4) != 1)
		return 0;
	return !c || is_port(c + 1, n - (size_t)(c + 1 - s));
}

/* A host or domain name: labels of 1 to 63 letters, digits, '-' or '_'
 * (SRV-style names), 253 characters at most, one trailing dot allowed. */
int probe_schema_domain_ok(const char *s, size_t n)
{
	size_t label = 0;

	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

int probe_schema_check_resolver(const char *raw, char *msg, size_t msglen)
{
	if (!strcmp(raw, "system") || probe_schema_server_ok(raw, strlen(raw)))
		return 0;
	snprintf(msg, msglen, "is not system, ADDRESS, IPV4:PORT or [IPV6]:PORT");
	return 1;
}

int probe_schema_check_server(const char *raw, char *msg, size_t msglen)
{
	if (probe_schema_server_ok(raw, strlen(raw)))
		return 0;
	snprintf(msg, msglen, "is not ADDRESS, IPV4:PORT or [IPV6]:PORT");
	return 1;
}

int probe_schema_check_dot(const char *raw, char *msg, size_t msglen)
{
	const char *h = strchr(raw, '#');
	size_t n = h ? (size_t)(h - raw) : strlen(raw);

	if (probe_schema_server_ok(raw, n) && (!h || probe_schema_domain_ok(h + 1, strlen(h + 1))))
		return 0;
	snprintf(msg, msglen, "is not ADDRESS[:PORT][#TLS-NAME] (port 853 when left out)");
	return 1;
}

int probe_schema_check_domain(const char *raw, char *msg, size_t msglen)
{
	if (probe_schema_domain_ok(raw, strlen(raw)))
		return 0;
	snprintf(msg, msglen, "is not a domain name (labels of 1 to 63 of A-Z a-z 0-9 - _, "
	    "253 characters at most)");
	return 1;
}

int probe_schema_qtype(const char *s)
{
	const char *d = s;
	char *end;
	unsigned long v;

	for (size_t i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (!strcasecmp(s, qtypes[i].name))
			return qtypes[i].type;
	if (!strncasecmp(s, "TYPE", 4))
		d = s + 4;
	if (!isdigit((unsigned char)*d))
		return -EINVAL;
	errno = 0;
	v = strtoul(d, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	return (int)v;
}

int probe_schema_check_qtype(const char *raw, char *msg, size_t msglen)
{
	if (probe_schema_qtype(raw) > 0)
		return 0;
	snprintf(msg, msglen, "is not a query type (A, AAAA, CNAME, MX, NS, TXT, SOA, PTR, SRV, "
	    "CAA, ANY, or a number 1 to 65535)");
	return 1;
}
