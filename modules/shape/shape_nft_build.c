/* shape_nft_build.c: the messages of the transaction shape_nft_commit()
 * sends, built into a libnftnl batch: for a table of ours, flush chain
 * egress, drop the sets no longer wanted, change the intervals of the
 * others, add new sets and the rules; else add table, delete table, add
 * table, each set and its elements, chain egress, the rules. The rules
 * are the byte code nft(8) generates for shape_nft_rule_text(), so `nft
 * list ruleset` prints them as an operator would have written them and
 * the script of --dry-run builds the same table byte for byte. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

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

#include "shape_nft_int.h"

static int txn_put(struct shape_nft_txn *t, enum shape_nft_what what, size_t idx)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct shape_nft_sent *v = reallocarray(t->sent, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->sent = v;
		t->cap = cap;
	}
	t->sent[t->n++] = (struct shape_nft_sent){ .what = what, .idx = idx };
	return nftnl_batch_update(t->b) < 0 ? -ENOMEM : 0;
}

static struct nlmsghdr *txn_hdr(struct shape_nft_txn *t, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(t->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, ++t->seq);
}

static int put_table(struct shape_nft_txn *t, uint16_t type, uint16_t flags,
		     enum shape_nft_what what)
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

static int put_chain(struct shape_nft_txn *t)
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
	rc = txn_put(t, SHAPE_NFT_W_CHAIN, 0);
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

static int put_set(struct shape_nft_txn *t, size_t i)
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
	rc = txn_put(t, SHAPE_NFT_W_SET, i);
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

/* An element as sent: open marks a start that runs to the top. */
struct xelem {
	uint8_t key[16];
	bool end, open;
};

static int xelem_cmp(const void *a, const void *b)
{
	const struct xelem *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof(x->key));

	if (c)
		return c;
	if (x->end != y->end)
		return x->end ? -1 : 1;  /* an end before a start at one key */
	return (int)x->open - (int)y->open;
}

/* What a set holds, interval by interval: [lo, hi), [lo, top] when
 * open, or a lone interval end at lo (the gap below the first prefix). */
struct xitem {
	uint8_t lo[16], hi[16];
	bool lone_end, open;
};

static int xitem_cmp(const void *a, const void *b)
{
	const struct xitem *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, sizeof(x->lo));

	if (c)
		return c;
	if (x->lone_end != y->lone_end)
		return x->lone_end ? -1 : 1;
	if (x->open != y->open)
		return x->open ? 1 : -1;
	return memcmp(x->hi, y->hi, sizeof(x->hi));
}

/* The intervals of set s as nft sends them: each prefix, and an
 * interval end at address 0 when no prefix starts there. */
static int want_items(const struct shape_nft_set *s, struct xitem **out, size_t *n)
{
	uint32_t klen = shape_nft_addr_len(s->family);
	static const uint8_t zero[16];
	struct xitem *v = calloc(s->nelems + 1, sizeof(*v));
	bool low = false;

	*out = v;
	*n = 0;
	if (!v)
		return -ENOMEM;
	for (size_t j = 0; j < s->nelems; j++) {
		struct xitem *e = &v[(*n)++];

		memcpy(e->lo, s->elems[j].addr, klen);
		e->open = !shape_nft_prefix_end(&s->elems[j], e->hi);
		if (memcmp(e->lo, zero, klen) == 0)
			low = true;
	}
	if (s->nelems && !low)
		v[(*n)++].lone_end = true;  /* at 0 */
	if (*n)
		qsort(v, *n, sizeof(*v), xitem_cmp);
	return 0;
}

/* The intervals a kept set holds: its elements sorted, each start
 * with the end that follows it (none: open), ends without a start
 * alone. */
static int have_items(const struct shape_nft_pset *d, struct xitem **out, size_t *n)
{
	struct shape_nft_pelem *el = malloc((d->nel ? d->nel : 1) * sizeof(*el));
	struct xitem *v = calloc(d->nel ? d->nel : 1, sizeof(*v));

	*out = v;
	*n = 0;
	if (!el || !v) {
		free(el);
		return -ENOMEM;
	}
	if (d->nel)
		memcpy(el, d->el, d->nel * sizeof(*el));
	shape_nft_pelem_sort(el, d->nel);
	for (size_t j = 0; j < d->nel; j++) {
		struct xitem *e = &v[(*n)++];

		memcpy(e->lo, el[j].key, sizeof(e->lo));
		if (el[j].end)
			e->lone_end = true;
		else if (j + 1 < d->nel && el[j + 1].end)
			memcpy(e->hi, el[++j].key, sizeof(e->hi));
		else
			e->open = true;
	}
	free(el);
	if (*n)
		qsort(v, *n, sizeof(*v), xitem_cmp);
	return 0;
}

/* The elements of intervals, sorted as nft sends them. */
static int items_elems(const struct xitem *it, size_t n, struct xelem **out, size_t *ne)
{
	struct xelem *v = calloc(2 * n + 1, sizeof(*v));

	*out = v;
	*ne = 0;
	if (!v)
		return -ENOMEM;
	for (size_t j = 0; j < n; j++) {
		struct xelem *e = &v[(*ne)++];

		memcpy(e->key, it[j].lo, sizeof(e->key));
		e->end = it[j].lone_end;
		e->open = it[j].open;
		if (!it[j].lone_end && !it[j].open) {
			memcpy(v[*ne].key, it[j].hi, sizeof(v[*ne].key));
			v[(*ne)++].end = true;
		}
	}
	if (*ne)
		qsort(v, *ne, sizeof(*v), xelem_cmp);
	return 0;
}

/* Elements of set i into messages of type (NEWSETELEM or DELSETELEM),
 * SHAPE_NFT_ELEMS_PER_MSG to a message. */
static int put_elem_list(struct shape_nft_txn *t, size_t i, uint16_t type,
			 enum shape_nft_what what, const struct xelem *v, size_t n)
{
	const struct shape_nft_set *s = &t->nft->sets[i];
	uint32_t klen = shape_nft_addr_len(s->family);
	uint16_t flags = type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE | NLM_F_EXCL : 0;
	int rc = 0;

	for (size_t j = 0; rc == 0 && j < n; j += SHAPE_NFT_ELEMS_PER_MSG) {
		struct nftnl_set *o = set_obj(s, i);

		if (!o)
			return -ENOMEM;
		for (size_t k = j; rc == 0 && k < n && k < j + SHAPE_NFT_ELEMS_PER_MSG; k++)
			rc = add_elem(o, v[k].key, klen, v[k].end, v[k].open);
		if (rc == 0) {
			nftnl_set_elems_nlmsg_build_payload(txn_hdr(t, type, flags), o);
			rc = txn_put(t, what, i);
		}
		nftnl_set_free(o);
	}
	return rc;
}

static int put_items(struct shape_nft_txn *t, size_t i, uint16_t type, enum shape_nft_what what,
		     const struct xitem *it, size_t n)
{
	struct xelem *v;
	size_t ne;
	int rc = items_elems(it, n, &v, &ne);

	if (rc == 0)
		rc = put_elem_list(t, i, type, what, v, ne);
	free(v);
	return rc;
}

static int put_elems(struct shape_nft_txn *t, size_t i)
{
	struct xitem *v;
	size_t n;
	int rc = want_items(&t->nft->sets[i], &v, &n);

	if (rc == 0)
		rc = put_items(t, i, NFT_MSG_NEWSETELEM, SHAPE_NFT_W_ELEMS, v, n);
	free(v);
	return rc;
}

/* A kept set: delete the intervals it has and should not, then add
 * those it lacks; an interval that stays is not touched, so lookups
 * in it never miss. Whole intervals, not single elements: an end
 * added inside an interval still there is an overlap to the kernel
 * (a split), so the interval goes and its parts come. */
static int diff_elems(struct shape_nft_txn *t, size_t i, const struct shape_nft_pset *d)
{
	struct xitem *want = NULL, *have = NULL, *del = NULL, *add = NULL;
	size_t nw = 0, nh = 0, nd = 0, na = 0, a = 0, b = 0;
	int rc;

	rc = want_items(&t->nft->sets[i], &want, &nw);
	if (rc == 0)
		rc = have_items(d, &have, &nh);
	if (rc == 0) {
		del = calloc(nh + 1, sizeof(*del));
		add = calloc(nw + 1, sizeof(*add));
		if (!del || !add)
			rc = -ENOMEM;
	}
	while (rc == 0 && (a < nw || b < nh)) {
		int c = a == nw ? 1 : b == nh ? -1 : xitem_cmp(&want[a], &have[b]);

		if (c < 0)
			add[na++] = want[a++];
		else if (c > 0)
			del[nd++] = have[b++];
		else
			a++, b++;
	}
	if (rc == 0)
		rc = put_items(t, i, NFT_MSG_DELSETELEM, SHAPE_NFT_W_ELEMS_DEL, del, nd);
	if (rc == 0)
		rc = put_items(t, i, NFT_MSG_NEWSETELEM, SHAPE_NFT_W_ELEMS, add, na);
	free(want);
	free(have);
	free(del);
	free(add);
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

static int put_rule(struct shape_nft_txn *t, size_t i)
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
	rc = txn_put(t, SHAPE_NFT_W_RULE, i);
out:
	if (r)
		nftnl_rule_free(r);
	return rc;
}

/* Flush chain egress: a rule delete with the chain and no handle. */
static int put_flush(struct shape_nft_txn *t)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	int rc = -ENOMEM;

	if (!r || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, SHAPE_NFT_TABLE) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, SHAPE_NFT_CHAIN) < 0)
		goto out;
	nftnl_rule_nlmsg_build_payload(txn_hdr(t, NFT_MSG_DELRULE, 0), r);
	rc = txn_put(t, SHAPE_NFT_W_FLUSH, 0);
out:
	if (r)
		nftnl_rule_free(r);
	return rc;
}

static int put_set_del(struct shape_nft_txn *t, size_t i)
{
	struct nftnl_set *o = nftnl_set_alloc();
	int rc = -ENOMEM;

	if (!o || nftnl_set_set_str(o, NFTNL_SET_TABLE, SHAPE_NFT_TABLE) < 0 ||
	    nftnl_set_set_str(o, NFTNL_SET_NAME, t->old->sets[i].name) < 0)
		goto out;
	nftnl_set_nlmsg_build_payload(txn_hdr(t, NFT_MSG_DELSET, 0), o);
	rc = txn_put(t, SHAPE_NFT_W_SET_DEL, i);
out:
	if (o)
		nftnl_set_free(o);
	return rc;
}

/* The old set of the same name when it can stay: usable, same family. */
static const struct shape_nft_pset *old_set(const struct shape_nft_txn *t, const char *name,
					    uint8_t family)
{
	for (size_t i = 0; t->old && i < t->old->nsets; i++) {
		const struct shape_nft_pset *d = &t->old->sets[i];

		if (strcmp(d->name, name) == 0)
			return d->usable && !d->anonymous && d->family == family ? d : NULL;
	}
	return NULL;
}

/* Whether old set i stays (a set of the same name and family is wanted). */
static bool kept(const struct shape_nft_txn *t, size_t i)
{
	const struct shape_nft_pset *d = &t->old->sets[i];

	for (size_t j = 0; j < t->nft->nsets; j++)
		if (strcmp(t->nft->sets[j].name, d->name) == 0)
			return old_set(t, d->name, t->nft->sets[j].family) != NULL;
	return false;
}

static int put_content(struct shape_nft_txn *t, bool chain)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < t->nft->nsets; i++) {
		const struct shape_nft_set *s = &t->nft->sets[i];
		const struct shape_nft_pset *d = t->in_place ? old_set(t, s->name, s->family) : NULL;

		if (d) {
			rc = diff_elems(t, i, d);
			continue;
		}
		rc = put_set(t, i);
		if (!rc)
			rc = put_elems(t, i);
	}
	if (!rc && chain)
		rc = put_chain(t);
	for (size_t i = 0; !rc && i < t->nft->nrules; i++)
		rc = put_rule(t, i);
	return rc;
}

int shape_nft_txn_build(struct shape_nft_txn *t)
{
	struct nlmsghdr *begin;
	int rc;

	begin = nftnl_batch_begin(nftnl_batch_buffer(t->b), t->seq0);
	if (t->in_place)
		mnl_attr_put_u32(begin, NFNL_BATCH_GENID, htonl(t->genid));
	if (nftnl_batch_update(t->b) < 0)
		return -ENOMEM;
	rc = put_table(t, NFT_MSG_NEWTABLE, NLM_F_CREATE, SHAPE_NFT_W_TABLE_ADD);
	if (!rc && t->nft && t->in_place) {
		/* Rules first: the old sets are free to go once nothing in
		 * the new generation looks them up (anonymous ones go with
		 * their rules). */
		rc = put_flush(t);
		for (size_t i = 0; !rc && i < t->old->nsets; i++)
			if (!t->old->sets[i].anonymous && !kept(t, i))
				rc = put_set_del(t, i);
		if (!rc)
			rc = put_content(t, false);
	} else {
		if (!rc)
			rc = put_table(t, NFT_MSG_DELTABLE, 0, SHAPE_NFT_W_TABLE_DEL);
		if (!rc && t->nft)
			rc = put_table(t, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL,
				       SHAPE_NFT_W_TABLE_ADD);
		if (!rc && t->nft)
			rc = put_content(t, true);
	}
	if (rc)
		return rc;
	nftnl_batch_end(nftnl_batch_buffer(t->b), t->seq + 1);
	return nftnl_batch_update(t->b) < 0 ? -ENOMEM : 0;
}
