/* probe_tcp.h: the tcp probe's state, shared by its engine
 * (probe_tcp.c) and its reporting (probe_tcp_report.c). */
#ifndef OUTPOST_PROBE_TCP_H
#define OUTPOST_PROBE_TCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <time.h>

#include "probe.h"
#include "probe_stats.h"

/* How one connect attempt ended; each is a JSON "state". */
enum tcp_state {
	TCP_OPEN,		/* established: SYN, SYN-ACK */
	TCP_REFUSED,		/* RST: nothing listens */
	TCP_TIMEOUT,		/* no answer within the timeout (filtered) */
	TCP_UNREACH,		/* ICMP host/net unreachable, or no route */
	TCP_ERROR,		/* anything else (socket, bind, ...) */
	TCP_NSTATES
};

/* resolve_err when the name resolved, but not to the family asked for
 * (resolver statuses are 0 or negative). */
#define TCP_NO_FAMILY 1

struct tcp_run;

struct tcp_target {
	struct tcp_run		*run;
	size_t			idx;
	struct resolver_query	*q;
	struct resolver_addr	dst;
	char			addr[INET6_ADDRSTRLEN];
	char			src[INET6_ADDRSTRLEN];	/* "" until known */
	bool			resolved, done;
	int			resolve_err;		/* resolver status, TCP_NO_FAMILY */
	int			fd;			/* -1 between attempts */
	uint64_t		timer;			/* next attempt, or timeout */
	struct timespec		t0;			/* connect() called */
	uint64_t		started_ms;		/* loop time of that */
	unsigned		counts[TCP_NSTATES];
	int			last_state;		/* -1 before the first */
	int			last_err;		/* errno of the last error */
	struct probe_stats	st;
};

struct tcp_run {
	struct probe_job	*job;
	struct tcp_target	*t;
	size_t			n, left;
	unsigned		count;
	uint64_t		interval_ms, timeout_ms;
	double			next_slot;		/* pacing, ms */
	char			port[8];
};

/* The state's JSON name. */
const char *probe_tcp_state_name(enum tcp_state s);
/* Report target t as finished (result through the job). */
void probe_tcp_report(struct tcp_target *t);

#endif
