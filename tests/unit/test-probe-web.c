/* test-probe-web: the http and tls probes through the job API on
 * loopback, without root: a small server on the same loop answers by
 * path (a content-length body, a chunked one, a redirect, a 404, a bad
 * status line, silence); results come only from the loop, several
 * targets run at once, each result is valid JSON with the right status,
 * size and state, a silent server times out, a drain halfway reports the
 * target and finishes the job, and tls against a server that closes at
 * once is a handshake failure. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "json.h"
#include "probe.h"

#define MAXR 8

struct got {
	struct loop		*loop;
	int			results, done;
	bool			in_start, from_start;
	char			json[MAXR][4096];
	char			target[MAXR][128];
	enum probe_outcome	outcome[MAXR];
};

static void on_result(const struct probe_result *r, void *arg)
{
	struct got *g = arg;

	if (g->in_start)
		g->from_start = true;
	if (g->results < MAXR) {
		snprintf(g->json[g->results], sizeof(g->json[0]), "%.*s", (int)r->json_len, r->json);
		snprintf(g->target[g->results], sizeof(g->target[0]), "%s", r->target);
		g->outcome[g->results] = r->outcome;
	}
	g->results++;
}

static void on_done(int err, void *arg)
{
	struct got *g = arg;

	(void)err;
	g->done++;
	loop_stop(g->loop);
}

/* The server: each connection reads a request head and answers. */
struct srv {
	struct loop	*loop;
	int		lfd;
	bool		close_at_once;	/* for tls: no TLS at all */
	int		silent[16];
	int		nsilent;
};

struct client {
	struct srv	*s;
	int		fd;
	char		req[2048];
	size_t		n;
};

static const char *answer(const char *path)
{
	if (!strcmp(path, "/ok"))
		return "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world";
	if (!strcmp(path, "/chunked"))
		return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
	if (!strcmp(path, "/moved"))
		return "HTTP/1.1 301 Moved\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n";
	if (!strcmp(path, "/bad"))
		return "HTTP/1.1 2OO OK\r\n\r\n";
	if (!strcmp(path, "/silent"))
		return NULL;
	return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
}

static void on_client(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct client *c = arg;
	char path[256];
	const char *a;
	ssize_t r;

	(void)ev;
	r = read(fd, c->req + c->n, sizeof(c->req) - 1 - c->n);
	if (r > 0)
		c->n += (size_t)r;
	c->req[c->n] = '\0';
	if (r > 0 && !strstr(c->req, "\r\n\r\n"))
		return;
	loop_fd_del(l, fd);
	if (r > 0 && sscanf(c->req, "GET %255s HTTP/1.1", path) == 1) {
		if (!(a = answer(path))) {
			c->s->silent[c->s->nsilent++] = fd;	/* closed at the end */
			free(c);
			return;
		}
		if (write(fd, a, strlen(a)) < 0)
			diag("write: %s", strerror(errno));
	}
	close(fd);
	free(c);
}

static void on_accept(struct loop *l, int lfd, uint32_t ev, void *arg)
{
	struct srv *s = arg;
	struct client *c;
	int fd = accept(lfd, NULL, NULL);

	(void)ev;
	if (fd < 0)
		return;
	if (s->close_at_once || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->s = s;
	c->fd = fd;
	loop_fd_add(l, fd, EPOLLIN, on_client, c);
}

static uint16_t srv_start(struct srv *s, struct loop *l)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);

	memset(s, 0, sizeof(*s));
	s->loop = l;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 64) < 0 || getsockname(s->lfd, (struct sockaddr *)&sa, &len) < 0)
		bail_out("listener: %s", strerror(errno));
	loop_fd_add(l, s->lfd, EPOLLIN, on_accept, s);
	return ntohs(sa.sin_port);
}

static void srv_stop(struct srv *s)
{
	loop_fd_del(s->loop, s->lfd);
	close(s->lfd);
	for (int i = 0; i < s->nsilent; i++)
		close(s->silent[i]);
}

static const char *find(const struct got *g, const char *target_suffix)
{
	for (int i = 0; i < g->results && i < MAXR; i++) {
		size_t a = strlen(g->target[i]), b = strlen(target_suffix);

		if (a >= b && !strcmp(g->target[i] + a - b, target_suffix))
			return g->json[i];
	}
	return "";
}

static int run_job(struct loop *l, struct resolver *r, const struct probe_spec *sp,
    const char *const *t, size_t n, struct got *g, struct probe_job **jo)
{
	struct probe_sink sink = { .result = on_result, .done = on_done, .arg = g };
	char err[256];
	int rc;

	memset(g, 0, sizeof(*g));
	g->loop = l;
	g->in_start = true;
	rc = probe_job_start(l, r, sp, t, n, &sink, jo, err, sizeof(err));
	g->in_start = false;
	if (rc < 0)
		diag("start: %s", err);
	return rc;
}

static void test_http(struct loop *l, struct resolver *r)
{
	struct probe_spec sp = { .type = PROBE_HTTP, .timeout_ms = 500, .max_redirects = 0 };
	struct probe_job *j = NULL;
	struct srv s;
	struct got g;
	char t[6][128];
	const char *tp[6];
	const char *paths[] = { "/ok", "/chunked", "/moved", "/nope", "/bad", "/silent" };
	uint16_t port = srv_start(&s, l);
	bool valid = true;

	probe_path_init(&sp.path);
	for (int i = 0; i < 6; i++) {
		snprintf(t[i], sizeof(t[i]), "http://127.0.0.1:%u%s", port, paths[i]);
		tp[i] = t[i];
	}
	ok(run_job(l, r, &sp, tp, 6, &g, &j) == 0, "http: six targets start");
	while (!g.done)
		loop_run_once(l, 100);
	ok(!g.from_start && g.done == 1 && g.results == 6, "http: six results from the loop, one done");
	for (int i = 0; i < g.results && i < MAXR; i++)
		valid = valid && json_validate(g.json[i], strlen(g.json[i]), NULL, NULL) == 0;
	ok(valid, "http: every result is valid JSON");
	ok(strstr(find(&g, "/ok"), "\"status\":200") && strstr(find(&g, "/ok"), "\"size\":11") &&
	    strstr(find(&g, "/ok"), "\"sha256\":\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\""),
	    "http: /ok has status 200, 11 bytes and the SHA-256 of 'hello world'");
	ok(strstr(find(&g, "/chunked"), "\"framing\":\"chunked\"") &&
	    strstr(find(&g, "/chunked"), "\"trailers\":1") &&
	    strstr(find(&g, "/chunked"), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
	    "http: /chunked decodes to the same body, one trailer");
	ok(strstr(find(&g, "/moved"), "\"status\":301") && strstr(find(&g, "/moved"), "\"location\":\"/ok\"") &&
	    strstr(find(&g, "/moved"), "\"outcome\":\"reached\""), "http: /moved not followed, Location reported");
	ok(strstr(find(&g, "/nope"), "\"status\":404") && strstr(find(&g, "/nope"), "\"outcome\":\"unreachable\""),
	    "http: /nope is unreachable with 404");
	ok(strstr(find(&g, "/bad"), "\"state\":\"response\"") && strstr(find(&g, "/bad"), "bad status line"),
	    "http: /bad reports a bad status line");
	ok(strstr(find(&g, "/silent"), "\"state\":\"timeout\"") &&
	    strstr(find(&g, "/silent"), "the wait for the response"), "http: /silent times out waiting");
	probe_job_free(j);

	/* Followed, and drained halfway through a count. */
	sp.max_redirects = 3;
	sp.count = 100;
	sp.interval_ms = 20;
	tp[0] = t[2];
	ok(run_job(l, r, &sp, tp, 1, &g, &j) == 0, "http -L -c 100 starts");
	loop_run_once(l, 100);
	for (int k = 0; k < 50 && g.results == 0; k++)
		loop_run_once(l, 5);
	ok(probe_job_drain(j) == 0, "http: drain is supported");
	while (!g.done)
		loop_run_once(l, 100);
	ok(g.results == 1 && strstr(g.json[0], "\"redirects\":1") &&
	    strstr(g.json[0], "\"status\":200") && g.outcome[0] == PROBE_REACHED,
	    "http: drained, the last fetch followed the redirect to a 200");
	if (!ok(!strstr(g.json[0], "\"sent\":100,"), "http: the drain stopped the count early"))
		diag("%s", g.json[0]);
	probe_job_free(j);
	srv_stop(&s);
}

static void test_tls(struct loop *l, struct resolver *r)
{
	struct probe_spec sp = { .type = PROBE_TLS, .timeout_ms = 500 };
	struct probe_job *j = NULL;
	struct srv s;
	struct got g;
	char t[64];
	const char *tp[1] = { t };
	uint16_t port = srv_start(&s, l);

	s.close_at_once = true;
	probe_path_init(&sp.path);
	snprintf(t, sizeof(t), "127.0.0.1:%u", port);
	ok(run_job(l, r, &sp, tp, 1, &g, &j) == 0, "tls: starts");
	while (!g.done)
		loop_run_once(l, 100);
	if (!ok(g.results == 1 && g.outcome[0] == PROBE_UNREACHABLE &&
	    strstr(g.json[0], "\"state\":\"handshake-failed\"") && strstr(g.json[0], "\"sni\":null"),
	    "tls: a server that closes at once is a handshake failure, no SNI for an address"))
		diag("%s", g.json[0]);
	probe_job_free(j);
	tp[0] = "no-port:";
	ok(run_job(l, r, &sp, tp, 1, &g, &j) == -EINVAL && !j, "tls: a bad target is refused at start");
	srv_stop(&s);
}

int main(void)
{
	struct loop *l;
	struct resolver *r;

	if (loop_new(&l) < 0 || resolver_new(l, NULL, &r) < 0)
		bail_out("loop or resolver");
	test_http(l, r);
	test_tls(l, r);
	resolver_free(r);
	loop_free(l);
	return done_testing();
}
