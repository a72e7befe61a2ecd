/* icmp.h: ICMP/ICMPv6 echo packets and sockets for the ping probe.
 *
 * Internal to libopprobe: icmp_parse.c reads replies and errors (every
 * byte through src/wire.h), icmp_sock.c opens the sockets and carries
 * packets and kernel timestamps in and out. probe_ping.c drives both.
 *
 * Our echo payload starts with a fixed block the replies hand back:
 *	cookie (8 bytes, random per process) | target index (4) | probe number (4)
 * so a reply is matched by its source address, ICMP id and sequence, and
 * the block; anything else on the socket is someone else's. */
#ifndef OUTPOST_ICMP_H
#define OUTPOST_ICMP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe.h"

#define PROBE_ICMP_COOKIE_LEN	8
#define PROBE_ICMP_MARK_LEN	16	/* cookie + target + probe */
#define PROBE_ICMP_HDR_LEN	8	/* type, code, checksum, id, seq */
#define PROBE_ICMP_MAX_SIZE	65507	/* payload that fits an IPv4 datagram */

enum probe_icmp_kind {
	PROBE_ICMP_OTHER,	/* a type we do not care about */
	PROBE_ICMP_REPLY,	/* echo reply */
	PROBE_ICMP_ERROR	/* unreachable, time exceeded... quoting an echo request */
};

/* What one packet said. */
struct probe_icmp_msg {
	enum probe_icmp_kind	kind;
	uint8_t			type, code;	/* of the outer message */
	uint16_t		id, seq;	/* of the echo (quoted one for errors) */
	bool			has_mark;	/* payload long enough for the block */
	uint8_t			cookie[PROBE_ICMP_COOKIE_LEN];
	uint32_t		target, probe;
	int			ttl;		/* from the IPv4 header, or -1 */
	/* Errors: where the quoted echo request was going. */
	bool			has_qdst;
	uint8_t			qdst[16];	/* 4 bytes used for IPv4 */
};

/* Parse a received message of family: with_iphdr for IPv4 raw sockets
 * (the IP header comes first), otherwise it starts at the ICMP header.
 * IPv4 checksums are verified (the kernel already checked IPv6 ones).
 * 0 (m filled), -EBADMSG (truncated or malformed), -EPROTO (bad checksum). */
int probe_icmp_parse(int family, bool with_iphdr, const uint8_t *buf, size_t len,
    struct probe_icmp_msg *m);

/* Parse an echo request of family starting at its ICMP header: what the
 * kernel hands back on the error queue of a ping socket. 0 or -EBADMSG. */
int probe_icmp_parse_request(int family, const uint8_t *buf, size_t len,
    struct probe_icmp_msg *m);

/* The Internet checksum of buf[0..len). */
uint16_t probe_icmp_cksum(const uint8_t *buf, size_t len);

/* Write an echo request with size payload bytes into buf (cap >= 8 + size,
 * size >= PROBE_ICMP_MARK_LEN); the checksum is filled in for IPv4 (the
 * kernel does it for IPv6 and for ping sockets). Returns the length. */
size_t probe_icmp_build(int family, uint8_t *buf, size_t cap, uint16_t id, uint16_t seq,
    const uint8_t cookie[PROBE_ICMP_COOKIE_LEN], uint32_t target, uint32_t probe,
    size_t size);

/* One ICMP socket of a family, raw or unprivileged ("ping") datagram. */
struct probe_icmp_sock {
	int		fd;
	int		family;
	bool		raw;
	bool		tx_kernel;	/* TX software stamps keyed per send */
	uint16_t	id;		/* ours (raw), or the kernel's (dgram) */
};

/* What came with a packet. */
struct probe_icmp_rx {
	struct sockaddr_storage	from;
	size_t			len;
	int64_t			rx_ns;		/* CLOCK_REALTIME */
	bool			rx_kernel;	/* rx_ns is the kernel's stamp */
	bool			has_dst;
	uint8_t			dst[16];	/* our address it came to (PKTINFO) */
	int			ttl;		/* hop limit from a cmsg, or -1 */
};

/* What the error queue held: a TX stamp, or an ICMP error (ping sockets). */
struct probe_icmp_err {
	bool			is_stamp;
	uint32_t		key;		/* stamp: the key given at send */
	int64_t			ts_ns;		/* stamp: CLOCK_REALTIME */
	uint8_t			type, code;	/* error */
	bool			has_offender;
	struct sockaddr_storage	offender;	/* the router that reported */
	struct sockaddr_storage	dst;		/* error: where our request went */
	size_t			len;		/* error: bytes of our request in buf */
};

/* Open s for family: raw when allowed and permitted (raising CAP_NET_RAW
 * if it is only permitted), else a ping socket; p applied. 0 or -errno:
 * -EPERM when neither kind may be opened, -EAFNOSUPPORT without the family. */
int probe_icmp_open(struct probe_icmp_sock *s, int family, const struct probe_path *p,
    bool allow_raw);
/* Close s; safe on a closed one. */
void probe_icmp_close(struct probe_icmp_sock *s);
/* Send buf to dst, asking for a TX stamp under key; *user_ns is the
 * CLOCK_REALTIME just before. 0 or -errno (-EAGAIN when the buffer is full). */
int probe_icmp_send(struct probe_icmp_sock *s, const struct sockaddr *dst, socklen_t dlen,
    const uint8_t *buf, size_t len, uint32_t key, int64_t *user_ns);
/* Receive one packet into buf; 0, -EAGAIN when none, or -errno. */
int probe_icmp_recv(struct probe_icmp_sock *s, uint8_t *buf, size_t cap, struct probe_icmp_rx *rx);
/* Read one error-queue entry (our request, for errors, into buf); 0,
 * -EAGAIN when empty, -ENOMSG for an entry of no interest, or -errno. */
int probe_icmp_recv_err(struct probe_icmp_sock *s, uint8_t *buf, size_t cap,
    struct probe_icmp_err *e);
/* CLOCK_REALTIME and CLOCK_MONOTONIC in ns. */
int64_t probe_icmp_real_ns(void);
int64_t probe_icmp_mono_ns(void);

#endif
