/* p2p_cli_run.c: outpost-p2p get and seed: one transfer on a libop
 * loop, stopped by SIGINT/SIGTERM (the engine saves the resume file on
 * the way out), by --stall, by --seed-after / --duration, or when done;
 * with --publish the outcome goes into the [node] spool. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "json.h"
#include "p2p_cli_run.h"
#include "spool.h"

#define TICK_MS 250

static void stop(struct p2p_run *r)
{
	loop_stop(r->loop);
}

static void fail(struct p2p_run *r, const char *why)
{
	if (r->failed || r->done)
		return;
	r->failed = true;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
	stop(r);
}

static void publish(struct p2p_run *r, const char *name, const struct p2p_stats *st)
{
	char hex[41];
	const char *text;
	struct json j;
	size_t n;
	int e;

	if (!r->spool)
		return;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "name", r->have_meta ? r->meta.name : r->c->target);
	if (st) {
		p2p_meta_hex(&r->meta, hex);
		json_kv_str(&j, "info_hash", hex);
		json_kv_uint(&j, "size", st->size);
		json_kv_double(&j, "seconds", (double)(r->t_done_ms - r->t0_ms) / 1000.0);
		json_kv_uint(&j, "from_peers", st->from_peers);
		json_kv_uint(&j, "from_webseeds", st->from_webseeds);
	} else {
		json_kv_str(&j, "reason", r->reason);
	}
	json_obj_end(&j);
	if ((e = json_finish(&j, &text, &n)) == 0)
		e = spool_emit(r->spool, "p2p", name, text, NULL);
	if (e < 0) {
		fprintf(stderr, "%s: spool: cannot record p2p/%s: %s\n", P2P_PROG, name,
		    strerror(-e));
		r->rc = P2P_EXIT_SYSTEM;
	}
	json_free(&j);
}

static void on_end_timer(struct loop *l, void *arg)
{
	struct p2p_run *r = arg;

	r->end_timer = 0;
	stop(r);
}

static void complete(struct p2p_run *r)
{
	struct p2p_stats st;

	p2p_xfer_get_stats(r->x, &st);
	if (r->c->cmd == P2P_CMD_SEED) {
		if (!r->seeding_said) {
			r->seeding_said = true;
			p2p_progress_seeding(r, &st);
		}
		return;
	}
	if (r->done)
		return;
	r->done = true;
	r->t_done_ms = loop_now_ms();
	p2p_progress_done(r, &st);
	publish(r, "done", &st);
	if (!r->c->seed_after_ms)
		stop(r);
	else
		r->end_timer = loop_timer_add(r->loop, r->c->seed_after_ms, on_end_timer, r);
}

static void on_event(struct p2p_xfer *x, enum p2p_event ev, const char *text, void *arg)
{
	struct p2p_run *r = arg;
	struct p2p_stats st;

	if (!r->x)
		r->x = x;	/* an event from inside p2p_xfer_start */
	switch (ev) {
	case P2P_EV_DONE:
		complete(r);
		break;
	case P2P_EV_STATE:
		p2p_xfer_get_stats(x, &st);
		if (st.state == P2P_SEEDING)
			complete(r);
		else if (st.state == P2P_FAILED)
			fail(r, st.error[0] ? st.error : text ? text : "failed");
		break;
	case P2P_EV_FAILED:
		fail(r, text && text[0] ? text : "failed");
		break;
	default:
		p2p_progress_event(r, ev, text ? text : "");
		break;
	}
}

/* Every tick: progress, and --stall (no verified byte for that long
 * while downloading). */
static void on_tick(struct loop *l, void *arg)
{
	struct p2p_run *r = arg;
	struct p2p_stats st;
	uint64_t now = loop_now_ms();
	char why[128], d[32];

	r->tick_timer = loop_timer_add(l, TICK_MS, on_tick, r);
	r->ticks++;
	if (!r->x)
		return;
	p2p_xfer_get_stats(r->x, &st);
	if (st.have_bytes != r->last_have || st.state != P2P_DOWNLOADING) {
		r->last_have = st.have_bytes;
		r->last_have_ms = now;
	} else if (r->c->cmd == P2P_CMD_GET && !r->done &&
	    now - r->last_have_ms >= r->c->stall_ms) {
		unsigned long long ms = r->c->stall_ms;

		if (ms % 60000 == 0)
			snprintf(d, sizeof(d), "%llum", ms / 60000);
		else if (ms % 1000 == 0)
			snprintf(d, sizeof(d), "%llus", ms / 1000);
		else
			snprintf(d, sizeof(d), "%llums", ms);
		snprintf(why, sizeof(why), "stalled: no verified data for %s", d);
		fail(r, why);
		return;
	}
	p2p_progress_tick(r);
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct p2p_run *r = arg;

	r->interrupted = true;
	if (r->c->cmd == P2P_CMD_GET && !r->done)
		fail(r, signo == SIGINT ? "interrupted" : "terminated");
	stop(r);
}

/* The TORRENT given as a URL, fetched before anything starts. */
static void on_torrent(int status, const uint8_t *body, size_t n, const char *why, void *arg)
{
	struct p2p_run *r = arg;
	char msg[512];
	int e;

	r->req = NULL;
	stop(r);
	if (status < 0) {
		fprintf(stderr, "%s: %s: %s\n", P2P_PROG, r->c->target, why && why[0] ? why :
		    strerror(-status));
		r->rc = P2P_EXIT_FAIL;
		return;
	}
	if ((e = p2p_meta_parse(body, n, &r->meta, msg, sizeof(msg))) < 0) {
		fprintf(stderr, "%s: %s: %s\n", P2P_PROG, r->c->target, msg[0] ? msg :
		    strerror(-e));
		r->rc = e == -ENOMEM ? P2P_EXIT_SYSTEM : P2P_EXIT_USAGE;
		return;
	}
	r->have_meta = true;
}

static int fetch_torrent(struct p2p_run *r)
{
	char why[512] = "";
	int e;

	if (!(r->tls = p2p_tls_ctx_new(r->c->ca_file, why, sizeof(why)))) {
		fprintf(stderr, "%s: tls: %s\n", P2P_PROG, why[0] ? why : "cannot set up");
		return r->c->ca_file ? P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
	}
	e = p2p_http_get_start(r->loop, r->res, r->tls, r->c->target, P2P_MAX_TORRENT_SIZE,
	    on_torrent, r, &r->req);
	if (e < 0) {
		fprintf(stderr, "%s: %s: %s\n", P2P_PROG, r->c->target, strerror(-e));
		return e == -EINVAL ? P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
	}
	r->rc = -1;
	if (loop_run(r->loop) < 0)
		return P2P_EXIT_SYSTEM;
	if (r->interrupted)
		return P2P_EXIT_FAIL;
	return r->have_meta ? 0 : r->rc < 0 ? P2P_EXIT_FAIL : r->rc;
}

/* The context, on 6881..6889 unless --port was given. */
static int start_ctx(struct p2p_run *r)
{
	const struct p2p_cli *c = r->c;
	struct p2p_ctx_opts o = {
		.listen_addr = c->bind, .lsd = !c->no_lsd && !r->meta.private_,
		.global = { .up_rate = c->max_upload_rate, .down_rate = c->max_rate },
		.ca_file = c->ca_file, .client = "Outpost/" PACKAGE_VERSION,
	};
	unsigned tries = c->port_set || c->port == 0 ? 1 : P2P_PORT_TRIES;
	char why[512] = "";
	int e = 0;

	/* --port 0 is "do not listen", also with --bind (the engine would
	 * take an address with port 0 for an ephemeral port). */
	if (c->port == 0)
		o.listen_addr = NULL;

	for (unsigned i = 0; i < tries; i++) {
		o.listen_port = (uint16_t)(c->port + i);
		why[0] = '\0';
		e = p2p_ctx_new(r->loop, r->res, &o, &r->ctx, why, sizeof(why));
		if (e != -EADDRINUSE)
			break;
	}
	if (e < 0) {
		snprintf(r->reason, sizeof(r->reason), "%s", why[0] ? why : strerror(-e));
		fprintf(stderr, "%s: %s\n", P2P_PROG, r->reason);
		if (c->cmd == P2P_CMD_GET)
			publish(r, "failed", NULL);
		return e == -EINVAL ? P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
	}
	return 0;
}

static int start_xfer(struct p2p_run *r)
{
	const struct p2p_cli *c = r->c;
	struct p2p_xfer_opts o = {
		.meta = &r->meta, .dir = c->dir, .seed_only = c->cmd == P2P_CMD_SEED,
		.peers = r->peers, .npeers = c->npeers, .no_trackers = c->no_trackers,
		.no_webseeds = c->no_webseeds, .no_lsd = c->no_lsd,
		.limits = { .up_rate = c->max_upload_rate, .down_rate = c->max_rate,
			    .max_peers = c->max_peers },
		.cb = on_event, .arg = r,
	};
	char why[512] = "";
	struct p2p_xfer *x = NULL;
	int e;

	e = p2p_xfer_start(r->ctx, &o, &x, why, sizeof(why));
	if (e < 0) {
		r->x = NULL;
		snprintf(r->reason, sizeof(r->reason), "%s", why[0] ? why : strerror(-e));
		fprintf(stderr, "%s: %s: %s\n", P2P_PROG, r->meta.name, r->reason);
		if (c->cmd == P2P_CMD_GET) {
			r->failed = true;
			publish(r, "failed", NULL);
		}
		return e == -EILSEQ || e == -ENOENT ? P2P_EXIT_FAIL :
		    e == -EINVAL || e == -ENOTDIR ? P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
	}
	r->x = x;
	return 0;
}

/* --peer ADDR:PORT, numeric only: refused before anything starts. */
static int parse_peers(struct p2p_run *r)
{
	const struct p2p_cli *c = r->c;

	if (!c->npeers)
		return 0;
	if (!(r->peers = calloc(c->npeers, sizeof(*r->peers)))) {
		fprintf(stderr, "%s: %s\n", P2P_PROG, strerror(ENOMEM));
		return P2P_EXIT_SYSTEM;
	}
	for (size_t i = 0; i < c->npeers; i++)
		if (p2p_addr_parse(c->peers[i], &r->peers[i]) < 0) {
			fprintf(stderr, "%s: %s: --peer: '%s' is not ADDR:PORT (192.0.2.1:6881, "
			    "[2001:db8::1]:6881)\n", P2P_PROG, c->cmd == P2P_CMD_GET ? "get" : "seed",
			    c->peers[i]);
			return P2P_EXIT_USAGE;
		}
	return 0;
}

static int prepare(struct p2p_run *r)
{
	const struct conf_opts copts = { .schema = &conf_schema_outpost };
	const struct p2p_cli *c = r->c;
	int e;

	if ((e = parse_peers(r)) != 0)
		return e;
	if ((c->publish || c->config) && cli_tool_config(c->config, &copts, &r->conf) < 0)
		return P2P_EXIT_USAGE;
	if (c->publish && cli_tool_spool(P2P_PROG, r->conf, &r->spool) < 0)
		return P2P_EXIT_SYSTEM;
	if ((e = loop_new(&r->loop)) < 0 || (e = resolver_new(r->loop, NULL, &r->res)) < 0) {
		fprintf(stderr, "%s: %s\n", P2P_PROG, strerror(-e));
		return P2P_EXIT_SYSTEM;
	}
	if (loop_signal_add(r->loop, SIGINT, on_signal, r) < 0 ||
	    loop_signal_add(r->loop, SIGTERM, on_signal, r) < 0) {
		fprintf(stderr, "%s: signals: %s\n", P2P_PROG, strerror(errno));
		return P2P_EXIT_SYSTEM;
	}
	if (c->cmd == P2P_CMD_GET &&
	    (!strncmp(c->target, "http://", 7) || !strncmp(c->target, "https://", 8)))
		return fetch_torrent(r);
	if ((e = p2p_cli_load(c->target, &r->meta)) == 0)
		r->have_meta = true;
	return e;
}

int p2p_cmd_run(const struct p2p_cli *c)
{
	struct p2p_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.tty = isatty(STDERR_FILENO) && !c->json && !c->quiet;
	rc = prepare(&r);
	if (rc != 0 && r.interrupted)
		p2p_progress_failed(&r);	/* ^C while fetching the torrent */
	if (rc == 0)
		rc = start_ctx(&r);
	if (rc == 0) {
		r.t0_ms = r.last_have_ms = loop_now_ms();
		rc = start_xfer(&r);
	}
	if (rc == 0) {
		r.tick_timer = loop_timer_add(r.loop, TICK_MS, on_tick, &r);
		if (c->cmd == P2P_CMD_SEED && c->duration_ms)
			r.end_timer = loop_timer_add(r.loop, c->duration_ms, on_end_timer, &r);
		if (!r.failed && (!r.done || r.end_timer) && loop_run(r.loop) < 0)
			r.rc = P2P_EXIT_SYSTEM;
		p2p_progress_clear(&r);
		if (c->cmd == P2P_CMD_SEED && !r.failed && r.x) {
			struct p2p_stats st;

			p2p_xfer_get_stats(r.x, &st);
			if (st.state == P2P_FAILED) {
				r.failed = true;
				snprintf(r.reason, sizeof(r.reason), "%s", st.error);
			} else if (st.state != P2P_CHECKING && st.pieces < st.npieces) {
				/* Seeding less than all of it is not seeding it. */
				r.failed = true;
				snprintf(r.reason, sizeof(r.reason), "%u of %u pieces do not match",
				    st.npieces - st.pieces, st.npieces);
			}
		}
		if (r.failed) {
			p2p_progress_failed(&r);
			if (c->cmd == P2P_CMD_GET)
				publish(&r, "failed", NULL);
			rc = P2P_EXIT_FAIL;
		} else if (c->cmd == P2P_CMD_GET && !r.done) {
			rc = P2P_EXIT_FAIL;
		}
		if (r.rc > 0 && rc == 0)
			rc = r.rc;
	}
	/* The engine saves the resume file and says "stopped" here. */
	p2p_xfer_free(r.x);
	p2p_ctx_free(r.ctx);
	p2p_http_req_free(r.req);
	resolver_free(r.res);
	if (r.tls)
		SSL_CTX_free(r.tls);
	loop_free(r.loop);
	if (r.have_meta)
		p2p_meta_free(&r.meta);
	spool_close(r.spool);
	free(r.peers);
	conf_free(r.conf);
	return rc;
}
