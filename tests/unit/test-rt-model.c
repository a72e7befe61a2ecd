/* test-rt-model: the config model (rt_config_from_conf: defaults, only
 * routed lines, file order), the interfaces (rt_links_*), the checks
 * against them (gateway outside the subnets, missing interface) and the
 * identity and equality of objects. */
#include "config.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "rt-world.h"

static void test_config(void)
{
	struct rt_config *c = world_config(WORLD_CONF "[line \"probe-only\"]\ninterface = wl0\n"
	    "[line \"a-late\"]\ninterface = x0\ntable = 170\npriority = 900\nmetric = 5\n"
	    "track = tcp [2001:db8::9]:443\ninterval = 2s\nfailover = tel cnc\nblackhole = yes\n"
	    "to = 192.0.2.0/24\niif = lan50\noif = x0\nuidrange = 1000-1999\nipproto = udp\n"
	    "dport = 53\n", NULL);
	const struct rt_line *tel, *late;

	is_int(c->protocol, RT_PROTO_DEFAULT, "protocol: default 158");
	is_str(c->rt_tables, "/tmp/x/rt_tables.conf", "rt-tables read");
	is_str(c->rt_protos, "/tmp/x/rt_protos.conf", "rt-protos read");
	is_int(c->nlines, 3, "only the lines with a table");
	is_str(c->lines[0].name, "tel", "file order: tel first");
	is_str(c->lines[1].name, "cnc", "cnc second");
	is_str(c->lines[2].name, "a-late", "a-late last, though first by name");
	is_int(rt_config_line(c, "cnc"), 1, "rt_config_line finds cnc");
	is_int(rt_config_line(c, "probe-only"), -1, "a line without table is not in the model");
	tel = &c->lines[0];
	is_int(tel->conf_line, 6, "tel's section line");
	is_str(tel->ifname, "tel0", "interface");
	ok(tel->has_gw4 && tel->has_gw6 && tel->gw4.family == AF_INET &&
	   tel->gw4.u.v4.s_addr == htonl(0xc6336401) && tel->gw6.family == AF_INET6,
	   "both gateways, by family");
	is_int(tel->table, 150, "table");
	is_int(tel->priority, 1000, "priority");
	is_int(tel->metric, 0, "metric default 0");
	is_int(tel->nsources, 2, "two sources");
	ok(tel->fwmark == 0x150 && tel->fwmask == 0xffffffffu, "fwmark with a full mask");
	is_int(tel->track.kind, RT_TRACK_NONE, "no track");
	ok(tel->interval_ms == 1000 && tel->timeout_ms == 1000, "interval 1s, timeout = interval");
	ok(tel->down_after == 3 && tel->up_after == 2, "down-after 3, up-after 2");
	ok(!tel->nfailover && !tel->blackhole && !tel->has_to && !tel->iif[0] && !tel->ipproto,
	   "no failover, blackhole or selectors");
	late = &c->lines[2];
	ok(!late->has_gw4 && !late->has_gw6 && late->metric == 5 && !late->fwmask,
	   "a-late: no gateways, metric 5, no fwmark");
	ok(late->track.kind == RT_TRACK_TCP && !strcmp(late->track.target, "2001:db8::9") &&
	   late->track.port == 443, "track tcp [2001:db8::9]:443");
	ok(late->interval_ms == 2000 && late->timeout_ms == 2000, "timeout follows the interval");
	ok(late->nfailover == 2 && !strcmp(late->failover[0], "tel") &&
	   !strcmp(late->failover[1], "cnc") && late->blackhole, "failover tel cnc, blackhole");
	ok(late->has_to && late->to.len == 24 && !strcmp(late->iif, "lan50") &&
	   !strcmp(late->oif, "x0"), "to, iif, oif");
	ok(late->has_uidrange && late->uid_start == 1000 && late->uid_end == 1999,
	   "uidrange 1000-1999");
	ok(late->ipproto == 17 && late->dport_start == 53 && late->dport_end == 53,
	   "ipproto udp = 17, dport 53");
	rt_config_free(c);
	rt_config_free(NULL);

	c = world_config("[routing]\nprotocol = 200\n[line \"a\"]\ninterface = e\ntable = 9\n"
	    "priority = 9\ntimeout = 300ms\n", NULL);
	ok(c->protocol == 200 && c->nlines == 1 && c->lines[0].timeout_ms == 300 &&
	   !strcmp(c->rt_tables, "/etc/iproute2/rt_tables.d/outpost.conf"),
	   "protocol 200, timeout 300ms, default rt-tables");
	rt_config_free(c);
	c = world_config("", NULL);
	ok(c->nlines == 0 && c->protocol == RT_PROTO_DEFAULT, "an empty config: no lines");
	rt_config_free(c);
}

static void test_links(void)
{
	struct rt_links ls;
	struct rt_ifaddr a = world_addr("192.0.2.7", 24);
	const struct rt_link *l;

	world_links(&ls);
	ok(rt_links_by_name(&ls, "cnc0") && rt_links_by_name(&ls, "cnc0")->ifindex == 3,
	   "by name");
	ok(rt_links_by_index(&ls, 5) && !strcmp(rt_links_by_index(&ls, 5)->name, "lan60"),
	   "by index");
	ok(!rt_links_by_name(&ls, "nope") && !rt_links_by_index(&ls, 99), "unknown: NULL");
	is_int(rt_links_addr_add(&ls, 99, &a), -ENODEV, "address of an unknown link");
	is_int(rt_links_set(&ls, 2, "wan0", false, true), 0, "rename and down");
	l = rt_links_by_index(&ls, 2);
	ok(l && !strcmp(l->name, "wan0") && !l->up && l->naddrs == 3,
	   "renamed, down, addresses kept");
	ok(!rt_link_usable(l) && !rt_link_usable(NULL), "down: not usable; NULL: not usable");
	rt_links_set(&ls, 2, "wan0", true, false);
	ok(!rt_link_usable(rt_links_by_index(&ls, 2)), "up without carrier: not usable");
	rt_links_set(&ls, 2, "wan0", true, true);
	ok(rt_link_usable(rt_links_by_index(&ls, 2)), "up with carrier: usable");
	rt_links_addr_add(&ls, 2, &a);
	a.flags = IFA_F_TENTATIVE;
	rt_links_addr_add(&ls, 2, &a);
	l = rt_links_by_index(&ls, 2);
	ok(l->naddrs == 4 && l->addrs[3].flags == IFA_F_TENTATIVE, "the same address updates");
	rt_links_addr_del(&ls, 2, &l->addrs[0]);
	l = rt_links_by_index(&ls, 2);
	ok(l->naddrs == 3 && l->addrs[0].pfx.addr.family == AF_INET6, "address deleted, order kept");
	rt_links_del(&ls, 2);
	ok(!rt_links_by_index(&ls, 2) && ls.n == 3 && rt_links_by_name(&ls, "lan60"),
	   "link deleted, the others stay");
	for (int i = 10; i < 40; i++) {
		char n[16];

		snprintf(n, sizeof(n), "v%d", i);
		rt_links_set(&ls, i, n, true, true);
	}
	ok(ls.n == 33 && rt_links_by_name(&ls, "v39")->ifindex == 39, "grows past its first size");
	rt_links_free(&ls);
	ok(ls.n == 0 && ls.v == NULL, "freed and empty");
	rt_links_free(NULL);
}

struct reports {
	char text[8][512];
	bool error[8];
	int n;
};

static void collect(bool error, const char *msg, void *arg)
{
	struct reports *r = arg;

	if (r->n < 8) {
		snprintf(r->text[r->n], sizeof(r->text[0]), "%s", msg);
		r->error[r->n++] = error;
	}
}

static void test_check_links(void)
{
	struct conf *conf;
	struct rt_config *c = world_config(WORLD_ROUTING
	    "[line \"tel\"]\ninterface = tel0\ngateway = 203.0.113.1\ngateway = fe80::1\n"
	    "table = 150\npriority = 1000\n"
	    "[line \"cnc\"]\ninterface = cnc0\ngateway = 203.0.113.1 2001:db8:113::1\n"
	    "table = 160\npriority = 1100\n"
	    "[line \"ppp\"]\ninterface = ppp0\ngateway = 192.0.2.1\ntable = 170\npriority = 1200\n",
	    &conf);
	struct rt_links ls;
	struct reports r = { .n = 0 };
	size_t errors;

	world_links(&ls);
	errors = rt_config_check_links(c, conf, &ls, collect, &r);
	is_int(errors, 1, "one error: tel's gateway outside tel0's subnet");
	is_int(r.n, 2, "two reports");
	is_str(r.text[0], "w.conf:8: [line \"tel\"] gateway: '203.0.113.1' is outside every "
	    "subnet of tel0 (198.51.100.2/24)", "gateway outside: file, line, subnets");
	ok(r.error[0], "an error while tel0 is up");
	is_str(r.text[1], "w.conf:18: [line \"ppp\"] interface: 'ppp0' does not exist (yet): "
	    "its routes wait for it", "missing interface");
	ok(!r.error[1], "a warning");

	rt_links_set(&ls, 2, "tel0", false, false);
	memset(&r, 0, sizeof(r));
	errors = rt_config_check_links(c, conf, &ls, collect, &r);
	ok(errors == 0 && r.n == 2 && !r.error[0] && strstr(r.text[0], "is outside every subnet"),
	   "tel0 down: the gateway is a warning");
	rt_links_free(&ls);
	rt_links_init(&ls);
	rt_links_set(&ls, 3, "cnc0", true, true);
	memset(&r, 0, sizeof(r));
	rt_config_check_links(c, conf, &ls, collect, &r);
	is_str(r.text[1], "w.conf:14: [line \"cnc\"] gateway: '203.0.113.1' is outside every "
	    "subnet of cnc0 (no IPv4 address)", "an interface without an address of the family");
	rt_links_free(&ls);
	rt_config_free(c);
	conf_free(conf);
}

static struct rt_obj rule(uint32_t prio, const char *src)
{
	struct rt_obj o;

	memset(&o, 0, sizeof(o));
	o.kind = RT_RULE;
	o.u.rule.family = AF_INET;
	o.u.rule.action = FR_ACT_TO_TBL;
	o.u.rule.priority = prio;
	o.u.rule.table = 150;
	if (src) {
		o.u.rule.has_src = true;
		o.u.rule.src.addr.family = AF_INET;
		inet_pton(AF_INET, src, &o.u.rule.src.addr.u.v4);
		o.u.rule.src.len = 24;
	}
	return o;
}

static void test_same_equal(void)
{
	struct rt_obj a = rule(1000, "10.50.0.0"), b = a, r1, r2;

	snprintf(b.line, sizeof(b.line), "tel");
	ok(rt_obj_same(&a, &b) && rt_obj_equal(&a, &b), "rules: the line name is not identity");
	/* Bytes past an IPv4 address are not part of it. */
	memset((char *)&b.u.rule.src.addr.u + 4, 0xaa, 12);
	ok(rt_obj_same(&a, &b), "rules: garbage past the IPv4 address ignored");
	b.u.rule.table = 160;
	ok(!rt_obj_same(&a, &b), "rules: another table is another rule");
	b = a;
	b.u.rule.src.len = 25;
	ok(!rt_obj_same(&a, &b), "rules: another prefix length");
	b = a;
	b.u.rule.fwmark = 7;
	ok(rt_obj_same(&a, &b), "rules: a mark without mask is no selector");
	b.u.rule.fwmask = 0xffffffffu;
	ok(!rt_obj_same(&a, &b), "rules: with a mask it is");

	memset(&r1, 0, sizeof(r1));
	r1.kind = RT_ROUTE;
	r1.u.route.family = AF_INET;
	r1.u.route.table = 150;
	r1.u.route.dst.addr.family = AF_INET;
	r1.u.route.oif = 2;
	r1.u.route.has_gw = true;
	r1.u.route.gw.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.1", &r1.u.route.gw.u.v4);
	r2 = r1;
	r2.u.route.gw.u.v4.s_addr ^= htonl(1);
	ok(rt_obj_same(&r1, &r2) && !rt_obj_equal(&r1, &r2),
	   "routes: another gateway is the same route, not equal");
	r2 = r1;
	snprintf(r2.u.route.ifname, sizeof(r2.u.route.ifname), "tel0");
	ok(rt_obj_equal(&r1, &r2), "routes: the name of oif is for messages only");
	r2.u.route.metric = 5;
	ok(!rt_obj_same(&r1, &r2), "routes: the metric is identity");
	r2 = r1;
	r2.u.route.has_prefsrc = true;
	ok(!rt_obj_equal(&r1, &r2), "routes: a preferred source differs");
	ok(!rt_obj_same(&r1, &a), "a rule is never a route");
}

int main(void)
{
	test_config();
	test_links();
	test_check_links();
	test_same_equal();
	done_testing();
}
