/* shape_nft_parse.c: dumped nftables messages back into the model.
 *
 * The attributes are walked with libmnl (mnl_attr_parse checks that
 * each lies inside its message or nest) and every value is validated
 * for its type before it is read. libnftnl's own parsers are not used
 * here: on an attribute of an unexpected size they call exit() ("nf_tables
 * kernel ABI is broken"), which a library must not do on any bytes.
 * This file recognises exactly the objects shape_nft.c writes: the table without flags, interval sets
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

#include <endian.h>

#include <libmnl/libmnl.h>

#include "shape_nft_int.h"

#define MAX_EXPRS 24
#define MAX_ATTR 24  /* above every attribute type read here */

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

/* ---- attributes, validated before use ---- */

struct tb {
	const struct nlattr *a[MAX_ATTR + 1];
};

_Static_assert(NFTA_SET_EXPRESSIONS <= MAX_ATTR && NFTA_SET_ELEM_EXPRESSIONS <= MAX_ATTR &&
		       NFTA_CHAIN_FLAGS <= MAX_ATTR && NFTA_RULE_COMPAT <= MAX_ATTR &&
		       NFTA_TABLE_OWNER <= MAX_ATTR && NFTA_PAYLOAD_SREG <= MAX_ATTR,
	       "every attribute read fits the table");

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb *t = data;
	uint16_t type = mnl_attr_get_type(a);

	/* Types we do not read are skipped; a repeated one keeps the last. */
	if (type <= MAX_ATTR)
		t->a[type] = a;
	return MNL_CB_OK;
}

static bool msg_attrs(const struct nlmsghdr *nlh, struct tb *t)
{
	memset(t, 0, sizeof(*t));
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), tb_cb, t) >= 0;
}

static bool nest_attrs(const struct nlattr *nest, struct tb *t)
{
	memset(t, 0, sizeof(*t));
	return nest && mnl_attr_validate(nest, MNL_TYPE_NESTED) == 0 &&
	       mnl_attr_parse_nested(nest, tb_cb, t) >= 0;
}

bool shape_nft_attr_u32(const struct nlmsghdr *nlh, uint16_t type, uint32_t *v)
{
	struct tb t;

	return type <= MAX_ATTR && msg_attrs(nlh, &t) && t.a[type] &&
	       mnl_attr_validate(t.a[type], MNL_TYPE_U32) == 0 &&
	       (*v = ntohl(mnl_attr_get_u32(t.a[type])), true);
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = ntohl(mnl_attr_get_u32(a));
	return true;
}

static uint32_t u32_or0(const struct nlattr *a)
{
	uint32_t v = 0;

	return get_u32(a, &v) ? v : 0;
}

static uint64_t u64_or0(const struct nlattr *a)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return 0;
	return be64toh(mnl_attr_get_u64(a));
}

static const char *get_str(const struct nlattr *a)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(a);
}

/* The bytes of an NFTA_DATA_VALUE inside a data nest. */
static const uint8_t *get_value(const struct nlattr *nest, uint32_t *len)
{
	struct tb t;

	if (!nest_attrs(nest, &t) || !t.a[NFTA_DATA_VALUE] ||
	    mnl_attr_validate(t.a[NFTA_DATA_VALUE], MNL_TYPE_BINARY) < 0)
		return NULL;
	*len = mnl_attr_get_payload_len(t.a[NFTA_DATA_VALUE]);
	return mnl_attr_get_payload(t.a[NFTA_DATA_VALUE]);
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
	struct tb t;

	if (!msg_attrs(nlh, &t)) {
		p->foreign = true;
		return 0;
	}
	if (ours(get_str(t.a[NFTA_TABLE_NAME]))) {
		p->present = true;
		/* Dormant or owned by a socket: not what commit makes. */
		if (u32_or0(t.a[NFTA_TABLE_FLAGS]) != 0 || t.a[NFTA_TABLE_OWNER])
			p->foreign = true;
	}
	return 0;
}

static int parse_set(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct shape_nft_pset *d;
	const char *name;
	uint32_t type = 0, klen = 0, flags = 0;
	struct tb t;

	if (!msg_attrs(nlh, &t)) {
		p->foreign = true;
		return 0;
	}
	if (!ours(get_str(t.a[NFTA_SET_TABLE])))
		return 0;
	name = get_str(t.a[NFTA_SET_NAME]);
	if (!name || strlen(name) >= sizeof(d->name) || find_set(p, name)) {
		p->foreign = true;
		return 0;
	}
	if (p->nsets == p->capsets) {
		size_t cap = p->capsets ? p->capsets * 2 : 16;
		struct shape_nft_pset *v = reallocarray(p->sets, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->sets = v;
		p->capsets = cap;
	}
	d = &p->sets[p->nsets++];
	memset(d, 0, sizeof(*d));
	strcpy(d->name, name);
	(void)get_u32(t.a[NFTA_SET_KEY_TYPE], &type);
	(void)get_u32(t.a[NFTA_SET_KEY_LEN], &klen);
	(void)get_u32(t.a[NFTA_SET_FLAGS], &flags);
	d->family = type == SHAPE_NFT_TYPE_IPADDR && klen == 4	     ? AF_INET
		    : type == SHAPE_NFT_TYPE_IP6ADDR && klen == 16 ? AF_INET6
								   : 0;
	d->usable = d->family && flags == NFT_SET_INTERVAL && !t.a[NFTA_SET_DATA_TYPE] &&
		    !t.a[NFTA_SET_OBJ_TYPE] && !u64_or0(t.a[NFTA_SET_TIMEOUT]) &&
		    !t.a[NFTA_SET_EXPR] && !t.a[NFTA_SET_EXPRESSIONS];
	if (!d->usable)
		p->foreign = true;
	return 0;
}

/* One element: a key of the set's length, no flag but the interval
 * end, nothing a plain address set lacks (data, timeouts, objects). */
static int parse_elem(struct shape_nft_pset *d, const struct nlattr *nest)
{
	const uint8_t *key;
	uint32_t len = 0, flags = 0;
	struct tb t;

	if (!nest_attrs(nest, &t) || !(key = get_value(t.a[NFTA_SET_ELEM_KEY], &len)) ||
	    len != shape_nft_addr_len(d->family) ||
	    (t.a[NFTA_SET_ELEM_FLAGS] && !get_u32(t.a[NFTA_SET_ELEM_FLAGS], &flags)) ||
	    (flags & ~(uint32_t)NFT_SET_ELEM_INTERVAL_END) || t.a[NFTA_SET_ELEM_DATA] ||
	    t.a[NFTA_SET_ELEM_TIMEOUT] || t.a[NFTA_SET_ELEM_EXPR] || t.a[NFTA_SET_ELEM_OBJREF] ||
	    t.a[NFTA_SET_ELEM_KEY_END] || t.a[NFTA_SET_ELEM_EXPRESSIONS]) {
		d->usable = false;
		return 0;
	}
	if (d->nel == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct shape_nft_pelem *v = reallocarray(d->el, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
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
	struct shape_nft_pset *d;
	const struct nlattr *a;
	struct tb t;
	int rc = 0;

	if (!msg_attrs(nlh, &t)) {
		p->foreign = true;
		return 0;
	}
	if (!ours(get_str(t.a[NFTA_SET_ELEM_LIST_TABLE])))
		return 0;
	d = find_set(p, get_str(t.a[NFTA_SET_ELEM_LIST_SET]));
	if (!d || !d->usable) {
		p->foreign = true;
		return 0;
	}
	if (t.a[NFTA_SET_ELEM_LIST_ELEMENTS]) {
		if (mnl_attr_validate(t.a[NFTA_SET_ELEM_LIST_ELEMENTS], MNL_TYPE_NESTED) < 0) {
			d->usable = false;
		} else {
			mnl_attr_for_each_nested(a, t.a[NFTA_SET_ELEM_LIST_ELEMENTS]) {
				if (mnl_attr_get_type(a) != NFTA_LIST_ELEM)
					d->usable = false;
				else if ((rc = parse_elem(d, a)) < 0)
					return rc;
			}
		}
	}
	if (!d->usable)
		p->foreign = true;
	return 0;
}

static int parse_chain(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	const char *name, *type;
	uint32_t hook = 0, prio = 0, policy = 0;
	struct tb t, h;

	if (!msg_attrs(nlh, &t)) {
		p->foreign = true;
		return 0;
	}
	if (!ours(get_str(t.a[NFTA_CHAIN_TABLE])))
		return 0;
	name = get_str(t.a[NFTA_CHAIN_NAME]);
	type = get_str(t.a[NFTA_CHAIN_TYPE]);
	if (p->chain || !name || strcmp(name, SHAPE_NFT_CHAIN) != 0 || !type ||
	    strcmp(type, "filter") != 0 || !nest_attrs(t.a[NFTA_CHAIN_HOOK], &h) ||
	    !get_u32(h.a[NFTA_HOOK_HOOKNUM], &hook) || hook != NF_INET_POST_ROUTING ||
	    !get_u32(h.a[NFTA_HOOK_PRIORITY], &prio) || (int32_t)prio != SHAPE_NFT_PRIO ||
	    h.a[NFTA_HOOK_DEV] || h.a[NFTA_HOOK_DEVS] ||
	    !get_u32(t.a[NFTA_CHAIN_POLICY], &policy) || policy != NF_ACCEPT ||
	    (u32_or0(t.a[NFTA_CHAIN_FLAGS]) & ~(uint32_t)NFT_CHAIN_BASE))
		p->foreign = true;
	else
		p->chain = true;
	return 0;
}

/* ---- rules: the expression sequence of shape_nft_rule_text() ---- */

struct pexpr {
	const char *name;
	struct tb t;  /* its NFTA_EXPR_DATA attributes */
};

static bool named(const struct pexpr *e, const char *name)
{
	return strcmp(e->name, name) == 0;
}

static bool u32_is(const struct pexpr *e, uint16_t attr, uint32_t v)
{
	uint32_t got;

	return get_u32(e->t.a[attr], &got) && got == v;
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
	d = get_value(e->t.a[NFTA_CMP_DATA], &got);
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
	    l->t.a[NFTA_LOOKUP_DREG] || u32_or0(l->t.a[NFTA_LOOKUP_FLAGS]) != 0)
		return false;
	set = get_str(l->t.a[NFTA_LOOKUP_SET]);
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
	    !(d = get_value(e->t.a[NFTA_IMMEDIATE_DATA], &len)) || len != 4)
		return false;
	memcpy(v, d, 4);  /* skb->priority: host order */
	return true;
}

static bool imm_accept(const struct pexpr *e)
{
	struct tb d, v;
	uint32_t code;

	return named(e, "immediate") && u32_is(e, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT) &&
	       nest_attrs(e->t.a[NFTA_IMMEDIATE_DATA], &d) &&
	       nest_attrs(d.a[NFTA_DATA_VERDICT], &v) && get_u32(v.a[NFTA_VERDICT_CODE], &code) &&
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
	out->packets = u64_or0(e[i].t.a[NFTA_COUNTER_PACKETS]);
	out->bytes = u64_or0(e[i].t.a[NFTA_COUNTER_BYTES]);
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
		struct tb x;

		if (*n == MAX_EXPRS || mnl_attr_get_type(a) != NFTA_LIST_ELEM ||
		    !nest_attrs(a, &x) || !(e[*n].name = get_str(x.a[NFTA_EXPR_NAME])))
			return false;
		if (x.a[NFTA_EXPR_DATA]) {
			if (!nest_attrs(x.a[NFTA_EXPR_DATA], &e[*n].t))
				return false;
		} else {
			memset(&e[*n].t, 0, sizeof(e[*n].t));
		}
		(*n)++;
	}
	return true;
}

static int parse_rule(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct pexpr e[MAX_EXPRS];
	struct shape_nft_prule *r;
	const char *chain;
	struct tb t;
	size_t n = 0;

	if (!msg_attrs(nlh, &t)) {
		p->foreign = true;
		return 0;
	}
	if (!ours(get_str(t.a[NFTA_RULE_TABLE])))
		return 0;
	chain = get_str(t.a[NFTA_RULE_CHAIN]);
	if (!chain || strcmp(chain, SHAPE_NFT_CHAIN) != 0) {
		p->foreign = true;
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
				r->packets = u64_or0(e[k].t.a[NFTA_COUNTER_PACKETS]);
				r->bytes = u64_or0(e[k].t.a[NFTA_COUNTER_BYTES]);
			}
		p->foreign = true;
	}
	return 0;
}

/* Objects and flowtables: the model has none, so any in our table is
 * foreign (NFTA_OBJ_TABLE and NFTA_FLOWTABLE_TABLE are both 1). */
static int parse_other(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct tb t;

	if (!msg_attrs(nlh, &t) || ours(get_str(t.a[NFTA_OBJ_TABLE])))
		p->foreign = true;
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
