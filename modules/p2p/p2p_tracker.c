/* p2p_tracker.c: HTTP tracker announce and scrape (BEP 3, 23, 48) over
 * p2p_http. (owner: net) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p_net.h"
#include "p2p_net_int.h"

#define TRACKER_REPLY_MAX	(1u << 20)
#define TRACKER_TIMEOUT_MS	30000
#define TRACKER_URL_MAX		2048

struct tracker_call {
	p2p_announce_cb	ann;
	p2p_scrape_cb	scr;
	void		*arg;
	uint8_t		ih[20];
};

static void announce_done(int err, int code, const uint8_t *body, size_t n, const char *why,
    void *arg)
{
	struct tracker_call *t = arg;
	struct p2p_tracker_reply r;
	char msg[128];

	if (!err && code != 200) {
		snprintf(msg, sizeof(msg), "tracker answered HTTP %d", code);
		t->ann(-EPROTO, NULL, msg, t->arg);
	} else if (err) {
		t->ann(err, NULL, why, t->arg);
	} else if ((err = p2p_tracker_parse(body, n, &r, msg, sizeof(msg)))) {
		t->ann(err, NULL, msg, t->arg);
	} else {
		t->ann(0, &r, r.failure[0] ? r.failure : NULL, t->arg);
		p2p_tracker_reply_free(&r);
	}
	free(t);
}

int p2p_announce_start(struct loop *l, struct resolver *r, SSL_CTX *tls,
    const struct p2p_announce *a, p2p_announce_cb cb, void *arg, struct p2p_http_req **out)
{
	char url[TRACKER_URL_MAX];
	struct tracker_call *t;
	int rc;

	if ((rc = p2p_announce_url(a, url, sizeof(url))))
		return rc;
	if (!(t = calloc(1, sizeof(*t))))
		return -ENOMEM;
	t->ann = cb;
	t->arg = arg;
	rc = p2p_http_start(l, r, tls, url, TRACKER_REPLY_MAX, TRACKER_TIMEOUT_MS, announce_done, t,
	    out);
	if (rc)
		free(t);
	else
		p2p_http_own_arg(*out, free);
	return rc;
}

static void scrape_done(int err, int code, const uint8_t *body, size_t n, const char *why,
    void *arg)
{
	struct tracker_call *t = arg;
	struct p2p_scrape s;
	char msg[128];

	if (!err && code != 200) {
		snprintf(msg, sizeof(msg), "tracker answered HTTP %d", code);
		t->scr(-EPROTO, NULL, msg, t->arg);
	} else if (err) {
		t->scr(err, NULL, why, t->arg);
	} else if ((err = p2p_scrape_parse(body, n, t->ih, &s, msg, sizeof(msg)))) {
		t->scr(err, NULL, msg, t->arg);
	} else {
		t->scr(0, &s, NULL, t->arg);
	}
	free(t);
}

int p2p_scrape_start(struct loop *l, struct resolver *r, SSL_CTX *tls, const char *announce_url,
    const uint8_t ih[20], p2p_scrape_cb cb, void *arg, struct p2p_http_req **out)
{
	char url[TRACKER_URL_MAX], base[TRACKER_URL_MAX], enc[61];
	struct tracker_call *t;
	int rc, w;

	if ((rc = p2p_scrape_url(announce_url, base, sizeof(base))))
		return rc;
	if (p2p_pct_encode(ih, 20, enc, sizeof(enc)) < 0)
		return -ENOSPC;
	w = snprintf(url, sizeof(url), "%s%cinfo_hash=%s", base, strchr(base, '?') ? '&' : '?', enc);
	if (w < 0 || (size_t)w >= sizeof(url))
		return -ENOSPC;
	if (!(t = calloc(1, sizeof(*t))))
		return -ENOMEM;
	t->scr = cb;
	t->arg = arg;
	memcpy(t->ih, ih, 20);
	rc = p2p_http_start(l, r, tls, url, TRACKER_REPLY_MAX, TRACKER_TIMEOUT_MS, scrape_done, t, out);
	if (rc)
		free(t);
	else
		p2p_http_own_arg(*out, free);
	return rc;
}
