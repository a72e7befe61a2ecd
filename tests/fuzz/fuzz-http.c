/* fuzz-http: the http probe's response parser, and Location handling.
 *
 * The first byte picks how the rest is cut into reads (a server chooses
 * its segmentation); the response is then fed whole and in those pieces,
 * followed by the end of the stream. Invariants: both ways give the same
 * verdict, status, framing and body; the body handed out is exactly
 * body_bytes long; a refusal always says why; a complete response has a
 * status of 200..599 (1xx are skipped). The input cut at its first line
 * end is also tried as a Location against a fixed base: a resolved URL
 * must format and parse back to itself. Where the response ended in the
 * input, and whether it leaves the connection reusable, must not depend
 * on the cuts either (a keep-alive client sends the next request on
 * it). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_http_parse.h"
#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	uint64_t	n;
	uint64_t	sum;	/* a cheap digest of the body, order-sensitive */
};

static void on_body(void *arg, const uint8_t *p, size_t n)
{
	struct sink *s = arg;

	for (size_t i = 0; i < n; i++)
		s->sum = s->sum * 131 + p[i] + 1;
	s->n += n;
}

static int feed(const uint8_t *d, size_t n, unsigned step, struct probe_http_parser *p,
    struct sink *s, size_t *end)
{
	size_t off = 0;
	int rc = 0;

	probe_http_parser_init(p);
	memset(s, 0, sizeof(*s));
	while (off < n && rc == 0) {
		size_t k = step ? step : n;

		if (k > n - off)
			k = n - off;
		rc = probe_http_parse(p, d + off, k, on_body, s);
		if (p->used > k)
			abort();
		*end = off + p->used;
		off += k;
	}
	if (rc == 0) {
		rc = probe_http_parse_eof(p);
		*end = n;
	}
	return rc;
}

static void location(const uint8_t *d, size_t n)
{
	struct probe_url base, u, again;
	char loc[PROBE_URL_MAX + 8], text[PROBE_URL_MAX + 300];
	const uint8_t *nl = memchr(d, '\n', n);

	if (nl)
		n = (size_t)(nl - d);
	if (n >= sizeof(loc) || memchr(d, '\0', n))
		return;
	memcpy(loc, d, n);
	loc[n] = '\0';
	if (probe_url_parse("https://www.example.net:8443/a/b?c", &base) < 0)
		abort();
	if (probe_url_resolve(&base, loc, &u) < 0)
		return;
	if (!memchr(u.host, '\0', sizeof(u.host)) || !memchr(u.path, '\0', sizeof(u.path)) ||
	    u.path[0] != '/' || u.port == 0)
		abort();
	probe_url_format(&u, text, sizeof(text));
	if (strlen(text) >= PROBE_URL_MAX)
		return;		/* the brackets and port may push it past the cap */
	if (probe_url_parse(text, &again) < 0 || again.tls != u.tls || again.port != u.port ||
	    strcmp(again.host, u.host) || strcmp(again.path, u.path))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_http_parser a, b;
	struct sink sa, sb;
	unsigned step;
	size_t ea = 0, eb = 0;
	int ra, rb;

	if (size < 1 || size > 256 * 1024)
		return 0;
	step = data[0] % 32 + 1;
	data++;
	size--;
	ra = feed(data, size, 0, &a, &sa, &ea);
	rb = feed(data, size, step, &b, &sb, &eb);
	if (ra != rb || a.status != b.status || sa.n != sb.n || sa.sum != sb.sum)
		abort();
	if (sa.n != a.body_bytes || sb.n != b.body_bytes)
		abort();
	if (ra < 0 && (!a.error || !b.error || strcmp(a.error, b.error)))
		abort();
	if (ra == 1 && (a.status < 200 || a.status > 599 || a.framing != b.framing ||
	    a.head_bytes > PROBE_HTTP_HEAD_MAX || a.chunks != b.chunks ||
	    a.trailers != b.trailers))
		abort();
	if (ra == 1 && a.framing == PROBE_HTTP_LENGTH && a.body_bytes != a.content_length)
		abort();
	if (ra == 1 && (ea != eb || probe_http_reusable(&a) != probe_http_reusable(&b) ||
	    (probe_http_reusable(&a) && a.framing == PROBE_HTTP_CLOSE)))
		abort();
	probe_http_parser_free(&a);
	probe_http_parser_free(&b);
	location(data, size);
	return 0;
}
