/* p2pd_xfer.c: the daemon's transfers: added (a .torrent in torrents/
 * and its record), started on the engine, reported as device events
 * (p2p/started, p2p/progress at most every progress-interval, p2p/done
 * with time and origin and LAN bytes, p2p/failed, p2p/verify-failed),
 * seeded for seed-time after they finish, removed on request.
 * (owner: region) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bencode.h"
#include "json.h"
#include "log.h"
#include "p2pd.h"
#include "store_int.h"

#define STATE_MAX	4096
/* the counters of a record, not the content: cheap to write, and what a
 * SIGKILL loses of them is at most this much */
#define SAVE_EVERY_MS	5000

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- the record, torrents/HEX.state ---- */

static int state_save(struct p2pd_xfer *t, bool durable)
{
	struct wire_buf b;
	char name[P2PD_HEX_LEN + 8];
	int r;

	wire_buf_init(&b);
	benc_put_dict(&b);	/* keys in sorted order, as bencode wants */
	benc_put_cstr(&b, "added");
	benc_put_int(&b, t->added);
	benc_put_cstr(&b, "done");
	benc_put_int(&b, t->done);
	benc_put_cstr(&b, "lan");
	benc_put_int(&b, (int64_t)t->lan_bytes);
	benc_put_cstr(&b, "ms");
	benc_put_int(&b, (int64_t)(t->seconds * 1000));
	benc_put_cstr(&b, "origin");
	benc_put_int(&b, (int64_t)t->origin_bytes);
	benc_put_cstr(&b, "url");
	benc_put_cstr(&b, t->url);
	benc_put_end(&b);
	snprintf(name, sizeof(name), "%s.state", t->hex);
	r = wire_buf_error(&b) ? -ENOMEM :
	    p2pd_write_file(t->d->torrents_fd, name, b.data, b.len, durable);
	wire_buf_free(&b);
	if (r < 0)
		log_warn("%s: cannot save its record: %s", t->meta.name, strerror(-r));
	return r;
}

static void state_load(struct p2pd_xfer *t)
{
	char name[P2PD_HEX_LEN + 8], why[128];
	const struct benc *u;
	struct benc_doc doc;
	uint8_t *buf;
	size_t len;
	int64_t v;

	snprintf(name, sizeof(name), "%s.state", t->hex);
	if (p2pd_read_file(t->d->torrents_fd, name, STATE_MAX, &buf, &len) < 0)
		return;	/* none or unreadable: a fresh record; content re-verifies */
	if (benc_decode(buf, len, &doc, why, sizeof(why)) == 0) {
		if (benc_get_int(doc.root, "added", &v) && v > 0)
			t->added = v;
		if (benc_get_int(doc.root, "done", &v) && v >= 0)
			t->done = v;
		if (benc_get_int(doc.root, "lan", &v) && v >= 0)
			t->lan_bytes = (uint64_t)v;
		if (benc_get_int(doc.root, "origin", &v) && v >= 0)
			t->origin_bytes = (uint64_t)v;
		if (benc_get_int(doc.root, "ms", &v) && v >= 0)
			t->seconds = (double)v / 1000.0;
		u = benc_get_str(doc.root, "url");
		if (u && u->len < sizeof(t->url)) {
			memcpy(t->url, u->s, u->len);
			t->url[u->len] = '\0';
		}
		benc_doc_free(&doc);
	} else {
		log_warn("%s: its record is damaged (%s): starting a fresh one", t->meta.name, why);
	}
	free(buf);
}

/* ---- events ---- */

static void emit(struct p2pd_xfer *t, const char *name, struct json *j)
{
	const char *text;
	size_t n;
	int r;

	json_obj_end(j);
	if (!t->d->spool) {
		json_free(j);
		return;
	}
	if ((r = json_finish(j, &text, &n)) == 0)
		r = spool_emit(t->d->spool, "p2p", name, text, NULL);
	if (r < 0)
		log_warn("%s: cannot record p2p/%s: %s", t->meta.name, name, strerror(-r));
	json_free(j);
}

static void event_begin(const struct p2pd_xfer *t, struct json *j)
{
	json_init(j);
	json_obj_begin(j);
	json_kv_str(j, "name", t->meta.name);
	json_kv_str(j, "info_hash", t->hex);
	json_kv_uint(j, "size", t->meta.size);
}

static void totals(struct p2pd_xfer *t, const struct p2p_stats *st)
{
	t->origin_bytes = t->base_origin + st->from_webseeds;
	t->lan_bytes = t->base_lan + st->from_peers;
}

static void on_done(struct p2pd_xfer *t)
{
	struct p2p_stats st;
	struct json j;

	if (t->done)
		return;
	p2p_xfer_get_stats(t->x, &st);
	totals(t, &st);
	t->done = now_s();
	t->seconds += (double)(loop_now_ms() - t->run_start_ms) / 1000.0;
	state_save(t, true);
	log_notice("%s: done in %.1f s, %llu bytes from the origin, %llu from the LAN",
	    t->meta.name, t->seconds, (unsigned long long)t->origin_bytes,
	    (unsigned long long)t->lan_bytes);
	event_begin(t, &j);
	json_kv_double(&j, "seconds", t->seconds);
	json_kv_uint(&j, "origin_bytes", t->origin_bytes);
	json_kv_uint(&j, "lan_bytes", t->lan_bytes);
	emit(t, "done", &j);
}

static void on_failed(struct p2pd_xfer *t, const char *why)
{
	struct json j;

	if (t->failed)
		return;
	t->failed = true;
	snprintf(t->error, sizeof(t->error), "%s", why && why[0] ? why : "failed");
	log_err("%s: failed: %s", t->meta.name, t->error);
	event_begin(t, &j);
	json_kv_str(&j, "reason", t->error);
	emit(t, "failed", &j);
}

static void on_event(struct p2p_xfer *x, enum p2p_event ev, const char *text, void *arg)
{
	struct p2pd_xfer *t = arg;
	struct p2p_stats st;
	struct json j;

	if (!t->x)
		t->x = x;	/* from inside p2p_xfer_start */
	switch (ev) {
	case P2P_EV_DONE:
		on_done(t);
		break;
	case P2P_EV_STATE:
		p2p_xfer_get_stats(x, &st);
		if (st.state == P2P_SEEDING) {
			on_done(t);
		} else if (st.state == P2P_FAILED) {
			on_failed(t, st.error[0] ? st.error : text);
		} else if (st.state == P2P_FINISHING) {
			/* every byte is in; the final check takes a while and
			 * a kill meanwhile must not lose the counts */
			totals(t, &st);
			state_save(t, false);
		}
		break;
	case P2P_EV_FAILED:
		on_failed(t, text);
		break;
	case P2P_EV_HASH_FAIL:
		log_warn("%s: %s", t->meta.name, text ? text : "a piece did not verify");
		event_begin(t, &j);
		json_kv_str(&j, "what", text ? text : "");
		emit(t, "verify-failed", &j);
		break;
	case P2P_EV_BANNED:
	case P2P_EV_WARNING:
		log_warn("%s: %s", t->meta.name, text ? text : "");
		break;
	default:
		log_debug("%s: %s", t->meta.name, text ? text : "");
		break;
	}
}

/* ---- starting and stopping ---- */

static bool seed_time_over(const struct p2pd_xfer *t)
{
	return t->done && (uint64_t)(now_s() - t->done) * 1000 >= t->d->set.seed_time_ms;
}

/* Each transfer's own limits (the rates are the daemon's, over all). */
static struct p2p_limits xfer_limits(const struct p2pd *d)
{
	struct p2p_limits lim = { .max_peers = d->set.max_peers, .max_buffer = d->set.max_buffer };

	return lim;
}

static int start(struct p2pd_xfer *t, char *why, size_t whylen)
{
	struct p2pd *d = t->d;
	char dir[P2PD_PATH_MAX * 2];
	struct p2p_xfer_opts o;
	int fd, r;

	if ((r = p2p_fs_opendir(d->content_fd, t->hex, 0750, &fd)) < 0) {
		snprintf(why, whylen, "%s/%s/%s: %s", d->set.data_dir, P2PD_DIR_CONTENT, t->hex,
		    strerror(-r));
		return r;
	}
	close(fd);
	snprintf(dir, sizeof(dir), "%s/%s/%s", d->set.data_dir, P2PD_DIR_CONTENT, t->hex);
	memset(&o, 0, sizeof(o));
	o.meta = &t->meta;
	o.dir = dir;
	o.no_lsd = !d->set.lsd;
	o.trackers = d->set.trackers;
	o.ntrackers = d->set.ntrackers;
	o.limits = xfer_limits(d);
	o.region = d->set.region[0] ? &d->set.rg : NULL;
	o.cb = on_event;
	o.arg = t;
	t->run_start_ms = loop_now_ms();
	t->base_origin = t->origin_bytes;
	t->base_lan = t->lan_bytes;
	t->failed = false;
	t->error[0] = '\0';
	r = p2p_xfer_start(d->ctx, &o, &t->x, why, whylen);
	if (r < 0)
		t->x = NULL;
	return r;
}

static struct p2pd_xfer *xfer_new(struct p2pd *d, const uint8_t *buf, size_t len, char *why,
    size_t whylen)
{
	struct p2pd_xfer *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	t->d = d;
	if (p2p_meta_parse(buf, len, &t->meta, why, whylen) < 0) {
		free(t);
		return NULL;
	}
	p2p_meta_hex(&t->meta, t->hex);
	return t;
}

static void link_in(struct p2pd *d, struct p2pd_xfer *t)
{
	t->next = d->xfers;
	d->xfers = t;
}

int p2pd_xfer_add(struct p2pd *d, const uint8_t *buf, size_t len, const char *url,
    struct p2pd_xfer **out, char *why, size_t whylen)
{
	char name[P2PD_HEX_LEN + 16];
	struct p2pd_xfer *t, *old;
	int r;

	*out = NULL;
	if (!(t = xfer_new(d, buf, len, why, whylen)))
		return -EINVAL;
	if ((old = p2pd_xfer_find(d, t->hex)) != NULL) {
		p2p_meta_free(&t->meta);
		free(t);
		*out = old;
		return -EEXIST;
	}
	snprintf(name, sizeof(name), "%s.torrent", t->hex);
	if ((r = p2pd_write_file(d->torrents_fd, name, buf, len, true)) < 0) {
		snprintf(why, whylen, "%s/%s/%s: %s", d->set.data_dir, P2PD_DIR_TORRENTS, name,
		    strerror(-r));
		p2p_meta_free(&t->meta);
		free(t);
		return r;
	}
	snprintf(t->url, sizeof(t->url), "%s", url ? url : "");
	t->added = now_s();
	state_save(t, true);
	link_in(d, t);
	if ((r = start(t, why, whylen)) < 0) {
		on_failed(t, why);
	} else {
		struct json j;

		event_begin(t, &j);	/* once: a resume after a restart is no start */
		emit(t, "started", &j);
	}
	log_notice("added %s (%s, %llu bytes)%s%s", t->meta.name, t->hex,
	    (unsigned long long)t->meta.size, url ? " from " : "", url ? url : "");
	*out = t;
	return 0;
}

int p2pd_xfers_load(struct p2pd *d)
{
	int fd = dup(d->torrents_fd);
	struct dirent *e;
	DIR *dir;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);
		char why[256];
		struct p2pd_xfer *t;
		uint8_t *buf;
		size_t len;
		int r;

		if (n != P2PD_HEX_LEN + 8 || strcmp(e->d_name + P2PD_HEX_LEN, ".torrent") != 0)
			continue;
		r = p2pd_read_file(d->torrents_fd, e->d_name, P2P_MAX_TORRENT_SIZE, &buf, &len);
		if (r < 0) {
			log_warn("%s/%s: %s", P2PD_DIR_TORRENTS, e->d_name, strerror(-r));
			continue;
		}
		t = xfer_new(d, buf, len, why, sizeof(why));
		free(buf);
		if (!t) {
			log_warn("%s/%s: %s", P2PD_DIR_TORRENTS, e->d_name, why);
			continue;
		}
		if (p2pd_xfer_find(d, t->hex)) {
			p2p_meta_free(&t->meta);
			free(t);
			continue;
		}
		state_load(t);
		if (!t->added)
			t->added = now_s();
		link_in(d, t);
		if (seed_time_over(t)) {
			log_info("%s: done, seed time over: not seeding", t->meta.name);
			continue;
		}
		if (start(t, why, sizeof(why)) < 0)
			on_failed(t, why);
		else
			log_notice("resumed %s (%s)", t->meta.name, t->done ? "seeding" : "downloading");
	}
	closedir(dir);
	return 0;
}

struct p2pd_xfer *p2pd_xfer_find(struct p2pd *d, const char *key)
{
	for (struct p2pd_xfer *t = d->xfers; t; t = t->next)
		if (strcasecmp(t->hex, key) == 0 || strcmp(t->meta.name, key) == 0)
			return t;
	return NULL;
}

static void stop_engine(struct p2pd_xfer *t)
{
	struct p2p_stats st;

	if (!t->x)
		return;
	p2p_xfer_get_stats(t->x, &st);
	totals(t, &st);
	if (!t->done)
		t->seconds += (double)(loop_now_ms() - t->run_start_ms) / 1000.0;
	p2p_xfer_free(t->x);
	t->x = NULL;
}

static void xfer_free(struct p2pd_xfer *t)
{
	stop_engine(t);
	p2p_meta_free(&t->meta);
	free(t);
}

void p2pd_xfer_remove(struct p2pd_xfer *t)
{
	struct p2pd *d = t->d;
	char name[P2PD_HEX_LEN + 16];
	int r;

	for (struct p2pd_xfer **pp = &d->xfers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	stop_engine(t);
	snprintf(name, sizeof(name), "%s.torrent", t->hex);
	(void)unlinkat(d->torrents_fd, name, 0);
	snprintf(name, sizeof(name), "%s.state", t->hex);
	(void)unlinkat(d->torrents_fd, name, 0);
	if ((r = p2pd_remove_tree(d->content_fd, t->hex)) < 0)
		log_warn("%s: cannot remove its content: %s", t->meta.name, strerror(-r));
	log_notice("removed %s (%s)", t->meta.name, t->hex);
	xfer_free(t);
}

static void progress(struct p2pd_xfer *t, uint64_t now)
{
	struct p2p_stats st;
	struct json j;

	p2p_xfer_get_stats(t->x, &st);
	totals(t, &st);
	if (st.state != P2P_DOWNLOADING || now - t->last_progress_ms < t->d->set.progress_ms)
		return;
	t->last_progress_ms = now;
	event_begin(t, &j);
	json_kv_uint(&j, "bytes", st.have_bytes);
	json_kv_double(&j, "percent", st.size ? 100.0 * (double)st.have_bytes / (double)st.size : 100);
	json_kv_uint(&j, "origin_bytes", t->origin_bytes);
	json_kv_uint(&j, "lan_bytes", t->lan_bytes);
	json_kv_double(&j, "rate", st.down_rate);
	json_kv_uint(&j, "peers", st.peers);
	emit(t, "progress", &j);
}

void p2pd_xfers_tick(struct p2pd *d)
{
	uint64_t now = loop_now_ms();
	bool save = now - d->last_save_ms >= SAVE_EVERY_MS;

	if (save)
		d->last_save_ms = now;
	for (struct p2pd_xfer *t = d->xfers; t; t = t->next) {
		if (!t->x)
			continue;
		if (!t->last_progress_ms)
			t->last_progress_ms = now;	/* the first after a full interval */
		progress(t, now);
		if (t->done && seed_time_over(t)) {
			log_notice("%s: seed time over: stops seeding", t->meta.name);
			stop_engine(t);
			state_save(t, false);
			continue;
		}
		if (save && !t->done)
			state_save(t, false);
	}
}

void p2pd_xfers_reload(struct p2pd *d, bool restart)
{
	struct p2p_limits lim = xfer_limits(d);
	char why[256];

	for (struct p2pd_xfer *t = d->xfers; t; t = t->next) {
		bool running = t->x != NULL;

		if (running && !restart) {
			p2p_xfer_set_limits(t->x, &lim);
			continue;
		}
		if (!running && (t->failed || !t->done || seed_time_over(t)))
			continue;
		if (running) {
			/* verified pieces stay: the resume file has them */
			stop_engine(t);
			state_save(t, false);
		}
		if (start(t, why, sizeof(why)) < 0)
			on_failed(t, why);
		else if (running)
			log_notice("%s: runs again with the new settings", t->meta.name);
		else
			log_notice("%s: seeds again: the seed time is longer now", t->meta.name);
	}
}

void p2pd_xfers_free(struct p2pd *d)
{
	while (d->xfers) {
		struct p2pd_xfer *t = d->xfers;

		d->xfers = t->next;
		stop_engine(t);
		state_save(t, false);
		xfer_free(t);
	}
}

void p2pd_xfer_json(const struct p2pd_xfer *t, struct json *j)
{
	struct p2p_stats st;
	const char *state;

	memset(&st, 0, sizeof(st));
	if (t->x)
		p2p_xfer_get_stats(t->x, &st);
	state = t->failed ? "failed" : t->x ? p2p_state_name(st.state) :
	    t->done ? "finished" : "stopped";
	json_obj_begin(j);
	json_kv_str(j, "name", t->meta.name);
	json_kv_str(j, "info_hash", t->hex);
	json_kv_str(j, "state", state);
	json_kv_uint(j, "size", t->meta.size);
	json_kv_uint(j, "bytes", t->x ? st.have_bytes : t->done ? t->meta.size : 0);
	json_kv_uint(j, "pieces", st.pieces);
	json_kv_uint(j, "npieces", t->meta.npieces);
	json_kv_uint(j, "origin_bytes", t->x ? t->base_origin + st.from_webseeds : t->origin_bytes);
	json_kv_uint(j, "lan_bytes", t->x ? t->base_lan + st.from_peers : t->lan_bytes);
	json_kv_uint(j, "uploaded", st.uploaded);
	json_kv_double(j, "down_rate", st.down_rate);
	json_kv_double(j, "up_rate", st.up_rate);
	json_kv_uint(j, "peers", st.peers);
	json_kv_uint(j, "seeds", st.seeds);
	json_kv_int(j, "added", t->added);
	json_kv_int(j, "done", t->done);
	if (t->done)
		json_kv_double(j, "seconds", t->seconds);
	if (t->failed)
		json_kv_str(j, "error", t->error);
	if (t->url[0])
		json_kv_str(j, "url", t->url);
	json_obj_end(j);
}
