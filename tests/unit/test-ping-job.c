/* test-ping-job: the ping probe driven through probe_job_start on a loop.
 *
 * Loopback only (127.0.0.1, ::1): refusals of a bad spec, one result per
 * target even when an address is given twice (replies told apart by the
 * target index in their payload), and a drain right after the start. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "loop.h"
#include "probe.h"
#include "resolve.h"
#include "tap.h"

struct got {
	int		results, done, reached, with_rtt;
	char		json[8][1024];
	struct loop	*l;
};

static void on_result(const struct probe_result *r, void *arg)
{
	struct got *g = arg;

	if (g->results < 8)
		snprintf(g->json[g->results], sizeof(g->json[0]), "%.*s", (int)r->json_len, r->json);
	g->results++;
	g->reached += r->outcome == PROBE_REACHED;
	g->with_rtt += r->has_rtt && r->rtt_ms >= 0 && r->rtt_ms < 1000;
}

static void on_done(int err, void *arg)
{
	struct got *g = arg;

	(void)err;
	g->done++;
	loop_stop(g->l);
}

static int run(struct loop *l, struct resolver *res, const struct probe_spec *sp,
    const char *const *t, size_t n, struct got *g, char *err, bool drain)
{
	const struct probe_sink sink = { .result = on_result, .done = on_done, .arg = g };
	struct probe_job *j = NULL;
	int rc;

	memset(g, 0, sizeof(*g));
	g->l = l;
	rc = probe_job_start(l, res, sp, t, n, &sink, &j, err, 256);
	if (rc < 0)
		return rc;
	if (drain)
		probe_job_drain(j);
	loop_run(l);
	probe_job_free(j);
	return 0;
}

int main(void)
{
	struct loop *l;
	struct resolver *res;
	struct probe_spec sp;
	struct got g;
	char err[256];
	const char *const three[] = { "127.0.0.1", "127.0.0.1", "::1" };

	if (loop_new(&l) < 0 || resolver_new(l, NULL, &res) < 0)
		bail_out("no loop or resolver");
	memset(&sp, 0, sizeof(sp));
	sp.type = PROBE_PING;
	probe_path_init(&sp.path);

	sp.size = 8;
	is_int(run(l, res, &sp, three, 1, &g, err, false), -EINVAL, "size 8 is refused");
	ok(strstr(err, "size 8") != NULL, "naming the size: %s", err);
	sp.size = 0;
	is_int(run(l, res, &sp, three, 0, &g, err, false), -EINVAL, "no target is refused");
	sp.rate = -1;
	is_int(run(l, res, &sp, three, 1, &g, err, false), -EINVAL, "a negative rate is refused");
	sp.rate = 0;

	sp.count = 2;
	sp.interval_ms = 10;
	int rc = run(l, res, &sp, three, 3, &g, err, false);

	if (rc == -EPERM) {
		skip(6, "no ICMP socket here (no CAP_NET_RAW, no ping_group_range)");
	} else {
		is_int(rc, 0, "three targets, one address twice: started");
		is_int(g.results, 3, "three results");
		is_int(g.reached, 3, "all reached");
		is_int(g.with_rtt, 3, "each with its rtt_ms");
		int twice = 0;

		for (int i = 0; i < 3; i++)
			twice += strstr(g.json[i], "\"sent\":2,\"received\":2,") != NULL;
		is_int(twice, 3, "each target received its own 2 replies, not its twin's");
		is_int(g.done, 1, "done once");
	}
	sp.count = 50;
	sp.interval_ms = 1000;
	rc = run(l, res, &sp, three, 3, &g, err, true);
	if (rc == -EPERM) {
		skip(2, "no ICMP socket here");
	} else {
		is_int(g.results, 3, "drained at once: three results");
		is_int(g.done, 1, "and done");
	}
	resolver_free(res);
	loop_free(l);
	return done_testing();
}
