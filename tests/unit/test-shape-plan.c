/* test-shape-plan: the shaping model for the configs of the test world
 * (tests/shape/shape-lib.sh sh_conf and sh_region_b): the config model
 * (prefixes, bytes per second, interfaces, business defaults), slots
 * that stay put when regions come and go. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../tap.h"
#include "conf.h"
#include "shape.h"

/* sh_conf: region chaoyang on wan0. */
#define WORLD_A \
	"[node]\nid = shape-test\n\n" \
	"[region \"chaoyang\"]\n" \
	"lan = 10.20.0.0/16\n" \
	"lan = 2001:db8:20::/48\n" \
	"wan-interface = wan0\n" \
	"origin = 198.51.100.0/24\n" \
	"origin = 2001:db8:51::/64\n" \
	"origin-rate = 20mbit\n" \
	"peer-rate = 30mbit\n" \
	"line-rate = 100mbit\n"
/* sh_region_b WAN: region haidian, origin 10mbit, P2P 15mbit. */
#define REGION_B(wan) \
	"\n[region \"haidian\"]\n" \
	"lan = 10.30.0.0/16\n" \
	"lan = 2001:db8:30::/48\n" \
	"wan-interface = " wan "\n" \
	"origin = 198.51.100.0/24\n" \
	"origin = 2001:db8:51::/64\n" \
	"origin-rate = 10mbit\n" \
	"peer-rate = 15mbit\n" \
	"line-rate = 100mbit\n"

#define MBIT(n) ((uint64_t)(n) * 125000u)

static const struct conf_opts opts = { .schema = &conf_schema_outpost };

/* Load text (which must be clean) into a model; false on any failure. */
static bool load(const char *text, struct shape_config *c)
{
	struct conf *conf = NULL;
	int r = conf_load_buffer("t.conf", text, strlen(text), &opts, &conf);

	memset(c, 0, sizeof(*c));
	if (r != 0) {
		for (size_t i = 0; conf && i < conf_diag_count(conf); i++)
			diag("%s", conf_diag(conf, i));
		conf_free(conf);
		return false;
	}
	r = shape_config_from_conf(conf, c);
	conf_free(conf);
	return r == 0;
}

static const struct shape_region *region(const struct shape_config *c, const char *name)
{
	for (size_t i = 0; i < c->nregions; i++)
		if (!strcmp(c->regions[i].name, name))
			return &c->regions[i];
	return NULL;
}

static bool pfx_is(const struct shape_prefix *p, const char *text)
{
	char buf[64];

	shape_prefix_format(p, buf, sizeof(buf));
	if (strcmp(buf, text))
		diag("prefix %s, want %s", buf, text);
	return !strcmp(buf, text);
}

static void test_config_one(void)
{
	struct shape_config c;
	const struct shape_region *r;

	ok(load(WORLD_A, &c), "sh_conf: loads into a model");
	is_int((int)c.nregions, 1, "sh_conf: one region");
	r = region(&c, "chaoyang");
	ok(r != NULL, "sh_conf: chaoyang");
	if (!r)
		return;
	is_str(r->wan, "wan0", "wan-interface");
	ok(r->file && !strcmp(r->file, "t.conf") && r->line == 4,
	   "where the section starts, kept after the config is freed");
	ok(r->nlan == 2 && pfx_is(&r->lan[0], "10.20.0.0/16") &&
	   pfx_is(&r->lan[1], "2001:db8:20::/48") && r->lan[1].family == AF_INET6,
	   "lan: both prefixes, both families");
	ok(r->norigin == 2 && pfx_is(&r->origin[0], "198.51.100.0/24") &&
	   pfx_is(&r->origin[1], "2001:db8:51::/64"), "origin prefixes");
	is_int((int)r->npeer, 0, "no peer prefixes");
	ok(r->origin_rate == MBIT(20) && r->peer_rate == MBIT(30),
	   "origin-rate and peer-rate in bytes per second");
	ok(r->port_lo == 6881 && r->port_hi == 6881, "peer-port defaults to 6881");
	is_int(r->slot, shape_slot_hash("chaoyang"), "a lone region's slot is its hash");
	ok(r->slot >= 1 && r->slot <= SHAPE_SLOT_MAX, "slot within 1..SHAPE_SLOT_MAX");
	is_int((int)c.nifaces, 1, "one interface");
	is_str(c.ifaces[0].name, "wan0", "the interface is wan0");
	is_str(c.ifaces[0].ifb, "ifb-wan0", "its IFB is ifb-wan0");
	ok(c.ifaces[0].down_rate == MBIT(100) && c.ifaces[0].up_rate == MBIT(100),
	   "line-rate both ways (line-upload-rate defaults to it)");
	ok(c.ifaces[0].business_down == MBIT(50) && c.ifaces[0].business_up == MBIT(50),
	   "business: the 50mbit the caps leave");
	ok(c.ifaces[0].nregions == 1 && c.ifaces[0].regions[0] == 0, "the interface's region");
	shape_config_free(&c);
	ok(c.regions == NULL && c.nregions == 0, "free clears the model");
	shape_config_free(&c);
	shape_config_free(NULL);
}

static void test_config_two(void)
{
	struct shape_config c;

	ok(load(WORLD_A REGION_B("wan1"), &c), "two regions on two interfaces");
	ok(c.nregions == 2 && !strcmp(c.regions[0].name, "chaoyang") &&
	   !strcmp(c.regions[1].name, "haidian"), "regions in the order of names");
	ok(c.nifaces == 2 && !strcmp(c.ifaces[0].name, "wan0") && !strcmp(c.ifaces[1].name, "wan1"),
	   "interfaces in order of first mention");
	ok(c.ifaces[1].business_down == MBIT(75) && c.ifaces[1].business_up == MBIT(75),
	   "wan1 business: 100 - 10 - 15");
	ok(c.ifaces[1].nregions == 1 && c.ifaces[1].regions[0] == 1, "wan1 carries haidian");
	shape_config_free(&c);

	ok(load(WORLD_A REGION_B("wan0"), &c), "two regions sharing wan0");
	ok(c.nifaces == 1 && c.ifaces[0].nregions == 2, "one interface, two regions");
	ok(c.ifaces[0].business_down == MBIT(25), "business: 100 - 20 - 30 - 10 - 15");
	ok(c.regions[0].slot != c.regions[1].slot, "two slots");
	shape_config_free(&c);

	ok(load(WORLD_A "peer-port = 6881-6889\nline-upload-rate = 10mbit\n"
		"peer = 10.99.0.0/16 2001:db8:99::/64\n", &c), "a port range, an upload rate, peers");
	ok(c.regions[0].port_lo == 6881 && c.regions[0].port_hi == 6889, "peer-port range");
	ok(c.regions[0].npeer == 2 && pfx_is(&c.regions[0].peer[1], "2001:db8:99::/64"), "peers");
	ok(c.ifaces[0].up_rate == MBIT(10) && c.ifaces[0].down_rate == MBIT(100),
	   "line-upload-rate");
	ok(c.ifaces[0].business_up == MBIT(1),
	   "business upload: caps above the upload line leave its tenth");
	shape_config_free(&c);

	ok(load(WORLD_A "business-rate = 40mbit\n", &c), "business-rate set");
	ok(c.ifaces[0].business_down == MBIT(40) && c.ifaces[0].business_up == MBIT(40),
	   "business-rate both ways");
	shape_config_free(&c);

	ok(load("[node]\nid = x\n", &c), "no region");
	ok(c.nregions == 0 && c.nifaces == 0 && c.regions == NULL, "an empty model");
	shape_config_free(&c);
}

/* Two names of one hash, found by trying; the first with hash want
 * when want is not 0. */
static void colliding(char a[16], char b[16], uint16_t want)
{
	static char seen[SHAPE_SLOT_MAX + 1][16];

	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0;; i++) {
		char n[16];
		uint16_t h;

		snprintf(n, sizeof(n), "r%u", i);
		h = shape_slot_hash(n);
		if (want && h != want)
			continue;
		if (seen[h][0]) {
			strcpy(a, seen[h]);
			strcpy(b, n);
			return;
		}
		strcpy(seen[h], n);
	}
}

static char *regions_text(const char *const *names, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	for (size_t i = 0; i < n; i++)
		fprintf(fp, "[region \"%s\"]\nlan = 10.%zu.0.0/16\nwan-interface = wan0\n"
		    "origin = 198.51.100.0/24\norigin-rate = 1mbit\nline-rate = 1gbit\n", names[i], i);
	fclose(fp);
	return buf;
}

static uint16_t slot_of(const char *const *names, size_t n, const char *which)
{
	struct shape_config c;
	char *text = regions_text(names, n);
	uint16_t s = 0;

	if (load(text, &c) && region(&c, which))
		s = region(&c, which)->slot;
	shape_config_free(&c);
	free(text);
	return s;
}

static void test_slots(void)
{
	char a[16], b[16];

	colliding(a, b, 0);
	diag("'%s' and '%s' share the hash %u", a, b, shape_slot_hash(a));
	{
		/* Names in the order of strcmp: the first keeps the hash. */
		const char *first = strcmp(a, b) < 0 ? a : b, *second = first == a ? b : a;
		const char *both[] = { a, b };
		uint16_t h = shape_slot_hash(a);

		is_int(slot_of(both, 2, first), h, "collision: the first name keeps its hash");
		is_int(slot_of(both, 2, second), h % SHAPE_SLOT_MAX + 1,
		    "collision: the second probes upward");
		is_int(slot_of(&second, 1, second), h, "alone, the second has its hash again");
	}
	colliding(a, b, SHAPE_SLOT_MAX);
	{
		const char *both[] = { a, b };
		const char *second = strcmp(a, b) < 0 ? b : a;

		is_int(slot_of(both, 2, second), 1, "probing wraps from SHAPE_SLOT_MAX to 1");
	}
	/* Coming and going: every other region keeps its slot. */
	static const char *const three[] = { "chaoyang", "haidian", "xicheng" };
	static const char *const two[] = { "chaoyang", "xicheng" };
	static const char *const four[] = { "chaoyang", "dongcheng", "haidian", "xicheng" };

	for (size_t i = 0; i < 3; i++)
		ok(slot_of(three, 3, three[i]) == shape_slot_hash(three[i]),
		   "'%s' has its hash as slot", three[i]);
	ok(slot_of(two, 2, "xicheng") == slot_of(three, 3, "xicheng") &&
	   slot_of(two, 2, "chaoyang") == slot_of(three, 3, "chaoyang"),
	   "removing haidian renumbers nobody");
	ok(slot_of(four, 4, "xicheng") == slot_of(three, 3, "xicheng") &&
	   slot_of(four, 4, "haidian") == slot_of(three, 3, "haidian") &&
	   slot_of(four, 4, "chaoyang") == slot_of(three, 3, "chaoyang"),
	   "adding dongcheng renumbers nobody");

	/* All 1023 slots taken: each region has its own. */
	const char *many[SHAPE_SLOT_MAX];
	static char names[SHAPE_SLOT_MAX][8];
	struct shape_config c;
	bool *seen = calloc(SHAPE_SLOT_MAX + 1, 1);
	bool distinct = seen != NULL;

	for (size_t i = 0; i < SHAPE_SLOT_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "n%04zu", i);
		many[i] = names[i];
	}
	/* Distinct /24 LANs: regions_text's 10.i.0.0/16 stop at 255. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		for (size_t i = 0; i < SHAPE_SLOT_MAX; i++)
			fprintf(fp, "[region \"%s\"]\nlan = 10.%zu.%zu.0/24\nwan-interface = wan%zu\n"
			    "origin = 198.51.100.0/24\norigin-rate = 1mbit\nline-rate = 1gbit\n",
			    many[i], i / 256, i % 256, i % 3);
		fclose(fp);
		ok(load(buf, &c), "1023 regions load");
		free(buf);
	}
	for (size_t i = 0; distinct && i < c.nregions; i++) {
		if (c.regions[i].slot < 1 || c.regions[i].slot > SHAPE_SLOT_MAX || seen[c.regions[i].slot])
			distinct = false;
		else
			seen[c.regions[i].slot] = true;
	}
	ok(c.nregions == SHAPE_SLOT_MAX && distinct, "1023 regions, 1023 distinct slots");
	ok(c.nifaces == 3, "over three interfaces");
	free(seen);
	shape_config_free(&c);
}

static void test_names(void)
{
	char ifb[16];

	shape_ifb_name("wan0", ifb);
	is_str(ifb, "ifb-wan0", "IFB of a short name");
	shape_ifb_name("abcdefghijk", ifb);
	is_str(ifb, "ifb-abcdefghijk", "IFB of an 11-character name");
	shape_ifb_name("abcdefghijkl", ifb);
	ok(strlen(ifb) == 15 && !strncmp(ifb, "ifb-abcdef-", 11), "IFB of a 12-character name: %s",
	   ifb);
	char other[16];

	shape_ifb_name("abcdefghijkm", other);
	ok(strcmp(ifb, other) != 0, "two long names with one prefix get two IFBs");
}

int main(void)
{
	test_config_one();
	test_config_two();
	test_slots();
	test_names();
	done_testing();
}
