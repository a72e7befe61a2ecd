/* fuzz-resolve: DNS replies of arbitrary bytes to the resolver's lookups.
 *
 * A UDP "server" on 127.0.0.1 receives the queries of one lookup and
 * answers each with the input, its first two bytes replaced by the query's
 * id (and, where the question echoes it, its type) so the reply is
 * matched; c-ares parses it and the resolver turns what
 * it accepted into its result list. A reply c-ares ignores leaves the lookup
 * pending, and it is cancelled. Whatever comes back must be well formed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct loop *l;
static struct resolver *r;
static int srv = -1;

static void setup(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	char addr[32];
	const char *servers[] = { addr };
	/* Long enough that nothing is retransmitted while an input runs. */
	struct resolver_opts o = { .servers = servers, .n_servers = 1, .no_system_config = true,
		.timeout_ms = 10000, .tries = 1 };

	srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(srv, (struct sockaddr *)&sin, &sl) < 0)
		abort();
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
	if (loop_new(&l) < 0 || resolver_new(l, &o, &r) < 0)
		abort();
}

struct outcome {
	int calls;
};

static void done(int status, struct resolver_result *res, void *arg)
{
	struct outcome *o = arg;

	o->calls++;
	if ((status == 0) != (res != NULL))
		abort();
	for (size_t i = 0; res && i < res->n; i++) {
		const struct resolver_addr *a = &res->addr[i];

		if ((a->family != AF_INET || a->len != sizeof(struct sockaddr_in)) &&
		    (a->family != AF_INET6 || a->len != sizeof(struct sockaddr_in6)))
			abort();
		if (ntohs(((const struct sockaddr_in *)&a->sa)->sin_port) != 1883)
			abort();
	}
	resolver_result_free(res);
}

/* Answer every query waiting at the server with the input (or, with
 * data NULL, only take them). */
static void answer(const uint8_t *data, size_t size)
{
	uint8_t q[512], out[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	if (size > sizeof(out))
		size = sizeof(out);
	while ((n = recvfrom(srv, q, sizeof(q), 0, (struct sockaddr *)&from, &fl)) >= 0) {
		if (!data)
			continue;
		memcpy(out, data, size);
		if (size >= 2 && n >= 2)
			memcpy(out, q, 2);
		/* Where the echoed question has its type, the query's type:
		 * one input then answers the A and the AAAA query alike. */
		if (n >= 16 && size >= (size_t)n)
			memcpy(out + n - 4, q + n - 4, 2);
		sendto(srv, out, size, 0, (struct sockaddr *)&from, fl);
		fl = sizeof(from);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resolver_query *q;
	struct outcome o = { 0 };

	if (!l)
		setup();
	if (resolver_getaddrinfo(r, "fuzz.test", "1883", done, &o, &q) < 0)
		return 0;
	/* Loopback delivery may lag: wait for the queries, then for the
	 * replies to be taken (A and AAAA may come in separate rounds). */
	for (int i = 0; i < 3 && o.calls == 0; i++) {
		struct pollfd p = { .fd = srv, .events = POLLIN };

		if (poll(&p, 1, i == 0 ? 100 : 5) <= 0)
			break;
		answer(data, size);
		for (int j = 0; j < 4 && o.calls == 0; j++)
			if (loop_run_once(l, j ? 2 : 50) <= 0)
				break;
	}
	if (o.calls == 0)
		resolver_cancel(q);
	/* Let the resolver end what it abandoned; drain stray queries. */
	loop_run_once(l, 0);
	loop_run_once(l, 0);
	answer(NULL, 0);
	if (o.calls > 1 || resolver_pending(r) != 0)
		abort();
	return 0;
}
