/* trace.h: the traceroute probe's internals, shared by its files.
 *
 * probe_trace.c is the type (spec, targets, results), trace_round.c runs
 * the rounds and keeps the hop table, trace_send.c opens the sockets and
 * builds each method's probes, trace_recverr.c is the fallback without
 * CAP_NET_RAW, trace_parse.c reads what comes back (through src/wire.h),
 * trace_report.c turns a finished trace into the human report and the
 * JSON object.
 *
 * Paris-style flow identifier: every probe of one trace carries the same
 * addresses, protocol and first four transport bytes, which is what a
 * per-flow load balancer hashes (ICMP: type, code, checksum, and the
 * identifier too; UDP and TCP: the ports), so all hops are measured along
 * one path. Probes are told apart by a key each method carries elsewhere:
 * the ICMP sequence number (compensated in the payload so the checksum
 * stays constant), the UDP checksum (varied through the payload), the TCP
 * sequence number. */
#ifndef OUTPOST_TRACE_H
#define OUTPOST_TRACE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "probe.h"
#include "probe_stats.h"

#define TRACE_MAX_TTL		255
#define TRACE_MAX_QUERIES	16
#define TRACE_MAX_SIZE		8192

/* What a received packet is, as far as a trace cares. */
enum trace_kind {
	TRACE_R_NONE,
	TRACE_R_TIME_EXCEEDED,	/* a router on the way: one hop */
	TRACE_R_UNREACH,	/* destination unreachable, from a router or the target */
	TRACE_R_ECHO_REPLY,	/* an ICMP probe reached the target */
	TRACE_R_TCP,		/* a SYN-ACK or RST from the target */
};

/* One parsed reply: who sent it and which probe it answers. For ICMP
 * errors the probe fields come from the quoted header, otherwise from
 * the reply itself turned around (its source is the probe's dst). */
struct trace_reply {
	enum trace_kind	kind;
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		type, code;	/* ICMP or ICMPv6 type and code */
	int		proto;		/* the probe's: IPPROTO_ICMP, _UDP or _TCP */
	uint8_t		from[16];	/* the sender (IPv4: the first 4 bytes) */
	bool		has_from;	/* IPv4 gives it; IPv6 raw sockets do not */
	uint8_t		dst[16];	/* the probe's destination, when quoted */
	bool		has_dst;
	uint16_t	sport, dport;	/* the probe's ports (UDP, TCP) */
	uint16_t	id, seq;	/* the probe's ICMP identifier and sequence */
	uint16_t	udp_sum;	/* the probe's UDP checksum */
	uint32_t	tcp_seq;	/* the probe's TCP sequence number */
	uint8_t		tcp_flags;	/* of a TCP reply */
	uint16_t	payload_key;	/* unprivileged UDP: the quoted payload's first word */
	bool		has_payload_key;
};

#define TRACE_TCP_SYN	0x02
#define TRACE_TCP_RST	0x04
#define TRACE_TCP_ACK	0x10

/* Parse what a raw ICMP (AF_INET: from the IP header on) or ICMPv6 socket
 * (AF_INET6: from the ICMPv6 header on) received. 0, -ENOMSG for a packet
 * that cannot be about a probe (another ICMP type, another protocol
 * quoted), -EBADMSG for a truncated or malformed one. */
int trace_parse_icmp(int family, const void *buf, size_t len, struct trace_reply *r);
/* Parse what a raw TCP socket received (AF_INET: from the IP header on,
 * AF_INET6: from the TCP header on): a SYN-ACK or RST is a reply. */
int trace_parse_tcp(int family, const void *buf, size_t len, struct trace_reply *r);
/* Parse what an ICMP datagram ("ping") socket received: an echo reply
 * from its ICMP(v6) header on. 0, -ENOMSG or -EBADMSG. */
int trace_parse_echo(int family, const void *buf, size_t len, struct trace_reply *r);
/* Fill r from an error-queue message of a datagram socket (trace_recverr.c):
 * ICMP type and code, the offender, the probe's destination, and what the
 * quoted payload says of the probe (data, len: untrusted). 0, -ENOMSG
 * (a local error, another ICMP type) or -EBADMSG. */
int trace_parse_recverr(int family, int proto, uint8_t origin, uint8_t type, uint8_t code,
    const struct sockaddr *offender, const struct sockaddr *dst, const void *data, size_t len,
    struct trace_reply *r);

/* One probe in flight. */
enum trace_pstate {
	TRACE_P_SENT,		/* waiting for its answer */
	TRACE_P_ANSWERED,
	TRACE_P_TIMEDOUT,
	TRACE_P_UNSENT		/* could not leave: lost, and never matched */
};

struct trace_probe {
	uint32_t	key;		/* ICMP seq, UDP checksum or TCP seq */
	uint8_t		ttl;
	uint8_t		state;		/* enum trace_pstate */
	struct timespec	sent;		/* CLOCK_REALTIME, like SO_TIMESTAMPNS */
};

struct trace_responder {
	uint8_t		addr[16];
	unsigned	count;
};

struct trace_hop {
	struct probe_stats	st;
	struct trace_responder	*resp;
	size_t			nresp;
	bool			reached;	/* the target answered at this ttl */
	bool			unreach;	/* a destination unreachable came back */
	bool			syn_ack, rst;	/* tcp: how the target answered */
	uint8_t			utype, ucode;
};

struct trace_job;

/* One target's trace: sockets, the round in flight, the hop table. */
struct trace_target {
	struct trace_job	*tj;
	const char		*name;
	struct resolver_query	*q;
	int			family;
	struct sockaddr_storage	dst, src;
	socklen_t		salen;
	char			dst_str[INET6_ADDRSTRLEN], src_str[INET6_ADDRSTRLEN];
	int			icmp_fd;	/* raw ICMP(v6): replies, errors, echo probes */
	int			send_fd;	/* UDP socket, or raw TCP (SYNs out, SYN-ACK/RST in) */
	int			hold_fd;	/* TCP: keeps the source port ours */
	uint16_t		id;		/* ICMP identifier */
	uint16_t		sport, dport;
	uint32_t		seq_base;	/* TCP */
	uint16_t		next_key;
	struct trace_hop	*hops;		/* [0] is ttl 1 */
	unsigned		max_hops;
	unsigned		stop_ttl;	/* lowest ttl that ended the trace, 0 = none yet */
	struct trace_probe	*probes;	/* this round's */
	size_t			nprobes;
	unsigned		round;		/* rounds started */
	uint64_t		timer;
	uint64_t		round_start;
	bool			in_round, finished;
	enum probe_outcome	outcome;	/* set when finished */
	int			err;		/* a system error: outcome failed */
	char			why[128];	/* what went wrong, for the result */
};

struct trace_job {
	struct probe_job	*job;
	int			proto;		/* IPPROTO_ICMP, _UDP or _TCP */
	bool			unpriv;		/* no CAP_NET_RAW: datagram sockets, IP_RECVERR */
	unsigned		rounds, queries, max_hops, size;
	uint64_t		interval_ms, timeout_ms;
	uint16_t		port;
	struct trace_target	*t;
	size_t			n, left;
};

/* Open t's sockets for tj->proto (t->family, t->dst set); 0 or -errno
 * with t->why set. */
int trace_open(struct trace_target *t);
/* The source address the kernel would pick for t->dst on the job's path
 * (a throwaway connected UDP socket; nothing is sent). 0 or -errno. */
int trace_find_source(struct trace_target *t);
/* Bind fd to t->src (port 0) unless the path already bound it. */
int trace_bind_source(struct trace_target *t, int fd);
/* trace_open without CAP_NET_RAW: a UDP or ICMP datagram socket with
 * IP_RECVERR (trace_recverr.c). */
int trace_open_dgram(struct trace_target *t);
/* Read one error-queue message of fd into r and its kernel timestamp into
 * ts: 0, -EAGAIN when the queue is empty, another -errno to skip it. */
int trace_recv_error(struct trace_target *t, int fd, struct trace_reply *r, struct timespec *ts);
/* Close what trace_open made. */
void trace_close(struct trace_target *t);
/* Send one probe with ttl and key counter k; fills p. 0 or -errno. */
int trace_send(struct trace_target *t, unsigned ttl, uint16_t k, struct trace_probe *p);
/* The Internet checksum of buf, continuing from sum (host order words). */
uint32_t trace_sum(uint32_t sum, const void *buf, size_t len);
/* Fold a running sum into the final one's-complement checksum. */
uint16_t trace_fold(uint32_t sum);
/* The key a reply names for t's method, or false when it is not t's. */
bool trace_reply_key(const struct trace_target *t, const struct trace_reply *r, uint32_t *key);

/* Start t's next round (trace_round.c); ends the target when nothing
 * could be sent. */
void trace_start_round(struct trace_target *t);
/* The loop callback of t's sockets: answers, and errors of the queue. */
void trace_read_cb(struct loop *l, int fd, uint32_t events, void *arg);
/* Add a round's probes to their hops' sent counts, when the round ends
 * (all of them) or is drained (only those answered or timed out). */
void trace_count_sent(struct trace_target *t, bool settled_only);
/* Report t with what it has and release it (probe_trace.c). */
void trace_target_done(struct trace_target *t);

/* The human report (mtr --report style) and the JSON object of a
 * finished trace; each 0 or -ENOMEM, *out malloc'd. */
int trace_report_text(const struct trace_target *t, char **out);
int trace_report_json(const struct trace_target *t, char **out, size_t *len);
/* How many hops a finished trace shows. */
unsigned trace_shown_hops(const struct trace_target *t);
/* The name of a method: "icmp", "udp", "tcp". */
const char *trace_proto_name(int proto);

#endif
