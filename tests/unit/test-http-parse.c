/* test-http-parse: the http probe's response parser and URL handling.
 *
 * Every response is fed whole, byte by byte, and in random splits (the
 * seed is printed), and must give the same verdict, body and fields each
 * way: a server's segmentation must never change what the probe says. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe_http_parse.h"
#include "tap.h"
#include "web.h"

struct body {
	char	buf[4096];
	size_t	n;
};

static void on_body(void *arg, const uint8_t *p, size_t n)
{
	struct body *b = arg;

	if (b->n + n <= sizeof(b->buf))
		memcpy(b->buf + b->n, p, n);
	b->n += n;
}

/* Feed s in pieces of at most step bytes (0: random 1..16), then EOF when
 * eof; returns the final verdict (1 complete, -errno, or 0 pending). */
static int run(const char *s, size_t len, size_t step, bool eof, struct probe_http_parser *p,
    struct body *b)
{
	size_t off = 0;
	int rc = 0;

	probe_http_parser_init(p);
	memset(b, 0, sizeof(*b));
	while (off < len && rc == 0) {
		size_t n = step ? step : 1 + (size_t)(rand() % 16);

		if (n > len - off)
			n = len - off;
		rc = probe_http_parse(p, (const uint8_t *)s + off, n, on_body, b);
		off += n;
	}
	if (rc == 0 && eof)
		rc = probe_http_parse_eof(p);
	return rc;
}

struct pcase {
	const char	*name;
	const char	*in;
	bool		eof;
	int		rc;
	int		status;
	const char	*body;
	const char	*framing;
	const char	*error;		/* substring, when rc < 0 */
};

static const struct pcase cases[] = {
	{ "content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 1, 200,
	  "hello", "content-length", NULL },
	{ "bytes after the body are not part of it",
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiXYZ", false, 1, 200, "hi",
	  "content-length", NULL },
	{ "bare LF line ends", "HTTP/1.0 200 OK\nContent-Length: 3\n\nabc", false, 1, 200, "abc",
	  "content-length", NULL },
	{ "chunked with extensions and trailers",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", false, 1, 200,
	  "hello world", "chunked", NULL },
	{ "gzip, chunked is chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
	  "3\r\nabc\r\n0\r\n\r\n", false, 1, 200, "abc", "chunked", NULL },
	{ "Transfer-Encoding overrides Content-Length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "2\r\nok\r\n0\r\n\r\n", false, 1, 200, "ok", "chunked", NULL },
	{ "close-delimited", "HTTP/1.1 200 OK\r\n\r\nuntil close", true, 1, 200, "until close",
	  "close", NULL },
	{ "204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", false, 1, 204, "", "none", NULL },
	{ "100 Continue is skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n"
	  "Content-Length: 1\r\n\r\nx", false, 1, 404, "x", "content-length", NULL },
	{ "redirect with Location", "HTTP/1.1 302 Found\r\nLocation: /next\r\n"
	  "Content-Length: 0\r\n\r\n", false, 1, 302, "", "content-length", NULL },
	{ "bad status line", "HTTP/1.1 OK 200\r\n\r\n", false, -EBADMSG, -1, "", NULL,
	  "bad status line" },
	{ "not HTTP at all", "SSH-2.0-OpenSSH_9.2\r\n\r\n", false, -EBADMSG, -1, "", NULL,
	  "bad status line" },
	{ "HTTP/2 status line", "HTTP/2 200\r\n\r\n", false, -EBADMSG, -1, "", NULL,
	  "bad status line" },
	{ "status out of range", "HTTP/1.1 999 What\r\n\r\n", false, -EBADMSG, -1, "", NULL,
	  "out of range" },
	{ "header without colon", "HTTP/1.1 200 OK\r\nBroken header\r\n\r\n", false, -EBADMSG,
	  -1, "", NULL, "malformed header" },
	{ "space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", false,
	  -EBADMSG, -1, "", NULL, "malformed header" },
	{ "obsolete folding", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", false, -EBADMSG, -1, "",
	  NULL, "folding" },
	{ "conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	  false, -EBADMSG, -1, "", NULL, "conflicting" },
	{ "length overflows", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	  false, -EOVERFLOW, -1, "", NULL, "overflows" },
	{ "negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, -EBADMSG,
	  -1, "", NULL, "not a number" },
	{ "chunk size overflows", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "10000000000000000\r\n", false, -EOVERFLOW, 200, "", "chunked", "chunk size overflows" },
	{ "chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	  false, -EBADMSG, 200, "", "chunked", "bad chunk size" },
	{ "chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "2\r\nokXX0\r\n\r\n", false, -EBADMSG, 200, "ok", "chunked", "CRLF" },
	{ "truncated content-length body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	  true, -EBADMSG, 200, "abc", "content-length", "truncated" },
	{ "truncated chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5\r\nab", true, -EBADMSG, 200, "ab", "chunked", "chunked body" },
	{ "closed inside the head", "HTTP/1.1 200 OK\r\nContent-", true, -EBADMSG, -1, "", NULL,
	  "inside the response head" },
	{ "closed before anything", "", true, -EBADMSG, -1, "", NULL, "before any response" },
	{ "NUL in a header value", "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", false, -EBADMSG, -1,
	  "", NULL, "malformed header" },
	{ "101 is refused", "HTTP/1.1 101 Switching Protocols\r\n\r\n", false, -EBADMSG, -1, "",
	  NULL, "101" },
};

static size_t case_len(const struct pcase *c)
{
	/* The NUL case carries one NUL inside. */
	size_t n = strlen(c->in);

	if (strstr(c->name, "NUL"))
		n += 1 + strlen(c->in + n + 1);
	return n;
}

static void check_case(const struct pcase *c, size_t step, const char *how)
{
	struct probe_http_parser p;
	struct body b;
	int rc = run(c->in, case_len(c), step, c->eof, &p, &b);

	if (!ok(rc == c->rc, "%s (%s): verdict %d", c->name, how, c->rc)) {
		diag("got %d (%s)", rc, p.error ? p.error : "no error");
		goto out;
	}
	if (rc == 1) {
		ok(p.status == c->status && b.n == strlen(c->body) &&
		    !memcmp(b.buf, c->body, b.n) &&
		    !strcmp(probe_http_framing_name(p.framing), c->framing),
		    "%s (%s): status %d, body '%s', %s", c->name, how, c->status, c->body,
		    c->framing);
	} else {
		ok(p.error && strstr(p.error, c->error) && b.n == strlen(c->body),
		    "%s (%s): error says '%s'", c->name, how, c->error);
		if (!p.error || !strstr(p.error, c->error))
			diag("error was '%s'", p.error ? p.error : "(none)");
	}
out:
	probe_http_parser_free(&p);
}

/* Whether the connection may carry the next request, and where the
 * response ended in the buffer (a keep-alive client must not take the
 * next response's bytes, nor trust a stream whose end it cannot see). */
static const struct rcase {
	const char	*name;
	const char	*in;
	bool		eof;
	bool		reusable;
	size_t		extra;		/* bytes after the response */
} reuse_cases[] = {
	{ "1.1 with a length", "HTTP/1.1 206 Partial\r\nContent-Length: 2\r\n\r\nab", false,
	  true, 0 },
	{ "1.1 chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "1\r\na\r\n0\r\n\r\n", false, true, 0 },
	{ "1.1 Connection: close", "HTTP/1.1 200 OK\r\nConnection: Close\r\n"
	  "Content-Length: 0\r\n\r\n", false, false, 0 },
	{ "close among options", "HTTP/1.1 200 OK\r\nConnection: upgrade , close\r\n"
	  "Content-Length: 0\r\n\r\n", false, false, 0 },
	{ "1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false,
	  false, 0 },
	{ "1.0 with keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
	  "Content-Length: 1\r\n\r\nx", false, true, 0 },
	{ "close-delimited", "HTTP/1.1 200 OK\r\n\r\nxyz", true, false, 0 },
	{ "a 404 with a body", "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!", false,
	  true, 0 },
	{ "bytes after the body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP", false,
	  true, 4 },
	{ "interim head's close does not count", "HTTP/1.1 100 Continue\r\nConnection: close"
	  "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, true, 0 },
};

static void test_reuse(void)
{
	for (size_t i = 0; i < sizeof(reuse_cases) / sizeof(reuse_cases[0]); i++) {
		const struct rcase *c = &reuse_cases[i];
		size_t len = strlen(c->in);
		struct probe_http_parser p;
		struct body b;
		int rc = run(c->in, len, len, c->eof, &p, &b);

		ok(rc == 1 && probe_http_reusable(&p) == c->reusable &&
		    (c->eof || len - p.used == c->extra), "reuse: %s: %s, %zu bytes after",
		    c->name, c->reusable ? "reusable" : "not reusable", c->extra);
		probe_http_parser_free(&p);
	}
}

static void test_limits(void)
{
	struct probe_http_parser p;
	struct body b;
	char *big = malloc(PROBE_HTTP_HEAD_MAX + 200);
	size_t n;
	int rc;

	/* An endless header: refused at the cap, not buffered forever. */
	n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(big + n, 'a', PROBE_HTTP_HEAD_MAX + 100 - n);
	rc = run(big, PROBE_HTTP_HEAD_MAX + 100, 4096, false, &p, &b);
	ok(rc == -EMSGSIZE && p.error && strstr(p.error, "64 KiB"),
	    "a head past 64 KiB is refused (%d)", rc);
	probe_http_parser_free(&p);
	/* Exactly at the cap is fine. */
	n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(big + n, 'a', PROBE_HTTP_HEAD_MAX - n - 4);
	memcpy(big + PROBE_HTTP_HEAD_MAX - 4, "\r\n\r\n", 4);
	rc = run(big, PROBE_HTTP_HEAD_MAX, 1000, true, &p, &b);
	ok(rc == 1 && p.head_bytes == PROBE_HTTP_HEAD_MAX, "a head of exactly 64 KiB is read");
	probe_http_parser_free(&p);
	/* A chunk-size line that never ends. */
	n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
	memset(big + n, 'e', 3000);
	rc = run(big, n + 3000, 100, false, &p, &b);
	ok(rc == -EMSGSIZE && strstr(p.error, "chunk size line"), "an endless chunk line is refused");
	probe_http_parser_free(&p);
	free(big);
}

struct ucase {
	const char *base, *loc, *want;
};

static void test_urls(void)
{
	static const struct ucase res[] = {
		{ "http://a.example/x/y?q", "/z", "http://a.example/z" },
		{ "http://a.example/x/y?q", "z", "http://a.example/x/z" },
		{ "http://a.example/x/y?q", "?r", "http://a.example/x/y?r" },
		{ "http://a.example:8080/", "//b.example/p", "http://b.example/p" },
		{ "https://a.example/", "http://[2001:db8::1]:81/v6#frag", "http://[2001:db8::1]:81/v6" },
		{ "http://a.example/", "HTTPS://c.example", "https://c.example/" },
		{ "http://a.example/", "javascript:alert(1)", NULL },
		{ "http://a.example/", "/bad path", NULL },
	};
	struct probe_url u, b;
	char buf[PROBE_URL_MAX];

	ok(probe_url_parse("http://127.0.0.1:8080/a?b#c", &u) == 0 && !u.tls && u.port == 8080 &&
	    u.host_is_ip && !strcmp(u.path, "/a?b"), "an http URL with port, query, fragment");
	ok(probe_url_parse("https://example.org", &u) == 0 && u.tls && u.port == 443 &&
	    !strcmp(u.path, "/") && !u.host_is_ip, "an https URL without a path");
	ok(probe_url_parse("https://[2001:db8::1]/", &u) == 0 && !strcmp(u.host, "2001:db8::1"),
	    "an IPv6 literal in brackets");
	ok(probe_url_parse("ftp://x/", &u) < 0 && probe_url_parse("http://u@x/", &u) < 0 &&
	    probe_url_parse("http://x:0/", &u) < 0 && probe_url_parse("http://x:65536/", &u) < 0 &&
	    probe_url_parse("http:///", &u) < 0 && probe_url_parse("http://a b/", &u) < 0 &&
	    probe_url_parse("http://2001:db8::1/", &u) < 0,
	    "other schemes, userinfo, bad ports, empty hosts, bare IPv6 refused");
	ok(probe_hostport_parse("example.org", 443, &u) == 0 && u.port == 443 &&
	    probe_hostport_parse("example.org:8443", 443, &u) == 0 && u.port == 8443 &&
	    probe_hostport_parse("[2001:db8::2]:853", 443, &u) == 0 && u.port == 853 &&
	    !strcmp(u.host, "2001:db8::2") &&
	    probe_hostport_parse("2001:db8::3", 443, &u) == 0 && u.port == 443,
	    "tls targets: host, host:port, [v6]:port, bare v6");
	ok(probe_hostport_parse("x:99999", 443, &u) < 0 && probe_hostport_parse("", 443, &u) < 0 &&
	    probe_hostport_parse("[::1", 443, &u) < 0, "bad tls targets refused");
	for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		int rc;

		probe_url_parse(res[i].base, &b);
		rc = probe_url_resolve(&b, res[i].loc, &u);
		if (!res[i].want) {
			ok(rc < 0, "Location '%s' is refused", res[i].loc);
			continue;
		}
		probe_url_format(&u, buf, sizeof(buf));
		if (!ok(rc == 0 && !strcmp(buf, res[i].want), "'%s' + '%s' = '%s'", res[i].base,
		    res[i].loc, res[i].want))
			diag("got %d '%s'", rc, buf);
	}
}

int main(void)
{
	unsigned seed = (unsigned)time(NULL);
	const char *env = getenv("TEST_SEED");

	if (env)
		seed = (unsigned)strtoul(env, NULL, 10);
	diag("seed %u (TEST_SEED to repeat)", seed);
	srand(seed);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i], 1 << 20, "whole");
		check_case(&cases[i], 1, "byte by byte");
		check_case(&cases[i], 0, "random splits");
	}
	test_limits();
	test_reuse();
	test_urls();
	return done_testing();
}
