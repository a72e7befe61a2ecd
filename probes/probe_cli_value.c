/* probe_cli_value.c: the values outpost-probe's options take. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "probe_cli.h"

/* strtod would take "inf", "nan", "1e3" and leading spaces; options
 * want plain decimals, so the digits are checked first. */
static int plain_decimal(const char *s, size_t n)
{
	size_t i = 0, dots = 0, digits = 0;

	for (; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return -EINVAL;
	}
	return digits && dots <= 1 ? 0 : -EINVAL;
}

int probe_cli_number(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (plain_decimal(s, strlen(s)) < 0)
		return -EINVAL;
	v = strtod(s, &end);
	if (*end || !isfinite(v) || v <= 0)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int probe_cli_duration(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "", 1 },
	};
	size_t n = strspn(s, "0123456789.");
	double v;

	if (!n || plain_decimal(s, n) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].unit))
			continue;
		v = strtod(s, NULL) * units[i].ms;
		/* A day is longer than any probe should wait or pace. */
		if (v > 86400000.0)
			return -ERANGE;
		*ms = (uint64_t)llround(v);
		return 0;
	}
	return -EINVAL;
}

int probe_cli_uint(const char *s, uint64_t min, uint64_t max, bool hex, uint64_t *out)
{
	const char *digits = "0123456789";
	int base = 10;
	uint64_t v = 0;

	if (hex && (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		s += 2;
		digits = "0123456789abcdefABCDEF";
		base = 16;
	}
	if (!*s || s[strspn(s, digits)])
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = *s <= '9' ? (unsigned)(*s - '0') : (unsigned)((*s | 0x20) - 'a' + 10);

		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int probe_cli_addr(const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}
