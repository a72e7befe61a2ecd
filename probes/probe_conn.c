/* probe_conn.c: one probed connection on the loop: resolve, connect, TLS.
 *
 * The tls probe stops once the handshake is done; the http probe goes on
 * to send a request and read the answer through the same object. Every
 * step is non-blocking: the name through libop's resolver, the connect
 * through EPOLLOUT, the handshake through OpenSSL's WANT_READ/WANT_WRITE.
 * The owner enforces the timeout (it knows what the whole probe may
 * take) and asks probe_conn_stage() how far the connection got. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "web.h"

struct probe_conn {
	struct loop		*loop;
	struct resolver		*res;
	struct resolver_query	*q;
	struct probe_conn_opts	o;
	char			*host, *sni;
	probe_conn_cb		cb;
	void			*arg;
	int			fd;
	bool			watched;
	SSL			*ssl;
	bool			want_write;	/* a read or write waits for EPOLLOUT */
	enum probe_conn_stage	stage;
	bool			failed;
	struct timespec		t0;
	struct probe_conn_times	times;
	char			dst[INET6_ADDRSTRLEN];
	char			src[INET6_ADDRSTRLEN];
	char			err[256];
};

static const char *const stage_names[] = {
	[PROBE_STAGE_RESOLVE] = "resolve",
	[PROBE_STAGE_CONNECT] = "connect",
	[PROBE_STAGE_HANDSHAKE] = "handshake",
	[PROBE_STAGE_VERIFY] = "verify",
	[PROBE_STAGE_OPEN] = "open",
	[PROBE_STAGE_TIMEOUT] = "timeout",
};

const char *probe_conn_stage_name(enum probe_conn_stage s)
{
	return (unsigned)s < sizeof(stage_names) / sizeof(stage_names[0]) ? stage_names[s] : "?";
}

double probe_conn_elapsed(const struct probe_conn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - c->t0.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - c->t0.tv_nsec) / 1e6;
}

const struct probe_conn_times *probe_conn_times(const struct probe_conn *c) { return &c->times; }
enum probe_conn_stage probe_conn_stage(const struct probe_conn *c) { return c->stage; }
const char *probe_conn_error(const struct probe_conn *c) { return c->err; }
const char *probe_conn_dst(const struct probe_conn *c) { return c->dst; }
const char *probe_conn_src(const struct probe_conn *c) { return c->src; }
SSL *probe_conn_ssl(const struct probe_conn *c) { return c->ssl; }
bool probe_conn_pending(const struct probe_conn *c) { return c->ssl && SSL_pending(c->ssl) > 0; }

/* OpenSSL's newest queued error as words, or fallback. */
static void ssl_reason(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, len, "%s", r ? r : fallback);
	ERR_clear_error();
}

/* Record the failure and tell the owner; the owner may free c in cb, so
 * this is the last thing any path does. */
static void fail(struct probe_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(struct probe_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->failed = true;
	if (c->watched) {
		loop_fd_del(c->loop, c->fd);
		c->watched = false;
	}
	c->cb(c, PROBE_CONN_ERROR, c->arg);
}

static void watch(struct probe_conn *c, uint32_t ev);

static void handshake_step(struct probe_conn *c)
{
	char why[160];
	int r, se;
	long vr;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r != 1) {
		se = SSL_get_error(c->ssl, r);
		if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
			watch(c, se == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN);
			return;
		}
		if (se == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
			snprintf(why, sizeof(why), "%s",
			    errno && r < 0 ? strerror(errno) : "connection closed by the server");
		else
			ssl_reason(why, sizeof(why), "handshake failed");
		fail(c, "TLS handshake failed: %s", why);
		return;
	}
	c->times.handshaken = probe_conn_elapsed(c);
	vr = SSL_get_verify_result(c->ssl);
	if (c->o.verify && vr != X509_V_OK) {
		c->stage = PROBE_STAGE_VERIFY;
		fail(c, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
		return;
	}
	c->stage = PROBE_STAGE_OPEN;
	watch(c, EPOLLIN);
	c->cb(c, PROBE_CONN_OPEN, c->arg);
}

static int tls_begin(struct probe_conn *c)
{
	const char *name = c->sni ? c->sni : c->host;
	X509_VERIFY_PARAM *vp;
	int ok;

	if (!(c->ssl = SSL_new(c->o.tls)) || SSL_set_fd(c->ssl, c->fd) != 1)
		return -ENOMEM;
	/* SNI carries a name, never an address (RFC 6066 section 3). */
	if (name[0] && !probe_is_ip_literal(name) && SSL_set_tlsext_host_name(c->ssl, name) != 1)
		return -EINVAL;
	/* The name checked is what was asked for: the SNI when given. */
	vp = SSL_get0_param(c->ssl);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (!name[0])
		name = c->host;
	ok = probe_is_ip_literal(name) ? X509_VERIFY_PARAM_set1_ip_asc(vp, name) :
	    X509_VERIFY_PARAM_set1_host(vp, name, 0);
	if (ok != 1)
		return -EINVAL;
	SSL_set_connect_state(c->ssl);
	c->stage = PROBE_STAGE_HANDSHAKE;
	return 0;
}

static void connected(struct probe_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	c->times.connected = probe_conn_elapsed(c);
	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0) {
		const void *a = ss.ss_family == AF_INET6 ?
		    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
		    (const void *)&((struct sockaddr_in *)&ss)->sin_addr;

		inet_ntop(ss.ss_family, a, c->src, sizeof(c->src));
	}
	if (!c->o.tls) {
		c->times.handshaken = c->times.connected;
		c->stage = PROBE_STAGE_OPEN;
		watch(c, EPOLLIN);
		c->cb(c, PROBE_CONN_OPEN, c->arg);
		return;
	}
	if ((rc = tls_begin(c)) < 0) {
		fail(c, "TLS setup failed: %s", strerror(-rc));
		return;
	}
	handshake_step(c);
}

static void on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct probe_conn *c = arg;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	(void)l;
	(void)fd;
	switch (c->stage) {
	case PROBE_STAGE_CONNECT:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			fail(c, "connect: %s", strerror(soerr));
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		connected(c);
		return;
	case PROBE_STAGE_HANDSHAKE:
		handshake_step(c);
		return;
	case PROBE_STAGE_OPEN:
		if (c->want_write && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
			c->want_write = false;
			watch(c, EPOLLIN);
			c->cb(c, PROBE_CONN_WRITABLE, c->arg);
			return;	/* a readable fd stays readable: next round */
		}
		if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			c->cb(c, PROBE_CONN_READABLE, c->arg);
		return;
	default:
		return;
	}
}

static void watch(struct probe_conn *c, uint32_t ev)
{
	if (c->watched)
		loop_fd_mod(c->loop, c->fd, ev);
	else if (loop_fd_add(c->loop, c->fd, ev, on_fd, c) == 0)
		c->watched = true;
}

static void resolved(int status, struct resolver_result *res, void *arg)
{
	struct probe_conn *c = arg;
	const struct resolver_addr *a = NULL;
	int fd;

	c->q = NULL;
	c->times.resolved = probe_conn_elapsed(c);
	if (status < 0) {
		fail(c, "%s: %s", c->host, resolver_strerror(status));
		return;
	}
	for (size_t i = 0; i < res->n && !a; i++)
		if (c->o.family == AF_UNSPEC || res->addr[i].family == c->o.family)
			a = &res->addr[i];
	if (!a) {
		resolver_result_free(res);
		fail(c, "%s: no %s address", c->host, c->o.family == AF_INET ? "IPv4" : "IPv6");
		return;
	}
	inet_ntop(a->family, a->family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)&a->sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)&a->sa)->sin_addr, c->dst, sizeof(c->dst));
	c->stage = PROBE_STAGE_CONNECT;
	fd = probe_socket(a->family, SOCK_STREAM, 0, c->o.path);
	if (fd < 0) {
		resolver_result_free(res);
		fail(c, "socket: %s", strerror(-fd));
		return;
	}
	c->fd = fd;
	if (connect(fd, (const struct sockaddr *)&a->sa, a->len) < 0 && errno != EINPROGRESS) {
		int e = errno;

		resolver_result_free(res);
		fail(c, "connect: %s", strerror(e));
		return;
	}
	resolver_result_free(res);
	watch(c, EPOLLOUT);
	if (!c->watched)
		fail(c, "cannot watch the socket");
}

int probe_conn_start(struct loop *l, struct resolver *r, const struct probe_conn_opts *opts,
    probe_conn_cb cb, void *arg, struct probe_conn **out)
{
	struct probe_conn *c;
	char port[8];
	int rc;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	c->loop = l;
	c->res = r;
	c->o = *opts;
	c->cb = cb;
	c->arg = arg;
	c->fd = -1;
	c->times.resolved = c->times.connected = c->times.handshaken = -1;
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	if (!(c->host = strdup(opts->host)) || (opts->sni && !(c->sni = strdup(opts->sni)))) {
		probe_conn_free(c);
		return -ENOMEM;
	}
	c->o.host = c->host;
	c->o.sni = c->sni;
	snprintf(port, sizeof(port), "%u", opts->port);
	if ((rc = resolver_getaddrinfo(r, c->host, port, resolved, c, &c->q)) < 0) {
		probe_conn_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void probe_conn_set_cb(struct probe_conn *c, probe_conn_cb cb, void *arg)
{
	c->cb = cb;
	c->arg = arg;
}

void probe_conn_free(struct probe_conn *c)
{
	if (!c)
		return;
	resolver_cancel(c->q);
	if (c->watched)
		loop_fd_del(c->loop, c->fd);
	if (c->ssl) {
		/* A courtesy close_notify; the answer is not waited for. */
		if (c->stage == PROBE_STAGE_OPEN && !c->failed)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	ERR_clear_error();
	if (c->fd >= 0)
		close(c->fd);
	free(c->host);
	free(c->sni);
	free(c);
}

ssize_t probe_conn_write(struct probe_conn *c, const void *buf, size_t n)
{
	ssize_t w;
	int se;

	if (c->stage != PROBE_STAGE_OPEN || c->failed)
		return -ENOTCONN;
	if (!c->ssl) {
		w = send(c->fd, buf, n, MSG_NOSIGNAL);
		if (w >= 0)
			return w;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->want_write = true;
			watch(c, EPOLLIN | EPOLLOUT);
			return -EAGAIN;
		}
		snprintf(c->err, sizeof(c->err), "send: %s", strerror(errno));
		return -errno;
	}
	ERR_clear_error();
	w = SSL_write(c->ssl, buf, (int)(n > INT32_MAX ? INT32_MAX : n));
	if (w > 0)
		return w;
	se = SSL_get_error(c->ssl, (int)w);
	if (se == SSL_ERROR_WANT_WRITE || se == SSL_ERROR_WANT_READ) {
		c->want_write = se == SSL_ERROR_WANT_WRITE;
		watch(c, c->want_write ? EPOLLIN | EPOLLOUT : EPOLLIN);
		return -EAGAIN;
	}
	ssl_reason(c->err, sizeof(c->err), "TLS write failed");
	return -EIO;
}

ssize_t probe_conn_read(struct probe_conn *c, void *buf, size_t n)
{
	ssize_t r;
	int se;

	if (c->stage != PROBE_STAGE_OPEN || c->failed)
		return -ENOTCONN;
	if (!c->ssl) {
		r = recv(c->fd, buf, n, 0);
		if (r >= 0)
			return r;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		snprintf(c->err, sizeof(c->err), "recv: %s", strerror(errno));
		return -errno;
	}
	ERR_clear_error();
	r = SSL_read(c->ssl, buf, (int)(n > INT32_MAX ? INT32_MAX : n));
	if (r > 0)
		return r;
	se = SSL_get_error(c->ssl, (int)r);
	if (se == SSL_ERROR_WANT_READ)
		return -EAGAIN;
	if (se == SSL_ERROR_WANT_WRITE) {
		c->want_write = true;
		watch(c, EPOLLIN | EPOLLOUT);
		return -EAGAIN;
	}
	if (se == SSL_ERROR_ZERO_RETURN)
		return 0;
	/* A server that closes without close_notify: the end for an HTTP
	 * body delimited by the close; the body framing decides if it was
	 * truncated. */
	if (se == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0 && r == 0)
		return 0;
	if (se == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_last_error()) ==
	    SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_clear_error();
		return 0;
	}
	if (se == SSL_ERROR_SYSCALL && errno)
		snprintf(c->err, sizeof(c->err), "recv: %s", strerror(errno));
	else
		ssl_reason(c->err, sizeof(c->err), "TLS read failed");
	return -EIO;
}

SSL_CTX *probe_tls_ctx_new(const char *ca_file, const char **why)
{
	SSL_CTX *ctx;

	/* OpenSSL writes with write(2): a server that resets the connection
	 * must end one probe, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if (!(ctx = SSL_CTX_new(TLS_client_method()))) {
		*why = "cannot create a TLS context";
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Verify, but decide after the handshake: the probe reports the
	 * certificate and the verdict even when the chain is bad. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 :
	    SSL_CTX_set_default_verify_paths(ctx) != 1) {
		*why = ca_file ? "cannot load the CA file" : "cannot load the system's CA store";
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
