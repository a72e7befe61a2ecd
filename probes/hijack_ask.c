/* hijack_ask.c: one question to one server, plain or over TLS, parsed.
 *
 * A plain server gets a libop resolver of its own (servers = [it], no
 * resolv.conf, every rcode handed back) so the reply is exactly that
 * server's; a DoT reference gets the message through hijack_dot.c. Both
 * replies go through the DNS codec (probes/dns_msg.h) and come back as
 * the addresses of the asked type with their TTLs. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dns_msg.h"
#include "hijack_int.h"

struct hijack_ask {
	struct resolver_query		*q;
	struct probe_hijack_dot		*dot;
	struct hijack_server		*srv;
	hijack_ask_cb			cb;
	void				*arg;
	uint16_t			qtype, id;
};

/* The addresses of type qtype in the answer section of msg. */
void hijack_reply_parse(const uint8_t *msg, size_t len, uint16_t qtype, int want_id,
    struct hijack_reply *rep)
{
	struct probe_dns_msg m;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = probe_dns_msg_parse(msg, len, &m)) < 0) {
		rep->status = rc;
		snprintf(rep->why, sizeof(rep->why), "bad reply: %s", probe_dns_strerror(rc));
		return;
	}
	if (want_id >= 0 && m.id != (uint16_t)want_id) {
		rep->status = -EBADMSG;
		snprintf(rep->why, sizeof(rep->why), "a reply with another id");
		goto out;
	}
	rep->status = 0;
	rep->rcode = (int)m.rcode;
	for (size_t i = 0; i < m.n_an && rep->n < HIJACK_MAX_ADDRS; i++) {
		const struct probe_dns_rr *rr = &m.rr[i];
		struct hijack_addr *a = &rep->a[rep->n];

		if (rr->type != qtype || rr->rclass != PROBE_DNS_C_IN)
			continue;
		if (qtype == PROBE_DNS_T_A && rr->rdlen == 4)
			a->family = AF_INET;
		else if (qtype == PROBE_DNS_T_AAAA && rr->rdlen == 16)
			a->family = AF_INET6;
		else
			continue;
		memcpy(a->a, rr->raw, rr->rdlen);
		a->ttl = rr->ttl;
		rep->n++;
	}
out:
	probe_dns_msg_free(&m);
}

static void deliver(struct hijack_ask *a, struct hijack_reply *rep)
{
	a->q = NULL;
	a->cb(rep, a->arg);
	/* the owner forgot its handle in cb; the ask ends here */
	probe_hijack_dot_free(a->dot);
	free(a);
}

static void on_raw(int status, const uint8_t *reply, size_t len, unsigned timeouts, void *arg)
{
	struct hijack_ask *a = arg;
	struct hijack_reply rep;

	memset(&rep, 0, sizeof(rep));
	if (status < 0) {
		rep.status = status;
		snprintf(rep.why, sizeof(rep.why), "%s (%u tries without an answer)",
		    resolver_strerror(status), timeouts);
	} else {
		/* c-ares matched the id and question already */
		hijack_reply_parse(reply, len, a->qtype, -1, &rep);
	}
	deliver(a, &rep);
}

static void on_dot(int status, const uint8_t *reply, size_t len, const char *why, void *arg)
{
	struct hijack_ask *a = arg;
	struct hijack_reply rep;

	memset(&rep, 0, sizeof(rep));
	if (status < 0) {
		rep.status = status;
		if (status == -EKEYREJECTED)
			a->srv->unusable = true;
		snprintf(rep.why, sizeof(rep.why), "%s", why && *why ? why : strerror(-status));
	} else {
		hijack_reply_parse(reply, len, a->qtype, a->id, &rep);
	}
	deliver(a, &rep);
}

/* Ask srv for name/qtype. */
int hijack_ask_start(struct loop *l, struct resolver *sysr, const struct probe_spec *spec,
    struct hijack_server *srv, const char *name, uint16_t qtype, hijack_ask_cb cb, void *arg,
    struct hijack_ask **out)
{
	struct hijack_ask *a = calloc(1, sizeof(*a));
	uint64_t timeout = spec->timeout_ms ? spec->timeout_ms : 5000;
	int rc;

	if (!a)
		return -ENOMEM;
	a->srv = srv;
	a->cb = cb;
	a->arg = arg;
	a->qtype = qtype;
	if (!srv->dot) {
		rc = resolver_query(srv->r, name, PROBE_DNS_C_IN, qtype, on_raw, a, &a->q);
	} else {
		struct probe_dns_query_opts o = { .rd = true };
		struct wire_buf b;

		if (getrandom(&a->id, sizeof(a->id), 0) != (ssize_t)sizeof(a->id)) {
			free(a);
			return -errno;
		}
		o.id = a->id;
		wire_buf_init(&b);
		rc = probe_dns_query_build(&b, name, qtype, PROBE_DNS_C_IN, &o);
		if (rc == 0 && (rc = wire_buf_error(&b)) == 0)
			rc = probe_hijack_dot_start(l, sysr, srv->ctx, &spec->path, srv->host,
			    srv->port, srv->tls_name[0] ? srv->tls_name : NULL, b.data, b.len,
			    timeout, on_dot, a, &a->dot);
		wire_buf_free(&b);
	}
	if (rc < 0) {
		free(a);
		return rc;
	}
	*out = a;
	return 0;
}

/* Cancel and free. */
void hijack_ask_free(struct hijack_ask *a)
{
	if (!a)
		return;
	resolver_cancel(a->q);
	probe_hijack_dot_free(a->dot);
	free(a);
}

/* Split "addr", "addr:port", "[v6]:port" into address text and port. */
static int split_server(const char *s, char *addr, size_t alen, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	const char *p = NULL;
	size_t n;

	*port = 53;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end)
			return -EINVAL;
		n = (size_t)(end - s - 1);
		if (n >= alen)
			return -EINVAL;
		memcpy(addr, s + 1, n);
		addr[n] = '\0';
		if (end[1] == ':')
			p = end + 2;
		else if (end[1])
			return -EINVAL;
	} else if (colon && strchr(s, ':') == colon) {
		n = (size_t)(colon - s);
		if (n >= alen)
			return -EINVAL;
		memcpy(addr, s, n);
		addr[n] = '\0';
		p = colon + 1;
	} else {
		if (strlen(s) >= alen)
			return -EINVAL;
		snprintf(addr, alen, "%s", s);
	}
	if (p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (!*p || *end || v == 0 || v > 65535)
			return -EINVAL;
		*port = (uint16_t)v;
	}
	return 0;
}

/* The address and port of a plain server. */
int hijack_server_sockaddr(const struct hijack_server *srv, struct sockaddr_storage *ss,
    socklen_t *len)
{
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (split_server(srv->text, addr, sizeof(addr), &port) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

/* A resolver that asks srv alone, on spec's path. */
int hijack_server_open(struct loop *l, const struct probe_spec *spec, struct hijack_server *srv)
{
	const char *servers[1] = { srv->text };
	char src[INET6_ADDRSTRLEN] = "";
	uint64_t timeout = spec->timeout_ms ? spec->timeout_ms : 5000;
	struct resolver_opts o = {
		.servers = servers, .n_servers = 1, .no_system_config = true,
		/* two tries within the timeout: one lost datagram is not a
		 * silent resolver */
		.timeout_ms = (unsigned)(timeout / 2 ? timeout / 2 : 1), .tries = 2,
		.ifname = spec->path.ifname[0] ? spec->path.ifname : NULL,
		.mark = spec->path.has_mark ? spec->path.mark : 0,
		.raw_replies = true,
	};
	const struct sockaddr_storage *ss = &spec->path.src;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, src, sizeof(src));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, src, sizeof(src));
	o.source = src[0] ? src : NULL;
	return resolver_new(l, &o, &srv->r);
}

/* Free the server's resolver. */
void hijack_server_close(struct hijack_server *srv)
{
	resolver_free(srv->r);
	srv->r = NULL;
}
