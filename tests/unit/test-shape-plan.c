/* test-shape-plan: the shaping model for the configs of the test world
 * (tests/shape/shape-lib.sh sh_conf and sh_region_b): the config model
 * (prefixes, bytes per second, interfaces, business defaults), slots
 * that stay put when regions come and go, burst/quantum/ticks from 1
 * kbit/s to beyond 32 bits of bytes per second, and the plan: class
 * ids, rates, ceils and guarantees, u32 nodes and nft sets and rules
 * for one region, two on two interfaces, two sharing one, port ranges,
 * an IPv6-only region. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

/* ---- timing ---- */

static void test_timing(void)
{
	static const uint64_t bits[] = { 1000, 1000000, 20000000, 1000000000, 10000000000ull,
					 40000000000ull, 1000000000000ull };
	uint32_t prev_burst = 0;
	bool mono = true, fits = true;

	is_int((int)shape_xmit_ticks(30000, MBIT(20)), 187500, "ticks: 30000 B at 20mbit = 12 ms");
	is_int((int)shape_xmit_ticks(1514, MBIT(1000)), 190,
	    "ticks: 1514 B at 1gbit = 189.25 ticks, rounded up (tc says 187)");
	is_int((int)shape_xmit_ticks(64, 1000000000), 1, "ticks: exactly one");
	ok(shape_xmit_ticks(UINT64_MAX, 1) == UINT32_MAX, "ticks saturate at UINT32_MAX");
	ok(shape_xmit_ticks(1000, 0) == UINT32_MAX, "ticks at rate 0 saturate");
	/* (2^63 - 1) / (2^62 - 1) is 2 s and a hair: one tick more. */
	is_int((int)shape_xmit_ticks(UINT64_MAX / 2, UINT64_MAX / 4), 31250001,
	    "ticks: huge bytes and rate do not overflow (2 s, rounded up)");
	ok(shape_xmit_ticks(5000000000ull, 5000000000ull) == 15625000,
	   "ticks: 1 s at 40 Gbit/s (RATE64 territory) = 15625000");
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		uint64_t rate = bits[i] / 8;
		uint32_t b = shape_burst(rate, 1514), q = shape_quantum(rate, 1514);
		uint32_t t = shape_xmit_ticks(b, rate), l = shape_fifo_limit(rate, 1514);

		diag("%" PRIu64 " bit/s: burst %" PRIu32 " B (%" PRIu32 " ticks), quantum %" PRIu32
		     ", fifo %" PRIu32, bits[i], b, t, q, l);
		if (b < prev_burst)
			mono = false;
		prev_burst = b;
		if (t == 0 || t == UINT32_MAX)
			fits = false;
		ok(q >= 1514 && q <= 200000, "%" PRIu64 " bit/s: quantum within mtu..200000", bits[i]);
		ok(l >= 64 && l <= 10000, "%" PRIu64 " bit/s: fifo limit within 64..10000", bits[i]);
		ok(b >= 2 * 1514, "%" PRIu64 " bit/s: burst at least two packets", bits[i]);
	}
	ok(mono, "burst grows with the rate");
	/* Ticks grow with the bytes and shrink with the rate, across the
	 * 32-bit boundary of bytes per second too. */
	bool up = true, down = true;

	for (uint64_t bytes = 1; bytes < (1ull << 40); bytes = bytes * 3 + 1)
		if (shape_xmit_ticks(bytes + 1, MBIT(20)) < shape_xmit_ticks(bytes, MBIT(20)))
			up = false;
	for (uint64_t rate = 1; rate < (1ull << 50); rate = rate * 3 + 1)
		if (shape_xmit_ticks(2500000, rate + 1) > shape_xmit_ticks(2500000, rate))
			down = false;
	ok(up, "ticks never fall as the bytes grow");
	ok(down, "ticks never rise as the rate grows (beyond 2^32 B/s as well)");
	ok(fits, "every burst's ticks fit 32 bits, none saturated");
	is_int((int)shape_burst(MBIT(20), 1514), 50000, "burst at 20mbit: 20 ms = 50000 B");
	is_int((int)shape_burst(MBIT(1000), 1514), 2500000, "burst at 1gbit: 20 ms = 2.5 MB");
	is_int((int)shape_burst(MBIT(1), 1514), 3028, "burst at 1mbit: two packets");
	is_int((int)shape_burst(MBIT(1), 9014), 18028, "burst at 1mbit, jumbo frames: two of them");
	is_int((int)shape_xmit_ticks(shape_burst(5000000000ull, 1514), 5000000000ull), 312500,
	    "40 Gbit/s (5e9 B/s, above 32 bits): 20 ms of ticks");
	ok(shape_burst(1, 1514) <= 274 && shape_xmit_ticks(shape_burst(1, 1514), 1) < UINT32_MAX,
	   "1 B/s: the burst shrinks to what UINT32_MAX ticks hold");
	is_int((int)shape_quantum(MBIT(20), 1514), 25000, "quantum at 20mbit: 10 ms");
	is_int((int)shape_quantum(MBIT(1000), 1514), 200000, "quantum at 1gbit: at most 200000");
	is_int((int)shape_quantum(125, 1514), 1514, "quantum at 1 kbit/s: one packet");
	is_int((int)shape_quantum(125, 300), 1000, "quantum, small MTU: at least 1000");
}

/* ---- the plan ---- */

static bool plan_of(const char *text, const struct shape_plan_opts *o, struct shape_config *c,
		    struct shape_plan *p)
{
	static const struct shape_plan_opts def = { .leaf = SHAPE_LEAF_PFIFO };

	char *script = NULL;
	size_t len = 0;
	FILE *fp;
	int r;

	memset(p, 0, sizeof(*p));
	if (!load(text, c) || shape_plan_build(c, o ? o : &def, p) != 0)
		return false;
	/* Whatever the plan holds, shnft's checks and nft's syntax take. */
	fp = open_memstream(&script, &len);
	r = fp ? shape_nft_script(&p->nft, fp) : -ENOMEM;
	if (fp)
		fclose(fp);
	if (r != 0)
		diag("shape_nft_script refuses the plan: %d", r);
	free(script);
	return r == 0;
}

static const struct shape_class *cls(const struct shape_tree *t, uint32_t classid)
{
	for (size_t i = 0; i < t->nclasses; i++)
		if (t->classes[i].classid == classid)
			return &t->classes[i];
	return NULL;
}

/* The sum of the guarantees of a tree's leaves, against its line. */
static bool fits(const struct shape_tree *t)
{
	uint64_t sum = 0;

	for (size_t i = 1; i < t->nclasses; i++)
		sum += t->classes[i].rate;
	if (sum > t->classes[0].rate)
		diag("%s: guarantees %" PRIu64 " > line %" PRIu64, t->dev, sum, t->classes[0].rate);
	return sum <= t->classes[0].rate;
}

/* Class invariants: parents first, rate <= ceil, leaves named by their
 * minor, times from shape_timing. */
static bool classes_ok(const struct shape_tree *t, uint32_t mtu)
{
	bool good = t->nclasses >= 2 && t->classes[0].classid == SHAPE_HANDLE(1) &&
		    t->classes[0].parent == SHAPE_HANDLE(0) &&
		    t->classes[0].quantum == shape_quantum(t->classes[0].rate, mtu) &&
		    t->classes[0].kind == SHAPE_LINE && t->defcls == SHAPE_MINOR_BUSINESS;

	for (size_t i = 1; good && i < t->nclasses; i++) {
		const struct shape_class *c = &t->classes[i];
		uint32_t minor = c->classid & 0xffff;

		good = c->parent == SHAPE_HANDLE(1) && c->rate <= c->ceil &&
		       c->ceil <= t->classes[0].rate && c->leaf_handle == minor << 16 &&
		       c->burst == shape_burst(c->rate, mtu) &&
		       c->cburst == shape_burst(c->ceil, mtu) &&
		       c->quantum == shape_quantum(c->rate, mtu) &&
		       c->leaf_limit == (t->leaf == SHAPE_LEAF_PFIFO ?
					 shape_fifo_limit(c->ceil, mtu) : 0) &&
		       c->prio == (c->kind == SHAPE_BUSINESS ? 0 : c->kind == SHAPE_ORIGIN ? 1 : 2);
		if (!good)
			diag("%s: class %x is not as it should be", t->dev, c->classid);
	}
	return good;
}

static bool prefs_ok(const struct shape_tree *t)
{
	for (size_t i = 0; i < t->nfilters; i++)
		if (t->filters[i].pref != SHAPE_PREF_CLASSIFY + i)
			return false;
	return true;
}

static int set_index(const struct shape_nft *n, const char *name)
{
	for (size_t i = 0; i < n->nsets; i++)
		if (!strcmp(n->sets[i].name, name))
			return (int)i;
	return -1;
}

static char *set_names(const struct shape_nft *n)
{
	static char buf[1024];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n->nsets && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " " : "",
		    n->sets[i].name);
	return buf;
}

/* A rule as one line of text, to compare whole rule lists. */
static void rule_text(const struct shape_nft *n, const struct shape_nft_rule *r, FILE *fp)
{
	char h[16];

	shape_handle_format(r->priority, h);
	fprintf(fp, "%s", r->oif);
	if (r->family)
		fprintf(fp, " %s", r->family == AF_INET ? "ip" : "ip6");
	if (r->saddr_set >= 0)
		fprintf(fp, " saddr @%s", n->sets[r->saddr_set].name);
	if (r->daddr_set >= 0)
		fprintf(fp, " daddr @%s", n->sets[r->daddr_set].name);
	if (r->ipproto)
		fprintf(fp, " %s %s %u-%u", r->ipproto == IPPROTO_TCP ? "tcp" : "udp",
		    r->sport ? "sport" : "dport", r->port_lo, r->port_hi);
	fprintf(fp, " -> %s\\n", h);
}

static char *rules(const struct shape_nft *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	for (size_t i = 0; i < n->nrules; i++)
		rule_text(n, &n->rules[i], fp);
	fclose(fp);
	return buf;
}

static void u32_text(const struct shape_u32 *u, FILE *fp)
{
	char h[16], a[64];

	shape_handle_format(u->classid, h);
	fprintf(fp, "%s", u->family == AF_INET ? "ip" : "ip6");
	if (u->has_src) {
		shape_prefix_format(&u->src, a, sizeof(a));
		fprintf(fp, " src %s", a);
	}
	if (u->has_dst) {
		shape_prefix_format(&u->dst, a, sizeof(a));
		fprintf(fp, " dst %s", a);
	}
	if (u->ipproto)
		fprintf(fp, " %s", u->ipproto == IPPROTO_TCP ? "tcp" : "udp");
	if (u->has_sport || u->has_dport)
		fprintf(fp, " %s %u/%04x", u->has_sport ? "sport" : "dport", u->port, u->port_mask);
	fprintf(fp, " -> %s\\n", h);
}

static char *nodes(const struct shape_tree *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	for (size_t i = 0; i < t->nfilters; i++)
		u32_text(&t->filters[i], fp);
	fclose(fp);
	return buf;
}

static void test_plan_one(void)
{
	struct shape_config c;
	struct shape_plan p;
	char o[16], q[16], want[2048];
	char *got;

	ok(plan_of(WORLD_A, NULL, &c, &p), "sh_conf: a plan");
	is_int((int)p.ntrees, 2, "two trees");
	if (p.ntrees != 2)
		return;
	const struct shape_tree *up = &p.trees[0], *down = &p.trees[1];
	uint16_t s = c.regions[0].slot;

	ok(!strcmp(up->dev, "wan0") && up->dir == SHAPE_EGRESS && !strcmp(up->wan, "wan0"),
	   "egress on wan0");
	ok(!strcmp(down->dev, "ifb-wan0") && down->dir == SHAPE_INGRESS && !strcmp(down->wan, "wan0"),
	   "ingress on ifb-wan0");
	for (int d = 0; d < 2; d++) {
		const struct shape_tree *t = &p.trees[d];
		const struct shape_class *line = cls(t, SHAPE_HANDLE(1)), *biz = cls(t, SHAPE_HANDLE(2));
		const struct shape_class *og = cls(t, SHAPE_HANDLE(SHAPE_MINOR(s, SHAPE_ORIGIN)));
		const struct shape_class *pr = cls(t, SHAPE_HANDLE(SHAPE_MINOR(s, SHAPE_PEER)));

		is_int((int)t->nclasses, 4, "%s: line, business, origin, P2P", t->dev);
		ok(classes_ok(t, 1514), "%s: class invariants", t->dev);
		ok(line && line->rate == MBIT(100) && line->ceil == MBIT(100), "%s: line 100mbit", t->dev);
		ok(biz && biz->rate == MBIT(50) && biz->ceil == MBIT(100) && biz->region == -1,
		   "%s: business 50mbit, may borrow up to the line", t->dev);
		ok(og && og->rate == MBIT(20) && og->ceil == MBIT(20) && og->region == 0,
		   "%s: origin 20mbit, guaranteed (it fits)", t->dev);
		ok(pr && pr->rate == MBIT(30) && pr->ceil == MBIT(30), "%s: P2P 30mbit", t->dev);
		ok(fits(t), "%s: guarantees fit the line", t->dev);
		ok(t->classes[1].kind == SHAPE_BUSINESS, "%s: business right after the line", t->dev);
	}
	is_int((int)up->nfilters, 0, "no u32 on the egress tree");
	shape_handle_format(SHAPE_HANDLE(SHAPE_MINOR(s, SHAPE_ORIGIN)), o);
	shape_handle_format(SHAPE_HANDLE(SHAPE_MINOR(s, SHAPE_PEER)), q);
	snprintf(want, sizeof(want),
	    "ip src 198.51.100.0/24 -> %s\\nip6 src 2001:db8:51::/64 -> %s\\n"
	    "ip tcp sport 6881/ffff -> %s\\nip tcp dport 6881/ffff -> %s\\n"
	    "ip udp sport 6881/ffff -> %s\\nip udp dport 6881/ffff -> %s\\n"
	    "ip6 tcp sport 6881/ffff -> %s\\nip6 tcp dport 6881/ffff -> %s\\n"
	    "ip6 udp sport 6881/ffff -> %s\\nip6 udp dport 6881/ffff -> %s\\n",
	    o, o, q, q, q, q, q, q, q, q);
	got = nodes(down);
	is_str(got, want, "u32: origin by source, then the P2P port both ways, both families");
	free(got);
	ok(prefs_ok(down), "u32 prefs count up from SHAPE_PREF_CLASSIFY");
	is_str(set_names(&p.nft), "chaoyang_lan4 chaoyang_lan6 chaoyang_origin4 chaoyang_origin6",
	    "nft sets: LAN and origin, both families, no empty peer sets");
	int o4 = set_index(&p.nft, "chaoyang_origin4");

	ok(o4 >= 0 && p.nft.sets[o4].family == AF_INET && p.nft.sets[o4].nelems == 1 &&
	   pfx_is(&p.nft.sets[o4].elems[0], "198.51.100.0/24"), "origin4 holds the origin");
	snprintf(want, sizeof(want),
	    "wan0 ip daddr @chaoyang_origin4 -> %s\\nwan0 ip6 daddr @chaoyang_origin6 -> %s\\n"
	    "wan0 tcp sport 6881-6881 -> %s\\nwan0 tcp dport 6881-6881 -> %s\\n"
	    "wan0 udp sport 6881-6881 -> %s\\nwan0 udp dport 6881-6881 -> %s\\n",
	    o, o, q, q, q, q);
	got = rules(&p.nft);
	is_str(got, want, "nft rules: origin by destination, then the P2P port, any family");
	free(got);
	shape_plan_free(&p);
	ok(p.trees == NULL && p.ntrees == 0 && p.nft.nsets == 0, "plan free clears it");
	shape_plan_free(&p);
	shape_plan_free(NULL);
	shape_config_free(&c);
}

/* The DESIGN.md sketch: no line-rate. The line limits nothing, each
 * cap is still exactly its rate, business gets the rest. */
static void test_plan_noline(void)
{
	struct shape_config c;
	struct shape_plan p;

	ok(plan_of("[region \"chaoyang\"]\nlan = 10.20.0.0/16\nwan-interface = eth2\n"
		   "origin = 198.51.100.0/24\norigin-rate = 20mbit\npeer-rate = 200mbit\n", NULL,
		   &c, &p), "no line-rate: a plan");
	ok(c.nifaces == 1 && c.ifaces[0].down_unlimited && c.ifaces[0].up_unlimited &&
	   c.ifaces[0].down_rate == SHAPE_RATE_UNLIMITED &&
	   c.ifaces[0].up_rate == SHAPE_RATE_UNLIMITED,
	   "no line-rate: the line is SHAPE_RATE_UNLIMITED both ways, marked as such");
	for (size_t d = 0; d < p.ntrees; d++) {
		const struct shape_tree *t = &p.trees[d];
		uint16_t s = c.regions[0].slot;
		const struct shape_class *line = cls(t, SHAPE_HANDLE(1)), *biz = cls(t, SHAPE_HANDLE(2));
		const struct shape_class *og = cls(t, SHAPE_HANDLE(SHAPE_MINOR(s, SHAPE_ORIGIN)));
		const struct shape_class *pr = cls(t, SHAPE_HANDLE(SHAPE_MINOR(s, SHAPE_PEER)));

		ok(classes_ok(t, 1514) && fits(t), "%s: class invariants, guarantees fit", t->dev);
		ok(line && line->rate == SHAPE_RATE_UNLIMITED && line->ceil == SHAPE_RATE_UNLIMITED,
		   "%s: the line class at 1tbit", t->dev);
		ok(og && og->rate == MBIT(20) && og->ceil == MBIT(20) && pr &&
		   pr->rate == MBIT(200) && pr->ceil == MBIT(200),
		   "%s: origin and P2P capped at their rates, guaranteed", t->dev);
		ok(biz && biz->rate == SHAPE_RATE_UNLIMITED - MBIT(220) &&
		   biz->ceil == SHAPE_RATE_UNLIMITED, "%s: business gets the rest", t->dev);
	}
	shape_plan_free(&p);
	shape_config_free(&c);

	ok(plan_of("[region \"a\"]\nlan = 10.20.0.0/16\nwan-interface = wan0\n"
		   "origin = 198.51.100.0/24\norigin-rate = 2mbit\nline-upload-rate = 10mbit\n",
		   NULL, &c, &p), "only a line-upload-rate: a plan");
	ok(c.nifaces == 1 && c.ifaces[0].down_unlimited && !c.ifaces[0].up_unlimited &&
	   c.ifaces[0].up_rate == MBIT(10) && c.ifaces[0].business_up == MBIT(8),
	   "the upload is limited to it (business the 8mbit the cap leaves), the download not");
	ok(p.ntrees == 2 && p.trees[0].classes[0].ceil == MBIT(10) &&
	   p.trees[1].classes[0].ceil == SHAPE_RATE_UNLIMITED, "egress line 10mbit, ingress 1tbit");
	shape_plan_free(&p);
	shape_config_free(&c);
}

static void test_plan_two(void)
{
	struct shape_config c;
	struct shape_plan p;

	ok(plan_of(WORLD_A REGION_B("wan1"), NULL, &c, &p), "two regions on two interfaces: a plan");
	ok(p.ntrees == 4 && !strcmp(p.trees[2].dev, "wan1") && !strcmp(p.trees[3].dev, "ifb-wan1"),
	   "four trees: wan0, ifb-wan0, wan1, ifb-wan1");
	if (p.ntrees == 4) {
		const struct shape_tree *t = &p.trees[3];
		uint16_t s = c.regions[1].slot;
		const struct shape_class *og = cls(t, SHAPE_HANDLE(SHAPE_MINOR(s, SHAPE_ORIGIN)));

		ok(t->nclasses == 4 && og && og->ceil == MBIT(10) && og->region == 1,
		   "ifb-wan1 holds haidian's origin class, 10mbit");
		ok(cls(t, SHAPE_HANDLE(2))->rate == MBIT(75), "wan1 business: 75mbit");
		ok(!cls(t, SHAPE_HANDLE(SHAPE_MINOR(c.regions[0].slot, SHAPE_ORIGIN))),
		   "no chaoyang class on wan1");
		is_int((int)t->nfilters, 10, "ifb-wan1: 10 u32 nodes, no LAN match (alone)");
		ok(!t->filters[0].has_dst, "alone: no destination match");
		for (size_t i = 0; i < 4; i++)
			ok(classes_ok(&p.trees[i], 1514) && fits(&p.trees[i]), "tree %zu: classes fit", i);
	}
	is_int((int)p.nft.nsets, 8, "nft: four sets per region");
	is_int((int)p.nft.nrules, 12, "nft: six rules per region");
	ok(p.nft.nrules == 12 && !strcmp(p.nft.rules[6].oif, "wan1") &&
	   p.nft.rules[6].daddr_set == set_index(&p.nft, "haidian_origin4"),
	   "haidian's rules go out wan1, by its own sets");
	shape_plan_free(&p);
	shape_config_free(&c);
}

static void test_plan_shared(void)
{
	struct shape_config c;
	struct shape_plan p;
	char *got, want[4096], o[16], q[16];

	ok(plan_of(WORLD_A REGION_B("wan0"), NULL, &c, &p), "two regions sharing wan0: a plan");
	is_int((int)p.ntrees, 2, "one interface, two trees");
	if (p.ntrees != 2)
		return;
	const struct shape_tree *down = &p.trees[1];

	is_int((int)down->nclasses, 6, "line, business, two origin, two P2P classes");
	ok(classes_ok(down, 1514) && fits(down) && fits(&p.trees[0]), "classes fit the line");
	ok(cls(down, SHAPE_HANDLE(2))->rate == MBIT(25), "business: the 25mbit left");
	is_int((int)down->nfilters, 20, "u32: 10 per region, each with its LAN");
	ok(prefs_ok(down), "prefs in order");
	shape_handle_format(SHAPE_HANDLE(SHAPE_MINOR(c.regions[1].slot, SHAPE_ORIGIN)), o);
	shape_handle_format(SHAPE_HANDLE(SHAPE_MINOR(c.regions[1].slot, SHAPE_PEER)), q);
	snprintf(want, sizeof(want),
	    "ip src 198.51.100.0/24 dst 10.30.0.0/16 -> %s\\n"
	    "ip6 src 2001:db8:51::/64 dst 2001:db8:30::/48 -> %s\\n"
	    "ip dst 10.30.0.0/16 tcp sport 6881/ffff -> %s\\n", o, o, q);
	got = nodes(down);
	ok(strstr(got, want) != NULL, "haidian's nodes: origin and LAN, then ports and LAN");
	if (!strstr(got, want))
		diag("%s", got);
	free(got);
	is_int((int)p.nft.nrules, 20, "nft: 10 rules per region");
	snprintf(want, sizeof(want),
	    "wan0 ip saddr @haidian_lan4 daddr @haidian_origin4 -> %s\\n"
	    "wan0 ip6 saddr @haidian_lan6 daddr @haidian_origin6 -> %s\\n"
	    "wan0 ip saddr @haidian_lan4 tcp sport 6881-6881 -> %s\\n"
	    "wan0 ip6 saddr @haidian_lan6 tcp sport 6881-6881 -> %s\\n", o, o, q, q);
	got = rules(&p.nft);
	ok(strstr(got, want) != NULL, "haidian's rules: its LAN as the source");
	if (!strstr(got, want))
		diag("%s", got);
	free(got);
	shape_plan_free(&p);
	shape_config_free(&c);

	/* A business guarantee that leaves less than the caps: the caps'
	 * guarantees shrink in proportion, their ceils stay. */
	ok(plan_of(WORLD_A "business-rate = 50mbit\n" REGION_B("wan0") "business-rate = 50mbit\n",
		   NULL, &c, &p), "shared, business-rate 50mbit: a plan");
	if (p.ntrees == 2) {
		const struct shape_tree *t = &p.trees[1];
		const struct shape_class *og = cls(t, SHAPE_HANDLE(SHAPE_MINOR(c.regions[0].slot,
									       SHAPE_ORIGIN)));

		ok(fits(t), "business + scaled guarantees fit the line");
		ok(og && og->ceil == MBIT(20) && og->rate == MBIT(20) * 50 / 75,
		   "origin: ceil 20mbit, guarantee 20 x 50/75");
		ok(cls(t, SHAPE_HANDLE(2))->rate == MBIT(50), "business keeps its 50mbit");
	}
	shape_plan_free(&p);
	shape_config_free(&c);
}

/* The blocks of the IPv4 TCP sport nodes cover exactly [lo, hi]. */
static bool covers(const struct shape_tree *t, unsigned lo, unsigned hi, size_t *blocks)
{
	static uint8_t hit[65536];

	memset(hit, 0, sizeof(hit));
	*blocks = 0;
	for (size_t i = 0; i < t->nfilters; i++) {
		const struct shape_u32 *u = &t->filters[i];

		if (u->family != AF_INET || u->ipproto != IPPROTO_TCP || !u->has_sport)
			continue;
		(*blocks)++;
		if (u->port & ~u->port_mask)
			return false;  /* not aligned */
		for (unsigned port = 0; port < 65536; port++)
			if ((port & u->port_mask) == u->port) {
				if (hit[port])
					return false;
				hit[port] = 1;
			}
	}
	for (unsigned port = 0; port < 65536; port++)
		if (hit[port] != (port >= lo && port <= hi))
			return false;
	return true;
}

static void test_plan_ports(void)
{
	static const struct { unsigned lo, hi; size_t blocks; } r[] = {
		{ 6881, 6889, 4 }, { 1, 65535, 16 }, { 1024, 2047, 1 }, { 65535, 65535, 1 },
		{ 1, 1, 1 }, { 6881, 6999, 8 },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct shape_config c;
		struct shape_plan p;
		char text[1024];
		size_t n = 0;

		snprintf(text, sizeof(text), WORLD_A "peer-port = %u-%u\n", r[i].lo, r[i].hi);
		ok(plan_of(text, NULL, &c, &p) && p.ntrees == 2 && covers(&p.trees[1], r[i].lo,
		   r[i].hi, &n) && n == r[i].blocks,
		   "peer-port %u-%u: %zu aligned blocks cover it exactly (got %zu)", r[i].lo, r[i].hi,
		   r[i].blocks, n);
		ok(p.nft.nrules == 6 && p.nft.rules[2].port_lo == r[i].lo &&
		   p.nft.rules[2].port_hi == r[i].hi, "nft: the range as it is");
		shape_plan_free(&p);
		shape_config_free(&c);
	}
	/* Peers: by source (u32) and destination (nft) before the ports. */
	struct shape_config c;
	struct shape_plan p;

	ok(plan_of(WORLD_A "peer = 10.99.0.0/16 2001:db8:99::/64\npeer-port = 6881-6889\n", NULL,
		   &c, &p), "peers and a port range: a plan");
	ok(p.ntrees == 2 && p.trees[1].nfilters == 2 + 2 + 4 * 8, "u32: 2 origin, 2 peer, 32 port");
	ok(p.ntrees == 2 && p.trees[1].filters[2].has_src && p.trees[1].filters[2].classid ==
	   SHAPE_HANDLE(SHAPE_MINOR(c.regions[0].slot, SHAPE_PEER)) &&
	   pfx_is(&p.trees[1].filters[2].src, "10.99.0.0/16"), "the first peer node after origin");
	is_str(set_names(&p.nft), "chaoyang_lan4 chaoyang_lan6 chaoyang_origin4 chaoyang_origin6 "
	    "chaoyang_peer4 chaoyang_peer6", "nft: peer sets");
	ok(p.nft.nrules == 8 && p.nft.rules[2].daddr_set == set_index(&p.nft, "chaoyang_peer4"),
	   "nft: peers by destination after origin");
	shape_plan_free(&p);
	shape_config_free(&c);
}

static void test_plan_v6(void)
{
	struct shape_config c;
	struct shape_plan p;

	ok(plan_of("[region \"v6\"]\nlan = 2001:db8:20::/48\nwan-interface = wan0\n"
		   "origin = 2001:db8:51::/64\norigin-rate = 20mbit\npeer-rate = 30mbit\n"
		   "line-rate = 100mbit\n", NULL, &c, &p), "an IPv6-only region: a plan");
	is_str(set_names(&p.nft), "v6_lan6 v6_origin6", "nft: only the IPv6 sets");
	ok(p.nft.nrules == 5 && p.nft.rules[0].family == AF_INET6 &&
	   p.nft.rules[0].saddr_set == -1, "nft: one origin rule (IPv6), four port rules");
	ok(p.ntrees == 2 && p.trees[1].nfilters == 9 && p.trees[1].filters[0].family == AF_INET6,
	   "u32: one IPv6 origin node, the port nodes of both families (gateway's own traffic)");
	shape_plan_free(&p);
	shape_config_free(&c);

	/* Shared with a dual-stack region: only its own family's LAN. */
	ok(plan_of(WORLD_A "[region \"v6\"]\nlan = 2001:db8:40::/48\nwan-interface = wan0\n"
		   "origin = 198.51.100.0/24 2001:db8:51::/64\norigin-rate = 20mbit\n"
		   "peer-rate = 30mbit\nline-rate = 100mbit\n", NULL, &c, &p),
	   "an IPv6-only region sharing wan0: a plan");
	if (p.ntrees == 2) {
		size_t n = 0;
		uint32_t id = SHAPE_HANDLE(SHAPE_MINOR(c.regions[1].slot, SHAPE_ORIGIN));

		for (size_t i = 0; i < p.trees[1].nfilters; i++)
			if ((p.trees[1].filters[i].classid & 0xfff0) == (id & 0xfff0)) {
				n++;
				if (p.trees[1].filters[i].family != AF_INET6)
					n += 100;
			}
		is_int((int)n, 1 + 4, "u32: its IPv4 origin has no LAN to pair with; IPv6 only");
	}
	shape_plan_free(&p);
	shape_config_free(&c);
}

static uint32_t mtu9000(const char *dev, void *arg)
{
	(void)arg;
	return strcmp(dev, "wan0") ? 0 : 9000;
}

static void test_plan_opts(void)
{
	struct shape_config c;
	struct shape_plan p;
	const struct shape_plan_opts o = { .leaf = SHAPE_LEAF_FQ_CODEL, .mtu = mtu9000 };

	ok(plan_of(WORLD_A "line-upload-rate = 25mbit\n", &o, &c, &p),
	   "fq_codel leaves, MTU 9000, a 25mbit upload: a plan");
	if (p.ntrees == 2) {
		const struct shape_tree *up = &p.trees[0];
		const struct shape_class *pr = cls(up, SHAPE_HANDLE(SHAPE_MINOR(c.regions[0].slot,
									       SHAPE_PEER)));

		ok(up->leaf == SHAPE_LEAF_FQ_CODEL && classes_ok(up, 9014) && classes_ok(&p.trees[1], 9014),
		   "leaf kind, limits left to fq_codel, times from the MTU (both trees: the WAN's)");
		ok(up->classes[0].rate == MBIT(25) && pr && pr->ceil == MBIT(25),
		   "upload: the line is 25mbit and P2P's 30mbit cap is held to it");
		ok(fits(up), "upload guarantees fit the 25mbit");
	}
	shape_plan_free(&p);
	shape_config_free(&c);

	ok(plan_of("[region \"9a\"]\nlan = 10.1.0.0/16\nwan-interface = e\n"
		   "origin = 198.51.100.0/24\norigin-rate = 1mbit\nline-rate = 10mbit\n"
		   "[region \"-b\"]\nlan = 10.2.0.0/16\nwan-interface = f\n"
		   "origin = 198.51.100.0/24\norigin-rate = 1mbit\nline-rate = 10mbit\n",
		   NULL, &c, &p), "regions named from a digit and a '-': a plan");
	is_str(set_names(&p.nft), "_-b_lan4 _-b_origin4 _9a_lan4 _9a_origin4",
	    "their set names start with '_' (nft reads @name only from a letter or '_')");
	shape_plan_free(&p);
	shape_config_free(&c);

	struct shape_config empty = { 0 };

	ok(shape_plan_build(&empty, NULL, &p) == 0 && p.ntrees == 0 && p.nft.nsets == 0 &&
	   p.nft.nrules == 0, "no region: an empty plan");
	shape_plan_free(&p);
}


int main(void)
{
	test_config_one();
	test_config_two();
	test_slots();
	test_names();
	test_timing();
	test_plan_one();
	test_plan_noline();
	test_plan_two();
	test_plan_shared();
	test_plan_ports();
	test_plan_v6();
	test_plan_opts();
	done_testing();
}
