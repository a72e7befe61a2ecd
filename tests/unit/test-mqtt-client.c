/* test-mqtt-client: the parts of the MQTT client that need no broker:
 * URL parsing, option checks, queueing and restoring in-flight state, and
 * (with a bare TCP peer on loopback playing the broker) that on_flush runs
 * before the packets that on_state announced reach the socket.
 * (tests/mqtt-client.sh and tests/mqtt-mosquitto.sh drive it over TCP.) */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mqtt_client.h"
#include "tap.h"

static void test_urls(void)
{
	static const struct {
		const char	*url;
		int		 rc;
		bool		 tls;
		const char	*host, *port, *user, *why;
	} t[] = {
		{ "mqtt://broker.example.net", 0, false, "broker.example.net", "1883", "", NULL },
		{ "mqtts://broker.example.net", 0, true, "broker.example.net", "8883", "", NULL },
		{ "mqtts://kiosk@broker.example.net:8884/", 0, true, "broker.example.net", "8884", "kiosk", NULL },
		{ "mqtt://[2001:db8::1]:1884", 0, false, "2001:db8::1", "1884", "", NULL },
		{ "mqtt://[::1]", 0, false, "::1", "1883", "", NULL },
		{ "mqtt://192.0.2.1:65535", 0, false, "192.0.2.1", "65535", "", NULL },
		{ "http://broker", -EINVAL, false, NULL, NULL, NULL, "mqtt://" },
		{ "mqtt://", -EINVAL, false, NULL, NULL, NULL, "no host" },
		{ "mqtt://host:0", -EINVAL, false, NULL, NULL, NULL, "port" },
		{ "mqtt://host:65536", -EINVAL, false, NULL, NULL, NULL, "port" },
		{ "mqtt://host:12a", -EINVAL, false, NULL, NULL, NULL, "port" },
		{ "mqtt://host:", -EINVAL, false, NULL, NULL, NULL, "port" },
		{ "mqtt://u:secret@host", -EINVAL, false, NULL, NULL, NULL, "password" },
		{ "mqtt://@host", -EINVAL, false, NULL, NULL, NULL, "user name" },
		{ "mqtt://[2001:db8::1", -EINVAL, false, NULL, NULL, NULL, "']'" },
		{ "mqtt://[host]", -EINVAL, false, NULL, NULL, NULL, "IPv6" },
		{ "mqtt://[::1]x", -EINVAL, false, NULL, NULL, NULL, "after the IPv6" },
		{ "mqtt://host/topic", -EINVAL, false, NULL, NULL, NULL, "path" },
		{ "mqtt://host?x", -EINVAL, false, NULL, NULL, NULL, "query" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mqtt_url u;
		const char *why = NULL;
		int rc = mqtt_url_parse(t[i].url, &u, &why);

		if (!is_int(rc, t[i].rc, "url %s", t[i].url))
			diag("why: %s", why ? why : "(none)");
		if (t[i].rc == 0)
			ok(u.tls == t[i].tls && strcmp(u.host, t[i].host) == 0 &&
			    strcmp(u.port, t[i].port) == 0 && strcmp(u.user, t[i].user) == 0,
			    "url %s: tls=%d host=%s port=%s user=%s", t[i].url, u.tls, u.host,
			    u.port, u.user);
		else
			ok(why && strstr(why, t[i].why), "url %s: message '%s' mentions %s",
			    t[i].url, why ? why : "(null)", t[i].why);
	}
}

static void test_options(struct loop *l)
{
	struct mqtt_client *c = NULL;
	struct mqtt_client_opts o = { .url = "mqtt://127.0.0.1" };
	const char *why = NULL;

	o.version = MQTT_V311;
	o.password = "pw";
	o.password_len = 2;
	o.clean_session = true;
	is_int(mqtt_client_new(l, &o, &c, &why), -EINVAL, "3.1.1 password without user name refused");
	ok(c == NULL && why && strstr(why, "user name"), "... saying so: %s", why);
	o.url = "mqtt://alice@127.0.0.1";
	is_int(mqtt_client_new(l, &o, &c, &why), 0, "... the URL's user name is enough");
	mqtt_client_free(c);
	c = NULL;
	o.clean_session = false;
	is_int(mqtt_client_new(l, &o, &c, &why), -EINVAL, "3.1.1 persistent session without client id refused");
	o.version = MQTT_V5;
	is_int(mqtt_client_new(l, &o, &c, &why), 0, "5.0 persistent session may let the broker assign the id");
	mqtt_client_free(c);
	c = NULL;
	o.will_topic = "a/#";
	is_int(mqtt_client_new(l, &o, &c, &why), -EINVAL, "a will topic with a wildcard refused");
	o.will_topic = NULL;
	o.version = 3;
	is_int(mqtt_client_new(l, &o, &c, &why), -EINVAL, "protocol version 3 refused");
	o.version = 0;
	o.url = "mqtts://localhost";
	o.ca_file = "/nonexistent/ca.pem";
	is_int(mqtt_client_new(l, &o, &c, &why), -EINVAL, "a missing CA file refused at creation");
	ok(why && strstr(why, "/nonexistent/ca.pem"), "... naming the file: %s", why);
}

struct seen {
	unsigned	 n;
	uint16_t	 ids[8];
	enum mqtt_stage	 stages[8];
};

static void collect(void *arg, void *cookie, uint16_t id, enum mqtt_stage st)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->ids[s->n] = id;
		s->stages[s->n] = st;
	}
	s->n++;
}

static void test_queue(struct loop *l)
{
	struct mqtt_client_opts o = { .url = "mqtt://127.0.0.1:1", .clean_session = true };
	struct mqtt_client *c;
	struct seen s = { 0 };
	const char *why = NULL;

	if (mqtt_client_new(l, &o, &c, &why) < 0)
		bail_out("client: %s", why);
	is_int(mqtt_client_restore(c, "t", "x", 1, 2, false, NULL, 7, MQTT_STAGE_PUBREC), 0,
	    "restore a QoS 2 message at PUBREC");
	is_int(mqtt_client_restore(c, "t", "y", 1, 1, false, NULL, 9, MQTT_STAGE_PUBLISHED), 0,
	    "restore a QoS 1 message at PUBLISHED");
	is_int(mqtt_client_restore(c, "t", "z", 1, 1, false, NULL, 7, MQTT_STAGE_PUBLISHED), -EEXIST,
	    "restoring a packet id twice refused");
	is_int(mqtt_client_restore(c, "t", "z", 1, 1, false, NULL, 8, MQTT_STAGE_PUBREC), -EINVAL,
	    "QoS 1 cannot be at PUBREC");
	is_int(mqtt_client_restore(c, "t", "z", 1, 0, false, NULL, 8, MQTT_STAGE_PUBLISHED), -EINVAL,
	    "QoS 0 has no packet id to restore");
	is_int(mqtt_client_restore(c, "t", "z", 1, 2, false, NULL, 0, MQTT_STAGE_PUBLISHED), -EINVAL,
	    "packet id 0 refused");
	is_int(mqtt_client_publish(c, "a/+", "x", 1, 1, false, NULL, &why), -EINVAL,
	    "publish to a wildcard topic refused");
	is_int(mqtt_client_publish(c, "a", "x", 1, 3, false, NULL, &why), -EINVAL, "publish QoS 3 refused");
	is_int(mqtt_client_publish(c, "a", "x", 1, 1, false, NULL, &why), 0, "publish queued");
	is_int(mqtt_client_pending(c), 3, "pending counts restored and queued messages");
	mqtt_client_foreach_inflight(c, collect, &s);
	ok(s.n == 2 && s.ids[0] == 7 && s.stages[0] == MQTT_STAGE_PUBREC && s.ids[1] == 9 &&
	    s.stages[1] == MQTT_STAGE_PUBLISHED, "foreach_inflight lists restored messages in order");
	ok(!mqtt_client_connected(c), "not connected before start");
	is_int(mqtt_client_start(c), 0, "start");
	is_int(mqtt_client_start(c), -EALREADY, "start twice: -EALREADY");
	is_int(mqtt_client_restore(c, "t", "x", 1, 2, false, NULL, 11, MQTT_STAGE_PUBLISHED), -EBUSY,
	    "restore after start refused");
	mqtt_client_free(c);	/* frees queued messages too: ASan checks */
}

/* The password file: first line only, either line end, no silent cut. */
/* Issue 6: a world-readable password file was accepted, and a FIFO
 * blocked the reader. Others' access is refused, group read allowed. */
static void test_password_modes(void)
{
	static const struct { mode_t mode; int rc; } cases[] = {
		{ 0600, 0 }, { 0400, 0 }, { 0640, 0 }, { 0660, 0 },
		{ 0644, -EPERM }, { 0666, -EPERM }, { 0604, -EPERM }, { 0602, -EPERM },
	};
	char path[] = "/tmp/outpost-pw-XXXXXX", fifo[64];
	uint8_t *pw;
	size_t i, len;
	int fd, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(path, "/tmp/outpost-pw-XXXXXX");
		fd = mkstemp(path);
		if (fd < 0 || write(fd, "pw\n", 3) != 3 || fchmod(fd, cases[i].mode) < 0)
			bail_out("cannot write %s", path);
		close(fd);
		pw = NULL;
		r = mqtt_password_read(path, &pw, &len);
		is_int(r, cases[i].rc, "password file of mode %04o: %s", (unsigned)cases[i].mode,
		    cases[i].rc ? "refused" : "read");
		ok(cases[i].rc || (len == 2 && memcmp(pw, "pw", 2) == 0),
		   "password file of mode %04o: content", (unsigned)cases[i].mode);
		free(pw);
		unlink(path);
	}
	/* Without O_NONBLOCK this open would wait for a writer for ever. */
	snprintf(fifo, sizeof(fifo), "/tmp/outpost-pw-fifo-%ld", (long)getpid());
	unlink(fifo);
	if (mkfifo(fifo, 0600) < 0)
		bail_out("mkfifo %s", fifo);
	alarm(10);
	is_int(mqtt_password_read(fifo, &pw, &len), -EINVAL, "a FIFO is refused at once");
	alarm(0);
	unlink(fifo);
	ok(strstr(mqtt_password_error(-EPERM), "others") != NULL,
	   "the -EPERM text says who may not read it");
}

static void test_password_file(void)
{
	static const struct { const char *text; size_t n; int rc; const char *want; } cases[] = {
		{ "s3cret\n", 7, 0, "s3cret" },
		{ "s3cret\r\nsecond line\n", 20, 0, "s3cret" },
		{ "no newline", 10, 0, "no newline" },
		{ "\n", 1, 0, "" },
		{ "sp ace\t#x\n", 10, 0, "sp ace\t#x" },
	};
	char path[] = "/tmp/outpost-pw-XXXXXX", *big;
	uint8_t *pw;
	size_t i, len;
	int fd, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = mkstemp(path);
		if (fd < 0 || write(fd, cases[i].text, cases[i].n) != (ssize_t)cases[i].n)
			bail_out("cannot write %s", path);
		close(fd);
		pw = NULL;
		r = mqtt_password_read(path, &pw, &len);
		is_int(r, cases[i].rc, "password file %zu: read", i);
		ok(r == 0 && len == strlen(cases[i].want) && memcmp(pw, cases[i].want, len) == 0,
		   "password file %zu: first line without its end", i);
		free(pw);
		unlink(path);
		strcpy(path, "/tmp/outpost-pw-XXXXXX");
	}

	big = malloc(MQTT_PASSWORD_MAX + 2);
	memset(big, 'x', MQTT_PASSWORD_MAX + 1);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, big, MQTT_PASSWORD_MAX + 1) != MQTT_PASSWORD_MAX + 1)
		bail_out("cannot write %s", path);
	close(fd);
	is_int(mqtt_password_read(path, &pw, &len), -EFBIG, "a password over the limit is an error");
	unlink(path);
	free(big);
	is_int(mqtt_password_read("/nonexistent/pw", &pw, &len), -ENOENT, "a missing file is -ENOENT");
	test_password_modes();
}

/* A peer on 127.0.0.1 that reads whatever the client writes. */
struct peer {
	int		 lfd, fd;
	bool		 eof;
	uint8_t		 buf[16384];
	size_t		 len;
};

static void peer_read(struct peer *pr)
{
	ssize_t r;

	if (pr->fd < 0)
		pr->fd = accept4(pr->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (pr->fd >= 0 && !pr->eof && pr->len < sizeof(pr->buf)) {
		r = recv(pr->fd, pr->buf + pr->len, sizeof(pr->buf) - pr->len, 0);
		if (r == 0)
			pr->eof = true;
		if (r <= 0)
			break;
		pr->len += (size_t)r;
	}
}

/* Walk the MQTT packets in what the peer got: how many of type, and the
 * packet ids of the QoS 2 PUBLISHes (up to 8). */
static unsigned peer_count(const struct peer *pr, unsigned type, uint16_t *ids)
{
	size_t off = 0;
	unsigned n = 0;

	while (off + 2 <= pr->len) {
		size_t rl = 0, h = 1, end;
		unsigned shift = 0;

		do {
			if (off + h >= pr->len || h > 4)
				return n;
			rl |= (size_t)(pr->buf[off + h] & 0x7f) << shift;
			shift += 7;
		} while (pr->buf[off + h++] & 0x80);
		end = off + h + rl;
		if (end > pr->len)
			break;
		if ((unsigned)(pr->buf[off] >> 4) == type) {
			if (ids && n < 8 && type == MQTT_PUBLISH && rl >= 4) {
				size_t tl = (size_t)pr->buf[off + h] << 8 | pr->buf[off + h + 1];

				if (h + 2 + tl + 2 <= h + rl)
					ids[n] = (uint16_t)(pr->buf[off + h + 2 + tl] << 8 |
					    pr->buf[off + h + 3 + tl]);
			}
			n++;
		}
		off = end;
	}
	return n;
}

struct flushlog {
	struct peer	*pr;
	unsigned	 states, acks, flushes;
	unsigned	 states_at[4];	/* on_state calls before each on_flush */
	unsigned	 publish_at[4];	/* PUBLISHes the peer had then */
	unsigned	 pubrel_at[4];	/* PUBRELs the peer had then */
	int		 fail;		/* what on_flush returns */
};

static void fl_state(void *arg, void *cookie, uint16_t id, enum mqtt_stage st)
{
	((struct flushlog *)arg)->states++;
}

static void fl_ack(void *arg, void *cookie, int qos, uint8_t reason)
{
	((struct flushlog *)arg)->acks++;
}

static int fl_flush(void *arg)
{
	struct flushlog *f = arg;

	/* Whatever the client had written is on the loopback peer by now. */
	peer_read(f->pr);
	if (f->flushes < 4) {
		f->states_at[f->flushes] = f->states;
		f->publish_at[f->flushes] = peer_count(f->pr, MQTT_PUBLISH, NULL);
		f->pubrel_at[f->flushes] = peer_count(f->pr, MQTT_PUBREL, NULL);
	}
	f->flushes++;
	return f->fail;
}

static bool run_until(struct loop *l, struct peer *pr, bool (*done)(void *), void *arg)
{
	int i;

	for (i = 0; i < 250; i++) {
		peer_read(pr);
		if (done(arg))
			return true;
		loop_run_once(l, 20);
	}
	return false;
}

static struct peer *cur_peer;
static unsigned cur_type, cur_n;

static bool peer_has(void *arg)
{
	return peer_count(cur_peer, cur_type, NULL) >= cur_n;
}

static bool peer_eof(void *arg)
{
	return cur_peer->eof;
}

static bool acked(void *arg)
{
	return ((struct flushlog *)arg)->acks >= 3;
}

static void peer_send(struct peer *pr, const void *b, size_t n)
{
	if (pr->fd < 0 || send(pr->fd, b, n, MSG_NOSIGNAL) != (ssize_t)n)
		bail_out("the peer cannot send");
}

/* Issue 6: QoS 2 cost an fdatasync per on_state. The client now calls
 * on_flush once per round, before the PUBLISH or PUBREL bytes it
 * announced leave; a failing on_flush lets nothing out. */
static void test_flush_order(struct loop *l)
{
	static struct peer pr = { .fd = -1 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct flushlog f = { .pr = &pr };
	struct mqtt_client_opts o = {
		.version = MQTT_V311, .client_id = "flush-test", .clean_session = true,
		.backoff_min_ms = 60000, .backoff_max_ms = 60000,
	};
	struct mqtt_client *c;
	const char *why = NULL;
	char url[64];
	uint16_t ids[8] = { 0 };
	uint8_t acks[12];
	unsigned i;

	pr.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr.lfd < 0 || bind(pr.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(pr.lfd, 1) < 0 || getsockname(pr.lfd, (struct sockaddr *)&sa, &sl) < 0)
		bail_out("cannot listen on 127.0.0.1");
	snprintf(url, sizeof(url), "mqtt://127.0.0.1:%u", ntohs(sa.sin_port));
	o.url = url;
	o.cbs = (struct mqtt_client_cbs){ .on_state = fl_state, .on_ack = fl_ack,
	    .on_flush = fl_flush, .arg = &f };
	if (mqtt_client_new(l, &o, &c, &why) < 0)
		bail_out("client: %s", why);
	for (i = 0; i < 3; i++)
		if (mqtt_client_publish(c, "t/flush", "x", 1, 2, false, NULL, &why) < 0)
			bail_out("publish: %s", why);
	if (mqtt_client_start(c) < 0)
		bail_out("start");
	cur_peer = &pr;
	cur_type = MQTT_CONNECT;
	cur_n = 1;
	ok(run_until(l, &pr, peer_has, NULL), "the client connects to the peer");
	is_int(f.flushes, 0, "CONNECT goes out without on_flush: no state was reported");

	peer_send(&pr, "\x20\x02\x00\x00", 4);		/* CONNACK, accepted */
	cur_type = MQTT_PUBLISH;
	cur_n = 3;
	ok(run_until(l, &pr, peer_has, NULL), "three QoS 2 PUBLISHes arrive");
	is_int(f.flushes, 1, "one on_flush for the three of them");
	is_int(f.states_at[0], 3, "... after the three on_state calls");
	is_int(f.publish_at[0], 0, "... and before any PUBLISH byte reached the peer");
	is_int(peer_count(&pr, MQTT_PUBLISH, ids), 3, "the peer holds three PUBLISHes");

	for (i = 0; i < 3; i++) {
		acks[i * 4] = 0x50;			/* PUBREC */
		acks[i * 4 + 1] = 2;
		acks[i * 4 + 2] = (uint8_t)(ids[i] >> 8);
		acks[i * 4 + 3] = (uint8_t)ids[i];
	}
	peer_send(&pr, acks, sizeof(acks));
	cur_type = MQTT_PUBREL;
	ok(run_until(l, &pr, peer_has, NULL), "three PUBRELs arrive");
	is_int(f.flushes, 2, "one on_flush for the three PUBRECs");
	is_int(f.states_at[1], 6, "... after their on_state calls");
	is_int(f.pubrel_at[1], 0, "... and before any PUBREL byte reached the peer");

	for (i = 0; i < 3; i++)
		acks[i * 4] = 0x70;			/* PUBCOMP */
	peer_send(&pr, acks, sizeof(acks));
	ok(run_until(l, &pr, acked, &f), "PUBCOMPs complete the three messages");
	is_int(f.flushes, 2, "no on_flush without output to write");

	f.fail = -EIO;
	if (mqtt_client_publish(c, "t/flush", "y", 1, 2, false, NULL, &why) < 0)
		bail_out("publish: %s", why);
	ok(run_until(l, &pr, peer_eof, NULL), "a failing on_flush drops the link");
	ok(f.flushes == 3 && f.states == 10, "on_flush ran (%u) after the new message's state (%u)",
	    f.flushes, f.states);
	is_int(peer_count(&pr, MQTT_PUBLISH, NULL), 3, "the refused PUBLISH never reached the peer");
	mqtt_client_free(c);
	close(pr.fd);
	close(pr.lfd);
}

int main(void)
{
	struct loop *l;

	if (loop_new(&l) < 0)
		bail_out("loop_new");
	test_urls();
	test_password_file();
	test_options(l);
	test_queue(l);
	test_flush_order(l);
	loop_free(l);
	return done_testing();
}
