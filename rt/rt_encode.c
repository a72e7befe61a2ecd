/* rt_encode.c: one change of the difference as an rtnetlink request.
 *
 * Rules carry every selector (a rule's identity is all of them) and
 * the protocol, so a delete can never match a foreign rule with the
 * same selectors. A route's delete carries only its identity (family,
 * table, dst, metric) and the protocol: a route whose gateway or device
 * someone changed behind our back still goes. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "rt_kernel.h"

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct conf_addr *a)
{
	mnl_attr_put(nlh, type, addr_len(a->family), &a->u);
}

static int encode_rule(struct nl_batch *b, const struct rt_change *c, uint8_t protocol,
		       void *cookie)
{
	const struct rt_rule *r = &c->obj.u.rule;
	uint16_t type = c->op == RT_DEL ? RTM_DELRULE : RTM_NEWRULE;
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh;
	uint32_t table = r->action == FR_ACT_TO_TBL ? r->table : 0;

	/* No NLM_F_EXCL on adds: the caller knows the rule is missing,
	 * and the kernel then skips its scan of every rule for a twin. */
	nlh = nl_batch_msg(b, type, c->op == RT_DEL ? 0 : NLM_F_CREATE, sizeof(*frh),
			   (void **)&frh, (void *)cookie);
	if (!nlh)
		return -ENOMEM;
	frh->family = r->family;
	frh->action = r->action;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (r->has_src) {
		frh->src_len = (uint8_t)r->src.len;
		put_addr(nlh, FRA_SRC, &r->src.addr);
	}
	if (r->has_dst) {
		frh->dst_len = (uint8_t)r->dst.len;
		put_addr(nlh, FRA_DST, &r->dst.addr);
	}
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, protocol);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	if (r->fwmask) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, r->fwmask);
	}
	if (r->iif[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, r->iif);
	if (r->oif[0])
		mnl_attr_put_strz(nlh, FRA_OIFNAME, r->oif);
	if (r->has_uidrange) {
		struct fib_rule_uid_range u = { .start = r->uid_start, .end = r->uid_end };

		mnl_attr_put(nlh, FRA_UID_RANGE, sizeof(u), &u);
	}
	if (r->ipproto)
		mnl_attr_put_u8(nlh, FRA_IP_PROTO, r->ipproto);
	if (r->dport_start) {
		struct fib_rule_port_range p = { .start = r->dport_start,
						 .end = r->dport_end ? r->dport_end : r->dport_start };

		mnl_attr_put(nlh, FRA_DPORT_RANGE, sizeof(p), &p);
	}
	return 0;
}

static int encode_route(struct nl_batch *b, const struct rt_change *c, uint8_t protocol,
			void *cookie)
{
	const struct rt_route *r = &c->obj.u.route;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint16_t type, flags;

	switch (c->op) {
	case RT_ADD:
		type = RTM_NEWROUTE;
		flags = NLM_F_CREATE | NLM_F_EXCL;
		break;
	case RT_REPLACE:
		type = RTM_NEWROUTE;
		flags = NLM_F_CREATE | NLM_F_REPLACE;
		break;
	default:
		type = RTM_DELROUTE;
		flags = 0;
		break;
	}
	nlh = nl_batch_msg(b, type, flags, sizeof(*rtm), (void **)&rtm, cookie);
	if (!nlh)
		return -ENOMEM;
	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = (unsigned char)r->dst.len;
	rtm->rtm_table = r->table < 256 ? (unsigned char)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = protocol;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst.len)
		put_addr(nlh, RTA_DST, &r->dst.addr);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (c->op == RT_DEL) {
		/* Scope "nowhere" and type unspec match any: see above. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_type = RTN_UNSPEC;
		return 0;
	}
	rtm->rtm_scope = r->scope;
	rtm->rtm_type = r->type;
	if (r->type != RTN_UNICAST)
		return 0;
	if (r->has_gw)
		put_addr(nlh, RTA_GATEWAY, &r->gw);
	if (r->oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->has_prefsrc)
		put_addr(nlh, RTA_PREFSRC, &r->prefsrc);
	return 0;
}

int rt_encode(struct nl_batch *b, const struct rt_change *c, uint8_t protocol, void *cookie)
{
	if (c->obj.kind == RT_RULE)
		return encode_rule(b, c, protocol, cookie);
	return encode_route(b, c, protocol, cookie);
}
