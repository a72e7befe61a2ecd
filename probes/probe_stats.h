/* probe_stats.h: round-trip statistics every probe type reports.
 *
 * Samples are kept (8 bytes each) so percentiles are exact; a target
 * probed a few thousand times costs tens of kilobytes. */
#ifndef OUTPOST_PROBE_STATS_H
#define OUTPOST_PROBE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct probe_stats {
	uint64_t	sent, received;	/* received counts first answers only */
	uint64_t	dup;		/* answers to a probe already answered */
	uint64_t	late;		/* answers after the probe timed out */
	uint64_t	errors;		/* ICMP errors, refused... (type-defined) */
	double		*rtt;		/* ms, in arrival order */
	size_t		n, cap;
	double		last_ms;
};

struct probe_summary {
	uint64_t	sent, received, dup, late, errors;
	double		loss;		/* fraction 0..1 of sent not received */
	int		has_rtt;	/* 0 when nothing was received */
	double		min, avg, max, stddev, p50, p90, p99, last;
};

void probe_stats_init(struct probe_stats *st);
void probe_stats_free(struct probe_stats *st);
/* Record one received round trip; 0 or -ENOMEM (then only counted). */
int probe_stats_add(struct probe_stats *st, double rtt_ms);
/* Summarise (percentiles by nearest rank over the samples). */
void probe_stats_summary(const struct probe_stats *st, struct probe_summary *s);
/* Write "sent","received","loss","dup","late" and "rtt":{min,avg,max,
 * stddev,p50,p90,p99} (null when nothing came back) into the open object. */
void probe_summary_json(struct json *j, const struct probe_summary *s);

#endif
