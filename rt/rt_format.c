/* rt_format.c: routing objects as ip(8) text: the command that makes a
 * change (also in the form `ip -batch` reads) and an object alone for
 * status and messages. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rt.h"
#include "rt_obj.h"

/* A text buffer that remembers it ran out of room. */
struct out {
	char *buf;
	size_t len, off;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off) {
		o->full = true;
		return;
	}
	o->off += (size_t)n;
}

static void put_prefix(struct out *o, const char *word, const struct conf_prefix *p)
{
	char t[INET6_ADDRSTRLEN + 8];

	rt_prefix_text(p, t, sizeof(t));
	put(o, " %s %s", word, t);
}

static void put_addr(struct out *o, const char *word, const struct conf_addr *a)
{
	char t[INET6_ADDRSTRLEN];

	rt_addr_text(a, t, sizeof(t));
	put(o, " %s %s", word, t);
}

/* The selectors and the action, in the order ip(8) takes them. */
static void rule_body(struct out *o, const struct rt_rule *r)
{
	put(o, " priority %u", r->priority);
	if (r->has_src)
		put_prefix(o, "from", &r->src);
	if (r->has_dst)
		put_prefix(o, "to", &r->dst);
	if (r->fwmask)
		put(o, " fwmark 0x%x/0x%x", r->fwmark, r->fwmask);
	if (r->iif[0])
		put(o, " iif %.*s", (int)sizeof(r->iif), r->iif);
	if (r->oif[0])
		put(o, " oif %.*s", (int)sizeof(r->oif), r->oif);
	if (r->has_uidrange)
		put(o, " uidrange %u-%u", r->uid_start, r->uid_end);
	if (r->ipproto)
		put(o, " ipproto %u", r->ipproto);
	if (r->dport_start) {
		if (r->dport_start == r->dport_end)
			put(o, " dport %u", r->dport_start);
		else
			put(o, " dport %u-%u", r->dport_start, r->dport_end);
	}
	if (r->action == FR_ACT_BLACKHOLE)
		put(o, " blackhole");
	else if (r->action == FR_ACT_UNREACHABLE)
		put(o, " unreachable");
	else if (r->action == FR_ACT_PROHIBIT)
		put(o, " prohibit");
	else
		put(o, " lookup %u", r->table);
}

/* The destination (with its type) first, then the attributes. */
static void route_dst(struct out *o, const struct rt_route *r)
{
	char t[INET6_ADDRSTRLEN + 8];

	if (r->type == RTN_BLACKHOLE)
		put(o, " blackhole");
	else if (r->type == RTN_UNREACHABLE)
		put(o, " unreachable");
	else if (r->type == RTN_PROHIBIT)
		put(o, " prohibit");
	if (r->dst.len == 0) {
		put(o, " default");
	} else {
		rt_prefix_text(&r->dst, t, sizeof(t));
		put(o, " %s", t);
	}
}

static void route_attrs(struct out *o, const struct rt_route *r, int protocol)
{
	if (r->has_gw)
		put_addr(o, "via", &r->gw);
	if (r->oif && r->ifname[0])
		put(o, " dev %.*s", (int)sizeof(r->ifname), r->ifname);
	put(o, " table %u", r->table);
	if (protocol >= 0)
		put(o, " proto %d", protocol);
	/* IPv6 has no route scopes: ip(8) would set one the kernel drops. */
	if (r->family == AF_INET && r->scope == RT_SCOPE_LINK)
		put(o, " scope link");
	else if (r->family == AF_INET && r->scope == RT_SCOPE_HOST)
		put(o, " scope host");
	if (r->has_prefsrc)
		put_addr(o, "src", &r->prefsrc);
	put(o, " metric %u", r->metric);
}

static const char *op_word(enum rt_op op)
{
	return op == RT_ADD ? "add" : op == RT_REPLACE ? "replace" : "del";
}

static int change_format(const struct rt_change *c, uint8_t protocol, bool prefix, char *buf,
			 size_t len)
{
	struct out o = { .buf = buf, .len = len };
	const struct rt_obj *ob = &c->obj;
	int family = ob->kind == RT_RULE ? ob->u.rule.family : ob->u.route.family;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	/* ip -batch takes no options on its lines: the family of a batch
	 * file is that of the whole run (ip -6 -batch). */
	if (prefix)
		put(&o, family == AF_INET6 ? "ip -6 " : "ip ");
	if (ob->kind == RT_RULE) {
		/* A rule has no replace: the diff never asks for one. */
		put(&o, "rule %s", c->op == RT_DEL ? "del" : "add");
		rule_body(&o, &ob->u.rule);
		put(&o, " proto %u", protocol);
	} else {
		put(&o, "route %s", op_word(c->op));
		route_dst(&o, &ob->u.route);
		route_attrs(&o, &ob->u.route, protocol);
	}
	return o.full ? -ENOSPC : 0;
}

int rt_change_format(const struct rt_change *c, uint8_t protocol, char *buf, size_t len)
{
	return change_format(c, protocol, true, buf, len);
}

int rt_change_format_batch(const struct rt_change *c, uint8_t protocol, char *buf, size_t len)
{
	return change_format(c, protocol, false, buf, len);
}

int rt_obj_format(const struct rt_obj *o, char *buf, size_t len)
{
	struct out out = { .buf = buf, .len = len };
	int family = o->kind == RT_RULE ? o->u.rule.family : o->u.route.family;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	if (family == AF_INET6)
		put(&out, "-6 ");
	if (o->kind == RT_RULE) {
		put(&out, "rule");
		rule_body(&out, &o->u.rule);
	} else {
		put(&out, "route");
		route_dst(&out, &o->u.route);
		route_attrs(&out, &o->u.route, -1);
	}
	return out.full ? -ENOSPC : 0;
}
