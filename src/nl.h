/* nl.h: netlink sockets for Outpost's tools (libopnl, over libmnl).
 *
 * outpost-routed (rules, routes, links, addresses) and outpost-shape
 * (qdiscs, classes; nftables goes through libnftnl's own batches) talk
 * rtnetlink through these: requests are batched, many messages per
 * sendmsg(2), every acknowledgement is matched back by sequence number
 * to the caller's cookie with the kernel's extended-ACK text, dumps run
 * to completion, and a monitor socket tells lost notifications (ENOBUFS)
 * from the rest. Sockets are non-blocking; a request waits for its acks
 * (the kernel answers rtnetlink synchronously, so that is microseconds,
 * not network time) and never for anything else.
 *
 * Library code: 0 or -errno, never prints. */
#ifndef OUTPOST_NL_H
#define OUTPOST_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct nl_sock;

/* Open a NETLINK_ROUTE (or other bus) socket with NETLINK_EXT_ACK,
 * NETLINK_CAP_ACK and NETLINK_GET_STRICT_CHK where the kernel has them,
 * and a receive buffer of rcvbuf bytes (0: 4 MiB; SO_RCVBUFFORCE when
 * allowed, else SO_RCVBUF). 0 or -errno. */
int nl_open(int bus, size_t rcvbuf, struct nl_sock **out);
/* Close and free; NULL-safe. */
void nl_close(struct nl_sock *s);
int nl_fd(const struct nl_sock *s);

/* Join multicast groups (RTNLGRP_LINK, ...) for a monitor socket. */
int nl_subscribe(struct nl_sock *s, const unsigned *groups, size_t n);

/* One request's outcome, for nl_batch_commit(): err is 0 for an ACK or
 * -errno, extack the kernel's text ("" when it sent none), valid only
 * during the call. */
typedef void (*nl_ack_cb)(void *cookie, int err, const char *extack, void *arg);

/* A batch of requests: messages are built in one growing buffer and
 * sent in chunks of at most 64 KiB per sendmsg, each chunk's acks read
 * before the next chunk goes out (so the receive buffer never
 * overflows). */
struct nl_batch;
int nl_batch_new(struct nl_sock *s, struct nl_batch **out);
void nl_batch_free(struct nl_batch *b);  /* NULL-safe */
/* Number of messages put since the last commit. */
size_t nl_batch_count(const struct nl_batch *b);
/* Append a message of type with flags | NLM_F_REQUEST | NLM_F_ACK, a
 * fresh sequence number and room for a family header of hdrlen bytes
 * (returned zeroed through *hdr); cookie comes back in the ack callback.
 * Add attributes with mnl_attr_put*() before the next call; a message
 * may not grow past NL_MSG_MAX. NULL on -ENOMEM. The header is valid
 * only until the next nl_batch_msg() or commit. */
#define NL_MSG_MAX 2048
struct nlmsghdr *nl_batch_msg(struct nl_batch *b, uint16_t type, uint16_t flags,
			      size_t hdrlen, void **hdr, void *cookie);
/* Send everything put so far and collect every ack: cb runs once per
 * message, in order. Returns the number of messages the kernel refused
 * (>= 0), or -errno when the exchange itself failed (then cb reports
 * -EIO or the error for every message not acknowledged). Empties b. */
int nl_batch_commit(struct nl_batch *b, nl_ack_cb cb, void *arg);

/* Dump: send a request of type with NLM_F_DUMP and family header hdr
 * (hdrlen bytes; for strict-check filtering fill it and add attributes
 * in fill, which may be NULL), and run cb on every reply until
 * NLMSG_DONE. -EAGAIN when the kernel flagged the dump inconsistent
 * (NLM_F_DUMP_INTR): the caller dumps again. cb returns MNL_CB_OK,
 * MNL_CB_STOP or MNL_CB_ERROR (ending the dump with -EINVAL). */
int nl_dump(struct nl_sock *s, uint16_t type, const void *hdr, size_t hdrlen,
	    void (*fill)(struct nlmsghdr *nlh, void *arg), mnl_cb_t cb, void *arg);

/* Monitor: read every notification queued on a subscribed socket
 * without blocking and run cb on each. 0 when the socket is drained,
 * -ENOBUFS when the kernel dropped notifications (the caller then
 * dumps everything: its view is stale), or -errno. */
int nl_monitor_read(struct nl_sock *s, mnl_cb_t cb, void *arg);

/* The error code and extended-ACK text of an NLMSG_ERROR message
 * (bounds-checked: any bytes). 0 with *err and *extack set (extack ""
 * when absent; it points into nlh), or -EINVAL for a malformed one. */
int nl_parse_error(const struct nlmsghdr *nlh, size_t len, int *err, const char **extack,
		   size_t *extack_len);

/* Walking a buffer of messages: libmnl's mnl_nlmsg_ok() casts
 * nlmsg_len to int, so a length past 2 GiB passes it and the walk jumps
 * out of the buffer. These compare unsigned: whether a whole message
 * starts at nlh within len bytes, and the next one (len reduced). */
bool nl_msg_ok(const struct nlmsghdr *nlh, size_t len);
const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, size_t *len);

#endif
