/* test-line-schema: the [line "name"] section of the real schema: what
 * it accepts, each refusal with its file:line and words, the checks
 * across lines (fwmark, source, table and priority collisions, failover
 * targets), [routing], the track type's parse and canonical text, and
 * the helpers --via builds on (interface names, prefix containment). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "conf.h"
#include "rt.h"
#include "rt_line.h"
#include "conf-helpers.h"

static const struct conf_opts opts = { .schema = &conf_schema_outpost };

static void expect(const char *text, const char *want, const char *name)
{
	expect_diags(&opts, text, want, name);
}

static const struct { const char *name, *text, *want; } cases[] = {
	{ "a full line is clean",
	  "[line \"tel\"]\ninterface = eth2\ngateway = 203.0.113.1\n"
	  "source = 192.168.50.0/24 192.0.2.10\nsource = 2001:db8:50::/48\nfwmark = 0x150\n",
	  "" },
	{ "interface alone is enough", "[line \"cu\"]\ninterface = ppp0\n", "" },
	{ "interface is required", "[line \"cu\"]\ngateway = 198.51.100.1\n",
	  "a.conf:1: [line \"cu\"] interface: required key missing" },
	{ "interface: too long",
	  "[line \"cu\"]\ninterface = abcdefghijklmnop\n",
	  "a.conf:2: [line \"cu\"] interface: 'abcdefghijklmnop' is not an interface name "
	  "(1 to 15 characters, no '/', ':' or spaces)" },
	{ "interface: a slash", "[line \"cu\"]\ninterface = eth/1\n",
	  "a.conf:2: [line \"cu\"] interface: 'eth/1' is not an interface name "
	  "(1 to 15 characters, no '/', ':' or spaces)" },
	{ "gateway: not an address", "[line \"cu\"]\ninterface = e\ngateway = 203.0.113.300\n",
	  "a.conf:3: [line \"cu\"] gateway: '203.0.113.300' is not an IPv4 or IPv6 address" },
	{ "gateway: multicast", "[line \"cu\"]\ninterface = e\ngateway = 224.0.0.1\n",
	  "a.conf:3: [line \"cu\"] gateway: is not a unicast address" },
	{ "gateway: unspecified", "[line \"cu\"]\ninterface = e\ngateway = ::\n",
	  "a.conf:3: [line \"cu\"] gateway: is not a unicast address" },
	{ "fwmark: 0 selects nothing", "[line \"cu\"]\ninterface = e\nfwmark = 0\n",
	  "a.conf:3: [line \"cu\"] fwmark: '0' is less than the minimum 0x1" },
	{ "fwmark: 33 bits", "[line \"cu\"]\ninterface = e\nfwmark = 0x100000000\n",
	  "a.conf:3: [line \"cu\"] fwmark: '0x100000000' is greater than the maximum 0xffffffff" },
	{ "source: not a prefix", "[line \"cu\"]\ninterface = e\nsource = 10.0.0.0/33\n",
	  "a.conf:3: [line \"cu\"] source: '10.0.0.0/33' is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, "
	  "2001:db8::/32)" },
	{ "source: covered twice in one line",
	  "[line \"cu\"]\ninterface = e\nsource = 10.1.0.0/16\nsource = 10.1.2.3\n",
	  "a.conf:4: [line \"cu\"] source: '10.1.2.3/32' is already covered by an earlier "
	  "source of this line" },
	{ "fwmark: two lines, one mark",
	  "[line \"a\"]\ninterface = e\nfwmark = 0x10\n[line \"b\"]\ninterface = f\nfwmark = 16\n",
	  "a.conf:6: [line \"b\"] fwmark: 0x10 is already the mark of [line \"a\"]" },
	{ "source: overlapping between lines",
	  "[line \"a\"]\ninterface = e\nsource = 10.1.0.0/16\n"
	  "[line \"b\"]\ninterface = f\nsource = 192.0.2.0/24\nsource = 10.1.7.0/24\n",
	  "a.conf:7: [line \"b\"] source: '10.1.7.0/24' overlaps a source of [line \"a\"]" },
	{ "source: a later line's prefix covers an earlier one's: said at the later line",
	  "[line \"a\"]\ninterface = e\nsource = 10.1.7.0/24\n"
	  "[line \"b\"]\ninterface = f\nsource = 10.0.0.0/8\n",
	  "a.conf:6: [line \"b\"] source: '10.0.0.0/8' overlaps a source of [line \"a\"]" },
	{ "source: one prefix over two lines' sources is said once",
	  "[line \"a\"]\ninterface = e\nsource = 10.1.7.0/24 10.2.0.0/16\n"
	  "[line \"b\"]\ninterface = f\nsource = 2001:db8::/32\nsource = 10.0.0.0/8\n"
	  "[line \"c\"]\ninterface = g\nsource = 10.3.0.0/16\n",
	  "a.conf:7: [line \"b\"] source: '10.0.0.0/8' overlaps a source of [line \"a\"]\n"
	  "a.conf:10: [line \"c\"] source: '10.3.0.0/16' overlaps a source of [line \"b\"]" },
	{ "source: a host then its subnet in one line is fine (the probes' source)",
	  "[line \"a\"]\ninterface = e\nsource = 10.1.2.3\nsource = 10.1.0.0/16\n", "" },
	{ "source: the same prefix twice in one line",
	  "[line \"a\"]\ninterface = e\nsource = 2001:db8::/48 2001:db8::/48\n",
	  "a.conf:3: [line \"a\"] source: '2001:db8::/48' is already covered by an earlier source "
	  "of this line" },
	{ "route: a prefix inside another is fine, only the same prefix twice is not",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\n"
	  "route = 192.0.2.0/24 192.0.2.0/25 2001:db8::/32 2001:db8::/32\n",
	  "a.conf:5: [line \"cu\"] route: '2001:db8::/32' is already a route of this line" },
	{ "distinct lines are clean",
	  "[line \"a\"]\ninterface = e\nfwmark = 1\nsource = 10.1.0.0/16\n"
	  "[line \"b\"]\ninterface = f\nfwmark = 2\nsource = 10.2.0.0/16\n", "" },
	{ "a routed line with every key is clean",
	  "[routing]\nprotocol = 200\nrt-tables = /tmp/t.conf\nrt-protos = /tmp/p.conf\ncontrol = /run/r.sock\n[line \"tel\"]\ninterface = tel0\ngateway = 198.51.100.1 2001:db8:100::1\ntable = 150\npriority = 1000\nmetric = 10\nroute = 192.0.2.0/24\nroute = 2001:db8:ffff::/48\nto = 192.0.2.0/24\niif = lan50\noif = tel0\nuidrange = 1000-2000\nipproto = tcp\ndport = 80-443\ntrack = tcp 192.0.2.9:443\ninterval = 500ms\ntimeout = 400ms\ndown-after = 5\nup-after = 1\nfailover = cnc\nblackhole = yes\n[line \"cnc\"]\ninterface = cnc0\ntable = 160\npriority = 1100\ntrack = icmp 2001:db8::1\nfailover = tel\n",
	  "" },
	{ "track: tcp to a v6 address in brackets and to a host name",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ntrack = tcp [2001:db8::1]:443\n[line \"b\"]\ninterface = f\ntable = 151\npriority = 1001\ntrack = tcp probe.example.net:80\n",
	  "" },
	{ "gateway: two IPv4",
	  "[line \"cu\"]\ninterface = e\ngateway = 198.51.100.1\ngateway = 198.51.100.7\n",
	  "a.conf:4: [line \"cu\"] gateway: a line has at most one IPv4 gateway" },
	{ "gateway: two IPv6 on one line",
	  "[line \"cu\"]\ninterface = e\ngateway = 2001:db8::1 2001:db8::2\n",
	  "a.conf:3: [line \"cu\"] gateway: a line has at most one IPv6 gateway" },
	{ "table: main",
	  "[line \"cu\"]\ninterface = e\ntable = 254\npriority = 1\n",
	  "a.conf:3: [line \"cu\"] table: '254' is a table the kernel keeps for itself (253 default, 254 main, 255 local)" },
	{ "table: local",
	  "[line \"cu\"]\ninterface = e\ntable = 255\npriority = 1\n",
	  "a.conf:3: [line \"cu\"] table: '255' is a table the kernel keeps for itself (253 default, 254 main, 255 local)" },
	{ "table: default",
	  "[line \"cu\"]\ninterface = e\ntable = 253\npriority = 1\n",
	  "a.conf:3: [line \"cu\"] table: '253' is a table the kernel keeps for itself (253 default, 254 main, 255 local)" },
	{ "table: 0",
	  "[line \"cu\"]\ninterface = e\ntable = 0\npriority = 1\n",
	  "a.conf:3: [line \"cu\"] table: '0' is less than the minimum 1" },
	{ "table: 33 bits",
	  "[line \"cu\"]\ninterface = e\ntable = 4294967296\npriority = 1\n",
	  "a.conf:3: [line \"cu\"] table: '4294967296' is greater than the maximum 4294967295" },
	{ "table without priority",
	  "[line \"cu\"]\ninterface = e\ntable = 150\n",
	  "a.conf:3: [line \"cu\"] table: needs a priority (1 to 32765) for the line's rules" },
	{ "priority without table",
	  "[line \"cu\"]\ninterface = e\npriority = 1000\n",
	  "a.conf:3: [line \"cu\"] priority: has no table: outpost-routed does not route it" },
	{ "track without table",
	  "[line \"cu\"]\ninterface = e\ntrack = icmp 192.0.2.1\ninterval = 2s\n",
	  "a.conf:3: [line \"cu\"] track: has no table: outpost-routed does not route it\na.conf:4: [line \"cu\"] interval: has no table: outpost-routed does not route it" },
	{ "priority: 0 is the local rule",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 0\n",
	  "a.conf:4: [line \"cu\"] priority: '0' is less than the minimum 1" },
	{ "priority: 32766 is the main rule",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 32766\n",
	  "a.conf:4: [line \"cu\"] priority: '32766' is greater than the maximum 32765" },
	{ "metric: 33 bits",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nmetric = 4294967296\n",
	  "a.conf:5: [line \"cu\"] metric: '4294967296' is greater than the maximum 4294967295" },
	{ "route: not a prefix",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nroute = 192.0.2.0/40\n",
	  "a.conf:5: [line \"cu\"] route: '192.0.2.0/40' is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, 2001:db8::/32)" },
	{ "route: twice",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nroute = 192.0.2.0/24 10.0.0.0/8\nroute = 192.0.2.0/24\n",
	  "a.conf:6: [line \"cu\"] route: '192.0.2.0/24' is already a route of this line" },
	{ "to: another family than a source",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nto = 192.0.2.0/24\nsource = 2001:db8:50::/64\n",
	  "a.conf:6: [line \"cu\"] source: '2001:db8:50::/64' is not of the family of 'to': no rule can hold both" },
	{ "iif: not an interface",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\niif = a/b\n",
	  "a.conf:5: [line \"cu\"] iif: 'a/b' is not an interface name (1 to 15 characters, no '/', ':' or spaces)" },
	{ "oif: too long",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\noif = abcdefghijklmnop\n",
	  "a.conf:5: [line \"cu\"] oif: 'abcdefghijklmnop' is not an interface name (1 to 15 characters, no '/', ':' or spaces)" },
	{ "uidrange: start after end",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nuidrange = 2000-1000\n",
	  "a.conf:5: [line \"cu\"] uidrange: '2000-1000' starts after it ends" },
	{ "uidrange: not a number",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nuidrange = root\n",
	  "a.conf:5: [line \"cu\"] uidrange: 'root' is not a user id or a range of them 'START-END'" },
	{ "uidrange: one uid is fine",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nuidrange = 0\n",
	  "" },
	{ "ipproto: unknown name",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nipproto = gre\n",
	  "a.conf:5: [line \"cu\"] ipproto: 'gre' is not tcp, udp, icmp, ipv6-icmp, sctp or a number from 1 to 255" },
	{ "ipproto: 256",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nipproto = 256\n",
	  "a.conf:5: [line \"cu\"] ipproto: '256' is not tcp, udp, icmp, ipv6-icmp, sctp or a number from 1 to 255" },
	{ "ipproto: numbers and sctp",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nipproto = 47\n[line \"b\"]\ninterface = f\ntable = 9\npriority = 9\nipproto = sctp\ndport = 9\n",
	  "" },
	{ "dport: without ipproto",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ndport = 443\n",
	  "a.conf:5: [line \"cu\"] dport: needs ipproto tcp, udp or sctp" },
	{ "dport: with icmp",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nipproto = icmp\ndport = 443\n",
	  "a.conf:6: [line \"cu\"] dport: needs ipproto tcp, udp or sctp" },
	{ "dport: 0",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nipproto = udp\ndport = 0\n",
	  "a.conf:6: [line \"cu\"] dport: '0' is not a port or a range of ports 'START-END' (1 to 65535)" },
	{ "dport: 65536",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nipproto = udp\ndport = 1-65536\n",
	  "a.conf:6: [line \"cu\"] dport: '1-65536' is not a port or a range of ports 'START-END' (1 to 65535)" },
	{ "dport: start after end",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nipproto = udp\ndport = 90-80\n",
	  "a.conf:6: [line \"cu\"] dport: '90-80' starts after it ends" },
	{ "track: unknown kind",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ntrack = udp 192.0.2.1\n",
	  "a.conf:5: [line \"cu\"] track: 'udp 192.0.2.1' is not 'icmp TARGET', 'tcp TARGET:PORT' or 'tcp [IPV6]:PORT'" },
	{ "track: tcp without port",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ntrack = tcp 192.0.2.1\n",
	  "a.conf:5: [line \"cu\"] track: 'tcp 192.0.2.1' is not 'icmp TARGET', 'tcp TARGET:PORT' or 'tcp [IPV6]:PORT'" },
	{ "track: tcp port 0",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ntrack = tcp 192.0.2.1:0\n",
	  "a.conf:5: [line \"cu\"] track: 'tcp 192.0.2.1:0' has no port from 1 to 65535 after the ':'" },
	{ "track: tcp v6 without brackets",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ntrack = tcp 2001:db8::1:443\n",
	  "a.conf:5: [line \"cu\"] track: 'tcp 2001:db8::1:443' has no target address or host name (IPv6 in brackets for tcp)" },
	{ "track: icmp to a bad name",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ntrack = icmp a/b\n",
	  "a.conf:5: [line \"cu\"] track: 'icmp a/b' has no target address or host name (IPv6 in brackets for tcp)" },
	{ "interval: below 100ms",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ninterval = 50ms\n",
	  "a.conf:5: [line \"cu\"] interval: '50ms' is less than the minimum 100ms" },
	{ "interval: above 1h",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ninterval = 2h\n",
	  "a.conf:5: [line \"cu\"] interval: '2h' is greater than the maximum 1h" },
	{ "timeout: longer than the interval",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ninterval = 2s\ntimeout = 3s\n",
	  "a.conf:6: [line \"cu\"] timeout: is longer than the interval (2s)" },
	{ "timeout: longer than the default interval",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ntimeout = 1500ms\n",
	  "a.conf:5: [line \"cu\"] timeout: is longer than the interval (1s)" },
	{ "down-after: 0",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\ndown-after = 0\n",
	  "a.conf:5: [line \"cu\"] down-after: '0' is less than the minimum 1" },
	{ "up-after: 101",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nup-after = 101\n",
	  "a.conf:5: [line \"cu\"] up-after: '101' is greater than the maximum 100" },
	{ "blackhole: not a bool",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nblackhole = maybe\n",
	  "a.conf:5: [line \"cu\"] blackhole: 'maybe' is not a boolean (yes/no, true/false, on/off, 1/0)" },
	{ "failover: itself",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nfailover = cu\n",
	  "a.conf:5: [line \"cu\"] failover: names the line itself" },
	{ "failover: unknown line",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nfailover = nope\n",
	  "a.conf:5: [line \"cu\"] failover: 'nope' is not a [line] of this config" },
	{ "failover: twice",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nfailover = b b\n[line \"b\"]\ninterface = f\ntable = 9\npriority = 9\n",
	  "a.conf:5: [line \"cu\"] failover: names [line \"b\"] twice" },
	{ "failover: a line without table",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\nfailover = b\n[line \"b\"]\ninterface = f\n",
	  "a.conf:5: [line \"cu\"] failover: [line \"b\"] has no table: its rules have nowhere to point" },
	{ "table: two lines, one table",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\n[line \"b\"]\ninterface = f\ntable = 150\npriority = 9\n",
	  "a.conf:3: [line \"cu\"] table: table 150 is already the table of [line \"b\"]" },
	{ "priority: two lines, one priority",
	  "[line \"cu\"]\ninterface = e\ntable = 150\npriority = 1000\n[line \"b\"]\ninterface = f\ntable = 151\npriority = 1000\n",
	  "a.conf:4: [line \"cu\"] priority: priority 1000 is already the priority of [line \"b\"]" },
	{ "routing: protocol 4 is the kernel's static",
	  "[routing]\nprotocol = 4\n",
	  "a.conf:2: [routing] protocol: '4' is less than the minimum 5" },
	{ "routing: protocol 256",
	  "[routing]\nprotocol = 256\n",
	  "a.conf:2: [routing] protocol: '256' is greater than the maximum 255" },
	{ "routing: relative rt-tables",
	  "[routing]\nrt-tables = t.conf\n",
	  "a.conf:2: [routing] rt-tables: 't.conf' is not an absolute path (at most 255 bytes)" },
	{ "routing: control socket path too long",
	  "[routing]\ncontrol = /ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss\n",
	  "a.conf:2: [routing] control: '/sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss... (109 bytes)' is not an absolute path of at most 107 bytes (a Unix socket)" },
	{ "routing: two sections",
	  "[routing]\nprotocol = 9\n[routing]\nprotocol = 10\n",
	  "a.conf:3: [routing] duplicate section, first at line 1" },
	{ "routing: no name",
	  "[routing \"x\"]\n",
	  "a.conf:1: [routing \"x\"] section takes no name, write [routing]" },
};

static void test_helpers(void)
{
	struct conf_prefix p = { .addr = { .family = AF_INET }, .len = 20 };
	struct conf_addr a = { .family = AF_INET };

	ok(rt_ifname_ok("eth0") && rt_ifname_ok("abcdefghijklmno"), "ifname: 4 and 15 bytes");
	ok(!rt_ifname_ok("") && !rt_ifname_ok(".") && !rt_ifname_ok("..") &&
	   !rt_ifname_ok("a b") && !rt_ifname_ok("a:1") && !rt_ifname_ok("abcdefghijklmnop"),
	   "ifname: empty, dots, space, colon, 16 bytes refused");
	inet_pton(AF_INET, "10.1.0.0", &p.addr.u.v4);
	inet_pton(AF_INET, "10.1.15.255", &a.u.v4);
	ok(rt_prefix_contains(&p, &a), "10.1.0.0/20 contains 10.1.15.255");
	inet_pton(AF_INET, "10.1.16.0", &a.u.v4);
	ok(!rt_prefix_contains(&p, &a), "10.1.0.0/20 does not contain 10.1.16.0");
	a.family = AF_INET6;
	ok(!rt_prefix_contains(&p, &a), "no containment across families");
	p.len = 0;
	a.family = AF_INET;
	ok(rt_prefix_contains(&p, &a), "/0 contains everything of its family");
}

/* track parses once into struct rt_track and prints back canonically. */
static void test_track(void)
{
	static const struct { const char *raw, *canon; int kind; const char *target; int port; } t[] = {
		{ "icmp 192.0.2.9", "icmp 192.0.2.9", RT_TRACK_ICMP, "192.0.2.9", 0 },
		{ "icmp  2001:db8::9", "icmp 2001:db8::9", RT_TRACK_ICMP, "2001:db8::9", 0 },
		{ "tcp www.example.net:443", "tcp www.example.net:443", RT_TRACK_TCP,
		  "www.example.net", 443 },
		{ "tcp [2001:db8::9]:80", "tcp [2001:db8::9]:80", RT_TRACK_TCP, "2001:db8::9", 80 },
	};
	char msg[CONF_MSG_MAX], buf[300];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		void *v = NULL;
		const struct rt_track *tr;

		is_int(rt_track_type.parse(t[i].raw, &v, msg, sizeof(msg)), 0, "track '%s' parses",
		    t[i].raw);
		tr = v;
		ok(tr && (int)tr->kind == t[i].kind && !strcmp(tr->target, t[i].target) &&
		   tr->port == t[i].port, "track '%s': kind, target, port", t[i].raw);
		is_int(tr ? rt_track_type.format(tr, buf, sizeof(buf)) : -1, 0, "track formats");
		is_str(buf, t[i].canon, "track '%s' canonical text", t[i].raw);
		rt_track_type.free(v);
	}
	uint32_t a, b;

	ok(rt_range_parse("7", 1, 9, &a, &b) == 0 && a == 7 && b == 7, "range: one number");
	ok(rt_range_parse("2-9", 1, 9, &a, &b) == 0 && a == 2 && b == 9, "range: A-B");
	is_int(rt_range_parse("9-2", 1, 9, &a, &b), -ERANGE, "range: A > B");
	is_int(rt_range_parse("0-2", 1, 9, &a, &b), -EINVAL, "range: below min");
	is_int(rt_range_parse("-2", 0, 9, &a, &b), -EINVAL, "range: no start");
	is_int(rt_range_parse("+2", 0, 9, &a, &b), -EINVAL, "range: sign");
	is_int(rt_ipproto_parse("ipv6-icmp"), 58, "ipproto ipv6-icmp is 58");
	is_int(rt_ipproto_parse("0"), -EINVAL, "ipproto 0 refused");
}

/* The bench's config, 100 lines of 100 sources and 100 routes: the
 * checks across lines must not compare every pair (2 s before). */
static void test_many(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	struct conf *conf = NULL;
	struct timespec t0, t1;

	for (int l = 1; l <= 100; l++) {
		fprintf(fp, "[line \"l%d\"]\ninterface = e%d\ntable = %d\npriority = %d\n", l, l,
		    100 + l, 1000 + l);
		for (int k = 0; k < 100; k++)
			fprintf(fp, "source = 10.%d.%d.0/24\nroute = 10.%d.%d.0/24\n", l, k, 100 + l, k);
	}
	fclose(fp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(conf_load_buffer("a.conf", text, len, &opts, &conf), 0,
	    "100 lines x 100 sources and routes: clean");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;

	diag("loading and checking 100 lines x 200 prefixes: %.1f ms", ms);
	ok(ms < 1000, "in well under a second (even with sanitizers)");
	conf_free(conf);
	free(text);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(cases[i].text, cases[i].want, cases[i].name);
	test_helpers();

	/* The getters give what the probes read. */
	static const char text[] = "[line \"tel\"]\ninterface = eth2\nfwmark = 0x150\n"
	    "source = 192.0.2.10\n";
	struct conf *conf = NULL;

	is_int(conf_load_buffer("a.conf", text, strlen(text), &opts, &conf), 0, "load a line");
	const struct conf_section *tel = conf_section_find(conf, "line", "tel");

	ok(tel != NULL, "[line \"tel\"] found");
	is_str(conf_get_str(tel, "interface"), "eth2", "interface read back");
	is_int((int)conf_get_u64(tel, "fwmark"), 0x150, "fwmark read back");
	is_int((int)conf_get_count(tel, "source"), 1, "one source");
	conf_free(conf);
	test_track();
	test_many();
	done_testing();
}
