/* p2p_cli_value.c: the values outpost-p2p's options take, in the config
 * file's syntax (libop's conf_value parsers), so an operator writes a
 * rate or a duration the same way everywhere. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "p2p_cli.h"

/* A week: longer than any transfer should stall or seed unattended. */
#define MAX_DURATION_MS (7ull * 86400 * 1000)

int p2p_cli_duration(const char *s, uint64_t *ms, char *err, size_t errlen)
{
	static const struct conf_key_def def = {
		.name = "duration", .type = CONF_DURATION, .max = MAX_DURATION_MS,
	};
	struct conf_value v;

	if (conf_value_parse(&def, s, &v, err, errlen) < 0)
		return -EINVAL;
	*ms = v.v.u64;
	return 0;
}

int p2p_cli_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	static const struct conf_key_def def = { .name = "size", .type = CONF_SIZE };
	struct conf_value v;

	if (conf_value_parse(&def, s, &v, err, errlen) < 0)
		return -EINVAL;
	*bytes = v.v.u64;
	return 0;
}

/* A rate in bits ("20mbit", "500kbps": the config's syntax) or a size
 * per second ("5MiB/s"); stored as bytes per second, at least 1. */
int p2p_cli_rate(const char *s, uint64_t *bytes_per_s, char *err, size_t errlen)
{
	static const struct conf_key_def def = { .name = "rate", .type = CONF_RATE };
	struct conf_value v;
	size_t n = strlen(s);
	char buf[64];

	if (n > 2 && n < sizeof(buf) && !strcmp(s + n - 2, "/s")) {
		memcpy(buf, s, n - 2);
		buf[n - 2] = '\0';
		if (p2p_cli_size(buf, &v.v.u64, err, errlen) < 0 || v.v.u64 == 0)
			goto bad;
		*bytes_per_s = v.v.u64;
		return 0;
	}
	if (conf_value_parse(&def, s, &v, err, errlen) < 0 || v.v.u64 < 8)
		goto bad;
	*bytes_per_s = v.v.u64 / 8;
	return 0;
bad:
	snprintf(err, errlen, "'%.64s' is not a rate (e.g. 20mbit, 500kbps, 5MiB/s)", s);
	return -EINVAL;
}

void p2p_fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
}
