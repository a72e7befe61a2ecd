/* hijack_dot.c: one DNS over TLS exchange (RFC 7858) on the loop.
 *
 * The reference an on-path injector cannot forge: TCP to port 853, a TLS
 * handshake whose certificate must verify for the tls-name (SNI and the
 * hostname check, through probe_conn), then the query and its reply each
 * behind a two-byte length (RFC 1035 4.2.2). The reply's bytes go to the
 * caller's parser; this file reads only the length, through the cursor. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hijack.h"
#include "web.h"
#include "wire.h"

#define DOT_MAX 65535

struct probe_hijack_dot {
	struct loop		*l;
	struct probe_conn	*conn;
	uint64_t		timer;
	probe_hijack_dot_cb	cb;
	void			*arg;
	uint8_t			*out;		/* length + query */
	size_t			out_len, out_off;
	uint8_t			*in;		/* length + reply, as it arrives */
	size_t			in_off;
	uint64_t		timeout_ms;
	bool			done;
};

static void finish(struct probe_hijack_dot *d, int status, const uint8_t *reply, size_t len,
    const char *why)
{
	if (d->done)
		return;
	d->done = true;
	if (d->timer) {
		loop_timer_cancel(d->l, d->timer);
		d->timer = 0;
	}
	d->cb(status, reply, len, why, d->arg);
}

/* false when it finished d (which the owner may have freed then). */
static bool send_more(struct probe_hijack_dot *d)
{
	while (d->out_off < d->out_len) {
		ssize_t n = probe_conn_write(d->conn, d->out + d->out_off, d->out_len - d->out_off);

		if (n == -EAGAIN)
			return true;
		if (n < 0) {
			finish(d, (int)n, NULL, 0, probe_conn_error(d->conn));
			return false;
		}
		d->out_off += (size_t)n;
	}
	return true;
}

/* Read what there is; finish once the whole length-prefixed reply is in.
 * true when it finished d (which the owner may have freed then). */
static bool read_more(struct probe_hijack_dot *d)
{
	for (;;) {
		size_t want = 2;
		ssize_t n;

		if (d->in_off >= 2) {
			struct wire_cur c;

			wire_cur_init(&c, d->in, 2);
			want = 2 + (size_t)wire_read_u16be(&c);
			if (d->in_off == want) {
				finish(d, 0, d->in + 2, want - 2, "");
				return true;
			}
		}
		n = probe_conn_read(d->conn, d->in + d->in_off, want - d->in_off);
		if (n == -EAGAIN)
			return false;
		if (n < 0) {
			finish(d, (int)n, NULL, 0, probe_conn_error(d->conn));
			return true;
		}
		if (n == 0) {
			finish(d, -EPIPE, NULL, 0, d->in_off ? "closed inside the reply" :
			    "closed before a reply");
			return true;
		}
		d->in_off += (size_t)n;
	}
}

static void on_conn(struct probe_conn *c, enum probe_conn_event ev, void *arg)
{
	struct probe_hijack_dot *d = arg;

	(void)c;
	switch (ev) {
	case PROBE_CONN_OPEN:
	case PROBE_CONN_WRITABLE:
		if (send_more(d) && d->out_off == d->out_len && probe_conn_pending(d->conn))
			read_more(d);
		return;
	case PROBE_CONN_READABLE:
		read_more(d);
		return;
	case PROBE_CONN_ERROR:
		/* a certificate that does not verify for the tls-name makes
		 * the reference unusable, which the caller must tell apart */
		finish(d, probe_conn_stage(d->conn) == PROBE_STAGE_VERIFY ? -EKEYREJECTED : -EIO,
		    NULL, 0, probe_conn_error(d->conn));
		return;
	}
}

static void on_timeout(struct loop *l, void *arg)
{
	struct probe_hijack_dot *d = arg;
	char why[96];

	(void)l;
	d->timer = 0;
	/* A loop held up elsewhere (many checks starting at once) may run
	 * this timer before the readable event of a reply that is already
	 * there: take what has arrived before calling it a timeout. */
	if (probe_conn_stage(d->conn) == PROBE_STAGE_OPEN && d->out_off == d->out_len &&
	    read_more(d))
		return;
	snprintf(why, sizeof(why), "no %s in %llu ms (stage %s)",
	    probe_conn_stage(d->conn) == PROBE_STAGE_OPEN ? "reply" : "connection",
	    (unsigned long long)d->timeout_ms, probe_conn_stage_name(probe_conn_stage(d->conn)));
	finish(d, -ETIMEDOUT, NULL, 0, why);
}

/* Start one DoT exchange of query with host:port. */
int probe_hijack_dot_start(struct loop *l, struct resolver *r, SSL_CTX *ctx,
    const struct probe_path *path, const char *host, uint16_t port, const char *tls_name,
    const uint8_t *query, size_t qlen, uint64_t timeout_ms, probe_hijack_dot_cb cb, void *arg,
    struct probe_hijack_dot **out)
{
	struct probe_hijack_dot *d;
	struct probe_conn_opts o = {
		.host = host, .port = port ? port : 853, .family = AF_UNSPEC, .path = path,
		.tls = ctx, .sni = tls_name, .verify = true,
	};
	int rc;

	if (qlen == 0 || qlen > DOT_MAX)
		return -EINVAL;
	if (!(d = calloc(1, sizeof(*d))))
		return -ENOMEM;
	d->l = l;
	d->cb = cb;
	d->arg = arg;
	d->timeout_ms = timeout_ms;
	d->out_len = qlen + 2;
	if (!(d->out = malloc(d->out_len)) || !(d->in = malloc(2 + DOT_MAX))) {
		rc = -ENOMEM;
		goto fail;
	}
	d->out[0] = (uint8_t)(qlen >> 8);
	d->out[1] = (uint8_t)qlen;
	memcpy(d->out + 2, query, qlen);
	if (!(d->timer = loop_timer_add(l, timeout_ms, on_timeout, d))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = probe_conn_start(l, r, &o, on_conn, d, &d->conn)) < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	probe_hijack_dot_free(d);
	return rc;
}

/* Close and free; no callback afterwards. */
void probe_hijack_dot_free(struct probe_hijack_dot *d)
{
	if (!d)
		return;
	if (d->timer)
		loop_timer_cancel(d->l, d->timer);
	probe_conn_free(d->conn);
	free(d->out);
	free(d->in);
	free(d);
}
