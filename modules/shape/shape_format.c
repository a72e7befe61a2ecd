/* shape_format.c: names and text of the shaping model: class handles
 * and rates as tc(8) prints them (so show, --dry-run and `tc -s class
 * show` read alike), prefixes, IFB names and region slots. */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "shape.h"

void shape_handle_format(uint32_t handle, char out[16])
{
	snprintf(out, 16, "%" PRIx32 ":%" PRIx32, handle >> 16, handle & 0xffffu);
}

/* tc's rule: divide by 1000 while the value is at least 1000 and either
 * divides evenly or is already a million or more of the current unit. */
void shape_rate_format(uint64_t bytes_per_s, char *out, size_t len)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	uint64_t bits = bytes_per_s * 8;
	size_t i;

	for (i = 0; i + 1 < sizeof(units) / sizeof(units[0]); i++) {
		if (bits < 1000 || (bits % 1000 != 0 && bits < 1000000))
			break;
		bits /= 1000;
	}
	snprintf(out, len, "%" PRIu64 "%sbit", bits, units[i]);
}

void shape_prefix_format(const struct shape_prefix *p, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(out, len, "%s/%u", a, (unsigned)p->len);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

void shape_ifb_name(const char *wan, char out[16])
{
	if (strlen(wan) <= 11) {
		snprintf(out, 16, "ifb-%s", wan);
		return;
	}
	snprintf(out, 16, "ifb-%.6s-%04" PRIx32, wan, fnv1a(wan) & 0xffffu);
}

uint16_t shape_slot_hash(const char *name)
{
	return (uint16_t)(1 + fnv1a(name) % SHAPE_SLOT_MAX);
}
