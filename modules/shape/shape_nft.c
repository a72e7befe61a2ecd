/* shape_nft.c: replacing table inet outpost in one nftables transaction.
 *
 * Everything goes into one libnftnl batch (NFNL_MSG_BATCH_BEGIN ...
 * END) sent with one sendmsg(2): the kernel applies all of it or, on
 * any refusal, none of it. The table is added, deleted and added again
 * inside the batch, so the replacement works whether or not the table
 * was there and no packet ever sees half of the old and half of the
 * new ruleset. Every message asks for an ack; the first refusal is
 * named by the object it carried (the model's set or rule) with the
 * kernel's extended-ACK text. The rules are the byte code nft(8)
 * itself generates for the same text (shape_nft_script.c), so `nft
 * list ruleset` prints them as an operator would have written them. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nl.h"
#include "shape_nft_int.h"

/* Batch pages like nft's; no single message of ours comes near the
 * overrun (elements go ELEMS_PER_MSG to a message). */
#define PAGE_SIZE_B (128u * 1024u)
#define OVERRUN_B (64u * 1024u + 4096u)
#define ELEMS_PER_MSG 256u
#define ACK_TIMEOUT_MS 5000

enum what { W_TABLE_ADD, W_TABLE_DEL, W_SET, W_ELEMS, W_CHAIN, W_RULE };

struct sent {
	enum what what;
	size_t idx;  /* set or rule index */
	bool acked;
};

struct txn {
	const struct shape_nft *nft;
	struct nftnl_batch *b;
	uint32_t seq0, seq;  /* seq0: the batch begin */
	struct sent *sent;
	size_t n, cap;
	struct iovec *iov;  /* the batch as sent, to find a refused element */
	int niov;
};

static int txn_put(struct txn *t, enum what what, size_t idx)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct sent *v = reallocarray(t->sent, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->sent = v;
		t->cap = cap;
	}
	t->sent[t->n++] = (struct sent){ .what = what, .idx = idx };
	return nftnl_batch_update(t->b) < 0 ? -ENOMEM : 0;
}

static struct nlmsghdr *txn_hdr(struct txn *t, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(t->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, ++t->seq);
}

static int put_table(struct txn *t, uint16_t type, uint16_t flags, enum what what)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	int rc = -ENOMEM;

	if (!tb || nftnl_table_set_str(tb, NFTNL_TABLE_NAME, SHAPE_NFT_TABLE) < 0)
		goto out;
	nftnl_table_nlmsg_build_payload(txn_hdr(t, type, flags), tb);
	rc = txn_put(t, what, 0);
out:
	if (tb)
		nftnl_table_free(tb);
	return rc;
}

static int put_chain(struct txn *t)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	int rc = -ENOMEM;

	if (!c || nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, SHAPE_NFT_TABLE) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, SHAPE_NFT_CHAIN) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter") < 0)
		goto out;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, SHAPE_NFT_PRIO);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(txn_hdr(t, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL), c);
	rc = txn_put(t, W_CHAIN, 0);
out:
	if (c)
		nftnl_chain_free(c);
	return rc;
}

/* A set object naming set i of the transaction (by name and by its
 * transaction id, as nft does for objects of the same batch). */
static struct nftnl_set *set_obj(const struct shape_nft_set *s, size_t i)
{
	struct nftnl_set *o = nftnl_set_alloc();

	if (!o || nftnl_set_set_str(o, NFTNL_SET_TABLE, SHAPE_NFT_TABLE) < 0 ||
	    nftnl_set_set_str(o, NFTNL_SET_NAME, s->name) < 0) {
		if (o)
			nftnl_set_free(o);
		return NULL;
	}
	nftnl_set_set_u32(o, NFTNL_SET_ID, (uint32_t)i + 1);
	return o;
}

static int put_set(struct txn *t, size_t i)
{
	const struct shape_nft_set *s = &t->nft->sets[i];
	struct nftnl_set *o = set_obj(s, i);
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
	int rc = -ENOMEM;

	if (!o || !ud)
		goto out;
	nftnl_set_set_u32(o, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
	nftnl_set_set_u32(o, NFTNL_SET_KEY_TYPE,
			  s->family == AF_INET6 ? SHAPE_NFT_TYPE_IP6ADDR : SHAPE_NFT_TYPE_IPADDR);
	nftnl_set_set_u32(o, NFTNL_SET_KEY_LEN, shape_nft_addr_len(s->family));
	/* What nft records so its listing knows the key's byte order. */
	if (!nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, SHAPE_NFT_BYTEORDER_BIG) ||
	    nftnl_set_set_data(o, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			       nftnl_udata_buf_len(ud)) < 0)
		goto out;
	nftnl_set_nlmsg_build_payload(txn_hdr(t, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL), o);
	rc = txn_put(t, W_SET, i);
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	if (o)
		nftnl_set_free(o);
	return rc;
}

/* One element of an interval set: a start (end false) or the end of
 * the interval before it; open marks a start that runs to the top. */
static int add_elem(struct nftnl_set *o, const uint8_t *key, uint32_t klen, bool end, bool open)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nftnl_udata_buf *ud = NULL;
	int rc = -ENOMEM;

	if (!e || nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, klen) < 0)
		goto fail;
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	if (open) {
		ud = nftnl_udata_buf_alloc(16);
		if (!ud ||
		    !nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_ELEM_FLAGS,
					 SHAPE_NFT_ELEM_F_INTERVAL_OPEN) ||
		    nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
				       nftnl_udata_buf_len(ud)) < 0)
			goto fail;
		nftnl_udata_buf_free(ud);
	}
	nftnl_set_elem_add(o, e);
	return 0;
fail:
	if (ud)
		nftnl_udata_buf_free(ud);
	if (e)
		nftnl_set_elem_free(e);
	return rc;
}

static int flush_elems(struct txn *t, size_t i, struct nftnl_set **o, size_t *count)
{
	int rc;

	if (*count) {
		nftnl_set_elems_nlmsg_build_payload(
			txn_hdr(t, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL), *o);
		rc = txn_put(t, W_ELEMS, i);
		if (rc < 0)
			return rc;
	}
	if (*o)
		nftnl_set_free(*o);
	*o = set_obj(&t->nft->sets[i], i);
	*count = 0;
	return *o ? 0 : -ENOMEM;
}

/* The elements as nft sends them: an interval end at address 0 when
 * the first prefix does not start there (the gap below it), then each
 * prefix's start and, unless it reaches the top, its end. */
static int put_elems(struct txn *t, size_t i)
{
	const struct shape_nft_set *s = &t->nft->sets[i];
	uint32_t klen = shape_nft_addr_len(s->family);
	static const uint8_t zero[16];
	struct nftnl_set *o = NULL;
	size_t count = 0;
	uint8_t hi[16];
	int rc;

	rc = flush_elems(t, i, &o, &count);
	for (size_t j = 0; rc == 0 && j < s->nelems; j++) {
		const struct shape_prefix *p = &s->elems[j];
		bool closed = shape_nft_prefix_end(p, hi);

		if (j == 0 && memcmp(p->addr, zero, klen) != 0) {
			rc = add_elem(o, zero, klen, true, false);
			count++;
		}
		if (rc == 0)
			rc = add_elem(o, p->addr, klen, false, !closed);
		if (rc == 0 && closed)
			rc = add_elem(o, hi, klen, true, false);
		count += closed ? 2 : 1;
		if (rc == 0 && count >= ELEMS_PER_MSG)
			rc = flush_elems(t, i, &o, &count);
	}
	if (rc == 0)
		rc = flush_elems(t, i, &o, &count);
	if (o)
		nftnl_set_free(o);
	return rc;
}

/* ---- rule expressions ---- */

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static int meta_load(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return add_expr(r, e);
}

static int cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		if (nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len) < 0) {
			nftnl_expr_free(e);
			e = NULL;
		}
	}
	return add_expr(r, e);
}

static int payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	return add_expr(r, e);
}

static int lookup(struct nftnl_rule *r, const struct shape_nft *n, int set, bool src,
		  uint8_t family)
{
	struct nftnl_expr *e;
	int rc;

	rc = payload(r, NFT_PAYLOAD_NETWORK_HEADER, shape_nft_addr_off(family, src),
		     shape_nft_addr_len(family));
	if (rc < 0)
		return rc;
	e = nftnl_expr_alloc("lookup");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)set + 1);
		if (nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, n->sets[set].name) < 0) {
			nftnl_expr_free(e);
			e = NULL;
		}
	}
	return add_expr(r, e);
}

static int rule_exprs(struct nftnl_rule *r, const struct shape_nft *n,
		      const struct shape_nft_rule *m)
{
	char ifname[16] = { 0 };
	uint8_t nfproto = m->family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	uint16_t lo = htons(m->port_lo), hi = htons(m->port_hi);
	struct nftnl_expr *e;
	int rc;

	/* nft compares the whole IFNAMSIZ buffer, zero padded. */
	memcpy(ifname, m->oif, strnlen(m->oif, sizeof(m->oif) - 1));
	rc = meta_load(r, NFT_META_OIFNAME);
	if (!rc)
		rc = cmp(r, NFT_CMP_EQ, ifname, sizeof(ifname));
	/* The guard nft adds before an ip/ip6 payload in an inet chain;
	 * family 0 (ports only) holds for both. */
	if (!rc && m->family)
		rc = meta_load(r, NFT_META_NFPROTO);
	if (!rc && m->family)
		rc = cmp(r, NFT_CMP_EQ, &nfproto, 1);
	if (!rc && m->saddr_set >= 0)
		rc = lookup(r, n, m->saddr_set, true, m->family);
	if (!rc && m->daddr_set >= 0)
		rc = lookup(r, n, m->daddr_set, false, m->family);
	if (!rc && m->ipproto) {
		rc = meta_load(r, NFT_META_L4PROTO);
		if (!rc)
			rc = cmp(r, NFT_CMP_EQ, &m->ipproto, 1);
		if (!rc)
			rc = payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, m->sport ? 0 : 2, 2);
		if (!rc && m->port_lo == m->port_hi)
			rc = cmp(r, NFT_CMP_EQ, &lo, 2);
		else if (!rc) {
			/* nft writes a range as two comparisons on network order. */
			rc = cmp(r, NFT_CMP_GTE, &lo, 2);
			if (!rc)
				rc = cmp(r, NFT_CMP_LTE, &hi, 2);
		}
	}
	if (!rc)
		rc = add_expr(r, nftnl_expr_alloc("counter"));
	if (!rc) {
		e = nftnl_expr_alloc("immediate");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DATA, m->priority);
		}
		rc = add_expr(r, e);
	}
	if (!rc) {
		e = nftnl_expr_alloc("meta");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_PRIORITY);
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
		}
		rc = add_expr(r, e);
	}
	if (!rc) {
		e = nftnl_expr_alloc("immediate");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
			nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
		}
		rc = add_expr(r, e);
	}
	return rc;
}

static int put_rule(struct txn *t, size_t i)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	int rc = -ENOMEM;

	if (!r || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, SHAPE_NFT_TABLE) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, SHAPE_NFT_CHAIN) < 0)
		goto out;
	rc = rule_exprs(r, t->nft, &t->nft->rules[i]);
	if (rc < 0)
		goto out;
	nftnl_rule_nlmsg_build_payload(
		txn_hdr(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), r);
	rc = txn_put(t, W_RULE, i);
out:
	if (r)
		nftnl_rule_free(r);
	return rc;
}

static int build(struct txn *t)
{
	int rc;

	nftnl_batch_begin(nftnl_batch_buffer(t->b), t->seq0);
	if (nftnl_batch_update(t->b) < 0)
		return -ENOMEM;
	rc = put_table(t, NFT_MSG_NEWTABLE, NLM_F_CREATE, W_TABLE_ADD);
	if (!rc)
		rc = put_table(t, NFT_MSG_DELTABLE, 0, W_TABLE_DEL);
	if (!rc && t->nft) {
		rc = put_table(t, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, W_TABLE_ADD);
		for (size_t i = 0; !rc && i < t->nft->nsets; i++) {
			rc = put_set(t, i);
			if (!rc)
				rc = put_elems(t, i);
		}
		if (!rc)
			rc = put_chain(t);
		for (size_t i = 0; !rc && i < t->nft->nrules; i++)
			rc = put_rule(t, i);
	}
	if (rc)
		return rc;
	nftnl_batch_end(nftnl_batch_buffer(t->b), t->seq + 1);
	return nftnl_batch_update(t->b) < 0 ? -ENOMEM : 0;
}

/* ---- talking to the kernel ---- */

static int txn_send(int fd, struct txn *t)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { 0 };
	size_t total = 0;
	ssize_t w;
	int size;

	t->niov = nftnl_batch_iovec_len(t->b);
	t->iov = calloc((size_t)t->niov, sizeof(*t->iov));
	if (!t->iov)
		return -ENOMEM;
	nftnl_batch_iovec(t->b, t->iov, (uint32_t)t->niov);
	for (int i = 0; i < t->niov; i++)
		total += t->iov[i].iov_len;
	/* The whole batch is one datagram: the send buffer must hold it. */
	size = total + 65536 > (size_t)1 << 30 ? 1 << 30 : (int)(total + 65536);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = t->iov;
	msg.msg_iovlen = (size_t)t->niov;
	do
		w = sendmsg(fd, &msg, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == total ? 0 : -EIO;
}

/* The offset into the refused message of the attribute the kernel
 * blames (NLMSGERR_ATTR_OFFS), when it sent one. */
static bool ack_offset(const struct nlmsghdr *nlh, uint32_t *off)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t pos = NLMSG_HDRLEN + sizeof(*e), end = nlh->nlmsg_len;
	const unsigned char *p = (const unsigned char *)nlh;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		pos += NLMSG_ALIGN(e->msg.nlmsg_len >= NLMSG_HDRLEN ? e->msg.nlmsg_len - NLMSG_HDRLEN
								   : 0);
	while (pos + sizeof(struct nlattr) <= end) {
		struct nlattr a;

		memcpy(&a, p + pos, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > end - pos)
			return false;
		if ((a.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_OFFS && a.nla_len == sizeof(a) + 4) {
			memcpy(off, p + pos + sizeof(a), 4);
			return true;
		}
		pos += NLMSG_ALIGN((size_t)a.nla_len);
	}
	return false;
}

/* The message of the batch with this sequence number (our own bytes:
 * pages hold whole messages). */
static const struct nlmsghdr *sent_msg(const struct txn *t, uint32_t seq)
{
	for (int i = 0; i < t->niov; i++) {
		const struct nlmsghdr *m = t->iov[i].iov_base;
		size_t left = t->iov[i].iov_len;

		for (; nl_msg_ok(m, left); m = nl_msg_next(m, &left))
			if (m->nlmsg_seq == seq)
				return m;
	}
	return NULL;
}

/* The element at byte off of the refused element message, as the
 * prefix of set s it starts or ends: " { 10.1.0.0/16 }", or "". */
static void blamed_elem(const struct txn *t, uint32_t seq, uint32_t off,
			const struct shape_nft_set *s, char *out, size_t len)
{
	const struct nlmsghdr *m = sent_msg(t, seq);
	const struct nlattr *a, *list = NULL, *k;
	uint32_t klen = shape_nft_addr_len(s->family);
	char p[64];

	out[0] = '\0';
	if (!m)
		return;
	mnl_attr_for_each(a, m, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	if (!list)
		return;
	mnl_attr_for_each_nested(a, list) {
		size_t start = (size_t)((const char *)a - (const char *)m);

		if (off < start || off >= start + a->nla_len)
			continue;
		mnl_attr_for_each_nested(k, a) {
			const struct nlattr *v = mnl_attr_get_payload(k);

			if (mnl_attr_get_type(k) != NFTA_SET_ELEM_KEY ||
			    mnl_attr_get_payload_len(v) != klen)
				continue;
			for (size_t j = 0; j < s->nelems; j++) {
				uint8_t hi[16];
				bool closed = shape_nft_prefix_end(&s->elems[j], hi);

				if (memcmp(s->elems[j].addr, mnl_attr_get_payload(v), klen) == 0 ||
				    (closed && memcmp(hi, mnl_attr_get_payload(v), klen) == 0)) {
					shape_prefix_format(&s->elems[j], p, sizeof(p));
					snprintf(out, len, " { %s }", p);
					return;
				}
			}
		}
		return;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void describe(const struct txn *t, const struct sent *s, const char *elem, int err,
		     const char *extack, char *why, size_t whylen)
{
	char obj[700];

	switch (s ? s->what : W_TABLE_ADD) {
	case W_TABLE_ADD:
		snprintf(obj, sizeof(obj), "%s table inet " SHAPE_NFT_TABLE,
			 s ? "add" : "nftables batch for");
		break;
	case W_TABLE_DEL:
		snprintf(obj, sizeof(obj), "delete table inet " SHAPE_NFT_TABLE);
		break;
	case W_SET:
	case W_ELEMS:
		snprintf(obj, sizeof(obj), "add %s inet " SHAPE_NFT_TABLE " %s%s",
			 s->what == W_SET ? "set" : "element", t->nft->sets[s->idx].name, elem);
		break;
	case W_CHAIN:
		snprintf(obj, sizeof(obj), "add chain inet " SHAPE_NFT_TABLE " " SHAPE_NFT_CHAIN);
		break;
	case W_RULE: {
		char rule[512];

		shape_nft_rule_text(t->nft, &t->nft->rules[s->idx], rule, sizeof(rule));
		snprintf(obj, sizeof(obj), "add rule inet " SHAPE_NFT_TABLE " " SHAPE_NFT_CHAIN " %s",
			 rule);
		break;
	}
	}
	snprintf(why, whylen, "%s: %s", obj, extack && *extack ? extack : strerror(-err));
}

/* Read the acks of every message until all have come (the kernel
 * queues them all before sendmsg returns; the timeout only guards
 * against a kernel that does otherwise), or until the batch itself was
 * refused. The first refusal in batch order goes into why. */
static int txn_acks(int fd, struct txn *t, char *why, size_t whylen)
{
	size_t got = 0, first = SIZE_MAX, bufsz = 65536;
	int64_t deadline = now_ms() + ACK_TIMEOUT_MS;
	int rc = 0, first_err = 0;
	char *buf = malloc(bufsz);

	if (!buf)
		return -ENOMEM;
	while (got < t->n) {
		const struct nlmsghdr *nlh;
		size_t left;
		ssize_t r = recv(fd, buf, bufsz, MSG_DONTWAIT);

		if (r < 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int64_t wait = deadline - now_ms();

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				rc = -errno;
				break;
			}
			if (wait <= 0 || poll(&pfd, 1, (int)wait) == 0) {
				rc = -ETIMEDOUT;
				break;
			}
			continue;
		}
		left = (size_t)r;
		for (nlh = (const void *)buf; nl_msg_ok(nlh, left); nlh = nl_msg_next(nlh, &left)) {
			const char *txt;
			size_t tl, idx;
			int err;

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nl_parse_error(nlh, left, &err, &txt, &tl) < 0)
				continue;
			if (nlh->nlmsg_seq == t->seq0) {
				/* The batch as a whole (no permission, say): no
				 * message in it was looked at. */
				if (err < 0) {
					describe(t, NULL, "", err, txt, why, whylen);
					rc = err;
					goto out;
				}
				continue;
			}
			idx = (size_t)(nlh->nlmsg_seq - t->seq0 - 1);
			if (idx >= t->n || t->sent[idx].acked)
				continue;
			t->sent[idx].acked = true;
			got++;
			if (err < 0 && idx < first) {
				char elem[80] = "";
				uint32_t off;

				if (t->sent[idx].what == W_ELEMS && ack_offset(nlh, &off))
					blamed_elem(t, nlh->nlmsg_seq, off,
						    &t->nft->sets[t->sent[idx].idx], elem,
						    sizeof(elem));
				first = idx;
				first_err = err;
				describe(t, &t->sent[idx], elem, err, txt, why, whylen);
			}
		}
	}
	if (first != SIZE_MAX)
		rc = first_err;
	else if (rc < 0)
		snprintf(why, whylen, "nftables transaction: %s (%zu of %zu acks)", strerror(-rc), got,
			 t->n);
out:
	free(buf);
	return rc;
}

int shape_nft_commit(const struct shape_nft *nft, char *why, size_t whylen)
{
	struct txn t = { .nft = nft };
	struct nl_sock *s = NULL;
	char dummy[1];
	int rc;

	if (!why || !whylen) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (nft) {
		rc = shape_nft_check(nft, why, whylen);
		if (rc < 0)
			return rc;
	}
	t.b = nftnl_batch_alloc(PAGE_SIZE_B, OVERRUN_B);
	if (!t.b)
		return -ENOMEM;
	t.seq0 = (uint32_t)time(NULL);
	t.seq = t.seq0;
	rc = build(&t);
	if (rc < 0) {
		snprintf(why, whylen, "building the nftables batch: %s", strerror(-rc));
		goto out;
	}
	rc = nl_open(NETLINK_NETFILTER, 0, &s);
	if (rc == 0)
		rc = txn_send(nl_fd(s), &t);
	if (rc < 0) {
		snprintf(why, whylen, "sending the nftables batch: %s", strerror(-rc));
		goto out;
	}
	rc = txn_acks(nl_fd(s), &t, why, whylen);
out:
	nl_close(s);
	nftnl_batch_free(t.b);
	free(t.iov);
	free(t.sent);
	return rc;
}
