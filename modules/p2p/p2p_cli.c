/* p2p_cli.c: outpost-p2p's command line: which command, which of its
 * options, and their values, all checked before anything runs. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "p2p_cli.h"

static const char synopsis[] =
"usage: outpost-p2p create PATH [-o FILE] [--webseed URL]... [--tracker URL]...\n"
"                   [--v1 | --v2 | --hybrid] [--piece-size SIZE] [--private]\n"
"                   [--comment TEXT] [-f] [--json]\n"
"       outpost-p2p info TORRENT [--json]\n"
"       outpost-p2p get TORRENT|URL -o DIR [--peer ADDR:PORT]... [--port N]\n"
"                   [--bind ADDR] [--no-lsd] [--no-trackers] [--no-webseeds]\n"
"                   [--seed-after DURATION] [--max-rate RATE]\n"
"                   [--max-upload-rate RATE] [--max-peers N] [--stall DURATION]\n"
"                   [--ca-file FILE] [--json] [--quiet] [--publish]\n"
"                   [--config FILE]\n"
"       outpost-p2p seed TORRENT DIR [--port N] [--bind ADDR] [--peer ADDR:PORT]...\n"
"                   [--no-lsd] [--no-trackers] [--duration DURATION]\n"
"                   [--max-upload-rate RATE] [--json] [--quiet]\n"
"       outpost-p2p verify TORRENT DIR [--json]\n"
"       outpost-p2p add TORRENT|URL [--json] [--config FILE]\n"
"       outpost-p2p list [--json] [--config FILE]\n"
"       outpost-p2p remove NAME|INFO-HASH [--json] [--config FILE]\n"
"       outpost-p2p status [--json] [--config FILE]\n"
"       outpost-p2p -h | --help | -V | --version\n";

void p2p_cli_usage(FILE *fp)
{
	fputs(synopsis, fp);
}

#define C_CREATE	(1u << P2P_CMD_CREATE)
#define C_INFO		(1u << P2P_CMD_INFO)
#define C_GET		(1u << P2P_CMD_GET)
#define C_SEED		(1u << P2P_CMD_SEED)
#define C_VERIFY	(1u << P2P_CMD_VERIFY)
#define C_DAEMON	((1u << P2P_CMD_ADD) | (1u << P2P_CMD_LIST) | (1u << P2P_CMD_REMOVE) | \
			 (1u << P2P_CMD_STATUS))
#define C_ALL		(C_CREATE | C_INFO | C_GET | C_SEED | C_VERIFY | C_DAEMON)

enum {
	O_WEBSEED = 0x100, O_TRACKER, O_V1, O_V2, O_HYBRID, O_PIECE_SIZE, O_PRIVATE,
	O_COMMENT, O_JSON, O_PEER, O_PORT, O_BIND, O_NO_LSD, O_NO_TRACKERS, O_NO_WEBSEEDS,
	O_SEED_AFTER, O_MAX_RATE, O_MAX_UP, O_MAX_PEERS, O_STALL, O_CA_FILE, O_QUIET,
	O_PUBLISH, O_CONFIG, O_DURATION,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, 'f' },
	{ "webseed", required_argument, NULL, O_WEBSEED },
	{ "tracker", required_argument, NULL, O_TRACKER },
	{ "v1", no_argument, NULL, O_V1 },
	{ "v2", no_argument, NULL, O_V2 },
	{ "hybrid", no_argument, NULL, O_HYBRID },
	{ "piece-size", required_argument, NULL, O_PIECE_SIZE },
	{ "private", no_argument, NULL, O_PRIVATE },
	{ "comment", required_argument, NULL, O_COMMENT },
	{ "json", no_argument, NULL, O_JSON },
	{ "peer", required_argument, NULL, O_PEER },
	{ "port", required_argument, NULL, O_PORT },
	{ "bind", required_argument, NULL, O_BIND },
	{ "no-lsd", no_argument, NULL, O_NO_LSD },
	{ "no-trackers", no_argument, NULL, O_NO_TRACKERS },
	{ "no-webseeds", no_argument, NULL, O_NO_WEBSEEDS },
	{ "seed-after", required_argument, NULL, O_SEED_AFTER },
	{ "max-rate", required_argument, NULL, O_MAX_RATE },
	{ "max-upload-rate", required_argument, NULL, O_MAX_UP },
	{ "max-peers", required_argument, NULL, O_MAX_PEERS },
	{ "stall", required_argument, NULL, O_STALL },
	{ "ca-file", required_argument, NULL, O_CA_FILE },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "publish", no_argument, NULL, O_PUBLISH },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Which commands take each option (by getopt value). */
static unsigned allowed(int opt)
{
	switch (opt) {
	case 'f': case O_WEBSEED: case O_TRACKER: case O_V1: case O_V2: case O_HYBRID:
	case O_PIECE_SIZE: case O_PRIVATE: case O_COMMENT:
		return C_CREATE;
	case 'o':
		return C_CREATE | C_GET;
	case O_JSON:
		return C_ALL;
	case O_PEER: case O_PORT: case O_BIND: case O_NO_LSD: case O_NO_TRACKERS:
	case O_MAX_UP: case O_QUIET:
		return C_GET | C_SEED;
	case O_DURATION:
		return C_SEED;
	case O_CONFIG:
		return C_GET | C_DAEMON;
	default:	/* the rest are get's */
		return C_GET;
	}
}

static const char *const cmd_names[] = {
	[P2P_CMD_CREATE] = "create", [P2P_CMD_INFO] = "info", [P2P_CMD_GET] = "get",
	[P2P_CMD_SEED] = "seed", [P2P_CMD_VERIFY] = "verify", [P2P_CMD_ADD] = "add",
	[P2P_CMD_LIST] = "list", [P2P_CMD_REMOVE] = "remove", [P2P_CMD_STATUS] = "status",
};

/* The option as the user wrote it, for messages. */
static void opt_name(int opt, char *buf, size_t n)
{
	if (opt < 0x100) {
		snprintf(buf, n, "-%c", opt);
		return;
	}
	for (const struct option *o = longopts; o->name; o++)
		if (o->val == opt) {
			snprintf(buf, n, "--%s", o->name);
			return;
		}
	snprintf(buf, n, "-%c", opt);
}

static int push(const char ***v, size_t *n, const char *s)
{
	const char **t = reallocarray(*v, *n + 1, sizeof(**v));

	if (!t)
		return -ENOMEM;
	t[(*n)++] = s;
	*v = t;
	return 0;
}

static int uint_arg(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || v < min || v > max) {
		snprintf(err, errlen, "%s: '%s' is not a number from %llu to %llu", name, s,
		    (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int piece_size(const char *s, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (p2p_cli_size(s, &v, err, errlen) < 0)
		return -EINVAL;
	if (v < P2P_MIN_PIECE_LEN || v > P2P_MAX_PIECE_LEN || (v & (v - 1))) {
		snprintf(err, errlen, "--piece-size: '%s' is not a power of two from 16KiB to "
		    "64MiB", s);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* One option's value into c. */
static int set_opt(struct p2p_cli *c, int opt, const char *arg, char *err, size_t errlen)
{
	char name[32], e2[256];
	uint64_t v;
	int r = 0;

	opt_name(opt, name, sizeof(name));
	switch (opt) {
	case 'o': c->cmd == P2P_CMD_GET ? (c->dir = arg) : (c->out = arg); break;
	case 'f': c->force = true; break;
	case O_WEBSEED: r = push(&c->webseeds, &c->nwebseeds, arg); break;
	case O_TRACKER: r = push(&c->trackers, &c->ntrackers, arg); break;
	case O_V1: case O_V2: case O_HYBRID: {
		int ver = opt == O_V1 ? P2P_V1 : opt == O_V2 ? P2P_V2 : P2P_HYBRID;

		if (c->version && c->version != ver) {
			snprintf(err, errlen, "give only one of --v1, --v2 and --hybrid");
			return -EINVAL;
		}
		c->version = ver;
		break;
	}
	case O_PIECE_SIZE: r = piece_size(arg, &c->piece_len, err, errlen); break;
	case O_PRIVATE: c->private_ = true; break;
	case O_COMMENT: c->comment = arg; break;
	case O_JSON: c->json = true; break;
	case O_PEER: r = push(&c->peers, &c->npeers, arg); break;
	case O_PORT:
		if ((r = uint_arg(name, arg, 0, 65535, &v, err, errlen)) == 0) {
			c->port = (uint16_t)v;
			c->port_set = true;
		}
		break;
	case O_BIND: {
		struct in6_addr a;

		if (inet_pton(AF_INET, arg, &a) != 1 && inet_pton(AF_INET6, arg, &a) != 1) {
			snprintf(err, errlen, "--bind: '%s' is not an IPv4 or IPv6 address", arg);
			return -EINVAL;
		}
		c->bind = arg;
		break;
	}
	case O_NO_LSD: c->no_lsd = true; break;
	case O_NO_TRACKERS: c->no_trackers = true; break;
	case O_NO_WEBSEEDS: c->no_webseeds = true; break;
	case O_SEED_AFTER: case O_STALL: case O_DURATION:
		if ((r = p2p_cli_duration(arg, &v, e2, sizeof(e2))) < 0)
			break;
		if (opt != O_SEED_AFTER && v == 0) {
			snprintf(e2, sizeof(e2), "'%s' is not a duration above 0", arg);
			r = -EINVAL;
			break;
		}
		*(opt == O_SEED_AFTER ? &c->seed_after_ms : opt == O_STALL ? &c->stall_ms :
		    &c->duration_ms) = v;
		break;
	case O_MAX_RATE: case O_MAX_UP:
		r = p2p_cli_rate(arg, opt == O_MAX_RATE ? &c->max_rate : &c->max_upload_rate, e2,
		    sizeof(e2));
		break;
	case O_MAX_PEERS:
		if ((r = uint_arg(name, arg, 1, 10000, &v, err, errlen)) == 0)
			c->max_peers = (unsigned)v;
		break;
	case O_CA_FILE: c->ca_file = arg; break;
	case O_QUIET: c->quiet = true; break;
	case O_PUBLISH: c->publish = true; break;
	case O_CONFIG: c->config = arg; break;
	}
	if (r == -EINVAL && (opt == O_SEED_AFTER || opt == O_STALL || opt == O_DURATION ||
	    opt == O_MAX_RATE || opt == O_MAX_UP))
		snprintf(err, errlen, "%s: %s", name, e2);
	if (r == -ENOMEM)
		snprintf(err, errlen, "%s", strerror(ENOMEM));
	return r;
}

/* The positional arguments each command takes. */
static int positionals(struct p2p_cli *c, char **args, int n, char *err, size_t errlen)
{
	static const char *const want[] = {
		[P2P_CMD_CREATE] = "PATH", [P2P_CMD_INFO] = "TORRENT",
		[P2P_CMD_GET] = "TORRENT or URL", [P2P_CMD_SEED] = "TORRENT and DIR",
		[P2P_CMD_VERIFY] = "TORRENT and DIR", [P2P_CMD_ADD] = "TORRENT or URL",
		[P2P_CMD_LIST] = "nothing", [P2P_CMD_REMOVE] = "NAME or INFO-HASH",
		[P2P_CMD_STATUS] = "nothing",
	};
	int need = c->cmd == P2P_CMD_SEED || c->cmd == P2P_CMD_VERIFY ? 2 :
	    c->cmd == P2P_CMD_LIST || c->cmd == P2P_CMD_STATUS ? 0 : 1;

	if (n < need) {
		snprintf(err, errlen, "%s: %s needed", cmd_names[c->cmd], want[c->cmd]);
		return -EINVAL;
	}
	if (n > need) {
		snprintf(err, errlen, "%s: unexpected argument '%s'", cmd_names[c->cmd], args[need]);
		return -EINVAL;
	}
	if (need)
		c->target = args[0];
	if (need == 2)
		c->dir = args[1];
	for (int i = 0; i < n; i++)
		if (!args[i][0]) {
			snprintf(err, errlen, "%s: an empty argument", cmd_names[c->cmd]);
			return -EINVAL;
		}
	if (c->cmd == P2P_CMD_GET && !c->dir) {
		snprintf(err, errlen, "get: -o DIR needed (where the content goes)");
		return -EINVAL;
	}
	return 0;
}

int p2p_cli_parse(struct p2p_cli *c, int argc, char **argv, char *err, size_t errlen)
{
	char name[32], *args[3];
	int opt, nargs = 0, cmd = -1, r;

	memset(c, 0, sizeof(*c));
	c->stall_ms = P2P_DEFAULT_STALL_MS;
	c->port = P2P_DEFAULT_PORT;
	err[0] = '\0';
	if (argc < 2) {
		snprintf(err, errlen, "a command is needed: create, info, get, seed, verify, add, "
		    "list, remove or status");
		return -EINVAL;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return P2P_CLI_HELP;
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return P2P_CLI_VERSION;
	for (size_t i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (!strcmp(argv[1], cmd_names[i]))
			cmd = (int)i;
	if (cmd < 0) {
		snprintf(err, errlen, "unknown command '%s' (create, info, get, seed, verify, add, "
		    "list, remove, status)", argv[1]);
		return -EINVAL;
	}
	c->cmd = (enum p2p_cmd)cmd;
	/* getopt over argv[1..]: the command is its argv[0]; options and
	 * operands may come in any order. */
	optind = 0;	/* 0: glibc starts afresh (the unit test parses many times) */
	opterr = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, ":o:fhV", longopts, NULL)) != -1) {
		if (opt == 'h')
			return P2P_CLI_HELP;
		if (opt == 'V')
			return P2P_CLI_VERSION;
		if (opt == '?' || opt == ':') {
			/* argv[optind] is the word just read, in argv + 1's numbering. */
			const char *w = optind >= 1 && optind < argc ? argv[optind] : "";

			if (!strncmp(w, "--", 2))
				snprintf(name, sizeof(name), "%.*s", (int)strcspn(w, "="), w);
			else
				snprintf(name, sizeof(name), "-%c", optopt);
			if (opt == ':')
				snprintf(err, errlen, "%s: %s needs a value", cmd_names[c->cmd], name);
			else
				snprintf(err, errlen, "%s: unknown option '%s'", cmd_names[c->cmd], name);
			return -EINVAL;
		}
		if (!(allowed(opt) & (1u << c->cmd))) {
			opt_name(opt, name, sizeof(name));
			snprintf(err, errlen, "%s: %s is not an option of %s", cmd_names[c->cmd], name,
			    cmd_names[c->cmd]);
			return -EINVAL;
		}
		if ((r = set_opt(c, opt, optarg, err, errlen)) < 0)
			return r;
	}
	/* Only the first three are kept: more is an error anyway. */
	for (int i = optind + 1; i < argc; i++, nargs++)
		if (nargs < 3)
			args[nargs] = argv[i];
	if ((r = positionals(c, args, nargs, err, errlen)) < 0)
		return r;
	if (c->json && c->quiet) {
		snprintf(err, errlen, "%s: --json and --quiet: give one", cmd_names[c->cmd]);
		return -EINVAL;
	}
	if (!c->version)
		c->version = P2P_HYBRID;
	return 0;
}

void p2p_cli_free(struct p2p_cli *c)
{
	if (!c)
		return;
	free(c->webseeds);
	free(c->trackers);
	free(c->peers);
	c->webseeds = c->trackers = c->peers = NULL;
}
