/* shape_tc_parse.c: links, qdiscs, classes and filters from the kernel.
 *
 * Any bytes may arrive here (the fuzz harness makes sure of it): a
 * message must hold its family header, every attribute is indexed only
 * once libmnl found it inside the message, and every payload's length
 * is checked before it is copied out (never cast in place: kernel
 * structs grow, and short ones are refused). What the model cannot say
 * exactly is reported as not ours, never guessed at. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/gen_stats.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include "shape_tc_int.h"

#define TB_MAX 64  /* attribute types indexed per level; later ones are ignored */

static int msg_check(const struct nlmsghdr *nlh, size_t len, size_t hdrlen)
{
	if (len < sizeof(*nlh) || nlh->nlmsg_len < NLMSG_HDRLEN + MNL_ALIGN(hdrlen) ||
	    MNL_ALIGN((size_t)nlh->nlmsg_len) > MNL_ALIGN(len) || nlh->nlmsg_len > len)
		return -EINVAL;
	return 0;
}

/* Index the attributes in [p, p + len) by type. */
static void index_attrs(const void *p, size_t len, const struct nlattr **tb, unsigned max)
{
	const struct nlattr *attr;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each_payload(p, len) {
		unsigned t = mnl_attr_get_type(attr);

		if (t <= max)
			tb[t] = attr;
	}
}

static void index_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      unsigned max)
{
	index_attrs((const char *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(hdrlen),
		    nlh->nlmsg_len - NLMSG_HDRLEN - MNL_ALIGN(hdrlen), tb, max);
}

static void index_nest(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	index_attrs(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), tb, max);
}

/* A NUL-terminated string attribute that fits in out (size n). */
static int str_attr(const struct nlattr *a, char *out, size_t n)
{
	const char *s;
	size_t l;

	if (!a)
		return -ENOENT;
	s = mnl_attr_get_payload(a);
	l = strnlen(s, mnl_attr_get_payload_len(a));
	if (l == mnl_attr_get_payload_len(a) || l >= n)
		return -EINVAL;
	memcpy(out, s, l);
	out[l] = '\0';
	return 0;
}

/* At least want bytes of payload, copied into out (the rest zeroed). */
static int blob_attr(const struct nlattr *a, void *out, size_t want, size_t min)
{
	size_t l;

	memset(out, 0, want);
	if (!a)
		return -ENOENT;
	l = mnl_attr_get_payload_len(a);
	if (l < min)
		return -EINVAL;
	memcpy(out, mnl_attr_get_payload(a), l < want ? l : want);
	return 0;
}

static int u32_attr(const struct nlattr *a, uint32_t *v)
{
	return blob_attr(a, v, sizeof(*v), sizeof(*v));
}

static int u64_attr(const struct nlattr *a, uint64_t *v)
{
	return blob_attr(a, v, sizeof(*v), sizeof(*v));
}

int shape_tc_parse_link(const struct nlmsghdr *nlh, size_t len, struct shape_tc_link *out)
{
	const struct nlattr *tb[TB_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct ifinfomsg ifi;
	char kind[16], alias[128];
	size_t pl = strlen(SHAPE_IFB_ALIAS_PREFIX);

	memset(out, 0, sizeof(*out));
	if (msg_check(nlh, len, sizeof(ifi)) < 0 || nlh->nlmsg_type != RTM_NEWLINK)
		return -EINVAL;
	memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof(ifi));
	index_msg(nlh, sizeof(ifi), tb, TB_MAX);
	if (ifi.ifi_index <= 0 || str_attr(tb[IFLA_IFNAME], out->name, sizeof(out->name)) < 0)
		return -EINVAL;
	out->ifindex = ifi.ifi_index;
	out->up = ifi.ifi_flags & IFF_UP;
	if (tb[IFLA_MTU] && u32_attr(tb[IFLA_MTU], &out->mtu) < 0)
		return -EINVAL;
	if (tb[IFLA_LINKINFO]) {
		index_nest(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX);
		out->ifb = str_attr(li[IFLA_INFO_KIND], kind, sizeof(kind)) == 0 &&
			   strcmp(kind, "ifb") == 0;
	}
	if (out->ifb && str_attr(tb[IFLA_IFALIAS], alias, sizeof(alias)) == 0 &&
	    strncmp(alias, SHAPE_IFB_ALIAS_PREFIX, pl) == 0 && strlen(alias + pl) > 0 &&
	    strlen(alias + pl) < sizeof(out->alias_wan)) {
		out->ifb_ours = true;
		memcpy(out->alias_wan, alias + pl, strlen(alias + pl) + 1);
	}
	return 0;
}

static int tc_head(const struct nlmsghdr *nlh, size_t len, uint16_t type, struct tcmsg *t,
		   const struct nlattr **tb)
{
	if (msg_check(nlh, len, sizeof(*t)) < 0 || nlh->nlmsg_type != type)
		return -EINVAL;
	memcpy(t, mnl_nlmsg_get_payload(nlh), sizeof(*t));
	index_msg(nlh, sizeof(*t), tb, TB_MAX);
	return 0;
}

int shape_tc_parse_qdisc(const struct nlmsghdr *nlh, size_t len, struct shape_tc_qdisc *out)
{
	const struct nlattr *tb[TB_MAX + 1], *o[TB_MAX + 1];
	struct tcmsg t;

	memset(out, 0, sizeof(*out));
	if (tc_head(nlh, len, RTM_NEWQDISC, &t, tb) < 0 ||
	    str_attr(tb[TCA_KIND], out->kind, sizeof(out->kind)) < 0)
		return -EINVAL;
	out->ifindex = t.tcm_ifindex;
	out->handle = t.tcm_handle;
	out->parent = t.tcm_parent;
	if (!tb[TCA_OPTIONS])
		return 0;
	if (strcmp(out->kind, "htb") == 0) {
		struct tc_htb_glob g;

		index_nest(tb[TCA_OPTIONS], o, TB_MAX);
		if (blob_attr(o[TCA_HTB_INIT], &g, sizeof(g), sizeof(g)) == 0)
			out->defcls = g.defcls;
	} else if (strcmp(out->kind, "pfifo") == 0 || strcmp(out->kind, "bfifo") == 0) {
		struct tc_fifo_qopt q;

		if (blob_attr(tb[TCA_OPTIONS], &q, sizeof(q), sizeof(q)) == 0)
			out->limit = q.limit;
	} else if (strcmp(out->kind, "fq_codel") == 0) {
		index_nest(tb[TCA_OPTIONS], o, TB_MAX);
		(void)u32_attr(o[TCA_FQ_CODEL_LIMIT], &out->limit);
	}
	return 0;
}

/* Burst bytes of buffer ticks at rate: the count whose ticks are the
 * kernel's again (shape_xmit_ticks rounds up, so floor is the start). */
static uint32_t ticks_bytes(uint32_t ticks, uint64_t rate)
{
	unsigned __int128 b = (unsigned __int128)ticks * rate / 15625000u;
	uint32_t v = b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;

	if (!rate)
		return 0;
	for (int i = 0; i < 4 && v < UINT32_MAX && shape_xmit_ticks(v, rate) < ticks; i++)
		v++;
	for (int i = 0; i < 4 && v > 0 && shape_xmit_ticks(v - 1, rate) >= ticks; i++)
		v--;
	return v;
}

static void parse_stats(const struct nlattr *st2, struct shape_stats *s)
{
	const struct nlattr *tb[TB_MAX + 1];
	struct gnet_stats_basic b;
	struct gnet_stats_queue q;
	struct gnet_stats_rate_est r;
	struct gnet_stats_rate_est64 r64;
	uint64_t pkts;

	memset(s, 0, sizeof(*s));
	if (!st2)
		return;
	index_nest(st2, tb, TB_MAX);
	/* struct gnet_stats_basic is 12 bytes of data, padded to 16. */
	if (blob_attr(tb[TCA_STATS_BASIC], &b, sizeof(b), 12) == 0) {
		s->bytes = b.bytes;
		s->packets = b.packets;
	}
	if (u64_attr(tb[TCA_STATS_PKT64], &pkts) == 0)
		s->packets = pkts;
	if (blob_attr(tb[TCA_STATS_QUEUE], &q, sizeof(q), sizeof(q)) == 0) {
		s->drops = q.drops;
		s->overlimits = q.overlimits;
		s->requeues = q.requeues;
		s->backlog_bytes = q.backlog;
		s->backlog_pkts = q.qlen;
	}
	if (blob_attr(tb[TCA_STATS_RATE_EST64], &r64, sizeof(r64), sizeof(r64)) == 0) {
		s->rate_bps = r64.bps * 8;
		s->rate_pps = r64.pps;
		s->has_rate = true;
	} else if (blob_attr(tb[TCA_STATS_RATE_EST], &r, sizeof(r), sizeof(r)) == 0) {
		s->rate_bps = (uint64_t)r.bps * 8;
		s->rate_pps = r.pps;
		s->has_rate = true;
	}
}

static enum shape_kind minor_kind(uint32_t minor)
{
	if (minor == SHAPE_MINOR_LINE)
		return SHAPE_LINE;
	if (minor == SHAPE_MINOR_BUSINESS)
		return SHAPE_BUSINESS;
	return (minor & 0xfu) == SHAPE_PEER ? SHAPE_PEER : SHAPE_ORIGIN;
}

int shape_tc_parse_class(const struct nlmsghdr *nlh, size_t len, int *ifindex,
			 struct shape_kclass *out)
{
	const struct nlattr *tb[TB_MAX + 1], *o[TB_MAX + 1];
	struct shape_class *c = &out->cls;
	struct tc_htb_opt h;
	char kind[16];
	struct tcmsg t;
	uint64_t r64;

	memset(out, 0, sizeof(*out));
	*ifindex = 0;
	if (tc_head(nlh, len, RTM_NEWTCLASS, &t, tb) < 0 ||
	    str_attr(tb[TCA_KIND], kind, sizeof(kind)) < 0)
		return -EINVAL;
	if (strcmp(kind, "htb") != 0 || !tb[TCA_OPTIONS])
		return -ENOENT;
	index_nest(tb[TCA_OPTIONS], o, TB_MAX);
	if (blob_attr(o[TCA_HTB_PARMS], &h, sizeof(h), sizeof(h)) < 0)
		return -EINVAL;
	*ifindex = t.tcm_ifindex;
	c->classid = t.tcm_handle;
	/* A top-level class says "root"; the model names the qdisc. */
	c->parent = t.tcm_parent == TC_H_ROOT ? TC_H_MAJ(t.tcm_handle) : t.tcm_parent;
	c->kind = minor_kind(TC_H_MIN(t.tcm_handle));
	c->region = -1;
	c->rate = h.rate.rate;
	c->ceil = h.ceil.rate;
	if (o[TCA_HTB_RATE64] && u64_attr(o[TCA_HTB_RATE64], &r64) == 0)
		c->rate = r64;
	if (o[TCA_HTB_CEIL64] && u64_attr(o[TCA_HTB_CEIL64], &r64) == 0)
		c->ceil = r64;
	out->buffer_ticks = h.buffer;
	out->cbuffer_ticks = h.cbuffer;
	c->burst = ticks_bytes(h.buffer, c->rate);
	c->cburst = ticks_bytes(h.cbuffer, c->ceil);
	c->quantum = h.quantum;
	c->prio = h.prio;
	parse_stats(tb[TCA_STATS2], &out->st);
	return 0;
}

/* The one mirred egress redirect of a TCA_U32_ACT nest: its ifindex,
 * or 0 when the actions are anything else. */
static int redirect_target(const struct nlattr *acts)
{
	const struct nlattr *at[TB_MAX + 1], *mo[TB_MAX + 1];
	const struct nlattr *one = NULL, *a;
	struct tc_mirred m;
	char kind[16];
	int n = 0;

	mnl_attr_for_each_nested(a, acts) {
		one = a;
		n++;
	}
	if (n != 1)
		return 0;
	index_nest(one, at, TB_MAX);
	if (str_attr(at[TCA_ACT_KIND], kind, sizeof(kind)) < 0 || strcmp(kind, "mirred") != 0 ||
	    !at[TCA_ACT_OPTIONS])
		return 0;
	index_nest(at[TCA_ACT_OPTIONS], mo, TB_MAX);
	if (blob_attr(mo[TCA_MIRRED_PARMS], &m, sizeof(m), sizeof(m)) < 0 ||
	    m.eaction != TCA_EGRESS_REDIR || m.action != TC_ACT_STOLEN || m.ifindex > INT32_MAX)
		return 0;
	return (int)m.ifindex;
}

/* A match-all selector: one zero key, terminal, nothing else. */
static bool match_all(const struct nlattr *a)
{
	struct tc_u32_sel s;
	struct tc_u32_key k;

	if (mnl_attr_get_payload_len(a) != sizeof(s) + sizeof(k))
		return false;
	memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
	memcpy(&k, (const char *)mnl_attr_get_payload(a) + sizeof(s), sizeof(k));
	return s.flags == TC_U32_TERMINAL && s.nkeys == 1 && !s.offshift && !s.offmask &&
	       !s.off && !s.offoff && !s.hoff && !s.hmask && !k.mask && !k.val && !k.off &&
	       !k.offmask;
}

static void parse_u32(const struct nlattr *opts, struct shape_tc_filter *f)
{
	const struct nlattr *o[TB_MAX + 1];
	uint32_t v;
	uint8_t family = f->protocol == ETH_P_IP ? AF_INET : f->protocol == ETH_P_IPV6 ? AF_INET6 : 0;

	index_nest(opts, o, TB_MAX);
	if (o[TCA_U32_HASH] && (u32_attr(o[TCA_U32_HASH], &v) < 0 || v != SHAPE_U32_HTID(f->handle)))
		return;
	if (o[TCA_U32_FLAGS] &&
	    (u32_attr(o[TCA_U32_FLAGS], &v) < 0 ||
	     (v & ~(uint32_t)(TCA_CLS_FLAGS_IN_HW | TCA_CLS_FLAGS_NOT_IN_HW))))
		return;
	if (!o[TCA_U32_SEL] || o[TCA_U32_LINK] || o[TCA_U32_POLICE] || o[TCA_U32_INDEV] ||
	    o[TCA_U32_MARK] || o[TCA_U32_DIVISOR])
		return;
	if (o[TCA_U32_ACT]) {
		if (!o[TCA_U32_CLASSID] && f->protocol == ETH_P_ALL && match_all(o[TCA_U32_SEL])) {
			f->redirect_ifindex = redirect_target(o[TCA_U32_ACT]);
			f->redirect = f->redirect_ifindex > 0;
		}
		return;
	}
	if (!family || u32_attr(o[TCA_U32_CLASSID], &v) < 0 || TC_H_MAJ(v) != SHAPE_HANDLE(0) ||
	    !TC_H_MIN(v))
		return;
	if (shape_u32_decode(family, mnl_attr_get_payload(o[TCA_U32_SEL]),
			     mnl_attr_get_payload_len(o[TCA_U32_SEL]), &f->u32) < 0)
		return;
	f->u32.pref = f->pref;
	f->u32.classid = v;
	f->ours = true;
}

int shape_tc_parse_filter(const struct nlmsghdr *nlh, size_t len, struct shape_tc_filter *out)
{
	const struct nlattr *tb[TB_MAX + 1];
	struct tcmsg t;

	memset(out, 0, sizeof(*out));
	if (tc_head(nlh, len, RTM_NEWTFILTER, &t, tb) < 0 ||
	    str_attr(tb[TCA_KIND], out->kind, sizeof(out->kind)) < 0)
		return -EINVAL;
	out->ifindex = t.tcm_ifindex;
	out->parent = t.tcm_parent;
	out->handle = t.tcm_handle;
	out->pref = (uint16_t)(t.tcm_info >> 16);
	out->protocol = ntohs((uint16_t)t.tcm_info);
	if (strcmp(out->kind, "u32") != 0) {
		/* A message without a handle is the classifier instance itself. */
		out->node = t.tcm_handle != 0;
		return 0;
	}
	/* u32 also reports its hash tables (node id 0): not filters. */
	out->node = SHAPE_U32_NODEID(t.tcm_handle) != 0;
	if (out->node && tb[TCA_OPTIONS])
		parse_u32(tb[TCA_OPTIONS], out);
	return 0;
}
