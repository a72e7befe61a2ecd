/* spool-emit-bench: record COUNT events into a spool, one spool_emit() per
 * event (single) or spool_emit_batch() of BATCH events (batch), and print
 * "<events> <seconds>" on stdout, for tests/bench/spool-emit.sh.
 *
 * usage: spool-emit-bench DIR single|batch COUNT [BATCH]
 * Built with -DSPOOL_BENCH_NO_BATCH it links against a libop from before
 * spool_emit_batch existed (the "before" figure) and has only single. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define DATA "{\"probe\":\"dns-home\",\"rtt_ms\":12.5,\"ok\":true,\"target\":\"198.51.100.7\"}"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct spool_opts o = { .node = "bench" };
	struct spool *sp = NULL;
	unsigned long count, batch = 64, i, k;
	double t0;
	int r;

	if (argc < 4 || argc > 5 || (strcmp(argv[2], "single") && strcmp(argv[2], "batch"))) {
		fprintf(stderr, "usage: spool-emit-bench DIR single|batch COUNT [BATCH]\n");
		return 2;
	}
	o.dir = argv[1];
	count = strtoul(argv[3], NULL, 10);
	if (argc > 4)
		batch = strtoul(argv[4], NULL, 10);
	if (batch == 0)
		batch = 1;
	r = spool_open(&sp, &o);
	if (r < 0) {
		fprintf(stderr, "spool-emit-bench: %s: %s\n", o.dir, strerror(-r));
		return 1;
	}
	t0 = now();
	if (strcmp(argv[2], "single") == 0) {
		for (i = 0; i < count; i++) {
			r = spool_emit(sp, "probe", "bench", DATA, NULL);
			if (r < 0)
				break;
		}
	} else {
#ifdef SPOOL_BENCH_NO_BATCH
		fprintf(stderr, "spool-emit-bench: built without spool_emit_batch\n");
		return 3;
#else
		struct spool_item *items = calloc(batch, sizeof(*items));

		if (items == NULL)
			return 1;
		for (i = 0; i < count && r >= 0; i += k) {
			k = count - i < batch ? count - i : batch;
			for (size_t j = 0; j < k; j++)
				items[j] = (struct spool_item){ .kind = "probe", .name = "bench",
								.data_json = DATA };
			r = spool_emit_batch(sp, items, k, 0);
			if (r >= 0 && (unsigned long)r != k)
				r = -EIO;
		}
		free(items);
#endif
	}
	if (r < 0) {
		fprintf(stderr, "spool-emit-bench: emit: %s\n", strerror(-r));
		return 1;
	}
	printf("%lu %.6f\n", count, now() - t0);
	spool_close(sp);
	return 0;
}
