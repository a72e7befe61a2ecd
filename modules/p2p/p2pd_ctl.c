/* p2pd_ctl.c: outpost-p2pd's control socket. Requests (one line, see
 * p2pd.h) are answered at once with one JSON object and a newline:
 *   add-file NAME   take incoming/NAME (outpost-p2p add put it there)
 *   add-url URL     fetch the .torrent on the loop, then add it; the
 *                   answer says it is being fetched, list shows it
 *   list            every transfer (p2pd_xfer_json)
 *   remove KEY      by info-hash or name: stop, forget, delete content
 *   status          the node, its listening port, counts
 * A refusal is {"error": "..."}, still with exit-worthy words for the
 * client to print. (owner: region) */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "p2p_net.h"
#include "p2pd.h"
#include "shape.h"

/* The answer to one request. Requests "text CMD ..." get the same
 * answer for a person: list and status as lines, the others one line;
 * an error is "error: ...". */
struct answer {
	bool	text;
	char	**reply;
	size_t	*len;
};

/* A text answer of one line. */
static int __attribute__((format(printf, 2, 3))) reply_line(struct answer *an, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(an->reply, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*an->reply = NULL;
		return -ENOMEM;
	}
	*an->len = (size_t)n;
	return 0;
}

static int reply_json(struct json *j, struct answer *an)
{
	const char *out;
	size_t n;
	int r = json_finish(j, &out, &n);

	if (r == 0 && (*an->reply = malloc(n + 1)) != NULL) {
		memcpy(*an->reply, out, n);
		(*an->reply)[n] = '\n';
		*an->len = n + 1;
	} else if (r == 0) {
		r = -ENOMEM;
	}
	json_free(j);
	return r;
}

static int reply_error(const char *why, struct answer *an)
{
	struct json j;

	if (an->text) {
		return reply_line(an, "error: %s\n", why);
	}

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "error", why);
	json_obj_end(&j);
	return reply_json(&j, an);
}

static int reply_added(const struct p2pd_xfer *t, bool known, struct answer *an)
{
	struct json j;

	if (an->text) {
		return reply_line(an, "%s %s (%s, %llu bytes)\n", known ? "already there:" : "added",
		    t->meta.name, t->hex, (unsigned long long)t->meta.size);
	}

	json_init(&j);
	json_obj_begin(&j);
	json_kv_bool(&j, "known", known);
	json_key(&j, "transfer");
	p2pd_xfer_json(t, &j);
	json_obj_end(&j);
	return reply_json(&j, an);
}

/* A name in incoming/: what outpost-p2p add writes, nothing that could
 * reach elsewhere. */
static bool incoming_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 100 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

static int add_file(struct p2pd *d, const char *name, struct answer *an)
{
	struct p2pd_xfer *t;
	char why[512];
	uint8_t *buf;
	size_t n;
	int r;

	if (!incoming_name_ok(name))
		return reply_error("add-file: not a file name of the incoming folder", an);
	r = p2pd_read_file(d->incoming_fd, name, P2P_MAX_TORRENT_SIZE, &buf, &n);
	(void)unlinkat(d->incoming_fd, name, 0);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s/%s/%s: %s", d->set.data_dir, P2PD_DIR_INCOMING, name,
		    r == -EFBIG ? "larger than a .torrent may be" : strerror(-r));
		return reply_error(why, an);
	}
	r = p2pd_xfer_add(d, buf, n, NULL, &t, why, sizeof(why));
	free(buf);
	if (r == -EEXIST)
		return reply_added(t, true, an);
	if (r < 0)
		return reply_error(why, an);
	return reply_added(t, false, an);
}

/* ---- add-url: the .torrent comes over HTTP(S), on the loop ---- */

static void fetch_unlink(struct p2pd_fetch *f)
{
	for (struct p2pd_fetch **pp = &f->d->fetches; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			return;
		}
	}
}

static void on_fetched(int status, const uint8_t *body, size_t n, const char *why, void *arg)
{
	struct p2pd_fetch *f = arg;
	struct p2pd_xfer *t;
	char msg[512];
	int r;

	fetch_unlink(f);
	if (status < 0) {
		log_err("add %s: %s", f->url, why && why[0] ? why : strerror(-status));
	} else {
		r = p2pd_xfer_add(f->d, body, n, f->url, &t, msg, sizeof(msg));
		if (r < 0 && r != -EEXIST)
			log_err("add %s: %s", f->url, msg);
	}
	free(f);
}

static int add_url(struct p2pd *d, const char *url, struct answer *an)
{
	struct p2pd_fetch *f;
	struct json j;
	int r;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return reply_error("add-url: not an http:// or https:// URL", an);
	for (f = d->fetches; f; f = f->next)
		if (strcmp(f->url, url) == 0)
			break;
	if (!f) {
		if (!(f = calloc(1, sizeof(*f))))
			return -ENOMEM;
		f->d = d;
		snprintf(f->url, sizeof(f->url), "%s", url);
		r = p2p_http_get_start(d->loop, d->res, p2p_ctx_tls(d->ctx), url,
		    P2P_MAX_TORRENT_SIZE, on_fetched, f, &f->req);
		if (r < 0) {
			free(f);
			return reply_error(strerror(-r), an);
		}
		f->next = d->fetches;
		d->fetches = f;
	}
	if (an->text) {
		return reply_line(an, "fetching %s\n", url);
	}
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "fetching", url);
	json_obj_end(&j);
	return reply_json(&j, an);
}

void p2pd_fetches_free(struct p2pd *d)
{
	while (d->fetches) {
		struct p2pd_fetch *f = d->fetches;

		d->fetches = f->next;
		p2p_http_req_free(f->req);
		free(f);
	}
}

/* ---- list, remove, status ---- */

static void mib(FILE *f, uint64_t b)
{
	fprintf(f, " %9.1f", (double)b / 1048576.0);
}

/* One line per transfer: what an operator scans for. */
static int list_text(struct p2pd *d, struct answer *an)
{
	FILE *f = open_memstream(an->reply, an->len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%-40s %-11s %6s %9s %9s %9s %5s  %s\n", "INFO-HASH", "STATE", "DONE",
	    "SIZE-MiB", "ORIGIN", "LAN", "PEERS", "NAME");
	for (const struct p2pd_xfer *t = d->xfers; t; t = t->next) {
		struct p2p_stats st;
		uint64_t have = t->done ? t->meta.size : 0, org = t->origin_bytes,
		    lan = t->lan_bytes;
		const char *state = t->failed ? "failed" : t->done ? "finished" : "stopped";
		unsigned peers = 0;

		if (t->x) {
			p2p_xfer_get_stats(t->x, &st);
			have = st.have_bytes;
			org = t->base_origin + st.from_webseeds;
			lan = t->base_lan + st.from_peers;
			peers = st.peers;
			if (!t->failed)
				state = p2p_state_name(st.state);
		}
		fprintf(f, "%-40s %-11s %5.1f%%", t->hex, state,
		    t->meta.size ? 100.0 * (double)have / (double)t->meta.size : 100.0);
		mib(f, t->meta.size);
		mib(f, org);
		mib(f, lan);
		fprintf(f, " %5u  %s\n", peers, t->meta.name);
	}
	for (const struct p2pd_fetch *fe = d->fetches; fe; fe = fe->next)
		fprintf(f, "%-40s %-11s %s\n", "-", "fetching", fe->url);
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

static int list(struct p2pd *d, struct answer *an)
{
	struct json j;

	if (an->text)
		return list_text(d, an);
	json_init(&j);
	json_obj_begin(&j);
	json_key(&j, "transfers");
	json_arr_begin(&j);
	for (const struct p2pd_xfer *t = d->xfers; t; t = t->next)
		p2pd_xfer_json(t, &j);
	json_arr_end(&j);
	json_key(&j, "fetching");
	json_arr_begin(&j);
	for (const struct p2pd_fetch *f = d->fetches; f; f = f->next)
		json_str(&j, f->url);
	json_arr_end(&j);
	json_obj_end(&j);
	return reply_json(&j, an);
}

static int remove_one(struct p2pd *d, const char *key, struct answer *an)
{
	struct p2pd_xfer *t = p2pd_xfer_find(d, key);
	char hex[P2PD_HEX_LEN + 1];
	struct json j;

	if (!t)
		return reply_error("no such transfer (give its info-hash or name)", an);
	snprintf(hex, sizeof(hex), "%s", t->hex);
	p2pd_xfer_remove(t);
	if (an->text) {
		return reply_line(an, "removed %s\n", hex);
	}
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "removed", hex);
	json_obj_end(&j);
	return reply_json(&j, an);
}

static int status(struct p2pd *d, struct answer *an)
{
	unsigned n = 0, down = 0, seed = 0, peers = 0;
	struct json j;

	for (const struct p2pd_xfer *t = d->xfers; t; t = t->next) {
		struct p2p_stats st;

		n++;
		if (!t->x)
			continue;
		p2p_xfer_get_stats(t->x, &st);
		peers += st.peers;
		if (st.state == P2P_SEEDING)
			seed++;
		else
			down++;
	}
	if (an->text) {
		FILE *f = open_memstream(an->reply, an->len);
		char cap[32] = "none";

		if (!f)
			return -ENOMEM;
		if (d->set.origin_rate)
			shape_rate_format(d->set.origin_rate, cap, sizeof(cap));
		fprintf(f, "node:        %s\nregion:      %s\nport:        %u\ndata folder: %s\n"
		    "transfers:   %u (%u downloading, %u seeding)\npeers:       %u\n"
		    "origin cap:  %s\nup:          %.0f s\n", d->set.id,
		    d->set.region[0] ? d->set.region : "(none)", p2p_ctx_port(d->ctx),
		    d->set.data_dir, n, down, seed, peers,
		    cap,
		    (double)(loop_now_ms() - d->started_ms) / 1000.0);
		return fclose(f) == 0 ? 0 : -ENOMEM;
	}
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "node", d->set.id);
	json_kv_str(&j, "region", d->set.region);
	json_kv_uint(&j, "port", p2p_ctx_port(d->ctx));
	json_kv_str(&j, "data_dir", d->set.data_dir);
	json_kv_uint(&j, "transfers", n);
	json_kv_uint(&j, "downloading", down);
	json_kv_uint(&j, "seeding", seed);
	json_kv_uint(&j, "peers", peers);
	json_kv_uint(&j, "origin_rate", d->set.origin_rate);
	json_kv_double(&j, "uptime", (double)(loop_now_ms() - d->started_ms) / 1000.0);
	json_obj_end(&j);
	return reply_json(&j, an);
}

static int handle(const char *req, char **reply, size_t *len, void *arg)
{
	struct p2pd *d = arg;
	struct answer answer = { .text = strncmp(req, "text ", 5) == 0, .reply = reply, .len = len };
	struct answer *an = &answer;
	const char *sp, *a;
	size_t cmd;

	if (an->text)
		req += 5;
	sp = strchr(req, ' ');
	cmd = sp ? (size_t)(sp - req) : strlen(req);
	a = sp ? sp + 1 : "";

#define IS(s) (cmd == strlen(s) && strncmp(req, s, cmd) == 0)
	if (IS(P2PD_REQ_LIST) && !sp)
		return list(d, an);
	if (IS(P2PD_REQ_STATUS) && !sp)
		return status(d, an);
	if (IS(P2PD_REQ_ADD_FILE) && a[0])
		return add_file(d, a, an);
	if (IS(P2PD_REQ_ADD_URL) && a[0])
		return add_url(d, a, an);
	if (IS(P2PD_REQ_REMOVE) && a[0])
		return remove_one(d, a, an);
#undef IS
	return reply_error("unknown request (add-file, add-url, list, remove, status)", an);
}

int p2pd_ctl_open(struct p2pd *d, uid_t uid, gid_t gid)
{
	int r;

	if ((r = ctl_make_folder(d->set.control)) < 0) {
		log_err("cannot make the control socket's folder for %s: %s", d->set.control,
		    strerror(-r));
		return -1;
	}
	r = ctl_listen(d->loop, d->set.control, uid, gid, handle, d, &d->ctl);
	if (r < 0) {
		log_err("cannot listen on the control socket %s: %s", d->set.control,
		    r == -EEXIST ? "something else is there" : strerror(-r));
		return -1;
	}
	return 0;
}

void p2pd_ctl_close(struct p2pd *d)
{
	ctl_close(d->ctl);
	d->ctl = NULL;
}
