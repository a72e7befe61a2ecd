/* p2p_cli.h: outpost-p2p's command line, parsed in one place, and the
 * commands it runs. The parser returns its refusals as text (for the
 * unit test); main prints them. (owner: tool) */
#ifndef OUTPOST_P2P_CLI_H
#define OUTPOST_P2P_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define P2P_PROG "outpost-p2p"

/* Exit statuses of outpost-p2p(1). */
enum p2p_exit {
	P2P_EXIT_OK = 0,
	P2P_EXIT_FAIL = 1,	/* the transfer failed, content does not verify */
	P2P_EXIT_USAGE = 2,	/* bad arguments, config, a refused .torrent */
	P2P_EXIT_SYSTEM = 3,
};

enum p2p_cmd {
	P2P_CMD_CREATE, P2P_CMD_INFO, P2P_CMD_GET, P2P_CMD_SEED, P2P_CMD_VERIFY,
	/* the daemon's, through its control socket (p2p_cli_ctl.c) */
	P2P_CMD_ADD, P2P_CMD_LIST, P2P_CMD_REMOVE, P2P_CMD_STATUS,
};

/* What p2p_cli_parse returns besides 0 and -EINVAL. */
#define P2P_CLI_HELP	1
#define P2P_CLI_VERSION	2

#define P2P_DEFAULT_PORT	6881
#define P2P_PORT_TRIES		9		/* 6881..6889 */
#define P2P_DEFAULT_STALL_MS	(5 * 60 * 1000)

struct p2p_cli {
	enum p2p_cmd	cmd;
	const char	*target;	/* create PATH; the TORRENT (or URL for get) */
	const char	*dir;		/* get -o DIR; seed and verify DIR */
	const char	*out;		/* create -o FILE */
	/* create */
	const char	**webseeds, **trackers;	/* into argv */
	size_t		nwebseeds, ntrackers;
	int		version;	/* P2P_V1, P2P_V2, P2P_HYBRID */
	uint32_t	piece_len;	/* 0: chosen from the size */
	bool		private_, force;
	const char	*comment;
	/* get, seed */
	const char	**peers;	/* --peer ADDR:PORT, checked by get and seed */
	size_t		npeers;
	uint16_t	port;
	bool		port_set;
	const char	*bind;
	bool		no_lsd, no_trackers, no_webseeds;
	uint64_t	seed_after_ms, duration_ms, stall_ms;
	uint64_t	max_rate, max_upload_rate;	/* bytes/s, 0: unlimited */
	unsigned	max_peers;
	const char	*ca_file, *config;
	bool		json, quiet, publish;
};

/* Parse argv (argv[1] the command, or -h/-V) into c, which the caller
 * releases with p2p_cli_free. 0, P2P_CLI_HELP, P2P_CLI_VERSION, or
 * -EINVAL / -ENOMEM with err holding one line naming the option, the
 * value and what was expected. */
int p2p_cli_parse(struct p2p_cli *c, int argc, char **argv, char *err, size_t errlen);
void p2p_cli_free(struct p2p_cli *c);
/* The usage text, equal to the SYNOPSIS of outpost-p2p(1). */
void p2p_cli_usage(FILE *fp);

/* Values (p2p_cli_value.c): 0 or -EINVAL with err set. */
int p2p_cli_rate(const char *s, uint64_t *bytes_per_s, char *err, size_t errlen);
int p2p_cli_duration(const char *s, uint64_t *ms, char *err, size_t errlen);
int p2p_cli_size(const char *s, uint64_t *bytes, char *err, size_t errlen);

/* "1.5 MiB", "300 B". */
void p2p_fmt_bytes(uint64_t n, char *buf, size_t len);

struct p2p_meta;
struct json;
/* "v1", "v2" or "hybrid". */
const char *p2p_cli_version_name(int version);
/* Hex of the v1 info-hash (40) and of the v2 one (64); "" when the
 * torrent has not that version. */
void p2p_cli_hashes(const struct p2p_meta *m, char h1[41], char h2[65]);
/* The fields create and info share: name, size, pieces, piece_size,
 * version, info_hash, info_hash_v2 (null when absent). */
void p2p_cli_json_meta(struct json *j, const struct p2p_meta *m);
/* Load TORRENT, printing why it is refused: 0 or an exit status. */
int p2p_cli_load(const char *path, struct p2p_meta *m);
/* Print one finished JSON document and a newline on stdout. */
int p2p_cli_json_print(struct json *j);

/* The commands: each returns an exit status. */
int p2p_cmd_create(const struct p2p_cli *c);	/* p2p_cli_create.c */
int p2p_cmd_info(const struct p2p_cli *c);	/* p2p_cli_info.c */
int p2p_cmd_verify(const struct p2p_cli *c);	/* p2p_cli_verify.c */
int p2p_cmd_run(const struct p2p_cli *c);	/* get and seed: p2p_cli_run.c */
/* add, list, remove, status: p2p_cli_ctl.c */
int p2p_cmd_ctl(const struct p2p_cli *c);

#endif
