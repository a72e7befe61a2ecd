/* hijack_inject_glue.c: check 2's hook (hijack.h) onto the inject
 * helper's capture (hijack_inject.h), so the type sees one status enum
 * for every check. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hijack.h"
#include "hijack_inject.h"

struct probe_hijack_inject {
	struct probe_inject	*x;
	probe_hijack_inject_cb	cb;
	void			*arg;
};

static void on_done(void *arg, enum probe_inject_status status, int err, const char *json,
    size_t len)
{
	struct probe_hijack_inject *h = arg;
	enum probe_hijack_status st = status == PROBE_INJECT_PASS ? PROBE_HIJACK_PASS :
	    status == PROBE_INJECT_FAIL ? PROBE_HIJACK_FAIL : PROBE_HIJACK_SUSPECT;

	(void)err;	/* the JSON says why */
	h->cb(st, json, len, h->arg);
}

/* Start the injection check against server. */
int probe_hijack_inject_start(struct loop *l, const struct probe_spec *spec,
    const struct sockaddr *server, socklen_t server_len, const char *name, uint16_t qtype,
    probe_hijack_inject_cb cb, void *arg, struct probe_hijack_inject **out)
{
	struct probe_inject_opts o = {
		.name = name, .qtype = qtype, .path = &spec->path, .timeout_ms = spec->timeout_ms,
	};
	struct probe_hijack_inject *h;
	char err[256];
	int rc;

	if (server_len > sizeof(o.server))
		return -EINVAL;
	memcpy(&o.server, server, server_len);
	o.sink.ss_family = AF_UNSPEC;
	if (!(h = calloc(1, sizeof(*h))))
		return -ENOMEM;
	h->cb = cb;
	h->arg = arg;
	if ((rc = probe_inject_start(l, &o, on_done, h, &h->x, err, sizeof(err))) < 0) {
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

/* Stop the capture and free. */
void probe_hijack_inject_free(struct probe_hijack_inject *h)
{
	if (!h)
		return;
	probe_inject_free(h->x);
	free(h);
}
