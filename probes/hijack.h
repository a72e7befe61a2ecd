/* hijack.h: outpost-probe hijack, the DNS hijack checks and the verdict.
 *
 * Each check (consistency, injection, nxdomain, bogons, ttl) ends in a
 * status and a JSON object saying what it saw; probe_hijack_verdict()
 * turns the five statuses into clean / suspect / hijacked by the rules
 * written in outpost-probe(1). The pure parts (the bogon table, the TTL
 * rule, the verdict) are here so they can be tested without a network.
 *
 * Library code: returns 0 or -errno, never prints. */
#ifndef OUTPOST_HIJACK_H
#define OUTPOST_HIJACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct probe_path;
struct probe_spec;
struct resolver;
struct ssl_ctx_st;

/* A check's status, as "status" in its JSON object. */
enum probe_hijack_status {
	PROBE_HIJACK_PASS,
	PROBE_HIJACK_FAIL,	/* it saw what the check looks for */
	PROBE_HIJACK_SUSPECT,	/* it could not run or not conclude (a reference unusable) */
	PROBE_HIJACK_SKIPPED	/* it does not apply here (a wildcard domain, no check built) */
};

/* The checks, in the order of the issue (and of "checks" in the JSON). */
enum probe_hijack_check {
	PROBE_HIJACK_CONSISTENCY,
	PROBE_HIJACK_INJECTION,
	PROBE_HIJACK_NXDOMAIN,
	PROBE_HIJACK_BOGONS,
	PROBE_HIJACK_TTL,
	PROBE_HIJACK_NCHECKS
};

enum probe_hijack_verdict {
	PROBE_HIJACK_CLEAN,
	PROBE_HIJACK_SUSPECTED,
	PROBE_HIJACK_HIJACKED
};

/* "pass", "fail", "suspect" or "skipped". */
const char *probe_hijack_status_name(enum probe_hijack_status s);
/* "consistency", "injection", ... as keys of "checks". */
const char *probe_hijack_check_name(enum probe_hijack_check c);
/* "clean", "suspect" or "hijacked". */
const char *probe_hijack_verdict_name(enum probe_hijack_verdict v);

/* The verdict for the five statuses, by the rules of outpost-probe(1):
 * hijacked when consistency, injection, nxdomain or bogons failed;
 * otherwise suspect when ttl failed or any check is suspect; otherwise
 * clean. Skipped checks do not count. */
enum probe_hijack_verdict probe_hijack_verdict(const enum probe_hijack_status st[PROBE_HIJACK_NCHECKS]);

/* An address prefix (--not-bogon, and the bogon table's entries). */
struct probe_hijack_prefix {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network order; 4 bytes used for AF_INET */
	unsigned	len;		/* prefix length in bits */
};

/* Parse "10.9.0.0/22", "2001:db8::/32" or a bare address (a host
 * prefix) into p, host bits cleared. 0 or -EINVAL. */
int probe_hijack_prefix_parse(const char *s, struct probe_hijack_prefix *p);
/* Whether addr (4 or 16 bytes per family, network order) is inside p. */
bool probe_hijack_prefix_match(const struct probe_hijack_prefix *p, int family, const void *addr);

/* The bogon class of addr ("private", "loopback", "link-local", "shared",
 * "documentation", "unspecified", "multicast", "benchmarking",
 * "reserved", "broadcast"), or NULL when it is a public address or lies
 * in one of exempt[0..nexempt). An IPv4-mapped IPv6 address is judged
 * as its IPv4 address. */
const char *probe_hijack_bogon(int family, const void *addr,
    const struct probe_hijack_prefix *exempt, size_t nexempt);
/* The table behind probe_hijack_bogon(), for the man page's list and the
 * tests: entry i of *n; the class name in *cls. NULL past the end. */
const struct probe_hijack_prefix *probe_hijack_bogon_entry(size_t i, const char **cls);

/* The TTL rule (check 5): the largest answer TTL of the resolver under
 * test against the largest of the references'. Anomalous (true, reason
 * in *why) when the tested TTL exceeds PROBE_HIJACK_TTL_FACTOR times the
 * reference's plus PROBE_HIJACK_TTL_SLACK seconds (an answer pinned in
 * caches far longer than the name's own), or is 0 while the reference's
 * is at least PROBE_HIJACK_TTL_ZERO_MIN (an answer meant never to be
 * cached, so that every lookup reaches the hijacker). */
#define PROBE_HIJACK_TTL_FACTOR		2
#define PROBE_HIJACK_TTL_SLACK		300
#define PROBE_HIJACK_TTL_ZERO_MIN	60
bool probe_hijack_ttl_anomaly(uint32_t tested, uint32_t reference, const char **why);

/* ---- hijack_dot.c: one DNS over TLS exchange (RFC 7858) ---- */
struct probe_hijack_dot;
/* status 0 with the reply's bytes (without the length; untrusted, for
 * the DNS parser; valid only during the call), or -ETIMEDOUT,
 * -EKEYREJECTED (the certificate does not verify for the tls-name: the
 * reference is unusable), -EPIPE (closed early), -EIO (connect or
 * handshake failed), -errno; why says it for a human. */
typedef void (*probe_hijack_dot_cb)(int status, const uint8_t *reply, size_t len,
    const char *why, void *arg);
/* Connect to host:port (0: 853) on path, handshake with SNI tls_name
 * (NULL: host) verified by ctx (probe_tls_ctx_new), send query (a whole
 * DNS message) and read one reply, all within timeout_ms. 0 with *out
 * set, or -errno (no callback then). */
int probe_hijack_dot_start(struct loop *l, struct resolver *r, struct ssl_ctx_st *ctx,
    const struct probe_path *path, const char *host, uint16_t port, const char *tls_name,
    const uint8_t *query, size_t qlen, uint64_t timeout_ms, probe_hijack_dot_cb cb, void *arg,
    struct probe_hijack_dot **out);
/* Close and free; no callback afterwards. NULL-safe. */
void probe_hijack_dot_free(struct probe_hijack_dot *d);

/* ---- Check 2, injection: provided by the inject helper's
 * probes/hijack_inject.c. Until it is merged, probes/hijack_inject_stub.c
 * answers -ENOSYS and the check is reported "skipped". ---- */
struct probe_hijack_inject;
/* Called once with the check's status and its JSON object (no newline,
 * valid only during the call). */
typedef void (*probe_hijack_inject_cb)(enum probe_hijack_status st, const char *json,
    size_t json_len, void *arg);
/* Send one query for name/qtype to server from a socket of its own on
 * spec's path and watch every reply to it (spec's timeout as window).
 * 0 with *out set, or -errno (-ENOSYS: the check is not built). */
int probe_hijack_inject_start(struct loop *l, const struct probe_spec *spec,
    const struct sockaddr *server, socklen_t server_len, const char *name, uint16_t qtype,
    probe_hijack_inject_cb cb, void *arg, struct probe_hijack_inject **out);
/* Stop watching (no callback afterwards) and free. NULL-safe. */
void probe_hijack_inject_free(struct probe_hijack_inject *x);

#endif
