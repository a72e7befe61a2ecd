/* test-resolve-query.c: raw queries (resolver_query, resolver_send) and the
 * path and transport options, against a DNS server on the same loop that
 * listens on UDP and TCP of one loopback port. What it answers depends on
 * the name: nx.test NXDOMAIN, fail.test SERVFAIL, silent.test nothing,
 * big.test a TXT too big for UDP (over UDP only the TC bit), anything else
 * A 192.0.2.10. It notes the transport and source of every query. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns_msg.h"
#include "loop.h"
#include "resolve.h"
#include "tap.h"

struct srv {
	int		 udp, tcp, conn;
	char		 addr[32];
	unsigned	 n_udp, n_tcp;
	char		 last_src[INET6_ADDRSTRLEN];
	bool		 last_edns;
};

/* The reply to q[0..n) in out; 0 for no reply. */
static size_t answer(struct srv *s, const uint8_t *q, size_t n, bool tcp, uint8_t *out)
{
	struct probe_dns_msg m;
	struct wire_buf b;
	size_t len = 0;

	if (probe_dns_msg_parse(q, n, &m) < 0 || !m.has_question)
		return 0;
	s->last_edns = m.edns;
	if (strcmp(m.qname, "silent.test.") == 0)
		goto out;
	wire_buf_init(&b);
	wire_put_u16be(&b, m.id);
	wire_put_u16be(&b, PROBE_DNS_F_QR | PROBE_DNS_F_AA | PROBE_DNS_F_RD | PROBE_DNS_F_RA |
	    (strcmp(m.qname, "nx.test.") == 0 ? 3 : strcmp(m.qname, "fail.test.") == 0 ? 2 : 0) |
	    (strcmp(m.qname, "big.test.") == 0 && !tcp ? PROBE_DNS_F_TC : 0));
	wire_put_u16be(&b, 1);
	bool a = strcmp(m.qname, "x.test.") == 0;
	bool big = strcmp(m.qname, "big.test.") == 0 && tcp;
	wire_put_u16be(&b, a || big);
	wire_put_u32be(&b, 0);
	probe_dns_name_encode(&b, m.qname);
	wire_put_u16be(&b, m.qtype);
	wire_put_u16be(&b, m.qclass);
	if (a) {
		wire_put_u16be(&b, 0xc00c);
		wire_put_u16be(&b, 1);
		wire_put_u16be(&b, 1);
		wire_put_u32be(&b, 60);
		wire_put_u16be(&b, 4);
		wire_put_bytes(&b, "\xc0\x00\x02\x0a", 4);
	} else if (big) {
		uint8_t chunk[200];

		memset(chunk, 'z', sizeof(chunk));
		wire_put_u16be(&b, 0xc00c);
		wire_put_u16be(&b, PROBE_DNS_T_TXT);
		wire_put_u16be(&b, 1);
		wire_put_u32be(&b, 60);
		wire_put_u16be(&b, 4 * 201);
		for (int i = 0; i < 4; i++) {
			wire_put_u8(&b, 200);
			wire_put_bytes(&b, chunk, sizeof(chunk));
		}
	}
	if (!wire_buf_error(&b) && b.len <= 4096) {
		memcpy(out, b.data, b.len);
		len = b.len;
	}
	wire_buf_free(&b);
out:
	probe_dns_msg_free(&m);
	return len;
}

static void on_udp(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct srv *s = arg;
	uint8_t q[1500], out[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;
	size_t r;

	while ((n = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) >= 0) {
		s->n_udp++;
		inet_ntop(AF_INET, &from.sin_addr, s->last_src, sizeof(s->last_src));
		if ((r = answer(s, q, (size_t)n, false, out)) > 0)
			sendto(fd, out, r, 0, (struct sockaddr *)&from, fl);
		fl = sizeof(from);
	}
}

static void on_conn(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct srv *s = arg;
	uint8_t q[1500], out[4098];
	ssize_t n = read(fd, q, sizeof(q));
	size_t r;

	if (n <= 0) {
		loop_fd_del(l, fd);
		close(fd);
		s->conn = -1;
		return;
	}
	/* One query per read: c-ares writes each in one go on loopback. */
	if (n < 2 || (size_t)(q[0] << 8 | q[1]) != (size_t)n - 2)
		return;
	s->n_tcp++;
	if ((r = answer(s, q + 2, (size_t)n - 2, true, out + 2)) > 0) {
		out[0] = (uint8_t)(r >> 8);
		out[1] = (uint8_t)r;
		if (write(fd, out, r + 2) < 0)
			diag("tcp write: %s", strerror(errno));
	}
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct srv *s = arg;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (c >= 0 && loop_fd_add(l, c, EPOLLIN, on_conn, s) == 0)
		s->conn = c;
}

static void srv_start(struct loop *l, struct srv *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->conn = -1;
	s->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(s->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s->tcp < 0 || bind(s->tcp, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(s->tcp, 8) < 0 || getsockname(s->tcp, (struct sockaddr *)&sin, &sl) < 0)
		bail_out("tcp server: %s", strerror(errno));
	s->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->udp < 0 || bind(s->udp, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    loop_fd_add(l, s->udp, EPOLLIN, on_udp, s) < 0 ||
	    loop_fd_add(l, s->tcp, EPOLLIN, on_accept, s) < 0)
		bail_out("udp server: %s", strerror(errno));
	snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
}

struct got {
	int		 calls, status;
	unsigned	 timeouts;
	struct probe_dns_msg m;
	int		 parse;
};

static void on_reply(int status, const uint8_t *reply, size_t len, unsigned timeouts, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->status = status;
	g->timeouts = timeouts;
	probe_dns_msg_free(&g->m);
	g->parse = reply ? probe_dns_msg_parse(reply, len, &g->m) : -ENODATA;
}

static void run_until(struct loop *l, int *flag, uint64_t ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (*flag < 1 && loop_now_ms() < end)
		loop_run_once(l, (int)(end - loop_now_ms()));
}

static struct resolver *at(struct loop *l, struct srv *s, struct resolver_opts o)
{
	const char *servers[] = { s->addr };
	struct resolver *r;
	int rc;

	o.servers = servers;
	o.n_servers = 1;
	o.no_system_config = true;
	o.raw_replies = true;
	if (!o.timeout_ms)
		o.timeout_ms = 300;
	if (!o.tries)
		o.tries = 1;
	if ((rc = resolver_new(l, &o, &r)) < 0)
		bail_out("resolver_new: %s", strerror(-rc));
	return r;
}

/* One query for name/type on a fresh resolver with options o. */
static void ask(struct loop *l, struct srv *s, struct resolver_opts o, const char *name,
    int type, struct got *g)
{
	struct resolver *r = at(l, s, o);
	struct resolver_query *q;
	int rc;

	probe_dns_msg_free(&g->m);
	memset(g, 0, sizeof(*g));
	rc = resolver_query(r, name, 1, type, on_reply, g, &q);
	if (rc < 0)
		bail_out("resolver_query %s: %s", name, strerror(-rc));
	ok(g->calls == 0, "%s: no callback inside the call", name);
	run_until(l, &g->calls, 3000);
	resolver_free(r);
}

int main(void)
{
	struct resolver_opts o0 = { 0 };
	struct resolver *r;
	struct resolver_query *q;
	struct loop *l;
	struct srv s;
	struct got g = { 0 };
	unsigned udp, tcp;

	if (loop_new(&l) < 0)
		bail_out("loop_new");
	srv_start(l, &s);

	ask(l, &s, o0, "x.test", 1, &g);
	ok(g.calls == 1 && g.status == 0 && g.parse == 0 && g.timeouts == 0, "A answered (%d %d)",
	    g.status, g.parse);
	ok(g.m.n_an == 1 && strcmp(g.m.rr[0].text, "192.0.2.10") == 0, "the reply's bytes: A 192.0.2.10");
	ok(g.m.flags & PROBE_DNS_F_RD, "recursion desired was asked");

	ask(l, &s, o0, "nx.test", 1, &g);
	ok(g.status == 0 && g.parse == 0 && g.m.rcode == 3, "NXDOMAIN handed back (rcode %u)", g.m.rcode);
	ask(l, &s, o0, "fail.test", 1, &g);
	ok(g.status == 0 && g.parse == 0 && g.m.rcode == 2, "SERVFAIL handed back (rcode %u)", g.m.rcode);

	{
		struct resolver_opts o = { .timeout_ms = 100, .tries = 3 };
		uint64_t t0 = loop_now_ms();

		udp = s.n_udp;
		ask(l, &s, o, "silent.test", 1, &g);
		ok(g.status == -ETIMEDOUT && g.parse == -ENODATA, "silent: timed out, no bytes (%d)", g.status);
		is_int(g.timeouts, 3, "silent: 3 timeouts counted");
		is_int(s.n_udp - udp, 3, "silent: 3 tries sent");
		ok(loop_now_ms() - t0 >= 300, "silent: took the 3 tries' time");
	}

	udp = s.n_udp, tcp = s.n_tcp;
	ask(l, &s, (struct resolver_opts){ .ignore_tc = true }, "big.test", 16, &g);
	ok(g.status == 0 && g.parse == 0 && (g.m.flags & PROBE_DNS_F_TC) && g.m.n_an == 0,
	    "ignore_tc: the truncated UDP reply itself");
	ok(s.n_udp - udp == 1 && s.n_tcp == tcp, "ignore_tc: no TCP retry");

	udp = s.n_udp, tcp = s.n_tcp;
	ask(l, &s, o0, "big.test", 16, &g);
	ok(g.status == 0 && g.parse == 0 && !(g.m.flags & PROBE_DNS_F_TC) && g.m.n_an == 1 &&
	    g.m.rr[0].n_strs == 4, "default: c-ares retried over TCP and got the TXT");
	ok(s.n_udp - udp == 1 && s.n_tcp - tcp == 1, "default: one UDP, one TCP query");

	udp = s.n_udp, tcp = s.n_tcp;
	ask(l, &s, (struct resolver_opts){ .use_tcp = true }, "x.test", 1, &g);
	ok(g.status == 0 && g.parse == 0 && g.m.n_an == 1, "use_tcp: answered");
	ok(s.n_udp == udp && s.n_tcp - tcp == 1, "use_tcp: over TCP only");

	ask(l, &s, (struct resolver_opts){ .source = "127.0.0.2" }, "x.test", 1, &g);
	ok(g.status == 0, "source 127.0.0.2: answered");
	is_str(s.last_src, "127.0.0.2", "source: the server saw 127.0.0.2");
	ask(l, &s, (struct resolver_opts){ .ifname = "lo" }, "x.test", 1, &g);
	ok(g.status == 0, "ifname lo: answered");
	ok(resolver_new(l, &(struct resolver_opts){ .source = "nonsense" }, &r) == -EINVAL,
	    "a bad source refused");

	/* Our own message (EDNS) through resolver_send. */
	{
		struct probe_dns_query_opts qo = { .id = 7, .rd = true, .edns = true };
		struct wire_buf b;

		wire_buf_init(&b);
		probe_dns_query_build(&b, "x.test", 1, 1, &qo);
		r = at(l, &s, o0);
		probe_dns_msg_free(&g.m);
		memset(&g, 0, sizeof(g));
		s.last_edns = false;
		ok(resolver_send(r, b.data, b.len, on_reply, &g, &q) == 0, "send started");
		run_until(l, &g.calls, 3000);
		ok(g.status == 0 && g.parse == 0 && g.m.n_an == 1 && s.last_edns,
		    "send: our OPT reached the server, the answer came");
		ok(resolver_send(r, b.data, 5, on_reply, &g, &q) == -EINVAL, "a 5-byte message refused");

		/* A cancelled query never calls back. */
		probe_dns_msg_free(&g.m);
		memset(&g, 0, sizeof(g));
		resolver_query(r, "silent.test", 1, 1, on_reply, &g, &q);
		resolver_cancel(q);
		{
			int never = 0;
			uint64_t end = loop_now_ms() + 500;

			while (loop_now_ms() < end)
				loop_run_once(l, (int)(end - loop_now_ms()));
			ok(g.calls == never && resolver_pending(r) == 0, "cancelled: no callback");
		}
		resolver_free(r);
		wire_buf_free(&b);
	}

	probe_dns_msg_free(&g.m);
	if (s.conn >= 0) {
		loop_fd_del(l, s.conn);
		close(s.conn);
	}
	loop_fd_del(l, s.udp);
	loop_fd_del(l, s.tcp);
	close(s.udp);
	close(s.tcp);
	loop_free(l);
	return done_testing();
}
