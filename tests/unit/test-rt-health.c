/* test-rt-health.c: the health tracker's own logic: a line without a
 * track follows its link, one change per callback; the JSON members;
 * bad tracks refused; and, inside a network namespace of its own (root),
 * rounds on lo that keep a line up with an RTT, a link that comes back
 * needing up_after answers, and an interface that does not exist giving
 * "probe failed: ..." rather than a silent loss. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "loop.h"
#include "resolve.h"
#include "rt.h"
#include "rt_health.h"
#include "../tap.h"

struct seen {
	unsigned	n;
	bool		up[16];
	char		why[16][160];
	double		rtt[16], loss[16];
	unsigned	rounds[16];
};

static void on_change(struct rt_health *h, const struct rt_health_change *c, void *arg)
{
	struct seen *s = arg;

	(void)h;
	if (s->n < 16) {
		s->up[s->n] = c->up;
		snprintf(s->why[s->n], sizeof(s->why[0]), "%s", c->why);
		s->rtt[s->n] = c->rtt_ms;
		s->loss[s->n] = c->loss;
		s->rounds[s->n] = c->rounds;
	}
	s->n++;
}

static void line_init(struct rt_line *line, const char *ifname, enum rt_track_kind kind,
		      const char *target)
{
	memset(line, 0, sizeof(*line));
	snprintf(line->name, sizeof(line->name), "t");
	snprintf(line->ifname, sizeof(line->ifname), "%s", ifname);
	line->track.kind = kind;
	snprintf(line->track.target, sizeof(line->track.target), "%s", target);
	line->interval_ms = 50;
	line->timeout_ms = 50;
	line->down_after = 2;
	line->up_after = 2;
}

static void spin(struct loop *l, unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end)
		loop_run_once(l, 10);
}

/* Run the loop until s has n changes or ms pass. */
static void spin_until(struct loop *l, struct seen *s, unsigned n, unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (s->n < n && loop_now_ms() < end)
		loop_run_once(l, 10);
}

static char *json_of(struct rt_health *h)
{
	struct json j;
	const char *out;
	size_t len;
	char *r = NULL;

	json_init(&j);
	json_obj_begin(&j);
	rt_health_json(h, &j);
	json_obj_end(&j);
	if (json_finish(&j, &out, &len) == 0)
		r = strdup(out);
	json_free(&j);
	return r;
}

static void test_no_track(struct loop *l, struct resolver *res)
{
	struct rt_line line;
	struct rt_health *h;
	struct seen s = { 0 };
	char err[128], *js;

	line_init(&line, "nosuch0", RT_TRACK_NONE, "");
	is_int(rt_health_start(l, res, &line, on_change, &s, &h, err, sizeof(err)), 0, "no track: starts");
	ok(rt_health_up(h), "starts up");
	spin(l, 100);
	is_int(s.n, 0, "no rounds, no change");
	rt_health_link(h, false);
	ok(s.n == 1 && !s.up[0] && strcmp(s.why[0], "link down") == 0, "link gone: down, link down");
	ok(!rt_health_up(h), "and down it is");
	rt_health_link(h, false);
	is_int(s.n, 1, "told again: no second change");
	rt_health_link(h, true);
	ok(s.n == 2 && s.up[1] && strcmp(s.why[1], "link up") == 0, "link back: up at once, link up");
	js = json_of(h);
	ok(js && json_validate(js, strlen(js), NULL, NULL) == 0, "json valid: %s", js ? js : "(null)");
	ok(js && strstr(js, "\"state\":\"up\",\"why\":\"link up\",\"rtt_ms\":null,\"loss\":0,"
			    "\"rounds\":0,\"since\":") && strstr(js, "\"track\":null"),
	   "json members");
	free(js);
	rt_health_free(h);
	rt_health_free(NULL);

	line_init(&line, "x0", RT_TRACK_TCP, "192.0.2.1");
	is_int(rt_health_start(l, res, &line, on_change, &s, &h, err, sizeof(err)), -EINVAL,
	       "tcp without a port: -EINVAL");
	ok(strstr(err, "port") != NULL, "err says why: %s", err);
	line_init(&line, "x0", RT_TRACK_ICMP, "");
	is_int(rt_health_start(l, res, &line, on_change, &s, &h, err, sizeof(err)), -EINVAL,
	       "icmp without a target: -EINVAL");
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return r;
}

static void test_rounds(struct loop *l, struct resolver *res)
{
	struct rt_line line;
	struct rt_health *h;
	struct seen s = { 0 };
	char err[128], *js;

	line_init(&line, "lo", RT_TRACK_ICMP, "127.0.0.1");
	is_int(rt_health_start(l, res, &line, on_change, &s, &h, err, sizeof(err)), 0, "lo: starts");
	spin(l, 600);
	is_int(s.n, 0, "lo answers: no change in 600 ms");
	js = json_of(h);
	ok(js && strstr(js, "\"state\":\"up\"") && strstr(js, "\"rounds\":10") &&
	   !strstr(js, "\"rtt_ms\":null") && strstr(js, "\"loss\":0,") &&
	   strstr(js, "\"track\":\"icmp 127.0.0.1\""), "a full window, no loss, an RTT: %s",
	   js ? js : "(null)");
	free(js);

	rt_health_link(h, false);
	ok(s.n == 1 && !s.up[0] && strcmp(s.why[0], "link down") == 0, "link down at once");
	rt_health_link(h, true);
	is_int(s.n, 1, "link back: not up at once with a track");
	spin_until(l, &s, 2, 1000);
	ok(s.n == 2 && s.up[1] && strcmp(s.why[1], "2 probes answered") == 0,
	   "up after 2 answers: %s", s.n >= 2 ? s.why[1] : "(none)");
	ok(s.n >= 2 && s.rtt[1] >= 0 && s.loss[1] == 0, "with an RTT (%.3f ms) and no loss",
	   s.n >= 2 ? s.rtt[1] : -1.0);
	rt_health_free(h);

	memset(&s, 0, sizeof(s));
	line_init(&line, "nosuch0", RT_TRACK_ICMP, "127.0.0.1");
	is_int(rt_health_start(l, res, &line, on_change, &s, &h, err, sizeof(err)), 0,
	       "missing interface: starts");
	spin_until(l, &s, 1, 1000);
	ok(s.n == 1 && !s.up[0] && strncmp(s.why[0], "probe failed: ", 14) == 0,
	   "down with the engine's reason: %s", s.n ? s.why[0] : "(none)");
	ok(s.n == 1 && s.loss[0] == 1 && s.rounds[0] == 2 && s.rtt[0] < 0,
	   "2 rounds, all lost, no RTT");
	rt_health_free(h);
}

int main(void)
{
	struct loop *l;
	struct resolver *res;

	if (loop_new(&l) < 0 || resolver_new(l, NULL, &res) < 0)
		bail_out("loop or resolver");
	test_no_track(l, res);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
		if (getenv("OUTPOST_REQUIRE_ROOT") && strcmp(getenv("OUTPOST_REQUIRE_ROOT"), "1") == 0)
			bail_out("a network namespace of our own needs root (OUTPOST_REQUIRE_ROOT=1)");
		skip(8, "rounds need a network namespace of our own (root)");
	} else {
		test_rounds(l, res);
	}
	resolver_free(res);
	loop_free(l);
	return done_testing();
}
