/* ping_int.h: the ping probe's state, shared by its files (internal).
 *
 * probe_ping.c: the type, targets, the send schedule and replies;
 * ping_table.c: targets by address; ping_report.c: results as JSON and text. */
#ifndef OUTPOST_PING_INT_H
#define OUTPOST_PING_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "icmp.h"
#include "probe.h"
#include "probe_stats.h"

/* Defaults; outpost-probe(1) documents them. */
#define PING_COUNT		3
#define PING_INTERVAL_MS	1000
#define PING_TIMEOUT_MS		1000
#define PING_SIZE		56
#define PING_RATE		1000.0	/* packets/s over all targets */
/* Without CAP_NET_RAW: probe.h's limits, checked by capability here. */
#define PING_USER_MIN_MS	PROBE_USER_MIN_INTERVAL_MS
#define PING_USER_MAX_RATE	PROBE_USER_MAX_RATE

enum ping_tstate { PT_RESOLVING, PT_ACTIVE, PT_REPORTED };

/* Per-probe flags, one byte per probe of each target. */
enum { PF_SENT = 1, PF_ANSWERED = 2, PF_KTX = 4, PF_ERROR = 8 };

struct ping_target {
	uint8_t			state;		/* enum ping_tstate */
	uint8_t			family;		/* 0 until resolved */
	uint8_t			has_src, has_err_from;
	int16_t			ttl;		/* of the last reply, -1 */
	uint8_t			err_type, err_code;
	uint8_t			addr[16];
	uint8_t			src[16];	/* our address replies came to */
	uint8_t			err_from[16];	/* who reported the last error */
	uint8_t			err_family;
	uint8_t			tstamp;		/* worst: 0 kernel, 1 kernel rx, 2 user */
	uint32_t		next;		/* probes sent */
	uint32_t		send_fail;	/* sendmsg refused (no route...) */
	int			send_errno;
	int64_t			due;		/* mono ns of its next send */
	int64_t			deadline;	/* mono ns its result is due */
	struct probe_stats	st;
	double			sum_ms;		/* of st's samples, for progress */
	struct resolver_query	*q;
	char			*err;		/* why unresolved/failed */
};

/* Packets we read and did not count for any target. */
struct ping_ignored {
	uint64_t	foreign;	/* no cookie of ours, or not our id */
	uint64_t	malformed;	/* truncated or malformed */
	uint64_t	cksum;		/* bad checksum */
	uint64_t	unknown;	/* our cookie, but no such target or probe */
	uint64_t	after;		/* for a target already reported */
};

struct ping_table {
	uint32_t	*slot;		/* target index, or UINT32_MAX */
	size_t		mask;
};

struct ping;

/* A lookup's argument: which target of which job. */
struct ping_resolve {
	struct ping	*p;
	uint32_t	i;
};

struct ping {
	struct probe_job	*job;
	struct loop		*loop;
	unsigned		count;
	int64_t			interval_ns, timeout_ns, step_ns;
	double			rate;
	size_t			size;
	size_t			n;
	struct ping_target	*t;
	int64_t			*tx_ns;		/* [n * count]: CLOCK_REALTIME */
	uint8_t			*pflags;	/* [n * count] */
	struct probe_icmp_sock	sock4, sock6;
	uint8_t			cookie[PROBE_ICMP_COOKIE_LEN];
	struct ping_table	table;
	/* Send queue: targets in order of their next send (FIFO, since
	 * every target has the same period). */
	uint32_t		*sendq;
	size_t			sq_head, sq_len;
	/* Targets in order of their result deadline. */
	uint32_t		*doneq;
	size_t			dq_head, dq_len;
	size_t			resolving, reported;
	int64_t			next_send;	/* mono ns of the next slot */
	uint64_t		timer;
	int64_t			timer_at;
	uint8_t			*pkt, *rbuf;
	size_t			pkt_cap, rbuf_cap;
	struct ping_ignored	ign;
	struct json		js;
	struct ping_resolve	*rargs;		/* [n], once a name is looked up */
	bool			finished;
};

/* probe_ping.c */
/* Target i is done: report it once. */
void probe_ping_done(struct ping *p, uint32_t i);
/* End the job once every target is reported. */
void probe_ping_check_finished(struct ping *p);

/* ping_rx.c */
/* Read what socket s holds: stamps, errors, replies. */
void probe_ping_rx(struct ping *p, struct probe_icmp_sock *s);

/* ping_table.c */
/* An empty table for n targets; 0 or -ENOMEM. */
int probe_ping_table_init(struct ping_table *tb, size_t n);
/* Free the table's slots; safe on an empty one. */
void probe_ping_table_free(struct ping_table *tb);
/* Add target i (its address is set). */
void probe_ping_table_add(struct ping_table *tb, const struct ping_target *t, uint32_t i);
/* The target with address addr of family; hint (the index a reply
 * carries) picks among equal addresses. UINT32_MAX when none. */
uint32_t probe_ping_table_find(const struct ping_table *tb, const struct ping_target *t, int family,
    const uint8_t *addr, uint32_t hint);

/* ping_report.c */
/* Report target i through the job (it is done). */
void probe_ping_report(struct ping *p, uint32_t i);
/* A progress line for a reply. */
void probe_ping_report_reply(struct ping *p, uint32_t i, uint32_t probe, double rtt_ms, int ttl,
    bool dup);
/* A note on what was ignored, if anything was. */
void probe_ping_report_ignored(struct ping *p);

#endif
