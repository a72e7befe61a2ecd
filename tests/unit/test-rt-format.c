/* test-rt-format: changes and objects as ip(8) text, exactly; and the
 * round trip that proves the text is what ip(8) accepts: the world's
 * objects (with a track, selectors and a blackholed line) fed to
 * `ip -batch` inside a network namespace of the test's own (root), the
 * kernel's `ip rule` / `ip route` read back, a replace through a full
 * "ip ..." command, then every object deleted the same way. */
#include "config.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "rt-world.h"

static struct rt_obj rule4(void)
{
	struct rt_obj o;

	memset(&o, 0, sizeof(o));
	o.kind = RT_RULE;
	o.u.rule.family = AF_INET;
	o.u.rule.action = FR_ACT_TO_TBL;
	o.u.rule.priority = 1000;
	o.u.rule.table = 150;
	o.u.rule.has_src = true;
	o.u.rule.src.addr.family = AF_INET;
	inet_pton(AF_INET, "10.50.0.0", &o.u.rule.src.addr.u.v4);
	o.u.rule.src.len = 24;
	return o;
}

static struct rt_obj blackhole6(void)
{
	struct rt_obj o;

	memset(&o, 0, sizeof(o));
	o.kind = RT_ROUTE;
	o.u.route.family = AF_INET6;
	o.u.route.type = RTN_BLACKHOLE;
	o.u.route.table = 170;
	o.u.route.dst.addr.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:ff::", &o.u.route.dst.addr.u.v6);
	o.u.route.dst.len = 48;
	o.u.route.metric = 1024;
	return o;
}

static void test_text(void)
{
	struct rt_change c = { .op = RT_ADD, .obj = rule4() };
	char buf[512], small[20];

	is_int(rt_change_format(&c, 158, buf, sizeof(buf)), 0, "rule add formats");
	is_str(buf, "ip rule add priority 1000 from 10.50.0.0/24 lookup 150 proto 158", "rule add");
	rt_change_format_batch(&c, 200, buf, sizeof(buf));
	is_str(buf, "rule add priority 1000 from 10.50.0.0/24 lookup 150 proto 200",
	    "batch form: no 'ip', the protocol given");
	c.obj.u.rule.family = AF_INET6;
	rt_change_format_batch(&c, 200, buf, sizeof(buf));
	is_str(buf, "rule add priority 1000 from 10.50.0.0/24 lookup 150 proto 200",
	    "batch form: no '-6' either (ip -6 -batch gives the family)");
	c.op = RT_DEL;
	c.obj.u.rule.family = AF_INET6;
	c.obj.u.rule.has_src = false;
	c.obj.u.rule.fwmark = 0x150;
	c.obj.u.rule.fwmask = 0xff0;
	c.obj.u.rule.action = FR_ACT_BLACKHOLE;
	c.obj.u.rule.table = 0;
	rt_change_format(&c, 158, buf, sizeof(buf));
	is_str(buf, "ip -6 rule del priority 1000 fwmark 0x150/0xff0 blackhole proto 158",
	    "IPv6 blackhole rule deleted, fwmark with its mask");
	c.op = RT_REPLACE;
	rt_change_format(&c, 158, buf, sizeof(buf));
	is_str(buf, "ip -6 rule add priority 1000 fwmark 0x150/0xff0 blackhole proto 158",
	    "a rule has no replace: add");
	c.op = RT_ADD;
	c.obj = blackhole6();
	rt_change_format(&c, 158, buf, sizeof(buf));
	is_str(buf, "ip -6 route add blackhole 2001:db8:ff::/48 table 170 proto 158 metric 1024",
	    "blackhole route: no device");
	is_int(rt_obj_format(&c.obj, buf, sizeof(buf)), 0, "rt_obj_format");
	is_str(buf, "-6 route blackhole 2001:db8:ff::/48 table 170 metric 1024",
	    "the object alone: no operation, no protocol");
	c.obj = rule4();
	rt_obj_format(&c.obj, buf, sizeof(buf));
	is_str(buf, "rule priority 1000 from 10.50.0.0/24 lookup 150", "a rule alone");
	is_int(rt_change_format(&c, 158, small, sizeof(small)), -ENOSPC, "too small: -ENOSPC");
	is_int(rt_obj_format(&c.obj, small, sizeof(small)), -ENOSPC, "obj too small: -ENOSPC");
	is_int(rt_obj_format(&c.obj, small, 0), -ENOSPC, "no room at all: -ENOSPC");
}

/* The output of a shell command, or NULL when it failed (its output
 * then goes to diag). */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int c;

	if (!p)
		return NULL;
	fp = open_memstream(&buf, &len);
	while ((c = fgetc(p)) != EOF)
		fputc(c, fp);
	fclose(fp);
	if (pclose(p) != 0) {
		diag("'%s' failed: %s", cmd, buf);
		free(buf);
		return NULL;
	}
	return buf;
}

/* The changes as two batch files, IPv4 and IPv6, run by ip(8): their
 * output, or NULL when ip refused a line. */
static char *run_batch(const struct rt_diff *d, uint8_t protocol, const char *p4, const char *p6)
{
	FILE *f4 = fopen(p4, "w"), *f6 = fopen(p6, "w");
	char line[600];

	if (!f4 || !f6)
		bail_out("cannot write the batch files");
	for (size_t i = 0; i < d->n; i++) {
		const struct rt_obj *o = &d->v[i].obj;
		int fam = o->kind == RT_RULE ? o->u.rule.family : o->u.route.family;

		rt_change_format_batch(&d->v[i], protocol, line, sizeof(line));
		fprintf(fam == AF_INET6 ? f6 : f4, "%s\n", line);
	}
	fclose(f4);
	fclose(f6);
	snprintf(line, sizeof(line), "ip -batch %s 2>&1 && ip -6 -batch %s 2>&1", p4, p6);
	return run(line);
}

#define ROUNDTRIP_CONF WORLD_ROUTING WORLD_TEL "track = icmp 192.0.2.9\n\n" WORLD_CNC \
	"[line \"sel\"]\ninterface = lan50\ntable = 170\npriority = 900\nsource = 10.70.0.0/24\n" \
	"fwmark = 0x170\nto = 192.0.2.0/24\niif = lan60\noif = cnc0\nuidrange = 1000-1999\n" \
	"ipproto = tcp\ndport = 80-443\n" \
	"[line \"one\"]\ninterface = lan50\ntable = 180\npriority = 800\nipproto = udp\ndport = 53\n"

/* Within one priority the kernel lists rules in the order they came
 * (the diff's order of identity). */
static const char want_rules[] =
	"0:\tfrom all lookup local\n"
	"800:\tfrom all ipproto udp dport 53 lookup 180 proto 158\n"
	"900:\tfrom all to 192.0.2.0/24 fwmark 0x170 iif lan60 [detached] oif cnc0 "
	"uidrange 1000-1999 ipproto tcp dport 80-443 blackhole proto 158\n"
	"900:\tfrom 10.70.0.0/24 to 192.0.2.0/24 iif lan60 [detached] oif cnc0 uidrange 1000-1999 "
	"ipproto tcp dport 80-443 blackhole proto 158\n"
	"1000:\tfrom all oif tel0 lookup 150 proto 158\n"
	"1000:\tfrom all fwmark 0x150 lookup 150 proto 158\n"
	"1000:\tfrom 10.50.0.0/24 lookup 150 proto 158\n"
	"1100:\tfrom all fwmark 0x160 lookup 160 proto 158\n"
	"1100:\tfrom 10.60.0.0/24 lookup 160 proto 158\n"
	"32766:\tfrom all lookup main\n"
	"32767:\tfrom all lookup default\n";

static void test_roundtrip(void)
{
	struct rt_config *c;
	struct rt_links ls;
	struct rt_set want, want2, empty;
	struct rt_diff d;
	char path[] = "/tmp/test-rt-format.XXXXXX", path6[] = "/tmp/test-rt-format6.XXXXXX";
	char line[600], *got;
	static const int to[] = { RT_TO_SELF, RT_TO_SELF, RT_TO_BLACKHOLE, RT_TO_SELF };
	const char *req = getenv("OUTPOST_REQUIRE_ROOT");
	int fd;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		if (req && !strcmp(req, "1"))
			ok(0, "ip -batch round trip needs root (OUTPOST_REQUIRE_ROOT=1)");
		else
			skip(1, "ip -batch round trip needs root and a network namespace");
		return;
	}
	/* Our own namespace from here: two veth pairs stand for the lines. */
	if (system("set -e; ip link set lo up;"
		   "ip link add tel0 type veth peer name tel0p; ip link add cnc0 type veth peer name cnc0p;"
		   "for l in tel0 tel0p cnc0 cnc0p; do ip link set $l up; done;"
		   "ip addr add 198.51.100.2/24 dev tel0; ip addr add 2001:db8:100::2/64 dev tel0 nodad;"
		   "ip addr add 203.0.113.2/24 dev cnc0; ip addr add 2001:db8:113::2/64 dev cnc0 nodad")) {
		ok(0, "set up the namespace's links");
		return;
	}
	c = world_config(ROUNDTRIP_CONF, NULL);
	rt_links_init(&ls);
	rt_links_set(&ls, (int)if_nametoindex("tel0"), "tel0", true, true);
	rt_links_set(&ls, (int)if_nametoindex("cnc0"), "cnc0", true, true);
	world_add(&ls, (int)if_nametoindex("tel0"), "198.51.100.2", 24);
	world_add(&ls, (int)if_nametoindex("tel0"), "2001:db8:100::2", 64);
	world_add(&ls, (int)if_nametoindex("cnc0"), "203.0.113.2", 24);
	world_add(&ls, (int)if_nametoindex("cnc0"), "2001:db8:113::2", 64);
	rt_set_init(&want);
	rt_set_init(&empty);
	rt_desired(c, &ls, to, &want);
	rt_diff_init(&d);
	rt_diff_compute(&want, &empty, &d);

	if ((fd = mkstemp(path)) < 0 || close(fd) != 0 || (fd = mkstemp(path6)) < 0 || close(fd))
		bail_out("mkstemp: %s", strerror(errno));
	got = run_batch(&d, c->protocol, path, path6);
	ok(got != NULL, "ip -batch takes all %zu changes", d.n);
	free(got);

	got = run("ip rule show");
	is_str(got, want_rules, "ip rule: what the IPv4 rules say");
	free(got);
	got = run("ip -6 rule show | grep 'proto 158'");
	is_str(got, "1000:\tfrom all oif tel0 lookup 150 proto 158\n"
	    "1000:\tfrom all fwmark 0x150 lookup 150 proto 158\n"
	    "1000:\tfrom 2001:db8:50::/64 lookup 150 proto 158\n"
	    "1100:\tfrom all fwmark 0x160 lookup 160 proto 158\n"
	    "1100:\tfrom 2001:db8:60::/64 lookup 160 proto 158\n", "ip -6 rule: the IPv6 rules");
	free(got);
	got = run("ip -4 route show table all proto 158");
	is_str(got, "default via 198.51.100.1 dev tel0 table 150 \n"
	    "198.51.100.0/24 dev tel0 table 150 scope link src 198.51.100.2 \n"
	    "default via 203.0.113.1 dev cnc0 table 160 \n"
	    "203.0.113.0/24 dev cnc0 table 160 scope link src 203.0.113.2 \n",
	    "ip route: tel's and cnc's tables");
	free(got);
	got = run("ip -6 route show table all proto 158");
	is_str(got, "2001:db8:100::/64 dev tel0 table 150 src 2001:db8:100::2 metric 1024 pref medium\n"
	    "default via 2001:db8:100::1 dev tel0 table 150 metric 1024 pref medium\n"
	    "2001:db8:113::/64 dev cnc0 table 160 src 2001:db8:113::2 metric 1024 pref medium\n"
	    "default via 2001:db8:113::1 dev cnc0 table 160 metric 1024 pref medium\n",
	    "ip -6 route: metric 1024 as the model says");
	free(got);
	rt_diff_free(&d);

	/* A replace, through the full command. */
	rt_set_init(&want2);
	for (size_t i = 0; i < want.n; i++) {
		struct rt_obj o = want.v[i];

		if (o.kind == RT_ROUTE && o.u.route.table == 150 && o.u.route.has_gw &&
		    o.u.route.family == AF_INET)
			inet_pton(AF_INET, "198.51.100.7", &o.u.route.gw.u.v4);
		rt_set_add(&want2, &o);
	}
	rt_diff_init(&d);
	rt_diff_compute(&want2, &want, &d);
	is_int(d.n, 1, "one change: a replace");
	rt_change_format(&d.v[0], c->protocol, line, sizeof(line));
	is_int(system(line), 0, "'%s' runs", line);
	got = run("ip route show table 150 default");
	is_str(got, "default via 198.51.100.7 dev tel0 proto 158 \n", "replaced in place");
	free(got);
	rt_diff_free(&d);

	/* And everything away again. */
	rt_diff_init(&d);
	rt_diff_compute(&empty, &want2, &d);
	got = run_batch(&d, c->protocol, path, path6);
	ok(got != NULL, "ip -batch takes the %zu deletions", d.n);
	free(got);
	got = run("ip rule show; ip -6 rule show | grep -c . ;"
		  "ip route show table all proto 158; ip -6 route show table all proto 158");
	is_str(got, "0:\tfrom all lookup local\n32766:\tfrom all lookup main\n"
	    "32767:\tfrom all lookup default\n2\n", "nothing of protocol 158 is left");
	free(got);
	unlink(path);
	unlink(path6);
	rt_diff_free(&d);
	rt_set_free(&want);
	rt_set_free(&want2);
	rt_links_free(&ls);
	rt_config_free(c);
}

int main(void)
{
	test_text();
	test_roundtrip();
	done_testing();
}
