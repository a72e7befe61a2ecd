/* test-rt-kernel.c: the rt kernel side against a real kernel, in a
 * network namespace of its own with a veth pair (root; skips without,
 * fails without under OUTPOST_REQUIRE_ROOT=1).
 *
 * Every kind of rule selector and route attribute (both families,
 * tables past 255, blackholes) goes encode -> kernel -> dump -> parse
 * and comes back equal; rules and routes of another protocol are
 * foreign, never ours; a diff with a refused change reports exactly
 * that change with the kernel's text and applies the rest; a route
 * changed behind our back still goes by identity; and 10,000 rules plus
 * 10,000 routes go in (and out) in one rt_kernel_apply each. Last, the
 * model and the kernel agree: the test world's config (rt-world.h) on
 * veth pairs named as in tests/rt/rt-lib.sh, rt_desired applied, dumped
 * back and diffed again is an empty difference, before and after a
 * failover. Link and address notifications keep an rt_links current
 * (peer addresses, carrier, a link deleted with its peer). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "rt_kernel.h"
#include "../tap.h"
#include "rt-world.h"


#define PROTO RT_PROTO_DEFAULT

static struct conf_addr addr(const char *s)
{
	struct conf_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.u.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.u.v6) == 1)
		a.family = AF_INET6;
	else
		bail_out("bad address %s", s);
	return a;
}

static struct conf_prefix pfx(const char *s, unsigned len)
{
	struct conf_prefix p = { .addr = addr(s), .len = len };

	return p;
}

static struct rt_obj rule(int family, uint32_t prio, uint32_t table)
{
	struct rt_obj o;

	memset(&o, 0, sizeof(o));
	o.kind = RT_RULE;
	o.u.rule.family = (uint8_t)family;
	o.u.rule.action = FR_ACT_TO_TBL;
	o.u.rule.priority = prio;
	o.u.rule.table = table;
	return o;
}

static struct rt_obj route(int family, uint32_t table, const char *dst, unsigned len,
			   uint32_t metric)
{
	struct rt_obj o;

	memset(&o, 0, sizeof(o));
	o.kind = RT_ROUTE;
	o.u.route.family = (uint8_t)family;
	o.u.route.type = RTN_UNICAST;
	o.u.route.scope = RT_SCOPE_UNIVERSE;
	o.u.route.table = table;
	o.u.route.dst = pfx(dst, len);
	o.u.route.metric = metric;
	return o;
}

static void via(struct rt_obj *o, const char *gw, int oif, const char *ifname)
{
	if (gw) {
		o->u.route.has_gw = true;
		o->u.route.gw = addr(gw);
	}
	o->u.route.oif = oif;
	snprintf(o->u.route.ifname, sizeof(o->u.route.ifname), "%s", ifname);
}

static void diff_add(struct rt_diff *d, enum rt_op op, const struct rt_obj *o)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct rt_change *v = reallocarray(d->v, cap, sizeof(*v));

		if (!v)
			bail_out("out of memory");
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].op = op;
	d->v[d->n].obj = *o;
	d->n++;
}

static size_t find_equal(const struct rt_set *s, const struct rt_obj *o)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += rt_obj_equal(&s->v[i], o);
	return n;
}

struct fails {
	int n;
	const struct rt_change *c;
	int err;
	char text[256];
};

static void on_fail(const struct rt_change *c, int err, const char *extack, void *arg)
{
	struct fails *f = arg;

	f->n++;
	f->c = c;
	f->err = err;
	snprintf(f->text, sizeof(f->text), "%s", extack);
}

static int dump(struct nl_sock *s, const struct rt_links *l, struct rt_set *ours,
		struct rt_set *foreign)
{
	rt_set_clear(ours);
	if (foreign)
		rt_set_clear(foreign);
	return rt_kernel_dump(s, PROTO, l, ours, foreign);
}

static void test_links(struct nl_sock *s, struct rt_links *l, int *ifindex)
{
	const struct rt_link *k;
	bool v4 = false, v6 = false;

	is_int(rt_kernel_links(s, l), 0, "rt_kernel_links");
	k = rt_links_by_name(l, "rtk0");
	if (!ok(k != NULL, "rtk0 is among the links"))
		bail_out("no rtk0");
	*ifindex = k->ifindex;
	is_int(k->ifindex, if_nametoindex("rtk0"), "its ifindex");
	ok(k->up && !k->lower_up, "rtk0 is up, without carrier while its peer is down");
	for (size_t i = 0; i < k->naddrs; i++) {
		const struct rt_ifaddr *a = &k->addrs[i];
		struct conf_prefix w4 = pfx("192.0.2.1", 24), w6 = pfx("2001:db8:1::1", 64);

		if (a->pfx.addr.family == AF_INET && a->pfx.len == 24 &&
		    !memcmp(&a->pfx.addr.u.v4, &w4.addr.u.v4, 4) && a->scope == RT_SCOPE_UNIVERSE)
			v4 = true;
		if (a->pfx.addr.family == AF_INET6 && a->pfx.len == 64 &&
		    !memcmp(&a->pfx.addr.u.v6, &w6.addr.u.v6, 16) && (a->flags & IFA_F_NODAD))
			v6 = true;
	}
	ok(v4, "192.0.2.1/24 (host bits kept, scope global) on rtk0");
	ok(v6, "2001:db8:1::1/64 with IFA_F_NODAD (from IFA_FLAGS) on rtk0");
	k = rt_links_by_name(l, "rtk1");
	ok(k && !k->up, "rtk1 is there and down");
}

/* Every selector and attribute the model has, each in its own object. */
static size_t build_all(struct rt_obj *v, int ifx)
{
	size_t n = 0;
	struct rt_obj o;

	o = rule(AF_INET, 1000, 150);		/* bare, small table */
	v[n++] = o;
	o = rule(AF_INET, 1001, 70000);		/* table > 255 */
	o.u.rule.has_src = true;
	o.u.rule.src = pfx("198.51.100.0", 24);
	v[n++] = o;
	o = rule(AF_INET, 1002, 151);
	o.u.rule.has_dst = true;
	o.u.rule.dst = pfx("203.0.113.128", 25);
	o.u.rule.fwmark = 0x10;
	o.u.rule.fwmask = 0xff;
	v[n++] = o;
	o = rule(AF_INET, 1003, 152);
	o.u.rule.fwmark = 0x20;
	o.u.rule.fwmask = UINT32_MAX;
	snprintf(o.u.rule.iif, sizeof(o.u.rule.iif), "rtk1");
	v[n++] = o;
	o = rule(AF_INET, 1004, 153);
	snprintf(o.u.rule.oif, sizeof(o.u.rule.oif), "rtk0");
	o.u.rule.has_uidrange = true;
	o.u.rule.uid_start = 1000;
	o.u.rule.uid_end = 1999;
	v[n++] = o;
	o = rule(AF_INET, 1005, 154);
	o.u.rule.ipproto = IPPROTO_TCP;
	o.u.rule.dport_start = 8000;
	o.u.rule.dport_end = 8080;
	v[n++] = o;
	o = rule(AF_INET, 1006, 0);
	o.u.rule.action = FR_ACT_BLACKHOLE;
	o.u.rule.has_src = true;
	o.u.rule.src = pfx("10.50.0.0", 16);
	v[n++] = o;
	o = rule(AF_INET6, 1000, 150);
	o.u.rule.has_src = true;
	o.u.rule.src = pfx("2001:db8:50::", 64);
	v[n++] = o;
	o = rule(AF_INET6, 1001, 70001);
	o.u.rule.has_dst = true;
	o.u.rule.dst = pfx("2001:db8:99::", 48);
	o.u.rule.ipproto = IPPROTO_UDP;
	o.u.rule.dport_start = 53;
	o.u.rule.dport_end = 53;
	snprintf(o.u.rule.oif, sizeof(o.u.rule.oif), "rtk0");
	v[n++] = o;
	o = rule(AF_INET6, 1002, 0);
	o.u.rule.action = FR_ACT_BLACKHOLE;
	o.u.rule.has_uidrange = true;
	o.u.rule.uid_start = 5;
	o.u.rule.uid_end = 5;
	v[n++] = o;

	o = route(AF_INET, 150, "0.0.0.0", 0, 0);	/* default via gateway */
	via(&o, "192.0.2.254", ifx, "rtk0");
	v[n++] = o;
	o = route(AF_INET, 70000, "192.0.2.0", 24, 0);	/* connected copy */
	o.u.route.scope = RT_SCOPE_LINK;
	via(&o, NULL, ifx, "rtk0");
	o.u.route.has_prefsrc = true;
	o.u.route.prefsrc = addr("192.0.2.1");
	v[n++] = o;
	o = route(AF_INET, 70000, "0.0.0.0", 0, 0);	/* default on the device */
	via(&o, NULL, ifx, "rtk0");
	v[n++] = o;
	o = route(AF_INET, 70000, "198.51.100.0", 24, 20);
	via(&o, "192.0.2.253", ifx, "rtk0");
	v[n++] = o;
	o = route(AF_INET, 151, "0.0.0.0", 0, 10);
	o.u.route.type = RTN_BLACKHOLE;
	v[n++] = o;
	o = route(AF_INET, 151, "203.0.113.0", 24, 0);
	o.u.route.type = RTN_UNREACHABLE;
	v[n++] = o;
	o = route(AF_INET6, 150, "::", 0, 1024);
	via(&o, "2001:db8:1::fe", ifx, "rtk0");
	v[n++] = o;
	o = route(AF_INET6, 70001, "2001:db8:1::", 64, 256);
	via(&o, NULL, ifx, "rtk0");
	o.u.route.has_prefsrc = true;
	o.u.route.prefsrc = addr("2001:db8:1::1");
	v[n++] = o;
	o = route(AF_INET6, 70001, "::", 0, 7);
	o.u.route.type = RTN_BLACKHOLE;
	v[n++] = o;
	o = route(AF_INET6, 151, "2001:db8:77::", 48, 1);
	o.u.route.type = RTN_UNREACHABLE;
	v[n++] = o;
	return n;
}

static void test_round_trip(struct nl_sock *s, const struct rt_links *l, int ifx,
			    struct rt_set *ours, struct rt_set *foreign)
{
	struct rt_obj v[32];
	struct rt_diff d;
	struct fails f = { 0 };
	size_t n = build_all(v, ifx), back = 0;
	char txt[256];

	rt_diff_init(&d);
	for (size_t i = 0; i < n; i++)
		diff_add(&d, RT_ADD, &v[i]);
	is_int(rt_kernel_apply(s, &d, PROTO, on_fail, &f), 0, "apply %zu adds: none refused", n);
	if (f.n)
		diag("refused: %d %s", f.err, f.text);
	is_int(dump(s, l, ours, foreign), 0, "dump");
	for (size_t i = 0; i < n; i++) {
		size_t k = find_equal(ours, &v[i]);

		if (k == 1) {
			back++;
			continue;
		}
		if (rt_obj_format(&v[i], txt, sizeof(txt)) < 0)
			snprintf(txt, sizeof(txt), "object %zu", i);
		diag("not back exactly once (%zu): %s", k, txt);
	}
	is_int(back, n, "every object comes back equal from the kernel");
	is_int(ours->n, n, "and nothing else is ours");
	/* Deleting them all again, routes by identity only. */
	for (size_t i = 0; i < n; i++)
		d.v[i].op = RT_DEL;
	is_int(rt_kernel_apply(s, &d, PROTO, on_fail, &f), 0, "apply %zu deletes", n);
	is_int(dump(s, l, ours, NULL), 0, "dump");
	is_int(ours->n, 0, "nothing of ours is left");
	rt_diff_free(&d);
}

static void test_foreign(struct nl_sock *s, const struct rt_links *l, struct rt_set *ours,
			 struct rt_set *foreign)
{
	struct rt_obj r = rule(AF_INET, 2000, 300), rt = route(AF_INET, 300, "198.51.100.0", 24, 0);
	struct rt_diff d;
	size_t fr = 0, frt = 0, or = 0, ort = 0;

	ok(system("ip rule add priority 2000 from 198.51.100.0/24 lookup 300 proto static") == 0 &&
	   system("ip route add 198.51.100.0/24 dev rtk0 table 300 proto static") == 0,
	   "ip rule/route add ... proto static");
	/* Ours at the same priority and in the same table. */
	rt_diff_init(&d);
	diff_add(&d, RT_ADD, &r);
	rt.u.route.dst = pfx("203.0.113.0", 24);
	via(&rt, "192.0.2.254", if_nametoindex("rtk0"), "rtk0");
	diff_add(&d, RT_ADD, &rt);
	is_int(rt_kernel_apply(s, &d, PROTO, NULL, NULL), 0, "ours at the same priority and table");
	is_int(dump(s, l, ours, foreign), 0, "dump");
	for (size_t i = 0; i < foreign->n; i++) {
		const struct rt_obj *o = &foreign->v[i];

		if (o->kind == RT_RULE && o->u.rule.priority == 2000 && o->u.rule.has_src)
			fr++;
		if (o->kind == RT_ROUTE && o->u.route.table == 300 &&
		    o->u.route.dst.len == 24 && o->u.route.dst.addr.u.v4.s_addr == htonl(0xc6336400))
			frt++;
	}
	for (size_t i = 0; i < ours->n; i++) {
		const struct rt_obj *o = &ours->v[i];

		if (o->kind == RT_RULE && o->u.rule.priority == 2000)
			or += o->u.rule.has_src ? 100 : 1;
		if (o->kind == RT_ROUTE && o->u.route.table == 300)
			ort += o->u.route.dst.addr.u.v4.s_addr == htonl(0xc6336400) ? 100 : 1;
	}
	is_int(fr, 1, "the proto static rule is foreign");
	is_int(frt, 1, "the proto static route is foreign");
	is_int(or, 1, "only our rule at priority 2000 is ours");
	is_int(ort, 1, "only our route in table 300 is ours");
	ok(foreign->n > 2, "the kernel's own routes are foreign too (%zu)", foreign->n);
	/* Deleting ours leaves the foreign ones. */
	d.v[0].op = RT_DEL;
	d.v[1].op = RT_DEL;
	is_int(rt_kernel_apply(s, &d, PROTO, NULL, NULL), 0, "delete ours");
	ok(system("ip rule show priority 2000 | grep -q 'from 198.51.100.0/24 lookup 300 proto static'")
	   == 0 && system("ip rule show priority 2000 | wc -l | grep -qx 1") == 0,
	   "ip rule: the foreign rule alone is left at priority 2000");
	ok(system("ip route show table 300 | grep -qx '198.51.100.0/24 dev rtk0 proto static scope link *'")
	   == 0 && system("ip route show table 300 | wc -l | grep -qx 1") == 0,
	   "ip route: the foreign route alone is left in table 300");
	rt_diff_free(&d);
}

static void test_refused(struct nl_sock *s, const struct rt_links *l, int ifx,
			 struct rt_set *ours)
{
	struct rt_obj a = rule(AF_INET, 3000, 400), b = rule(AF_INET6, 3001, 401);
	struct rt_obj bad = route(AF_INET, 400, "0.0.0.0", 0, 0);
	struct rt_obj gone = rule(AF_INET, 3002, 402), dup = route(AF_INET, 401, "0.0.0.0", 0, 0);
	struct fails f = { 0 };
	struct rt_diff d;
	size_t found = 0;

	via(&bad, "203.0.113.1", ifx, "rtk0");	/* on no subnet of rtk0 */
	via(&dup, NULL, ifx, "rtk0");
	rt_diff_init(&d);
	diff_add(&d, RT_ADD, &dup);
	is_int(rt_kernel_apply(s, &d, PROTO, on_fail, &f), 0, "a route in place");
	d.n = 0;
	diff_add(&d, RT_ADD, &a);
	diff_add(&d, RT_ADD, &bad);
	diff_add(&d, RT_ADD, &b);
	diff_add(&d, RT_DEL, &gone);	/* not there: someone got there first */
	diff_add(&d, RT_ADD, &dup);	/* there already: EEXIST, not a failure */
	is_int(rt_kernel_apply(s, &d, PROTO, on_fail, &f), 1, "one change refused");
	is_int(f.n, 1, "reported once");
	ok(f.c == &d.v[1], "the refused change is the route via 203.0.113.1");
	ok(f.err < 0 && f.text[0], "with the kernel's text (%d '%s')", f.err, f.text);
	is_int(dump(s, l, ours, NULL), 0, "dump");
	found = find_equal(ours, &a) + find_equal(ours, &b) + find_equal(ours, &dup);
	is_int(found, 3, "the rest is in the kernel");
	is_int(find_equal(ours, &bad), 0, "the refused route is not");
	d.n = 0;
	diff_add(&d, RT_DEL, &a);
	diff_add(&d, RT_DEL, &b);
	diff_add(&d, RT_DEL, &dup);
	is_int(rt_kernel_apply(s, &d, PROTO, on_fail, &f), 0, "clean up");
	rt_diff_free(&d);
}

static void test_identity(struct nl_sock *s, const struct rt_links *l, int ifx,
			  struct rt_set *ours)
{
	struct rt_obj r = route(AF_INET, 500, "198.51.100.0", 24, 5);
	struct rt_diff d;

	via(&r, "192.0.2.10", ifx, "rtk0");
	rt_diff_init(&d);
	diff_add(&d, RT_ADD, &r);
	is_int(rt_kernel_apply(s, &d, PROTO, NULL, NULL), 0, "route via 192.0.2.10");
	ok(system("ip route replace 198.51.100.0/24 via 192.0.2.20 dev rtk0 table 500 metric 5 "
		  "proto 158") == 0, "changed behind our back to via 192.0.2.20");
	d.v[0].op = RT_DEL;
	is_int(rt_kernel_apply(s, &d, PROTO, NULL, NULL), 0, "delete by identity");
	is_int(dump(s, l, ours, NULL), 0, "dump");
	is_int(ours->n, 0, "the changed route is gone");
	d.v[0].op = RT_REPLACE;
	is_int(rt_kernel_apply(s, &d, PROTO, NULL, NULL), 0, "replace creates");
	d.v[0].obj.u.route.gw = addr("192.0.2.30");
	is_int(rt_kernel_apply(s, &d, PROTO, NULL, NULL), 0, "replace changes the gateway");
	ok(system("ip route show table 500 | grep -qx '198.51.100.0/24 via 192.0.2.30 dev rtk0 proto 158 "
		  "metric 5 *'") == 0 && system("ip route show table 500 | wc -l | grep -qx 1") == 0,
	   "ip route: one route, via 192.0.2.30");
	d.v[0].op = RT_DEL;
	is_int(rt_kernel_apply(s, &d, PROTO, NULL, NULL), 0, "delete");
	rt_diff_free(&d);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_scale(struct nl_sock *s, const struct rt_links *l, int ifx, struct rt_set *ours)
{
	struct rt_diff d;
	struct fails f = { 0 };
	double t0, t1, t2;
	size_t rules = 0, routes = 0;
	int rc;

	rt_diff_init(&d);
	for (uint32_t i = 0; i < 10000; i++) {
		struct rt_obj r = rule(AF_INET, 10000 + i, 1000 + i);
		struct rt_obj rt = route(AF_INET, 2000, "10.0.0.0", 24, 0);
		char dst[32];

		r.u.rule.has_src = true;
		snprintf(dst, sizeof(dst), "10.%u.%u.0", 100 + i / 256, i % 256);
		r.u.rule.src = pfx(dst, 24);
		diff_add(&d, RT_ADD, &r);
		rt.u.route.dst = pfx(dst, 24);
		via(&rt, "192.0.2.2", ifx, "rtk0");
		diff_add(&d, RT_ADD, &rt);
	}
	t0 = now_s();
	rc = rt_kernel_apply(s, &d, PROTO, on_fail, &f);
	t1 = now_s();
	is_int(rc, 0, "10,000 rules + 10,000 routes in one apply");
	diag("apply of 20,000 adds: %.3f s", t1 - t0);
	ok(t1 - t0 < 10.0, "in under 10 s (%.3f s)", t1 - t0);
	t1 = now_s();
	is_int(dump(s, l, ours, NULL), 0, "dump");
	t2 = now_s();
	diag("dump of 20,000 objects: %.3f s", t2 - t1);
	for (size_t i = 0; i < ours->n; i++) {
		rules += ours->v[i].kind == RT_RULE;
		routes += ours->v[i].kind == RT_ROUTE;
	}
	is_int(rules, 10000, "10,000 rules in the kernel");
	is_int(routes, 10000, "10,000 routes in the kernel");
	for (size_t i = 0; i < d.n; i++)
		d.v[i].op = RT_DEL;
	t0 = now_s();
	rc = rt_kernel_apply(s, &d, PROTO, on_fail, &f);
	t1 = now_s();
	is_int(rc, 0, "and out again in one apply");
	diag("apply of 20,000 deletes: %.3f s", t1 - t0);
	is_int(dump(s, l, ours, NULL), 0, "dump");
	is_int(ours->n, 0, "nothing of ours left");
	rt_diff_free(&d);
}

static int on_note(const struct nlmsghdr *nlh, void *arg)
{
	struct rt_links *l = arg;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK: case RTM_DELLINK:
		(void)rt_parse_link(nlh, nlh->nlmsg_len, l);
		break;
	case RTM_NEWADDR: case RTM_DELADDR:
		(void)rt_parse_addr(nlh, nlh->nlmsg_len, l);
		break;
	}
	return MNL_CB_OK;
}

static bool has_addr(const struct rt_link *k, const char *text, bool *peer)
{
	struct conf_addr a = addr(text);

	for (size_t i = 0; k && i < k->naddrs; i++) {
		if (k->addrs[i].pfx.addr.family == a.family &&
		    !memcmp(&k->addrs[i].pfx.addr.u, &a.u, a.family == AF_INET ? 4 : 16)) {
			if (peer)
				*peer = k->addrs[i].has_peer;
			return true;
		}
	}
	return false;
}

/* Notifications keep links current as the daemon's monitor does: an
 * address with a peer arrives, a link going down and away goes. */
static void test_notify(struct nl_sock *s)
{
	static const unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR };
	struct rt_links l;
	struct nl_sock *m;
	bool peer = false;
	int ix;

	rt_links_init(&l);
	if (nl_open(NETLINK_ROUTE, 0, &m) < 0 || nl_subscribe(m, groups, 3) < 0)
		bail_out("monitor");
	is_int(rt_kernel_links(s, &l), 0, "links before");
	ok(system("ip link add rtn0 type veth peer name rtn1 && ip link set rtn0 up && "
		  "ip link set rtn1 up && ip addr add 10.9.0.1 peer 10.9.0.2/32 dev rtn0 && "
		  "ip addr add 2001:db8:9::1/64 dev rtn0 nodad") == 0, "a new veth with addresses");
	is_int(nl_monitor_read(m, on_note, &l), 0, "notifications read");
	ix = (int)if_nametoindex("rtn0");
	ok(rt_links_by_name(&l, "rtn0") && rt_links_by_name(&l, "rtn0")->ifindex == ix,
	   "rtn0 appeared");
	ok(has_addr(rt_links_by_index(&l, ix), "10.9.0.1", &peer) && peer,
	   "10.9.0.1 peer 10.9.0.2: the local address, with its peer");
	ok(has_addr(rt_links_by_index(&l, ix), "2001:db8:9::1", NULL), "2001:db8:9::1 on rtn0");
	ok(system("ip addr del 2001:db8:9::1/64 dev rtn0") == 0, "ip addr del");
	is_int(nl_monitor_read(m, on_note, &l), 0, "notifications read");
	ok(!has_addr(rt_links_by_index(&l, ix), "2001:db8:9::1", NULL), "the address went");
	ok(system("ip link set rtn1 down") == 0, "peer down");
	is_int(nl_monitor_read(m, on_note, &l), 0, "notifications read");
	ok(rt_links_by_index(&l, ix) && !rt_links_by_index(&l, ix)->lower_up &&
	   rt_links_by_index(&l, ix)->up, "rtn0 up without carrier");
	ok(system("ip link del rtn0") == 0, "ip link del");
	is_int(nl_monitor_read(m, on_note, &l), 0, "notifications read");
	ok(!rt_links_by_index(&l, ix) && !rt_links_by_name(&l, "rtn1"), "both ends are gone");
	ok(rt_links_by_name(&l, "rtk0") != NULL, "rtk0 stays");
	nl_close(m);
	rt_links_free(&l);
}

static void print_diff(const struct rt_diff *d)
{
	char txt[512];

	for (size_t i = 0; i < d->n && i < 20; i++)
		if (rt_change_format(&d->v[i], PROTO, txt, sizeof(txt)) == 0)
			diag("  %s", txt);
}

/* want -> kernel -> dump -> diff: nothing left to do. */
static void world_round(struct nl_sock *s, const struct rt_config *c, const int *to,
			struct rt_set *ours, const char *what)
{
	struct rt_links l;
	struct rt_set want;
	struct rt_diff d;
	struct fails f = { 0 };

	rt_links_init(&l);
	rt_set_init(&want);
	rt_diff_init(&d);
	is_int(rt_kernel_links(s, &l), 0, "%s: links", what);
	is_int(rt_desired(c, &l, to, &want), 0, "%s: desired", what);
	is_int(dump(s, &l, ours, NULL), 0, "%s: dump", what);
	is_int(rt_diff_compute(&want, ours, &d), 0, "%s: diff", what);
	ok(d.n > 0, "%s: %zu changes to make", what, d.n);
	is_int(rt_kernel_apply(s, &d, c->protocol, on_fail, &f), 0, "%s: applied", what);
	if (f.n)
		diag("refused: %d %s", f.err, f.text);
	rt_diff_free(&d);
	rt_diff_init(&d);
	is_int(dump(s, &l, ours, NULL), 0, "%s: dump again", what);
	is_int(rt_diff_compute(&want, ours, &d), 0, "%s: diff again", what);
	if (!is_int(d.n, 0, "%s: the kernel holds exactly what the model wants", what))
		print_diff(&d);
	rt_diff_free(&d);
	rt_set_free(&want);
	rt_links_free(&l);
}

static void test_world(struct nl_sock *s, struct rt_set *ours)
{
	static const char *const setup =
		"for i in tel0 cnc0 lan50 lan60; do ip link add $i type veth peer name p$i && "
		"ip link set $i up && ip link set p$i up || exit 1; done; "
		"ip addr add 198.51.100.2/24 dev tel0 && "
		"ip addr add 2001:db8:100::2/64 dev tel0 nodad && "
		"ip addr add 203.0.113.2/24 dev cnc0 && ip addr add 2001:db8:113::2/64 dev cnc0 nodad && "
		"ip addr add 10.50.0.1/24 dev lan50 && ip addr add 2001:db8:50::1/64 dev lan50 nodad && "
		"ip addr add 10.60.0.1/24 dev lan60 && ip addr add 2001:db8:60::1/64 dev lan60 nodad";
	struct rt_config *c = world_config(WORLD_CONF, NULL);
	int to[2] = { 1, RT_TO_SELF };	/* tel failed over to cnc */

	if (!ok(system(setup) == 0, "the world's interfaces"))
		return;
	world_round(s, c, NULL, ours, "world");
	world_round(s, c, to, ours, "tel to cnc");
	world_round(s, c, NULL, ours, "tel back");
	rt_config_free(c);
}

int main(void)
{
	struct rt_set ours, foreign;
	struct rt_links links;
	struct nl_sock *s;
	int ifx;

	if (unshare(CLONE_NEWNET) < 0) {
		if (getenv("OUTPOST_REQUIRE_ROOT") && strcmp(getenv("OUTPOST_REQUIRE_ROOT"), "1") == 0)
			bail_out("unshare(CLONE_NEWNET): %s (root required)", strerror(errno));
		printf("1..0 # SKIP unshare(CLONE_NEWNET) needs root\n");
		return 0;
	}
	if (system("ip link set lo up && ip link add rtk0 type veth peer name rtk1 && "
		   "ip link set rtk0 up && ip addr add 192.0.2.1/24 dev rtk0 && "
		   "ip addr add 2001:db8:1::1/64 dev rtk0 nodad") != 0)
		bail_out("veth setup");
	if (nl_open(NETLINK_ROUTE, 0, &s) < 0)
		bail_out("nl_open");
	rt_links_init(&links);
	rt_set_init(&ours);
	rt_set_init(&foreign);
	test_links(s, &links, &ifx);
	/* The veth's carrier needs its peer up; rtk1 stays down above. */
	if (system("ip link set rtk1 up") != 0)
		bail_out("rtk1 up");
	is_int(rt_kernel_links(s, &links), 0, "rt_kernel_links again");
	ok(rt_links_by_name(&links, "rtk0") && rt_links_by_name(&links, "rtk0")->lower_up,
	   "rtk0 has carrier once rtk1 is up");
	test_round_trip(s, &links, ifx, &ours, &foreign);
	test_foreign(s, &links, &ours, &foreign);
	test_refused(s, &links, ifx, &ours);
	test_identity(s, &links, ifx, &ours);
	test_scale(s, &links, ifx, &ours);
	test_world(s, &ours);
	test_notify(s);
	rt_set_free(&ours);
	rt_set_free(&foreign);
	rt_links_free(&links);
	nl_close(s);
	return done_testing();
}
