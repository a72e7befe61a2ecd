/* resolve.c: address lookups (host + port -> addresses to connect to).
 *
 * A query lives from resolver_getaddrinfo() until its callback returned or
 * it was cancelled, and, after a cancel, until c-ares gives its own
 * callback back (c-ares 1.18 cannot cancel one query alone): c-ares may
 * still hold a pointer to it. When every query c-ares holds is cancelled,
 * ares_cancel() ends them all, so an abandoned lookup to a silent server
 * neither keeps retransmitting nor holds back a resolv.conf re-read. Answers that come at once (numeric
 * addresses, /etc/hosts, early errors) are delivered from a loop timer, so
 * the caller never sees its callback run inside the call that started it. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

#define HOST_MAX	253	/* longest DNS name in text form */

void resolver_result_free(struct resolver_result *res)
{
	free(res);
}

void resolver_query_unlink(struct resolver_query *q)
{
	struct resolver *r = q->r;

	if (q->prev)
		q->prev->next = q->next;
	else
		r->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	resolver_result_free(q->res);
	free(q->reply);
	free(q);
}

int resolver_from_ares(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return 0;
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
	case ARES_ENONAME:
		return -ENOENT;
	case ARES_ETIMEOUT:
		return -ETIMEDOUT;
	case ARES_ECONNREFUSED:
	case ARES_EREFUSED:
		return -ECONNREFUSED;
	case ARES_ESERVFAIL:
		return -EAGAIN;
	case ARES_EFORMERR:
	case ARES_EBADRESP:
		return -EBADMSG;
	case ARES_EBADNAME:
	case ARES_EBADSTR:
	case ARES_EBADFLAGS:
	case ARES_EBADHINTS:
	case ARES_ESERVICE:
		return -EINVAL;
	case ARES_ENOMEM:
		return -ENOMEM;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return -ECANCELED;
	case ARES_ENOTIMP:
	case ARES_EBADFAMILY:
		return -EAFNOSUPPORT;
	default:
		return -EIO;
	}
}

const char *resolver_strerror(int status)
{
	switch (status) {
	case 0:
		return "success";
	case -ENOENT:
		return "no such host";
	case -ETIMEDOUT:
		return "timed out";
	case -ECONNREFUSED:
		return "refused by the DNS server";
	case -EAGAIN:
		return "DNS server failure";
	case -EBADMSG:
		return "malformed DNS reply";
	case -EINVAL:
		return "invalid name or port";
	case -ENOMEM:
		return "out of memory";
	case -ECANCELED:
		return "cancelled";
	default:
		return strerror(status < 0 ? -status : status);
	}
}

static void set_port(struct resolver_addr *a, uint16_t port)
{
	if (a->family == AF_INET)
		((struct sockaddr_in *)&a->sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a->sa)->sin6_port = htons(port);
}

/* c-ares' list as one allocation; NULL with *err set when empty or OOM. */
static struct resolver_result *convert(const struct ares_addrinfo *ai, uint16_t port, int *err)
{
	const struct ares_addrinfo_node *n;
	struct resolver_result *res;
	size_t count = 0;

	for (n = ai ? ai->nodes : NULL; n; n = n->ai_next)
		if ((n->ai_family == AF_INET || n->ai_family == AF_INET6) &&
		    n->ai_addr && n->ai_addrlen <= sizeof(struct sockaddr_storage))
			count++;
	if (count == 0) {
		*err = -ENOENT;
		return NULL;
	}
	res = calloc(1, sizeof(*res) + count * sizeof(res->addr[0]));
	if (!res) {
		*err = -ENOMEM;
		return NULL;
	}
	for (n = ai->nodes; n; n = n->ai_next) {
		struct resolver_addr *a = &res->addr[res->n];

		if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) ||
		    !n->ai_addr || n->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		a->family = n->ai_family;
		a->len = (socklen_t)n->ai_addrlen;
		memcpy(&a->sa, n->ai_addr, n->ai_addrlen);
		set_port(a, port);
		res->n++;
	}
	return res;
}

void resolver_deliver(struct resolver_query *q)
{
	struct resolver_result *res = q->res;

	q->res = NULL;
	q->in_cb = true;
	q->r->pending--;
	if (q->raw_cb)
		q->raw_cb(q->status, q->reply, q->reply_len, q->timeouts, q->arg);
	else
		q->cb(q->status, res, q->arg);
	resolver_query_unlink(q);
}

void resolver_on_deferred(struct loop *l, void *arg)
{
	struct resolver_query *q = arg;

	q->timer = 0;
	resolver_deliver(q);
}

/* A fresh query of r, linked first into r->queries; NULL without memory. */
struct resolver_query *resolver_query_new(struct resolver *r, void *arg)
{
	struct resolver_query *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->r = r;
	q->arg = arg;
	q->next = r->queries;
	if (r->queries)
		r->queries->prev = q;
	r->queries = q;
	return q;
}

/* A query handed to c-ares (or answered at once): count it and give the
 * caller its handle; one c-ares answered inside the call is delivered
 * from the loop, never inside it. */
int resolver_query_started(struct resolver *r, struct resolver_query *q,
    struct resolver_query **out)
{
	if (q->done) {
		q->timer = loop_timer_add(r->loop, 0, resolver_on_deferred, q);
		if (!q->timer) {
			resolver_query_unlink(q);
			return -ENOMEM;
		}
	}
	r->pending++;
	*out = q;
	return 0;
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolver_query *q = arg;

	q->in_ares = false;
	q->r->n_ares--;
	if (q->cancelled)
		q->r->n_orphans--;
	if (q->cancelled || q->r->freeing) {
		ares_freeaddrinfo(ai);
		resolver_query_unlink(q);
		return;
	}
	q->status = resolver_from_ares(status);
	if (status == ARES_SUCCESS)
		q->res = convert(ai, q->port, &q->status);
	ares_freeaddrinfo(ai);
	q->done = true;
	if (!q->starting)
		resolver_deliver(q);
}

/* Digits, or a TCP service name from /etc/services. */
static int parse_port(const char *port, uint16_t *out)
{
	struct servent se, *sp = NULL;
	char buf[1024], *end;
	unsigned long p;

	if (!port || !*port)
		return -EINVAL;
	if (*port >= '0' && *port <= '9') {
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || p > 65535)
			return -EINVAL;
		*out = (uint16_t)p;
		return 0;
	}
	if (getservbyname_r(port, "tcp", &se, buf, sizeof(buf), &sp) != 0 || !sp)
		return -EINVAL;
	*out = ntohs((uint16_t)sp->s_port);
	return 0;
}

/* A numeric address needs no query. 1 when host was one. */
static int numeric(struct resolver_query *q, const char *host)
{
	struct resolver_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&a.sa)->sin_addr) == 1) {
		a.family = AF_INET;
		a.len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&a.sa)->sin6_addr) == 1) {
		a.family = AF_INET6;
		a.len = sizeof(struct sockaddr_in6);
	} else {
		return 0;
	}
	a.sa.ss_family = (sa_family_t)a.family;
	set_port(&a, q->port);
	q->res = calloc(1, sizeof(*q->res) + sizeof(q->res->addr[0]));
	if (q->res) {
		q->res->n = 1;
		q->res->addr[0] = a;
	}
	q->status = q->res ? 0 : -ENOMEM;
	q->done = true;
	return 1;
}

int resolver_getaddrinfo(struct resolver *r, const char *host, const char *port,
    resolver_cb cb, void *arg, struct resolver_query **out)
{
	struct ares_addrinfo_hints hints = {
		.ai_flags = ARES_AI_NUMERICSERV,
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_protocol = IPPROTO_TCP,
	};
	struct resolver_query *q;
	char service[8];
	uint16_t p;
	int rc;

	*out = NULL;
	if (!host || !*host || strlen(host) > HOST_MAX || !cb)
		return -EINVAL;
	if ((rc = parse_port(port, &p)) < 0)
		return rc;
	if (!(q = resolver_query_new(r, arg)))
		return -ENOMEM;
	q->cb = cb;
	q->port = p;
	if (!numeric(q, host)) {
		snprintf(service, sizeof(service), "%u", (unsigned)p);
		resolver_refresh(r);
		q->in_ares = q->starting = true;
		r->n_ares++;
		ares_getaddrinfo(r->channel, host, service, &hints, on_addrinfo, q);
		q->starting = false;
		resolver_sync(r);
	}
	return resolver_query_started(r, q, out);
}

void resolver_cancel(struct resolver_query *q)
{
	if (!q || q->in_cb || q->cancelled)
		return;
	q->cancelled = true;
	q->r->pending--;
	if (q->timer)
		loop_timer_cancel(q->r->loop, q->timer);
	q->timer = 0;
	if (!q->in_ares) {
		resolver_query_unlink(q);
		return;
	}
	q->r->n_orphans++;
	resolver_orphaned(q->r);
}

void resolver_queries_drop(struct resolver *r)
{
	while (r->queries) {
		struct resolver_query *q = r->queries;

		if (q->timer)
			loop_timer_cancel(r->loop, q->timer);
		resolver_query_unlink(q);
	}
	r->pending = 0;
}
