/* shape_nft_int.h: what the nft writer, reader and script share inside
 * libshape.a: the byte layout of the rules Outpost writes (so the
 * reader recognises exactly that) and the parser of dumped messages
 * (kept apart from the socket so fuzz-shape-nft can drive it). */
#ifndef OUTPOST_SHAPE_NFT_INT_H
#define OUTPOST_SHAPE_NFT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "shape_kernel.h"

/* nft(8)'s datatype numbers for a set's key (src/datatype.h). */
#define SHAPE_NFT_TYPE_IPADDR 7u
#define SHAPE_NFT_TYPE_IP6ADDR 8u
/* nft's byte order of a key, as it records it in the set's user data
 * (NFTNL_UDATA_SET_KEYBYTEORDER): big endian. */
#define SHAPE_NFT_BYTEORDER_BIG 2u
/* Element user data nft writes on an interval open to the top of the
 * address space (NFTNL_UDATA_SET_ELEM_FLAGS): it lists it as a prefix. */
#define SHAPE_NFT_ELEM_F_INTERVAL_OPEN 1u
/* The chain's hook priority: NF_IP_PRI_MANGLE, nft's "mangle". */
#define SHAPE_NFT_PRIO (-150)

/* Offsets in the network header of the addresses a rule matches. */
static inline unsigned shape_nft_addr_off(uint8_t family, bool src)
{
	if (family == 10 /* AF_INET6 */)
		return src ? 8 : 24;
	return src ? 12 : 16;
}

static inline unsigned shape_nft_addr_len(uint8_t family)
{
	return family == 10 /* AF_INET6 */ ? 16 : 4;
}

/* Whether nft is something commit and the script can express: set and
 * interface names nft reads unquoted, families, prefixes with zero host
 * bits, set indexes of the rule's family, tcp/udp with lo <= hi. 0, or
 * -EINVAL with *why naming the object. */
int shape_nft_check(const struct shape_nft *n, char *why, size_t whylen);
/* One rule in nft(8) syntax (what the script writes inside the chain). */
void shape_nft_rule_text(const struct shape_nft *n, const struct shape_nft_rule *r, char *buf,
			 size_t len);

/* ---- the transaction shape_nft_commit() sends ---- */

/* Elements per NEWSETELEM message: each message stays far below the
 * batch page's overrun. */
#define SHAPE_NFT_ELEMS_PER_MSG 256u

struct nftnl_batch;
struct iovec;

/* What one message of the batch carries, to name it when refused. */
enum shape_nft_what {
	SHAPE_NFT_W_TABLE_ADD,
	SHAPE_NFT_W_TABLE_DEL,
	SHAPE_NFT_W_SET,
	SHAPE_NFT_W_ELEMS,
	SHAPE_NFT_W_CHAIN,
	SHAPE_NFT_W_RULE,
	SHAPE_NFT_W_FLUSH,    /* flush chain egress */
	SHAPE_NFT_W_SET_DEL,  /* delete an old set (idx into old->sets) */
	SHAPE_NFT_W_ELEMS_DEL, /* delete elements of a kept set (idx into nft->sets) */
};

struct shape_nft_sent {
	enum shape_nft_what what;
	size_t idx;  /* set or rule index */
	bool acked;
};

struct shape_nft_parse;

struct shape_nft_txn {
	const struct shape_nft *nft;
	/* The table as read before (NULL: not read). With in_place, the
	 * batch keeps table, chain and the sets that stay, and swaps
	 * their content: flush the chain, delete the sets no longer
	 * wanted, change the elements of those kept, add new sets and the
	 * rules. Rules and elements change at the generation switch, all
	 * at once; a deleted and re-added chain or set leaves packets
	 * passing unclassified for a moment (test-shape-nft measures it:
	 * a few datagrams in 4000 over 80 commits). */
	const struct shape_nft_parse *old;
	bool in_place;
	uint32_t genid;  /* the generation old was read at (in_place) */
	struct nftnl_batch *b;
	uint32_t seq0, seq;  /* seq0: the batch begin */
	struct shape_nft_sent *sent;
	size_t n, cap;
	struct iovec *iov;  /* the batch as sent, to find a refused element */
	int niov;
};

/* Put the whole transaction for t->nft (NULL: delete the table) into
 * t->b, from t->seq0 on, noting what each message carries: 0 or -ENOMEM.
 * In place, the batch carries the generation id: the kernel refuses it
 * with -ERESTART when the ruleset changed since old was read. */
int shape_nft_txn_build(struct shape_nft_txn *t);

/* ---- the parser of dumped messages ---- */

struct shape_nft_pelem {
	uint8_t key[16];
	bool end;  /* NFT_SET_ELEM_INTERVAL_END */
};

struct shape_nft_pset {
	char name[48];
	uint8_t family;
	bool usable;  /* a set the model can express */
	bool anonymous;  /* bound to a (foreign) rule: goes with it */
	struct shape_nft_pelem *el;
	size_t nel, cap;
};

struct shape_nft_prule {
	struct shape_nft_rule r;
	char sset[48], dset[48];  /* set names, "" when none */
	uint64_t packets, bytes;
};

/* What a dump of table inet outpost held, message by message. */
struct shape_nft_parse {
	bool present, foreign, chain;
	/* Something a flush of chain egress and deleting sets cannot
	 * remove (another chain, an object, a flowtable, table flags): a
	 * commit then deletes and re-adds the whole table. */
	bool odd;
	struct shape_nft_pset *sets;
	size_t nsets, capsets;
	struct shape_nft_prule *rules;
	size_t nrules, caprules;
};

/* ---- attributes of dumped messages, validated before use ---- */

#define SHAPE_NFT_MAX_ATTR 24  /* above every attribute type read */

/* A message's or a nest's attributes by type (the last of a repeated
 * one; types above SHAPE_NFT_MAX_ATTR skipped). */
struct shape_nft_tb {
	const struct nlattr *a[SHAPE_NFT_MAX_ATTR + 1];
};


/* Whether the attributes of nlh (after its nfgenmsg) or of a nested
 * attribute lie within it: false when any does not. */
bool shape_nft_msg_attrs(const struct nlmsghdr *nlh, struct shape_nft_tb *t);
bool shape_nft_nest_attrs(const struct nlattr *nest, struct shape_nft_tb *t);
/* Values, checked for their size: false/0/NULL when absent or wrong. */
bool shape_nft_get_u32(const struct nlattr *a, uint32_t *v);
uint32_t shape_nft_u32_or0(const struct nlattr *a);
uint64_t shape_nft_u64_or0(const struct nlattr *a);
const char *shape_nft_get_str(const struct nlattr *a);
/* The bytes of the NFTA_DATA_VALUE inside a data nest, and their count. */
const uint8_t *shape_nft_get_value(const struct nlattr *nest, uint32_t *len);

/* Whether an object's table name is ours (SHAPE_NFT_TABLE). */
static inline bool shape_nft_ours(const char *table)
{
	return table && __builtin_strcmp(table, SHAPE_NFT_TABLE) == 0;
}

/* One message of a dump of any kind (table, set, element, chain, rule,
 * object, flowtable); nlh must hold a whole message of len bytes
 * (nl_msg_ok). Objects of other tables or families are ignored. 0, or
 * -ENOMEM. */
int shape_nft_parse_msg(struct shape_nft_parse *p, const struct nlmsghdr *nlh, size_t len);
/* The table as the kernel holds it, parsed, under one ruleset
 * generation (*gen): 0, -EAGAIN (it kept changing), -EPERM, -errno.
 * The caller frees *p (shape_nft_parse_free) on success. */
int shape_nft_read_state(struct shape_nft_parse *p, uint32_t *gen);
/* A u32 attribute of an nftables message (after its nfgenmsg), checked:
 * false when absent or malformed. For the generation id (NFTA_GEN_ID). */
bool shape_nft_attr_u32(const struct nlmsghdr *nlh, uint16_t type, uint32_t *v);
/* A NEWRULE message: appended to p->rules, recognised or foreign. */
int shape_nft_parse_rule(struct shape_nft_parse *p, const struct nlmsghdr *nlh);
/* Turn what was parsed into the model: sets with their prefixes,
 * rules with set indexes and counters. 0 or -ENOMEM; *out is owned
 * by the caller (shape_knft_free). */
int shape_nft_parse_finish(struct shape_nft_parse *p, struct shape_knft *out);
void shape_nft_parse_free(struct shape_nft_parse *p);

/* The prefix for the interval [lo, hi) of family (hi NULL: to the top
 * of the address space): 0, or -EINVAL when it is not one prefix. */
int shape_nft_range_prefix(uint8_t family, const uint8_t *lo, const uint8_t *hi,
			   struct shape_prefix *out);
/* The end of prefix p (its last address + 1) into hi: false when that
 * wraps past the top (the interval is open). */
bool shape_nft_prefix_end(const struct shape_prefix *p, uint8_t hi[16]);

/* Sort elements by key, an interval end before a start at one key. */
void shape_nft_pelem_sort(struct shape_nft_pelem *el, size_t n);

#endif
