/* region_schema.c: the [region "name"] section: its keys and the checks
 * within one region (region_checks.c has those across regions).
 *
 * A region is a LAN of devices behind one WAN interface (its line).
 * outpost-shape caps, per region, what comes from the origin and what
 * P2P may take, and keeps a guarantee for everything else (business).
 * line-rate, line-upload-rate and business-rate describe the WAN
 * interface itself, so regions sharing one must agree on them (also on
 * leaving them out). Without line-rate the line's speed is unknown: the
 * line is not limited, the caps still are, and a business guarantee
 * has nothing to be a share of, so business-rate needs line-rate. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "region_int.h"

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

bool shape_region_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 32)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* A name the kernel takes may still hold bytes nft(8) cannot quote
 * (the --dry-run script and show print it): wan-interface keeps to what
 * interfaces are named in practice, which both take as it is. */
static int check_ifname(const char *raw, char *msg, size_t msglen)
{
	size_t n = strlen(raw);
	bool ok = n > 0 && n < 16 && strcmp(raw, ".") && strcmp(raw, "..");

	for (const char *p = raw; ok && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			ok = false;
	if (ok)
		return 0;
	snprintf(msg, msglen,
	    "is not an interface name outpost-shape can shape (1 to 15 letters, digits, "
	    "'.', '_' or '-')");
	return 1;
}

/* The schema's own bounds would say "less than the minimum 8bit" for a
 * zero; a zero rate is the likelier mistake and deserves its words. */
static int check_rate(const char *raw, char *msg, size_t msglen)
{
	static const struct conf_key_def plain = { .name = "rate", .type = CONF_RATE };
	struct conf_value v;
	char m[CONF_MSG_MAX];

	if (conf_value_parse(&plain, raw, &v, m, sizeof(m)) != 0)
		return 0;  /* the type's own message was given already */
	if (v.v.u64 == 0)
		snprintf(msg, msglen, "is a rate of zero (the smallest is 8bit)");
	else if (v.v.u64 < SHAPE_RATE_MIN_BITS)
		snprintf(msg, msglen, "is less than 8bit, one byte per second: the kernel's unit");
	else
		return 0;
	return 1;
}

static int check_port(const char *raw, char *msg, size_t msglen)
{
	uint16_t lo, hi;
	int r = shape_port_range_parse(raw, &lo, &hi);

	if (r == -ERANGE)
		snprintf(msg, msglen, "starts after it ends");
	else if (r < 0)
		snprintf(msg, msglen, "is not a port or a range of ports 'START-END' (1 to 65535)");
	return r < 0;
}

#define RATE_KEY .type = CONF_RATE, .max = SHAPE_RATE_MAX_BITS, .check = check_rate

static const struct conf_key_def region_keys[] = {
	{ .name = "lan", .type = CONF_PREFIX, .flags = CONF_REQUIRED | CONF_LIST,
	  .help = "prefixes of the region's devices (IPv4 and IPv6)" },
	{ .name = "wan-interface", .type = CONF_STR, .flags = CONF_REQUIRED, .check = check_ifname,
	  .help = "interface of the line the region's traffic leaves by" },
	{ .name = "origin", .type = CONF_PREFIX, .flags = CONF_REQUIRED | CONF_LIST,
	  .help = "prefixes of the origin servers packages come from" },
	{ .name = "origin-rate", RATE_KEY, .flags = CONF_REQUIRED,
	  .help = "cap on traffic to and from the origin, per direction" },
	{ .name = "peer-rate", RATE_KEY,
	  .help = "cap on P2P traffic, per direction (no P2P class without it)" },
	{ .name = "peer-port", .type = CONF_STR, .def = "6881", .check = check_port,
	  .help = "the P2P listen port, N or START-END: traffic from or to it is P2P" },
	{ .name = "peer", .type = CONF_PREFIX, .flags = CONF_LIST,
	  .help = "remote peers whose traffic is P2P whatever its port (needs peer-rate)" },
	{ .name = "line-rate", RATE_KEY,
	  .help = "download rate of the line on wan-interface (default: unknown, the line "
		  "is not limited, only the caps are)" },
	{ .name = "line-upload-rate", RATE_KEY,
	  .help = "upload rate of the line (default: line-rate)" },
	{ .name = "business-rate", RATE_KEY,
	  .help = "rate kept for everything else (default: what the caps leave, at least "
		  "10 % of the line; needs line-rate)" },
};

/* The rate of key as the file would write it. */
static const char *rate_text(const struct conf_section *sec, const char *key, char *buf,
			     size_t len)
{
	const struct conf_value *v = conf_get_at(sec, key, 0);

	if (!v || conf_value_format(v, 0, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* A cap above the line it runs on could never be reached. */
static void check_cap(const struct conf_section *sec, const char *key,
		      struct conf_report *rep)
{
	char a[64], b[64];

	if (!conf_is_set(sec, key) || !conf_is_set(sec, "line-rate"))
		return;
	if (conf_get_rate(sec, key) > conf_get_rate(sec, "line-rate"))
		conf_report(rep, sec, key, "'%s' is above the line-rate %s",
		    rate_text(sec, key, a, sizeof(a)), rate_text(sec, "line-rate", b, sizeof(b)));
}

/* The business guarantee must leave room for the capped classes in both
 * directions. */
static void check_business(const struct conf_section *sec, struct conf_report *rep)
{
	const char *line = conf_is_set(sec, "line-upload-rate") ? "line-upload-rate" : NULL;
	char a[64], b[64];
	uint64_t biz = conf_get_rate(sec, "business-rate");

	if (!conf_is_set(sec, "business-rate"))
		return;
	if (!conf_key_line(sec, "line-rate"))
		conf_report(rep, sec, "business-rate",
		    "needs a line-rate: without the line's speed there is no share of it to keep "
		    "for business traffic");
	else if (conf_is_set(sec, "line-rate") && biz >= conf_get_rate(sec, "line-rate"))
		conf_report(rep, sec, "business-rate",
		    "'%s' is not below the line-rate %s: it leaves nothing to the capped classes",
		    rate_text(sec, "business-rate", a, sizeof(a)),
		    rate_text(sec, "line-rate", b, sizeof(b)));
	else if (line && biz >= conf_get_rate(sec, line))
		conf_report(rep, sec, "business-rate",
		    "'%s' is not below the line-upload-rate %s: it leaves nothing to the capped "
		    "classes", rate_text(sec, "business-rate", a, sizeof(a)),
		    rate_text(sec, line, b, sizeof(b)));
}

/* Across the keys of one [region]: its name, its rates against its line,
 * keys that mean nothing without another. Overlapping prefixes are
 * checked with those of the other regions (region_checks.c). */
static int region_validate(const struct conf *conf, const struct conf_section *sec,
			   struct conf_report *rep)
{
	(void)conf;
	if (!shape_region_name_ok(conf_section_name(sec)))
		conf_report(rep, sec, NULL,
		    "is not a region name: 1 to 32 letters, digits, '_' or '-'");
	check_cap(sec, "origin-rate", rep);
	check_cap(sec, "peer-rate", rep);
	check_business(sec, rep);
	if (conf_is_set(sec, "peer") && !conf_key_line(sec, "peer-rate"))
		conf_report(rep, sec, "peer", "needs a peer-rate: without it there is no P2P class");
	return 0;
}

const struct conf_section_def shape_region_conf_section = {
	.name = "region", .naming = CONF_NAME_REQUIRED,
	.keys = region_keys, .nkeys = NKEYS(region_keys),
	.help = "a region: its LAN, WAN interface, origin, and the caps outpost-shape keeps",
	.validate = region_validate, .validate_config = shape_regions_validate,
};
