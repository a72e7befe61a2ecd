/* p2p_lsd_parse.c: the BEP 14 BT-SEARCH datagram parser (pure, fuzzed).
 * (owner: net) */
#include <errno.h>
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

int p2p_lsd_parse(const uint8_t *buf, size_t n, uint8_t (*ih)[20], size_t max, uint16_t *port,
    char *cookie, size_t cookie_len)
{
	static const char start[] = "BT-SEARCH * HTTP/1.1";
	struct wire_cur c;
	const uint8_t *line;
	size_t len, count = 0;
	bool have_port = false, have_hash = false;

	if (cookie && cookie_len)
		cookie[0] = '\0';
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
			if (parse_port(v, vl, port))
				return -EBADMSG;
			have_port = true;
		} else if (name_is(line, nl, "infohash")) {
			uint8_t h[20];
			if (parse_hash(v, vl, h))
				return -EBADMSG;
			have_hash = true;
			if (count < max)
				memcpy(ih[count++], h, 20);
		} else if (name_is(line, nl, "cookie") && cookie && cookie_len) {
			size_t k = vl < cookie_len - 1 ? vl : cookie_len - 1;
			memcpy(cookie, v, k);
			cookie[k] = '\0';
		}
	}
	if (!line || !have_port || !have_hash)
		return -EBADMSG;
	return (int)count;
}
