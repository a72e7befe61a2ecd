/* test-rt-diff: rt_diff_compute on the world's objects: everything to
 * add, nothing to do, a changed route replaced, a failover (new rules
 * before the old ones go), leftovers deleted, duplicates on either side,
 * the order of the groups, and 20,000 objects timed. */
#include "config.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "rt-world.h"

static void world_set(const int *to, struct rt_set *s)
{
	struct rt_config *c = world_config(WORLD_CONF, NULL);
	struct rt_links ls;

	world_links(&ls);
	rt_set_init(s);
	if (rt_desired(c, &ls, to, s) != 0)
		bail_out("rt_desired");
	rt_links_free(&ls);
	rt_config_free(c);
}

/* The diff as "op text" lines. */
static char *diff_text(const struct rt_diff *d)
{
	char *buf = NULL, line[512];
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	for (size_t i = 0; i < d->n; i++) {
		if (rt_change_format(&d->v[i], RT_PROTO_DEFAULT, line, sizeof(line)) != 0)
			bail_out("rt_change_format");
		fprintf(fp, "%s%s", i ? "\n" : "", line);
	}
	fclose(fp);
	return buf;
}

/* The rank of a change in the order rt.h promises. */
static int rank(const struct rt_change *c)
{
	bool gw = c->obj.kind == RT_ROUTE && c->obj.u.route.has_gw;

	if (c->obj.kind == RT_ROUTE && c->op != RT_DEL)
		return gw ? 1 : 0;
	if (c->obj.kind == RT_RULE)
		return c->op == RT_ADD ? 2 : 3;
	return gw ? 4 : 5;
}

static bool ordered(const struct rt_diff *d)
{
	for (size_t i = 1; i < d->n; i++)
		if (rank(&d->v[i - 1]) > rank(&d->v[i]))
			return false;
	return true;
}

static size_t count(const struct rt_diff *d, enum rt_op op, enum rt_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].op == op && d->v[i].obj.kind == kind;
	return n;
}

static void compute(const struct rt_set *want, const struct rt_set *have, struct rt_diff *d)
{
	rt_diff_init(d);
	if (rt_diff_compute(want, have, d) != 0)
		bail_out("rt_diff_compute");
}

static void test_world(void)
{
	static const int tel_to_cnc[] = { 1, RT_TO_SELF };
	struct rt_set want, have, empty;
	struct rt_diff d;
	char *t;

	world_set(NULL, &want);
	rt_set_init(&empty);
	compute(&want, &empty, &d);
	ok(d.n == want.n && count(&d, RT_ADD, RT_RULE) == 8 && count(&d, RT_ADD, RT_ROUTE) == 8,
	   "from nothing: 8 rules and 8 routes to add");
	ok(ordered(&d), "from nothing: connected routes, gateway routes, then rules");
	t = diff_text(&d);
	ok(!strncmp(t, "ip route add 198.51.100.0/24 dev tel0 table 150 proto 158 scope link "
	    "src 198.51.100.2 metric 0\n", 90), "the first is tel's connected IPv4 route");
	free(t);
	rt_diff_free(&d);

	compute(&want, &empty, &d);
	rt_diff_free(&d);
	compute(&want, &want, &d);
	is_int(d.n, 0, "have = want: nothing to do");
	rt_diff_free(&d);

	compute(&empty, &want, &d);
	ok(d.n == want.n && count(&d, RT_DEL, RT_RULE) == 8 && count(&d, RT_DEL, RT_ROUTE) == 8 &&
	   ordered(&d), "to nothing: rules deleted, then gateway routes, then connected ones");
	rt_diff_free(&d);

	/* tel fails over: 4 rules change table, nothing else. */
	world_set(tel_to_cnc, &have);
	compute(&have, &want, &d);
	t = diff_text(&d);
	is_str(t, "ip rule add priority 1000 fwmark 0x150/0xffffffff lookup 160 proto 158\n"
	    "ip rule add priority 1000 from 10.50.0.0/24 lookup 160 proto 158\n"
	    "ip -6 rule add priority 1000 fwmark 0x150/0xffffffff lookup 160 proto 158\n"
	    "ip -6 rule add priority 1000 from 2001:db8:50::/64 lookup 160 proto 158\n"
	    "ip rule del priority 1000 fwmark 0x150/0xffffffff lookup 150 proto 158\n"
	    "ip rule del priority 1000 from 10.50.0.0/24 lookup 150 proto 158\n"
	    "ip -6 rule del priority 1000 fwmark 0x150/0xffffffff lookup 150 proto 158\n"
	    "ip -6 rule del priority 1000 from 2001:db8:50::/64 lookup 150 proto 158",
	    "failover: the new rules in place before the old ones go");
	free(t);
	rt_diff_free(&d);
	rt_set_free(&have);

	/* A gateway changed behind our back, a route and a rule too many. */
	rt_set_init(&have);
	for (size_t i = 0; i < want.n; i++)
		rt_set_add(&have, &want.v[i]);
	for (size_t i = 0; i < have.n; i++) {
		struct rt_route *r = &have.v[i].u.route;

		if (have.v[i].kind == RT_ROUTE && r->has_gw && r->family == AF_INET && r->table == 160)
			inet_pton(AF_INET, "203.0.113.99", &r->gw.u.v4);
		have.v[i].line[0] = '\0';	/* read back from the kernel */
	}
	struct rt_obj extra = want.v[0], extra_route = want.v[want.n - 1];

	extra.u.rule.priority = 1001;
	rt_set_add(&have, &extra);
	extra_route.u.route.metric = 9;
	rt_set_add(&have, &extra_route);
	compute(&want, &have, &d);
	t = diff_text(&d);
	is_str(t, "ip route replace default via 203.0.113.1 dev cnc0 table 160 proto 158 metric 0\n"
	    "ip rule del priority 1001 from 10.50.0.0/24 lookup 150 proto 158\n"
	    "ip -6 route del default via 2001:db8:113::1 dev cnc0 table 160 proto 158 metric 9",
	    "a changed route replaced, leftovers deleted last");
	ok(d.v[0].obj.line[0] && !strcmp(d.v[0].obj.line, "cnc"),
	   "a replace carries the wanted object (with its line)");
	free(t);
	rt_diff_free(&d);
	rt_set_free(&have);

	/* Copies: a rule added twice by someone, three copies of an
	 * unwanted one, a wanted rule twice in want, two routes of one key. */
	rt_set_init(&have);
	for (size_t i = 0; i < want.n; i++)
		rt_set_add(&have, &want.v[i]);
	rt_set_add(&have, &want.v[0]);
	for (int k = 0; k < 3; k++)
		rt_set_add(&have, &extra);
	struct rt_obj other = want.v[want.n - 1];

	inet_pton(AF_INET6, "2001:db8:113::77", &other.u.route.gw.u.v6);
	rt_set_add(&have, &other);
	rt_set_add(&want, &want.v[1]);
	compute(&want, &have, &d);
	t = diff_text(&d);
	is_str(t, "ip rule del priority 1000 from 10.50.0.0/24 lookup 150 proto 158\n"
	    "ip rule del priority 1001 from 10.50.0.0/24 lookup 150 proto 158\n"
	    "ip rule del priority 1001 from 10.50.0.0/24 lookup 150 proto 158\n"
	    "ip rule del priority 1001 from 10.50.0.0/24 lookup 150 proto 158\n"
	    "ip -6 route del default via 2001:db8:113::77 dev cnc0 table 160 proto 158 metric 1024",
	    "copies: every extra one deleted, the wanted one kept, want's copy added once");
	free(t);
	rt_diff_free(&d);
	rt_set_free(&have);
	rt_set_free(&want);
	rt_diff_free(NULL);
}

static void fill(struct rt_set *s, size_t n, uint32_t table, uint32_t gw_last)
{
	struct rt_obj o;

	rt_set_init(s);
	for (size_t i = 0; i < n; i++) {
		memset(&o, 0, sizeof(o));
		o.kind = RT_RULE;
		o.u.rule.family = AF_INET;
		o.u.rule.action = FR_ACT_TO_TBL;
		o.u.rule.priority = 1000 + (uint32_t)(i % 20000);
		o.u.rule.table = table;
		o.u.rule.has_src = true;
		o.u.rule.src.addr.family = AF_INET;
		o.u.rule.src.addr.u.v4.s_addr = htonl(0x0a000000u | (uint32_t)(i << 8));
		o.u.rule.src.len = 24;
		rt_set_add(s, &o);
		memset(&o, 0, sizeof(o));
		o.kind = RT_ROUTE;
		o.u.route.family = AF_INET;
		o.u.route.type = RTN_UNICAST;
		o.u.route.table = 150;
		o.u.route.dst = (struct conf_prefix){ .addr = { .family = AF_INET }, .len = 24 };
		o.u.route.dst.addr.u.v4.s_addr = htonl(0x0b000000u | (uint32_t)(i << 8));
		o.u.route.has_gw = true;
		o.u.route.gw.family = AF_INET;
		o.u.route.gw.u.v4.s_addr = htonl(0xc6336400u | (i % 2 ? gw_last : 1));
		o.u.route.oif = 2;
		rt_set_add(s, &o);
	}
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* 20,000 objects a side: reversed, half the routes changed, every rule
 * moved to another table. */
static void test_many(void)
{
	struct rt_set want, have;
	struct rt_diff d;
	struct timespec t0;
	double ms;

	fill(&want, 10000, 150, 1);
	fill(&have, 10000, 150, 1);
	for (size_t i = 0; i < have.n / 2; i++) {
		struct rt_obj t = have.v[i];

		have.v[i] = have.v[have.n - 1 - i];
		have.v[have.n - 1 - i] = t;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	compute(&want, &have, &d);
	ms = ms_since(&t0);
	diag("rt_diff_compute, 20,000 objects a side, no change: %.2f ms", ms);
	is_int(d.n, 0, "20,000 shuffled but equal: nothing to do");
	ok(ms < 500, "and quickly (bound generous for sanitizers; see the diag)");
	rt_diff_free(&d);
	rt_set_free(&have);

	fill(&have, 10000, 160, 7);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	compute(&want, &have, &d);
	ms = ms_since(&t0);
	diag("rt_diff_compute, 20,000 objects a side, 25,000 changes: %.2f ms", ms);
	ok(count(&d, RT_ADD, RT_RULE) == 10000 && count(&d, RT_DEL, RT_RULE) == 10000 &&
	   count(&d, RT_REPLACE, RT_ROUTE) == 5000 && d.n == 25000 && ordered(&d),
	   "10,000 rules moved (add + del), 5,000 routes replaced, in order");
	ok(ms < 500, "and quickly");
	rt_diff_free(&d);
	rt_set_free(&have);
	rt_set_free(&want);
}

int main(void)
{
	test_world();
	test_many();
	done_testing();
}
