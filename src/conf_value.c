/* conf_value.c: typed config values, parsed strictly and formatted so that
 * the text parses back to the same value. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "conf.h"

struct unit {
	const char *name;  /* matched case-insensitively */
	uint64_t mul;
};

/* Canonical units first within each table, largest first: the formatter
 * picks the first one that divides the value exactly. */
static const struct unit duration_units[] = {
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	{ "ms", 1 }, { "", 1000 }, { NULL, 0 },
};
static const struct unit rate_units[] = {
	{ "tbit", 1000000000000ULL }, { "gbit", 1000000000 }, { "mbit", 1000000 },
	{ "kbit", 1000 }, { "bit", 1 },
	{ "tbps", 8000000000000ULL }, { "gbps", 8000000000ULL }, { "mbps", 8000000 },
	{ "kbps", 8000 }, { "bps", 8 }, { NULL, 0 },
};
static const struct unit size_units[] = {
	{ "TiB", 1ULL << 40 }, { "GiB", 1ULL << 30 }, { "MiB", 1ULL << 20 }, { "KiB", 1ULL << 10 },
	{ "TB", 1000000000000ULL }, { "GB", 1000000000 }, { "MB", 1000000 }, { "KB", 1000 },
	{ "", 1 }, { "B", 1 }, { NULL, 0 },
};

static const char *const type_names[] = {
	[CONF_STR] = "string", [CONF_INT] = "integer", [CONF_BOOL] = "boolean",
	[CONF_DURATION] = "duration", [CONF_RATE] = "rate", [CONF_SIZE] = "size",
	[CONF_ADDR] = "address", [CONF_PREFIX] = "prefix", [CONF_CUSTOM] = "custom",
};

/* Return the type's name as documented in outpost.conf(5). */
const char *conf_type_name(enum conf_type type)
{
	if ((size_t)type >= sizeof(type_names) / sizeof(type_names[0]))
		return "?";
	return type_names[type];
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "12", "1.5" followed by a unit from the table: exact integer results
 * only. Returns 0, -EINVAL or -ERANGE. */
static int parse_scaled(const char *s, const struct unit *units, uint64_t *out)
{
	unsigned __int128 whole = 0, frac = 0, scale = 1, r;
	const struct unit *u;
	const char *p = s;

	if (!is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > UINT64_MAX)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			if (scale >= 1000000000000000000ULL)
				return -EINVAL;  /* more digits than any unit needs */
			frac = frac * 10 + (unsigned)(*p - '0');
			scale *= 10;
		}
	}
	for (u = units; u->name; u++)
		if (strcasecmp(p, u->name) == 0)
			break;
	if (!u->name)
		return -EINVAL;
	if ((frac * u->mul) % scale != 0)
		return -EINVAL;  /* not a whole number of the base unit */
	r = whole * u->mul + frac * u->mul / scale;
	if (r > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)r;
	return 0;
}

static int parse_int(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned d;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (is_digit(*s))
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / (unsigned)base)
			return -ERANGE;
		v = v * (unsigned)base + d;
	}
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_addr(const char *s, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static uint8_t *addr_bytes(struct conf_addr *a, size_t *n)
{
	*n = a->family == AF_INET ? 4 : 16;
	return a->family == AF_INET ? (uint8_t *)&a->u.v4 : a->u.v6.s6_addr;
}

/* Clear the bits past len; returns whether any were set. */
static bool mask_host_bits(struct conf_addr *a, unsigned len)
{
	size_t n, i;
	uint8_t *b = addr_bytes(a, &n), keep;
	bool had = false;

	for (i = 0; i < n; i++) {
		if (len >= 8 * (i + 1))
			continue;
		keep = len > 8 * i ? (uint8_t)(0xff << (8 - (len - 8 * i))) : 0;
		if (b[i] & ~keep)
			had = true;
		b[i] &= keep;
	}
	return had;
}

/* "addr/len" or a bare address (a host prefix). */
static int parse_prefix(const char *s, struct conf_prefix *p, bool *host_bits)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t len;

	*host_bits = false;
	if (alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (parse_addr(buf, &p->addr) < 0)
		return -EINVAL;
	if (!slash) {
		p->len = p->addr.family == AF_INET ? 32 : 128;
		return 0;
	}
	if (!is_digit(slash[1]) || strlen(slash + 1) > 3 || parse_int(slash + 1, &len) < 0 ||
	    slash[1 + strspn(slash + 1, "0123456789")] != '\0' ||
	    len > (p->addr.family == AF_INET ? 32u : 128u))
		return -EINVAL;
	p->len = (unsigned)len;
	*host_bits = mask_host_bits(&p->addr, p->len);
	return 0;
}

static const char *type_hint(enum conf_type type)
{
	switch (type) {
	case CONF_INT:
		return "is not an integer";
	case CONF_BOOL:
		return "is not a boolean (yes/no, true/false, on/off, 1/0)";
	case CONF_DURATION:
		return "is not a duration (e.g. 250ms, 5s, 2m, 1h, 1d)";
	case CONF_RATE:
		return "is not a rate (e.g. 8bit, 100kbit, 20mbit, 1.5gbit, 500kbps)";
	case CONF_SIZE:
		return "is not a size (e.g. 4096, 512KiB, 4MiB, 1GiB, 100KB)";
	case CONF_ADDR:
		return "is not an IPv4 or IPv6 address";
	case CONF_PREFIX:
		return "is not an IPv4 or IPv6 prefix (e.g. 10.0.0.0/8, 2001:db8::/32)";
	case CONF_STR:
	case CONF_CUSTOM:
		break;
	}
	return "is not valid";
}

static int check_bounds(const struct conf_key_def *def, const char *shown, uint64_t v,
			char *msg, size_t msglen)
{
	struct conf_value b = { .type = def->type };
	char txt[64];

	if (v < def->min && !(v == 0 && (def->flags & CONF_ZERO_OFF))) {
		b.v.u64 = def->min;
		conf_value_format(&b, def->flags, txt, sizeof(txt));
		snprintf(msg, msglen, "'%s' is less than the minimum %s%s", shown, txt,
			 def->flags & CONF_ZERO_OFF ? " (0 turns it off)" : "");
		return -EINVAL;
	}
	if (def->max && v > def->max) {
		b.v.u64 = def->max;
		conf_value_format(&b, def->flags, txt, sizeof(txt));
		snprintf(msg, msglen, "'%s' is greater than the maximum %s", shown, txt);
		return -EINVAL;
	}
	return 0;
}

static int parse_custom(const struct conf_key_def *def, const char *raw, const char *shown,
			struct conf_value *val, char *msg, size_t msglen)
{
	char cmsg[CONF_MSG_MAX];
	int r;

	if (!def->custom || !def->custom->parse) {
		snprintf(msg, msglen, "'%s' cannot be parsed: the schema gives no type", shown);
		return -EINVAL;
	}
	cmsg[0] = '\0';
	val->custom = def->custom;
	r = def->custom->parse(raw, &val->v.custom, cmsg, sizeof(cmsg));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		val->v.custom = NULL;
		snprintf(msg, msglen, "'%s' %s", shown,
			 *cmsg ? cmsg : "is not valid");
		return -EINVAL;
	}
	return 0;
}

/* Parse raw as a value of def's type and bounds. */
int conf_value_parse(const struct conf_key_def *def, const char *raw, struct conf_value *val,
		     char *msg, size_t msglen)
{
	char canon[INET6_ADDRSTRLEN + 8], cmsg[CONF_MSG_MAX], shown[CONF_SHOW_MAX];
	bool host_bits;
	int r = 0;

	memset(val, 0, sizeof(*val));
	val->type = def->type;
	conf_show(raw, shown);
	switch (def->type) {
	case CONF_STR:
		break;
	case CONF_CUSTOM:
		r = parse_custom(def, raw, shown, val, msg, msglen);
		if (r < 0) {
			memset(val, 0, sizeof(*val));
			return r;
		}
		break;
	case CONF_INT:
		r = parse_int(raw, &val->v.u64);
		break;
	case CONF_BOOL:
		r = parse_bool(raw, &val->v.b);
		break;
	case CONF_DURATION:
		r = parse_scaled(raw, duration_units, &val->v.u64);
		break;
	case CONF_RATE:
		/* A bare number would be ambiguous between bits and bytes. */
		if (raw[strspn(raw, "0123456789.")] == '\0')
			r = -EINVAL;
		else
			r = parse_scaled(raw, rate_units, &val->v.u64);
		break;
	case CONF_SIZE:
		r = parse_scaled(raw, size_units, &val->v.u64);
		break;
	case CONF_ADDR:
		r = parse_addr(raw, &val->v.addr);
		break;
	case CONF_PREFIX:
		r = parse_prefix(raw, &val->v.prefix, &host_bits);
		if (r == 0 && host_bits) {
			conf_value_format(val, 0, canon, sizeof(canon));
			snprintf(msg, msglen, "'%s' has host bits set, did you mean '%s'?", shown,
				 canon);
			return -EINVAL;
		}
		break;
	}
	if (r == -ERANGE) {
		snprintf(msg, msglen, "'%s' is too large", shown);
		return -EINVAL;
	}
	if (r < 0) {
		snprintf(msg, msglen, "'%s' %s", shown, type_hint(def->type));
		return -EINVAL;
	}
	if (def->type == CONF_INT || def->type == CONF_DURATION || def->type == CONF_RATE ||
	    def->type == CONF_SIZE) {
		if (check_bounds(def, shown, val->v.u64, msg, msglen) < 0)
			return -EINVAL;
	}
	if (def->check && def->check(raw, cmsg, sizeof(cmsg)) != 0) {
		snprintf(msg, msglen, "'%s' %s", shown, cmsg);
		conf_value_clear(val);
		return -EINVAL;
	}
	if (def->type == CONF_STR) {
		val->v.str = strdup(raw);
		if (!val->v.str)
			return -ENOMEM;
	}
	return 0;
}

/* Free what a parsed value owns. */
void conf_value_clear(struct conf_value *val)
{
	if (!val)
		return;
	if (val->type == CONF_STR)
		free(val->v.str);
	else if (val->type == CONF_CUSTOM && val->custom && val->custom->free)
		val->custom->free(val->v.custom);
	memset(val, 0, sizeof(*val));
}

/* The first unit (largest first) that divides v exactly; zero is
 * spelled with the unit given, since every unit divides it. */
static int format_scaled(uint64_t v, const struct unit *units, const char *zero, char *buf,
			 size_t len)
{
	const struct unit *u;
	const char *name = zero;
	uint64_t n = 0;

	if (v != 0) {
		for (u = units; u->name; u++)
			if (v % u->mul == 0)
				break;
		if (!u->name)
			return -EINVAL;
		name = u->name;
		n = v / u->mul;
	}
	if ((size_t)snprintf(buf, len, "%" PRIu64 "%s", n, name) >= len)
		return -ENOSPC;
	return 0;
}

/* Write val's canonical text into buf. */
int conf_value_format(const struct conf_value *val, unsigned flags, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int n = 0;

	switch (val->type) {
	case CONF_STR:
		n = snprintf(buf, len, "%s", val->v.str ? val->v.str : "");
		break;
	case CONF_INT:
		n = snprintf(buf, len, flags & CONF_HEX ? "0x%" PRIx64 : "%" PRIu64, val->v.u64);
		break;
	case CONF_BOOL:
		n = snprintf(buf, len, "%s", val->v.b ? "yes" : "no");
		break;
	case CONF_DURATION:
		return format_scaled(val->v.u64, duration_units, "s", buf, len);
	case CONF_RATE:
		return format_scaled(val->v.u64, rate_units, "bit", buf, len);
	case CONF_SIZE:
		return format_scaled(val->v.u64, size_units, "", buf, len);
	case CONF_ADDR:
		if (!inet_ntop(val->v.addr.family, &val->v.addr.u, a, sizeof(a)))
			return -EINVAL;
		n = snprintf(buf, len, "%s", a);
		break;
	case CONF_PREFIX:
		if (!inet_ntop(val->v.prefix.addr.family, &val->v.prefix.addr.u, a, sizeof(a)))
			return -EINVAL;
		n = snprintf(buf, len, "%s/%u", a, val->v.prefix.len);
		break;
	case CONF_CUSTOM:
		if (!val->custom || !val->custom->format)
			return -EINVAL;
		return val->custom->format(val->v.custom, buf, len);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

int conf_check_abs_path(const char *raw, char *msg, size_t msglen)
{
	if (raw[0] == '/' && strlen(raw) < 256)
		return 0;
	snprintf(msg, msglen, "is not an absolute path (at most 255 bytes)");
	return 1;
}

int conf_check_socket_path(const char *raw, char *msg, size_t msglen)
{
	if (raw[0] == '/' && strlen(raw) < sizeof(((struct sockaddr_un *)0)->sun_path))
		return 0;
	snprintf(msg, msglen, "is not an absolute path of at most %zu bytes (a Unix socket)",
	    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return 1;
}
