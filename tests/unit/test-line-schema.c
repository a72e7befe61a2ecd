/* test-line-schema: the [line "name"] section of the real schema: what
 * it accepts, each refusal with its file:line and words, the checks
 * across lines (fwmark and source collisions), and the helpers --via
 * builds on (interface names, prefix containment). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "conf.h"
#include "rt_line.h"

/* The diagnostics of a load, joined with newlines. */
static char *diags(const struct conf *conf)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	for (size_t i = 0; i < conf_diag_count(conf); i++)
		fprintf(fp, "%s%s", i ? "\n" : "", conf_diag(conf, i));
	fclose(fp);
	return buf;
}

static const struct conf_opts opts = { .schema = &conf_schema_outpost };

/* Load text and compare every diagnostic, joined by newlines. */
static void expect(const char *text, const char *want, const char *name)
{
	struct conf *conf = NULL;
	char *got;
	int r;

	r = conf_load_buffer("a.conf", text, strlen(text), &opts, &conf);
	got = diags(conf);
	is_str(got, want, "%s", name);
	is_int(r, *want ? -EINVAL : 0, "%s: return value", name);
	free(got);
	conf_free(conf);
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
	{ "distinct lines are clean",
	  "[line \"a\"]\ninterface = e\nfwmark = 1\nsource = 10.1.0.0/16\n"
	  "[line \"b\"]\ninterface = f\nfwmark = 2\nsource = 10.2.0.0/16\n", "" },
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
	done_testing();
}
