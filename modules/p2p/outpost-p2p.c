/* outpost-p2p: create, inspect, verify, fetch and seed BitTorrent
 * packages with Outpost's engine. This file: the command line and the
 * dispatch; each command lives in its own p2p_cli_*.c. See
 * outpost-p2p(1). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "p2p_cli.h"

int main(int argc, char **argv)
{
	struct p2p_cli c;
	char err[512];
	int r, rc;

	/* A closed pipe (| head) is an error of the write, not a kill. */
	signal(SIGPIPE, SIG_IGN);
	r = p2p_cli_parse(&c, argc, argv, err, sizeof(err));
	if (r == P2P_CLI_HELP) {
		p2p_cli_usage(stdout);
		p2p_cli_free(&c);
		return P2P_EXIT_OK;
	}
	if (r == P2P_CLI_VERSION) {
		printf("%s %s\n", P2P_PROG, PACKAGE_VERSION);
		p2p_cli_free(&c);
		return P2P_EXIT_OK;
	}
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", P2P_PROG, err[0] ? err : strerror(-r));
		if (r == -EINVAL)
			p2p_cli_usage(stderr);
		p2p_cli_free(&c);
		return r == -EINVAL ? P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
	}
	switch (c.cmd) {
	case P2P_CMD_CREATE:
		rc = p2p_cmd_create(&c);
		break;
	case P2P_CMD_INFO:
		rc = p2p_cmd_info(&c);
		break;
	case P2P_CMD_VERIFY:
		rc = p2p_cmd_verify(&c);
		break;
	case P2P_CMD_ADD: case P2P_CMD_LIST: case P2P_CMD_REMOVE: case P2P_CMD_STATUS:
		rc = p2p_cmd_ctl(&c);
		break;
	default:
		rc = p2p_cmd_run(&c);
		break;
	}
	p2p_cli_free(&c);
	if (fflush(stdout) == EOF && rc == P2P_EXIT_OK) {
		fprintf(stderr, "%s: stdout: %s\n", P2P_PROG, strerror(errno));
		rc = P2P_EXIT_SYSTEM;
	}
	return rc;
}
