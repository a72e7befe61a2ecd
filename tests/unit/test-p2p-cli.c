/* test-p2p-cli: outpost-p2p's command line: each command with its
 * options landing in struct p2p_cli, the values (rates in bits and in
 * bytes per second, durations, piece sizes), and each refusal naming
 * the option or argument. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "meta.h"
#include "p2p_cli.h"

#define MAXARGS 32

/* Parse a space-separated command line (no quoting needed here). */
static int parse(struct p2p_cli *c, const char *line, char *err, size_t errlen)
{
	static char buf[1024];
	char *argv[MAXARGS + 1], *save = NULL, *w;
	int argc = 0;

	snprintf(buf, sizeof(buf), "outpost-p2p %s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < MAXARGS; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return p2p_cli_parse(c, argc, argv, err, errlen);
}

/* A command line refused with -EINVAL, its message holding each want
 * (NULL: not looked at). */
struct refusal { const char *line, *name, *want[2]; };

static void check_refused(const struct refusal *t, size_t n)
{
	struct p2p_cli c;
	char err[512];

	for (size_t i = 0; i < n; i++) {
		int r;
		bool has = true;

		err[0] = '\0';
		r = parse(&c, t[i].line, err, sizeof(err));
		for (size_t k = 0; k < 2; k++)
			has = has && (!t[i].want[k] || strstr(err, t[i].want[k]));
		if (t[i].want[0])
			ok(r == -EINVAL && has, "%s: %s", t[i].name, err);
		else
			ok(r == -EINVAL, "%s", t[i].name);
		p2p_cli_free(&c);
	}
}

static void test_values(void)
{
	static const struct { const char *in; int rc; uint64_t bps; } rates[] = {
		{ "20mbit", 0, 2500000 }, { "8bit", 0, 1 }, { "500kbps", 0, 500000 },
		{ "5MiB/s", 0, 5u << 20 }, { "100KB/s", 0, 100000 }, { "1000/s", 0, 1000 },
		{ "20", -EINVAL, 0 }, { "0/s", -EINVAL, 0 }, { "fast", -EINVAL, 0 },
		{ "4bit", -EINVAL, 0 }, { "/s", -EINVAL, 0 }, { "", -EINVAL, 0 },
	};
	static const struct { const char *in; int rc; uint64_t ms; } durs[] = {
		{ "5m", 0, 300000 }, { "250ms", 0, 250 }, { "30", 0, 30000 }, { "1h", 0, 3600000 },
		{ "7d", 0, 7ull * 86400000 }, { "8d", -EINVAL, 0 }, { "5x", -EINVAL, 0 },
		{ "-1s", -EINVAL, 0 },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t v = 777;
		int rc = p2p_cli_rate(rates[i].in, &v, err, sizeof(err));

		ok(rc == rates[i].rc && (rc < 0 ? strstr(err, "is not a rate") != NULL :
		    v == rates[i].bps), "rate '%s': %d %llu", rates[i].in, rc,
		    (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		uint64_t v = 777;
		int rc = p2p_cli_duration(durs[i].in, &v, err, sizeof(err));

		ok(rc == durs[i].rc && (rc < 0 || v == durs[i].ms), "duration '%s': %d %llu",
		    durs[i].in, rc, (unsigned long long)v);
	}
}

static void test_create(void)
{
	static const struct refusal refused[] = {
		{ "create data --v1 --v2", "create: --v1 and --v2 refused", { "only one of" } },
		{ "create data --piece-size 100KiB", "create: piece size not a power of two",
		  { "--piece-size", "100KiB" } },
		{ "create data --piece-size 8KiB", "create: piece size below 16KiB", { NULL } },
		{ "create", "create: PATH needed", { "PATH needed" } },
		{ "create a b", "create: one PATH only", { "'b'" } },
	};
	struct p2p_cli c;
	char err[512];
	int r;

	r = parse(&c, "create data -o x.torrent --webseed http://192.0.2.1/ --webseed "
	    "http://192.0.2.2/ --tracker http://192.0.2.3/announce --v1 --piece-size 256KiB "
	    "--private --comment hi -f --json", err, sizeof(err));
	ok(r == 0, "create with every option: %d %s", r, err);
	ok(c.cmd == P2P_CMD_CREATE && !strcmp(c.target, "data") && !strcmp(c.out, "x.torrent"),
	    "create: PATH and -o FILE");
	ok(c.nwebseeds == 2 && !strcmp(c.webseeds[1], "http://192.0.2.2/") && c.ntrackers == 1,
	    "create: web seeds and trackers repeat");
	ok(c.version == P2P_V1 && c.piece_len == 256 * 1024 && c.private_ && c.force && c.json &&
	    !strcmp(c.comment, "hi"), "create: version, piece size, flags");
	p2p_cli_free(&c);

	r = parse(&c, "create data", err, sizeof(err));
	ok(r == 0 && c.version == P2P_HYBRID && !c.out && !c.piece_len, "create: hybrid default");
	p2p_cli_free(&c);
	check_refused(refused, sizeof(refused) / sizeof(refused[0]));
}

static void test_get(void)
{
	static const struct refusal refused[] = {
		{ "get t.torrent", "get: -o DIR needed", { "-o DIR" } },
		{ "get t.torrent -o dl --port 70000", "get: port range", { "--port", "70000" } },
		{ "get t.torrent -o dl --max-rate 20", "get: a bare rate is refused",
		  { "--max-rate" } },
		{ "get t.torrent -o dl --bind 10.0.0.300", "get: bind address", { "--bind" } },
		{ "get t.torrent -o dl --stall 0", "get: stall 0 refused", { "--stall" } },
		{ "get t.torrent -o dl --json --quiet", "get: --json and --quiet together refused",
		  { NULL } },
		{ "get t.torrent -o dl --max-peers 0", "get: max peers 0", { "--max-peers" } },
		{ "get t.torrent -o", "get: -o without value", { "-o needs a value" } },
	};
	struct p2p_cli c;
	char err[512];
	int r;

	r = parse(&c, "get t.torrent -o dl --peer 10.0.0.2:6881 --peer [2001:db8::2]:6881 "
	    "--port 7000 --bind 10.0.0.1 --no-lsd --no-trackers --no-webseeds --seed-after 30s "
	    "--max-rate 20mbit --max-upload-rate 1MiB/s --max-peers 8 --stall 10s "
	    "--ca-file ca.pem --json --publish --config o.conf", err, sizeof(err));
	ok(r == 0, "get with every option: %d %s", r, err);
	ok(c.cmd == P2P_CMD_GET && !strcmp(c.target, "t.torrent") && !strcmp(c.dir, "dl"),
	    "get: TORRENT and -o DIR");
	ok(c.npeers == 2 && !strcmp(c.peers[1], "[2001:db8::2]:6881"), "get: peers repeat");
	ok(c.port == 7000 && c.port_set && !strcmp(c.bind, "10.0.0.1"), "get: port and bind");
	ok(c.no_lsd && c.no_trackers && c.no_webseeds, "get: the --no- switches");
	ok(c.seed_after_ms == 30000 && c.stall_ms == 10000, "get: durations");
	ok(c.max_rate == 2500000 && c.max_upload_rate == 1u << 20 && c.max_peers == 8,
	    "get: rates in bytes/s, max peers");
	ok(!strcmp(c.ca_file, "ca.pem") && c.json && c.publish && !strcmp(c.config, "o.conf"),
	    "get: ca file, json, publish, config");
	p2p_cli_free(&c);

	r = parse(&c, "get http://192.0.2.1/t.torrent -o dl", err, sizeof(err));
	ok(r == 0 && c.port == 6881 && !c.port_set && c.stall_ms == 300000 && !c.json,
	    "get: defaults (port 6881, stall 5m)");
	p2p_cli_free(&c);
	check_refused(refused, sizeof(refused) / sizeof(refused[0]));
}

static void test_others(void)
{
	static const struct refusal refused[] = {
		{ "seed t.torrent", "seed: DIR needed", { "TORRENT and DIR" } },
		{ "seed t.torrent dir --seed-after 1m", "seed: get's options refused",
		  { "--seed-after is not an option of seed" } },
		{ "verify t.torrent dir --peer 10.0.0.1:1", "verify: no --peer",
		  { "not an option of verify" } },
		{ "info t.torrent -f", "info: no -f", { "-f is not an option of info" } },
		{ "info t.torrent --bogus", "unknown option", { "unknown option '--bogus'" } },
		{ "fetch t.torrent", "unknown command", { "unknown command 'fetch'" } },
		{ "", "no command", { "a command is needed" } },
	};
	struct p2p_cli c;
	char err[512];
	int r;

	r = parse(&c, "seed t.torrent dir --duration 1m --port 0 --peer 10.0.0.3:6881 --quiet",
	    err, sizeof(err));
	ok(r == 0 && c.cmd == P2P_CMD_SEED && !strcmp(c.dir, "dir") && c.duration_ms == 60000 &&
	    c.port == 0 && c.port_set && c.npeers == 1 && c.quiet, "seed: options: %s", err);
	p2p_cli_free(&c);
	r = parse(&c, "verify t.torrent dir --json", err, sizeof(err));
	ok(r == 0 && c.cmd == P2P_CMD_VERIFY && c.json && !strcmp(c.target, "t.torrent"),
	    "verify: TORRENT DIR --json");
	p2p_cli_free(&c);
	r = parse(&c, "info --json t.torrent", err, sizeof(err));
	ok(r == 0 && c.cmd == P2P_CMD_INFO && c.json && !strcmp(c.target, "t.torrent"),
	    "info: options before the operand");
	p2p_cli_free(&c);
	is_int(parse(&c, "--help", err, sizeof(err)), P2P_CLI_HELP, "--help");
	p2p_cli_free(&c);
	is_int(parse(&c, "-V", err, sizeof(err)), P2P_CLI_VERSION, "-V");
	p2p_cli_free(&c);
	is_int(parse(&c, "get -h", err, sizeof(err)), P2P_CLI_HELP, "get -h");
	p2p_cli_free(&c);
	check_refused(refused, sizeof(refused) / sizeof(refused[0]));
}

int main(void)
{
	test_values();
	test_create();
	test_get();
	test_others();
	return done_testing();
}
