/* probe_dns_server.c: the servers a dns probe measures: the @SERVER
 * arguments, or each nameserver of /etc/resolv.conf on its own, and the
 * resolvers (one server, one try per query) that measure each of them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_dns.h"

#define RESOLV_CONF	"/etc/resolv.conf"

/* "ADDR", "ADDR:PORT", "[V6]:PORT", "V6", "name", "name:PORT". */
static int split(const char *arg, char *host, size_t hostlen, uint16_t *port)
{
	const char *p = NULL, *end;
	size_t n;

	*port = 53;
	if (arg[0] == '[') {
		if (!(end = strchr(arg, ']')))
			return -EINVAL;
		n = (size_t)(end - arg - 1);
		arg++;
		if (end[1] == ':')
			p = end + 2;
		else if (end[1])
			return -EINVAL;
	} else if ((end = strchr(arg, ':')) && !strchr(end + 1, ':')) {
		n = (size_t)(end - arg);
		p = end + 1;
	} else {
		n = strlen(arg);
	}
	if (n == 0 || n >= hostlen)
		return -EINVAL;
	memcpy(host, arg, n);
	host[n] = '\0';
	if (p) {
		char *e;
		unsigned long v;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v = strtoul(p, &e, 10);
		if (errno || *e || v == 0 || v > 65535)
			return -EINVAL;
		*port = (uint16_t)v;
	}
	return 0;
}

static int add(struct dns_run *run, const char *given, bool from_system)
{
	struct dns_server *n = reallocarray(run->srv, run->n_srv + 1, sizeof(*n)), *s;
	struct in6_addr a;

	if (!n)
		return -ENOMEM;
	run->srv = n;
	s = memset(&n[run->n_srv], 0, sizeof(*s));
	s->run = run;
	s->from_system = from_system;
	snprintf(s->given, sizeof(s->given), "%s", given);
	if (strlen(given) >= sizeof(s->given) ||
	    split(given, s->host, sizeof(s->host), &s->port) < 0) {
		probe_job_error(run->job, "dns: '@%s' is not ADDRESS, ADDRESS:PORT, [IPV6]:PORT or "
		    "a host name", given);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, s->host, &a) == 1 || inet_pton(AF_INET6, s->host, &a) == 1) {
		memcpy(s->addr, s->host, strlen(s->host) + 1);	/* an address fits */
		s->resolved = true;
	}
	run->n_srv++;
	return 0;
}

/* Every "nameserver ADDRESS" of resolv.conf (a %scope suffix dropped). */
static int add_system(struct dns_run *run)
{
	FILE *fp = fopen(RESOLV_CONF, "re");
	char line[512];
	size_t before = run->n_srv;
	int rc = 0;

	if (!fp) {
		probe_job_error(run->job, "dns: %s: %s", RESOLV_CONF, strerror(errno));
		return -errno;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		char word[32], addr[64];
		struct in6_addr a;
		char *pct;

		if (sscanf(line, " %31s %63s", word, addr) != 2 || strcmp(word, "nameserver"))
			continue;
		if ((pct = strchr(addr, '%')))
			*pct = '\0';
		if (inet_pton(AF_INET, addr, &a) != 1 && inet_pton(AF_INET6, addr, &a) != 1)
			continue;
		if (strchr(addr, ':')) {
			char b[80];

			snprintf(b, sizeof(b), "[%s]:53", addr);
			rc = add(run, b, true);
		} else {
			rc = add(run, addr, true);
		}
	}
	fclose(fp);
	if (rc == 0 && run->n_srv == before) {
		probe_job_error(run->job, "dns: %s names no nameserver; give @SERVER", RESOLV_CONF);
		rc = -ENOENT;
	}
	return rc;
}

int probe_dns_servers_parse(struct dns_run *run)
{
	const struct probe_spec *spec = probe_job_spec(run->job);
	int rc = 0;

	if (!spec->n_dns_servers)
		return add_system(run);
	for (size_t i = 0; i < spec->n_dns_servers && rc == 0; i++)
		rc = strcmp(spec->dns_servers[i], "system") == 0 ? add_system(run) :
		    add(run, spec->dns_servers[i], false);
	return rc;
}

static int open_one(struct dns_server *s, bool tcp, struct resolver **out)
{
	const struct probe_spec *spec = probe_job_spec(s->run->job);
	char server[DNS_SERVER_TEXT];
	const char *servers[] = { server };
	struct resolver_opts o = {
		.servers = servers, .n_servers = 1, .no_system_config = true,
		.timeout_ms = (unsigned)s->run->timeout_ms, .tries = 1,
		.ifname = spec->path.ifname[0] ? spec->path.ifname : NULL,
		.source = s->run->source[0] ? s->run->source : NULL,
		.mark = spec->path.has_mark ? spec->path.mark : 0,
		.use_tcp = tcp, .ignore_tc = true, .raw_replies = true,
	};

	snprintf(server, sizeof(server), strchr(s->addr, ':') ? "[%s]:%u" : "%s:%u", s->addr,
	    s->port);
	return resolver_new(probe_job_loop(s->run->job), &o, out);
}

int probe_dns_server_open(struct dns_server *s)
{
	if (s->run->tcp)
		return open_one(s, true, &s->tcp);
	return open_one(s, false, &s->udp);
}

struct resolver *probe_dns_server_tcp(struct dns_server *s)
{
	if (!s->tcp && open_one(s, true, &s->tcp) < 0)
		s->tcp = NULL;
	return s->tcp;
}

void probe_dns_server_close(struct dns_server *s)
{
	resolver_cancel(s->lookup);
	s->lookup = NULL;
	resolver_free(s->udp);
	resolver_free(s->tcp);
	s->udp = s->tcp = NULL;
}
