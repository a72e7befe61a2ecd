/* probe_stats.c: round-trip statistics shared by every probe type. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "probe_stats.h"

void probe_stats_init(struct probe_stats *st)
{
	memset(st, 0, sizeof(*st));
}

void probe_stats_free(struct probe_stats *st)
{
	if (!st)
		return;
	free(st->rtt);
	probe_stats_init(st);
}

int probe_stats_add(struct probe_stats *st, double rtt_ms)
{
	st->received++;
	st->last_ms = rtt_ms;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		double *nr = reallocarray(st->rtt, cap, sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		st->rtt = nr;
		st->cap = cap;
	}
	st->rtt[st->n++] = rtt_ms;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least q of them at or below. */
static double rank(const double *sorted, size_t n, double q)
{
	size_t k = (size_t)ceil(q * (double)n);

	if (k < 1)
		k = 1;
	return sorted[k - 1];
}

void probe_stats_summary(const struct probe_stats *st, struct probe_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->sent = st->sent;
	s->received = st->received;
	s->dup = st->dup;
	s->late = st->late;
	s->errors = st->errors;
	if (st->sent)
		s->loss = st->received >= st->sent ? 0.0 :
		    (double)(st->sent - st->received) / (double)st->sent;
	if (!st->n)
		return;

	double sum = 0, min = st->rtt[0], max = st->rtt[0];

	for (size_t i = 0; i < st->n; i++) {
		sum += st->rtt[i];
		if (st->rtt[i] < min)
			min = st->rtt[i];
		if (st->rtt[i] > max)
			max = st->rtt[i];
	}
	double avg = sum / (double)st->n, var = 0;

	for (size_t i = 0; i < st->n; i++)
		var += (st->rtt[i] - avg) * (st->rtt[i] - avg);
	s->has_rtt = 1;
	s->min = min;
	s->max = max;
	s->avg = avg;
	s->stddev = sqrt(var / (double)st->n);
	s->last = st->last_ms;

	/* Percentiles from a sorted copy; without memory, the median of
	 * nothing is better reported as the mean than as garbage. */
	double *sorted = malloc(st->n * sizeof(*sorted));

	if (!sorted) {
		s->p50 = s->p90 = s->p99 = avg;
		return;
	}
	memcpy(sorted, st->rtt, st->n * sizeof(*sorted));
	qsort(sorted, st->n, sizeof(*sorted), cmp_double);
	s->p50 = rank(sorted, st->n, 0.50);
	s->p90 = rank(sorted, st->n, 0.90);
	s->p99 = rank(sorted, st->n, 0.99);
	free(sorted);
}

/* Milliseconds to the microsecond: more digits are noise, and fewer
 * characters keep 10,000-target output small. */
static double ms3(double v)
{
	return round(v * 1000.0) / 1000.0;
}

void probe_summary_json(struct json *j, const struct probe_summary *s)
{
	json_kv_uint(j, "sent", s->sent);
	json_kv_uint(j, "received", s->received);
	json_kv_double(j, "loss", round(s->loss * 1e6) / 1e6);
	json_kv_uint(j, "dup", s->dup);
	json_kv_uint(j, "late", s->late);
	json_key(j, "rtt");
	if (!s->has_rtt) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_kv_double(j, "min", ms3(s->min));
	json_kv_double(j, "avg", ms3(s->avg));
	json_kv_double(j, "max", ms3(s->max));
	json_kv_double(j, "stddev", ms3(s->stddev));
	json_kv_double(j, "p50", ms3(s->p50));
	json_kv_double(j, "p90", ms3(s->p90));
	json_kv_double(j, "p99", ms3(s->p99));
	json_kv_double(j, "last", ms3(s->last));
	json_obj_end(j);
}
