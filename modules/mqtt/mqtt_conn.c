/* mqtt_conn.c: the transport under the client: the walk over the resolved
 * addresses with a non-blocking TCP connect, and TLS through OpenSSL with
 * the peer name verified. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "mqtt_int.h"

static bool is_ip_literal(const char *host)
{
	struct in6_addr a;

	return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

/* The newest OpenSSL error as text, or fallback. */
static const char *ssl_error(char *buf, size_t n, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return fallback;
	ERR_error_string_n(e, buf, n);
	ERR_clear_error();
	return buf;
}

int mqtt_tls_init(struct mqtt_client *c, const char **why)
{
	struct sigaction sa;
	SSL_CTX *ctx;
	char e[256];

	if (!c->url.tls)
		return 0;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		*why = "cannot create a TLS context";
		return -ENOMEM;
	}
	c->ssl_ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, c->o.tls_insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if (c->o.ca_file || c->o.ca_dir) {
		if (SSL_CTX_load_verify_locations(ctx, c->o.ca_file, c->o.ca_dir) != 1) {
			snprintf(c->err, sizeof(c->err), "cannot load CA certificates from %s: %s",
			    c->o.ca_file ? c->o.ca_file : c->o.ca_dir,
			    ssl_error(e, sizeof(e), "unknown error"));
			*why = c->err;
			return -EINVAL;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(c->err, sizeof(c->err), "cannot load the system CA store: %s",
		    ssl_error(e, sizeof(e), "unknown error"));
		*why = c->err;
		return -EINVAL;
	}
	if (c->o.cert_file && SSL_CTX_use_certificate_chain_file(ctx, c->o.cert_file) != 1) {
		snprintf(c->err, sizeof(c->err), "cannot load the client certificate %s: %s",
		    c->o.cert_file, ssl_error(e, sizeof(e), "unknown error"));
		*why = c->err;
		return -EINVAL;
	}
	if (c->o.key_file || c->o.cert_file) {
		const char *key = c->o.key_file ? c->o.key_file : c->o.cert_file;

		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			snprintf(c->err, sizeof(c->err), "cannot use the client key %s: %s",
			    key, ssl_error(e, sizeof(e), "unknown error"));
			*why = c->err;
			return -EINVAL;
		}
	}
	/* OpenSSL writes with write(2): a reset peer must not kill us. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
	return 0;
}

/* Start a non-blocking connect to the next address that takes one.
 * Returns 0 (in progress or done) or -errno with c->err set. */
int mqtt_conn_open(struct mqtt_client *c)
{
	int err = -EHOSTUNREACH;

	while (c->addrs && c->addr_next < c->addrs->n) {
		const struct resolver_addr *a = &c->addrs->addr[c->addr_next++];
		const struct sockaddr *sa = (const struct sockaddr *)&a->sa;
		char host[INET6_ADDRSTRLEN], port[8];
		int one = 1;

		if (getnameinfo(sa, a->len, host, sizeof(host), port,
		    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
			snprintf(host, sizeof(host), "?");
		snprintf(c->peer, sizeof(c->peer), a->family == AF_INET6 ? "[%s]:%s" : "%s:%s",
		    host, c->url.port);
		c->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
		if (c->fd < 0) {
			err = -errno;
			snprintf(c->err, sizeof(c->err), "socket for %s: %s", c->peer, strerror(errno));
			continue;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, sa, a->len) == 0 || errno == EINPROGRESS)
			return 0;
		err = -errno;
		snprintf(c->err, sizeof(c->err), "connect to %s: %s", c->peer, strerror(errno));
		close(c->fd);
		c->fd = -1;
	}
	return err;
}

/* The TCP connect finished: check it and set TLS up. 0 or -errno. */
int mqtt_conn_established(struct mqtt_client *c)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		snprintf(c->err, sizeof(c->err), "connect to %s: %s", c->peer, strerror(soerr));
		return -soerr;
	}
	if (!c->ssl_ctx)
		return 0;
	ERR_clear_error();
	c->ssl = SSL_new(c->ssl_ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
		snprintf(c->err, sizeof(c->err), "cannot set TLS up for %s", c->peer);
		return -ENOMEM;
	}
	if (!is_ip_literal(c->url.host))
		SSL_set_tlsext_host_name(c->ssl, c->url.host);
	if (!c->o.tls_insecure && !c->o.tls_no_verify_hostname) {
		int ok;

		SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (is_ip_literal(c->url.host))
			ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->url.host);
		else
			ok = SSL_set1_host(c->ssl, c->url.host);
		if (ok != 1) {
			snprintf(c->err, sizeof(c->err), "cannot verify TLS names for %s", c->url.host);
			return -EINVAL;
		}
	}
	SSL_set_connect_state(c->ssl);
	return 0;
}

/* Drive the TLS handshake: 1 done, 0 wants I/O, -errno with c->err. */
int mqtt_conn_handshake(struct mqtt_client *c)
{
	char e[256];
	long vr;
	int r, se;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->ssl_want_write = false;
		return 1;
	}
	se = SSL_get_error(c->ssl, r);
	if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
		c->ssl_want_write = se == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	vr = SSL_get_verify_result(c->ssl);
	if (vr != X509_V_OK)
		snprintf(c->err, sizeof(c->err), "TLS with %s (%s): certificate verify failed: %s",
		    c->peer, c->url.host, X509_verify_cert_error_string(vr));
	else if (se == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
		snprintf(c->err, sizeof(c->err), "TLS with %s: %s", c->peer,
		    errno ? strerror(errno) : "connection closed during the handshake");
	else
		snprintf(c->err, sizeof(c->err), "TLS with %s: %s", c->peer,
		    ssl_error(e, sizeof(e), "handshake failed"));
	return -ECONNABORTED;
}

/* Read up to n bytes: > 0, 0 at EOF, -EAGAIN, or -errno with c->err. */
ssize_t mqtt_conn_read(struct mqtt_client *c, void *buf, size_t n)
{
	char e[256];
	ssize_t r;
	int se;

	if (!c->ssl) {
		r = recv(c->fd, buf, n, 0);
		if (r >= 0)
			return r;
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		snprintf(c->err, sizeof(c->err), "read from %s: %s", c->peer, strerror(errno));
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
		c->ssl_want_write = true;
		return -EAGAIN;
	}
	if (se == SSL_ERROR_ZERO_RETURN ||
	    (se == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0 && r == 0))
		return 0;
	snprintf(c->err, sizeof(c->err), "TLS read from %s: %s", c->peer,
	    se == SSL_ERROR_SYSCALL && errno ? strerror(errno) : ssl_error(e, sizeof(e), "failed"));
	return -EIO;
}

/* Write up to n bytes: > 0, -EAGAIN, or -errno with c->err. */
ssize_t mqtt_conn_write(struct mqtt_client *c, const void *buf, size_t n)
{
	char e[256];
	ssize_t r;
	int se;

	if (!c->ssl) {
		r = send(c->fd, buf, n, MSG_NOSIGNAL);
		if (r >= 0)
			return r;
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		snprintf(c->err, sizeof(c->err), "write to %s: %s", c->peer, strerror(errno));
		return -errno;
	}
	/* A write that wanted I/O must be repeated with the same length. */
	if (c->ssl_retry_len)
		n = c->ssl_retry_len;
	if (n > INT32_MAX)
		n = INT32_MAX;
	ERR_clear_error();
	r = SSL_write(c->ssl, buf, (int)n);
	if (r > 0) {
		c->ssl_retry_len = 0;
		c->ssl_want_write = false;
		return r;
	}
	se = SSL_get_error(c->ssl, (int)r);
	if (se == SSL_ERROR_WANT_WRITE || se == SSL_ERROR_WANT_READ) {
		c->ssl_retry_len = n;
		c->ssl_want_write = se == SSL_ERROR_WANT_WRITE;
		return -EAGAIN;
	}
	snprintf(c->err, sizeof(c->err), "TLS write to %s: %s", c->peer,
	    se == SSL_ERROR_SYSCALL && errno ? strerror(errno) : ssl_error(e, sizeof(e), "failed"));
	return -EIO;
}

void mqtt_conn_close(struct mqtt_client *c)
{
	/* Stopping, failing or freeing the client ends its lookup too. */
	resolver_cancel(c->dns);
	c->dns = NULL;
	if (c->fd >= 0) {
		loop_fd_del(c->loop, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	SSL_free(c->ssl);
	c->ssl = NULL;
	c->ssl_want_write = false;
	c->ssl_retry_len = 0;
	c->events = 0;
}
