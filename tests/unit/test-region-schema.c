/* test-region-schema: the [region "name"] section of the real schema:
 * what it accepts, each refusal with its file:line and words (zero
 * rates, caps above the line, a business guarantee that leaves nothing,
 * names, ports), the checks across regions (overlapping LAN prefixes
 * either way round and in both families, regions on one WAN interface
 * that disagree about its line, also by leaving line-rate out), what
 * leaving line-rate out allows (the DESIGN.md sketch loads) and what it
 * does not (business-rate), and the helpers the model shares. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "conf.h"
#include "region_int.h"
#include "conf-helpers.h"

static const struct conf_opts opts = { .schema = &conf_schema_outpost };

static void expect(const char *text, const char *want, const char *name)
{
	expect_diags(&opts, text, want, name);
}

/* The standard region of tests/shape/shape-lib.sh (sh_conf), lines 1-9. */
#define CHAOYANG \
	"[region \"chaoyang\"]\n" \
	"lan = 10.20.0.0/16\n" \
	"lan = 2001:db8:20::/48\n" \
	"wan-interface = wan0\n" \
	"origin = 198.51.100.0/24\n" \
	"origin = 2001:db8:51::/64\n" \
	"origin-rate = 20mbit\n" \
	"peer-rate = 30mbit\n" \
	"line-rate = 100mbit\n"
/* The least a region needs: BASE (lines 1-4) and two rates (5-6). */
#define BASE(name, lan, wan) \
	"[region \"" name "\"]\nlan = " lan "\nwan-interface = " wan "\n" \
	"origin = 198.51.100.0/24\n"
#define MINIMAL(name, lan, wan) BASE(name, lan, wan) "origin-rate = 20mbit\nline-rate = 100mbit\n"
#define A BASE("a", "10.1.0.0/16", "eth0")

static const struct { const char *name, *text, *want; } cases[] = {
	{ "the world's region is clean", CHAOYANG, "" },
	{ "every key", CHAOYANG "peer-port = 6881-6889\npeer = 10.99.0.0/16\n"
	  "peer = 2001:db8:99::/64\nline-upload-rate = 40mbit\nbusiness-rate = 30mbit\n", "" },
	{ "the outpost.conf(5) example",
	  "[region \"chaoyang\"]\nlan = 10.20.0.0/16 2001:db8:20::/48\nwan-interface = eth2\n"
	  "origin = 198.51.100.0/24 2001:db8:51::/64\norigin-rate = 20mbit\npeer-rate = 30mbit\n"
	  "peer-port = 6881-6889\nline-rate = 100mbit\nline-upload-rate = 40mbit\n", "" },
	{ "the DESIGN.md sketch as it stands (no line-rate)",
	  "[region \"chaoyang\"]\nlan = 10.20.0.0/16\nwan-interface = eth2\n"
	  "origin = 198.51.100.0/24\norigin-rate = 20mbit           # cap for package downloads\n"
	  "peer-rate = 200mbit            # cap for P2P traffic inside the LAN\n", "" },
	{ "the DESIGN.md sketch, with a line-rate",
	  "[region \"chaoyang\"]\nlan = 10.20.0.0/16\nwan-interface = eth2\n"
	  "origin = 198.51.100.0/24\norigin-rate = 20mbit           # cap for package downloads\n"
	  "peer-rate = 200mbit            # cap for P2P traffic inside the LAN\n"
	  "line-rate = 1gbit\n", "" },
	{ "no line-rate: a line-upload-rate alone is fine", A "origin-rate = 20mbit\n"
	  "line-upload-rate = 10mbit\n", "" },
	{ "no line-rate: business-rate has nothing to be a share of",
	  A "origin-rate = 20mbit\nbusiness-rate = 30mbit\n",
	  "a.conf:6: [region \"a\"] business-rate: needs a line-rate: without the line's speed "
	  "there is no share of it to keep for business traffic" },
	{ "no line-rate: not even with a line-upload-rate",
	  A "origin-rate = 20mbit\nline-upload-rate = 100mbit\nbusiness-rate = 30mbit\n",
	  "a.conf:7: [region \"a\"] business-rate: needs a line-rate: without the line's speed "
	  "there is no share of it to keep for business traffic" },
	{ "no line-rate: a cap of any size", A "origin-rate = 1tbit\n", "" },
	{ "the least a region needs", MINIMAL("a", "10.1.0.0/16", "eth0"), "" },
	{ "an IPv6-only region", MINIMAL("v6", "2001:db8:20::/48", "eth0"), "" },
	{ "name: letters, digits, _ and - up to 32",
	  MINIMAL("Abc_9-xyzABCDEFGHIJKLMNOPQRSTUVW", "10.1.0.0/16", "eth0"), "" },
	{ "name: 33 characters",
	  MINIMAL("Abc_9-xyzABCDEFGHIJKLMNOPQRSTUVWX", "10.1.0.0/16", "eth0"),
	  "a.conf:1: [region \"Abc_9-xyzABCDEFGHIJKLMNOPQRSTUVWX\"] is not a region name: "
	  "1 to 32 letters, digits, '_' or '-'" },
	{ "name: a space", MINIMAL("a b", "10.1.0.0/16", "eth0"),
	  "a.conf:1: [region \"a b\"] is not a region name: 1 to 32 letters, digits, '_' or '-'" },
	{ "name: a dot", MINIMAL("a.b", "10.1.0.0/16", "eth0"),
	  "a.conf:1: [region \"a.b\"] is not a region name: 1 to 32 letters, digits, '_' or '-'" },
	{ "name is required", "[region]\nlan = 10.1.0.0/16\n",
	  "a.conf:1: [region] section needs a name, e.g. [region \"name\"]" },
	{ "required keys",
	  "[region \"a\"]\npeer-rate = 1mbit\n",
	  "a.conf:1: [region \"a\"] lan: required key missing\n"
	  "a.conf:1: [region \"a\"] wan-interface: required key missing\n"
	  "a.conf:1: [region \"a\"] origin: required key missing\n"
	  "a.conf:1: [region \"a\"] origin-rate: required key missing" },
	{ "origin-rate: a bare 0 has no unit", A "origin-rate = 0\nline-rate = 100mbit\n",
	  "a.conf:5: [region \"a\"] origin-rate: '0' is not a rate (e.g. 8bit, 100kbit, 20mbit, "
	  "1.5gbit, 500kbps)" },
	{ "origin-rate: zero", A "origin-rate = 0mbps\nline-rate = 100mbit\n",
	  "a.conf:5: [region \"a\"] origin-rate: '0mbps' is a rate of zero (the smallest is 8bit)" },
	{ "peer-rate: zero bit", MINIMAL("a", "10.1.0.0/16", "eth0") "peer-rate = 0bit\n",
	  "a.conf:7: [region \"a\"] peer-rate: '0bit' is a rate of zero (the smallest is 8bit)" },
	{ "line-rate: zero", A "origin-rate = 20mbit\nline-rate = 0mbit\n",
	  "a.conf:6: [region \"a\"] line-rate: '0mbit' is a rate of zero (the smallest is 8bit)" },
	{ "business-rate: zero", MINIMAL("a", "10.1.0.0/16", "eth0") "business-rate = 0kbps\n",
	  "a.conf:7: [region \"a\"] business-rate: '0kbps' is a rate of zero (the smallest is 8bit)" },
	{ "line-upload-rate: below a byte per second",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "line-upload-rate = 7bit\n",
	  "a.conf:7: [region \"a\"] line-upload-rate: '7bit' is less than 8bit, one byte per "
	  "second: the kernel's unit" },
	{ "origin-rate: not a rate", A "origin-rate = fast\nline-rate = 100mbit\n",
	  "a.conf:5: [region \"a\"] origin-rate: 'fast' is not a rate (e.g. 8bit, 100kbit, "
	  "20mbit, 1.5gbit, 500kbps)" },
	{ "line-rate: above 1tbit", A "origin-rate = 20mbit\nline-rate = 2tbit\n",
	  "a.conf:6: [region \"a\"] line-rate: '2tbit' is greater than the maximum 1tbit" },
	{ "origin-rate above the line-rate",
	  A "origin-rate = 200mbit\nline-rate = 100mbit\n",
	  "a.conf:5: [region \"a\"] origin-rate: '200mbit' is above the line-rate 100mbit" },
	{ "peer-rate above the line-rate",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "peer-rate = 100001kbit\n",
	  "a.conf:7: [region \"a\"] peer-rate: '100001kbit' is above the line-rate 100mbit" },
	{ "origin-rate equal to the line-rate is fine",
	  A "origin-rate = 100mbit\nline-rate = 100mbit\n", "" },
	{ "a cap above the upload rate is fine (ceil at the line)",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "line-upload-rate = 5mbit\n", "" },
	{ "business-rate equal to the line-rate",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "business-rate = 100mbit\n",
	  "a.conf:7: [region \"a\"] business-rate: '100mbit' is not below the line-rate 100mbit: "
	  "it leaves nothing to the capped classes" },
	{ "business-rate above the line-upload-rate",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "line-upload-rate = 10mbit\nbusiness-rate = 20mbit\n",
	  "a.conf:8: [region \"a\"] business-rate: '20mbit' is not below the line-upload-rate "
	  "10mbit: it leaves nothing to the capped classes" },
	{ "peer without peer-rate",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "peer = 10.99.0.0/16\n",
	  "a.conf:7: [region \"a\"] peer: needs a peer-rate: without it there is no P2P class" },
	{ "peer-port without peer-rate is fine ([p2p] listen will set it)",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "peer-port = 7000\n", "" },
	{ "peer-port: 0", MINIMAL("a", "10.1.0.0/16", "eth0") "peer-port = 0\n",
	  "a.conf:7: [region \"a\"] peer-port: '0' is not a port or a range of ports "
	  "'START-END' (1 to 65535)" },
	{ "peer-port: 65536", MINIMAL("a", "10.1.0.0/16", "eth0") "peer-port = 6881-65536\n",
	  "a.conf:7: [region \"a\"] peer-port: '6881-65536' is not a port or a range of ports "
	  "'START-END' (1 to 65535)" },
	{ "peer-port: a name", MINIMAL("a", "10.1.0.0/16", "eth0") "peer-port = bittorrent\n",
	  "a.conf:7: [region \"a\"] peer-port: 'bittorrent' is not a port or a range of ports "
	  "'START-END' (1 to 65535)" },
	{ "peer-port: backwards", MINIMAL("a", "10.1.0.0/16", "eth0") "peer-port = 6889-6881\n",
	  "a.conf:7: [region \"a\"] peer-port: '6889-6881' starts after it ends" },
	{ "peer-port: three parts", MINIMAL("a", "10.1.0.0/16", "eth0") "peer-port = 1-2-3\n",
	  "a.conf:7: [region \"a\"] peer-port: '1-2-3' is not a port or a range of ports "
	  "'START-END' (1 to 65535)" },
	{ "wan-interface: a slash", MINIMAL("a", "10.1.0.0/16", "eth/0"),
	  "a.conf:3: [region \"a\"] wan-interface: 'eth/0' is not an interface name "
	  "outpost-shape can shape (1 to 15 letters, digits, '.', '_' or '-')" },
	{ "wan-interface: a byte nft cannot quote (found by fuzz-shape-conf)",
	  MINIMAL("a", "10.1.0.0/16", "eth\x7f" "0"),
	  "a.conf:3: [region \"a\"] wan-interface: 'eth\\x7f0' is not an interface name "
	  "outpost-shape can shape (1 to 15 letters, digits, '.', '_' or '-')" },
	{ "wan-interface: a VLAN's dot is fine", MINIMAL("a", "10.1.0.0/16", "eth0.100"), "" },
	{ "wan-interface: 16 characters", MINIMAL("a", "10.1.0.0/16", "abcdefghijklmnop"),
	  "a.conf:3: [region \"a\"] wan-interface: 'abcdefghijklmnop' is not an interface name "
	  "outpost-shape can shape (1 to 15 letters, digits, '.', '_' or '-')" },
	{ "lan: not a prefix", MINIMAL("a", "10.1.0.0/33", "eth0"),
	  "a.conf:2: [region \"a\"] lan: '10.1.0.0/33' is not an IPv4 or IPv6 prefix "
	  "(e.g. 10.0.0.0/8, 2001:db8::/32)" },
	{ "lan: a prefix inside an earlier one of the region",
	  MINIMAL("a", "10.1.0.0/16 2001:db8::/32", "eth0") "lan = 10.1.7.0/24\n",
	  "a.conf:7: [region \"a\"] lan: '10.1.7.0/24' overlaps an earlier lan of this region" },
	{ "lan: a prefix around an earlier one of the region",
	  MINIMAL("a", "2001:db8:1::/48", "eth0") "lan = 2001:db8::/32\n",
	  "a.conf:7: [region \"a\"] lan: '2001:db8::/32' overlaps an earlier lan of this region" },
	{ "origin: the same prefix twice",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "origin = 198.51.100.0/24\n",
	  "a.conf:7: [region \"a\"] origin: '198.51.100.0/24' overlaps an earlier origin of this "
	  "region" },
	{ "peer: overlapping peers",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "peer-rate = 1mbit\npeer = 10.99.0.0/16 10.99.3.4\n",
	  "a.conf:8: [region \"a\"] peer: '10.99.3.4/32' overlaps an earlier peer of this region" },
	{ "origin and peer may overlap (origin wins)",
	  MINIMAL("a", "10.1.0.0/16", "eth0") "peer-rate = 1mbit\npeer = 198.51.100.0/25\n", "" },
	{ "two regions on two interfaces",
	  CHAOYANG BASE("haidian", "10.30.0.0/16 2001:db8:30::/48", "wan1")
	  "origin-rate = 10mbit\nline-rate = 50mbit\nline-upload-rate = 10mbit\n", "" },
	{ "two regions on one interface that agree",
	  CHAOYANG MINIMAL("haidian", "10.30.0.0/16", "wan0"), "" },
	{ "lan: inside another region's",
	  CHAOYANG MINIMAL("haidian", "10.20.7.0/24", "wan1"),
	  "a.conf:11: [region \"haidian\"] lan: '10.20.7.0/24' overlaps the lan 10.20.0.0/16 of "
	  "[region \"chaoyang\"] at a.conf:2" },
	{ "lan: around another region's (said at the later region)",
	  CHAOYANG MINIMAL("haidian", "10.0.0.0/8", "wan1"),
	  "a.conf:11: [region \"haidian\"] lan: '10.0.0.0/8' overlaps the lan 10.20.0.0/16 of "
	  "[region \"chaoyang\"] at a.conf:2" },
	{ "lan: IPv6 across regions, later in canonical order though earlier in the file",
	  MINIMAL("zeta", "2001:db8:20:5::/64", "wan1") CHAOYANG,
	  "a.conf:2: [region \"zeta\"] lan: '2001:db8:20:5::/64' overlaps the lan "
	  "2001:db8:20::/48 of [region \"chaoyang\"] at a.conf:9" },
	{ "lan: one prefix over two regions is said once",
	  MINIMAL("a", "10.1.0.0/16 10.2.0.0/16", "e") MINIMAL("b", "10.0.0.0/8", "f"),
	  "a.conf:8: [region \"b\"] lan: '10.0.0.0/8' overlaps the lan 10.1.0.0/16 of "
	  "[region \"a\"] at a.conf:2" },
	{ "lan: IPv4 and IPv6 never overlap",
	  MINIMAL("a", "0.0.0.0/0", "e") MINIMAL("b", "::/0", "f"), "" },
	{ "shared interface: another line-rate",
	  CHAOYANG BASE("haidian", "10.30.0.0/16", "wan0") "origin-rate = 20mbit\nline-rate = 50mbit\n",
	  "a.conf:15: [region \"haidian\"] line-rate: '50mbit' differs from '100mbit' of "
	  "[region \"chaoyang\"] at a.conf:9: the regions on wan-interface wan0 share one line" },
	{ "shared interface: an upload rate against the line-rate it defaults to",
	  CHAOYANG MINIMAL("haidian", "10.30.0.0/16", "wan0") "line-upload-rate = 20mbit\n",
	  "a.conf:16: [region \"haidian\"] line-upload-rate: '20mbit' differs from '100mbit' "
	  "(the line-rate) of [region \"chaoyang\"] at a.conf:9: the regions on wan-interface "
	  "wan0 share one line" },
	{ "shared interface: the same upload rate, once set and once by default",
	  CHAOYANG MINIMAL("haidian", "10.30.0.0/16", "wan0") "line-upload-rate = 100mbit\n", "" },
	{ "shared interface: a business-rate against the default",
	  CHAOYANG "business-rate = 30mbit\n" MINIMAL("haidian", "10.30.0.0/16", "wan0"),
	  "a.conf:11: [region \"haidian\"] business-rate: the default differs from '30mbit' of "
	  "[region \"chaoyang\"] at a.conf:10: the regions on wan-interface wan0 share one line" },
	{ "shared interface: each disagreement once, at the later region",
	  MINIMAL("a", "10.1.0.0/16", "e") BASE("b", "10.2.0.0/16", "e") "origin-rate = 1mbit\n"
	  "line-rate = 30mbit\n" BASE("c", "10.3.0.0/16", "e") "origin-rate = 1mbit\nline-rate = 30mbit\n",
	  "a.conf:12: [region \"b\"] line-rate: '30mbit' differs from '100mbit' of [region \"a\"] "
	  "at a.conf:6: the regions on wan-interface e share one line\n"
	  "a.conf:18: [region \"c\"] line-rate: '30mbit' differs from '100mbit' of [region \"a\"] "
	  "at a.conf:6: the regions on wan-interface e share one line" },
	{ "shared interface: a line-rate against none",
	  CHAOYANG BASE("haidian", "10.30.0.0/16", "wan0") "origin-rate = 20mbit\n",
	  "a.conf:10: [region \"haidian\"] line-rate: no line-rate (the line is not limited) "
	  "differs from '100mbit' of [region \"chaoyang\"] at a.conf:9: the regions on "
	  "wan-interface wan0 share one line" },
	{ "shared interface: none against a line-rate",
	  BASE("a", "10.1.0.0/16", "e") "origin-rate = 20mbit\n" MINIMAL("b", "10.2.0.0/16", "e"),
	  "a.conf:11: [region \"b\"] line-rate: '100mbit' differs from no line-rate (the line "
	  "is not limited) of [region \"a\"] at a.conf:1: the regions on wan-interface e share "
	  "one line" },
	{ "shared interface: no line-rate in either is agreement",
	  BASE("a", "10.1.0.0/16", "e") "origin-rate = 20mbit\n"
	  BASE("b", "10.2.0.0/16", "e") "origin-rate = 10mbit\n", "" },
	{ "shared interface: no line-rate, an upload rate against none",
	  BASE("a", "10.1.0.0/16", "e") "origin-rate = 20mbit\n"
	  BASE("b", "10.2.0.0/16", "e") "origin-rate = 10mbit\nline-upload-rate = 10mbit\n",
	  "a.conf:11: [region \"b\"] line-upload-rate: '10mbit' differs from no "
	  "line-upload-rate nor line-rate (not limited) of [region \"a\"] at a.conf:1: the "
	  "regions on wan-interface e share one line" },
	{ "different interfaces may differ in everything",
	  CHAOYANG "business-rate = 30mbit\n"
	  BASE("haidian", "10.30.0.0/16", "wan1") "origin-rate = 1mbit\nline-rate = 50mbit\n", "" },
	{ "wan-interface: the IFB of another region's",
	  CHAOYANG MINIMAL("haidian", "10.30.0.0/16", "ifb-wan0"),
	  "a.conf:12: [region \"haidian\"] wan-interface: 'ifb-wan0' is the name of the IFB device "
	  "of wan-interface wan0 of [region \"chaoyang\"]" },
};

static void test_port_parse(void)
{
	uint16_t lo = 0, hi = 0;

	ok(shape_port_range_parse("6881", &lo, &hi) == 0 && lo == 6881 && hi == 6881, "port: N");
	ok(shape_port_range_parse("1-65535", &lo, &hi) == 0 && lo == 1 && hi == 65535,
	   "port: the whole range");
	is_int(shape_port_range_parse("9-2", &lo, &hi), -ERANGE, "port: backwards");
	is_int(shape_port_range_parse("", &lo, &hi), -EINVAL, "port: empty");
	is_int(shape_port_range_parse("-5", &lo, &hi), -EINVAL, "port: no start");
	is_int(shape_port_range_parse("5-", &lo, &hi), -EINVAL, "port: no end");
	is_int(shape_port_range_parse("+5", &lo, &hi), -EINVAL, "port: a sign");
	is_int(shape_port_range_parse("0006881", &lo, &hi), -EINVAL, "port: leading zeros");
	is_int(shape_port_range_parse("99999999999999999999", &lo, &hi), -EINVAL, "port: huge");
	ok(shape_region_name_ok("a") && !shape_region_name_ok("") && !shape_region_name_ok("ä"),
	   "region names: one letter yes, empty and non-ASCII no");
}

/* 1000 regions of 10 LAN prefixes each: the checks across regions must
 * not compare every pair; and the 1024th region has no slot. */
static void test_many(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	struct conf *conf = NULL;
	struct timespec t0, t1;

	for (int r = 0; r < 1000; r++) {
		fprintf(fp, "[region \"r%04d\"]\nwan-interface = wan%d\norigin = 198.51.100.0/24\n"
		    "origin-rate = 1mbit\nline-rate = 1gbit\n", r, r % 4);
		for (int k = 0; k < 10; k++)
			fprintf(fp, "lan = 10.%d.%d.0/24\n", r / 10, (r % 10) * 10 + k);
	}
	fclose(fp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(conf_load_buffer("a.conf", text, len, &opts, &conf), 0,
	    "1000 regions x 10 LAN prefixes: clean");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;

	diag("loading and checking 1000 regions: %.1f ms", ms);
	ok(ms < 2000, "in well under two seconds (even with sanitizers)");
	conf_free(conf);
	free(text);

	text = NULL;
	fp = open_memstream(&text, &len);
	for (int r = 0; r < 1024; r++)
		fprintf(fp, "[region \"r%04d\"]\nwan-interface = wan0\norigin = 198.51.100.0/24\n"
		    "origin-rate = 1kbit\nline-rate = 10gbit\nlan = 10.%d.%d.0/24\n", r, r / 256,
		    r % 256);
	fclose(fp);
	conf_load_buffer("a.conf", text, len, &opts, &conf);
	is_int((int)conf_diag_count(conf), 1, "1024 regions: one diagnostic");
	is_str(conf_diag_count(conf) ? conf_diag(conf, 0) : "",
	    "a.conf:6139: [region \"r1023\"] is one region too many: at most 1023 fit the class "
	    "ids of an interface", "the 1024th region is refused at its header");
	conf_free(conf);
	free(text);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(cases[i].text, cases[i].want, cases[i].name);

	/* The getters give what the model reads: defaults included. */
	struct conf *conf = NULL;

	is_int(conf_load_buffer("a.conf", CHAOYANG, strlen(CHAOYANG), &opts, &conf), 0,
	    "load the world's region");
	const struct conf_section *s = conf_section_find(conf, "region", "chaoyang");

	ok(s != NULL, "[region \"chaoyang\"] found");
	is_str(conf_get_str(s, "peer-port"), "6881", "peer-port defaults to 6881");
	ok(conf_get_rate(s, "origin-rate") == 20000000, "origin-rate in bits per second");
	ok(!conf_is_set(s, "line-upload-rate") && !conf_is_set(s, "business-rate"),
	   "line-upload-rate and business-rate have no default text (the model computes them)");
	is_int((int)conf_get_count(s, "lan"), 2, "two lan prefixes");
	conf_free(conf);
	test_port_parse();
	test_many();
	done_testing();
}
