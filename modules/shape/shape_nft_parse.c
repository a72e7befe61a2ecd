/* shape_nft_parse.c: dumped nftables messages back into the model.
 *
 * libnftnl parses each message (its attribute walks check every
 * length); this file recognises, in what it parsed, exactly the
 * objects shape_nft.c writes: the table without flags, interval sets
 * of IPv4 or IPv6 addresses, chain egress as a filter hook at
 * postrouting priority mangle, and rules of the byte code sequence of
 * shape_nft_rule_text(). Anything else in the table makes it foreign:
 * the model cannot say it, so it never equals a plan and apply
 * replaces it. Messages of other tables and families are none of our
 * business and are skipped. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "shape_nft_int.h"

#define MAX_EXPRS 24

static bool ours(const char *table)
{
	return table && strcmp(table, SHAPE_NFT_TABLE) == 0;
}

static void host_bits(struct shape_prefix *p, unsigned bytes, bool one)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = p->len >= (i + 1) * 8 ? 8 : p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t mask = keep ? (uint8_t)(0xffu << (8 - keep)) : 0;

		p->addr[i] = one ? (uint8_t)(p->addr[i] | ~mask) : (uint8_t)(p->addr[i] & mask);
	}
}

bool shape_nft_prefix_end(const struct shape_prefix *p, uint8_t hi[16])
{
	struct shape_prefix q = *p;
	unsigned bytes = shape_nft_addr_len(p->family);

	host_bits(&q, bytes, true);
	for (unsigned i = bytes; i-- > 0;) {
		if (++q.addr[i] != 0) {
			memcpy(hi, q.addr, bytes);
			return true;
		}
	}
	return false;  /* carried out of the top: open to the end */
}

int shape_nft_range_prefix(uint8_t family, const uint8_t *lo, const uint8_t *hi,
			   struct shape_prefix *out)
{
	unsigned bytes = shape_nft_addr_len(family);
	uint8_t end[16];

	for (unsigned len = 0; len <= bytes * 8; len++) {
		struct shape_prefix p = { .family = family, .len = (uint8_t)len };
		bool closed;

		memcpy(p.addr, lo, bytes);
		host_bits(&p, bytes, false);
		if (memcmp(p.addr, lo, bytes) != 0)
			continue;  /* lo has host bits at this length */
		closed = shape_nft_prefix_end(&p, end);
		if (hi ? closed && memcmp(end, hi, bytes) == 0 : !closed) {
			*out = p;
			return 0;
		}
	}
	return -EINVAL;
}

static struct shape_nft_pset *find_set(struct shape_nft_parse *p, const char *name)
{
	for (size_t i = 0; name && i < p->nsets; i++)
		if (strcmp(p->sets[i].name, name) == 0)
			return &p->sets[i];
	return NULL;
}

static int parse_table(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return -ENOMEM;
	if (nftnl_table_nlmsg_parse(nlh, t) < 0)
		p->foreign = true;
	else if (ours(nftnl_table_get_str(t, NFTNL_TABLE_NAME))) {
		p->present = true;
		if (nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) != 0)
			p->foreign = true;  /* dormant or owned: not what commit makes */
	}
	if (t)
		nftnl_table_free(t);
	return 0;
}

static int parse_set(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct shape_nft_pset *d;
	const char *name;
	uint32_t type, klen;
	int rc = 0;

	if (!s)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		p->foreign = true;
		goto out;
	}
	if (!ours(nftnl_set_get_str(s, NFTNL_SET_TABLE)))
		goto out;
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	if (!name || strlen(name) >= sizeof(d->name) || find_set(p, name)) {
		p->foreign = true;
		goto out;
	}
	if (p->nsets == p->capsets) {
		size_t cap = p->capsets ? p->capsets * 2 : 16;
		struct shape_nft_pset *v = reallocarray(p->sets, cap, sizeof(*v));

		if (!v) {
			rc = -ENOMEM;
			goto out;
		}
		p->sets = v;
		p->capsets = cap;
	}
	d = &p->sets[p->nsets++];
	memset(d, 0, sizeof(*d));
	strcpy(d->name, name);
	type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
	klen = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	d->family = type == SHAPE_NFT_TYPE_IPADDR && klen == 4	     ? AF_INET
		    : type == SHAPE_NFT_TYPE_IP6ADDR && klen == 16 ? AF_INET6
								   : 0;
	d->usable = d->family && nftnl_set_get_u32(s, NFTNL_SET_FLAGS) == NFT_SET_INTERVAL &&
		    !nftnl_set_is_set(s, NFTNL_SET_DATA_TYPE) &&
		    !nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT);
	if (!d->usable)
		p->foreign = true;
out:
	if (s)
		nftnl_set_free(s);
	return rc;
}

static int elem_cb(struct nftnl_set_elem *e, void *arg)
{
	struct shape_nft_pset *d = arg;
	const void *key;
	uint32_t len = 0, flags = 0;

	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
	if (!key || len != shape_nft_addr_len(d->family) || (flags & ~NFT_SET_ELEM_INTERVAL_END) ||
	    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA) ||
	    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT) ||
	    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT) ||
	    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) {
		d->usable = false;
		return 0;
	}
	if (d->nel == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct shape_nft_pelem *v = reallocarray(d->el, cap, sizeof(*v));

		if (!v)
			return -1;
		d->el = v;
		d->cap = cap;
	}
	memset(&d->el[d->nel], 0, sizeof(d->el[0]));
	memcpy(d->el[d->nel].key, key, len);
	d->el[d->nel++].end = flags & NFT_SET_ELEM_INTERVAL_END;
	return 0;
}

static int parse_elems(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct shape_nft_pset *d;
	int rc = 0;

	if (!s)
		return -ENOMEM;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		p->foreign = true;
		goto out;
	}
	if (!ours(nftnl_set_get_str(s, NFTNL_SET_TABLE)))
		goto out;
	d = find_set(p, nftnl_set_get_str(s, NFTNL_SET_NAME));
	if (!d || !d->usable) {
		p->foreign = true;
		goto out;
	}
	if (nftnl_set_elem_foreach(s, elem_cb, d) < 0)
		rc = -ENOMEM;
	if (!d->usable)
		p->foreign = true;
out:
	if (s)
		nftnl_set_free(s);
	return rc;
}

static int parse_chain(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *type;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		p->foreign = true;
		goto out;
	}
	if (!ours(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE)))
		goto out;
	type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	if (p->chain || !nftnl_chain_get_str(c, NFTNL_CHAIN_NAME) ||
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), SHAPE_NFT_CHAIN) != 0 ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) != NF_INET_POST_ROUTING ||
	    nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO) != SHAPE_NFT_PRIO || !type ||
	    strcmp(type, "filter") != 0 || nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_ACCEPT ||
	    nftnl_chain_is_set(c, NFTNL_CHAIN_DEV) ||
	    (nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS) & ~(uint32_t)NFT_CHAIN_BASE))
		p->foreign = true;
	else
		p->chain = true;
out:
	if (c)
		nftnl_chain_free(c);
	return 0;
}

/* ---- rules: the expression sequence of shape_nft_rule_text() ---- */

static bool named(const struct nftnl_expr *e, const char *name)
{
	const char *n = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	return n && strcmp(n, name) == 0;
}

static bool u32_is(const struct nftnl_expr *e, uint16_t attr, uint32_t v)
{
	return nftnl_expr_is_set(e, attr) && nftnl_expr_get_u32(e, attr) == v;
}

static bool meta_load(const struct nftnl_expr *e, uint32_t key)
{
	return named(e, "meta") && u32_is(e, NFTNL_EXPR_META_KEY, key) &&
	       u32_is(e, NFTNL_EXPR_META_DREG, NFT_REG_1) && !nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG);
}

/* A comparison of register 1 with op: its data when it has len bytes. */
static const uint8_t *cmp_data(const struct nftnl_expr *e, uint32_t op, uint32_t len)
{
	const void *d;
	uint32_t got = 0;

	if (!named(e, "cmp") || !u32_is(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1) ||
	    !u32_is(e, NFTNL_EXPR_CMP_OP, op))
		return NULL;
	d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &got);
	return d && got == len ? d : NULL;
}

static bool payload_load(const struct nftnl_expr *e, uint32_t base, uint32_t off, uint32_t len)
{
	return named(e, "payload") && u32_is(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1) &&
	       u32_is(e, NFTNL_EXPR_PAYLOAD_BASE, base) && u32_is(e, NFTNL_EXPR_PAYLOAD_OFFSET, off) &&
	       u32_is(e, NFTNL_EXPR_PAYLOAD_LEN, len) && !nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_SREG);
}

/* payload load of the address, then a plain (not inverted) lookup. */
static bool addr_lookup(struct nftnl_expr **e, size_t n, size_t *i, uint8_t family, bool src,
			char name[48])
{
	const char *set;

	if (*i + 1 >= n || !payload_load(e[*i], NFT_PAYLOAD_NETWORK_HEADER,
					 shape_nft_addr_off(family, src),
					 shape_nft_addr_len(family)))
		return false;
	if (!named(e[*i + 1], "lookup") || !u32_is(e[*i + 1], NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1) ||
	    nftnl_expr_is_set(e[*i + 1], NFTNL_EXPR_LOOKUP_DREG) ||
	    nftnl_expr_get_u32(e[*i + 1], NFTNL_EXPR_LOOKUP_FLAGS) != 0)
		return false;
	set = nftnl_expr_get_str(e[*i + 1], NFTNL_EXPR_LOOKUP_SET);
	if (!set || strlen(set) >= 48)
		return false;
	strcpy(name, set);
	*i += 2;
	return true;
}

static bool ports(struct nftnl_expr **e, size_t n, size_t *i, struct shape_nft_rule *r)
{
	const uint8_t *d;
	uint16_t lo, hi;

	if (*i + 3 >= n || !meta_load(e[*i], NFT_META_L4PROTO))
		return true;  /* no port match: fine */
	d = cmp_data(e[*i + 1], NFT_CMP_EQ, 1);
	if (!d || (*d != IPPROTO_TCP && *d != IPPROTO_UDP))
		return false;
	r->ipproto = *d;
	if (payload_load(e[*i + 2], NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2))
		r->sport = true;
	else if (!payload_load(e[*i + 2], NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2))
		return false;
	if ((d = cmp_data(e[*i + 3], NFT_CMP_EQ, 2))) {
		memcpy(&lo, d, 2);
		r->port_lo = r->port_hi = ntohs(lo);
		*i += 4;
		return true;
	}
	if (*i + 4 >= n || !(d = cmp_data(e[*i + 3], NFT_CMP_GTE, 2)))
		return false;
	memcpy(&lo, d, 2);
	if (!(d = cmp_data(e[*i + 4], NFT_CMP_LTE, 2)))
		return false;
	memcpy(&hi, d, 2);
	r->port_lo = ntohs(lo);
	r->port_hi = ntohs(hi);
	*i += 5;
	/* An empty range is no rule of ours (shape_nft_check refuses it). */
	return r->port_lo < r->port_hi;
}

static bool match_rule(struct nftnl_expr **e, size_t n, struct shape_nft_prule *out)
{
	struct shape_nft_rule *r = &out->r;
	const uint8_t *d;
	uint32_t len = 0;
	const void *imm;
	size_t i = 4;

	memset(out, 0, sizeof(*out));
	r->saddr_set = r->daddr_set = -1;
	if (n < 8 || !meta_load(e[0], NFT_META_OIFNAME) || !(d = cmp_data(e[1], NFT_CMP_EQ, 16)))
		return false;
	/* A name, NUL-terminated within IFNAMSIZ and zero after it. */
	if (d[0] == 0 || memchr(d, 0, 16) == NULL)
		return false;
	for (size_t k = strlen((const char *)d); k < 16; k++)
		if (d[k])
			return false;
	memcpy(r->oif, d, 16);
	if (!meta_load(e[2], NFT_META_NFPROTO) || !(d = cmp_data(e[3], NFT_CMP_EQ, 1)))
		return false;
	if (*d == NFPROTO_IPV4)
		r->family = AF_INET;
	else if (*d == NFPROTO_IPV6)
		r->family = AF_INET6;
	else
		return false;
	(void)addr_lookup(e, n, &i, r->family, true, out->sset);
	(void)addr_lookup(e, n, &i, r->family, false, out->dset);
	if (!ports(e, n, &i, r))
		return false;
	if (i + 4 != n || !named(e[i], "counter"))
		return false;
	out->packets = nftnl_expr_get_u64(e[i], NFTNL_EXPR_CTR_PACKETS);
	out->bytes = nftnl_expr_get_u64(e[i], NFTNL_EXPR_CTR_BYTES);
	if (!named(e[i + 1], "immediate") || !u32_is(e[i + 1], NFTNL_EXPR_IMM_DREG, NFT_REG_1) ||
	    !(imm = nftnl_expr_get(e[i + 1], NFTNL_EXPR_IMM_DATA, &len)) || len != 4)
		return false;
	memcpy(&r->priority, imm, 4);  /* skb->priority: host order */
	if (!named(e[i + 2], "meta") || !u32_is(e[i + 2], NFTNL_EXPR_META_KEY, NFT_META_PRIORITY) ||
	    !u32_is(e[i + 2], NFTNL_EXPR_META_SREG, NFT_REG_1) ||
	    nftnl_expr_is_set(e[i + 2], NFTNL_EXPR_META_DREG))
		return false;
	return named(e[i + 3], "immediate") &&
	       u32_is(e[i + 3], NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT) &&
	       u32_is(e[i + 3], NFTNL_EXPR_IMM_VERDICT, (uint32_t)NF_ACCEPT) &&
	       !nftnl_expr_is_set(e[i + 3], NFTNL_EXPR_IMM_CHAIN);
}

static int parse_rule(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e[MAX_EXPRS], *x;
	struct nftnl_expr_iter *it = NULL;
	const char *chain;
	size_t n = 0;
	int rc = 0;

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		p->foreign = true;
		goto out;
	}
	if (!ours(nftnl_rule_get_str(r, NFTNL_RULE_TABLE)))
		goto out;
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	if (!chain || strcmp(chain, SHAPE_NFT_CHAIN) != 0) {
		p->foreign = true;
		goto out;
	}
	it = nftnl_expr_iter_create(r);
	if (!it) {
		rc = -ENOMEM;
		goto out;
	}
	while ((x = nftnl_expr_iter_next(it)) != NULL) {
		if (n == MAX_EXPRS) {
			p->foreign = true;
			goto out;
		}
		e[n++] = x;
	}
	if (p->nrules == p->caprules) {
		size_t cap = p->caprules ? p->caprules * 2 : 32;
		struct shape_nft_prule *v = reallocarray(p->rules, cap, sizeof(*v));

		if (!v) {
			rc = -ENOMEM;
			goto out;
		}
		p->rules = v;
		p->caprules = cap;
	}
	if (!match_rule(e, n, &p->rules[p->nrules])) {
		/* Kept in its place, as a rule no model has (family 0), with
		 * its counter if it has one: so equality fails and rule
		 * numbers stay the kernel's. */
		struct shape_nft_prule *f = &p->rules[p->nrules];

		memset(f, 0, sizeof(*f));
		f->r.saddr_set = f->r.daddr_set = -1;
		for (size_t k = 0; k < n; k++)
			if (named(e[k], "counter")) {
				f->packets = nftnl_expr_get_u64(e[k], NFTNL_EXPR_CTR_PACKETS);
				f->bytes = nftnl_expr_get_u64(e[k], NFTNL_EXPR_CTR_BYTES);
			}
		p->foreign = true;
	}
	p->nrules++;
out:
	if (it)
		nftnl_expr_iter_destroy(it);
	if (r)
		nftnl_rule_free(r);
	return rc;
}

/* Objects and flowtables: the model has none, so any in our table is
 * foreign. Both messages start with the table name attribute (1). */
static int parse_other(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_OBJ_TABLE &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    ours(mnl_attr_get_str(a)))
			p->foreign = true;
	}
	return 0;
}

int shape_nft_parse_msg(struct shape_nft_parse *p, const struct nlmsghdr *nlh, size_t len)
{
	const struct nfgenmsg *g;

	if (len < nlh->nlmsg_len || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*g) ||
	    NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return 0;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->nfgen_family != NFPROTO_INET)
		return 0;
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		return parse_table(p, nlh);
	case NFT_MSG_NEWSET:
		return parse_set(p, nlh);
	case NFT_MSG_NEWSETELEM:
		return parse_elems(p, nlh);
	case NFT_MSG_NEWCHAIN:
		return parse_chain(p, nlh);
	case NFT_MSG_NEWRULE:
		return parse_rule(p, nlh);
	case NFT_MSG_NEWOBJ:
	case NFT_MSG_NEWFLOWTABLE:
		return parse_other(p, nlh);
	default:
		return 0;
	}
}
