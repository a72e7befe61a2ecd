/* probe.h: the probe engine's common contract (libopprobe).
 *
 * A probe job runs one probe type (ping, tcp, trace, tls, http) against a
 * set of targets on a libop loop, concurrently, and hands one result per
 * target to its sink when that target is finished. outpost-probe prints
 * the results, outpost-probed turns each round into events, and
 * outpost-routed will use the same jobs for line health. Each type lives
 * in its own files and fills in a struct probe_type_ops; this file, the
 * path binding and the statistics are shared by all of them.
 *
 * Library code: returns 0 or -errno, never prints. Text meant for the
 * operator travels in results, notes and the job's error buffer. */
#ifndef OUTPOST_PROBE_H
#define OUTPOST_PROBE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "loop.h"
#include "resolve.h"

enum probe_type {
	PROBE_PING,
	PROBE_TCP,
	PROBE_TRACE,
	PROBE_TLS,
	PROBE_HTTP,
	PROBE_DNS,
	PROBE_HIJACK,
	PROBE_NTYPES
};

/* How a target ended; the tools map these to exit codes (fping's). */
enum probe_outcome {
	PROBE_REACHED,		/* at least one probe answered as it should */
	PROBE_UNREACHABLE,	/* resolved, but nothing (good) came back */
	PROBE_UNRESOLVED,	/* the name did not resolve */
	PROBE_FAILED		/* a system error on our side (socket, memory) */
};

/* Where probes leave from: -I, -S, --mark, --tos, --ttl, or a line. */
struct probe_path {
	char			ifname[IF_NAMESIZE];	/* "" = any */
	struct sockaddr_storage	src;		/* ss_family AF_UNSPEC = any */
	bool			has_mark;
	uint32_t		mark;		/* SO_MARK (needs CAP_NET_ADMIN) */
	int			tos;		/* -1 = kernel default */
	int			ttl;		/* -1 = kernel default */
	char			line[64];	/* [line "name"] it came from, or "" */
};

/* hijack: how many --ref, --dot and --not-bogon one spec holds. */
#define PROBE_HIJACK_MAX_REFS	8
#define PROBE_HIJACK_MAX_DOTS	4
#define PROBE_HIJACK_MAX_EXEMPT	16

/* What to run; the command line or a [probe] section fills it in. A
 * zero field means the type's default. */
struct probe_spec {
	enum probe_type		type;
	int			family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	struct probe_path	path;
	unsigned		count;		/* probes per target */
	uint64_t		interval_ms;	/* between probes to one target */
	double			rate;		/* packets/s over all targets */
	uint64_t		timeout_ms;	/* wait for one answer */
	unsigned		size;		/* ICMP/UDP payload bytes */
	uint16_t		port;		/* tcp, tls, trace udp/tcp */
	/* trace */
	int			trace_proto;	/* IPPROTO_ICMP, _UDP or _TCP */
	unsigned		max_hops;
	unsigned		queries;	/* probes per hop, in parallel */
	/* tls, http */
	const char		*sni;		/* NULL: the target's host name */
	const char		*ca_file;	/* NULL: the system's store */
	bool			no_verify;	/* report, but do not fail on, a bad chain */
	unsigned		max_redirects;	/* http: 0 = do not follow */
	/* ---- dns (owner: dns) ---- */
	/* The servers measured, each "ADDRESS", "ADDRESS:PORT", "[V6]:PORT",
	 * a host name (with :PORT) or "system" (every nameserver of
	 * /etc/resolv.conf); NULL/0: system. Copied when the job starts. */
	const char *const	*dns_servers;
	size_t			 n_dns_servers;
	uint16_t		 dns_qtype;	/* 0: A */
	bool			 dns_tcp;	/* every query over TCP */
	/* hijack (owner: hijack). Arrays, not pointers, so that the job's
	 * struct copy of the spec owns them without more code. */
	char			hijack_ref[PROBE_HIJACK_MAX_REFS][64];	/* --ref @REF */
	unsigned		n_hijack_ref;
	char			hijack_dot[PROBE_HIJACK_MAX_DOTS][320];	/* --dot REF[#name] */
	unsigned		n_hijack_dot;
	char			hijack_nx_domain[254];	/* "" = the name's parent */
	char			hijack_not_bogon[PROBE_HIJACK_MAX_EXEMPT][52];
	unsigned		n_hijack_not_bogon;
	/* ---- inject: hijack's injection check (check 2) ---- */
	struct sockaddr_storage	inject_sink;	/* --sink: also queried; AF_UNSPEC = none */
	uint64_t		inject_window_ms; /* --window after the first reply; 0 = 1000 */
	/* ---- end inject ---- */
};

/* One target's result, valid only during the sink's callback. */
struct probe_result {
	const char		*target;	/* as given */
	const char		*addr;		/* numeric address probed, or NULL */
	enum probe_outcome	outcome;
	/* The result as one JSON object (no newline): the NDJSON line of
	 * --json and the data of an event. Fields per type are listed in
	 * outpost-probe(1); every one carries "type", "target", "dst". */
	const char		*json;
	size_t			json_len;
	/* The same for a human: complete lines, each ending in '\n'. */
	const char		*text;
	/* hijack (owner: hijack): reached, but the verdict is suspect or
	 * hijacked; outpost-probe exits 1 for it. */
	bool			alarm;
	/* ping, tcp: the mean round trip of the answered probes, for callers
	 * that need the number (line health) without parsing json. A flag,
	 * not a negative value, so that types that leave it zeroed say
	 * "none". */
	bool			has_rtt;
	double			rtt_ms;
};

struct probe_sink {
	/* Once per target, when it is finished. */
	void (*result)(const struct probe_result *r, void *arg);
	/* Optional: a line as it happens (a ping reply, a hop), '\n'-ended. */
	void (*progress)(const char *text, void *arg);
	/* Optional: something the operator should know that is not a
	 * result ("using unprivileged ICMP sockets: no CAP_NET_RAW"). */
	void (*note)(const char *text, void *arg);
	/* Once, after the last result; err 0 or -errno. */
	void (*done)(int err, void *arg);
	void *arg;
};

struct probe_job;

/* What each type provides; the job calls start once and stop once. */
struct probe_type_ops {
	const char *name;		/* "ping", ... as on the command line */
	/* Begin probing every target of the job (resolving names through
	 * probe_job_resolver()); report through probe_job_result() and
	 * finally probe_job_finish(). 0, or -errno with probe_job_error()
	 * set to the reason (no result is reported then). */
	int (*start)(struct probe_job *j);
	/* Release everything start made; called by probe_job_free(), also
	 * when the job has not finished. */
	void (*stop)(struct probe_job *j);
	/* Optional (NULL: the type cannot): stop sending, report every
	 * unfinished target with what it has so far (probes in flight are
	 * not counted as sent), then probe_job_finish(). For SIGINT, as
	 * ping(8) prints its summary when interrupted. May report at once. */
	void (*drain)(struct probe_job *j);
};

extern const struct probe_type_ops probe_ping_ops, probe_tcp_ops, probe_trace_ops,
    probe_tls_ops, probe_http_ops;
extern const struct probe_type_ops probe_dns_ops;	/* dns */
extern const struct probe_type_ops probe_hijack_ops;

/* The type named s ("ping"...), or -1. */
int probe_type_parse(const char *s);
/* The name of a type. */
const char *probe_type_name(enum probe_type t);

/* Start a job of spec->type over targets[0..n) on loop l, resolving
 * through r. spec and targets are copied. On failure returns -errno and
 * writes the reason into err (errlen bytes, may be 0). */
int probe_job_start(struct loop *l, struct resolver *r, const struct probe_spec *spec,
    const char *const *targets, size_t n, const struct probe_sink *sink,
    struct probe_job **out, char *err, size_t errlen);
/* Stop a job (no callback runs afterwards) and free it. NULL-safe; from
 * the sink only in done. Types must not report results from start: only
 * from loop and resolver callbacks. */
void probe_job_free(struct probe_job *j);

/* Ask the type to wrap up early (see probe_type_ops.drain): 0, or
 * -EOPNOTSUPP when it cannot (then free the job instead). */
int probe_job_drain(struct probe_job *j);

/* For the types' own code. */
struct loop *probe_job_loop(const struct probe_job *j);
struct resolver *probe_job_resolver(const struct probe_job *j);
const struct probe_spec *probe_job_spec(const struct probe_job *j);
size_t probe_job_ntargets(const struct probe_job *j);
const char *probe_job_target(const struct probe_job *j, size_t i);
void *probe_job_priv(const struct probe_job *j);
void probe_job_set_priv(struct probe_job *j, void *priv);
/* Set the reason start failed (printf-style). */
void probe_job_error(struct probe_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void probe_job_result(struct probe_job *j, const struct probe_result *r);
/* Whether the sink takes progress lines (worth formatting them). */
bool probe_job_wants_progress(const struct probe_job *j);
void probe_job_progress(struct probe_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void probe_job_note(struct probe_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* All results are in: calls the sink's done later, from the loop. */
void probe_job_finish(struct probe_job *j, int err);

/* What a user without CAP_NET_RAW (the tools: other than root) may ask
 * for: iputils ping refuses intervals below 2 ms to such users; 500
 * packets/s over all targets keeps one user from flooding with many. */
#define PROBE_USER_MIN_INTERVAL_MS	2
#define PROBE_USER_MAX_RATE		500.0

/* A CLOCK_MONOTONIC time in milliseconds, with the fraction: probes time
 * their own exchanges to the microsecond (loop_now_ms() has whole ms). */
double probe_ts_ms(const struct timespec *ts);
/* Now, on CLOCK_MONOTONIC, in milliseconds with the fraction. */
double probe_now_ms(void);

/* Paths (probe_path.c). */
void probe_path_init(struct probe_path *p);
/* Apply p to a fresh socket of family: SO_BINDTODEVICE, bind to the
 * source (port 0), SO_MARK, IP_TOS/IPV6_TCLASS, IP_TTL/IPV6_UNICAST_HOPS.
 * 0 or -errno. */
int probe_path_apply(int fd, int family, const struct probe_path *p);
/* socket(family, type|SOCK_NONBLOCK|SOCK_CLOEXEC, proto) with p applied;
 * an fd or -errno. */
int probe_socket(int family, int type, int proto, const struct probe_path *p);
/* Describe p for a human: "via tel (eth2, 192.0.2.10, mark 0x150)". */
void probe_path_describe(const struct probe_path *p, char *buf, size_t len);

/* Lines (probe_via.c): --via LINE from a [line "name"] of the config. */
struct conf;
struct conf_section;
struct ifaddrs;
/* Fill p's interface, mark, source and line from [line "name"] of conf,
 * the source of family (AF_UNSPEC: any) picked as probe_via_source()
 * does (none when nothing fits). 0, -ENOENT when there is no such line
 * (err then names the known ones), or -errno. */
int probe_path_via(struct probe_path *p, const struct conf *conf, const char *name, int family,
    char *err, size_t errlen);
/* The source a line gives: its first single host address of family, or
 * else an address of its interface in ifa (getifaddrs) inside one of its
 * source prefixes. 0 with *out set, or -ENOENT. */
int probe_via_source(const struct conf_section *line, const struct ifaddrs *ifa, int family,
    struct sockaddr_storage *out);

#endif
