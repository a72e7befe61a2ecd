/* resolve_query.c: raw DNS queries on the resolver's channel (ares_send):
 * the caller gets the reply's bytes, whatever the rcode, and how many tries
 * timed out, so a probe can parse and time the reply itself. A query lives
 * and is cancelled exactly like an address lookup (resolve.c). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

#define MSG_MAX	65535

static void on_send(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct resolver_query *q = arg;

	q->in_ares = false;
	q->r->n_ares--;
	if (q->cancelled)
		q->r->n_orphans--;
	if (q->cancelled || q->r->freeing) {
		resolver_query_unlink(q);
		return;
	}
	q->timeouts = timeouts > 0 ? (unsigned)timeouts : 0;
	q->status = resolver_from_ares(status);
	if (status == ARES_SUCCESS) {
		if (!abuf || alen <= 0) {
			q->status = -EBADMSG;
		} else if (!(q->reply = malloc((size_t)alen))) {
			q->status = -ENOMEM;
		} else {
			memcpy(q->reply, abuf, (size_t)alen);
			q->reply_len = (size_t)alen;
		}
	}
	q->done = true;
	if (!q->starting)
		resolver_deliver(q);
}

int resolver_send(struct resolver *r, const uint8_t *msg, size_t len, resolver_raw_cb cb,
    void *arg, struct resolver_query **out)
{
	struct resolver_query *q;

	*out = NULL;
	if (!msg || len < 12 || len > MSG_MAX || !cb)
		return -EINVAL;
	if (!(q = resolver_query_new(r, arg)))
		return -ENOMEM;
	q->raw_cb = cb;
	resolver_refresh(r);
	q->in_ares = q->starting = true;
	r->n_ares++;
	ares_send(r->channel, msg, (int)len, on_send, q);
	q->starting = false;
	resolver_sync_lazy(r);
	return resolver_query_started(r, q, out);
}

int resolver_query(struct resolver *r, const char *name, int dnsclass, int type,
    resolver_raw_cb cb, void *arg, struct resolver_query **out)
{
	unsigned char *buf = NULL;
	int len = 0, rc;

	*out = NULL;
	if (!name || !*name || dnsclass < 0 || dnsclass > 65535 || type < 0 || type > 65535)
		return -EINVAL;
	rc = ares_create_query(name, dnsclass, type, 0, 1, &buf, &len, 0);
	if (rc != ARES_SUCCESS)
		return rc == ARES_ENOMEM ? -ENOMEM : -EINVAL;
	rc = resolver_send(r, buf, (size_t)len, cb, arg, out);
	ares_free_string(buf);
	return rc;
}
