/* p2p_cli_run.h: one get or seed on the engine, shared by the driver
 * (p2p_cli_run.c) and what it prints (p2p_progress.c). (owner: tool) */
#ifndef OUTPOST_P2P_CLI_RUN_H
#define OUTPOST_P2P_CLI_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "p2p.h"
#include "p2p_cli.h"

struct conf;
struct spool;

struct p2p_run {
	const struct p2p_cli	*c;
	struct loop		*loop;
	struct resolver		*res;
	SSL_CTX			*tls;		/* for a TORRENT given by URL */
	struct p2p_http_req	*req;
	struct p2p_ctx		*ctx;
	struct p2p_xfer		*x;
	struct p2p_addr		*peers;		/* the --peer arguments */
	struct p2p_meta		meta;
	bool			have_meta;
	struct conf		*conf;
	struct spool		*spool;
	uint64_t		t0_ms, t_done_ms;
	uint64_t		last_have, last_have_ms;	/* for --stall */
	uint64_t		tick_timer, end_timer;
	unsigned		ticks;
	bool			tty;		/* stderr is a terminal: the bar */
	bool			bar_shown;
	bool			done, failed, interrupted, seeding_said;
	char			reason[512];
	int			rc;		/* a status set before the loop ran */
};

/* p2p_progress.c */
/* The progress the run prints now (bar, plain line or JSON), as due. */
void p2p_progress_tick(struct p2p_run *r);
/* Clear the bar before other output. */
void p2p_progress_clear(struct p2p_run *r);
/* An engine event worth telling (hash_fail, banned, peer, warning). */
void p2p_progress_event(struct p2p_run *r, enum p2p_event ev, const char *text);
/* The last line: done (with the stats) or failed (r->reason). */
void p2p_progress_done(struct p2p_run *r, const struct p2p_stats *st);
void p2p_progress_failed(struct p2p_run *r);
/* seed: the content verified, seeding now. */
void p2p_progress_seeding(struct p2p_run *r, const struct p2p_stats *st);

#endif
