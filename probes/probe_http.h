/* probe_http.h: the http probe's two halves (probe_http.c runs targets
 * and reports; probe_http_fetch.c does one GET and its redirects). */
#ifndef OUTPOST_PROBE_HTTP_H
#define OUTPOST_PROBE_HTTP_H

#include "probe_http_parse.h"
#include "web.h"

/* Everything one fetch found out, for the report. Times are ms from the
 * start of the final request (the last hop of a redirect chain);
 * redirect_ms is what the hops before it took. -1: not reached. */
struct probe_http_outcome {
	bool			complete;	/* a whole final response arrived */
	bool			unresolved;
	char			state[16];	/* "done", or where it failed */
	char			error[320];
	char			url[PROBE_URL_MAX];	/* of the final request */
	char			dst[64], src[64];
	double			namelookup, connect, tls, ttfb, total, redirect_ms;
	unsigned		redirects;
	int			status;
	int			version_minor;
	char			reason[128];
	enum probe_http_framing	framing;
	uint64_t		size;		/* body bytes (decoded from chunks) */
	uint64_t		content_length;
	bool			has_length;
	unsigned		chunks, trailers;
	size_t			head_bytes;
	char			location[PROBE_HTTP_LOCATION_MAX];	/* not followed */
	char			sha256[65];	/* hex, "" without a whole body */
	bool			has_tls;
	struct probe_tls_info	tls_info;
};

struct probe_http_fetch;
typedef void (*probe_http_fetch_cb)(struct probe_http_fetch *f, void *arg);

struct probe_http_fetch_opts {
	const struct probe_url	*url;
	const struct probe_spec	*spec;		/* family, path, sni, verify, redirects */
	SSL_CTX			*tls;		/* for https:// (also after a redirect) */
};

/* Start GET url on loop l; cb runs once, from the loop, when the outcome
 * is known. 0 or -errno. */
int probe_http_fetch_start(struct loop *l, struct resolver *r,
    const struct probe_http_fetch_opts *o, probe_http_fetch_cb cb, void *arg,
    struct probe_http_fetch **out);
/* What was found (complete after cb; partial before, for a timeout). */
struct probe_http_outcome *probe_http_fetch_outcome(struct probe_http_fetch *f);
/* Whether the first request's name is still being looked up. */
bool probe_http_fetch_resolving(const struct probe_http_fetch *f);
/* Give up (a timeout): the outcome says where it was. */
void probe_http_fetch_abort(struct probe_http_fetch *f, const char *why);
/* Free; no callback afterwards. NULL-safe. */
void probe_http_fetch_free(struct probe_http_fetch *f);

#endif
