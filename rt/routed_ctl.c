/* routed_ctl.c: the control socket: "status" answers the JSON object of
 * outpost-routed(8), "status text" the same for people; and -s, its
 * client.
 *
 * The counts of installed objects come from a dump at the time of the
 * request (a synchronous kernel call of microseconds per object), so
 * status shows what the kernel holds, not what the daemon believes. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "rt_kernel.h"
#include "routed.h"

#define CTL_TIMEOUT_MS 3000

static const char *link_state(const struct routed *d, size_t i)
{
	const struct rt_link *l = rt_links_by_name(&d->links, d->cfg->lines[i].ifname);

	return !l ? "missing" : rt_link_usable(l) ? "up" : "down";
}

/* A tracked line's figures now (not only at its last change): read from
 * the members rt_health_json() writes, the one view the tracker gives.
 * The text is our own JSON writer's, so `,"key":` appears only as a
 * member (a quote inside a string value is escaped). */
static void figures(const struct routed_line *s, double *rtt, double *loss)
{
	const char *text, *p;
	struct json j;

	*rtt = s->rtt_ms;
	*loss = s->loss;
	if (!s->health)
		return;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_bool(&j, "x", true);	/* so that every member follows a comma */
	rt_health_json(s->health, &j);
	json_obj_end(&j);
	if (json_finish(&j, &text, NULL) == 0) {
		if ((p = strstr(text, ",\"rtt_ms\":")))
			*rtt = strncmp(p + 10, "null", 4) == 0 ? -1 : strtod(p + 10, NULL);
		if ((p = strstr(text, ",\"loss\":")))
			*loss = strtod(p + 8, NULL);
	}
	json_free(&j);
}

/* Per line (and one more for objects of no line) the rules and routes
 * the kernel holds now. */
static int count(struct routed *d, size_t *rules, size_t *routes)
{
	int r;

	rt_set_clear(&d->have);
	r = rt_kernel_dump(d->nl, d->cfg->protocol, &d->links, &d->have, NULL);
	if (r < 0)
		return r;
	for (size_t k = 0; k < d->have.n; k++) {
		const struct rt_obj *o = &d->have.v[k];
		int i = routed_obj_line(d, o);
		size_t slot = i >= 0 ? (size_t)i : d->cfg->nlines;

		if (o->kind == RT_RULE)
			rules[slot]++;
		else
			routes[slot]++;
	}
	return 0;
}

static void status_json(struct routed *d, struct json *j, const size_t *rules,
			const size_t *routes)
{
	uint64_t now = loop_now_ms();
	size_t nr = 0, nt = 0, n = d->cfg->nlines;

	json_obj_begin(j);
	json_key(j, "lines");
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		const struct rt_line *ln = &d->cfg->lines[i];
		const struct routed_line *s = &d->lines[i];
		double rtt, loss;

		figures(s, &rtt, &loss);
		json_obj_begin(j);
		json_kv_str(j, "name", ln->name);
		json_kv_str(j, "interface", ln->ifname);
		json_kv_uint(j, "table", ln->table);
		json_kv_uint(j, "priority", ln->priority);
		json_kv_str(j, "link", link_state(d, i));
		json_kv_str(j, "state", s->up ? "up" : "down");
		json_kv_str(j, "why", s->why);
		json_key(j, "rtt_ms");
		if (rtt >= 0)
			json_double(j, rtt);
		else
			json_null(j);
		json_kv_double(j, "loss", loss);
		json_kv_str(j, "to", routed_line_to(d, i));
		json_kv_uint(j, "rules", rules[i]);
		json_kv_uint(j, "routes", routes[i]);
		json_obj_end(j);
	}
	json_arr_end(j);
	for (size_t i = 0; i <= n; i++)
		nr += rules[i], nt += routes[i];
	json_key(j, "objects");
	json_obj_begin(j);
	json_kv_uint(j, "rules", nr);
	json_kv_uint(j, "routes", nt);
	json_obj_end(j);
	json_kv_uint(j, "repairs", d->repairs);
	json_key(j, "last_repair");
	if (d->has_last) {
		json_obj_begin(j);
		json_kv_uint(j, "ago_ms", now - d->last_at_ms);
		json_kv_uint(j, "ms", d->last_took_ms);
		json_kv_uint(j, "changes", d->last_changes);
		json_kv_str(j, "why", d->last_why);
		json_obj_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "contested");
	json_arr_begin(j);
	routed_fights_json(d, j, now);
	json_arr_end(j);
	json_obj_end(j);
}

/* A growing text buffer for the human form. */
struct text {
	char	*buf;
	size_t	len, cap;
	bool	oom;
};

static void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->buf && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap : 1024) + (size_t)n + 1024;
		char *b = realloc(t->buf, cap);

		if (!b) {
			t->oom = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

static void status_text(struct routed *d, struct text *t, const size_t *rules,
			const size_t *routes)
{
	uint64_t now = loop_now_ms();
	size_t nr = 0, nt = 0, n = d->cfg->nlines, nc = 0;
	char rtt[32], loss[16], text[512];

	tprintf(t, "%-10s %-10s %-6s %-8s %-6s %-10s %-9s %-5s %-5s %s\n", "LINE", "IFACE",
	    "TABLE", "LINK", "STATE", "TO", "RTT", "LOSS", "RULES", "ROUTES");
	for (size_t i = 0; i < n; i++) {
		const struct rt_line *ln = &d->cfg->lines[i];
		const struct routed_line *s = &d->lines[i];
		char table[16] = "-";
		double r, l;

		figures(s, &r, &l);
		if (ln->table)
			snprintf(table, sizeof(table), "%u", ln->table);
		if (r >= 0)
			snprintf(rtt, sizeof(rtt), r < 10 ? "%.2fms" : "%.1fms", r);
		else
			snprintf(rtt, sizeof(rtt), "-");
		snprintf(loss, sizeof(loss), "%.0f%%", l * 100);
		tprintf(t, "%-10s %-10s %-6s %-8s %-6s %-10s %-9s %-5s %-5zu %zu\n", ln->name,
		    ln->ifname, table, link_state(d, i), s->up ? "up" : "down",
		    routed_line_to(d, i), rtt, loss, rules[i], routes[i]);
	}
	for (size_t i = 0; i <= n; i++)
		nr += rules[i], nt += routes[i];
	tprintf(t, "objects: %zu rule(s), %zu route(s)\n", nr, nt);
	if (d->has_last)
		tprintf(t, "repairs: %llu; the last %.1f s ago: %zu change(s) in %llu ms (%s)\n",
		    (unsigned long long)d->repairs, (double)(now - d->last_at_ms) / 1000,
		    d->last_changes, (unsigned long long)d->last_took_ms, d->last_why);
	else
		tprintf(t, "repairs: none\n");
	for (size_t i = 0; i < d->nfights; i++) {
		const struct routed_fight *f = &d->fights[i];

		if (!f->backoff_ms)
			continue;
		if (rt_obj_format(&f->obj, text, sizeof(text)) < 0)
			strcpy(text, "(object too long to show)");
		tprintf(t, "contested: %s: put back %u times; %s %.0f s\n", text, f->nreadds,
		    f->until_ms > now ? "left alone for another" : "tried again after",
		    (double)(f->until_ms > now ? f->until_ms - now : f->backoff_ms) / 1000);
		nc++;
	}
	if (!nc)
		tprintf(t, "contested: none\n");
}

static int handle(const char *req, char **reply, size_t *len, void *arg)
{
	struct routed *d = arg;
	size_t n = d->cfg->nlines + 1;
	size_t *rules = calloc(n, sizeof(*rules)), *routes = calloc(n, sizeof(*routes));
	bool human = strcmp(req, "status text") == 0;
	int r = -ENOMEM;

	if (!human && strcmp(req, "status") != 0) {
		r = -EINVAL;
		goto out;
	}
	if (!rules || !routes)
		goto out;
	if ((r = count(d, rules, routes)) < 0) {
		log_err("status: cannot read the kernel's rules and routes: %s", strerror(-r));
		goto out;
	}
	if (human) {
		struct text t = { 0 };

		status_text(d, &t, rules, routes);
		if (t.oom) {
			free(t.buf);
			r = -ENOMEM;
			goto out;
		}
		*reply = t.buf;
		*len = t.len;
	} else {
		struct json j;
		const char *out;
		size_t olen;

		json_init(&j);
		status_json(d, &j, rules, routes);
		r = json_finish(&j, &out, &olen);
		if (r == 0 && (*reply = malloc(olen + 1))) {
			memcpy(*reply, out, olen);
			(*reply)[olen] = '\n';
			*len = olen + 1;
		} else if (r == 0) {
			r = -ENOMEM;
		}
		json_free(&j);
	}
out:
	free(rules);
	free(routes);
	return r;
}

int routed_ctl_open(struct routed *d, uid_t uid, gid_t gid)
{
	int r;

	/* The socket's folder (RUNSTATEDIR/outpost) is root's. */
	if ((r = ctl_make_folder(d->control)) < 0) {
		log_err("cannot make the control socket's folder for %s: %s", d->control,
		    strerror(-r));
		return -1;
	}
	r = ctl_listen(d->loop, d->control, uid, gid, handle, d, &d->ctl);
	if (r < 0) {
		log_err("cannot listen on the control socket %s: %s", d->control,
		    r == -EEXIST ? "something else is there" : strerror(-r));
		return -1;
	}
	return 0;
}

void routed_ctl_close(struct routed *d)
{
	ctl_close(d->ctl);
	d->ctl = NULL;
}

int routed_ctl_client(const char *path, bool json)
{
	char *reply = NULL;
	size_t len = 0;
	int r;

	r = ctl_request(path, json ? "status" : "status text", CTL_TIMEOUT_MS, &reply, &len);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		fprintf(stderr, "outpost-routed: not running (no daemon listens on %s)\n", path);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "outpost-routed: %s: %s\n", path, strerror(-r));
		return 1;
	}
	if (!len) {
		fprintf(stderr, "outpost-routed: %s: the daemon sent no answer\n", path);
		free(reply);
		return 1;
	}
	fwrite(reply, 1, len, stdout);
	free(reply);
	return 0;
}
