/* test-probe-cli: outpost-probe's values and options: durations with
 * and without units, integers with ranges and hex, every option landing
 * in the spec, and each refusal naming the option and the value. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "probe_cli.h"

static void test_duration(void)
{
	static const struct { const char *in; int rc; uint64_t ms; } cases[] = {
		{ "250ms", 0, 250 }, { "1s", 0, 1000 }, { "1.5s", 0, 1500 }, { "2m", 0, 120000 },
		{ "40", 0, 40 }, { "0.4", 0, 0 }, { "0.6", 0, 1 }, { "0", 0, 0 },
		{ "", -EINVAL, 0 }, { "ms", -EINVAL, 0 }, { "5x", -EINVAL, 0 },
		{ "1.2.3s", -EINVAL, 0 }, { "-5", -EINVAL, 0 }, { " 5", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 }, { "inf", -EINVAL, 0 }, { "2d", -EINVAL, 0 },
		{ "86400s", 0, 86400000 }, { "86401s", -ERANGE, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ms = 12345;
		int rc = probe_cli_duration(cases[i].in, &ms);

		ok(rc == cases[i].rc && (rc < 0 || ms == cases[i].ms),
		    "duration '%s': %d %llu", cases[i].in, rc, (unsigned long long)ms);
	}
}

static void test_numbers(void)
{
	uint64_t v;
	double d;

	ok(probe_cli_uint("65535", 1, 65535, false, &v) == 0 && v == 65535, "uint at max");
	is_int(probe_cli_uint("65536", 1, 65535, false, &v), -ERANGE, "uint above max");
	is_int(probe_cli_uint("0", 1, 9, false, &v), -ERANGE, "uint below min");
	is_int(probe_cli_uint("-1", 0, 9, false, &v), -EINVAL, "negative refused");
	is_int(probe_cli_uint("0x10", 0, 99, false, &v), -EINVAL, "hex without hex");
	ok(probe_cli_uint("0x1F", 0, 99, true, &v) == 0 && v == 31, "hex 0x1F");
	is_int(probe_cli_uint("0x", 0, 99, true, &v), -EINVAL, "bare 0x");
	is_int(probe_cli_uint("18446744073709551616", 0, UINT64_MAX, false, &v), -ERANGE,
	    "2^64 overflows");
	ok(probe_cli_number("0.5", 10, &d) == 0 && d == 0.5, "number 0.5");
	is_int(probe_cli_number("0", 10, &d), -EINVAL, "number 0 is not positive");
	is_int(probe_cli_number("11", 10, &d), -ERANGE, "number above max");
	is_int(probe_cli_number("nan", 10, &d), -EINVAL, "nan refused");
}

/* Parse a command line given as one string (split at spaces). */
static int parse(struct probe_cli *c, const char *line, bool priv, char *err, size_t len)
{
	static char buf[512];
	static char *argv[64];
	int argc = 0;

	snprintf(buf, sizeof(buf), "outpost-probe %s", line);
	for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return probe_cli_parse(c, argc, argv, priv, err, len);
}

static void test_spec(void)
{
	struct probe_cli c;
	char err[512];

	is_int(parse(&c, "tcp -c 5 -i 250ms -W 1.5s -p 443 --ttl 9 --tos 0x10 --mark 0x150 "
	    "-4 -q --json a.example 192.0.2.1", true, err, sizeof(err)), 0, "a tcp line parses");
	ok(c.spec.type == PROBE_TCP && c.spec.count == 5 && c.spec.interval_ms == 250 &&
	   c.spec.timeout_ms == 1500 && c.spec.port == 443, "count, interval, timeout, port");
	ok(c.spec.path.ttl == 9 && c.spec.path.tos == 0x10 && c.spec.path.has_mark &&
	   c.spec.path.mark == 0x150, "ttl, tos, mark into the path");
	ok(c.spec.family == AF_INET && c.quiet && c.json, "-4, -q, --json");
	ok(c.ntargets == 2 && !strcmp(c.targets[0], "a.example") &&
	   !strcmp(c.targets[1], "192.0.2.1"), "two targets");

	is_int(parse(&c, "trace -P udp -m 20 -N 4 -p 33434 -s 60 x", true, err, sizeof(err)), 0,
	    "a trace line parses");
	ok(c.spec.trace_proto == IPPROTO_UDP && c.spec.max_hops == 20 && c.spec.queries == 4 &&
	   c.spec.size == 60, "proto, max-hops, queries, size");
	is_int(parse(&c, "http -L -k --sni www.example --max-redirs 3 x", true, err, sizeof(err)),
	    0, "an http line parses");
	ok(c.spec.max_redirects == 3 && c.spec.no_verify && !strcmp(c.spec.sni, "www.example"),
	    "redirects, insecure, sni");
	parse(&c, "http -L x", true, err, sizeof(err));
	is_int((int)c.spec.max_redirects, 10, "-L alone follows 10");
	parse(&c, "ping -S 2001:db8::1 -r 0.5 x", true, err, sizeof(err));
	ok(c.spec.family == AF_INET6 && c.spec.path.src.ss_family == AF_INET6 &&
	   c.spec.rate == 0.5, "-S sets the family; -r takes fractions");
	parse(&c, "tcp x -p 80 --via tel", true, err, sizeof(err));
	ok(c.spec.port == 80 && c.via && !strcmp(c.via, "tel") && c.ntargets == 1,
	    "options after the target");
	parse(&c, "ping --publish --name home-gw --config /dev/null x", true, err, sizeof(err));
	ok(c.publish && !strcmp(c.name, "home-gw") && !strcmp(c.config, "/dev/null"),
	    "--publish, --name, --config");
	is_int(parse(&c, "dns -t mx --tcp a.test @192.0.2.53 b.test @[2001:db8::53]:5353 -c 4",
	    true, err, sizeof(err)), 0, "a dns line parses");
	ok(c.spec.type == PROBE_DNS && c.spec.dns_qtype == 15 && c.spec.dns_tcp &&
	   c.spec.count == 4, "dns: type, tcp, count");
	ok(c.ntargets == 2 && !strcmp(c.targets[0], "a.test") && !strcmp(c.targets[1], "b.test") &&
	   c.spec.n_dns_servers == 2 && !strcmp(c.spec.dns_servers[0], "192.0.2.53") &&
	   !strcmp(c.spec.dns_servers[1], "[2001:db8::53]:5353"), "dns: names and @servers apart");
	parse(&c, "dns x", true, err, sizeof(err));
	ok(c.spec.n_dns_servers == 0 && c.spec.dns_servers == NULL && c.spec.dns_qtype == 0,
	    "dns: no @ means the system's servers, type A");
	is_int(parse(&c, "-h", true, err, sizeof(err)), PROBE_CLI_HELP, "-h");
	is_int(parse(&c, "tcp --version", true, err, sizeof(err)), PROBE_CLI_VERSION,
	    "--version");
}

static void test_refusals(void)
{
	static const struct { const char *line; bool priv; const char *msg; } cases[] = {
		{ "", true, "which probe? ping, tcp, trace, tls or http" },
		{ "dnsx x", true, "'dnsx' is not a probe type: ping, tcp, trace, tls or http" },
		{ "dns -t BOGUS x", true, "-t/--type: 'BOGUS' is not a DNS type (A, AAAA, CNAME, MX, "
		  "NS, PTR, SOA, SRV, TXT, CAA, ANY, TYPEn or 1 to 65535)" },
		{ "dns --tos 16 x", true, "--tos: applies to every type but dns probes, not dns" },
		{ "ping -t MX x", true, "-t/--type: applies to dns and hijack probes, not ping" },
		{ "tcp -p 80 --tcp x", true, "--tcp: applies to dns probes, not tcp" },
		{ "dns @192.0.2.53", true, "dns: which name? give NAME ... [@SERVER ...]" },
		{ "dns x @", true, "'@' is not @ADDRESS, @ADDRESS:PORT, @[IPV6]:PORT, @NAME or "
		  "@system" },
		{ "tcp x", true, "tcp: which port? give -p/--port PORT" },
		{ "tcp -p 0 x", true, "-p/--port: '0' is out of range (1 to 65535)" },
		{ "tcp -p 65536 x", true, "-p/--port: '65536' is out of range (1 to 65535)" },
		{ "tcp -p http x", true, "-p/--port: 'http' is not a whole number" },
		{ "tcp -p 80 -c -1 x", true, "-c/--count: '-1' is not a whole number" },
		{ "tcp -p 80 -c 0 x", true, "-c/--count: '0' is out of range (1 to 1000000)" },
		{ "tcp -p 80 -i 5x x", true, "-i/--interval: '5x' is not a duration (250ms, 1.5s, "
		  "2m, or a number of milliseconds)" },
		{ "tcp -p 80 -i 1ms x", false, "-i/--interval: '1ms' is below the least allowed, "
		  "2ms" },
		{ "tcp -p 80 -i 0 x", true, "-i/--interval: '0' is below the least allowed, 1ms" },
		{ "ping -r 5000 x", false, "-r/--rate: '5000' is above what an unprivileged user "
		  "may send, 500 packets/s" },
		{ "ping -r 0 x", true, "-r/--rate: '0' is not a positive number of packets/s" },
		{ "ping -W 2d x", true, "-W/--timeout: '2d' is not a duration (250ms, 1.5s, 2m, "
		  "or a number of milliseconds)" },
		{ "ping --ttl 0 x", true, "--ttl: '0' is out of range (1 to 255)" },
		{ "ping --tos 256 x", true, "--tos: '256' is out of range (0 to 255)" },
		{ "ping --mark 0x1g x", true, "--mark: '0x1g' is not a number (decimal or 0x hex)" },
		{ "ping -S 192.0.2.300 x", true, "-S/--source: '192.0.2.300' is not a numeric IPv4 "
		  "or IPv6 address" },
		{ "ping -6 -S 192.0.2.1 x", true, "-S/--source: the address is not of the family "
		  "-6 asks for" },
		{ "ping -4 -6 x", true, "-4 and -6: give one or the other" },
		{ "ping -I no/such x", true, "-I/--interface: 'no/such' is not an interface name "
		  "(1 to 15 characters, no '/', ':' or spaces)" },
		{ "ping -I nosuch0 x", true, "-I/--interface: 'nosuch0': no such interface here" },
		{ "ping -p 80 x", true, "-p/--port: applies to tcp, trace, tls and http probes, "
		  "not ping" },
		{ "tcp -p 80 -P udp x", true, "-P/--proto: applies to trace probes, not tcp" },
		{ "trace -P sctp x", true, "-P/--proto: 'sctp' is not icmp, udp or tcp" },
		{ "trace -m 256 x", true, "-m/--max-hops: '256' is out of range (1 to 255)" },
		{ "tls -L x", true, "-L/--location: applies to http probes, not tls" },
		{ "http --max-redirs 3 x", true, "--max-redirs: only with -L/--location" },
		{ "http --ca-file /nonexistent/ca.pem x", true, "--ca-file: '/nonexistent/ca.pem': "
		  "No such file or directory" },
		{ "ping --name x.y x", true, "--name: only with --publish" },
		{ "ping --publish --name a/b x", true, "--name: 'a/b' is not an event name (1 to "
		  "128 of A-Z a-z 0-9 _ . : -)" },
		{ "tcp -p 80 --via tel -I lo x", true, "--via: the line gives the interface, source "
		  "and mark; leave out -I, -S and --mark" },
		{ "tcp -p 80", true, "no target given" },
		{ "tcp -p 80 -Z x", true, "unknown option -Z; see -h" },
		{ "tcp -p 80 --frobnicate x", true, "unknown option '--frobnicate'; see -h" },
		{ "tcp -p", true, "option -p needs a value" },
		{ "tcp -p 80 x --ttl", true, "option '--ttl' needs a value" },
	};
	struct probe_cli c;
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(&c, cases[i].line, cases[i].priv, err, sizeof(err));

		ok(rc == -EINVAL, "'%s' refused", cases[i].line);
		is_str(err, cases[i].msg, "'%s': message", cases[i].line);
	}
}

int main(void)
{
	test_duration();
	test_numbers();
	test_spec();
	test_refusals();
	done_testing();
}
