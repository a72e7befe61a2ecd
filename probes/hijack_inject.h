/* hijack_inject.h: check 2 of `outpost-probe hijack`, on-path injection.
 *
 * One query leaves from a UDP socket of its own (random source port and
 * id, the probe path applied) to the resolver under test and, when one is
 * given, to a sink address that runs no DNS server. libpcap captures every
 * UDP datagram from port 53 to our port for a window after the first
 * reply. More than one distinct reply (rcode + answer set), or any reply
 * from the sink, is injection. Each captured reply is reported with its
 * arrival order, delay after the query (pcap clock on both ends), source,
 * IP TTL / hop limit, IP id (v4), answers and whether it is the reply the
 * socket itself read first (what an application would have used).
 *
 * The frame parser (hijack_capture.c) is separate so the fuzz harness
 * drives it without a capture. */
#ifndef OUTPOST_HIJACK_INJECT_H
#define OUTPOST_HIJACK_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe.h"

struct loop;
struct json;

/* Status of the check, as the hijack type reports it. */
enum probe_inject_status {
	PROBE_INJECT_PASS = 0,		/* exactly one distinct reply, none from the sink */
	PROBE_INJECT_FAIL,		/* injection seen */
	PROBE_INJECT_SUSPECT,		/* no reply captured: could not judge */
};

/* "pass", "fail" or "suspect". */
const char *probe_inject_status_name(enum probe_inject_status s);

#define PROBE_INJECT_ANSWERS	512	/* presentation text of one reply's answers */

/* One captured frame, parsed (hijack_capture.c). */
struct probe_capture {
	int			family;		/* AF_INET, AF_INET6; 0 = not IP/UDP */
	uint8_t			src[16], dst[16];
	uint16_t		sport, dport;
	uint8_t			ttl;		/* IPv4 TTL or IPv6 hop limit */
	int			ipid;		/* IPv4 id; -1 for IPv6 */
	const uint8_t		*dns;		/* the UDP payload, inside the frame */
	size_t			dns_len;
	/* The DNS part; dns_err != 0 when the message is malformed. */
	int			dns_err;	/* 0 or -errno (-EBADMSG, -ELOOP, ...) */
	const char		*dns_why;	/* what was wrong, static text */
	uint16_t		id;
	uint16_t		flags;
	unsigned		rcode;
	unsigned		ancount;
	uint32_t		min_ttl;	/* lowest answer TTL (0 without answers) */
	char			answers[PROBE_INJECT_ANSWERS];	/* "A 192.0.2.1, ..." sorted, no TTLs */
};

/* Parse a captured frame of pcap link type linktype (DLT_EN10MB,
 * DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW) down to IP, UDP and the DNS
 * reply. 0 when IP/UDP were read (the DNS part may still be malformed:
 * see dns_err), -EBADMSG when the frame is not a whole IP/UDP datagram,
 * -EPROTONOSUPPORT for another link type or protocol. */
int probe_capture_parse(int linktype, const uint8_t *frame, size_t len, struct probe_capture *out);

/* Build a DNS query: id, RD, one question of qtype/IN. 0 or -EINVAL
 * (a bad name), -ENOSPC. */
int probe_inject_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *buf, size_t cap,
		       size_t *len);

struct probe_inject_opts {
	struct sockaddr_storage	server;		/* resolver under test, port included */
	struct sockaddr_storage	sink;		/* AF_UNSPEC: no sink query */
	const char		*name;
	uint16_t		qtype;		/* 1 = A, 28 = AAAA */
	const struct probe_path	*path;		/* NULL: default path */
	uint64_t		window_ms;	/* after the first reply; 0 = 1000 */
	uint64_t		timeout_ms;	/* for the first reply; 0 = 3000 */
};

struct probe_inject;

/* Called once when the check ends: status and the JSON object of the
 * "injection" check (borrowed for the call). err is 0, or -errno when the
 * capture failed midway (status is then SUSPECT and the JSON says why). */
typedef void (*probe_inject_cb)(void *arg, enum probe_inject_status status, int err,
				const char *json, size_t len);

/* Start the check on loop l; 0 with *out set, or -errno with a message in
 * errbuf: -EPERM when capturing is not allowed (needs CAP_NET_RAW). The
 * callback never runs from inside this call. */
int probe_inject_start(struct loop *l, const struct probe_inject_opts *o, probe_inject_cb cb,
		       void *arg, struct probe_inject **out, char *errbuf, size_t errlen);

/* Stop (no callback) and free; NULL-safe. Also call it after the callback. */
void probe_inject_free(struct probe_inject *c);

#endif
