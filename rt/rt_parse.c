/* rt_parse.c: rule and route messages from the kernel into the model.
 *
 * The same parsers read dumps and notifications, and a fuzz harness
 * feeds them any bytes: every attribute's length is checked (libmnl's
 * validate) before its payload is read. Anything the model cannot say
 * exactly (a selector it lacks, a multipath or cached route) is -ENOENT:
 * such an object is never Outpost's, so it is never touched. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "rt_kernel.h"
#include "rt_parse_int.h"

/* Rule attributes of newer kernels than our headers (linux 6.15+ sends
 * FRA_DPORT_MASK 0xffff with every single-port dport). */
#define RT_FRA_DPORT_MASK	29
#define RT_FRA_KNOWN		31	/* index this many; anything past is outside */

int rt_parse_check(const struct nlmsghdr *nlh, size_t len, size_t hdrlen)
{
	/* libmnl walks attributes up to the length rounded up to 4: that
	 * much must be there too (the kernel's lengths are always aligned). */
	if (len < sizeof(*nlh) || MNL_ALIGN((size_t)nlh->nlmsg_len) > len ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + MNL_ALIGN(hdrlen))
		return -EINVAL;
	return 0;
}

int rt_parse_addr_attr(const struct nlattr *a, int family, struct conf_addr *out)
{
	size_t want = family == AF_INET ? sizeof(out->u.v4) : sizeof(out->u.v6);

	if (mnl_attr_get_payload_len(a) != want)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = family;
	memcpy(&out->u, mnl_attr_get_payload(a), want);
	return 0;
}

/* Clear the host bits of p: the model keeps prefixes canonical. */
static void prefix_mask(struct conf_prefix *p)
{
	unsigned char *b = (unsigned char *)&p->addr.u;
	unsigned bits = p->addr.family == AF_INET ? 32 : 128;

	for (unsigned i = p->len; i < bits; i++)
		b[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

static int prefix_attr(const struct nlattr *a, int family, unsigned len, struct conf_prefix *p)
{
	int rc = rt_parse_addr_attr(a, family, &p->addr);

	if (rc < 0)
		return rc;
	p->len = len;
	prefix_mask(p);
	return 0;
}

static int ifname_attr(const struct nlattr *a, char out[IF_NAMESIZE])
{
	const char *s;
	size_t n;

	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return -EINVAL;
	s = mnl_attr_get_str(a);
	n = strnlen(s, mnl_attr_get_payload_len(a));
	if (n >= IF_NAMESIZE)
		return -EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Index the attributes of a message by type (the last of a type wins,
 * as in the kernel); types past max are kept apart in *unknown. */
static int attr_index(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      unsigned max, bool *unknown)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	*unknown = false;
	mnl_attr_for_each(a, nlh, hdrlen) {
		unsigned t = mnl_attr_get_type(a);

		if (t > max)
			*unknown = true;
		else
			tb[t] = a;
	}
	/* mnl_attr_for_each stops at the first attribute that does not fit:
	 * room left for another header means a malformed message (less is
	 * the padding of an unpadded last attribute). */
	if ((const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)a >=
	    (ptrdiff_t)sizeof(struct nlattr))
		return -EINVAL;
	return 0;
}

static int u32_attr(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EINVAL;
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int u8_attr(const struct nlattr *a, uint8_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return -EINVAL;
	*v = mnl_attr_get_u8(a);
	return 0;
}

/* Rule attributes outside the model: present with a meaningful value,
 * the rule is not one Outpost could have made. */
static int rule_outside(const struct nlattr *const *tb, bool unknown)
{
	uint32_t v;

	if (unknown || tb[FRA_GOTO] || tb[FRA_FLOW] || tb[FRA_SPORT_RANGE])
		return -ENOENT;
	/* DSCP, flow label and the port masks but a full dport one. */
	for (unsigned t = FRA_MAX + 1; t <= RT_FRA_KNOWN; t++)
		if (tb[t] && t != RT_FRA_DPORT_MASK)
			return -ENOENT;
	if (tb[RT_FRA_DPORT_MASK] && (mnl_attr_validate(tb[RT_FRA_DPORT_MASK], MNL_TYPE_U16) < 0 ||
				      mnl_attr_get_u16(tb[RT_FRA_DPORT_MASK]) != UINT16_MAX))
		return -ENOENT;
	/* The kernel reports these with "unset" values on every rule. */
	if (tb[FRA_SUPPRESS_PREFIXLEN] &&
	    (u32_attr(tb[FRA_SUPPRESS_PREFIXLEN], &v) < 0 || v != UINT32_MAX))
		return -ENOENT;
	if (tb[FRA_SUPPRESS_IFGROUP] &&
	    (u32_attr(tb[FRA_SUPPRESS_IFGROUP], &v) < 0 || v != UINT32_MAX))
		return -ENOENT;
	if (tb[FRA_L3MDEV] && mnl_attr_get_payload_len(tb[FRA_L3MDEV]) >= 1 &&
	    mnl_attr_get_u8(tb[FRA_L3MDEV]))
		return -ENOENT;
	if (tb[FRA_TUN_ID] && (mnl_attr_get_payload_len(tb[FRA_TUN_ID]) != 8 ||
			       mnl_attr_get_u64(tb[FRA_TUN_ID])))
		return -ENOENT;
	return 0;
}

static int rule_attrs(const struct nlattr *const *tb, const struct fib_rule_hdr *frh,
		      struct rt_msg *m)
{
	struct rt_rule *r = &m->obj.u.rule;

	if (tb[FRA_PRIORITY] && u32_attr(tb[FRA_PRIORITY], &r->priority) < 0)
		return -EINVAL;
	if (tb[FRA_TABLE] && u32_attr(tb[FRA_TABLE], &r->table) < 0)
		return -EINVAL;
	if (frh->src_len) {
		if (!tb[FRA_SRC] || prefix_attr(tb[FRA_SRC], frh->family, frh->src_len, &r->src) < 0)
			return -EINVAL;
		r->has_src = true;
	}
	if (frh->dst_len) {
		if (!tb[FRA_DST] || prefix_attr(tb[FRA_DST], frh->family, frh->dst_len, &r->dst) < 0)
			return -EINVAL;
		r->has_dst = true;
	}
	if (tb[FRA_FWMARK]) {
		if (u32_attr(tb[FRA_FWMARK], &r->fwmark) < 0)
			return -EINVAL;
		r->fwmask = UINT32_MAX;	/* "fwmark N" alone: every bit */
	}
	if (tb[FRA_FWMASK] && u32_attr(tb[FRA_FWMASK], &r->fwmask) < 0)
		return -EINVAL;
	if (!r->fwmask && r->fwmark)
		return -ENOENT;	/* a mark under mask 0 never matches: not ours */
	if (tb[FRA_IIFNAME] && ifname_attr(tb[FRA_IIFNAME], r->iif) < 0)
		return -EINVAL;
	if (tb[FRA_OIFNAME] && ifname_attr(tb[FRA_OIFNAME], r->oif) < 0)
		return -EINVAL;
	if (tb[FRA_UID_RANGE]) {
		struct fib_rule_uid_range u;

		if (mnl_attr_get_payload_len(tb[FRA_UID_RANGE]) != sizeof(u))
			return -EINVAL;
		memcpy(&u, mnl_attr_get_payload(tb[FRA_UID_RANGE]), sizeof(u));
		r->has_uidrange = true;
		r->uid_start = u.start;
		r->uid_end = u.end;
	}
	if (tb[FRA_IP_PROTO] && u8_attr(tb[FRA_IP_PROTO], &r->ipproto) < 0)
		return -EINVAL;
	if (tb[FRA_DPORT_RANGE]) {
		struct fib_rule_port_range p;

		if (mnl_attr_get_payload_len(tb[FRA_DPORT_RANGE]) != sizeof(p))
			return -EINVAL;
		memcpy(&p, mnl_attr_get_payload(tb[FRA_DPORT_RANGE]), sizeof(p));
		r->dport_start = p.start;
		r->dport_end = p.end;
	}
	if (tb[FRA_PROTOCOL] && u8_attr(tb[FRA_PROTOCOL], &m->protocol) < 0)
		return -EINVAL;
	return 0;
}

int rt_parse_rule(const struct nlmsghdr *nlh, size_t len, struct rt_msg *m)
{
	const struct nlattr *tb[RT_FRA_KNOWN + 1];
	struct fib_rule_hdr frh;
	struct rt_rule *r;
	bool unknown;
	unsigned bits;
	int rc;

	memset(m, 0, sizeof(*m));
	if (rt_parse_check(nlh, len, sizeof(frh)) < 0)
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWRULE && nlh->nlmsg_type != RTM_DELRULE)
		return -EINVAL;
	memcpy(&frh, mnl_nlmsg_get_payload(nlh), sizeof(frh));
	if (frh.family != AF_INET && frh.family != AF_INET6)
		return -ENOENT;
	bits = frh.family == AF_INET ? 32 : 128;
	if (frh.src_len > bits || frh.dst_len > bits)
		return -EINVAL;
	if (attr_index(nlh, sizeof(frh), tb, RT_FRA_KNOWN, &unknown) < 0)
		return -EINVAL;
	if (frh.action != FR_ACT_TO_TBL && frh.action != FR_ACT_BLACKHOLE)
		return -ENOENT;
	if (frh.tos || (frh.flags & FIB_RULE_INVERT))
		return -ENOENT;
	rc = rule_outside(tb, unknown);
	if (rc < 0)
		return rc;
	m->type = nlh->nlmsg_type;
	m->obj.kind = RT_RULE;
	r = &m->obj.u.rule;
	r->family = frh.family;
	r->action = frh.action;
	r->table = frh.table;
	rc = rule_attrs(tb, &frh, m);
	if (rc < 0)
		return rc;
	if (r->action != FR_ACT_TO_TBL)
		r->table = 0;
	return 0;
}

/* Route attributes outside the model. */
static bool route_outside(const struct rtmsg *rtm, const struct nlattr *const *tb)
{
	if (rtm->rtm_flags & (RTM_F_CLONED | RTNH_F_ONLINK))
		return true;
	if (rtm->rtm_src_len || rtm->rtm_tos)
		return true;
	if (tb[RTA_VIA] || tb[RTA_MULTIPATH] || tb[RTA_NH_ID] || tb[RTA_ENCAP] || tb[RTA_SRC])
		return true;
	switch (rtm->rtm_type) {
	case RTN_UNICAST: case RTN_BLACKHOLE: case RTN_UNREACHABLE:
		return false;
	default:
		return true;
	}
}

int rt_parse_route(const struct nlmsghdr *nlh, size_t len, const struct rt_links *links,
		   struct rt_msg *m)
{
	const struct nlattr *tb[RTA_MAX + 1];
	struct rt_route *r;
	struct rtmsg rtm;
	bool unknown;
	uint32_t oif = 0;

	memset(m, 0, sizeof(*m));
	if (rt_parse_check(nlh, len, sizeof(rtm)) < 0)
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	memcpy(&rtm, mnl_nlmsg_get_payload(nlh), sizeof(rtm));
	if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6)
		return -ENOENT;
	if (rtm.rtm_dst_len > (rtm.rtm_family == AF_INET ? 32 : 128))
		return -EINVAL;
	if (attr_index(nlh, sizeof(rtm), tb, RTA_MAX, &unknown) < 0)
		return -EINVAL;
	/* Unknown route attributes are mostly status (cache info, metrics
	 * of newer kernels): not selectors, so they do not disown a route. */
	if (route_outside(&rtm, tb))
		return -ENOENT;
	m->type = nlh->nlmsg_type;
	m->protocol = rtm.rtm_protocol;
	m->obj.kind = RT_ROUTE;
	r = &m->obj.u.route;
	r->family = rtm.rtm_family;
	r->type = rtm.rtm_type;
	r->scope = rtm.rtm_scope;
	r->table = rtm.rtm_table;
	r->dst.addr.family = rtm.rtm_family;
	if (tb[RTA_TABLE] && u32_attr(tb[RTA_TABLE], &r->table) < 0)
		return -EINVAL;
	if (r->table == RT_TABLE_LOCAL)
		return -ENOENT;
	if (tb[RTA_DST]) {
		if (prefix_attr(tb[RTA_DST], rtm.rtm_family, rtm.rtm_dst_len, &r->dst) < 0)
			return -EINVAL;
	} else if (rtm.rtm_dst_len) {
		return -EINVAL;
	}
	if (tb[RTA_GATEWAY]) {
		if (rt_parse_addr_attr(tb[RTA_GATEWAY], rtm.rtm_family, &r->gw) < 0)
			return -EINVAL;
		r->has_gw = true;
	}
	if (tb[RTA_PREFSRC]) {
		if (rt_parse_addr_attr(tb[RTA_PREFSRC], rtm.rtm_family, &r->prefsrc) < 0)
			return -EINVAL;
		r->has_prefsrc = true;
	}
	if (tb[RTA_PRIORITY] && u32_attr(tb[RTA_PRIORITY], &r->metric) < 0)
		return -EINVAL;
	if (tb[RTA_OIF] && u32_attr(tb[RTA_OIF], &oif) < 0)
		return -EINVAL;
	if (oif > INT32_MAX)
		return -EINVAL;
	/* IPv6 hangs blackhole and unreachable routes on lo: the model says
	 * they have no device, as IPv4 does. */
	if (r->type != RTN_UNICAST)
		oif = 0;
	r->oif = (int)oif;
	if (oif && links) {
		const struct rt_link *l = rt_links_by_index(links, (int)oif);

		if (l)
			memcpy(r->ifname, l->name, sizeof(r->ifname));
	}
	return 0;
}
