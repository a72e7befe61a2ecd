/* test-probe-stats: the summary every probe type reports: nearest-rank
 * percentiles, population stddev, loss, nothing received, and the JSON
 * field set of probe_summary_json(). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "probe_stats.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void test_hundred(void)
{
	struct probe_stats st;
	struct probe_summary s;

	probe_stats_init(&st);
	/* 1..100 in a shuffled order: percentiles must not depend on it. */
	for (int i = 0; i < 100; i++) {
		st.sent++;
		probe_stats_add(&st, (double)((i * 37) % 100 + 1));
	}
	probe_stats_summary(&st, &s);
	ok(s.has_rtt, "100 samples: has rtt");
	ok(near(s.min, 1) && near(s.max, 100), "min 1, max 100");
	ok(near(s.avg, 50.5), "avg 50.5");
	ok(near(s.stddev, sqrt((100.0 * 100.0 - 1) / 12.0)), "population stddev of 1..100");
	ok(near(s.p50, 50) && near(s.p90, 90) && near(s.p99, 99), "p50 50, p90 90, p99 99");
	ok(near(s.last, (double)((99 * 37) % 100 + 1)), "last is the last added");
	ok(near(s.loss, 0), "no loss");
	probe_stats_free(&st);
}

static void test_small(void)
{
	struct probe_stats st;
	struct probe_summary s;

	probe_stats_init(&st);
	st.sent = 4;
	probe_stats_add(&st, 10);
	probe_stats_add(&st, 30);
	probe_stats_summary(&st, &s);
	ok(near(s.loss, 0.5), "2 of 4: loss 0.5");
	ok(near(s.p50, 10) && near(s.p90, 30) && near(s.p99, 30), "two samples: p50 10, p90 30");
	ok(near(s.stddev, 10), "stddev of 10 and 30 is 10");
	probe_stats_free(&st);

	probe_stats_init(&st);
	st.sent = 1;
	probe_stats_add(&st, 7.5);
	probe_stats_summary(&st, &s);
	ok(near(s.p50, 7.5) && near(s.p99, 7.5) && near(s.stddev, 0), "one sample");
	probe_stats_free(&st);

	/* More answers than probes (duplicates miscounted) is not negative loss. */
	probe_stats_init(&st);
	st.sent = 1;
	probe_stats_add(&st, 1);
	probe_stats_add(&st, 2);
	probe_stats_summary(&st, &s);
	ok(near(s.loss, 0), "received > sent: loss 0");
	probe_stats_free(&st);
}

static void test_empty(void)
{
	struct probe_stats st;
	struct probe_summary s;
	struct json j;
	const char *out;
	size_t len;

	probe_stats_init(&st);
	probe_stats_summary(&st, &s);
	ok(!s.has_rtt && near(s.loss, 0) && s.sent == 0, "nothing sent: no rtt, loss 0");
	st.sent = 3;
	probe_stats_summary(&st, &s);
	ok(!s.has_rtt && near(s.loss, 1), "3 sent, none back: loss 1");
	json_init(&j);
	json_obj_begin(&j);
	probe_summary_json(&j, &s);
	json_obj_end(&j);
	is_int(json_finish(&j, &out, &len), 0, "summary JSON completes");
	is_str(out, "{\"sent\":3,\"received\":0,\"loss\":1,\"dup\":0,\"late\":0,\"rtt\":null}",
	    "all lost: rtt null");
	json_free(&j);
	probe_stats_free(&st);
	probe_stats_free(NULL);
	ok(1, "probe_stats_free(NULL) is fine");
}

static void test_json(void)
{
	struct probe_stats st;
	struct probe_summary s;
	struct json j;
	const char *out;
	size_t len;

	probe_stats_init(&st);
	st.sent = 3;
	st.dup = 1;
	st.late = 2;
	probe_stats_add(&st, 1.00049);
	probe_stats_add(&st, 2.0);
	probe_stats_summary(&st, &s);
	json_init(&j);
	json_obj_begin(&j);
	probe_summary_json(&j, &s);
	json_obj_end(&j);
	json_finish(&j, &out, &len);
	is_str(out, "{\"sent\":3,\"received\":2,\"loss\":0.333333,\"dup\":1,\"late\":2,"
	    "\"rtt\":{\"min\":1,\"avg\":1.5,\"max\":2,\"stddev\":0.5,\"p50\":1,\"p90\":2,"
	    "\"p99\":2,\"last\":2}}", "fields, order and microsecond rounding");
	json_free(&j);
	probe_stats_free(&st);
}

int main(void)
{
	test_hundred();
	test_small();
	test_empty();
	test_json();
	done_testing();
}
