/* probe_cli.c: outpost-probe's options, every type's, into one spec.
 *
 * Each value is checked here, once, with a message naming the option,
 * the value and what it should have been; an option that does not apply
 * to the type is refused rather than silently ignored. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dns_msg.h"
#include "probe_cli.h"
#include "rt_line.h"
#include "spool.h"

/* The same limits the ping engine applies by capability (probe.h). */
#define USER_MIN_INTERVAL_MS	PROBE_USER_MIN_INTERVAL_MS
#define USER_MAX_RATE		PROBE_USER_MAX_RATE

enum {
	OPT_TTL = 0x4500, OPT_TOS, OPT_MARK, OPT_VIA, OPT_JSON, OPT_PUBLISH, OPT_NAME, OPT_SNI,
	OPT_CA_FILE, OPT_MAX_REDIRS,
	OPT_DNS_TCP,	/* dns */
};
/* hijack's options (owner: hijack), apart so other types' lines stay theirs. */
enum { OPT_HIJACK_REF = 0x4580, OPT_HIJACK_DOT, OPT_NX_DOMAIN, OPT_NOT_BOGON };
/* hijack's injection check options (owner: inject). */
enum { OPT_INJECT_SINK = 0x45c0, OPT_INJECT_WINDOW };

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'c' },
	{ "interval", required_argument, NULL, 'i' },
	{ "rate", required_argument, NULL, 'r' },
	{ "timeout", required_argument, NULL, 'W' },
	{ "size", required_argument, NULL, 's' },
	{ "interface", required_argument, NULL, 'I' },
	{ "source", required_argument, NULL, 'S' },
	{ "port", required_argument, NULL, 'p' },
	{ "proto", required_argument, NULL, 'P' },
	{ "max-hops", required_argument, NULL, 'm' },
	{ "queries", required_argument, NULL, 'N' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "location", no_argument, NULL, 'L' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "tos", required_argument, NULL, OPT_TOS },
	{ "mark", required_argument, NULL, OPT_MARK },
	{ "via", required_argument, NULL, OPT_VIA },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "publish", no_argument, NULL, OPT_PUBLISH },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "sni", required_argument, NULL, OPT_SNI },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "max-redirs", required_argument, NULL, OPT_MAX_REDIRS },
	{ "type", required_argument, NULL, 't' },		/* dns */
	{ "tcp", no_argument, NULL, OPT_DNS_TCP },		/* dns */
	{ "ref", required_argument, NULL, OPT_HIJACK_REF },
	{ "dot", required_argument, NULL, OPT_HIJACK_DOT },
	{ "nx-domain", required_argument, NULL, OPT_NX_DOMAIN },
	{ "not-bogon", required_argument, NULL, OPT_NOT_BOGON },
	{ "sink", required_argument, NULL, OPT_INJECT_SINK },
	{ "window", required_argument, NULL, OPT_INJECT_WINDOW },
	CLI_CONFIG_LONGOPT,
	{ NULL, 0, NULL, 0 },
};

void probe_cli_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: outpost-probe ping|tcp|trace|tls|http [-46hkLqV] [-c count]\n"
	    "                     [-I interface] [-i interval] [-m max-hops] [-N queries]\n"
	    "                     [-P proto] [-p port] [-r rate] [-S source] [-s size]\n"
	    "                     [-W timeout] [--ca-file file] [--config file] [--json]\n"
	    "                     [--mark mark] [--max-redirs n] [--name name] [--publish]\n"
	    "                     [--sni name] [--tos tos] [--ttl ttl] [--via line]\n"
	    "                     target ...\n"
	    "       outpost-probe dns [-hqV] [-c count] [-I interface] [-i interval]\n"
	    "                     [-r rate] [-S source] [-t type] [-W timeout] [--config file]\n"
	    "                     [--json] [--mark mark] [--name name] [--publish] [--tcp]\n"
	    "                     [--via line] name ... [@server ...]\n"
	    /* hijack */
	    "       outpost-probe hijack [-hqV] [-I interface] [-S source] [-t A|AAAA]\n"
	    "                     [-W timeout] [--ca-file file] [--config file]\n"
	    "                     [--dot ref[#tls-name]] [--json] [--mark mark]\n"
	    "                     [--not-bogon prefix] [--nx-domain domain] [--ref @ref]\n"
	    "                     [--via line] name ... [@resolver ...]\n");
}

/* Which types take an option; the rest refuse it. */
#define T(x) (1u << (x))
#define T_ALL (T(PROBE_PING) | T(PROBE_TCP) | T(PROBE_TRACE) | T(PROBE_TLS) | T(PROBE_HTTP))
#define T_WEB (T(PROBE_TLS) | T(PROBE_HTTP))

struct optinfo {
	int		opt;
	const char	*shown;		/* "-p/--port" */
	unsigned	types;
	const char	*types_shown;
};

static const struct optinfo opt_types[] = {
	{ 's', "-s/--size", T(PROBE_PING) | T(PROBE_TRACE), "ping and trace" },
	{ 'p', "-p/--port", T(PROBE_TCP) | T(PROBE_TRACE) | T_WEB, "tcp, trace, tls and http" },
	{ 'P', "-P/--proto", T(PROBE_TRACE), "trace" },
	{ 'm', "-m/--max-hops", T(PROBE_TRACE), "trace" },
	{ 'N', "-N/--queries", T(PROBE_TRACE), "trace" },
	{ 'k', "-k/--insecure", T_WEB, "tls and http" },
	{ OPT_SNI, "--sni", T_WEB, "tls and http" },
	{ OPT_CA_FILE, "--ca-file", T_WEB | T(PROBE_HIJACK), "tls, http and hijack" },
	{ 'L', "-L/--location", T(PROBE_HTTP), "http" },
	{ OPT_MAX_REDIRS, "--max-redirs", T(PROBE_HTTP), "http" },
	/* dns: c-ares sets neither TOS nor TTL on its sockets. */
	{ 't', "-t/--type", T(PROBE_DNS) | T(PROBE_HIJACK), "dns and hijack" },
	{ OPT_DNS_TCP, "--tcp", T(PROBE_DNS), "dns" },
	{ OPT_TOS, "--tos", ~T(PROBE_DNS), "every type but dns" },
	{ OPT_TTL, "--ttl", ~T(PROBE_DNS), "every type but dns" },
	{ '4', "-4", ~T(PROBE_DNS), "every type but dns" },
	{ '6', "-6", ~T(PROBE_DNS), "every type but dns" },
	{ OPT_HIJACK_REF, "--ref", T(PROBE_HIJACK), "hijack" },
	{ OPT_HIJACK_DOT, "--dot", T(PROBE_HIJACK), "hijack" },
	{ OPT_NX_DOMAIN, "--nx-domain", T(PROBE_HIJACK), "hijack" },
	{ OPT_NOT_BOGON, "--not-bogon", T(PROBE_HIJACK), "hijack" },
	{ OPT_INJECT_SINK, "--sink", T(PROBE_HIJACK), "hijack" },
	{ OPT_INJECT_WINDOW, "--window", T(PROBE_HIJACK), "hijack" },
};

struct parse {
	struct probe_cli	*c;
	char			*err;
	size_t			errlen;
	bool			privileged;
	bool			location, redirs_set;
	uint64_t		redirs;
};

__attribute__((format(printf, 2, 3)))
static int refuse(struct parse *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int get_uint(struct parse *ps, const char *opt, const char *arg, uint64_t min,
    uint64_t max, bool hex, uint64_t *out)
{
	int r = probe_cli_uint(arg, min, max, hex, out);

	if (r == -ERANGE)
		return refuse(ps, "%s: '%s' is out of range (%llu to %llu)", opt, arg,
		    (unsigned long long)min, (unsigned long long)max);
	if (r < 0)
		return refuse(ps, "%s: '%s' is not %s", opt, arg,
		    hex ? "a number (decimal or 0x hex)" : "a whole number");
	return 0;
}

static int get_duration(struct parse *ps, const char *opt, const char *arg, uint64_t min,
    uint64_t *out)
{
	int r = probe_cli_duration(arg, out);

	if (r == -ERANGE)
		return refuse(ps, "%s: '%s' is longer than a day", opt, arg);
	if (r < 0)
		return refuse(ps, "%s: '%s' is not a duration (250ms, 1.5s, 2m, or a number of "
		    "milliseconds)", opt, arg);
	if (*out < min)
		return refuse(ps, "%s: '%s' is below the least allowed, %llums", opt, arg,
		    (unsigned long long)min);
	return 0;
}

static int set_source(struct parse *ps, const char *arg)
{
	if (probe_cli_addr(arg, &ps->c->spec.path.src) < 0)
		return refuse(ps, "-S/--source: '%s' is not a numeric IPv4 or IPv6 address", arg);
	return 0;
}

static int set_interface(struct parse *ps, const char *arg)
{
	if (!rt_ifname_ok(arg))
		return refuse(ps, "-I/--interface: '%s' is not an interface name (1 to 15 "
		    "characters, no '/', ':' or spaces)", arg);
	if (!if_nametoindex(arg))
		return refuse(ps, "-I/--interface: '%s': no such interface here", arg);
	snprintf(ps->c->spec.path.ifname, sizeof(ps->c->spec.path.ifname), "%s", arg);
	return 0;
}

static int set_proto(struct parse *ps, const char *arg)
{
	static const struct { const char *name; int proto; } protos[] = {
		{ "icmp", IPPROTO_ICMP }, { "udp", IPPROTO_UDP }, { "tcp", IPPROTO_TCP },
	};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(arg, protos[i].name)) {
			ps->c->spec.trace_proto = protos[i].proto;
			return 0;
		}
	return refuse(ps, "-P/--proto: '%s' is not icmp, udp or tcp", arg);
}

static int set_rate(struct parse *ps, const char *arg)
{
	double max = ps->privileged ? 1e6 : USER_MAX_RATE;
	int r = probe_cli_number(arg, max, &ps->c->spec.rate);

	if (r == -ERANGE)
		return refuse(ps, "-r/--rate: '%s' is above %s%g packets/s", arg,
		    ps->privileged ? "" : "what an unprivileged user may send, ", max);
	if (r < 0)
		return refuse(ps, "-r/--rate: '%s' is not a positive number of packets/s", arg);
	return 0;
}

/* One option; 0 or -EINVAL. */
static int option(struct parse *ps, int opt, const char *arg)
{
	struct probe_spec *s = &ps->c->spec;
	uint64_t v;
	int r = 0;

	switch (opt) {
	case 'c':
		r = get_uint(ps, "-c/--count", arg, 1, 1000000, false, &v);
		s->count = (unsigned)v;
		break;
	case 'i':
		r = get_duration(ps, "-i/--interval", arg,
		    ps->privileged ? 1 : USER_MIN_INTERVAL_MS, &s->interval_ms);
		break;
	case 'r':
		r = set_rate(ps, arg);
		break;
	case 'W':
		r = get_duration(ps, "-W/--timeout", arg, 1, &s->timeout_ms);
		break;
	case 's':
		r = get_uint(ps, "-s/--size", arg, 0, 65507, false, &v);
		s->size = (unsigned)v;
		break;
	case OPT_TTL:
		r = get_uint(ps, "--ttl", arg, 1, 255, false, &v);
		s->path.ttl = (int)v;
		break;
	case OPT_TOS:
		r = get_uint(ps, "--tos", arg, 0, 255, true, &v);
		s->path.tos = (int)v;
		break;
	case OPT_MARK:
		r = get_uint(ps, "--mark", arg, 0, 0xffffffffu, true, &v);
		s->path.has_mark = true;
		s->path.mark = (uint32_t)v;
		break;
	case '4':
	case '6':
		if (ps->c->family_set && s->family != (opt == '4' ? AF_INET : AF_INET6))
			return refuse(ps, "-4 and -6: give one or the other");
		ps->c->family_set = true;
		s->family = opt == '4' ? AF_INET : AF_INET6;
		break;
	case 'I':
		r = set_interface(ps, arg);
		break;
	case 'S':
		r = set_source(ps, arg);
		break;
	case 'p':
		r = get_uint(ps, "-p/--port", arg, 1, 65535, false, &v);
		s->port = (uint16_t)v;
		break;
	case 'P':
		r = set_proto(ps, arg);
		break;
	case 'm':
		r = get_uint(ps, "-m/--max-hops", arg, 1, 255, false, &v);
		s->max_hops = (unsigned)v;
		break;
	case 'N':
		r = get_uint(ps, "-N/--queries", arg, 1, 16, false, &v);
		s->queries = (unsigned)v;
		break;
	case 'k':
		s->no_verify = true;
		break;
	case 'L':
		ps->location = true;
		break;
	case OPT_MAX_REDIRS:
		r = get_uint(ps, "--max-redirs", arg, 0, 50, false, &ps->redirs);
		ps->redirs_set = true;
		break;
	case OPT_SNI:
		if (!*arg || strlen(arg) > 253 || strpbrk(arg, " \t/"))
			return refuse(ps, "--sni: '%s' is not a host name", arg);
		s->sni = arg;
		break;
	case OPT_CA_FILE:
		if (access(arg, R_OK) < 0)
			return refuse(ps, "--ca-file: '%s': %s", arg, strerror(errno));
		s->ca_file = arg;
		break;
	case OPT_HIJACK_REF:
	case OPT_HIJACK_DOT:
	case OPT_NX_DOMAIN:
	case OPT_NOT_BOGON:
		return probe_cli_hijack_option(s, opt - OPT_HIJACK_REF, arg, ps->err, ps->errlen);
	case OPT_INJECT_SINK:
	case OPT_INJECT_WINDOW:
		return probe_cli_inject_option(s, opt - OPT_INJECT_SINK, arg, ps->err, ps->errlen);
	case 'q':
		ps->c->quiet = true;
		break;
	case OPT_VIA:
		if (!*arg || strlen(arg) >= sizeof(s->path.line))
			return refuse(ps, "--via: '%s' is not a line name", arg);
		ps->c->via = arg;
		break;
	case OPT_JSON:
		ps->c->json = true;
		break;
	case OPT_PUBLISH:
		ps->c->publish = true;
		break;
	case OPT_NAME:
		if (!spool_name_ok(arg))
			return refuse(ps, "--name: '%s' is not an event name (1 to %d of "
			    "A-Z a-z 0-9 _ . : -)", arg, SPOOL_NAME_MAX);
		ps->c->name = arg;
		break;
	case CLI_OPT_CONFIG:
		ps->c->config = arg;
		break;
	case 't':	/* dns */
		if (probe_dns_type_parse(arg, &s->dns_qtype) < 0 || s->dns_qtype == 0)
			return refuse(ps, "-t/--type: '%s' is not a DNS type (A, AAAA, CNAME, MX, NS, "
			    "PTR, SOA, SRV, TXT, CAA, ANY, TYPEn or 1 to 65535)", arg);
		break;
	case OPT_DNS_TCP:	/* dns */
		s->dns_tcp = true;
		break;
	default:
		return refuse(ps, "unknown option; see -h");
	}
	return r;
}

/* dns: the @SERVER arguments leave the targets for spec.dns_servers;
 * argv is reordered in place so the names stay one array. */
static int dns_servers(struct parse *ps)
{
	struct probe_cli *c = ps->c;
	size_t names = 0, n = 0;

	for (size_t i = 0; i < c->ntargets; i++) {
		char *a = c->targets[i];

		if (a[0] != '@') {
			c->targets[names++] = a;
			continue;
		}
		if (!a[1] || strlen(a) > 90 || strpbrk(a + 1, " \t\n/@"))
			return refuse(ps, "'%s' is not @ADDRESS, @ADDRESS:PORT, @[IPV6]:PORT, @NAME or "
			    "@system", a);
		if (n == PROBE_CLI_DNS_SERVERS)
			return refuse(ps, "'%s': at most %d servers", a, PROBE_CLI_DNS_SERVERS);
		c->dns_servers[n++] = a + 1;
	}
	c->ntargets = names;
	c->spec.dns_servers = n ? c->dns_servers : NULL;
	c->spec.n_dns_servers = n;
	if (!names)
		return refuse(ps, "dns: which name? give NAME ... [@SERVER ...]");
	return 0;
}

/* Options that only some types take, and the pairs that need each other. */
static int cross_checks(struct parse *ps, const bool *seen)
{
	struct probe_cli *c = ps->c;
	struct probe_spec *s = &c->spec;

	for (size_t i = 0; i < sizeof(opt_types) / sizeof(opt_types[0]); i++)
		if (seen[opt_types[i].opt] && !(opt_types[i].types & T(s->type)))
			return refuse(ps, "%s: applies to %s probes, not %s", opt_types[i].shown,
			    opt_types[i].types_shown, probe_type_name(s->type));
	if (s->type == PROBE_TCP && !s->port)
		return refuse(ps, "tcp: which port? give -p/--port PORT");
	if (ps->redirs_set && !ps->location)
		return refuse(ps, "--max-redirs: only with -L/--location");
	if (ps->location)
		s->max_redirects = ps->redirs_set ? (unsigned)ps->redirs : 10;
	if (c->name && !c->publish)
		return refuse(ps, "--name: only with --publish");
	if (s->path.src.ss_family != AF_UNSPEC) {
		if (c->family_set && s->family != s->path.src.ss_family)
			return refuse(ps, "-S/--source: the address is not of the family -%c asks for",
			    s->family == AF_INET ? '4' : '6');
		s->family = s->path.src.ss_family;
	}
	if (c->via && (seen['I'] || seen['S'] || seen[OPT_MARK]))
		return refuse(ps, "--via: the line gives the interface, source and mark; "
		    "leave out -I, -S and --mark");
	if (s->type == PROBE_DNS && dns_servers(ps) < 0)
		return -EINVAL;
	if (c->ntargets == 0)
		return refuse(ps, "no target given");
	for (size_t i = 0; i < c->ntargets; i++)
		if (!c->targets[i][0] || strlen(c->targets[i]) > 253 ||
		    strpbrk(c->targets[i], " \t\n"))
			return refuse(ps, "target '%s' is not a host name or address", c->targets[i]);
	return 0;
}

int probe_cli_parse(struct probe_cli *c, int argc, char **argv, bool privileged, char *err,
    size_t errlen)
{
	struct parse ps = { .c = c, .err = err, .errlen = errlen, .privileged = privileged };
	bool seen[0x4600] = { false };
	int opt, t;

	memset(c, 0, sizeof(*c));
	probe_path_init(&c->spec.path);
	c->spec.family = AF_UNSPEC;
	if (errlen)
		err[0] = '\0';
	if (argc < 2)
		return refuse(&ps, "which probe? ping, tcp, trace, tls or http");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return PROBE_CLI_HELP;
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return PROBE_CLI_VERSION;
	if ((t = probe_type_parse(argv[1])) < 0)
		return refuse(&ps, "'%s' is not a probe type: ping, tcp, trace, tls or http",
		    argv[1]);
	c->spec.type = (enum probe_type)t;

	/* getopt prints its own complaints; ours say more. */
	opterr = 0;
	/* 0, not 1: GNU getopt then also forgets a half-read cluster. */
	optind = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, ":46c:hI:i:kLm:N:P:p:qr:S:s:t:VW:", longopts,
	    NULL)) != -1) {
		char **av = argv + 1;
		const char *last = optind > 0 && optind - 1 < argc - 1 ? av[optind - 1] : "";

		if (opt == 'h')
			return PROBE_CLI_HELP;
		if (opt == 'V')
			return PROBE_CLI_VERSION;
		if (opt == '?')
			return optopt && optopt < 0x100 ?
			    refuse(&ps, "unknown option -%c; see -h", optopt) :
			    refuse(&ps, "unknown option '%s'; see -h", last);
		if (opt == ':')
			return optopt && optopt < 0x100 ?
			    refuse(&ps, "option -%c needs a value", optopt) :
			    refuse(&ps, "option '%s' needs a value", last);
		if (opt >= 0 && opt < (int)sizeof(seen))
			seen[opt] = true;
		if (option(&ps, opt, optarg) < 0)
			return -EINVAL;
	}
	c->targets = argv + 1 + optind;
	c->ntargets = (size_t)(argc - 1 - optind);
	return cross_checks(&ps, seen);
}
