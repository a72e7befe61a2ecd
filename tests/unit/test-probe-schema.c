/* test-probe-schema: the [probe "name"] section of the real schema.
 *
 * A table of configs and the exact diagnostics each must give (none for
 * the good ones): keys that do not belong to the type, required keys, a
 * tcp probe without port, rounds longer than the interval, via naming no
 * [line], targets in the wrong form; then probe_spec_from_conf() on good
 * sections, field by field. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "probe.h"
#include "probe_schema.h"
#include "../tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The diagnostics of a load, joined with newlines. */
static char *diags(const struct conf *conf)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	for (i = 0; i < conf_diag_count(conf); i++)
		fprintf(fp, "%s%s", i ? "\n" : "", conf_diag(conf, i));
	fclose(fp);
	return buf;
}

static const struct conf_opts opts = { .schema = &conf_schema_outpost };

static const struct {
	const char *name, *text, *want;
} cases[] = {
	{ "a ping with one target",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\n", "" },
	{ "a tcp probe with port and two targets on one line",
	  "[probe \"web\"]\ntype = tcp\nport = 443\ntarget = 192.0.2.1 www.example.com\n", "" },
	{ "every common key and the ping keys",
	  "[probe \"all\"]\ntype = ping\ntarget = 192.0.2.1\ninterval = 30s\nspread = 10s\n"
	  "count = 5\ntimeout = 500ms\ninterface = eth2\nsource = 192.0.2.9\nmark = 0x150\n"
	  "tos = 0x10\nttl = 64\nfamily = ipv4\nsize = 56\nrate = 100\n", "" },
	{ "trace keys",
	  "[probe \"t\"]\ntype = trace\ntarget = 192.0.2.1\nproto = udp\nport = 33434\n"
	  "max-hops = 8\nqueries = 2\n", "" },
	{ "tls keys",
	  "[probe \"t\"]\ntype = tls\nport = 443\ntarget = 192.0.2.1\nsni = www.example.com\n"
	  "ca-file = /etc/ca.pem\ninsecure = yes\n", "" },
	{ "http keys",
	  "[probe \"h\"]\ntype = http\ntarget = https://www.example.com/x\nfollow = yes\n"
	  "max-redirects = 3\nsni = www.example.com\n", "" },
	{ "no type",
	  "[probe \"p\"]\ntarget = 192.0.2.1\n",
	  "a.conf:1: [probe \"p\"] type: required key missing" },
	{ "no target",
	  "[probe \"p\"]\ntype = ping\n",
	  "a.conf:1: [probe \"p\"] target: required key missing" },
	{ "an unknown type",
	  "[probe \"p\"]\ntype = icmp\ntarget = 192.0.2.1\n",
	  "a.conf:2: [probe \"p\"] type: 'icmp' is not a probe type (ping, tcp, trace, tls, http, "
	  "dns or hijack)" },
	{ "a name that cannot name events",
	  "[probe \"a b\"]\ntype = ping\ntarget = 192.0.2.1\n",
	  "a.conf:1: [probe \"a b\"] the name must be 1 to 128 of A-Z a-z 0-9 _ . : -, "
	  "as it names the probe's events" },
	{ "tcp without port",
	  "[probe \"p\"]\ntype = tcp\ntarget = 192.0.2.1\n",
	  "a.conf:2: [probe \"p\"] type: a tcp probe needs port" },
	{ "tls without port",
	  "[probe \"p\"]\ntype = tls\ntarget = 192.0.2.1\n",
	  "a.conf:2: [probe \"p\"] type: a tls probe needs port (443 for HTTPS)" },
	{ "a port on a ping, and a size on a tcp probe",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\nport = 80\n"
	  "[probe \"q\"]\ntype = tcp\nport = 80\ntarget = 192.0.2.1\nsize = 100\n",
	  "a.conf:4: [probe \"p\"] port: is not a key of a ping probe\n"
	  "a.conf:9: [probe \"q\"] size: is not a key of a tcp probe" },
	{ "http keys on tls, trace keys on ping",
	  "[probe \"p\"]\ntype = tls\nport = 443\ntarget = 192.0.2.1\nfollow = yes\n"
	  "[probe \"q\"]\ntype = ping\ntarget = 192.0.2.1\nmax-hops = 5\nqueries = 1\n",
	  "a.conf:5: [probe \"p\"] follow: is not a key of a tls probe\n"
	  "a.conf:9: [probe \"q\"] max-hops: is not a key of a ping probe\n"
	  "a.conf:10: [probe \"q\"] queries: is not a key of a ping probe" },
	{ "sni on tcp",
	  "[probe \"p\"]\ntype = tcp\nport = 1\ntarget = 192.0.2.1\nsni = x\n",
	  "a.conf:5: [probe \"p\"] sni: is not a key of a tcp probe" },
	{ "max-redirects without follow",
	  "[probe \"p\"]\ntype = http\ntarget = http://192.0.2.1/\nmax-redirects = 2\n",
	  "a.conf:4: [probe \"p\"] max-redirects: is set but follow is no" },
	{ "port with an icmp trace",
	  "[probe \"p\"]\ntype = trace\ntarget = 192.0.2.1\nport = 80\n",
	  "a.conf:4: [probe \"p\"] port: means nothing with proto icmp" },
	{ "an http target that is no URL, a ping target that is one",
	  "[probe \"h\"]\ntype = http\ntarget = 192.0.2.1\n"
	  "[probe \"p\"]\ntype = ping\ntarget = http://192.0.2.1/\n",
	  "a.conf:3: [probe \"h\"] target: '192.0.2.1' is not an http:// or https:// URL\n"
	  "a.conf:6: [probe \"p\"] target: 'http://192.0.2.1/' is a URL; a ping probe takes "
	  "a host name or address" },
	{ "a target twice, at its own line",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\ntarget = 192.0.2.2\n"
	  "target = 192.0.2.1\n",
	  "a.conf:5: [probe \"p\"] target: '192.0.2.1' is already a target of this probe" },
	{ "a ping round longer than its interval",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\ncount = 10\ninterval = 10s\n",
	  "a.conf:5: [probe \"p\"] interval: is shorter than a round of this probe can take "
	  "(11000 ms: see count, timeout, rate)" },
	{ "a paced ping round over many targets",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4\n"
	  "count = 5\nrate = 1\ninterval = 20s\n",
	  "a.conf:6: [probe \"p\"] interval: is shorter than a round of this probe can take "
	  "(21000 ms: see count, timeout, rate)" },
	{ "a tcp round at the default timeout",
	  "[probe \"p\"]\ntype = tcp\nport = 1\ntarget = 192.0.2.1\ncount = 2\ninterval = 5s\n",
	  "a.conf:6: [probe \"p\"] interval: is shorter than a round of this probe can take "
	  "(6000 ms: see count, timeout)" },
	{ "a round that just fits",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\ncount = 2\ntimeout = 1s\ninterval = 3s\n",
	  "" },
	{ "a trace round at the default interval's edge",
	  "[probe \"t\"]\ntype = trace\ntarget = 192.0.2.1\nmax-hops = 30\ntimeout = 5s\n"
	  "interval = 2m\n",
	  "a.conf:6: [probe \"t\"] interval: is shorter than a round of this probe can take "
	  "(150000 ms: see count, timeout, max-hops)" },
	{ "redirects lengthen an http round",
	  "[probe \"h\"]\ntype = http\ntarget = http://192.0.2.1/\nfollow = yes\ntimeout = 10s\n"
	  "interval = 30s\n",
	  "a.conf:6: [probe \"h\"] interval: is shorter than a round of this probe can take "
	  "(60000 ms: see count, timeout, max-redirects)" },
	{ "spread longer than interval",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\ninterval = 10s\nspread = 20s\n",
	  "a.conf:5: [probe \"p\"] spread: is longer than interval (10000 ms)" },
	{ "an interval below one second",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\ninterval = 500ms\n",
	  "a.conf:4: [probe \"p\"] interval: '500ms' is less than the minimum 1s" },
	{ "a port out of range",
	  "[probe \"p\"]\ntype = tcp\ntarget = 192.0.2.1\nport = 65536\n",
	  "a.conf:4: [probe \"p\"] port: '65536' is greater than the maximum 65535" },
	{ "bad family, proto and interface",
	  "[probe \"p\"]\ntype = trace\ntarget = 192.0.2.1\nfamily = ip4\nproto = sctp\n"
	  "interface = a-very-long-interface-name\n",
	  "a.conf:4: [probe \"p\"] family: 'ip4' is not any, ipv4 or ipv6\n"
	  "a.conf:5: [probe \"p\"] proto: 'sctp' is not icmp, udp or tcp\n"
	  "a.conf:6: [probe \"p\"] interface: 'a-very-long-interface-name' is not an interface "
	  "name (1 to 15 characters, no '/' or space)" },
	{ "a source of the other family",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\nfamily = ipv6\nsource = 192.0.2.9\n",
	  "a.conf:5: [probe \"p\"] source: is not an address of family ipv6" },
	{ "via with interface and mark",
	  "[line \"tel\"]\ninterface = eth2\n[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\n"
	  "via = tel\ninterface = eth0\nmark = 1\n",
	  "a.conf:7: [probe \"p\"] interface: is set with via, which takes it from [line \"tel\"]\n"
	  "a.conf:8: [probe \"p\"] mark: is set with via, which takes it from [line \"tel\"]" },
	{ "via naming a line, with tos and ttl of its own",
	  "[line \"tel\"]\ninterface = eth2\n[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\n"
	  "via = tel\ntos = 8\nttl = 30\n", "" },
	{ "via naming no line",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\nvia = tel\n",
	  "a.conf:4: [probe \"p\"] via: 'tel' names no [line] section" },
	/* dnsd: the dns and hijack types. */
	{ "a dns probe with every dns key",
	  "[probe \"d\"]\ntype = dns\ntarget = www.example.com _sip._udp.example.com\n"
	  "resolvers = system 192.0.2.53 192.0.2.54:5353 [2001:db8::53]:53 2001:db8::54\n"
	  "qtype = MX\ntcp = yes\ncount = 3\ntimeout = 1s\ninterface = eth2\nmark = 1\n", "" },
	{ "a dns probe by type number",
	  "[probe \"d\"]\ntype = dns\ntarget = example.com\nqtype = TYPE65\n"
	  "[probe \"e\"]\ntype = dns\ntarget = example.com.\nqtype = 99\n", "" },
	{ "a hijack probe with every hijack key",
	  "[probe \"h\"]\ntype = hijack\ntarget = www.example.com\nresolvers = system\n"
	  "references = 192.0.2.53 [2001:db8::53]:5353\ndot = 192.0.2.60#dns.example.net "
	  "192.0.2.61:8853 [2001:db8::60]#dot.example.net\nsink = 192.0.2.99\n"
	  "nx-domain = example.com\nnot-bogon = 10.0.0.0/8 2001:db8::/32\nwindow = 500ms\n"
	  "qtype = AAAA\nca-file = /etc/ca.pem\ntimeout = 2s\nvia = tel\n"
	  "[line \"tel\"]\ninterface = eth2\n", "" },
	{ "dns keys on a ping, hijack keys on a dns probe",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\nresolvers = system\nqtype = A\n"
	  "[probe \"d\"]\ntype = dns\ntarget = example.com\nreferences = 192.0.2.53\n"
	  "window = 1s\nsink = 192.0.2.9\n",
	  /* Section by section, last first; in key-table order within one. */
	  "a.conf:9: [probe \"d\"] references: is not a key of a dns probe\n"
	  "a.conf:11: [probe \"d\"] sink: is not a key of a dns probe\n"
	  "a.conf:10: [probe \"d\"] window: is not a key of a dns probe\n"
	  "a.conf:4: [probe \"p\"] resolvers: is not a key of a ping probe\n"
	  "a.conf:5: [probe \"p\"] qtype: is not a key of a ping probe" },
	{ "tcp, count, tos, ttl and family on a hijack probe; tos on a dns probe",
	  "[probe \"h\"]\ntype = hijack\ntarget = example.com\nreferences = 192.0.2.53\n"
	  "tcp = yes\ncount = 2\ntos = 8\nttl = 3\nfamily = ipv4\n"
	  "[probe \"d\"]\ntype = dns\ntarget = example.com\ntos = 8\n",
	  "a.conf:13: [probe \"d\"] tos: is not a key of a dns probe\n"
	  "a.conf:6: [probe \"h\"] count: is not a key of a hijack probe\n"
	  "a.conf:7: [probe \"h\"] tos: is not a key of a hijack probe\n"
	  "a.conf:8: [probe \"h\"] ttl: is not a key of a hijack probe\n"
	  "a.conf:9: [probe \"h\"] family: is not a key of a hijack probe\n"
	  "a.conf:5: [probe \"h\"] tcp: is not a key of a hijack probe" },
	{ "bad resolvers",
	  "[probe \"d\"]\ntype = dns\ntarget = example.com\n"
	  "resolvers = 192.0.2.300 192.0.2.1:0 192.0.2.1:65536 [2001:db8::1 [192.0.2.1]:53 "
	  "@192.0.2.1 dns.example.com\n",
	  "a.conf:4: [probe \"d\"] resolvers: '192.0.2.300' is not system, ADDRESS, IPV4:PORT or "
	  "[IPV6]:PORT\n"
	  "a.conf:4: [probe \"d\"] resolvers: '192.0.2.1:0' is not system, ADDRESS, IPV4:PORT or "
	  "[IPV6]:PORT\n"
	  "a.conf:4: [probe \"d\"] resolvers: '192.0.2.1:65536' is not system, ADDRESS, IPV4:PORT "
	  "or [IPV6]:PORT\n"
	  "a.conf:4: [probe \"d\"] resolvers: '[2001:db8::1' is not system, ADDRESS, IPV4:PORT or "
	  "[IPV6]:PORT\n"
	  "a.conf:4: [probe \"d\"] resolvers: '[192.0.2.1]:53' is not system, ADDRESS, IPV4:PORT "
	  "or [IPV6]:PORT\n"
	  "a.conf:4: [probe \"d\"] resolvers: '@192.0.2.1' is not system, ADDRESS, IPV4:PORT or "
	  "[IPV6]:PORT\n"
	  "a.conf:4: [probe \"d\"] resolvers: 'dns.example.com' is not system, ADDRESS, IPV4:PORT "
	  "or [IPV6]:PORT" },
	{ "a resolver twice, at its own line",
	  "[probe \"d\"]\ntype = dns\ntarget = example.com\nresolvers = system 192.0.2.53\n"
	  "resolvers = 192.0.2.53\n",
	  "a.conf:5: [probe \"d\"] resolvers: '192.0.2.53' is listed twice" },
	{ "bad qtype, target, dot, nx-domain, not-bogon, sink, window",
	  "[probe \"h\"]\ntype = hijack\ntarget = -bad..example\nreferences = 192.0.2.53\n"
	  "qtype = AXFRX\ndot = 192.0.2.60#bad_name! 192.0.2.61:853#\n"
	  "nx-domain = a.b..c\nnot-bogon = 10.0.0.1/8\nsink = example.com\nwindow = 5ms\n",
	  "a.conf:5: [probe \"h\"] qtype: 'AXFRX' is not a query type (A, AAAA, CNAME, MX, NS, TXT, "
	  "SOA, PTR, SRV, CAA, ANY, or a number 1 to 65535)\n"
	  "a.conf:6: [probe \"h\"] dot: '192.0.2.60#bad_name!' is not ADDRESS[:PORT][#TLS-NAME] "
	  "(port 853 when left out)\n"
	  "a.conf:6: [probe \"h\"] dot: '192.0.2.61:853#' is not ADDRESS[:PORT][#TLS-NAME] "
	  "(port 853 when left out)\n"
	  "a.conf:7: [probe \"h\"] nx-domain: 'a.b..c' is not a domain name (labels of 1 to 63 of "
	  "A-Z a-z 0-9 - _, 253 characters at most)\n"
	  "a.conf:8: [probe \"h\"] not-bogon: '10.0.0.1/8' has host bits set, did you mean "
	  "'10.0.0.0/8'?\n"
	  "a.conf:9: [probe \"h\"] sink: 'example.com' is not an IPv4 or IPv6 address\n"
	  "a.conf:10: [probe \"h\"] window: '5ms' is less than the minimum 10ms\n"
	  "a.conf:3: [probe \"h\"] target: '-bad..example' is not a domain name (a hijack probe "
	  "looks it up)" },
	{ "more references, dot and not-bogon than a hijack probe has room for",
	  "[probe \"h\"]\ntype = hijack\ntarget = example.com\n"
	  "references = 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7 "
	  "192.0.2.8 192.0.2.9\ndot = 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5\n"
	  "not-bogon = 10.0.0.0/24 10.0.1.0/24 10.0.2.0/24 10.0.3.0/24 10.0.4.0/24 10.0.5.0/24 "
	  "10.0.6.0/24 10.0.7.0/24 10.0.8.0/24 10.0.9.0/24 10.0.10.0/24 10.0.11.0/24 10.0.12.0/24 "
	  "10.0.13.0/24 10.0.14.0/24 10.0.15.0/24 10.0.16.0/24\n",
	  "a.conf:4: [probe \"h\"] references: lists more than 8\n"
	  "a.conf:5: [probe \"h\"] dot: lists more than 4\n"
	  "a.conf:6: [probe \"h\"] not-bogon: lists more than 16" },
	{ "a hijack probe of MX, without references",
	  "[probe \"h\"]\ntype = hijack\ntarget = example.com\nqtype = MX\n",
	  "a.conf:4: [probe \"h\"] qtype: a hijack probe takes A or AAAA\n"
	  "a.conf:2: [probe \"h\"] type: a hijack probe needs references or dot (what the answers "
	  "of the resolvers are compared with)" },
	{ "a hijack round longer than its interval",
	  "[probe \"h\"]\ntype = hijack\ntarget = example.com\ndot = 192.0.2.60\ntimeout = 5s\n"
	  "window = 2s\ninterval = 15s\n",
	  "a.conf:7: [probe \"h\"] interval: is shorter than a round of this probe can take "
	  "(17000 ms: see count, timeout, window)" },
	{ "a dns round longer than its interval",
	  "[probe \"d\"]\ntype = dns\ntarget = example.com\ncount = 5\ntimeout = 2s\n"
	  "interval = 8s\n",
	  "a.conf:6: [probe \"d\"] interval: is shorter than a round of this probe can take "
	  "(9000 ms: see count, timeout)" },
	{ "an unknown key, with a suggestion",
	  "[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\ncuont = 3\n",
	  "a.conf:4: [probe \"p\"] cuont: unknown key, did you mean 'count'?" },
};

static void test_table(void)
{
	for (size_t i = 0; i < N(cases); i++) {
		struct conf *conf = NULL;
		const char *want = cases[i].want;
		char *got;
		int r;

		r = conf_load_buffer("a.conf", cases[i].text, strlen(cases[i].text), &opts, &conf);
		got = diags(conf);
		is_str(got, want, "%s", cases[i].name);
		is_int(r, *want ? -EINVAL : 0, "%s: return value", cases[i].name);
		free(got);
		conf_free(conf);
	}
}

static struct conf *load(const char *text)
{
	struct conf *conf = NULL;
	char *d;

	if (conf_load_buffer("a.conf", text, strlen(text), &opts, &conf) < 0) {
		d = diags(conf);
		bail_out("config does not load: %s", d);
	}
	return conf;
}

static void test_spec(void)
{
	const struct conf_section *sec;
	struct probe_spec s;
	struct conf *conf;
	const struct sockaddr_in *sin;
	char why[256];

	conf = load("[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\ncount = 5\ntimeout = 700ms\n"
		    "interval = 1m\ninterface = eth2\nsource = 192.0.2.9\nmark = 0x150\ntos = 16\n"
		    "ttl = 9\nfamily = ipv4\nsize = 100\nrate = 50\n");
	sec = conf_section_get(conf, "probe", "p");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: ping converts");
	is_int(s.type, PROBE_PING, "spec: type");
	is_int(s.count, 5, "spec: count");
	is_int(s.timeout_ms, 700, "spec: timeout");
	is_int(s.interval_ms, 1000, "spec: a second between echoes to one target");
	ok(s.rate == 50.0, "spec: rate");
	is_int(s.size, 100, "spec: size");
	is_int(s.family, AF_INET, "spec: family");
	is_str(s.path.ifname, "eth2", "spec: interface");
	sin = (const struct sockaddr_in *)&s.path.src;
	ok(sin->sin_family == AF_INET && sin->sin_addr.s_addr == inet_addr("192.0.2.9"),
	   "spec: source");
	ok(s.path.has_mark && s.path.mark == 0x150, "spec: mark");
	is_int(s.path.tos, 16, "spec: tos");
	is_int(s.path.ttl, 9, "spec: ttl");
	conf_free(conf);

	/* via: the line's interface, fwmark and host source, as --via. */
	conf = load("[line \"tel\"]\ninterface = eth9\nsource = 203.0.113.7/32\nfwmark = 0x150\n"
		    "[probe \"v\"]\ntype = ping\ntarget = 192.0.2.1\nvia = tel\nttl = 20\n");
	sec = conf_section_get(conf, "probe", "v");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: via converts");
	is_str(s.path.ifname, "eth9", "spec: via gives the line's interface");
	is_str(s.path.line, "tel", "spec: and its name");
	ok(s.path.has_mark && s.path.mark == 0x150, "spec: via gives the line's fwmark");
	sin = (const struct sockaddr_in *)&s.path.src;
	ok(sin->sin_family == AF_INET && sin->sin_addr.s_addr == inet_addr("203.0.113.7"),
	   "spec: via gives the line's host source");
	is_int(s.path.ttl, 20, "spec: with the probe's own ttl");
	conf_free(conf);

	conf = load("[probe \"t\"]\ntype = tcp\ntarget = 192.0.2.1\nport = 8080\n");
	sec = conf_section_get(conf, "probe", "t");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: tcp converts");
	is_int(s.type, PROBE_TCP, "spec: tcp type");
	is_int(s.port, 8080, "spec: port");
	is_int(s.count, 1, "spec: tcp default count 1");
	is_int(s.timeout_ms, 3000, "spec: tcp default timeout 3 s");
	is_int(s.family, AF_UNSPEC, "spec: family any");
	ok(!s.path.has_mark && s.path.tos == -1 && s.path.ttl == -1 && !s.path.ifname[0] &&
	   s.path.src.ss_family == AF_UNSPEC, "spec: no path set: kernel defaults");
	conf_free(conf);

	conf = load("[probe \"h\"]\ntype = http\ntarget = https://www.example.com/\nfollow = yes\n"
		    "sni = a.example.com\nca-file = /x/ca.pem\ninsecure = yes\n");
	sec = conf_section_get(conf, "probe", "h");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: http converts");
	is_int(s.max_redirects, 5, "spec: follow = yes follows up to 5 redirects by default");
	is_str(s.sni, "a.example.com", "spec: sni");
	is_str(s.ca_file, "/x/ca.pem", "spec: ca-file");
	ok(s.no_verify, "spec: insecure");
	conf_free(conf);

	conf = load("[probe \"h\"]\ntype = http\ntarget = https://www.example.com/\n");
	sec = conf_section_get(conf, "probe", "h");
	probe_spec_from_conf(conf, sec, &s, why, sizeof(why));
	is_int(s.max_redirects, 0, "spec: without follow no redirect is followed");
	conf_free(conf);

	conf = load("[probe \"t\"]\ntype = trace\ntarget = 192.0.2.1\nproto = tcp\nport = 80\n"
		    "max-hops = 7\nqueries = 2\nfamily = ipv6\n");
	sec = conf_section_get(conf, "probe", "t");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: trace converts");
	ok(s.trace_proto == IPPROTO_TCP && s.max_hops == 7 && s.queries == 2 && s.port == 80,
	   "spec: trace proto, max-hops, queries, port");
	is_int(s.family, AF_INET6, "spec: family ipv6");
	conf_free(conf);
}

/* dnsd: the dns and hijack keys into the spec fields the types read. */
static void test_spec_dns(void)
{
	const struct conf_section *sec;
	const struct sockaddr_in *sin;
	struct probe_spec s;
	struct conf *conf;
	char why[256];

	conf = load("[probe \"d\"]\ntype = dns\ntarget = www.example.com\n"
		    "resolvers = system 192.0.2.53:5353 [2001:db8::53]:53\nqtype = MX\ntcp = yes\n"
		    "count = 4\ntimeout = 1500ms\n"
		    "[probe \"e\"]\ntype = dns\ntarget = www.example.com\n");
	sec = conf_section_get(conf, "probe", "d");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: dns converts");
	is_int(s.type, PROBE_DNS, "spec: dns type");
	is_int(s.n_dns_servers, 3, "spec: three resolvers");
	ok(s.n_dns_servers == 3 && !strcmp(s.dns_servers[0], "system") &&
	   !strcmp(s.dns_servers[1], "192.0.2.53:5353") &&
	   !strcmp(s.dns_servers[2], "[2001:db8::53]:53"), "spec: the resolvers as written");
	is_int(s.dns_qtype, 15, "spec: qtype MX = 15");
	ok(s.dns_tcp, "spec: tcp");
	ok(s.count == 4 && s.timeout_ms == 1500 && s.interval_ms == 1000,
	   "spec: count, timeout, a second between queries");
	free((void *)s.dns_servers);
	sec = conf_section_get(conf, "probe", "e");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: a bare dns converts");
	ok(s.n_dns_servers == 1 && !strcmp(s.dns_servers[0], "system"), "spec: default system");
	ok(s.dns_qtype == 1 && !s.dns_tcp && s.timeout_ms == 2000 && s.count == 1,
	   "spec: default A over UDP, 2 s, one query");
	free((void *)s.dns_servers);
	conf_free(conf);

	conf = load("[probe \"h\"]\ntype = hijack\ntarget = www.example.com\n"
		    "resolvers = 192.0.2.53\nreferences = 192.0.2.54 [2001:db8::54]:5353\n"
		    "dot = 192.0.2.60#dns.example.net 192.0.2.61:8853\nnx-domain = example.org\n"
		    "not-bogon = 10.0.0.0/8 2001:db8::/32 192.0.2.7\nsink = 198.51.100.9\n"
		    "window = 300ms\nqtype = AAAA\nca-file = /x/ca.pem\n"
		    "[probe \"i\"]\ntype = hijack\ntarget = www.example.com\ndot = 192.0.2.60\n");
	sec = conf_section_get(conf, "probe", "h");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: hijack converts");
	ok(s.n_hijack_ref == 2 && !strcmp(s.hijack_ref[0], "192.0.2.54") &&
	   !strcmp(s.hijack_ref[1], "[2001:db8::54]:5353"), "spec: references as --ref stores them");
	ok(s.n_hijack_dot == 2 && !strcmp(s.hijack_dot[0], "192.0.2.60#dns.example.net") &&
	   !strcmp(s.hijack_dot[1], "192.0.2.61:8853"), "spec: dot as --dot stores them");
	is_str(s.hijack_nx_domain, "example.org", "spec: nx-domain");
	ok(s.n_hijack_not_bogon == 3 && !strcmp(s.hijack_not_bogon[0], "10.0.0.0/8") &&
	   !strcmp(s.hijack_not_bogon[1], "2001:db8::/32") &&
	   !strcmp(s.hijack_not_bogon[2], "192.0.2.7/32"), "spec: not-bogon as prefixes");
	sin = (const struct sockaddr_in *)&s.inject_sink;
	ok(sin->sin_family == AF_INET && sin->sin_addr.s_addr == inet_addr("198.51.100.9"),
	   "spec: sink");
	is_int(s.inject_window_ms, 300, "spec: window");
	is_int(s.dns_qtype, 28, "spec: qtype AAAA as -t AAAA gives it");
	is_int(s.family, AF_UNSPEC, "spec: resolvers of either family");
	is_str(s.ca_file, "/x/ca.pem", "spec: ca-file for the DoT references");
	is_int(s.timeout_ms, 5000, "spec: hijack default timeout 5 s");
	ok(!s.dns_servers, "spec: the resolvers under test are not dns_servers (probed makes "
	   "them @ targets)");
	sec = conf_section_get(conf, "probe", "i");
	is_int(probe_spec_from_conf(conf, sec, &s, why, sizeof(why)), 0, "spec: a bare hijack");
	ok(s.dns_qtype == 1 && s.inject_window_ms == 1000 && !s.hijack_nx_domain[0] &&
	   s.inject_sink.ss_family == AF_UNSPEC && !s.n_hijack_ref && s.n_hijack_dot == 1,
	   "spec: A, 1 s window, the name's parent, no sink");
	conf_free(conf);
}

static void test_round(void)
{
	struct conf *conf = load("[probe \"p\"]\ntype = ping\ntarget = 192.0.2.1\n");

	is_int(probe_conf_round_ms(conf_section_get(conf, "probe", "p")), 4000,
	       "round: 3 echoes a second apart and a 1 s timeout: 4 s");
	conf_free(conf);
}

int main(void)
{
	test_table();
	test_spec();
	test_spec_dns();
	test_round();
	done_testing();
}
