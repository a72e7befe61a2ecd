/* probe_dns.h: the dns probe's state, shared by its engine (probe_dns.c),
 * its servers (probe_dns_server.c) and its reporting (probe_dns_report.c).
 *
 * One result per (name, server). Each server has resolvers of its own
 * (servers = [that one], one try per query), so the time, the timeouts and
 * the server that answered are that server's, never a fallback's. */
#ifndef OUTPOST_PROBE_DNS_H
#define OUTPOST_PROBE_DNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <time.h>

#include "dns_msg.h"
#include "probe.h"
#include "probe_stats.h"

#define DNS_SERVER_TEXT	96

struct dns_run;

struct dns_server {
	struct dns_run		*run;
	char			 given[DNS_SERVER_TEXT];	/* as on the command line */
	char			 host[DNS_SERVER_TEXT];		/* name or address */
	char			 addr[INET6_ADDRSTRLEN];	/* "" until known */
	uint16_t		 port;
	bool			 from_system;			/* a resolv.conf entry */
	bool			 resolved;			/* addr is set */
	int			 resolve_err;			/* when it did not */
	struct resolver_query	*lookup;
	struct resolver		*udp, *tcp;	/* tcp: --tcp, or TC retries */
};

struct dns_query;

struct dns_pair {
	struct dns_run		*run;
	size_t			 name, server;
	struct wire_buf		 msg;		/* the query, built once */
	unsigned		 sent, ended;
	bool			 started, done;
	uint64_t		 timer;		/* the next query */
	uint64_t		 first_ms;	/* loop time of the first */
	struct probe_stats	 st;		/* well-formed replies */
	unsigned		 timeouts;	/* tries without a reply (c-ares) */
	unsigned		 malformed, truncated, tcp_retries;
	int			 last_err;	/* a resolver or parser error */
	bool			 last_err_parse;
	uint8_t			*reply;		/* the last well-formed reply */
	size_t			 reply_len;
	bool			 reply_tcp;	/* it came over TCP */
	double			 tcp_ms;	/* the last TC retry's time, or -1 */
	struct dns_query	*inflight;
};

struct dns_query {
	struct dns_query	*next, *prev;
	struct dns_pair		*p;
	struct resolver_query	*q;
	struct timespec		 t0;
	bool			 tcp_retry;
};

struct dns_run {
	struct probe_job	*job;
	struct dns_server	*srv;
	size_t			 n_srv;
	struct dns_pair		*pairs;		/* name-major: [name * n_srv + server] */
	size_t			 n_pairs, left;
	unsigned		 count;
	uint64_t		 interval_ms, timeout_ms;
	uint16_t		 qtype;
	bool			 tcp;
	double			 next_slot;	/* -r pacing, ms */
	char			 source[INET6_ADDRSTRLEN];	/* -S, or "" */
};

/* probe_dns_server.c */
/* Fill run->srv from the spec's servers ("system": every nameserver of
 * /etc/resolv.conf). 0 or -errno with the job's error set. */
int probe_dns_servers_parse(struct dns_run *run);
/* Open the resolvers of a server whose address is known. 0 or -errno. */
int probe_dns_server_open(struct dns_server *s);
/* The TCP resolver of s, opened on first use; NULL without memory. */
struct resolver *probe_dns_server_tcp(struct dns_server *s);
/* Close what a server holds. */
void probe_dns_server_close(struct dns_server *s);

/* probe_dns.c */
/* A server's address is known (or will never be): start (or end) its pairs. */
void probe_dns_server_ready(struct dns_server *s);

/* probe_dns_report.c */
/* Report the pair as finished (result through the job). */
void probe_dns_report(struct dns_pair *p);

#endif
