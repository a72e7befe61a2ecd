/* nl_int.h: what nl.c and nl_batch.c share inside libopnl. */
#ifndef OUTPOST_NL_INT_H
#define OUTPOST_NL_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "nl.h"

/* Receive buffer: the kernel sizes dump parts to at most 32 KiB. */
#define NL_RBUF_SIZE	(64 * 1024)
/* How long one exchange waits for the kernel before -ETIMEDOUT. */
#define NL_WAIT_MS	1000

struct nl_sock {
	struct mnl_socket	*mnl;
	uint32_t		portid;
	uint32_t		seq;
	char			*rbuf;
	size_t			max_acks;	/* acks the receive buffer surely holds */
};

/* What one queued ack costs in the receive buffer (skb overhead included,
 * with room for ext-ack text): chunks stay within rcvbuf / this. */
#define NL_ACK_COST	2048

/* CLOCK_MONOTONIC in milliseconds. */
int64_t nl_now_ms(void);
/* poll(2) the socket for events until deadline: 0 or -ETIMEDOUT/-errno. */
int nl_wait(struct nl_sock *s, short events, int64_t deadline);
/* One datagram into s->rbuf: its length, or -errno; deadline < 0 does
 * not wait (-EAGAIN when nothing is queued). */
ssize_t nl_recv(struct nl_sock *s, int64_t deadline);
/* Drop whatever is queued on the socket. */
void nl_drain(struct nl_sock *s);

#endif
