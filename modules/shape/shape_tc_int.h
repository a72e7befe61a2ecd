/* shape_tc_int.h: what the tc files of libshape.a share among
 * themselves (and with their tests and fuzz harness): the canonical u32
 * selector, message encoders and the parsers of kernel replies.
 *
 * The u32 selector has one canonical form (keys in increasing offset,
 * one key per 32-bit word, exactly what `tc filter ... u32 match u32
 * VAL MASK at OFF` packs for the same words), so a filter read back is
 * recognised as Outpost's by decoding it and encoding it again. */
#ifndef OUTPOST_SHAPE_TC_INT_H
#define OUTPOST_SHAPE_TC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/pkt_cls.h>

#include "nl.h"
#include "shape.h"
#include "shape_kernel.h"

#define SHAPE_INGRESS_HANDLE 0xffff0000u  /* ffff: */
#define SHAPE_U32_NODE 0x800u             /* first node id we give */
#define SHAPE_DIRECT_QLEN 1000u           /* packets of HTB's direct queue */
#define SHAPE_R2Q 10u                     /* rate2quantum, only for quantum 0 */
#define SHAPE_U32_KEYS_MAX 12u            /* IPv6 src + dst + proto + ports = 10 */
/* Leaf majors stay below 0x4000; a leaf changing kind goes through a
 * second handle above them (the kernel cannot change a qdisc's kind in
 * place, it can only graft a new one). */
#define SHAPE_LEAF_TMP(minor) ((0x4000u | (uint32_t)(minor)) << 16)

#define SHAPE_U32_HTID(h) ((h) & 0xfff00000u)
#define SHAPE_U32_KEY(h) ((h) & 0x000fffffu)
#define SHAPE_U32_NODEID(h) ((h) & 0x00000fffu)

const char *shape_leaf_kind(enum shape_leaf leaf);

/* ---- u32 selectors (shape_tc_u32.c) ---- */

/* The keys of f in canonical order into keys (room for max): their
 * number, or -EINVAL when f cannot be expressed. */
int shape_u32_encode(const struct shape_u32 *f, struct tc_u32_key *keys, size_t max);
/* A selector (len bytes at sel, from the kernel) back into the fields
 * of *out (family given by the filter's protocol): 0, or -ENOENT when
 * it is not exactly what shape_u32_encode makes. */
int shape_u32_decode(uint8_t family, const void *sel, size_t len, struct shape_u32 *out);
/* Whether two filters match the same packets (pref and classid aside). */
bool shape_u32_same_match(const struct shape_u32 *a, const struct shape_u32 *b);

/* ---- messages (shape_tc_encode.c) ---- */

/* Put the messages of op into b (ifindex of op->dev, peer: of op->peer
 * for REDIRECT); cookie goes with each. Number of messages, or -errno. */
int shape_tc_encode(struct nl_batch *b, const struct shape_op *op, int ifindex, int peer,
		    void *cookie);

/* ---- replies (shape_tc_parse.c): len is what the buffer holds from nlh ---- */

struct shape_tc_link {
	int ifindex;
	char name[16];
	uint32_t mtu;
	bool up;
	bool ifb;         /* linkinfo kind "ifb" */
	bool ifb_ours;    /* and Outpost's alias */
	char alias_wan[16];  /* the WAN named in that alias */
};

struct shape_tc_qdisc {
	int ifindex;
	uint32_t handle, parent;
	char kind[16];
	uint32_t defcls;  /* htb */
	uint32_t limit;   /* pfifo, bfifo, fq_codel; 0 unknown */
};

struct shape_tc_filter {
	int ifindex;
	uint32_t parent, handle;
	uint16_t pref, protocol;  /* protocol in host order (ETH_P_IP ...) */
	char kind[16];
	bool node;        /* a u32 key node (not a tp or hash table entry) */
	bool ours;        /* a classification node Outpost makes */
	struct shape_u32 u32;  /* when ours */
	bool redirect;    /* a match-all with one mirred egress redirect */
	int redirect_ifindex;
};

int shape_tc_parse_link(const struct nlmsghdr *nlh, size_t len, struct shape_tc_link *out);
int shape_tc_parse_qdisc(const struct nlmsghdr *nlh, size_t len, struct shape_tc_qdisc *out);
int shape_tc_parse_class(const struct nlmsghdr *nlh, size_t len, int *ifindex,
			 struct shape_kclass *out);
int shape_tc_parse_filter(const struct nlmsghdr *nlh, size_t len, struct shape_tc_filter *out);

#endif
