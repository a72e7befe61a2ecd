/* test-trace-job.c: trace jobs on a real loop, over loopback (root).
 *
 * 127.0.0.1 and ::1 are one hop away with every method: the echo reply,
 * the port unreachable, the SYN-ACK of a listening port and the RST of a
 * closed one each end the trace at ttl 1, answered by the target itself.
 * Several targets run in one job; a target without an address of the
 * asked family is unresolved; bad specs are refused by start. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "probe.h"
#include "../tap.h"

struct run {
	int nres, done, err;
	enum probe_outcome outcome[4];
	char *json[4], *text[4];
};

static void on_result(const struct probe_result *r, void *arg)
{
	struct run *run = arg;

	if (run->nres < 4) {
		run->outcome[run->nres] = r->outcome;
		run->json[run->nres] = strndup(r->json, r->json_len);
		run->text[run->nres] = strdup(r->text);
	}
	run->nres++;
}

static void on_done(int err, void *arg)
{
	struct run *run = arg;

	run->done++;
	run->err = err;
}

static void run_free(struct run *run)
{
	for (int i = 0; i < 4; i++) {
		free(run->json[i]);
		free(run->text[i]);
	}
}

static int run_job(struct loop *l, struct resolver *res, const struct probe_spec *spec,
    const char *const *targets, size_t n, struct run *run)
{
	struct probe_sink sink = { .result = on_result, .done = on_done, .arg = run };
	struct probe_job *j;
	char err[256];
	int rc;

	memset(run, 0, sizeof(*run));
	rc = probe_job_start(l, res, spec, targets, n, &sink, &j, err, sizeof(err));
	if (rc < 0) {
		diag("start: %s", err);
		return rc;
	}
	for (int i = 0; i < 500 && !run->done; i++)
		loop_run_once(l, 20);
	probe_job_free(j);
	return 0;
}

static int listener(int family, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		bail_out("listener: %s", strerror(errno));
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void one_hop(struct loop *l, struct resolver *res, int proto, const char *target,
    uint16_t port, const char *what)
{
	struct probe_spec spec = { .type = PROBE_TRACE, .trace_proto = proto, .port = port,
		.max_hops = 8, .timeout_ms = 1000 };
	const char *targets[] = { target };
	char want[128];
	struct run run;

	probe_path_init(&spec.path);
	if (run_job(l, res, &spec, targets, 1, &run) < 0) {
		ok(0, "%s: the job starts", what);
		return;
	}
	ok(run.nres == 1 && run.done == 1 && run.err == 0, "%s: one result, then done", what);
	if (run.nres != 1)
		return;
	is_int(run.outcome[0], PROBE_REACHED, "%s: reached", what);
	ok(json_validate(run.json[0], strlen(run.json[0]), NULL, NULL) == 0, "%s: JSON parses", what);
	snprintf(want, sizeof(want), "\"hops\":[{\"ttl\":1,\"addrs\":[{\"addr\":\"%s\",\"count\":3}],"
	    "\"sent\":3,\"received\":3,\"loss\":0,", target);
	ok(strstr(run.json[0], want) != NULL, "%s: hop 1 is %s, 3 of 3", what, target);
	ok(strstr(run.json[0], "\"reached\":true}]") != NULL, "%s: and it is the last hop", what);
	ok(strstr(run.text[0], "  1.|-- ") && strstr(run.text[0], "Loss%"),
	    "%s: an mtr-style report", what);
	if (!strstr(run.json[0], want))
		diag("%s", run.json[0]);
	run_free(&run);
}

static void test_refusals(struct loop *l, struct resolver *res)
{
	struct probe_spec spec = { .type = PROBE_TRACE, .trace_proto = IPPROTO_SCTP };
	const char *targets[] = { "127.0.0.1" };
	struct probe_sink sink = { .result = on_result, .arg = NULL };
	struct probe_job *j;
	char err[256];

	probe_path_init(&spec.path);
	is_int(probe_job_start(l, res, &spec, targets, 1, &sink, &j, err, sizeof(err)), -EINVAL,
	    "SCTP is refused");
	ok(strstr(err, "not icmp, udp or tcp") != NULL, "and the reason says why: %s", err);
	spec.trace_proto = IPPROTO_UDP;
	spec.max_hops = 256;
	is_int(probe_job_start(l, res, &spec, targets, 1, &sink, &j, err, sizeof(err)), -EINVAL,
	    "256 hops are refused");
	spec.max_hops = 0;
	spec.size = 1;
	is_int(probe_job_start(l, res, &spec, targets, 1, &sink, &j, err, sizeof(err)), -EINVAL,
	    "a 1-byte payload is refused");
}

static void test_many(struct loop *l, struct resolver *res)
{
	struct probe_spec spec = { .type = PROBE_TRACE, .trace_proto = IPPROTO_UDP, .count = 2,
		.interval_ms = 50, .timeout_ms = 1000 };
	const char *targets[] = { "127.0.0.1", "::1", "127.0.0.2" };
	struct run run;

	probe_path_init(&spec.path);
	run_job(l, res, &spec, targets, 3, &run);
	is_int(run.nres, 3, "three targets, three results");
	for (int i = 0; i < run.nres && i < 3; i++) {
		ok(run.outcome[i] == PROBE_REACHED && strstr(run.json[i], "\"rounds\":2") &&
		    strstr(run.json[i], "\"sent\":6,\"received\":6,"),
		    "target %d reached, two rounds of 3", i);
	}
	run_free(&run);

	spec.family = AF_INET6;
	run_job(l, res, &spec, targets, 1, &run);
	ok(run.nres == 1 && run.outcome[0] == PROBE_UNRESOLVED &&
	    strstr(run.json[0], "\"outcome\":\"unresolved\""), "127.0.0.1 has no IPv6 address");
	run_free(&run);
}

/* Drained in the middle of a five-round trace: a result at once, with
 * the rounds so far, and done. */
static void test_drain(struct loop *l, struct resolver *res)
{
	struct probe_spec spec = { .type = PROBE_TRACE, .trace_proto = IPPROTO_ICMP, .count = 5,
		.interval_ms = 1000, .timeout_ms = 1000 };
	const char *targets[] = { "127.0.0.1" };
	struct run run = { 0 };
	struct probe_sink sink = { .result = on_result, .done = on_done, .arg = &run };
	struct probe_job *j;
	char err[256];

	probe_path_init(&spec.path);
	if (probe_job_start(l, res, &spec, targets, 1, &sink, &j, err, sizeof(err)) < 0) {
		ok(0, "drain: the job starts: %s", err);
		return;
	}
	uint64_t t0 = loop_now_ms();

	while (loop_now_ms() - t0 < 300)
		loop_run_once(l, 20);
	is_int(run.nres, 0, "drain: nothing reported after 300 ms of five rounds");
	is_int(probe_job_drain(j), 0, "drain: the trace type can drain");
	for (int i = 0; i < 50 && !run.done; i++)
		loop_run_once(l, 20);
	ok(run.nres == 1 && run.done == 1 && loop_now_ms() - t0 < 1000,
	    "drain: one result and done at once");
	ok(run.nres == 1 && strstr(run.json[0], "\"rounds\":1") &&
	    strstr(run.json[0], "\"sent\":3,\"received\":3,"),
	    "drain: the first round's three probes, all answered");
	probe_job_free(j);
	run_free(&run);
}

int main(void)
{
	struct loop *l;
	struct resolver *res;
	uint16_t port4, port6;
	int fd;

	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0) {
		printf("1..0 # SKIP raw sockets need CAP_NET_RAW\n");
		return 0;
	}
	close(fd);
	if (loop_new(&l) < 0 || resolver_new(l, NULL, &res) < 0)
		bail_out("loop or resolver");
	int l4 = listener(AF_INET, &port4), l6 = listener(AF_INET6, &port6);

	one_hop(l, res, IPPROTO_ICMP, "127.0.0.1", 0, "IPv4 ICMP");
	one_hop(l, res, IPPROTO_ICMP, "::1", 0, "IPv6 ICMP");
	one_hop(l, res, IPPROTO_UDP, "127.0.0.1", 0, "IPv4 UDP");
	one_hop(l, res, IPPROTO_UDP, "::1", 0, "IPv6 UDP");
	one_hop(l, res, IPPROTO_TCP, "127.0.0.1", port4, "IPv4 TCP open");
	one_hop(l, res, IPPROTO_TCP, "::1", port6, "IPv6 TCP open");
	close(l4);
	close(l6);
	one_hop(l, res, IPPROTO_TCP, "127.0.0.1", port4, "IPv4 TCP closed");
	one_hop(l, res, IPPROTO_TCP, "::1", port6, "IPv6 TCP closed");
	test_many(l, res);
	test_drain(l, res);
	test_refusals(l, res);
	resolver_free(res);
	loop_free(l);
	return done_testing();
}
