/* test-rt-desired: the objects rt_desired wants for the world of
 * tests/rt/rt-lib.sh and variations of it (failed over, blackholed, an
 * interface down, a track, selectors, lines without gateway or source,
 * point-to-point and duplicate addresses), each compared as ip(8) text
 * (rt_obj_format); and rt_failover_pick's decisions. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "rt-world.h"

enum links_kind { L_WORLD, L_TEL_DOWN, L_TEL_MISSING, L_NOCARRIER, L_TEL_NO6, L_EXTRA };

static void make_links(struct rt_links *ls, enum links_kind k)
{
	struct rt_ifaddr a;

	world_links(ls);
	switch (k) {
	case L_WORLD:
		break;
	case L_TEL_DOWN:
		rt_links_set(ls, 2, "tel0", false, false);
		break;
	case L_TEL_MISSING:
		rt_links_del(ls, 2);
		break;
	case L_NOCARRIER:
		rt_links_set(ls, 2, "tel0", true, false);
		break;
	case L_TEL_NO6:
		/* Back up after a bounce: IPv6 flushed its address. */
		a = world_addr("2001:db8:100::2", 64);
		rt_links_addr_del(ls, 2, &a);
		break;
	case L_EXTRA:
		/* A second address in tel0's subnet, one being tested by DAD,
		 * and a point-to-point link. */
		world_add(ls, 2, "198.51.100.9", 24);
		a = world_addr("2001:db8:77::2", 64);
		a.flags |= IFA_F_TENTATIVE;
		rt_links_addr_add(ls, 2, &a);
		rt_links_set(ls, 7, "ppp0", true, true);
		a = world_addr("100.64.0.2", 32);
		a.has_peer = true;
		a.peer.addr.family = AF_INET;
		inet_pton(AF_INET, "100.64.0.1", &a.peer.addr.u.v4);
		a.peer.len = 32;
		rt_links_addr_add(ls, 7, &a);
		break;
	}
}

/* The wanted objects as text, one per line. */
static char *want_text(const char *conf_text, enum links_kind k, const int *to)
{
	struct rt_config *c = world_config(conf_text, NULL);
	struct rt_links ls;
	struct rt_set s;
	char *buf = NULL, line[512];
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	make_links(&ls, k);
	rt_set_init(&s);
	if (rt_desired(c, &ls, to, &s) != 0)
		bail_out("rt_desired failed");
	for (size_t i = 0; i < s.n; i++) {
		if (rt_obj_format(&s.v[i], line, sizeof(line)) != 0)
			bail_out("rt_obj_format failed");
		fprintf(fp, "%s%s", i ? "\n" : "", line);
		if (strcmp(s.v[i].line, c->lines[0].name) && (c->nlines < 2 ||
		    strcmp(s.v[i].line, c->lines[1].name)) && (c->nlines < 3 ||
		    strcmp(s.v[i].line, c->lines[2].name)))
			fprintf(fp, " [no line]");
	}
	fclose(fp);
	rt_set_free(&s);
	rt_links_free(&ls);
	rt_config_free(c);
	return buf;
}

#define TEL_RULES(T) \
	"rule priority 1000 from 10.50.0.0/24 " T "\n" \
	"rule priority 1000 fwmark 0x150/0xffffffff " T "\n"
#define TEL_RULES6(T) \
	"-6 rule priority 1000 from 2001:db8:50::/64 " T "\n" \
	"-6 rule priority 1000 fwmark 0x150/0xffffffff " T "\n"
#define TEL_ROUTES \
	"route 198.51.100.0/24 dev tel0 table 150 scope link src 198.51.100.2 metric 0\n" \
	"-6 route 2001:db8:100::/64 dev tel0 table 150 src 2001:db8:100::2 metric 1024\n" \
	"route default via 198.51.100.1 dev tel0 table 150 metric 0\n" \
	"-6 route default via 2001:db8:100::1 dev tel0 table 150 metric 1024\n"
#define TEL_ROUTES_LAST \
	"route 198.51.100.0/24 dev tel0 table 150 scope link src 198.51.100.2 metric 0\n" \
	"-6 route 2001:db8:100::/64 dev tel0 table 150 src 2001:db8:100::2 metric 1024\n" \
	"route default via 198.51.100.1 dev tel0 table 150 metric 0\n" \
	"-6 route default via 2001:db8:100::1 dev tel0 table 150 metric 1024"
#define CNC_ALL \
	"rule priority 1100 from 10.60.0.0/24 lookup 160\n" \
	"rule priority 1100 fwmark 0x160/0xffffffff lookup 160\n" \
	"-6 rule priority 1100 from 2001:db8:60::/64 lookup 160\n" \
	"-6 rule priority 1100 fwmark 0x160/0xffffffff lookup 160\n" \
	"route 203.0.113.0/24 dev cnc0 table 160 scope link src 203.0.113.2 metric 0\n" \
	"-6 route 2001:db8:113::/64 dev cnc0 table 160 src 2001:db8:113::2 metric 1024\n" \
	"route default via 203.0.113.1 dev cnc0 table 160 metric 0\n" \
	"-6 route default via 2001:db8:113::1 dev cnc0 table 160 metric 1024"

static const int to_self[] = { RT_TO_SELF, RT_TO_SELF, RT_TO_SELF };
static const int tel_to_cnc[] = { 1, RT_TO_SELF, RT_TO_SELF };
static const int tel_blackhole[] = { RT_TO_BLACKHOLE, RT_TO_SELF, RT_TO_SELF };

static const struct {
	const char *name, *conf;
	enum links_kind links;
	const int *to;
	const char *want;
} cases[] = {
	{ "the world: both lines, both families", WORLD_CONF, L_WORLD, NULL,
	  TEL_RULES("lookup 150") TEL_RULES6("lookup 150") TEL_ROUTES CNC_ALL },
	{ "to all RT_TO_SELF is the same as NULL", WORLD_CONF, L_WORLD, to_self,
	  TEL_RULES("lookup 150") TEL_RULES6("lookup 150") TEL_ROUTES CNC_ALL },
	{ "tel failed over to cnc: its rules look up 160, its table stays",
	  WORLD_CONF, L_WORLD, tel_to_cnc,
	  TEL_RULES("lookup 160") TEL_RULES6("lookup 160") TEL_ROUTES CNC_ALL },
	{ "failed over, the line's own address stays on its table (another ISP drops it)",
	  WORLD_ROUTING WORLD_TEL "source = 198.51.100.2\nsource = 10.51.0.7\n\n" WORLD_CNC,
	  L_WORLD, tel_to_cnc,
	  "rule priority 1000 from 10.50.0.0/24 lookup 160\n"
	  "rule priority 1000 from 198.51.100.2/32 lookup 150\n"
	  "rule priority 1000 from 10.51.0.7/32 lookup 160\n"
	  "rule priority 1000 fwmark 0x150/0xffffffff lookup 160\n"
	  TEL_RULES6("lookup 160") TEL_ROUTES CNC_ALL },
	{ "tel blackholed", WORLD_CONF, L_WORLD, tel_blackhole,
	  TEL_RULES("blackhole") TEL_RULES6("blackhole") TEL_ROUTES CNC_ALL },
	{ "tel0 down: rules stay, no routes", WORLD_CONF, L_TEL_DOWN, NULL,
	  TEL_RULES("lookup 150") TEL_RULES6("lookup 150") CNC_ALL },
	{ "tel0 missing: rules stay, no routes", WORLD_CONF, L_TEL_MISSING, NULL,
	  TEL_RULES("lookup 150") TEL_RULES6("lookup 150") CNC_ALL },
	{ "tel0 up without carrier: no routes", WORLD_CONF, L_NOCARRIER, NULL,
	  TEL_RULES("lookup 150") TEL_RULES6("lookup 150") CNC_ALL },
	{ "tel0 back up without its IPv6 subnet: no IPv6 route via the gateway yet",
	  WORLD_CONF, L_TEL_NO6, NULL,
	  TEL_RULES("lookup 150") TEL_RULES6("lookup 150")
	  "route 198.51.100.0/24 dev tel0 table 150 scope link src 198.51.100.2 metric 0\n"
	  "route default via 198.51.100.1 dev tel0 table 150 metric 0\n" CNC_ALL },
	{ "a track adds an oif rule per family that never fails over",
	  WORLD_ROUTING WORLD_TEL "track = icmp 192.0.2.9\n", L_WORLD, tel_blackhole,
	  TEL_RULES("blackhole") "rule priority 1000 oif tel0 lookup 150\n"
	  TEL_RULES6("blackhole") "-6 rule priority 1000 oif tel0 lookup 150\n"
	  TEL_ROUTES_LAST },
	{ "no gateway, no source: IPv4, one rule of selectors, routes on the device",
	  "[line \"x\"]\ninterface = tel0\ntable = 170\npriority = 900\nmetric = 7\n"
	  "route = 192.0.2.0/24\n", L_WORLD, NULL,
	  "rule priority 900 lookup 170\n"
	  "route 198.51.100.0/24 dev tel0 table 170 scope link src 198.51.100.2 metric 0\n"
	  "route 192.0.2.0/24 dev tel0 table 170 scope link metric 7\n"
	  "route default dev tel0 table 170 scope link metric 7" },
	{ "an IPv6 route and a v4 gateway: v6 on the device, v4 via the gateway",
	  "[line \"x\"]\ninterface = tel0\ngateway = 198.51.100.1\ntable = 170\npriority = 900\n"
	  "route = 2001:db8:ffff::/48 192.0.2.0/24\nroute = 198.51.100.0/24\n", L_WORLD, NULL,
	  "rule priority 900 lookup 170\n"
	  "-6 rule priority 900 lookup 170\n"
	  "route 198.51.100.0/24 dev tel0 table 170 scope link src 198.51.100.2 metric 0\n"
	  "-6 route 2001:db8:100::/64 dev tel0 table 170 src 2001:db8:100::2 metric 1024\n"
	  "-6 route 2001:db8:ffff::/48 dev tel0 table 170 metric 1024\n"
	  "route 192.0.2.0/24 via 198.51.100.1 dev tel0 table 170 metric 0\n"
	  "route default via 198.51.100.1 dev tel0 table 170 metric 0\n"
	  "-6 route default dev tel0 table 170 metric 1024" },
	{ "v4 sources and a v6 gateway: the v6 rules are the fwmark only",
	  "[line \"x\"]\ninterface = tel0\ngateway = 2001:db8:100::1\ntable = 170\npriority = 900\n"
	  "source = 10.50.0.0/24\nfwmark = 0x9\n", L_WORLD, NULL,
	  "rule priority 900 from 10.50.0.0/24 lookup 170\n"
	  "rule priority 900 fwmark 0x9/0xffffffff lookup 170\n"
	  "-6 rule priority 900 fwmark 0x9/0xffffffff lookup 170\n"
	  "route 198.51.100.0/24 dev tel0 table 170 scope link src 198.51.100.2 metric 0\n"
	  "-6 route 2001:db8:100::/64 dev tel0 table 170 src 2001:db8:100::2 metric 1024\n"
	  "route default dev tel0 table 170 scope link metric 0\n"
	  "-6 route default via 2001:db8:100::1 dev tel0 table 170 metric 1024" },
	{ "every selector narrows every rule (not the track's)",
	  "[line \"x\"]\ninterface = tel0\ngateway = 198.51.100.1\ntable = 170\npriority = 900\n"
	  "source = 10.50.0.0/24\nfwmark = 0x9\nto = 192.0.2.0/24\niif = lan50\noif = tel0\n"
	  "uidrange = 1000-1999\nipproto = tcp\ndport = 80-443\ntrack = tcp 192.0.2.9:80\n",
	  L_TEL_DOWN, NULL,
	  "rule priority 900 from 10.50.0.0/24 to 192.0.2.0/24 iif lan50 oif tel0 "
	  "uidrange 1000-1999 ipproto 6 dport 80-443 lookup 170\n"
	  "rule priority 900 to 192.0.2.0/24 fwmark 0x9/0xffffffff iif lan50 oif tel0 "
	  "uidrange 1000-1999 ipproto 6 dport 80-443 lookup 170\n"
	  "rule priority 900 oif tel0 lookup 170" },
	{ "to narrows the families: no v6 rule for a v4 'to'",
	  "[line \"x\"]\ninterface = tel0\ngateway = 2001:db8:100::1\ntable = 170\n"
	  "priority = 900\nfwmark = 0x9\nto = 192.0.2.0/24\ndport = 53\nipproto = udp\n",
	  L_TEL_DOWN, NULL,
	  "rule priority 900 to 192.0.2.0/24 fwmark 0x9/0xffffffff ipproto 17 dport 53 lookup 170" },
	{ "two addresses in a subnet: one route, the first as source; tentative skipped",
	  "[line \"x\"]\ninterface = tel0\ntable = 170\npriority = 900\n"
	  "source = 2001:db8:50::/64\nsource = 10.50.0.0/24\n", L_EXTRA, NULL,
	  "rule priority 900 from 10.50.0.0/24 lookup 170\n"
	  "-6 rule priority 900 from 2001:db8:50::/64 lookup 170\n"
	  "route 198.51.100.0/24 dev tel0 table 170 scope link src 198.51.100.2 metric 0\n"
	  "-6 route 2001:db8:100::/64 dev tel0 table 170 src 2001:db8:100::2 metric 1024\n"
	  "route default dev tel0 table 170 scope link metric 0\n"
	  "-6 route default dev tel0 table 170 metric 1024" },
	{ "point to point: the peer's prefix; a routes= default is the default once",
	  "[line \"x\"]\ninterface = ppp0\ntable = 170\npriority = 900\nroute = 0.0.0.0/0\n",
	  L_EXTRA, NULL,
	  "rule priority 900 lookup 170\n"
	  "route 100.64.0.1/32 dev ppp0 table 170 scope link src 100.64.0.2 metric 0\n"
	  "route default dev ppp0 table 170 scope link metric 0" },
};

static void test_pick(void)
{
	struct rt_config *c = world_config(WORLD_ROUTING
	    "[line \"a\"]\ninterface = e0\ntable = 1\npriority = 1\nfailover = b c\n"
	    "[line \"b\"]\ninterface = e1\ntable = 2\npriority = 2\nfailover = a\nblackhole = yes\n"
	    "[line \"c\"]\ninterface = e2\ntable = 3\npriority = 3\n", NULL);
	static const struct { bool h[3]; int a, b, c; const char *name; } t[] = {
		{ { true, true, true }, RT_TO_SELF, RT_TO_SELF, RT_TO_SELF, "all healthy: self" },
		{ { false, true, true }, 1, RT_TO_SELF, RT_TO_SELF, "a down: its first, b" },
		{ { false, false, true }, 2, RT_TO_BLACKHOLE, RT_TO_SELF,
		  "a, b down: a to c; b's only failover is down: blackhole" },
		{ { false, false, false }, RT_TO_SELF, RT_TO_BLACKHOLE, RT_TO_SELF,
		  "all down: a keeps (no blackhole), b blackholes, c keeps" },
		{ { true, false, false }, RT_TO_SELF, 0, RT_TO_SELF, "b down: to a" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int a = rt_failover_pick(c, 0, t[i].h), b = rt_failover_pick(c, 1, t[i].h),
		    cc = rt_failover_pick(c, 2, t[i].h);

		ok(a == t[i].a && b == t[i].b && cc == t[i].c, "pick: %s (got %d %d %d)", t[i].name,
		   a, b, cc);
	}
	rt_config_free(c);
}

/* 10,000 routes in one line's table: no quadratic step. */
static void test_many(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	struct rt_config *c;
	struct rt_links ls;
	struct rt_set s;
	struct timespec t0, t1;

	fprintf(fp, "[line \"x\"]\ninterface = tel0\ngateway = 198.51.100.1\ntable = 170\n"
	    "priority = 900\n");
	for (int i = 0; i < 10000; i++)
		fprintf(fp, "route = 10.%d.%d.0/24\n", 100 + i / 256, i % 256);
	fclose(fp);
	c = world_config(text, NULL);
	world_links(&ls);
	rt_set_init(&s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(rt_desired(c, &ls, NULL, &s), 0, "10,000 routes: rt_desired");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;

	is_int(s.n, 1 + 1 + 10000 + 1, "a rule, a connected route, 10,000 routes, a default");
	diag("rt_desired for 10,003 objects: %.2f ms", ms);
	ok(ms < 500, "in well under a second, even with sanitizers");
	rt_set_free(&s);
	rt_links_free(&ls);
	rt_config_free(c);
	free(text);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = want_text(cases[i].conf, cases[i].links, cases[i].to);

		is_str(got, cases[i].want, "%s", cases[i].name);
		free(got);
	}
	test_pick();
	test_many();
	done_testing();
}
