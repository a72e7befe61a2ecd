/* test-hijack.c: the bogon table, --not-bogon prefixes, the TTL rule, the
 * verdict rules and the options of outpost-probe hijack, table-driven. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>

#include "hijack.h"
#include "probe_cli.h"
#include "tap.h"

struct bogon_case {
	const char *addr;
	const char *cls;	/* NULL: public */
};

static const struct bogon_case bogon_cases[] = {
	/* every class, inside and at both edges */
	{ "0.0.0.0", "unspecified" },		{ "0.255.255.255", "unspecified" },
	{ "10.0.0.0", "private" },		{ "10.255.255.255", "private" },
	{ "9.255.255.255", NULL },		{ "11.0.0.0", NULL },
	{ "100.64.0.1", "shared" },		{ "100.127.255.255", "shared" },
	{ "100.63.255.255", NULL },		{ "100.128.0.0", NULL },
	{ "127.0.0.1", "loopback" },		{ "127.255.255.254", "loopback" },
	{ "169.254.1.1", "link-local" },	{ "169.255.0.1", NULL },
	{ "172.16.0.1", "private" },		{ "172.31.255.255", "private" },
	{ "172.15.255.255", NULL },		{ "172.32.0.0", NULL },
	{ "192.0.2.1", "documentation" },	{ "192.0.3.1", NULL },
	{ "192.168.1.1", "private" },		{ "192.169.0.1", NULL },
	{ "198.18.0.1", "benchmarking" },	{ "198.19.255.255", "benchmarking" },
	{ "198.17.255.255", NULL },		{ "198.20.0.0", NULL },
	{ "198.51.100.7", "documentation" },	{ "203.0.113.9", "documentation" },
	{ "203.0.114.1", NULL },
	{ "224.0.0.1", "multicast" },		{ "239.255.255.255", "multicast" },
	{ "240.0.0.1", "reserved" },		{ "255.255.255.255", "broadcast" },
	{ "8.8.8.8", NULL },			{ "1.1.1.1", NULL },
	{ "93.184.216.34", NULL },		{ "223.255.255.255", NULL },
	{ "::", "unspecified" },		{ "::1", "loopback" },
	{ "::2", NULL },
	{ "fc00::1", "private" },		{ "fdff:ffff::1", "private" },
	{ "fe80::1", "link-local" },		{ "febf::1", "link-local" },
	{ "fec0::1", NULL },
	{ "ff02::1", "multicast" },
	{ "2001:db8::1", "documentation" },	{ "2001:db8:ffff::1", "documentation" },
	{ "2001:db9::1", NULL },		{ "3fff:fff::1", "documentation" },
	{ "2001:2::1", "benchmarking" },	{ "2001:2:1::1", NULL },
	{ "2606:4700:4700::1111", NULL },	{ "2a00:1450::1", NULL },
	/* mapped IPv4 is judged as IPv4 */
	{ "::ffff:10.1.2.3", "private" },	{ "::ffff:8.8.4.4", NULL },
	{ "::ffff:127.0.0.1", "loopback" },
};

struct exempt_case {
	const char *exempt;
	const char *addr;
	const char *cls;	/* with the exemption */
};

static const struct exempt_case exempt_cases[] = {
	{ "10.9.0.0/22", "10.9.3.255", NULL },
	{ "10.9.0.0/22", "10.9.4.0", "private" },
	{ "10.9.0.0/22", "10.8.255.255", "private" },
	{ "192.0.2.0/24", "192.0.2.80", NULL },
	{ "192.0.2.0/24", "198.51.100.80", "documentation" },
	{ "2001:db8:1::/48", "2001:db8:1::80", NULL },
	{ "2001:db8:1::/48", "2001:db8:2::80", "documentation" },
	{ "192.0.2.1", "192.0.2.1", NULL },		/* a bare address = /32 */
	{ "192.0.2.1", "192.0.2.2", "documentation" },
	{ "10.9.0.0/22", "::ffff:10.9.0.5", NULL },	/* mapped: exempt as IPv4 */
	{ "10.9.0.7/22", "10.9.1.1", NULL },		/* host bits ignored */
	{ "0.0.0.0/0", "127.0.0.1", NULL },
};

static const char *const bad_prefixes[] = {
	"", "/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
	"10.0.0/8", "2001:db8::/129", "2001:db8::/0008", "example.test", "10.0.0.0/8x",
	"10.0.0.0/8/9",
};

struct ttl_case {
	uint32_t tested, reference;
	bool anomaly;
};

static const struct ttl_case ttl_cases[] = {
	{ 300, 300, false },	{ 0, 0, false },	{ 10, 3600, false },
	{ 900, 300, false },	/* 2 * 300 + 300: the edge passes */
	{ 901, 300, true },	{ 301, 0, true },	{ 300, 0, false },
	{ 86400, 60, true },	{ 0, 59, false },	{ 0, 60, true },
	{ 0, 3600, true },	{ 1, 3600, false },
	{ UINT32_MAX, UINT32_MAX, false },	/* no wrap of 2 * ref + slack */
	{ UINT32_MAX, 0x7fffffffu, false },	{ UINT32_MAX, 0x7fff0000u, true },
};

#define P PROBE_HIJACK_PASS
#define F PROBE_HIJACK_FAIL
#define S PROBE_HIJACK_SUSPECT
#define K PROBE_HIJACK_SKIPPED

struct verdict_case {
	/* consistency, injection, nxdomain, bogons, ttl */
	enum probe_hijack_status st[PROBE_HIJACK_NCHECKS];
	enum probe_hijack_verdict want;
};

static const struct verdict_case verdict_cases[] = {
	{ { P, P, P, P, P }, PROBE_HIJACK_CLEAN },
	{ { P, K, K, P, P }, PROBE_HIJACK_CLEAN },	/* skipped checks do not count */
	{ { K, K, K, K, K }, PROBE_HIJACK_CLEAN },
	{ { F, P, P, P, P }, PROBE_HIJACK_HIJACKED },
	{ { P, F, P, P, P }, PROBE_HIJACK_HIJACKED },
	{ { P, P, F, P, P }, PROBE_HIJACK_HIJACKED },
	{ { P, P, P, F, P }, PROBE_HIJACK_HIJACKED },
	{ { P, P, P, P, F }, PROBE_HIJACK_SUSPECTED },	/* ttl alone: suspect */
	{ { S, P, P, P, P }, PROBE_HIJACK_SUSPECTED },	/* a reference unusable */
	{ { P, S, P, P, P }, PROBE_HIJACK_SUSPECTED },
	{ { P, P, S, P, P }, PROBE_HIJACK_SUSPECTED },
	{ { P, P, P, S, P }, PROBE_HIJACK_SUSPECTED },
	{ { P, P, P, P, S }, PROBE_HIJACK_SUSPECTED },
	{ { S, K, K, F, F }, PROBE_HIJACK_HIJACKED },	/* a failure outranks suspicion */
	{ { S, S, S, S, F }, PROBE_HIJACK_SUSPECTED },
	{ { K, K, F, K, K }, PROBE_HIJACK_HIJACKED },
};

struct opt_case {
	int which;		/* 0 --ref, 1 --dot, 2 --nx-domain, 3 --not-bogon */
	const char *arg;
	bool good;
};

static const struct opt_case opt_cases[] = {
	{ 0, "@192.0.2.53", true },		{ 0, "@192.0.2.53:5353", true },
	{ 0, "@[2001:db8::53]:5353", true },	{ 0, "192.0.2.53", false },
	{ 0, "@", false },			{ 0, "@a b", false },
	{ 0, "@x/y", false },
	{ 1, "192.0.2.53", true },		{ 1, "192.0.2.53:8853#dot.example", true },
	{ 1, "dot.example#dot.example", true },	{ 1, "#dot.example", false },
	{ 1, "192.0.2.53#", false },		{ 1, "192.0.2.53#a#b", false },
	{ 1, "@192.0.2.53", false },
	{ 2, "example.test", true },		{ 2, "", false },
	{ 2, ".example", false },		{ 2, "a..b", false },
	{ 2, "ex ample", false },
	{ 3, "10.53.0.0/16", true },		{ 3, "2001:db8::/32", true },
	{ 3, "192.0.2.1", true },		{ 3, "10.0.0.0/33", false },
	{ 3, "nope", false },
};

static void test_options(void)
{
	for (size_t i = 0; i < sizeof(opt_cases) / sizeof(opt_cases[0]); i++) {
		static const char *const names[] = { "--ref", "--dot", "--nx-domain", "--not-bogon" };
		const struct opt_case *c = &opt_cases[i];
		struct probe_spec s;
		char err[256] = "";
		int rc;

		memset(&s, 0, sizeof(s));
		rc = probe_cli_hijack_option(&s, c->which, c->arg, err, sizeof(err));
		ok(c->good ? rc == 0 : rc == -EINVAL && strstr(err, names[c->which]) != NULL,
		    "%s '%s' %s", names[c->which], c->arg, c->good ? "taken" : "refused, naming it");
	}
	/* what is stored, and the limits */
	{
		struct probe_spec s;
		char err[256];
		int rc = 0;

		memset(&s, 0, sizeof(s));
		probe_cli_hijack_option(&s, 0, "@192.0.2.53", err, sizeof(err));
		is_str(s.hijack_ref[0], "192.0.2.53", "--ref is stored without its @");
		for (int k = 0; k < PROBE_HIJACK_MAX_EXEMPT && rc == 0; k++)
			rc = probe_cli_hijack_option(&s, 3, "10.0.0.0/8", err, sizeof(err));
		is_int(rc, 0, "%d --not-bogon fit", PROBE_HIJACK_MAX_EXEMPT);
		is_int(probe_cli_hijack_option(&s, 3, "10.0.0.0/8", err, sizeof(err)), -EINVAL,
		    "one more is refused");
	}
}

static int addr_of(const char *s, uint8_t a[16])
{
	if (inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a) == 1)
		return AF_INET6;
	bail_out("bad address in the table: %s", s);
}

static void test_bogons(void)
{
	for (size_t i = 0; i < sizeof(bogon_cases) / sizeof(bogon_cases[0]); i++) {
		const struct bogon_case *c = &bogon_cases[i];
		uint8_t a[16];
		int fam = addr_of(c->addr, a);
		const char *got = probe_hijack_bogon(fam, a, NULL, 0);

		is_str(got ? got : "public", c->cls ? c->cls : "public", "bogon %s", c->addr);
	}
}

static void test_table(void)
{
	const char *cls;
	size_t n = 0;

	/* every entry is matched by its own network address, as its class
	 * or an earlier entry's (broadcast lies inside reserved) */
	for (const struct probe_hijack_prefix *p; (p = probe_hijack_bogon_entry(n, &cls)); n++)
		ok(probe_hijack_bogon(p->family, p->addr, NULL, 0) != NULL,
		    "table entry %zu (%s) is a bogon", n, cls);
	ok(n >= 20, "the table has %zu entries", n);
	ok(probe_hijack_bogon_entry(n, &cls) == NULL, "NULL past the end");
}

static void test_exempt(void)
{
	for (size_t i = 0; i < sizeof(exempt_cases) / sizeof(exempt_cases[0]); i++) {
		const struct exempt_case *c = &exempt_cases[i];
		struct probe_hijack_prefix p;
		uint8_t a[16];
		int fam = addr_of(c->addr, a);
		const char *got;

		if (!ok(probe_hijack_prefix_parse(c->exempt, &p) == 0, "parse %s", c->exempt))
			continue;
		got = probe_hijack_bogon(fam, a, &p, 1);
		is_str(got ? got : "public", c->cls ? c->cls : "public", "%s with --not-bogon %s",
		    c->addr, c->exempt);
	}
	for (size_t i = 0; i < sizeof(bad_prefixes) / sizeof(bad_prefixes[0]); i++) {
		struct probe_hijack_prefix p;

		is_int(probe_hijack_prefix_parse(bad_prefixes[i], &p), -EINVAL,
		    "refused: '%s'", bad_prefixes[i]);
	}
}

static void test_ttl(void)
{
	for (size_t i = 0; i < sizeof(ttl_cases) / sizeof(ttl_cases[0]); i++) {
		const struct ttl_case *c = &ttl_cases[i];
		const char *why = "unset";
		bool got = probe_hijack_ttl_anomaly(c->tested, c->reference, &why);

		ok(got == c->anomaly && (got ? why != NULL : why == NULL),
		    "ttl %u vs reference %u: %s", (unsigned)c->tested, (unsigned)c->reference,
		    c->anomaly ? "anomaly" : "normal");
	}
}

static void test_verdict(void)
{
	for (size_t i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]); i++) {
		const struct verdict_case *c = &verdict_cases[i];
		char desc[64];
		size_t off = 0;

		for (int k = 0; k < PROBE_HIJACK_NCHECKS; k++)
			off += (size_t)snprintf(desc + off, sizeof(desc) - off, "%s%s", k ? "," : "",
			    probe_hijack_status_name(c->st[k]));
		is_str(probe_hijack_verdict_name(probe_hijack_verdict(c->st)),
		    probe_hijack_verdict_name(c->want), "verdict of %s", desc);
	}
	is_str(probe_hijack_check_name(PROBE_HIJACK_NXDOMAIN), "nxdomain", "check names");
	is_str(probe_hijack_check_name(PROBE_HIJACK_NCHECKS), "?", "no name past the end");
}

int main(void)
{
	test_bogons();
	test_table();
	test_exempt();
	test_ttl();
	test_verdict();
	test_options();
	done_testing();
}
