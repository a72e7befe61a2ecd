/* shape.h: per-region shaping as plain data (libshape.a).
 *
 * outpost-shape turns the [region] sections of outpost.conf(5) into
 * kernel objects on each WAN interface a region names:
 *
 *   egress (upload), on the WAN interface itself:
 *     root qdisc htb 4f50: default 4f50:2
 *       class 4f50:1   line      rate = ceil = line-upload-rate
 *                                (SHAPE_RATE_UNLIMITED without one)
 *         class 4f50:2 business  rate = the business guarantee, ceil = line
 *         class 4f50:S1 origin of a region  ceil = origin-rate
 *         class 4f50:S2 P2P of a region     ceil = peer-rate
 *     leaves: fq_codel when the kernel has it, else pfifo
 *     classified by nftables (table inet outpost, chain egress, hook
 *     postrouting priority mangle, before NAT): "meta priority set
 *     4f50:S1" etc.; HTB reads skb->priority itself, no tc filter.
 *
 *   ingress (download): the WAN interface's ingress qdisc (ffff:) holds
 *     one u32 filter (pref SHAPE_PREF_REDIRECT, match-all) whose action
 *     is "mirred egress redirect" to the IFB device SHAPE_IFB_NAME(wan);
 *     the IFB carries the same tree with line-rate, classified by u32
 *     filters on the remote address and the P2P port (nftables runs
 *     after ingress, too late for this side).
 *
 * S is the region's slot (1..SHAPE_SLOT_MAX), a stable function of its
 * name: adding or removing a region never renumbers another. Rates here
 * are bytes per second (the kernel's unit); the config's are bits.
 *
 * A region alone on its WAN interface is told apart by the remote side
 * only (origin prefixes, peer prefixes, the P2P port), so NAT on the
 * gateway does not hide it; when several regions share one WAN
 * interface their LAN prefixes are matched too.
 *
 * Everything here is pure: no syscalls, no printing. The kernel side
 * is in shape_kernel.h. Library code returns 0 or -errno. */
#ifndef OUTPOST_SHAPE_H
#define OUTPOST_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

/* The major number of every HTB qdisc Outpost installs ("4f50:", "OP"):
 * what tells Outpost's root qdiscs from foreign ones. */
#define SHAPE_MAJOR 0x4f50u
#define SHAPE_HANDLE(minor) ((SHAPE_MAJOR << 16) | (uint32_t)(minor))
#define SHAPE_MINOR_LINE 1u
#define SHAPE_MINOR_BUSINESS 2u
#define SHAPE_SLOT_MAX 0x3ffu  /* minors stay below 0x4000, leaf majors too */
#define SHAPE_MINOR(slot, kind) ((uint32_t)(slot) << 4 | (uint32_t)(kind))
/* Priority (tc "pref") of Outpost's filters: the ingress redirect, and
 * the first of the IFB's classification filters. */
#define SHAPE_PREF_REDIRECT 0x4f50u
#define SHAPE_PREF_CLASSIFY 0x4f51u
/* The nftables table: family inet, everything in it is Outpost's. */
#define SHAPE_NFT_TABLE "outpost"
#define SHAPE_NFT_CHAIN "egress"
/* The IFB's alias, which marks it as Outpost's ("outpost-shape: eth2"). */
#define SHAPE_IFB_ALIAS_PREFIX "outpost-shape: "

enum shape_kind {
	SHAPE_LINE = 0,      /* minor 1: the line itself */
	SHAPE_ORIGIN = 1,    /* minor S1 */
	SHAPE_PEER = 2,      /* minor S2: P2P */
	SHAPE_BUSINESS = 3,  /* minor 2: everything else (the default class) */
};

enum shape_dir {
	SHAPE_EGRESS,   /* upload: on the WAN interface */
	SHAPE_INGRESS,  /* download: on the WAN interface's IFB */
};

enum shape_leaf {
	SHAPE_LEAF_PFIFO,
	SHAPE_LEAF_FQ_CODEL,
};

/* ---- configuration: checked [region] sections ---- */

struct shape_prefix {
	uint8_t family;  /* AF_INET or AF_INET6 */
	uint8_t len;
	uint8_t addr[16];  /* network order, host bits zero */
};

struct shape_region {
	char name[33];
	const char *file;  /* where the section starts, for messages; a copy
			    * that shape_config_free() frees (NULL is fine) */
	unsigned line;
	char wan[16];  /* wan-interface */
	struct shape_prefix *lan, *origin, *peer;
	size_t nlan, norigin, npeer;
	uint16_t port_lo, port_hi;  /* peer-port: N or A-B */
	uint64_t origin_rate, peer_rate;  /* bytes/s; peer_rate 0: no P2P class */
	uint16_t slot;
};

/* The line's rate when the config does not give it (bytes/s: 1tbit,
 * the most a rate key takes): the line class limits nothing and the
 * line itself, upstream, is where traffic queues. */
#define SHAPE_RATE_UNLIMITED 125000000000ULL

/* One WAN interface and the regions shaped on it. */
struct shape_iface {
	char name[16];
	char ifb[16];
	uint64_t down_rate, up_rate;  /* line-rate, line-upload-rate (bytes/s) */
	/* Not given (nor line-rate, for the upload): the rate is
	 * SHAPE_RATE_UNLIMITED and the business guarantee means nothing. */
	bool down_unlimited, up_unlimited;
	uint64_t business_down, business_up;  /* business guarantee (bytes/s) */
	size_t *regions;  /* indexes into shape_config.regions */
	size_t nregions;
};

struct shape_config {
	struct shape_region *regions;
	size_t nregions;
	struct shape_iface *ifaces;  /* in order of first mention */
	size_t nifaces;
};

/* Build the model from a loaded, checked config (the [region] schema's
 * validators already refused what is wrong): 0, -ENOMEM, or -ENOSPC for
 * more regions than slots (which the schema refuses). A config with no
 * [region] gives an empty model. Region file names are copies: the
 * model may outlive the config. */
int shape_config_from_conf(const struct conf *conf, struct shape_config *out);
void shape_config_free(struct shape_config *c);

/* The IFB device of a WAN interface: "ifb-" + name when that fits in
 * 15 bytes, else "ifb-" + 6 bytes of it + "-" + 4 hex digits of a hash
 * of the whole name. */
void shape_ifb_name(const char *wan, char out[16]);

/* A region's slot from its name (FNV-1a onto 1..SHAPE_SLOT_MAX); the
 * config resolves collisions by probing upward in the order of names. */
uint16_t shape_slot_hash(const char *name);

/* ---- timing: burst, quantum, ticks ---- */

/* Bytes a class may send back to back: enough that the timer's lateness
 * never costs rate at 1 Gbit/s, small enough that a 100 ms sample never
 * sees more than a few percent above the rate at 1 Mbit/s. mtu is the
 * device's MTU plus its link header. */
uint32_t shape_burst(uint64_t rate, uint32_t mtu);
/* HTB's DRR quantum for a class of this rate (bytes, within the
 * kernel's recommended 1000..200000 and at least mtu). */
uint32_t shape_quantum(uint64_t rate, uint32_t mtu);
/* The time to send bytes at rate, in psched ticks (64 ns, the unit of
 * tc_htb_opt.buffer), rounded up: iproute2 rounds down through whole
 * microseconds and so loses burst at high rates. */
uint32_t shape_xmit_ticks(uint64_t bytes, uint64_t rate);
/* pfifo limit (packets) for a leaf of this rate. */
uint32_t shape_fifo_limit(uint64_t rate, uint32_t mtu);

/* ---- desired kernel state ---- */

struct shape_class {
	uint32_t classid;  /* SHAPE_HANDLE(minor) */
	uint32_t parent;   /* SHAPE_HANDLE(0) for the line class */
	enum shape_kind kind;
	int region;        /* index into shape_config.regions, -1 for line/business */
	uint64_t rate, ceil;  /* bytes/s */
	uint32_t burst, cburst;  /* bytes */
	/* bytes. HTB keeps it for leaves only, but the line class is a
	 * leaf for a moment when it is added (before its children): a
	 * quantum of 0 there has HTB work one out and warn about it. */
	uint32_t quantum;
	uint32_t prio;     /* 0 business, 1 origin, 2 P2P */
	/* Leaf qdisc (not for the line class): handle (minor << 16) and
	 * limit in packets (pfifo) or the fq_codel defaults when 0. */
	uint32_t leaf_handle;
	uint32_t leaf_limit;
};

/* One u32 classification node of the IFB (download): every condition
 * set must hold. Port matches are exact (port & mask == value & mask),
 * a peer-port range is split into aligned blocks. IPv4 port matches
 * hold only for headers without options (IHL 5), so the filter also
 * matches IHL; packets with options fall to the business class. */
struct shape_u32 {
	uint16_t pref;      /* SHAPE_PREF_CLASSIFY + n */
	uint8_t family;     /* AF_INET (protocol ip) or AF_INET6 (ipv6) */
	uint32_t classid;
	bool has_src, has_dst;
	struct shape_prefix src, dst;
	uint8_t ipproto;    /* 0 any, else IPPROTO_TCP / IPPROTO_UDP */
	bool has_sport, has_dport;
	uint16_t port, port_mask;
};

/* One HTB tree: a device, its direction, its classes (parents first)
 * and, for ingress, its u32 filters in pref order. */
struct shape_tree {
	char dev[16];  /* WAN interface (egress) or its IFB (ingress) */
	char wan[16];
	enum shape_dir dir;
	uint32_t defcls;  /* SHAPE_MINOR_BUSINESS */
	enum shape_leaf leaf;
	struct shape_class *classes;
	size_t nclasses;
	struct shape_u32 *filters;
	size_t nfilters;
};

/* nftables: named sets of prefixes and rules of the egress chain. */
struct shape_nft_set {
	/* "<region>_lan4", "<region>_origin6", "<region>_peer4". nft(8)
	 * reads a set name only when it starts with a letter or '_' (its
	 * scanner: "@1x_lan4" is a syntax error, quoted or not), and so
	 * does shape_nft_check(): a region whose name starts with a digit
	 * or '-' gets "_<region>_lan4". */
	char name[48];
	uint8_t family;
	struct shape_prefix *elems;  /* sorted, no overlaps */
	size_t nelems;
};

/* One rule of chain egress: oifname WAN [meta nfproto ipv4|ipv6] [ip|ip6
 * saddr @set] [ip|ip6 daddr @set] [meta l4proto tcp|udp th sport|dport
 * A-B] counter meta priority set CLASSID. Rules are in order, the first
 * match wins (each ends with "accept" after setting the priority). A
 * rule of family AF_INET/AF_INET6 starts with the nfproto guard (also
 * without a set); family 0 has none and may have no set. Ports count
 * only with an ipproto. */
struct shape_nft_rule {
	char oif[16];
	/* AF_INET, AF_INET6; 0 for a rule without an address match (the
	 * P2P port rules of a region alone on its interface), which holds
	 * for both families: no "meta nfproto" guard. */
	uint8_t family;
	int saddr_set, daddr_set;  /* index into sets, -1: none */
	uint8_t ipproto;  /* 0 or IPPROTO_TCP/IPPROTO_UDP */
	bool sport;       /* match the source port (else the destination port) */
	uint16_t port_lo, port_hi;
	uint32_t priority;  /* the HTB class id */
};

struct shape_nft {
	struct shape_nft_set *sets;
	size_t nsets;
	struct shape_nft_rule *rules;
	size_t nrules;
};

struct shape_plan {
	struct shape_tree *trees;  /* egress and ingress of each interface */
	size_t ntrees;
	struct shape_nft nft;
};

/* What to build for: the leaf kind the kernel allows and each WAN
 * interface's MTU (0: 1500). */
struct shape_plan_opts {
	enum shape_leaf leaf;
	uint32_t (*mtu)(const char *dev, void *arg);
	void *arg;
};

/* The desired state of cfg: 0, -ENOMEM, or -E2BIG when an interface's
 * u32 nodes would not fit the 16-bit prefs above SHAPE_PREF_CLASSIFY.
 * opts NULL: pfifo leaves, MTU 1500. */
int shape_plan_build(const struct shape_config *cfg, const struct shape_plan_opts *opts,
		     struct shape_plan *out);
void shape_plan_free(struct shape_plan *p);
void shape_nft_free(struct shape_nft *n);

/* Text: a class id as tc prints it ("4f50:21"); a rate as tc prints it
 * in bits ("20Mbit", "1Gbit", "1500Kbit"); a prefix. */
void shape_handle_format(uint32_t handle, char out[16]);
void shape_rate_format(uint64_t bytes_per_s, char *out, size_t len);
void shape_prefix_format(const struct shape_prefix *p, char *out, size_t len);

/* The nft(8) script of the table shape_nft_commit() makes (one
 * transaction: "table inet outpost { }", "delete table inet outpost",
 * then the whole table: sets, chain, rules), as `nft -f` reads it; nft
 * NULL: just the delete. It ends in the same table as the commit; the
 * commit itself, knowing what the kernel holds, changes a table of
 * ours in place instead. 0, -EINVAL (shape_nft_check refuses nft) or
 * -EIO. */
int shape_nft_script(const struct shape_nft *nft, FILE *fp);
/* A rule's match as nft(8) lists it ("meta nfproto ipv4 ip daddr @x",
 * "meta l4proto tcp th sport 6881"), without oifname, counter and
 * verdict: what show prints. A short buffer truncates. */
void shape_nft_match_text(const struct shape_nft *nft, const struct shape_nft_rule *r, char *buf,
			  size_t len);

#endif
