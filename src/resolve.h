/* resolve.h: an asynchronous name resolver on the libop loop (c-ares).
 *
 * One struct resolver per loop holds a c-ares channel whose sockets are
 * watched by the loop and whose retransmissions run from a loop timer, so
 * a lookup never blocks: a DNS server that never answers costs a pending
 * query, not a stalled daemon. Names are looked up in /etc/hosts first and
 * then in DNS (A and AAAA together); numeric addresses are answered
 * without any query. Callbacks always run from the loop, never inside the
 * call that started the lookup.
 *
 * The library prints nothing: results and errors are 0 / -errno, and
 * resolver_strerror() gives the words for a tool to print. */
#ifndef OUTPOST_RESOLVE_H
#define OUTPOST_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"

struct resolver;
struct resolver_query;

struct resolver_opts {
	/* DNS servers to ask instead of those of /etc/resolv.conf, each an
	 * address with an optional port: "192.0.2.53", "192.0.2.53:5353",
	 * "2001:db8::53", "[2001:db8::53]:5353". NULL or 0: the system's. */
	const char *const *servers;
	size_t		 n_servers;
	/* Ignore /etc/resolv.conf (its servers, search list and options)
	 * and the host's domain; servers must then be given. /etc/hosts is
	 * still read. */
	bool		 no_system_config;
	/* What each server gets for the first try of a query (later tries
	 * back off); 0: from resolv.conf, or 2000 ms without it. */
	unsigned	 timeout_ms;
	/* Tries per server; 0: from resolv.conf, or 2 without it. */
	unsigned	 tries;
	/* The resolv.conf to read; NULL: /etc/resolv.conf. When the file
	 * changes (DHCP, VPN), the next lookup started while none is in
	 * flight reads it again. */
	const char	*resolv_conf;
	/* ---- dns: the path and transport of every query ---- */
	/* Bind the sockets to this interface (SO_BINDTODEVICE); NULL: none. */
	const char	*ifname;
	/* Send from this address (IPv4 or IPv6 literal); NULL: the kernel's. */
	const char	*source;
	/* SO_MARK on every socket (policy routing); 0: none. */
	uint32_t	 mark;
	/* Every query over TCP (ARES_FLAG_USEVC). */
	bool		 use_tcp;
	/* Keep a truncated UDP reply instead of asking again over TCP. */
	bool		 ignore_tc;
	/* Hand every reply of resolver_query() to the caller whatever its
	 * rcode (SERVFAIL, REFUSED are not retried on another server). */
	bool		 raw_replies;
};

/* One resolved address, ready for socket(2) and connect(2). */
struct resolver_addr {
	int			 family;	/* AF_INET or AF_INET6 */
	socklen_t		 len;
	struct sockaddr_storage	 sa;		/* port filled in */
};

/* What a lookup found: n >= 1 addresses in the preferred order. */
struct resolver_result {
	size_t			 n;
	struct resolver_addr	 addr[];
};

/* status: 0 with res (the callee owns it: resolver_result_free), or
 * -ENOENT (no such name, or no address of the asked family), -ETIMEDOUT
 * (no server answered), -ECONNREFUSED (servers refused), -EAGAIN (server
 * failure), -EBADMSG (bad reply), -EINVAL (bad name or port), -ENOMEM,
 * with res NULL. The query handle is freed after the callback returns. */
typedef void (*resolver_cb)(int status, struct resolver_result *res, void *arg);

/* A raw query's end: status 0 with the reply's bytes (any rcode; valid
 * only during the call), or -ETIMEDOUT (no reply), -ECONNREFUSED, -EBADMSG,
 * -ENOMEM... with reply NULL. timeouts: tries that got no answer. */
typedef void (*resolver_raw_cb)(int status, const uint8_t *reply, size_t len,
    unsigned timeouts, void *arg);

/* Create a resolver on loop l; opts may be NULL (the system's config) and
 * is copied. Returns 0 or -errno (-EINVAL: a bad server string, or no
 * server with no_system_config). Free it before the loop. */
int resolver_new(struct loop *l, const struct resolver_opts *opts, struct resolver **out);

/* Drop every pending lookup without calling its callback, close the
 * resolver's sockets and free it. NULL-safe; not from a resolver callback. */
void resolver_free(struct resolver *r);

/* Look up host (a name or a numeric address) for TCP port port (digits,
 * or a service name), IPv4 and IPv6. On success returns 0 and a handle in
 * *q, valid until the callback returned or resolver_cancel(); cb is always
 * called later, from the loop. Returns -errno (nothing is called) when the
 * lookup cannot start. */
int resolver_getaddrinfo(struct resolver *r, const char *host, const char *port,
    resolver_cb cb, void *arg, struct resolver_query **q);

/* Send the DNS message msg[0..len) (a query: probes/dns_msg.h builds one;
 * c-ares replaces its id with a fresh one) to the resolver's servers and
 * hand back the reply's bytes. Same handle and callback rules as
 * resolver_getaddrinfo(); resolver_cancel() gives it up. */
int resolver_send(struct resolver *r, const uint8_t *msg, size_t len, resolver_raw_cb cb,
    void *arg, struct resolver_query **q);

/* Ask for name (text form) of class dnsclass and type type, recursion
 * desired, no EDNS; like resolver_send(). -EINVAL for a bad name. */
int resolver_query(struct resolver *r, const char *name, int dnsclass, int type,
    resolver_raw_cb cb, void *arg, struct resolver_query **q);

/* Give up a lookup: its callback is never called afterwards. NULL-safe;
 * safe from any callback, including the lookup's own (then a no-op). */
void resolver_cancel(struct resolver_query *q);

/* Lookups started and not yet finished or cancelled. */
size_t resolver_pending(const struct resolver *r);

/* How many DNS servers the resolver asks (for error messages). */
size_t resolver_server_count(const struct resolver *r);

/* Words for a status of resolver_cb ("timed out", "no such name"...). */
const char *resolver_strerror(int status);

/* Free a result. NULL-safe. */
void resolver_result_free(struct resolver_result *res);

#endif
