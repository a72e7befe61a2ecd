/* shape_tc_encode.c: one shape_op as rtnetlink messages.
 *
 * Rates go as tc_ratespec with linklayer ethernet, which tells HTB to
 * compute transmit times itself (no rate table attribute), and buffer
 * ticks come from shape_xmit_ticks(), not from tc's rounding. In place
 * means: a class change is RTM_NEWTCLASS without NLM_F_CREATE on the
 * same classid (counters and queued packets stay), a leaf or filter
 * replace is NLM_F_CREATE|NLM_F_REPLACE with the same handle. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include "shape_tc_int.h"

const char *shape_leaf_kind(enum shape_leaf leaf)
{
	return leaf == SHAPE_LEAF_FQ_CODEL ? "fq_codel" : "pfifo";
}

static struct nlmsghdr *tc_msg(struct nl_batch *b, uint16_t type, uint16_t flags, int ifindex,
			       uint32_t handle, uint32_t parent, uint32_t info, void *cookie)
{
	struct tcmsg *t;
	struct nlmsghdr *nlh = nl_batch_msg(b, type, flags, sizeof(*t), (void **)&t, cookie);

	if (!nlh)
		return NULL;
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_handle = handle;
	t->tcm_parent = parent;
	t->tcm_info = info;
	return nlh;
}

static int link_add(struct nl_batch *b, const struct shape_op *op, void *cookie)
{
	char alias[64];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	struct nlattr *li;

	snprintf(alias, sizeof(alias), "%s%s", SHAPE_IFB_ALIAS_PREFIX, op->peer);
	/* No NLM_F_EXCL: an IFB of ours that exists down is only set up
	 * (the diff never sends this for a device that is not ours). */
	nlh = nl_batch_msg(b, RTM_NEWLINK, NLM_F_CREATE, sizeof(*ifi), (void **)&ifi, cookie);
	if (!nlh)
		return -ENOMEM;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, op->dev);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
	mnl_attr_nest_end(nlh, li);
	/* A new link takes no alias: the kernel sets it in a change. */
	nlh = nl_batch_msg(b, RTM_NEWLINK, 0, sizeof(*ifi), (void **)&ifi, cookie);
	if (!nlh)
		return -ENOMEM;
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, op->dev);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return 2;
}

static int link_del(struct nl_batch *b, const struct shape_op *op, void *cookie)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_batch_msg(b, RTM_DELLINK, 0, sizeof(*ifi), (void **)&ifi, cookie);

	if (!nlh)
		return -ENOMEM;
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, op->dev);
	return 1;
}

static int root_add(struct nl_batch *b, const struct shape_op *op, int ifx, void *cookie)
{
	struct tc_htb_glob g = { .version = 3, .rate2quantum = SHAPE_R2Q };
	struct nlmsghdr *nlh;
	struct nlattr *o;

	g.defcls = op->tree ? op->tree->defcls : SHAPE_MINOR_BUSINESS;
	nlh = tc_msg(b, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifx, SHAPE_HANDLE(0), TC_H_ROOT,
		     0, cookie);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, TCA_KIND, "htb");
	o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(g), &g);
	mnl_attr_put_u32(nlh, TCA_HTB_DIRECT_QLEN, SHAPE_DIRECT_QLEN);
	mnl_attr_nest_end(nlh, o);
	return 1;
}

static void ratespec(struct tc_ratespec *r, uint64_t rate)
{
	memset(r, 0, sizeof(*r));
	r->linklayer = TC_LINKLAYER_ETHERNET;
	r->rate = rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
}

static int class_put(struct nl_batch *b, const struct shape_op *op, int ifx, void *cookie)
{
	const struct shape_class *c = &op->cls;
	bool add = op->kind == SHAPE_OP_CLASS_ADD;
	struct tc_htb_opt h;
	struct nlmsghdr *nlh;
	struct nlattr *o;

	memset(&h, 0, sizeof(h));
	ratespec(&h.rate, c->rate);
	ratespec(&h.ceil, c->ceil);
	h.buffer = shape_xmit_ticks(c->burst, c->rate);
	h.cbuffer = shape_xmit_ticks(c->cburst, c->ceil);
	h.quantum = c->quantum;
	h.prio = c->prio;
	nlh = tc_msg(b, RTM_NEWTCLASS, add ? NLM_F_CREATE | NLM_F_EXCL : 0, ifx, c->classid,
		     c->parent, 0, cookie);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, TCA_KIND, "htb");
	o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_HTB_PARMS, sizeof(h), &h);
	if (c->rate >= UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_HTB_RATE64, c->rate);
	if (c->ceil >= UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_HTB_CEIL64, c->ceil);
	mnl_attr_nest_end(nlh, o);
	/* A rate estimator (every 250 ms, 1 s time constant) so show has a
	 * current rate; a change leaves the running one alone. */
	if (add) {
		struct tc_estimator est = { .interval = -2, .ewma_log = 2 };

		mnl_attr_put(nlh, TCA_RATE, sizeof(est), &est);
	}
	return 1;
}

static int leaf_put(struct nl_batch *b, const struct shape_op *op, int ifx, uint32_t handle,
		    void *cookie)
{
	enum shape_leaf leaf = op->tree ? op->tree->leaf : SHAPE_LEAF_PFIFO;
	struct nlmsghdr *nlh;

	nlh = tc_msg(b, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifx, handle, op->cls.classid, 0,
		     cookie);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, TCA_KIND, shape_leaf_kind(leaf));
	if (leaf == SHAPE_LEAF_PFIFO) {
		struct tc_fifo_qopt q = { .limit = op->cls.leaf_limit ? op->cls.leaf_limit : 1000 };

		mnl_attr_put(nlh, TCA_OPTIONS, sizeof(q), &q);
	} else if (op->cls.leaf_limit) {
		struct nlattr *o = mnl_attr_nest_start(nlh, TCA_OPTIONS);

		mnl_attr_put_u32(nlh, TCA_FQ_CODEL_LIMIT, op->cls.leaf_limit);
		mnl_attr_nest_end(nlh, o);
	}
	return 1;
}

static int leaf_add(struct nl_batch *b, const struct shape_op *op, int ifx, void *cookie)
{
	int n = 0, r;

	/* Another kind at the same handle: graft through a second handle. */
	if (op->handle) {
		r = leaf_put(b, op, ifx, op->handle, cookie);
		if (r < 0)
			return r;
		n += r;
	}
	r = leaf_put(b, op, ifx, op->cls.leaf_handle, cookie);
	return r < 0 ? r : n + r;
}

static uint32_t filter_info(uint16_t pref, uint16_t eth_proto)
{
	return ((uint32_t)pref << 16) | htons(eth_proto);
}

static uint16_t family_proto(uint8_t family)
{
	return family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP;
}

/* New nodes carry the node id alone (the kernel adds the hash table
 * of the pref); a full handle (with its table) means replace it. */
static uint16_t node_flags(uint32_t handle)
{
	return SHAPE_U32_HTID(handle) ? NLM_F_CREATE | NLM_F_REPLACE : NLM_F_CREATE | NLM_F_EXCL;
}

static void put_sel(struct nlmsghdr *nlh, const struct tc_u32_key *keys, int n)
{
	char buf[sizeof(struct tc_u32_sel) + SHAPE_U32_KEYS_MAX * sizeof(struct tc_u32_key)];
	struct tc_u32_sel s = { .flags = TC_U32_TERMINAL, .nkeys = (unsigned char)n };

	memcpy(buf, &s, sizeof(s));
	memcpy(buf + sizeof(s), keys, (size_t)n * sizeof(*keys));
	mnl_attr_put(nlh, TCA_U32_SEL, sizeof(s) + (size_t)n * sizeof(*keys), buf);
}

static int filter_add(struct nl_batch *b, const struct shape_op *op, int ifx, void *cookie)
{
	struct tc_u32_key keys[SHAPE_U32_KEYS_MAX];
	uint32_t handle = op->handle ? op->handle : SHAPE_U32_NODE;
	struct nlmsghdr *nlh;
	struct nlattr *o;
	int n = shape_u32_encode(&op->filter, keys, SHAPE_U32_KEYS_MAX);

	if (n < 0)
		return n;
	nlh = tc_msg(b, RTM_NEWTFILTER, node_flags(handle), ifx, handle, SHAPE_HANDLE(0),
		     filter_info(op->filter.pref, family_proto(op->filter.family)), cookie);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	put_sel(nlh, keys, n);
	mnl_attr_put_u32(nlh, TCA_U32_CLASSID, op->filter.classid);
	mnl_attr_nest_end(nlh, o);
	return 1;
}

static int filter_del(struct nl_batch *b, const struct shape_op *op, int ifx, void *cookie)
{
	struct nlmsghdr *nlh;

	/* Handle 0: the whole pref, classifier instance and all. */
	nlh = tc_msg(b, RTM_DELTFILTER, 0, ifx, op->handle, SHAPE_HANDLE(0),
		     filter_info(op->filter.pref, family_proto(op->filter.family)), cookie);
	if (!nlh)
		return -ENOMEM;
	if (op->handle)
		mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	return 1;
}

static int redirect_add(struct nl_batch *b, const struct shape_op *op, int ifx, int peer,
			void *cookie)
{
	struct tc_u32_key all = { 0 };
	struct tc_mirred m = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR };
	uint32_t handle = op->handle ? op->handle : SHAPE_U32_NODE;
	struct nlattr *o, *acts, *a, *ao;
	struct nlmsghdr *nlh;

	if (peer <= 0)
		return -ENODEV;
	m.ifindex = (uint32_t)peer;
	nlh = tc_msg(b, RTM_NEWTFILTER, node_flags(handle), ifx, handle, SHAPE_INGRESS_HANDLE,
		     filter_info(SHAPE_PREF_REDIRECT, ETH_P_ALL), cookie);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	put_sel(nlh, &all, 1);
	acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
	a = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	ao = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
	mnl_attr_nest_end(nlh, ao);
	mnl_attr_nest_end(nlh, a);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, o);
	return 1;
}

int shape_tc_encode(struct nl_batch *b, const struct shape_op *op, int ifx, int peer, void *cookie)
{
	struct nlmsghdr *nlh;

	switch (op->kind) {
	case SHAPE_OP_IFB_ADD:
		return link_add(b, op, cookie);
	case SHAPE_OP_IFB_DEL:
		return link_del(b, op, cookie);
	case SHAPE_OP_QDISC_ROOT:
		return root_add(b, op, ifx, cookie);
	case SHAPE_OP_QDISC_DEL:
		/* With our handle: the kernel refuses if the root is not it. */
		nlh = tc_msg(b, RTM_DELQDISC, 0, ifx, SHAPE_HANDLE(0), TC_H_ROOT, 0, cookie);
		return nlh ? 1 : -ENOMEM;
	case SHAPE_OP_INGRESS_ADD:
		nlh = tc_msg(b, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifx, SHAPE_INGRESS_HANDLE,
			     TC_H_INGRESS, 0, cookie);
		if (!nlh)
			return -ENOMEM;
		mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
		return 1;
	case SHAPE_OP_INGRESS_DEL:
		nlh = tc_msg(b, RTM_DELQDISC, 0, ifx, SHAPE_INGRESS_HANDLE, TC_H_INGRESS, 0, cookie);
		return nlh ? 1 : -ENOMEM;
	case SHAPE_OP_REDIRECT:
		return redirect_add(b, op, ifx, peer, cookie);
	case SHAPE_OP_REDIRECT_DEL:
		/* The whole pref: everything at it is ours. */
		nlh = tc_msg(b, RTM_DELTFILTER, 0, ifx, 0, SHAPE_INGRESS_HANDLE,
			     filter_info(SHAPE_PREF_REDIRECT, ETH_P_ALL), cookie);
		return nlh ? 1 : -ENOMEM;
	case SHAPE_OP_CLASS_ADD:
	case SHAPE_OP_CLASS_CHANGE:
		return class_put(b, op, ifx, cookie);
	case SHAPE_OP_CLASS_DEL:
		nlh = tc_msg(b, RTM_DELTCLASS, 0, ifx, op->cls.classid, 0, 0, cookie);
		return nlh ? 1 : -ENOMEM;
	case SHAPE_OP_LEAF:
		return leaf_add(b, op, ifx, cookie);
	case SHAPE_OP_FILTER:
		return filter_add(b, op, ifx, cookie);
	case SHAPE_OP_FILTER_DEL:
		return filter_del(b, op, ifx, cookie);
	}
	return -EINVAL;
}
