/* test-probe-tcp: the tcp probe through the job API on loopback, as
 * outpost-probed and the routing daemon will drive it: an open and a
 * closed port with their states and outcomes, results only from the
 * loop (never from start), a spec start refuses, and a drain halfway
 * that reports the attempts so far and finishes the job. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "probe.h"

struct got {
	struct loop	*loop;
	int		results, done, err;
	bool		in_start;
	bool		from_start;
	char		json[4][1024];
	enum probe_outcome outcome[4];
	bool		has_rtt[4];
	double		rtt_ms[4];
};

static void on_result(const struct probe_result *r, void *arg)
{
	struct got *g = arg;

	if (g->in_start)
		g->from_start = true;
	if (g->results < 4) {
		snprintf(g->json[g->results], sizeof(g->json[0]), "%.*s", (int)r->json_len, r->json);
		g->outcome[g->results] = r->outcome;
		g->has_rtt[g->results] = r->has_rtt;
		g->rtt_ms[g->results] = r->rtt_ms;
	}
	g->results++;
}

static void on_done(int err, void *arg)
{
	struct got *g = arg;

	g->done++;
	g->err = err;
	loop_stop(g->loop);
}

/* A listener on 127.0.0.1; its port in *port. */
static int listen_any(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		bail_out("listener: %s", strerror(errno));
	*port = ntohs(sa.sin_port);
	return fd;
}

static int run(struct loop *l, struct resolver *res, struct probe_spec *spec,
    const char *const *targets, size_t n, struct got *g, struct probe_job **jp, char *err)
{
	const struct probe_sink sink = { .result = on_result, .done = on_done, .arg = g };
	int rc;

	memset(g, 0, sizeof(*g));
	g->loop = l;
	g->in_start = true;
	rc = probe_job_start(l, res, spec, targets, n, &sink, jp, err, 256);
	g->in_start = false;
	return rc;
}

static void drain_cb(struct loop *l, void *arg)
{
	(void)l;
	ok(probe_job_drain(arg) == 0, "drain accepted");
}

int main(void)
{
	struct loop *l;
	struct resolver *res;
	struct probe_job *j = NULL;
	struct probe_spec spec = { .type = PROBE_TCP, .count = 2, .interval_ms = 10,
	    .timeout_ms = 1000 };
	const char *two[] = { "127.0.0.1", "127.0.0.1" };
	struct got g;
	char err[256];
	uint16_t port;
	int lfd = listen_any(&port);

	if (loop_new(&l) < 0 || resolver_new(l, NULL, &res) < 0)
		bail_out("loop or resolver");
	probe_path_init(&spec.path);
	spec.port = port;

	is_int(run(l, res, &spec, two, 2, &g, &j, err), 0, "open port: job starts");
	loop_run(l);
	ok(!g.from_start, "no result from inside start");
	is_int(g.results, 2, "two targets, two results");
	is_int(g.done, 1, "done once");
	ok(g.outcome[0] == PROBE_REACHED && g.outcome[1] == PROBE_REACHED, "both reached");
	ok(strstr(g.json[0], "\"state\":\"open\"") && strstr(g.json[0], "\"sent\":2,\"received\":2"),
	    "open: state open, 2 of 2: %s", g.json[0]);
	ok(g.has_rtt[0] && g.rtt_ms[0] >= 0 && g.rtt_ms[0] < 1000 && strstr(g.json[0], "\"rtt\":{"),
	    "open: rtt_ms %.3f alongside the json rtt", g.rtt_ms[0]);
	probe_job_free(j);

	close(lfd);	/* now nothing listens: refused */
	is_int(run(l, res, &spec, two, 1, &g, &j, err), 0, "closed port: job starts");
	loop_run(l);
	ok(g.outcome[0] == PROBE_UNREACHABLE, "closed: unreachable outcome");
	ok(strstr(g.json[0], "\"state\":\"refused\"") &&
	   strstr(g.json[0], "\"refused\":2") && strstr(g.json[0], "\"rtt\":null"),
	    "closed: 2 refused, rtt null: %s", g.json[0]);
	ok(!g.has_rtt[0], "closed: no rtt_ms");
	probe_job_free(j);

	spec.port = 0;
	is_int(run(l, res, &spec, two, 1, &g, &j, err), -EINVAL, "no port: -EINVAL");
	is_str(err, "tcp: no port given", "no port: the reason");
	ok(j == NULL && g.results == 0, "no job, no result");

	/* Drain after ~3 attempts of 100, 50 ms apart. */
	lfd = listen_any(&port);
	spec.port = port;
	spec.count = 100;
	spec.interval_ms = 50;
	is_int(run(l, res, &spec, two, 1, &g, &j, err), 0, "long job starts");
	loop_timer_add(l, 120, drain_cb, j);
	loop_run(l);
	is_int(g.results, 1, "drained: the result is reported");
	is_int(g.done, 1, "drained: the job finished");
	const char *p = strstr(g.json[0], "\"sent\":");
	unsigned sent = 0, received = 0;

	if (p)
		sscanf(p, "\"sent\":%u,\"received\":%u", &sent, &received);
	/* About 3 (at 0, 50 and 100 ms); a loaded machine may fire late. */
	ok(sent >= 1 && sent <= 4 && received == sent,
	    "drained: %u attempts so far, all answered, none in flight counted: %s", sent,
	    g.json[0]);
	ok(probe_job_drain(j) == 0 && g.results == 1, "a second drain reports nothing more");
	probe_job_free(j);
	close(lfd);

	resolver_free(res);
	loop_free(l);
	done_testing();
}
