/* rt-health-run: drive one line's health tracker (rt_health.h) for the
 * tests, without the daemon.
 *
 *   rt-health-run IFNAME icmp|tcp|none TARGET[:PORT] INTERVAL_MS DOWN UP SECONDS
 *
 * Prints one JSON line per change, {"t_ms":CLOCK_MONOTONIC ms,"state",
 * "why","rtt_ms","loss","rounds"}, and at the end the tracker's own JSON
 * (rt_health_json) as {"t_ms":..,"final":{...}}. It watches the
 * interface itself every 50 ms (up and running) and tells the tracker,
 * as the daemon's link monitor will. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
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

struct run {
	struct loop		*loop;
	struct rt_health	*h;
	int			ioc_fd;
	char			ifname[IF_NAMESIZE];
};

static void print_obj(struct json *j)
{
	const char *out;
	size_t len;

	if (json_finish(j, &out, &len) == 0)
		printf("%s\n", out);
	else
		printf("{\"error\":\"json\"}\n");
	fflush(stdout);
	json_free(j);
}

static void on_change(struct rt_health *h, const struct rt_health_change *c, void *arg)
{
	struct json j;

	(void)h;
	(void)arg;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_uint(&j, "t_ms", loop_now_ms());
	json_kv_str(&j, "state", c->up ? "up" : "down");
	json_kv_str(&j, "why", c->why);
	if (c->rtt_ms >= 0)
		json_kv_double(&j, "rtt_ms", c->rtt_ms);
	else {
		json_key(&j, "rtt_ms");
		json_null(&j);
	}
	json_kv_double(&j, "loss", c->loss);
	json_kv_uint(&j, "rounds", c->rounds);
	json_obj_end(&j);
	print_obj(&j);
}

static bool link_usable(struct run *r)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", r->ifname);
	if (ioctl(r->ioc_fd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

static void watch_link(struct loop *l, void *arg)
{
	struct run *r = arg;

	rt_health_link(r->h, link_usable(r));
	loop_timer_add(l, 50, watch_link, r);
}

static void stop(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
}

static int usage(void)
{
	fprintf(stderr, "usage: rt-health-run IFNAME icmp|tcp|none TARGET[:PORT] INTERVAL_MS DOWN UP SECONDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rt_line line;
	struct run run = { .ioc_fd = -1 };
	struct resolver *res = NULL;
	struct json j;
	char err[256];
	int rc;

	if (argc != 8)
		return usage();
	memset(&line, 0, sizeof(line));
	snprintf(line.name, sizeof(line.name), "test");
	snprintf(line.ifname, sizeof(line.ifname), "%s", argv[1]);
	snprintf(run.ifname, sizeof(run.ifname), "%s", argv[1]);
	if (strcmp(argv[2], "icmp") == 0) {
		line.track.kind = RT_TRACK_ICMP;
		snprintf(line.track.target, sizeof(line.track.target), "%s", argv[3]);
	} else if (strcmp(argv[2], "tcp") == 0) {
		char *colon = strrchr(argv[3], ':');

		if (!colon)
			return usage();
		*colon = '\0';
		line.track.kind = RT_TRACK_TCP;
		line.track.port = (uint16_t)atoi(colon + 1);
		snprintf(line.track.target, sizeof(line.track.target), "%s", argv[3]);
	} else if (strcmp(argv[2], "none") != 0) {
		return usage();
	}
	line.interval_ms = strtoull(argv[4], NULL, 10);
	line.timeout_ms = line.interval_ms;
	line.down_after = (unsigned)atoi(argv[5]);
	line.up_after = (unsigned)atoi(argv[6]);

	signal(SIGPIPE, SIG_IGN);
	if (loop_new(&run.loop) < 0 || resolver_new(run.loop, NULL, &res) < 0) {
		fprintf(stderr, "rt-health-run: loop or resolver failed\n");
		return 1;
	}
	run.ioc_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	rc = rt_health_start(run.loop, res, &line, on_change, &run, &run.h, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "rt-health-run: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	json_init(&j);
	json_obj_begin(&j);
	json_kv_uint(&j, "t_ms", loop_now_ms());
	json_kv_str(&j, "started", line.ifname);
	json_obj_end(&j);
	print_obj(&j);
	loop_timer_add(run.loop, 50, watch_link, &run);
	loop_timer_add(run.loop, (uint64_t)(strtod(argv[7], NULL) * 1000), stop, NULL);
	loop_run(run.loop);

	json_init(&j);
	json_obj_begin(&j);
	json_kv_uint(&j, "t_ms", loop_now_ms());
	json_key(&j, "final");
	json_obj_begin(&j);
	rt_health_json(run.h, &j);
	json_obj_end(&j);
	json_obj_end(&j);
	print_obj(&j);

	rt_health_free(run.h);
	resolver_free(res);
	loop_free(run.loop);
	close(run.ioc_fd);
	return 0;
}
