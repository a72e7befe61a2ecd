/* shape_kernel.h: shaping in the kernel (libshape.a): what the kernel
 * can do, what it holds, and changing it without an unshaped gap.
 *
 * tc goes through rtnetlink (libopnl, src/nl.h), never the tc binary;
 * nftables through libnftnl in one batch transaction. Everything read
 * back from the kernel is parsed bounds-checked (fuzz-shape-tc,
 * fuzz-shape-nft).
 *
 * Ownership: a root qdisc is Outpost's when it is htb with handle
 * SHAPE_MAJOR:, an IFB when its alias starts with SHAPE_IFB_ALIAS_PREFIX,
 * an ingress filter when its pref is SHAPE_PREF_REDIRECT, the nft table
 * inet SHAPE_NFT_TABLE. A root qdisc with handle 0: is the kernel's
 * default (noqueue, pfifo_fast, mq...) and may be replaced; any other
 * root qdisc is foreign and apply refuses the interface. */
#ifndef OUTPOST_SHAPE_KERNEL_H
#define OUTPOST_SHAPE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nl.h"
#include "shape.h"

/* ---- what this kernel has ---- */

struct shape_caps {
	bool probed;  /* false: not root, nothing known (assume everything) */
	bool htb, ingress, ifb, u32, mirred, fq_codel;
};

/* Probe in a throwaway network namespace (a forked child that
 * unshares CLONE_NEWNET and tries each kind on its loopback): 0, or
 * -EPERM without CAP_SYS_ADMIN (caps->probed false; told by capget(2),
 * without a fork). The first successful probe is kept for the rest of
 * the process (and its forks): later calls, also after the process
 * dropped root, fork nothing and give the same answer. Not
 * thread-safe. */
int shape_caps_probe(struct shape_caps *caps);
/* "fq_codel" / "ifb, mirred" ...: what is missing, "" when nothing. */
void shape_caps_missing(const struct shape_caps *caps, char *buf, size_t len);

/* ---- what the kernel holds ---- */

struct shape_stats {
	uint64_t bytes, packets;
	uint32_t drops, overlimits, requeues;
	uint32_t backlog_bytes, backlog_pkts;
	uint64_t rate_bps, rate_pps;  /* the kernel's rate estimator, bits/s */
	bool has_rate;
};

/* A class as the kernel holds it: the shape_class fields it reports
 * (classid, parent, rate, ceil, burst, cburst from buffer ticks,
 * quantum, prio), its leaf qdisc's kind and limit, and its counters. */
struct shape_kclass {
	struct shape_class cls;
	char leaf_kind[16];  /* "" when it has none */
	struct shape_stats st;
	/* buffer and cbuffer exactly as the kernel holds them (psched
	 * ticks): the diff compares these with shape_xmit_ticks() of the
	 * plan, since burst bytes recomputed from ticks do not round trip
	 * at high rates. */
	uint32_t buffer_ticks, cbuffer_ticks;
};

enum shape_root {
	SHAPE_ROOT_NONE,     /* the device does not exist */
	SHAPE_ROOT_DEFAULT,  /* handle 0: the kernel's own */
	SHAPE_ROOT_OURS,     /* htb SHAPE_MAJOR: */
	SHAPE_ROOT_FOREIGN,
};

struct shape_kdev {
	char name[16];
	int ifindex;
	uint32_t mtu;
	bool up;
	bool ifb_ours;          /* an IFB with Outpost's alias */
	enum shape_root root;
	char root_kind[16];
	uint32_t root_handle;
	uint32_t defcls;
	struct shape_kclass *classes;
	size_t nclasses;
	struct shape_u32 *filters;   /* Outpost's u32 filters at the root */
	uint32_t *filter_handles;    /* their u32 node handles, for replace */
	size_t nfilters;
	size_t foreign_filters;      /* filters at the root that are not ours */
	bool ingress;                /* an ingress qdisc ffff: */
	bool redirect;               /* our redirect filter on it */
	char redirect_to[16];        /* the device it redirects to */
	uint32_t redirect_handle;    /* its u32 node handle, for replace */
	size_t ingress_foreign;      /* filters on the ingress qdisc that are not ours */
};

/* Read one device: -ENODEV leaves *out with root SHAPE_ROOT_NONE. */
int shape_tc_read(struct nl_sock *s, const char *dev, struct shape_kdev *out);
void shape_kdev_free(struct shape_kdev *d);

/* Every IFB of Outpost's (by alias), for clear: names into *out. */
int shape_tc_list_ifbs(struct nl_sock *s, char (**out)[16], size_t *n);

/* Read every device that matters to cfg (NULL: no config): first each
 * WAN interface of cfg and its IFB, in config order, included even when
 * missing (root SHAPE_ROOT_NONE), then every other device of this
 * namespace that holds something of Outpost's (root 4f50:, our IFB
 * alias, our redirect), so apply and clear also reach interfaces the
 * config no longer names. 0 or -errno; free with shape_kdevs_free(). */
int shape_kernel_read(struct nl_sock *s, const struct shape_config *cfg, struct shape_kdev **out,
		      size_t *n);
void shape_kdevs_free(struct shape_kdev *devs, size_t n);

/* The nft table as the kernel holds it, parsed back into the model
 * (rules Outpost did not write parse as foreign: equal never holds),
 * with each rule's counter. *present false when there is no table.
 * A foreign rule stays in its place with an empty oif and family 0,
 * a foreign set with family 0 (no model has either), so rule i and its
 * counters are the kernel's rule i; a
 * foreign table flag or a missing chain set only foreign, so apply
 * commits when !present || foreign || !shape_nft_equal(). The read is
 * of one ruleset generation (-EAGAIN when it kept changing). */
struct shape_knft {
	bool present;
	bool foreign;  /* something in the table the model cannot express */
	struct shape_nft nft;
	uint64_t *rule_packets, *rule_bytes;  /* per rule */
};
int shape_nft_read(struct shape_knft *out);
void shape_knft_free(struct shape_knft *k);
bool shape_nft_equal(const struct shape_nft *a, const struct shape_nft *b);

/* ---- one reading of all of it ---- */

/* What apply compares the plan with, read once: the caps, the devices
 * of shape_kernel_read() and the nft table. show and check print from
 * one snapshot and compare that same one with the plan, so what they
 * print and what they call pending agree, at the cost of one read. */
struct shape_snapshot {
	struct shape_caps caps;  /* probed false: not root */
	struct shape_kdev *devs;
	size_t ndevs;
	struct shape_knft knft;
	int nft_err;             /* shape_nft_read()'s result: 0, -EPERM when not root, ... */
};

/* Read it through s (NULL: a socket of its own). caps NULL or not
 * probed: probe (shape_caps_probe). 0, or -errno with why set ("cannot
 * read the interfaces: ..."); a table that cannot be read is no error
 * here but nft_err. Free with shape_snapshot_free() (NULL-safe,
 * also after a failed read). */
int shape_snapshot_read(struct nl_sock *s, const struct shape_config *cfg,
			const struct shape_caps *caps, struct shape_snapshot *out, char *why,
			size_t whylen);
void shape_snapshot_free(struct shape_snapshot *snap);

/* ---- changing it ---- */

/* One tc change; text is the tc(8) command it equals ("tc class change
 * dev eth2 parent 4f50:1 classid 4f50:21 htb rate 20Mbit ceil ..."). */
enum shape_op_kind {
	SHAPE_OP_IFB_ADD,      /* ip link add NAME type ifb, alias, up */
	SHAPE_OP_IFB_DEL,
	SHAPE_OP_QDISC_ROOT,   /* replace the root qdisc with htb SHAPE_MAJOR: */
	SHAPE_OP_QDISC_DEL,    /* delete the root qdisc (the kernel's default returns) */
	SHAPE_OP_INGRESS_ADD,  /* ingress qdisc ffff: */
	SHAPE_OP_INGRESS_DEL,  /* only when no foreign filter is left on it */
	SHAPE_OP_REDIRECT,     /* add or replace our redirect filter */
	SHAPE_OP_REDIRECT_DEL,
	SHAPE_OP_CLASS_ADD,
	SHAPE_OP_CLASS_CHANGE, /* in place: rate, ceil, burst, quantum, prio */
	SHAPE_OP_CLASS_DEL,
	SHAPE_OP_LEAF,         /* add or replace a leaf qdisc */
	SHAPE_OP_FILTER,       /* add or replace (same handle) a u32 node */
	SHAPE_OP_FILTER_DEL,
};

struct shape_op {
	enum shape_op_kind kind;
	char dev[16];
	const struct shape_tree *tree;  /* the desired tree it serves (NULL for deletes) */
	struct shape_class cls;         /* CLASS_*, LEAF */
	struct shape_u32 filter;        /* FILTER* */
	/* FILTER*, REDIRECT: u32 node handle to replace/delete (a bare node
	 * id, or 0, adds a node); LEAF: a second handle to graft through
	 * when the leaf changes kind (0: none); IFB_ADD: 1 when the IFB
	 * exists but is down (only up and alias). */
	uint32_t handle;
	char peer[16];                  /* REDIRECT: the IFB; IFB_ADD: its WAN (the alias) */
};

struct shape_ops {
	struct shape_op *v;
	size_t n;
};

/* The changes from what devs hold to plan, in an order with no gap:
 * IFBs and root qdiscs first, classes added or changed in place (never
 * deleted and re-added), leaves, filters added or replaced, ingress
 * qdiscs and redirects (once the IFB's tree is whole), then filters,
 * redirects, classes, qdiscs, ingress qdiscs and IFBs no longer wanted,
 * in that order. What the kernel cannot change in place is built
 * beside the old: a u32 node's new match is a new node at its pref
 * (the old one deleted later), a leaf of another kind is grafted
 * through a second handle. Two exceptions delete first: a pref that
 * changes family (one pref holds one protocol) and a root 4f50: with
 * another default class (HTB cannot change it). FILTER_DEL with handle
 * 0 deletes a whole pref.
 * plan NULL: the changes that remove everything of Outpost's (clear).
 * -EEXIST when a device has a foreign root qdisc (*why names it). */
int shape_tc_diff(const struct shape_kdev *devs, size_t ndevs, const struct shape_plan *plan,
		  struct shape_ops *out, char *why, size_t whylen);
void shape_ops_free(struct shape_ops *ops);
/* The tc(8) or ip(8) command an op equals, for --dry-run. */
void shape_op_format(const struct shape_op *op, char *buf, size_t len);

/* Apply ops through one batch; cb runs for every refused op with the
 * kernel's extended-ACK text, and with err 0 for an op the kernel took
 * but warned about (its extended ACK: "quantum of class 4F500001 is
 * big. Consider r2q change."). Returns the number refused, or -errno. */
typedef void (*shape_refused_cb)(const struct shape_op *op, int err, const char *extack,
				 void *arg);
int shape_tc_apply(struct nl_sock *s, const struct shape_ops *ops, shape_refused_cb cb, void *arg);

/* Replace the nft table by nft in one transaction (nft NULL: delete the
 * table; no error when it is absent). A table that is already ours
 * (foreign rules and sets in it are fine) is changed in place, so no
 * packet meets the chain unclassified while it changes; anything else
 * is deleted and added whole. Reads the table first (as
 * shape_nft_read). 0, or -errno with *why the
 * kernel's text when refused: "add element inet outpost r1_lan4: File
 * exists" (the refused object, then the extended ACK or strerror);
 * -EINVAL when shape_nft_check() refuses nft. Needs CAP_NET_ADMIN. */
int shape_nft_commit(const struct shape_nft *nft, char *why, size_t whylen);

/* ---- the whole thing, for outpost-shape and outpost-p2pd ---- */

struct shape_result {
	size_t tc_changes;   /* ops applied (that stayed: 0 after a rollback) */
	bool nft_changed;
	size_t refused;      /* > 0: rolled back */
	char why[512];       /* first refusal: "tc class change dev ...: <extack>" */
	struct shape_caps caps;
};

struct shape_apply_opts {
	bool dry_run;        /* print the commands to out instead of changing anything */
	FILE *out;           /* dry-run commands (nft script, then tc/ip lines) */
	/* NULL, or called for every tc op once the whole change held (not
	 * for ops rolled back), and for every op of a dry run: what the
	 * tool prints per change (-v) and counts per interface. */
	void (*changed)(const struct shape_op *op, void *arg);
	void *arg;
	/* How long to wait while another apply or clear holds this network
	 * namespace's lock (not for dry runs): 0 fails at once with -EBUSY,
	 * as a daemon on its loop wants; outpost-shape waits 10 s. */
	unsigned lock_wait_ms;
	/* What an earlier apply probed, as root: a daemon that dropped root
	 * (keeping CAP_NET_ADMIN, not CAP_SYS_ADMIN) cannot probe again.
	 * NULL or not probed: probe now (or take what this process probed
	 * before: shape_caps_probe). */
	const struct shape_caps *caps;
	/* NULL, or called for every op the kernel took with a warning (its
	 * extended-ACK text), as it happens: what an operator should see. */
	void (*warned)(const struct shape_op *op, const char *text, void *arg);
};

/* Probe the kernel, read what it holds, plan cfg, and change the
 * difference: tc first, then nft; any refusal rolls back to what was
 * there before (both tc and nft). 0 (also when nothing changed), -EBUSY
 * (another apply or clear is running in this namespace), -EEXIST
 * (foreign root qdisc), -ENODEV (a WAN interface is missing),
 * -EOPNOTSUPP (the kernel lacks htb, ingress, ifb, u32 or mirred),
 * -EPROTO (refused and rolled back; res->why says why, with the
 * kernel's text: also "Operation not permitted" without CAP_NET_ADMIN),
 * or -errno; res->why is set for each of them. A cfg without regions
 * removes everything of Outpost's. */
int shape_apply(const struct shape_config *cfg, const struct shape_apply_opts *opts,
		struct shape_result *res);
/* A dry run of shape_apply against snap instead of the kernel: the
 * same output, callbacks, result and errors, and no read at all
 * (opts->dry_run and opts->caps are not looked at). */
int shape_compare(const struct shape_config *cfg, const struct shape_snapshot *snap,
		  const struct shape_apply_opts *opts, struct shape_result *res);
/* Remove everything of Outpost's: root qdiscs SHAPE_MAJOR:, the
 * redirect filters (and ingress qdiscs left empty), Outpost's IFBs, the
 * nft table. Nothing else. */
int shape_clear(const struct shape_apply_opts *opts, struct shape_result *res);

#endif
