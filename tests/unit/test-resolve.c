/* test-resolve.c: the asynchronous resolver against a tiny DNS server that
 * runs on the same loop (127.0.0.1, a random port): it answers fixed A and
 * AAAA records for broker.test, NXDOMAIN for other names, or, in silent
 * mode, swallows every query. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "resolve.h"
#include "../tap.h"

/* ---- the DNS server ---- */

struct dns {
	int fd;
	char addr[32];		/* "127.0.0.1:port" */
	bool silent;
	unsigned queries;
};

/* The query name as text, bounds-checked; offset after it in *end. */
static int qname(const uint8_t *p, size_t n, char *out, size_t cap, size_t *end)
{
	size_t off = 12, o = 0;

	for (;;) {
		uint8_t len;

		if (off >= n)
			return -1;
		len = p[off++];
		if (len == 0)
			break;
		if (len > 63 || off + len > n || o + len + 2 > cap)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, p + off, len);
		o += len;
		off += len;
	}
	out[o] = '\0';
	*end = off;
	return 0;
}

static void dns_reply(struct dns *d, const uint8_t *q, size_t n,
    const struct sockaddr_in *from)
{
	static const uint8_t a4[4] = { 192, 0, 2, 10 };
	uint8_t a6[16], out[512];
	char name[256];
	size_t end, o;
	uint16_t type;
	bool known;

	inet_pton(AF_INET6, "2001:db8::10", a6);
	if (n < 12 || q[4] != 0 || q[5] != 1 || qname(q, n, name, sizeof(name), &end) < 0 ||
	    end + 4 > n)
		return;
	type = (uint16_t)(q[end] << 8 | q[end + 1]);
	known = strcasecmp(name, "broker.test") == 0 || strcasecmp(name, "broker.two.test") == 0;
	end += 4;
	memcpy(out, q, end);
	out[2] = 0x84 | (q[2] & 0x01);		/* QR, AA, RD as asked */
	out[3] = known ? 0x80 : 0x83;		/* RA; NXDOMAIN */
	out[6] = 0;
	out[7] = known && (type == 1 || type == 28);
	memset(out + 8, 0, 4);
	o = end;
	if (out[7]) {
		const uint8_t *rd = type == 1 ? a4 : a6;
		uint8_t rdlen = type == 1 ? 4 : 16;
		uint8_t rr[] = { 0xc0, 12, 0, (uint8_t)type, 0, 1, 0, 0, 0, 60, 0, rdlen };

		memcpy(out + o, rr, sizeof(rr));
		o += sizeof(rr);
		memcpy(out + o, rd, rdlen);
		o += rdlen;
	}
	sendto(d->fd, out, o, 0, (const struct sockaddr *)from, sizeof(*from));
}

static void dns_io(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dns *d = arg;
	uint8_t buf[512];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
	    &fl)) >= 0) {
		d->queries++;
		if (!d->silent)
			dns_reply(d, buf, (size_t)n, &from);
		fl = sizeof(from);
	}
}

static void dns_start(struct loop *l, struct dns *d, bool silent)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);

	memset(d, 0, sizeof(*d));
	d->silent = silent;
	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->fd < 0 || bind(d->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(d->fd, (struct sockaddr *)&sin, &sl) < 0 ||
	    loop_fd_add(l, d->fd, EPOLLIN, dns_io, d) < 0)
		bail_out("cannot set up the test DNS server: %s", strerror(errno));
	snprintf(d->addr, sizeof(d->addr), "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
}

static void dns_stop(struct loop *l, struct dns *d)
{
	loop_fd_del(l, d->fd);
	close(d->fd);
}

static struct resolver *resolver_at(struct loop *l, const struct dns *d, unsigned timeout_ms,
    unsigned tries)
{
	const char *servers[] = { d->addr };
	struct resolver_opts o = { .servers = servers, .n_servers = 1, .no_system_config = true,
		.timeout_ms = timeout_ms, .tries = tries };
	struct resolver *r;
	int rc = resolver_new(l, &o, &r);

	if (rc < 0)
		bail_out("resolver_new: %s", strerror(-rc));
	return r;
}

/* ---- lookups ---- */

struct look {
	int calls;
	int status;
	struct resolver_result *res;
	uint64_t at;
	struct resolver_query *q;
	struct resolver_query *cancel_other;	/* cancelled from the callback */
	/* Started from the callback, after writing conf_text to conf_path. */
	struct resolver *chain_r;
	struct look *chain;
	const char *conf_path, *conf_text;
};

static void write_conf(const char *path, const char *text);
static int start(struct resolver *r, const char *host, const char *port, struct look *k);

static void look_cb(int status, struct resolver_result *res, void *arg)
{
	struct look *k = arg;

	k->calls++;
	k->status = status;
	resolver_result_free(k->res);
	k->res = res;
	k->at = loop_now_ms();
	resolver_cancel(k->q);		/* its own: must be harmless */
	if (k->cancel_other)
		resolver_cancel(k->cancel_other);
	if (k->chain) {
		write_conf(k->conf_path, k->conf_text);
		start(k->chain_r, "broker", "1883", k->chain);
	}
}

static void run_until(struct loop *l, int *flag, int want, uint64_t ms)
{
	uint64_t end = loop_now_ms() + ms;

	while ((!flag || *flag < want) && loop_now_ms() < end)
		loop_run_once(l, (int)(end - loop_now_ms()));
}

static int start(struct resolver *r, const char *host, const char *port, struct look *k)
{
	memset(k, 0, sizeof(*k));
	return resolver_getaddrinfo(r, host, port, look_cb, k, &k->q);
}

static bool has(const struct resolver_result *res, int family, const char *text, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; res && i < res->n; i++) {
		const struct resolver_addr *a = &res->addr[i];
		const void *ip;
		uint16_t p;

		if (a->family != family)
			continue;
		if (family == AF_INET) {
			ip = &((const struct sockaddr_in *)&a->sa)->sin_addr;
			p = ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
		} else {
			ip = &((const struct sockaddr_in6 *)&a->sa)->sin6_addr;
			p = ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port);
		}
		inet_ntop(family, ip, buf, sizeof(buf));
		if (strcmp(buf, text) == 0 && p == port)
			return true;
	}
	return false;
}

static void test_numeric(struct loop *l)
{
	struct dns d;
	struct resolver *r;
	struct look k4, k6;

	dns_start(l, &d, true);
	r = resolver_at(l, &d, 200, 1);
	is_int(start(r, "192.0.2.1", "1883", &k4), 0, "numeric IPv4 lookup starts");
	is_int(start(r, "2001:db8::1", "8883", &k6), 0, "numeric IPv6 lookup starts");
	ok(k4.calls == 0 && k6.calls == 0, "no callback inside the starting call");
	run_until(l, &k6.calls, 1, 2000);
	ok(k4.calls == 1 && k4.status == 0 && k4.res && k4.res->n == 1 &&
	    has(k4.res, AF_INET, "192.0.2.1", 1883), "192.0.2.1 port 1883");
	ok(k6.calls == 1 && k6.status == 0 && k6.res && k6.res->n == 1 &&
	    has(k6.res, AF_INET6, "2001:db8::1", 8883), "2001:db8::1 port 8883");
	is_int(d.queries, 0, "numeric addresses send no query");
	resolver_result_free(k4.res);
	resolver_result_free(k6.res);
	resolver_free(r);
	dns_stop(l, &d);
}

static void write_conf(const char *path, const char *text);

static void test_hosts(struct loop *l)
{
	char dir[] = "/tmp/test-resolve-XXXXXX", path[64];
	struct resolver_opts sys = { .resolv_conf = path };
	struct dns d;
	struct resolver *r;
	struct look k;
	bool loopback = true;

	/* The only server never answers: the name must come from /etc/hosts. */
	dns_start(l, &d, true);
	r = resolver_at(l, &d, 200, 1);
	is_int(start(r, "localhost", "1883", &k), 0, "localhost lookup starts");
	run_until(l, &k.calls, 1, 3000);
	ok(k.calls == 1 && k.status == 0 && k.res && k.res->n >= 1,
	    "localhost resolves from /etc/hosts (status %d)", k.status);
	for (size_t i = 0; k.res && i < k.res->n; i++)
		loopback &= has(k.res, AF_INET, "127.0.0.1", 1883) || has(k.res, AF_INET6, "::1", 1883);
	ok(loopback, "localhost is 127.0.0.1 or ::1, port 1883");
	is_int(d.queries, 0, "no DNS query for a name in /etc/hosts");
	resolver_result_free(k.res);
	resolver_free(r);
	dns_stop(l, &d);

	/* The resolv.conf way (search list, options, hosts) finds it too,
	 * with a resolv.conf naming only loopback: a test sends nothing
	 * beyond it, whatever the machine's own servers are. */
	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	write_conf(path, "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
	if (resolver_new(l, &sys, &r) < 0)
		bail_out("resolver_new with a resolv.conf failed");
	start(r, "localhost", "http", &k);
	run_until(l, &k.calls, 1, 5000);
	ok(k.calls == 1 && k.status == 0 && (has(k.res, AF_INET, "127.0.0.1", 80) ||
	    has(k.res, AF_INET6, "::1", 80)), "resolv.conf config: localhost, service http = 80 (%d)",
	    k.status);
	resolver_result_free(k.res);
	resolver_free(r);
	unlink(path);
	rmdir(dir);
}

static void test_answers(struct loop *l)
{
	struct dns d;
	struct resolver *r;
	struct look k, nx;

	dns_start(l, &d, false);
	r = resolver_at(l, &d, 1000, 2);
	start(r, "broker.test", "1883", &k);
	start(r, "nope.test", "1883", &nx);
	is_int(resolver_pending(r), 2, "two lookups pending");
	run_until(l, &nx.calls, 1, 5000);
	run_until(l, &k.calls, 1, 5000);
	ok(k.calls == 1 && k.status == 0 && k.res && k.res->n == 2 &&
	    has(k.res, AF_INET, "192.0.2.10", 1883) && has(k.res, AF_INET6, "2001:db8::10", 1883),
	    "broker.test: the A and the AAAA record, port 1883");
	ok(nx.calls == 1 && nx.status == -ENOENT && !nx.res, "NXDOMAIN is -ENOENT (%d)", nx.status);
	ok(d.queries >= 4, "the server was asked for A and AAAA of both (%u queries)", d.queries);
	is_int(resolver_pending(r), 0, "nothing pending");
	is_str(resolver_strerror(nx.status), "no such host", "words for -ENOENT");
	resolver_result_free(k.res);
	resolver_free(r);
	dns_stop(l, &d);
}

static unsigned ticks;
static uint64_t tick_timer;

static void tick(struct loop *l, void *arg)
{
	ticks++;
	tick_timer = loop_timer_add(l, 50, tick, NULL);
}

static void test_silent(struct loop *l)
{
	struct dns d;
	struct resolver *r;
	struct look k;
	uint64_t t0, took;

	dns_start(l, &d, true);
	/* One try of 300 ms: the answer must be "timed out" after that. */
	r = resolver_at(l, &d, 300, 1);
	ticks = 0;
	tick_timer = loop_timer_add(l, 50, tick, NULL);
	t0 = loop_now_ms();
	start(r, "broker.test", "1883", &k);
	run_until(l, &k.calls, 1, 5000);
	took = k.at - t0;
	ok(k.calls == 1 && k.status == -ETIMEDOUT, "a silent server: -ETIMEDOUT (%d)", k.status);
	ok(took >= 300 && took <= 1000, "reported after %llu ms (bound: 300 ms, one try)",
	    (unsigned long long)took);
	ok(d.queries >= 1, "the silent server saw the query (%u)", d.queries);
	ok(ticks + 2 >= took / 50, "the loop kept running while waiting: %u ticks of 50 ms", ticks);
	loop_timer_cancel(l, tick_timer);
	is_str(resolver_strerror(k.status), "timed out", "words for -ETIMEDOUT");
	resolver_free(r);
	dns_stop(l, &d);
}

static void test_cancel(struct loop *l)
{
	struct dns d, s;
	struct resolver *r, *rs;
	struct look a, b, n, sl, left;

	dns_start(l, &d, false);
	r = resolver_at(l, &d, 1000, 2);
	/* a's callback cancels b; b may be answered in the same round. */
	start(r, "broker.test", "1883", &a);
	start(r, "broker.test", "1884", &b);
	a.cancel_other = b.q;
	start(r, "192.0.2.7", "1", &n);
	resolver_cancel(n.q);		/* before its deferred delivery */
	run_until(l, &a.calls, 1, 5000);
	run_until(l, NULL, 0, 300);
	ok(a.calls == 1 && a.status == 0, "the first lookup answered");
	is_int(b.calls, 0, "a lookup cancelled from another's callback is never called back");
	is_int(n.calls, 0, "a cancelled numeric lookup is never called back");
	is_int(resolver_pending(r), 0, "nothing pending after the cancels");
	resolver_result_free(a.res);

	/* Cancelled while the silent server keeps it pending, then past its
	 * timeout: still no callback. */
	dns_start(l, &s, true);
	rs = resolver_at(l, &s, 200, 1);
	start(rs, "broker.test", "1883", &sl);
	run_until(l, NULL, 0, 50);
	resolver_cancel(sl.q);
	run_until(l, NULL, 0, 600);
	is_int(sl.calls, 0, "a cancelled pending lookup is not called back after its timeout");
	resolver_free(rs);
	/* Three tries (300, 600, 1200 ms): cancelled at once, the
	 * retransmissions must stop. */
	rs = resolver_at(l, &s, 300, 3);
	s.queries = 0;
	start(rs, "broker.test", "1883", &sl);
	run_until(l, NULL, 0, 50);
	resolver_cancel(sl.q);
	run_until(l, NULL, 0, 1500);
	ok(s.queries <= 2, "a cancelled lookup stops retransmitting (%u queries, A and AAAA once)",
	    s.queries);
	/* Freed with a lookup pending: no callback, nothing leaks. */
	start(rs, "broker.test", "1883", &left);
	run_until(l, NULL, 0, 20);
	resolver_free(rs);
	run_until(l, NULL, 0, 300);
	is_int(left.calls, 0, "resolver_free drops a pending lookup without calling it");
	dns_stop(l, &s);
	resolver_free(r);
	dns_stop(l, &d);
}

static void write_conf(const char *path, const char *text)
{
	char tmp[256];
	FILE *f;

	/* A new file renamed over the old, as DHCP clients do. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0)
		bail_out("cannot write %s", path);
}

/* A changed resolv.conf is read again by the next lookup. */
static void test_reread(struct loop *l)
{
	char dir[] = "/tmp/test-resolve-XXXXXX", path[64];
	struct resolver_opts o = { .n_servers = 1 };
	const char *servers[1];
	struct resolver *r;
	struct dns d;
	struct look k, k2 = { 0 }, k3;

	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	dns_start(l, &d, false);
	servers[0] = d.addr;
	o.servers = servers;
	o.resolv_conf = path;
	write_conf(path, "search one.test\n");
	if (resolver_new(l, &o, &r) < 0)
		bail_out("resolver_new with a resolv.conf");
	start(r, "broker", "1883", &k);
	run_until(l, &k.calls, 1, 5000);
	is_int(k.status, -ENOENT, "search one.test: broker is not found");
	write_conf(path, "search two.test\n");
	start(r, "broker", "1883", &k);
	run_until(l, &k.calls, 1, 5000);
	ok(k.status == 0 && has(k.res, AF_INET, "192.0.2.10", 1883),
	    "resolv.conf changed to search two.test: broker.two.test found (%d)", k.status);
	is_int(resolver_server_count(r), 1, "the given server is kept across the re-read");
	resolver_result_free(k.res);

	/* Changed while c-ares runs the callback that starts the next
	 * lookup: that one keeps the old channel (c-ares is walking it),
	 * the one after reads the file. */
	write_conf(path, "search one.test\n");
	start(r, "broker", "1883", &k);
	run_until(l, &k.calls, 1, 5000);
	is_int(k.status, -ENOENT, "back to search one.test");
	start(r, "broker.test", "1883", &k);
	k.chain = &k2;
	k.chain_r = r;
	k.conf_path = path;
	k.conf_text = "search two.test\n";
	run_until(l, &k2.calls, 1, 5000);
	ok(k.calls == 1 && k.status == 0, "broker.test answered from the DNS reply");
	is_int(k2.status, -ENOENT, "a lookup started in its callback still searches one.test");
	start(r, "broker", "1883", &k3);
	run_until(l, &k3.calls, 1, 5000);
	ok(k3.status == 0 && has(k3.res, AF_INET, "192.0.2.10", 1883),
	    "the next lookup reads the changed file (%d)", k3.status);
	resolver_result_free(k.res);
	resolver_result_free(k3.res);
	resolver_free(r);
	dns_stop(l, &d);
	unlink(path);
	rmdir(dir);
}

#define MANY 300

static void test_many(struct loop *l)
{
	static struct look k[MANY];
	static const char *names[] = { "broker.test", "nope.test", "198.51.100.3", "BROKER.test" };
	struct dns d;
	struct resolver *r;
	int done = 0, wrong = 0, calls = 0;
	uint64_t end;

	dns_start(l, &d, false);
	r = resolver_at(l, &d, 2000, 2);
	for (int i = 0; i < MANY; i++)
		if (start(r, names[i % 4], "1883", &k[i]) < 0)
			wrong++;
	end = loop_now_ms() + 10000;
	while (loop_now_ms() < end) {
		done = 0;
		for (int i = 0; i < MANY; i++)
			done += k[i].calls > 0;
		if (done == MANY)
			break;
		loop_run_once(l, 100);
	}
	for (int i = 0; i < MANY; i++) {
		int want = i % 4 == 1 ? -ENOENT : 0;

		calls += k[i].calls;
		if (k[i].calls != 1 || k[i].status != want ||
		    (want == 0 && !(i % 4 == 2 ? has(k[i].res, AF_INET, "198.51.100.3", 1883) :
		    has(k[i].res, AF_INET, "192.0.2.10", 1883))))
			wrong++;
		resolver_result_free(k[i].res);
	}
	is_int(calls, MANY, "%d concurrent lookups: each called back once", MANY);
	is_int(wrong, 0, "every one with the right answer");
	is_int(resolver_pending(r), 0, "nothing pending");
	resolver_free(r);
	dns_stop(l, &d);
}

static void test_opts(struct loop *l)
{
	static const char *good[] = { "192.0.2.53", "192.0.2.54:5353", "2001:db8::53",
		"[2001:db8::54]:5353" };
	static const char *bad[] = { "192.0.2.300", "[2001:db8::53", "192.0.2.53:0",
		"192.0.2.53:65536", "broker.test", "", "[192.0.2.53]x", "192.0.2.53:x" };
	struct resolver_opts o = { .servers = good, .n_servers = 4, .no_system_config = true };
	struct resolver *r;
	struct look k;
	int refused = 0;

	is_int(resolver_new(l, &o, &r), 0, "servers with and without ports, IPv4 and IPv6");
	is_int(resolver_server_count(r), 4, "four servers");
	is_int(start(r, "", "1883", &k), -EINVAL, "an empty name is refused");
	is_int(start(r, "broker.test", "99999", &k), -EINVAL, "a port above 65535 is refused");
	is_int(start(r, "broker.test", "no-such-service", &k), -EINVAL, "an unknown service");
	resolver_free(r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.servers = &bad[i];
		o.n_servers = 1;
		if (resolver_new(l, &o, &r) == -EINVAL)
			refused++;
		else
			diag("accepted bad server '%s'", bad[i]);
	}
	is_int(refused, (int)(sizeof(bad) / sizeof(bad[0])), "every malformed server is -EINVAL");
	o.n_servers = 0;
	is_int(resolver_new(l, &o, &r), -EINVAL, "no_system_config needs servers");
	resolver_free(NULL);
	resolver_cancel(NULL);
	resolver_result_free(NULL);
	ok(1, "NULL-safe free and cancel");
}

int main(void)
{
	struct loop *l;

	if (loop_new(&l) < 0)
		bail_out("loop_new");
	test_numeric(l);
	test_hosts(l);
	test_answers(l);
	test_silent(l);
	test_cancel(l);
	test_many(l);
	test_reread(l);
	test_opts(l);
	loop_free(l);
	return done_testing();
}
