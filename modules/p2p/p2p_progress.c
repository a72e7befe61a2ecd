/* p2p_progress.c: what get and seed print: a one-line bar redrawn ~4x/s
 * on a terminal, a plain line every 5 s otherwise, NDJSON every second
 * with --json, and the last line (done or failed). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "p2p_cli_run.h"

#define TICKS_PER_S	4	/* p2p_cli_run.c ticks every 250 ms */
#define PLAIN_EVERY	(5 * TICKS_PER_S)
#define BAR_W		20	/* the bar and its line fit in 100 columns */

static void emit(struct json *j)
{
	p2p_cli_json_print(j);
	json_free(j);
}

/* Seconds left at the current rate, or -1 when unknown. */
static int64_t eta(const struct p2p_stats *st)
{
	if (st->have_bytes >= st->size)
		return 0;
	if (st->down_rate < 1)
		return -1;
	return (int64_t)((double)(st->size - st->have_bytes) / st->down_rate + 0.5);
}

static void fmt_eta(int64_t s, char *buf, size_t n)
{
	if (s < 0)
		snprintf(buf, n, "--:--");
	else if (s >= 3600)
		snprintf(buf, n, "%" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60), (int)(s % 60));
	else
		snprintf(buf, n, "%d:%02d", (int)(s / 60), (int)(s % 60));
}

static void progress_json(struct p2p_run *r, const struct p2p_stats *st)
{
	struct json j;
	int64_t e = eta(st);

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "progress");
	json_kv_str(&j, "state", p2p_state_name(st->state));
	json_kv_uint(&j, "pieces", st->pieces);
	json_kv_uint(&j, "npieces", st->npieces);
	json_kv_uint(&j, "bytes", st->have_bytes);
	json_kv_uint(&j, "size", st->size);
	json_kv_double(&j, "down_rate", st->down_rate);
	json_kv_double(&j, "up_rate", st->up_rate);
	json_kv_uint(&j, "peers", st->peers);
	json_kv_uint(&j, "seeds", st->seeds);
	json_kv_uint(&j, "from_peers", st->from_peers);
	json_kv_uint(&j, "from_webseeds", st->from_webseeds);
	json_kv_uint(&j, "uploaded", st->uploaded);
	json_key(&j, "eta");
	if (e < 0 || st->state != P2P_DOWNLOADING)
		json_null(&j);
	else
		json_int(&j, e);
	json_obj_end(&j);
	emit(&j);
}

/* "45.2%  3.10 MiB/s  ETA 0:12  peers 3  origin 1.20 MiB / peers 3.40 MiB" */
static void line(const struct p2p_stats *st, char *buf, size_t n)
{
	char rate[32], up[32], o[32], p[32], e[48];
	double pct = st->size ? 100.0 * (double)st->have_bytes / (double)st->size : 100.0;

	p2p_fmt_bytes((uint64_t)st->down_rate, rate, sizeof(rate));
	p2p_fmt_bytes((uint64_t)st->up_rate, up, sizeof(up));
	p2p_fmt_bytes(st->from_webseeds, o, sizeof(o));
	p2p_fmt_bytes(st->from_peers, p, sizeof(p));
	fmt_eta(eta(st), e, sizeof(e));
	if (st->state == P2P_SEEDING)
		snprintf(buf, n, "seeding  up %s/s  peers %u  uploaded %" PRIu64 " B", up, st->peers,
		    st->uploaded);
	else
		snprintf(buf, n, "%s %5.1f%%  %s/s  ETA %s  peers %u  origin %s / peers %s",
		    st->state == P2P_CHECKING ? "checking" : st->state == P2P_FINISHING ?
		    "finishing" : "", pct, rate, e, st->peers, o, p);
}

void p2p_progress_clear(struct p2p_run *r)
{
	if (r->bar_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		r->bar_shown = false;
	}
}

void p2p_progress_tick(struct p2p_run *r)
{
	struct p2p_stats st;
	char buf[256];

	if (r->c->quiet || !r->x)
		return;
	/* get's done line stays the last, also while --seed-after runs. */
	if (r->done && r->c->cmd == P2P_CMD_GET && (r->c->json || !r->tty))
		return;
	p2p_xfer_get_stats(r->x, &st);
	if (r->c->json) {
		if (r->ticks % TICKS_PER_S == 0)
			progress_json(r, &st);
		return;
	}
	line(&st, buf, sizeof(buf));
	if (r->tty) {
		char bar[BAR_W + 1];
		unsigned fill = st.size ? (unsigned)(st.have_bytes * BAR_W / st.size) : BAR_W;

		for (unsigned i = 0; i < BAR_W; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[BAR_W] = '\0';
		fprintf(stderr, "\r\033[K[%s] %s", bar, buf[0] == ' ' ? buf + 1 : buf);
		fflush(stderr);
		r->bar_shown = true;
	} else if (r->ticks % PLAIN_EVERY == 0) {
		fprintf(stderr, "%s: %s\n", r->meta.name, buf[0] == ' ' ? buf + 1 : buf);
	}
}

static const char *event_name(enum p2p_event ev)
{
	switch (ev) {
	case P2P_EV_HASH_FAIL: return "hash_fail";
	case P2P_EV_BANNED: return "banned";
	case P2P_EV_PEER: return "peer";
	default: return "warning";
	}
}

void p2p_progress_event(struct p2p_run *r, enum p2p_event ev, const char *text)
{
	struct json j;

	if (r->done && r->c->cmd == P2P_CMD_GET && r->c->json)
		return;
	if (r->c->json) {
		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "type", "event");
		json_kv_str(&j, "event", event_name(ev));
		json_kv_str(&j, "text", text);
		json_obj_end(&j);
		emit(&j);
		return;
	}
	/* Peers coming and going is noise on a terminal. */
	if (ev == P2P_EV_PEER || r->c->quiet)
		return;
	p2p_progress_clear(r);
	fprintf(stderr, "%s: %s: %s\n", P2P_PROG, event_name(ev), text);
}

void p2p_progress_done(struct p2p_run *r, const struct p2p_stats *st)
{
	double secs = (double)(r->t_done_ms - r->t0_ms) / 1000.0;
	char sz[32], rate[32], o[32], p[32], f[32];
	struct json j;

	p2p_progress_clear(r);
	if (r->c->json) {
		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "type", "done");
		json_kv_str(&j, "name", r->meta.name);
		json_kv_str(&j, "dir", r->c->dir);
		json_kv_uint(&j, "size", st->size);
		json_kv_double(&j, "seconds", secs);
		json_kv_uint(&j, "from_peers", st->from_peers);
		json_kv_uint(&j, "from_webseeds", st->from_webseeds);
		json_kv_uint(&j, "found", st->found_bytes);
		json_kv_uint(&j, "hash_fails", st->hash_fails);
		json_kv_uint(&j, "banned", st->banned);
		json_obj_end(&j);
		emit(&j);
		return;
	}
	if (r->c->quiet)
		return;
	p2p_fmt_bytes(st->size, sz, sizeof(sz));
	p2p_fmt_bytes(secs > 0 ? (uint64_t)((double)(st->size - st->found_bytes) / secs) : 0,
	    rate, sizeof(rate));
	p2p_fmt_bytes(st->from_webseeds, o, sizeof(o));
	p2p_fmt_bytes(st->from_peers, p, sizeof(p));
	p2p_fmt_bytes(st->found_bytes, f, sizeof(f));
	printf("%s: done, %s in %s/%s in %.1f s (%s/s): origin %s / peers %s, found %s, "
	    "%u hash failures, %u banned\n", r->meta.name, sz, r->c->dir, r->meta.name, secs,
	    rate, o, p, f, st->hash_fails, st->banned);
	fflush(stdout);
}

void p2p_progress_failed(struct p2p_run *r)
{
	struct json j;

	p2p_progress_clear(r);
	if (r->c->json) {
		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "type", "failed");
		json_kv_str(&j, "reason", r->reason);
		json_obj_end(&j);
		emit(&j);
	}
	fprintf(stderr, "%s: %s: %s\n", P2P_PROG, r->have_meta ? r->meta.name : r->c->target,
	    r->reason);
}

void p2p_progress_seeding(struct p2p_run *r, const struct p2p_stats *st)
{
	char sz[32];

	if (r->c->quiet || r->c->json)
		return;
	p2p_progress_clear(r);
	p2p_fmt_bytes(st->size, sz, sizeof(sz));
	printf("%s: %" PRIu32 " pieces verified (%s), seeding\n", r->meta.name, st->npieces, sz);
	fflush(stdout);
}
