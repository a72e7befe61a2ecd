/* shape_nft_parse.c: dumped nftables messages back into the model.
 *
 * Every attribute is read through shape_nft_attr.c's validated getters
 * (never libnftnl's parsers: they exit() on a malformed attribute).
 * This file recognises exactly the objects shape_nft_build.c writes:
 * the table without flags, interval sets of IPv4 or IPv6 addresses and
 * their elements, chain egress as a filter hook at postrouting priority
 * mangle; rules are shape_nft_rule.c's. Anything else in the table
 * makes it foreign: the model cannot say it, so it never equals a plan
 * and apply replaces it. Messages of other tables and families are
 * none of our business and are skipped. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>

#include "shape_nft_int.h"

static struct shape_nft_pset *find_set(struct shape_nft_parse *p, const char *name)
{
	for (size_t i = 0; name && i < p->nsets; i++)
		if (strcmp(p->sets[i].name, name) == 0)
			return &p->sets[i];
	return NULL;
}

static int parse_table(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct shape_nft_tb t;

	if (!shape_nft_msg_attrs(nlh, &t)) {
		p->foreign = p->odd = true;
		return 0;
	}
	if (shape_nft_ours(shape_nft_get_str(t.a[NFTA_TABLE_NAME]))) {
		p->present = true;
		/* Dormant or owned by a socket: not what commit makes. */
		if (shape_nft_u32_or0(t.a[NFTA_TABLE_FLAGS]) != 0 || t.a[NFTA_TABLE_OWNER])
			p->foreign = p->odd = true;
	}
	return 0;
}

static int parse_set(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct shape_nft_pset *d;
	const char *name;
	uint32_t type = 0, klen = 0, flags = 0;
	struct shape_nft_tb t;

	if (!shape_nft_msg_attrs(nlh, &t)) {
		p->foreign = p->odd = true;
		return 0;
	}
	if (!shape_nft_ours(shape_nft_get_str(t.a[NFTA_SET_TABLE])))
		return 0;
	name = shape_nft_get_str(t.a[NFTA_SET_NAME]);
	if (!name || strlen(name) >= sizeof(d->name) || find_set(p, name)) {
		/* A set commit could not name to delete it. */
		p->foreign = p->odd = true;
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
	(void)shape_nft_get_u32(t.a[NFTA_SET_KEY_TYPE], &type);
	(void)shape_nft_get_u32(t.a[NFTA_SET_KEY_LEN], &klen);
	(void)shape_nft_get_u32(t.a[NFTA_SET_FLAGS], &flags);
	d->family = type == SHAPE_NFT_TYPE_IPADDR && klen == 4	     ? AF_INET
		    : type == SHAPE_NFT_TYPE_IP6ADDR && klen == 16 ? AF_INET6
								   : 0;
	d->anonymous = flags & NFT_SET_ANONYMOUS;
	d->usable = d->family && flags == NFT_SET_INTERVAL && !t.a[NFTA_SET_DATA_TYPE] &&
		    !t.a[NFTA_SET_OBJ_TYPE] && !shape_nft_u64_or0(t.a[NFTA_SET_TIMEOUT]) &&
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
	struct shape_nft_tb t;

	if (!shape_nft_nest_attrs(nest, &t) ||
	    !(key = shape_nft_get_value(t.a[NFTA_SET_ELEM_KEY], &len)) ||
	    len != shape_nft_addr_len(d->family) ||
	    (t.a[NFTA_SET_ELEM_FLAGS] && !shape_nft_get_u32(t.a[NFTA_SET_ELEM_FLAGS], &flags)) ||
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
	struct shape_nft_tb t;
	int rc = 0;

	if (!shape_nft_msg_attrs(nlh, &t)) {
		p->foreign = p->odd = true;
		return 0;
	}
	if (!shape_nft_ours(shape_nft_get_str(t.a[NFTA_SET_ELEM_LIST_TABLE])))
		return 0;
	d = find_set(p, shape_nft_get_str(t.a[NFTA_SET_ELEM_LIST_SET]));
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
	struct shape_nft_tb t, h;

	if (!shape_nft_msg_attrs(nlh, &t)) {
		p->foreign = p->odd = true;
		return 0;
	}
	if (!shape_nft_ours(shape_nft_get_str(t.a[NFTA_CHAIN_TABLE])))
		return 0;
	name = shape_nft_get_str(t.a[NFTA_CHAIN_NAME]);
	type = shape_nft_get_str(t.a[NFTA_CHAIN_TYPE]);
	if (p->chain || !name || strcmp(name, SHAPE_NFT_CHAIN) != 0 || !type ||
	    strcmp(type, "filter") != 0 || !shape_nft_nest_attrs(t.a[NFTA_CHAIN_HOOK], &h) ||
	    !shape_nft_get_u32(h.a[NFTA_HOOK_HOOKNUM], &hook) || hook != NF_INET_POST_ROUTING ||
	    !shape_nft_get_u32(h.a[NFTA_HOOK_PRIORITY], &prio) || (int32_t)prio != SHAPE_NFT_PRIO ||
	    h.a[NFTA_HOOK_DEV] || h.a[NFTA_HOOK_DEVS] ||
	    !shape_nft_get_u32(t.a[NFTA_CHAIN_POLICY], &policy) || policy != NF_ACCEPT ||
	    (shape_nft_u32_or0(t.a[NFTA_CHAIN_FLAGS]) & ~(uint32_t)NFT_CHAIN_BASE))
		p->foreign = p->odd = true;
	else
		p->chain = true;
	return 0;
}

/* Objects and flowtables: the model has none, so any in our table is
 * foreign (NFTA_OBJ_TABLE and NFTA_FLOWTABLE_TABLE are both 1). */
static int parse_other(struct shape_nft_parse *p, const struct nlmsghdr *nlh)
{
	struct shape_nft_tb t;

	if (!shape_nft_msg_attrs(nlh, &t) || shape_nft_ours(shape_nft_get_str(t.a[NFTA_OBJ_TABLE])))
		p->foreign = p->odd = true;
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
		return shape_nft_parse_rule(p, nlh);
	case NFT_MSG_NEWOBJ:
	case NFT_MSG_NEWFLOWTABLE:
		return parse_other(p, nlh);
	default:
		return 0;
	}
}
