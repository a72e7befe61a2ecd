/* p2p_lsd_parse.c: the BEP 14 BT-SEARCH datagram, both ways (pure; the
 * parser is fuzzed). Region members add x-outpost- header lines, which
 * other clients skip as unknown headers; here they are checked strictly
 * and, when anything about them is wrong, dropped as a whole while the
 * BEP 14 part still counts. (owner: net) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "p2p_net.h"
#include "wire.h"

#define LSD_MAX_DGRAM	4096	/* real announces are a few hundred bytes */

/* One line from the cursor without its CR LF (LF alone accepted). */
static const uint8_t *next_line(struct wire_cur *c, size_t *len)
{
	size_t rem = wire_remaining(c);
	const uint8_t *p = wire_read_ptr(c, 0);
	size_t i;

	if (!p || rem == 0)
		return NULL;
	for (i = 0; i < rem && p[i] != '\n'; i++)
		;
	if (i == rem)
		return NULL;	/* an unterminated last line is not a header */
	wire_skip(c, i + 1);
	*len = (i > 0 && p[i - 1] == '\r') ? i - 1 : i;
	return p;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hash(const uint8_t *v, size_t n, uint8_t out[20])
{
	if (n != 40)
		return -EBADMSG;
	for (size_t i = 0; i < 20; i++) {
		int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EBADMSG;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_port(const uint8_t *v, size_t n, uint16_t *port)
{
	uint32_t x = 0;

	if (n == 0 || n > 5)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		x = x * 10 + (uint32_t)(v[i] - '0');
	}
	if (x == 0 || x > 65535)
		return -EBADMSG;
	*port = (uint16_t)x;
	return 0;
}

static bool name_is(const uint8_t *p, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp((const char *)p, name, n) == 0;
}

/* Digits only, at most 10 of them, up to max. */
static int parse_u32(const uint8_t *v, size_t n, uint32_t max, uint32_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 10)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > max)
		return -EBADMSG;
	*out = (uint32_t)x;
	return 0;
}

/* "HAVE/ALL", have <= all, all >= 1. */
static int parse_have(const uint8_t *v, size_t n, struct p2p_lsd_member *m)
{
	const uint8_t *slash = memchr(v, '/', n);
	size_t k;

	if (!slash)
		return -EBADMSG;
	k = (size_t)(slash - v);
	if (parse_u32(v, k, UINT32_MAX, &m->have) ||
	    parse_u32(slash + 1, n - k - 1, UINT32_MAX, &m->npieces) || m->npieces == 0 ||
	    m->have > m->npieces)
		return -EBADMSG;
	return 0;
}

/* Shortest-form UTF-8 without control characters (C0, DEL, C1),
 * surrogates or code points past U+10FFFF. */
static bool text_ok(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k;

		if (v[i] < 0x80) {
			if (v[i] < 0x20 || v[i] == 0x7f)
				return false;
			i++;
			continue;
		}
		if (v[i] >= 0xc2 && v[i] <= 0xdf)
			k = 1, cp = v[i] & 0x1f;
		else if (v[i] >= 0xe0 && v[i] <= 0xef)
			k = 2, cp = v[i] & 0x0f;
		else if (v[i] >= 0xf0 && v[i] <= 0xf4)
			k = 3, cp = v[i] & 0x07;
		else
			return false;
		if (n - i - 1 < k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((v[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (v[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += k + 1;
	}
	return true;
}

static int parse_text(const uint8_t *v, size_t n, char *out, size_t size)
{
	if (n == 0 || n >= size || !text_ok(v, n))
		return -EBADMSG;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/* The x-outpost- lines seen, each at most once. */
enum { X_NODE = 1, X_REGION = 2, X_HAVE = 4, X_EVERY = 8, X_ALL = 15 };

/* One x-outpost- line into m; a bit in *seen, or bad on any trouble. */
static void parse_member(const uint8_t *name, size_t nl, const uint8_t *v, size_t vl,
    struct p2p_lsd_member *m, unsigned *seen, bool *bad)
{
	unsigned bit;
	int rc;

	if (name_is(name, nl, "x-outpost-node")) {
		bit = X_NODE;
		rc = parse_text(v, vl, m->node, sizeof(m->node));
	} else if (name_is(name, nl, "x-outpost-region")) {
		bit = X_REGION;
		rc = parse_text(v, vl, m->region, sizeof(m->region));
	} else if (name_is(name, nl, "x-outpost-have")) {
		bit = X_HAVE;
		rc = parse_have(v, vl, m);
	} else if (name_is(name, nl, "x-outpost-every")) {
		bit = X_EVERY;
		rc = parse_u32(v, vl, P2P_LSD_EVERY_MAX, &m->every_ms);
		if (!rc && m->every_ms < P2P_LSD_EVERY_MIN)
			rc = -EBADMSG;
	} else {
		return;	/* a later version's: skipped like any unknown header */
	}
	if (rc || (*seen & bit))
		*bad = true;	/* a duplicate is as doubtful as a bad value */
	*seen |= bit;
}

int p2p_lsd_parse(const uint8_t *buf, size_t n, uint8_t (*ih)[20], size_t max,
    struct p2p_lsd_info *info)
{
	static const char start[] = "BT-SEARCH * HTTP/1.1";
	struct wire_cur c;
	const uint8_t *line;
	size_t len, count = 0, hashes = 0;
	bool have_port = false, bad_member = false;
	unsigned seen = 0;

	memset(info, 0, sizeof(*info));
	if (n > LSD_MAX_DGRAM)
		return -EBADMSG;
	wire_cur_init(&c, buf, n);
	line = next_line(&c, &len);
	if (!line || len != sizeof(start) - 1 || memcmp(line, start, len) != 0)
		return -EBADMSG;
	while ((line = next_line(&c, &len)) && len > 0) {
		const uint8_t *colon = memchr(line, ':', len);
		const uint8_t *v;
		size_t nl, vl;

		if (!colon)
			return -EBADMSG;
		nl = (size_t)(colon - line);
		v = colon + 1;
		vl = len - nl - 1;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (name_is(line, nl, "port")) {
			if (parse_port(v, vl, &info->port))
				return -EBADMSG;
			have_port = true;
		} else if (name_is(line, nl, "infohash")) {
			uint8_t h[20];
			if (parse_hash(v, vl, h))
				return -EBADMSG;
			hashes++;
			if (count < max)
				memcpy(ih[count++], h, 20);
		} else if (name_is(line, nl, "cookie")) {
			size_t k = vl < sizeof(info->cookie) - 1 ? vl : sizeof(info->cookie) - 1;
			memcpy(info->cookie, v, k);
			info->cookie[k] = '\0';
		} else {
			parse_member(line, nl, v, vl, &info->m, &seen, &bad_member);
		}
	}
	if (!line || !have_port || !hashes)
		return -EBADMSG;
	/* progress is of one torrent: a member's announce names one */
	info->member = seen == X_ALL && !bad_member && hashes == 1;
	if (!info->member)
		memset(&info->m, 0, sizeof(info->m));
	return (int)count;
}

int p2p_lsd_format(char *buf, size_t cap, bool v6, uint16_t port, const char *cookie,
    const uint8_t (*ih)[20], size_t n, const struct p2p_lsd_member *m)
{
	size_t len;
	int k;

	if (m && n != 1)
		return -EINVAL;
	k = snprintf(buf, cap, "BT-SEARCH * HTTP/1.1\r\nHost: %s:6771\r\nPort: %u\r\n",
	    v6 ? "[ff15::efc0:988f]" : "239.192.152.143", port);
	if (k < 0 || (size_t)k >= cap)
		return -ENOSPC;
	len = (size_t)k;
	for (size_t i = 0; i < n; i++) {
		if (cap - len < 10 + 40 + 3)
			return -ENOSPC;
		len += (size_t)snprintf(buf + len, cap - len, "Infohash: ");
		for (size_t j = 0; j < 20; j++)
			len += (size_t)snprintf(buf + len, cap - len, "%02x", ih[i][j]);
		len += (size_t)snprintf(buf + len, cap - len, "\r\n");
	}
	if (m) {
		k = snprintf(buf + len, cap - len, "x-outpost-node: %s\r\nx-outpost-region: %s\r\n"
		    "x-outpost-have: %u/%u\r\nx-outpost-every: %u\r\n", m->node, m->region,
		    m->have, m->npieces, m->every_ms);
		if (k < 0 || (size_t)k >= cap - len)
			return -ENOSPC;
		len += (size_t)k;
	}
	k = snprintf(buf + len, cap - len, "cookie: %s\r\n\r\n\r\n", cookie);
	if (k < 0 || (size_t)k >= cap - len)
		return -ENOSPC;
	return (int)(len + (size_t)k);
}
