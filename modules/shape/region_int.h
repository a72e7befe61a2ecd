/* region_int.h: what the [region] checks (libshaperegion.a) and the
 * config model (libshape.a) share. The schema library links before
 * libshape.a and needs only libop, so what both use is inline here
 * rather than a symbol one library would have to find in the other. */
#ifndef OUTPOST_SHAPE_REGION_INT_H
#define OUTPOST_SHAPE_REGION_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "conf.h"

/* The smallest rate a key takes, in bits per second: the kernel counts
 * bytes per second, so anything less would be a rate of zero there. */
#define SHAPE_RATE_MIN_BITS 8u
#define SHAPE_RATE_MAX_BITS 1000000000000ULL  /* 1tbit */

/* The section's table and its cross-section validator. */
extern const struct conf_section_def shape_region_conf_section;
int shape_regions_validate(const struct conf *conf, struct conf_report *rep);

/* Whether name is a region name: 1 to 32 of [A-Za-z0-9_-] (it becomes
 * part of nft set names and of messages). */
bool shape_region_name_ok(const char *name);

/* Whether a and b overlap (one contains the other). */
bool shape_conf_prefix_overlap(const struct conf_prefix *a, const struct conf_prefix *b);

/* Parse "N" or "A-B" (decimal ports 1..65535): 0, -EINVAL, or -ERANGE
 * when A > B. */
static inline int shape_port_range_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long v[2];
	int n = 0;

	for (;;) {
		char *end;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		errno = 0;
		v[n] = strtoul(s, &end, 10);
		if (errno || v[n] < 1 || v[n] > 65535 || end - s > 5)
			return -EINVAL;
		s = end;
		n++;
		if (*s == '\0')
			break;
		if (*s != '-' || n == 2)
			return -EINVAL;
		s++;
	}
	if (n == 1)
		v[1] = v[0];
	if (v[0] > v[1])
		return -ERANGE;
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return 0;
}

#endif
