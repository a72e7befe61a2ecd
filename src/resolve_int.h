/* resolve_int.h: the resolver's insides, shared by resolve_loop.c (the
 * c-ares channel on the loop) and resolve.c (address lookups). A later
 * user of raw queries (DNS probes: ares_query/ares_send of any type) adds
 * its own file on the same channel and calls resolver_sync() after every
 * c-ares call, as resolve.c does. */
#ifndef OUTPOST_RESOLVE_INT_H
#define OUTPOST_RESOLVE_INT_H

#include <ares.h>
#include <stdint.h>
#include <sys/stat.h>

#include "resolve.h"

struct resolver {
	struct loop		*loop;
	ares_channel		 channel;
	bool			 channel_ok;
	bool			 library;	/* ares_library_init() done */
	uint64_t		 timer;		/* c-ares' next timeout */
	int			*fds;		/* the channel's sockets we watch */
	size_t			 n_fds, cap_fds;
	size_t			 n_servers;
	/* The options, kept to open the channel again. */
	char			**servers;
	size_t			 n_servers_opt;
	bool			 no_system_config;
	unsigned		 timeout_ms, tries;
	char			*resolv_conf;
	struct stat		 conf_st;	/* resolv.conf when last read */
	bool			 conf_seen;	/* it existed then */
	size_t			 n_ares;	/* queries c-ares holds */
	size_t			 n_orphans;	/* ... of them cancelled */
	uint64_t		 reap_timer;	/* ends them when all are */
	size_t			 pending;	/* lookups the caller waits for */
	struct resolver_query	*queries;	/* every live query, cancelled too */
	bool			 freeing;	/* inside resolver_free */
	unsigned		 busy;		/* inside ares_process_fd/ares_cancel */
	/* The path and transport of every query (resolver_opts). */
	char			*ifname;
	char			*source;
	uint32_t		 mark;
	bool			 use_tcp, ignore_tc, raw_replies;
};

/* resolve_loop.c */
/* Re-arm the loop timer from ares_timeout(); call after each c-ares call. */
void resolver_sync(struct resolver *r);
/* resolver_sync() only when no timer is armed. c-ares 1.18's ares_timeout()
 * walks every pending query, so with thousands in flight it must not run
 * after each send and reply. An armed timer is never later than needed:
 * a reply only removes deadlines, and a new query (or retry) gets one a
 * full timeout away, after every deadline already there; a timer that
 * fires early just finds nothing due and syncs. */
void resolver_sync_lazy(struct resolver *r);
/* Read resolv.conf again if it changed and c-ares holds no query. */
void resolver_refresh(struct resolver *r);
/* A query c-ares holds was cancelled: once every query it holds is, end
 * them all (from the loop, not inside c-ares), so they stop sending. */
void resolver_orphaned(struct resolver *r);

struct resolver_query {
	struct resolver_query	*next, *prev;	/* in r->queries */
	struct resolver		*r;
	resolver_cb		 cb;
	resolver_raw_cb		 raw_cb;	/* a raw query (resolve_query.c) */
	void			*arg;
	uint16_t		 port;
	bool			 in_ares;	/* c-ares still owes its callback */
	bool			 starting;	/* inside ares_getaddrinfo() */
	bool			 done;		/* status (and res) are final */
	bool			 in_cb;		/* the owner's callback runs */
	bool			 cancelled;
	uint64_t		 timer;		/* deferred delivery */
	int			 status;
	struct resolver_result	*res;
	uint8_t			*reply;		/* raw: the reply's bytes */
	size_t			 reply_len;
	unsigned		 timeouts;
};

/* resolve.c */
/* Unlink q from r->queries and free it with what it holds. */
void resolver_query_unlink(struct resolver_query *q);
/* Call q's callback (once final) and free q. */
void resolver_deliver(struct resolver_query *q);
/* Loop timer callback: deliver a query whose answer came at once. */
void resolver_on_deferred(struct loop *l, void *arg);
/* A fresh query of r, linked first into r->queries; NULL without memory. */
struct resolver_query *resolver_query_new(struct resolver *r, void *arg);
/* The common end of starting a query: 0 with *out set, or -ENOMEM. */
int resolver_query_started(struct resolver *r, struct resolver_query *q,
    struct resolver_query **out);
/* A c-ares status as 0 / -errno. */
int resolver_from_ares(int status);

/* Free the queries left after ares_destroy() (delivered ones waiting for
 * their deferred callback); no callback is called. */
void resolver_queries_drop(struct resolver *r);

#endif
