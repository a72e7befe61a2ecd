/* inject-check: the injection check alone, for tests until (and besides)
 * `outpost-probe hijack`:
 *
 *	inject-check [-I IF] [-S SRC] [-w WINDOW_MS] [-s SINK] [-W TIMEOUT_MS] [-6] SERVER NAME
 *
 * Prints the check's JSON object on one line; exits 0 pass, 1 fail,
 * 2 suspect, 3 usage, 4 system error (the message on stderr). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hijack_inject.h"
#include "loop.h"

static int status = 4;

static void done(void *arg, enum probe_inject_status st, int err, const char *json, size_t len)
{
	struct loop *l = arg;

	fwrite(json, 1, len, stdout);
	fputc('\n', stdout);
	if (err)
		fprintf(stderr, "inject-check: %s\n", strerror(-err));
	status = st == PROBE_INJECT_PASS ? 0 : st == PROBE_INJECT_FAIL ? 1 : 2;
	loop_stop(l);
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, uint16_t port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct probe_inject_opts o;
	struct probe_path path;
	struct probe_inject *c = NULL;
	struct loop *l;
	char err[256];
	int opt, rc;

	memset(&o, 0, sizeof(o));
	probe_path_init(&path);
	o.path = &path;
	o.qtype = 1;
	while ((opt = getopt(argc, argv, "I:S:w:s:W:6")) != -1) {
		switch (opt) {
		case 'I':
			snprintf(path.ifname, sizeof(path.ifname), "%s", optarg);
			break;
		case 'S':
			if (parse_addr(optarg, &path.src, 0))
				return 3;
			break;
		case 'w':
			o.window_ms = strtoull(optarg, NULL, 10);
			break;
		case 'W':
			o.timeout_ms = strtoull(optarg, NULL, 10);
			break;
		case 's':
			if (parse_addr(optarg, &o.sink, 53))
				return 3;
			break;
		case '6':
			o.qtype = 28;
			break;
		default:
			return 3;
		}
	}
	if (argc - optind != 2 || parse_addr(argv[optind], &o.server, 53)) {
		fprintf(stderr, "usage: inject-check [-I IF] [-S SRC] [-w MS] [-s SINK] SERVER NAME\n");
		return 3;
	}
	o.name = argv[optind + 1];
	if (loop_new(&l))
		return 4;
	rc = probe_inject_start(l, &o, done, l, &c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "inject-check: %s\n", err);
		loop_free(l);
		return 4;
	}
	loop_run(l);
	probe_inject_free(c);
	loop_free(l);
	return status;
}
