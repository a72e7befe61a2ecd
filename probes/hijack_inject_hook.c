/* hijack_inject_hook.c: check 2 as the hijack type calls it
 * (probe_hijack_inject_start in hijack.h), on top of probe_inject_start:
 * the spec's path, --sink, --window and -W, and the status mapped to the
 * hijack statuses. A check that cannot start (no CAP_NET_RAW, no such
 * interface) still answers, through the callback, with the reason in its
 * JSON, so the operator sees why rather than a bare errno. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hijack.h"
#include "hijack_inject.h"
#include "json.h"
#include "loop.h"

struct probe_hijack_inject {
	struct loop		*loop;
	struct probe_inject	*c;
	probe_hijack_inject_cb	 cb;
	void			*arg;
	uint64_t		 timer;		/* the deferred refusal */
	enum probe_hijack_status st;
	char			 why[256];
};

static void on_done(void *arg, enum probe_inject_status st, int err, const char *json, size_t len)
{
	struct probe_hijack_inject *x = arg;

	(void)err;	/* the JSON says what failed */
	x->cb(st == PROBE_INJECT_PASS ? PROBE_HIJACK_PASS :
	      st == PROBE_INJECT_FAIL ? PROBE_HIJACK_FAIL : PROBE_HIJACK_SUSPECT,
	      json, len, x->arg);
}

static void on_refused(struct loop *l, void *arg)
{
	struct probe_hijack_inject *x = arg;
	struct json j;
	const char *text;
	size_t len;

	(void)l;
	x->timer = 0;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "status", probe_hijack_status_name(x->st));
	json_kv_str(&j, "reason", x->why);
	json_obj_end(&j);
	if (json_finish(&j, &text, &len) == 0)
		x->cb(x->st, text, len, x->arg);
	else
		x->cb(x->st, "{}", 2, x->arg);
	json_free(&j);
}

static void port53(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET && !((struct sockaddr_in *)ss)->sin_port)
		((struct sockaddr_in *)ss)->sin_port = htons(53);
	else if (ss->ss_family == AF_INET6 && !((struct sockaddr_in6 *)ss)->sin6_port)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(53);
}

int probe_hijack_inject_start(struct loop *l, const struct probe_spec *spec,
    const struct sockaddr *server, socklen_t server_len, const char *name, uint16_t qtype,
    probe_hijack_inject_cb cb, void *arg, struct probe_hijack_inject **out)
{
	struct probe_hijack_inject *x;
	struct probe_inject_opts o;
	int rc;

	if (server_len > sizeof(o.server) || !name || !cb)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->loop = l;
	x->cb = cb;
	x->arg = arg;
	memset(&o, 0, sizeof(o));
	memcpy(&o.server, server, server_len);
	port53(&o.server);
	/* A sink of the other family cannot receive this query; leave it out. */
	if (spec->inject_sink.ss_family == o.server.ss_family) {
		o.sink = spec->inject_sink;
		port53(&o.sink);
	}
	o.name = name;
	o.qtype = qtype;
	o.path = &spec->path;
	o.window_ms = spec->inject_window_ms;
	o.timeout_ms = spec->timeout_ms;
	rc = probe_inject_start(l, &o, on_done, x, &x->c, x->why, sizeof(x->why));
	if (rc == -ENOMEM || rc == -EINVAL) {
		free(x);
		return rc;
	}
	if (rc) {
		/* Without the capability the check does not apply (skipped, like
		 * a check not built); any other failure is one it could not run. */
		x->st = rc == -EPERM ? PROBE_HIJACK_SKIPPED : PROBE_HIJACK_SUSPECT;
		x->c = NULL;
		x->timer = loop_timer_add(l, 0, on_refused, x);
		if (!x->timer) {
			free(x);
			return -ENOMEM;
		}
	}
	*out = x;
	return 0;
}

void probe_hijack_inject_free(struct probe_hijack_inject *x)
{
	if (!x)
		return;
	if (x->timer)
		loop_timer_cancel(x->loop, x->timer);
	probe_inject_free(x->c);
	free(x);
}
