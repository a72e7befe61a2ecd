/* shape_nft_rule.c: a dumped rule of chain egress recognised as one of
 * ours: exactly the expression sequence shape_nft_build.c writes (and
 * nft(8) generates for shape_nft_rule_text()): oifname, the optional
 * nfproto guard, address lookups, the l4proto and port comparisons,
 * counter, meta priority set, accept. Anything else is a foreign rule,
 * kept in its place. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>

#include "shape_nft_int.h"

#define MAX_EXPRS 24

struct pexpr {
	const char *name;
	struct shape_nft_tb t;  /* its NFTA_EXPR_DATA attributes */
};

static bool named(const struct pexpr *e, const char *name)
{
	return strcmp(e->name, name) == 0;
}

static bool u32_is(const struct pexpr *e, uint16_t attr, uint32_t v)
{
	uint32_t got;

	return shape_nft_get_u32(e->t.a[attr], &got) && got == v;
}

static bool meta_load(const struct pexpr *e, uint32_t key)
{
	return named(e, "meta") && u32_is(e, NFTA_META_KEY, key) &&
	       u32_is(e, NFTA_META_DREG, NFT_REG_1) && !e->t.a[NFTA_META_SREG];
}

/* A comparison of register 1 with op: its data when it has len bytes. */
static const uint8_t *cmp_data(const struct pexpr *e, uint32_t op, uint32_t len)
{
	const uint8_t *d;
	uint32_t got = 0;

	if (!named(e, "cmp") || !u32_is(e, NFTA_CMP_SREG, NFT_REG_1) || !u32_is(e, NFTA_CMP_OP, op))
		return NULL;
	d = shape_nft_get_value(e->t.a[NFTA_CMP_DATA], &got);
	return d && got == len ? d : NULL;
}

static bool payload_load(const struct pexpr *e, uint32_t base, uint32_t off, uint32_t len)
{
	return named(e, "payload") && u32_is(e, NFTA_PAYLOAD_DREG, NFT_REG_1) &&
	       u32_is(e, NFTA_PAYLOAD_BASE, base) && u32_is(e, NFTA_PAYLOAD_OFFSET, off) &&
	       u32_is(e, NFTA_PAYLOAD_LEN, len) && !e->t.a[NFTA_PAYLOAD_SREG];
}

/* payload load of the address, then a plain (not inverted) lookup. */
static bool addr_lookup(const struct pexpr *e, size_t n, size_t *i, uint8_t family, bool src,
			char name[48])
{
	const struct pexpr *l;
	const char *set;

	if (*i + 1 >= n ||
	    !payload_load(&e[*i], NFT_PAYLOAD_NETWORK_HEADER, shape_nft_addr_off(family, src),
			  shape_nft_addr_len(family)))
		return false;
	l = &e[*i + 1];
	if (!named(l, "lookup") || !u32_is(l, NFTA_LOOKUP_SREG, NFT_REG_1) ||
	    l->t.a[NFTA_LOOKUP_DREG] || shape_nft_u32_or0(l->t.a[NFTA_LOOKUP_FLAGS]) != 0)
		return false;
	set = shape_nft_get_str(l->t.a[NFTA_LOOKUP_SET]);
	if (!set || strlen(set) >= 48)
		return false;
	strcpy(name, set);
	*i += 2;
	return true;
}

static bool ports(const struct pexpr *e, size_t n, size_t *i, struct shape_nft_rule *r)
{
	const uint8_t *d;
	uint16_t lo, hi;

	if (*i + 3 >= n || !meta_load(&e[*i], NFT_META_L4PROTO))
		return true;  /* no port match: fine */
	d = cmp_data(&e[*i + 1], NFT_CMP_EQ, 1);
	if (!d || (*d != IPPROTO_TCP && *d != IPPROTO_UDP))
		return false;
	r->ipproto = *d;
	if (payload_load(&e[*i + 2], NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2))
		r->sport = true;
	else if (!payload_load(&e[*i + 2], NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2))
		return false;
	if ((d = cmp_data(&e[*i + 3], NFT_CMP_EQ, 2))) {
		memcpy(&lo, d, 2);
		r->port_lo = r->port_hi = ntohs(lo);
		*i += 4;
		return true;
	}
	if (*i + 4 >= n || !(d = cmp_data(&e[*i + 3], NFT_CMP_GTE, 2)))
		return false;
	memcpy(&lo, d, 2);
	if (!(d = cmp_data(&e[*i + 4], NFT_CMP_LTE, 2)))
		return false;
	memcpy(&hi, d, 2);
	r->port_lo = ntohs(lo);
	r->port_hi = ntohs(hi);
	*i += 5;
	/* An empty range is no rule of ours (shape_nft_check refuses it). */
	return r->port_lo < r->port_hi;
}

/* immediate into register 1 of 4 bytes (the class id), or a verdict. */
static bool imm_value(const struct pexpr *e, uint32_t *v)
{
	const uint8_t *d;
	uint32_t len = 0;

	if (!named(e, "immediate") || !u32_is(e, NFTA_IMMEDIATE_DREG, NFT_REG_1) ||
	    !(d = shape_nft_get_value(e->t.a[NFTA_IMMEDIATE_DATA], &len)) || len != 4)
		return false;
	memcpy(v, d, 4);  /* skb->priority: host order */
	return true;
}

static bool imm_accept(const struct pexpr *e)
{
	struct shape_nft_tb d, v;
	uint32_t code;

	return named(e, "immediate") && u32_is(e, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT) &&
	       shape_nft_nest_attrs(e->t.a[NFTA_IMMEDIATE_DATA], &d) &&
	       shape_nft_nest_attrs(d.a[NFTA_DATA_VERDICT], &v) &&
	       shape_nft_get_u32(v.a[NFTA_VERDICT_CODE], &code) &&
	       code == (uint32_t)NF_ACCEPT && !v.a[NFTA_VERDICT_CHAIN] && !v.a[NFTA_VERDICT_CHAIN_ID];
}

static bool match_rule(const struct pexpr *e, size_t n, struct shape_nft_prule *out)
{
	struct shape_nft_rule *r = &out->r;
	const uint8_t *d;
	size_t i = 2;

	memset(out, 0, sizeof(*out));
	r->saddr_set = r->daddr_set = -1;
	if (n < 6 || !meta_load(&e[0], NFT_META_OIFNAME) || !(d = cmp_data(&e[1], NFT_CMP_EQ, 16)))
		return false;
	/* A name, NUL-terminated within IFNAMSIZ and zero after it. */
	if (d[0] == 0 || memchr(d, 0, 16) == NULL)
		return false;
	for (size_t k = strlen((const char *)d); k < 16; k++)
		if (d[k])
			return false;
	memcpy(r->oif, d, 16);
	/* The family guard; without it (family 0) no address match. */
	if (meta_load(&e[2], NFT_META_NFPROTO)) {
		if (!(d = cmp_data(&e[3], NFT_CMP_EQ, 1)))
			return false;
		if (*d == NFPROTO_IPV4)
			r->family = AF_INET;
		else if (*d == NFPROTO_IPV6)
			r->family = AF_INET6;
		else
			return false;
		i = 4;
		(void)addr_lookup(e, n, &i, r->family, true, out->sset);
		(void)addr_lookup(e, n, &i, r->family, false, out->dset);
	}
	if (!ports(e, n, &i, r))
		return false;
	if (i + 4 != n || !named(&e[i], "counter"))
		return false;
	out->packets = shape_nft_u64_or0(e[i].t.a[NFTA_COUNTER_PACKETS]);
	out->bytes = shape_nft_u64_or0(e[i].t.a[NFTA_COUNTER_BYTES]);
	if (!imm_value(&e[i + 1], &r->priority))
		return false;
	if (!named(&e[i + 2], "meta") || !u32_is(&e[i + 2], NFTA_META_KEY, NFT_META_PRIORITY) ||
	    !u32_is(&e[i + 2], NFTA_META_SREG, NFT_REG_1) || e[i + 2].t.a[NFTA_META_DREG])
		return false;
	return imm_accept(&e[i + 3]);
}

/* The rule's expressions, in order: false when one is malformed or
 * there are more than a rule of ours has. */
static bool rule_exprs(const struct nlattr *list, struct pexpr *e, size_t *n)
{
	const struct nlattr *a;

	*n = 0;
	if (!list)
		return true;
	if (mnl_attr_validate(list, MNL_TYPE_NESTED) < 0)
		return false;
	mnl_attr_for_each_nested(a, list) {
		struct shape_nft_tb x;

		if (*n == MAX_EXPRS || mnl_attr_get_type(a) != NFTA_LIST_ELEM ||
		    !shape_nft_nest_attrs(a, &x) || !(e[*n].name = shape_nft_get_str(x.a[NFTA_EXPR_NAME])))
			return false;
		if (x.a[NFTA_EXPR_DATA]) {
			if (!shape_nft_nest_attrs(x.a[NFTA_EXPR_DATA], &e[*n].t))
				return false;
		} else {
			memset(&e[*n].t, 0, sizeof(e[*n].t));
		}
		(*n)++;
	}
	return true;
}

int shape_nft_parse_rule(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct pexpr e[MAX_EXPRS];
	struct shape_nft_prule *r;
	const char *chain;
	struct shape_nft_tb t;
	size_t n = 0;

	if (!shape_nft_msg_attrs(nlh, &t)) {
		p->foreign = p->odd = true;
		return 0;
	}
	if (!shape_nft_ours(shape_nft_get_str(t.a[NFTA_RULE_TABLE])))
		return 0;
	chain = shape_nft_get_str(t.a[NFTA_RULE_CHAIN]);
	if (!chain || strcmp(chain, SHAPE_NFT_CHAIN) != 0) {
		p->foreign = p->odd = true;  /* a rule of another chain */
		return 0;
	}
	if (p->nrules == p->caprules) {
		size_t cap = p->caprules ? p->caprules * 2 : 32;
		struct shape_nft_prule *v = reallocarray(p->rules, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->rules = v;
		p->caprules = cap;
	}
	r = &p->rules[p->nrules++];
	if (!rule_exprs(t.a[NFTA_RULE_EXPRESSIONS], e, &n) || t.a[NFTA_RULE_COMPAT] ||
	    !match_rule(e, n, r)) {
		/* Kept in its place, as a rule no model has (no oif, family
		 * 0), with its counter if it has one: so equality fails and
		 * rule numbers stay the kernel's. */
		memset(r, 0, sizeof(*r));
		r->r.saddr_set = r->r.daddr_set = -1;
		for (size_t k = 0; k < n; k++)
			if (named(&e[k], "counter")) {
				r->packets = shape_nft_u64_or0(e[k].t.a[NFTA_COUNTER_PACKETS]);
				r->bytes = shape_nft_u64_or0(e[k].t.a[NFTA_COUNTER_BYTES]);
			}
		p->foreign = true;
	}
	return 0;
}
