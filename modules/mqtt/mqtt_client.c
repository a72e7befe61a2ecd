/* mqtt_client.c: the connection life cycle of the publisher: attempt,
 * CONNECT/CONNACK, keepalive and dead-link detection, reconnect with
 * backoff. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt_int.h"

#define READ_CHUNK	16384

static void attempt(struct mqtt_client *c);
static void service(struct mqtt_client *c);

void mqtt_report(struct mqtt_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	if (c->o.cbs.on_error)
		c->o.cbs.on_error(c->o.cbs.arg, c->err);
}

static void cancel_timer(struct mqtt_client *c, uint64_t *t)
{
	if (*t)
		loop_timer_cancel(c->loop, *t);
	*t = 0;
}

static void set_events(struct mqtt_client *c)
{
	uint32_t want = EPOLLIN;

	if (c->fd < 0)
		return;
	if (c->state == MQTT_ST_TCP || c->ssl_want_write || c->out_off < c->out.len)
		want |= EPOLLOUT;
	if (c->state == MQTT_ST_TLS && !c->ssl_want_write)
		want = EPOLLIN;
	if (want != c->events && loop_fd_mod(c->loop, c->fd, want) == 0)
		c->events = want;
}

/* Small xorshift: jitter needs spread, not secrecy. */
static uint32_t rnd(struct mqtt_client *c)
{
	uint32_t x = c->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return c->rng = x;
}

static void retry_cb(struct loop *l, void *arg)
{
	struct mqtt_client *c = arg;

	c->retry_timer = 0;
	if (c->state == MQTT_ST_WAIT)
		attempt(c);
}

/* After a failure: wait backoff_min doubling up to backoff_max, +-25%,
 * unless max_attempts is used up. */
static void schedule_retry(struct mqtt_client *c)
{
	unsigned shift = c->attempts > 0 ? c->attempts - 1 : 0;
	uint64_t d = c->o.backoff_min_ms;
	unsigned max = !c->ever_up && c->o.max_first_attempts ? c->o.max_first_attempts :
	    c->o.max_attempts;

	if (max && c->attempts >= max) {
		c->state = MQTT_ST_FAILED;
		return;
	}
	while (shift-- > 0 && d < c->o.backoff_max_ms)
		d *= 2;
	if (d > c->o.backoff_max_ms)
		d = c->o.backoff_max_ms;
	d = d * (75 + rnd(c) % 51) / 100;
	c->state = MQTT_ST_WAIT;
	c->retry_timer = loop_timer_add(c->loop, d, retry_cb, c);
}

/* Close the link and forget what was on it. */
static void drop_link(struct mqtt_client *c)
{
	mqtt_conn_close(c);
	cancel_timer(c, &c->timer);
	wire_buf_reset(&c->in);
	wire_buf_reset(&c->out);
	c->out_off = 0;
	c->ping_out = false;
	mqtt_session_link_down(c);
}

/* Tear the link down. fmt (when not NULL) says why; otherwise c->err
 * already does. Tells the owner, then backs off and retries. */
__attribute__((format(printf, 2, 3)))
static void fail_link(struct mqtt_client *c, const char *fmt, ...)
{
	bool was_up = c->state == MQTT_ST_UP;
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	drop_link(c);
	c->state = MQTT_ST_WAIT;
	if (was_up && c->o.cbs.on_disconnect)
		c->o.cbs.on_disconnect(c->o.cbs.arg, c->err);
	else if (!was_up && c->o.cbs.on_error)
		c->o.cbs.on_error(c->o.cbs.arg, c->err);
	if (c->state == MQTT_ST_WAIT)	/* unless a callback stopped us */
		schedule_retry(c);
}

/* The broker would not take a 5.0 CONNECT (how says why). Brokers that
 * speak only 3.1.1 answer with a 3.1.1 CONNACK or just close, so unless
 * the owner asked for 5.0, say so once and use 3.1.1 for the client's
 * life, reconnecting at once; otherwise fail naming the version. */
static void refused_v5(struct mqtt_client *c, bool closed, const char *how)
{
	const char *cant = NULL;

	if (!c->auto_version) {
		if (closed)
			fail_link(c, "%s %s: it may not speak MQTT 5, and protocol 5 is set, "
			    "so there is no fall-back to 3.1.1", c->peer, how);
		else
			fail_link(c, "%s refused the connection: it does not speak MQTT 5 (%s); "
			    "use protocol 3.1.1 with this broker", c->peer, how);
		return;
	}
	if (c->password && !c->username)
		cant = "MQTT 3.1.1 sends a password only with a user name";
	else if ((!c->client_id || !*c->client_id) && !c->o.clean_session &&
	    !c->o.drop_session)
		cant = "MQTT 3.1.1 needs a client id for a persistent session";
	if (cant) {
		fail_link(c, "%s %s and cannot fall back to MQTT 3.1.1: %s", c->peer, how, cant);
		return;
	}
	c->auto_version = false;
	c->o.version = MQTT_V311;
	if (c->o.drop_session)
		c->o.clean_session = true;
	if (c->o.window_v311)
		c->window = c->o.window_v311;
	drop_link(c);
	/* Not a failed attempt: the next one is the real one. */
	if (c->attempts > 0)
		c->attempts--;
	c->state = MQTT_ST_WAIT;
	mqtt_report(c, "%s %s: it does not speak MQTT 5; using MQTT 3.1.1 from now on",
	    c->peer, how);
	if (c->state == MQTT_ST_WAIT)
		c->retry_timer = loop_timer_add(c->loop, 0, retry_cb, c);
}

/* Let the owner persist the states reported since the last call, before
 * the output that follows them is written: 0 when it may be written. A
 * call from inside on_flush (it stopped the client) writes nothing. */
static int release(struct mqtt_client *c)
{
	int r;

	if (c->in_on_flush)
		return -EAGAIN;
	if (!c->unsynced || !c->o.cbs.on_flush)
		return 0;
	c->unsynced = false;
	c->in_on_flush = true;
	r = c->o.cbs.on_flush(c->o.cbs.arg);
	c->in_on_flush = false;
	if (r < 0)
		c->unsynced = true;
	return r < 0 ? r : 0;
}

/* 5.0 lets the client say why it closes; best effort, then fail. The
 * output may hold packets whose states the owner has not persisted yet:
 * then nothing is written (the link fails anyway). */
static void protocol_fail(struct mqtt_client *c, uint8_t reason, const char *what,
    const char *why)
{
	if (c->o.version == MQTT_V5 && c->fd >= 0 && !c->in_on_flush &&
	    (!c->unsynced || !c->o.cbs.on_flush) &&
	    mqtt_encode_disconnect(&c->out, MQTT_V5, reason) == 0 && c->out_off < c->out.len)
		mqtt_conn_write(c, c->out.data + c->out_off, c->out.len - c->out_off);
	fail_link(c, "%s from %s: %s", what, c->peer, why);
}

static void timer_cb(struct loop *l, void *arg);

static void arm_timer(struct mqtt_client *c, uint64_t delay)
{
	cancel_timer(c, &c->timer);
	c->timer = loop_timer_add(c->loop, delay, timer_cb, c);
}

/* Keepalive: PINGREQ after keepalive of silence in either direction;
 * dead when nothing arrived for 1.5 x keepalive. */
static void keepalive(struct mqtt_client *c)
{
	uint64_t now = loop_now_ms(), dead = c->last_rx + c->ka_ms * 3 / 2, next = dead;

	if (now >= dead) {
		fail_link(c, "no packet from %s for %llu ms (keepalive %u s): the link is dead",
		    c->peer, (unsigned long long)(now - c->last_rx), c->ka_ms / 1000);
		return;
	}
	if (!c->ping_out) {
		uint64_t idle = (c->last_tx < c->last_rx ? c->last_tx : c->last_rx) + c->ka_ms;

		if (now >= idle) {
			if (mqtt_encode_pingreq(&c->out) < 0) {
				fail_link(c, "out of memory");
				return;
			}
			c->ping_out = true;
			c->last_tx = now;
			service(c);
			if (c->state != MQTT_ST_UP)
				return;
		} else if (idle < next) {
			next = idle;
		}
	}
	arm_timer(c, next > now ? next - now : 1);
}

static void timer_cb(struct loop *l, void *arg)
{
	struct mqtt_client *c = arg;

	c->timer = 0;
	switch (c->state) {
	case MQTT_ST_UP:
		if (c->ka_ms)
			keepalive(c);
		break;
	case MQTT_ST_DNS:
		fail_link(c, "cannot resolve %s: no answer within %u ms (%zu server%s)",
		    c->url.host, c->o.connect_timeout_ms, resolver_server_count(c->resolver),
		    resolver_server_count(c->resolver) == 1 ? "" : "s");
		break;
	case MQTT_ST_TCP:
	case MQTT_ST_TLS:
	case MQTT_ST_CONNACK:
		fail_link(c, "%s with %s timed out after %u ms",
		    c->state == MQTT_ST_TCP ? "TCP connect" :
		    c->state == MQTT_ST_TLS ? "TLS handshake" : "waiting for CONNACK",
		    c->peer, c->o.connect_timeout_ms);
		break;
	default:
		break;
	}
}

/* Write what the output holds; -1 when the link failed. The owner's
 * on_flush comes first: a QoS 2 PUBLISH or PUBREL must not leave before
 * the state that on_state announced for it is on disk. */
static int flush(struct mqtt_client *c)
{
	int rc;

	if (c->out_off < c->out.len && (rc = release(c)) < 0) {
		/* Unless on_flush stopped the client (or this is inside it),
		 * drop what was encoded: it is encoded again on the next link. */
		if (rc != -EAGAIN && (c->state == MQTT_ST_UP || c->state == MQTT_ST_CONNACK))
			fail_link(c, "cannot send to %s: the state of the messages could not be recorded: %s",
			    c->peer, strerror(-rc));
		return -1;
	}
	while (c->out_off < c->out.len) {
		ssize_t r = mqtt_conn_write(c, c->out.data + c->out_off,
		    c->out.len - c->out_off);

		if (r == -EAGAIN)
			break;
		if (r < 0) {
			fail_link(c, NULL);
			return -1;
		}
		c->out_off += (size_t)r;
		c->written += (uint64_t)r;
		c->last_tx = loop_now_ms();
	}
	if (c->out_off == c->out.len) {
		c->out.len = 0;
		c->out_off = 0;
	} else if (c->out_off > MQTT_OUT_HIGH) {
		wire_buf_consume(&c->out, c->out_off);
		c->out_off = 0;
	}
	mqtt_session_wrote(c);
	return 0;
}

/* Move messages into the output and the output onto the wire. */
static void service(struct mqtt_client *c)
{
	int i;

	for (i = 0; i < 8 && (c->state == MQTT_ST_UP || c->state == MQTT_ST_CONNACK); i++) {
		uint64_t before = c->written;

		if (mqtt_session_pump(c) < 0) {
			fail_link(c, "out of memory");
			return;
		}
		if (flush(c) < 0)
			return;
		if (c->written == before || c->out_off < c->out.len || c->n_queue == 0)
			break;
	}
	set_events(c);
}

static void send_connect(struct mqtt_client *c)
{
	struct mqtt_connect m = {
		.version = c->o.version,
		.clean_start = c->o.clean_session,
		.keepalive = (uint16_t)c->o.keepalive,
		.client_id = c->client_id,
		.will_topic = c->will_topic,
		.will_payload = c->will_payload,
		.will_len = c->o.will_len,
		.will_qos = c->o.will_qos,
		.will_retain = c->o.will_retain,
		.username = c->username,
		.password = c->password,
		.password_len = c->o.password_len,
		.session_expiry = c->o.session_expiry,
		.maximum_packet_size = c->o.max_packet_size,
	};

	if (mqtt_encode_connect(&c->out, &m) < 0) {
		fail_link(c, "cannot encode CONNECT");
		return;
	}
	c->state = MQTT_ST_CONNACK;
	service(c);
}

static void on_connack(struct mqtt_client *c, const struct mqtt_connack *ca)
{
	const struct mqtt_props *pr = &ca->props;
	char *id;

	if (ca->code == 0x84 && c->o.version == MQTT_V5) {
		refused_v5(c, false, "answered Unsupported Protocol Version");
		return;
	}
	if (ca->code != 0) {
		fail_link(c, "%s refused the connection: %s%s%.*s", c->peer,
		    mqtt_connack_text(c->o.version, ca->code),
		    pr->reason_string.len ? ": " : "", (int)pr->reason_string.len,
		    pr->reason_string.p);
		return;
	}
	if (ca->session_present && c->o.clean_session) {
		protocol_fail(c, MQTT_RC_PROTOCOL_ERROR, "protocol error",
		    "CONNACK claims a session although the client asked for a clean one");
		return;
	}
	c->recv_max = mqtt_props_has(pr, MQTT_PROP_RECEIVE_MAXIMUM) ? pr->receive_maximum : 65535;
	c->max_qos = mqtt_props_has(pr, MQTT_PROP_MAXIMUM_QOS) ? pr->maximum_qos : 2;
	if (c->max_qos > c->qos_cap)
		c->max_qos = c->qos_cap;
	c->retain_ok = !mqtt_props_has(pr, MQTT_PROP_RETAIN_AVAILABLE) || pr->retain_available;
	c->broker_max_packet = mqtt_props_has(pr, MQTT_PROP_MAXIMUM_PACKET_SIZE) ?
	    pr->maximum_packet_size : MQTT_MAX_PACKET;
	c->ka_ms = (mqtt_props_has(pr, MQTT_PROP_SERVER_KEEPALIVE) ?
	    pr->server_keepalive : c->o.keepalive) * 1000u;
	/* A persistent session needs the same id on the next connect. */
	if (pr->assigned_client_id.len && (!c->client_id || !*c->client_id) &&
	    (id = strndup(pr->assigned_client_id.p, pr->assigned_client_id.len)) != NULL) {
		free(c->client_id);
		c->client_id = id;
	}
	cancel_timer(c, &c->timer);
	c->state = MQTT_ST_UP;
	c->ever_up = true;
	c->attempts = 0;
	c->last_rx = c->last_tx = loop_now_ms();
	mqtt_session_connected(c, ca->session_present);
	if (c->o.cbs.on_connect)
		c->o.cbs.on_connect(c->o.cbs.arg, ca->session_present);
	if (c->state != MQTT_ST_UP)
		return;
	if (c->ka_ms)
		arm_timer(c, c->ka_ms);
}

/* One decoded packet. */
static void handle(struct mqtt_client *c, const struct mqtt_in *in)
{
	const struct mqtt_props *pr = &in->u.disconnect.props;

	if (c->state == MQTT_ST_CONNACK) {
		if (in->type != MQTT_CONNACK)
			protocol_fail(c, MQTT_RC_PROTOCOL_ERROR, "protocol error",
			    "the first packet is not CONNACK");
		else
			on_connack(c, &in->u.connack);
		return;
	}
	switch (in->type) {
	case MQTT_CONNACK:
		protocol_fail(c, MQTT_RC_PROTOCOL_ERROR, "protocol error", "a second CONNACK");
		break;
	case MQTT_PINGRESP:
		break;
	case MQTT_DISCONNECT:
		if (in->u.disconnect.reason == MQTT_RC_QOS_NOT_SUPPORTED)
			mqtt_session_qos_refused(c);
		fail_link(c, "%s disconnected: %s%s%.*s", c->peer,
		    mqtt_reason_text(in->u.disconnect.reason),
		    pr->reason_string.len ? ": " : "", (int)pr->reason_string.len,
		    pr->reason_string.p);
		break;
	default:
		if (mqtt_session_handle(c, in) < 0)
			fail_link(c, "out of memory");
		break;
	}
}

/* Frame and handle what arrived; -1 when the link went down. */
static int process_input(struct mqtt_client *c)
{
	size_t off = 0;
	int rc;

	while (c->state == MQTT_ST_CONNACK || c->state == MQTT_ST_UP) {
		struct mqtt_packet p;
		struct mqtt_in in;
		const char *why = NULL;

		rc = mqtt_frame(c->in.data + off, c->in.len - off, c->o.max_packet_size, &p, &why);
		if (rc == 0)
			break;
		if (rc < 0) {
			protocol_fail(c, rc == -EMSGSIZE ? MQTT_RC_PACKET_TOO_LARGE : MQTT_RC_MALFORMED,
			    rc == -EMSGSIZE ? "oversize packet" : "malformed packet", why);
			return -1;
		}
		off += p.size;
		c->last_rx = loop_now_ms();
		c->ping_out = false;
		/* 3.1.1 return code 1, unacceptable protocol version: no 5.0
		 * reason code is 1, and a 5.0 CONNACK has properties. */
		if (c->state == MQTT_ST_CONNACK && c->o.version == MQTT_V5 &&
		    p.type == MQTT_CONNACK && p.body_len == 2 && p.body[1] == 1) {
			refused_v5(c, false, "answered with a 3.1.1 CONNACK, unacceptable protocol version");
			return -1;
		}
		rc = mqtt_decode(&p, c->o.version, &in, &why);
		if (rc < 0) {
			char what[64];

			snprintf(what, sizeof(what), "%s %s", rc == -EPROTO ? "protocol error in" :
			    "malformed", mqtt_type_name(p.type));
			protocol_fail(c, rc == -EPROTO ? MQTT_RC_PROTOCOL_ERROR : MQTT_RC_MALFORMED,
			    what, why);
			return -1;
		}
		handle(c, &in);
	}
	if (c->state != MQTT_ST_CONNACK && c->state != MQTT_ST_UP)
		return -1;
	wire_buf_consume(&c->in, off);
	return 0;
}

static void do_read(struct mqtt_client *c)
{
	int rounds;

	/* Bounded for fairness, except that bytes OpenSSL already decrypted
	 * must be taken now: epoll will not report them again. */
	for (rounds = 0; rounds < 16 || (c->ssl && SSL_has_pending(c->ssl)); rounds++) {
		size_t room;
		ssize_t r;

		if (!wire_buf_reserve(&c->in, READ_CHUNK)) {
			fail_link(c, "out of memory");
			return;
		}
		room = c->in.cap - c->in.len;
		r = mqtt_conn_read(c, c->in.data + c->in.len, room);
		if (r == -EAGAIN)
			return;
		if (r <= 0 && c->state == MQTT_ST_CONNACK && c->o.version == MQTT_V5 &&
		    (c->auto_version || r == 0)) {
			refused_v5(c, true, "closed the connection on a 5.0 CONNECT");
			return;
		}
		if (r == 0) {
			fail_link(c, "%s closed the connection", c->peer);
			return;
		}
		if (r < 0) {
			fail_link(c, NULL);
			return;
		}
		c->in.len += (size_t)r;
		if (process_input(c) < 0)
			return;
		/* A short read drained the socket: spare the read that would
		 * only say EAGAIN (epoll reports what arrives later). */
		if ((size_t)r < room && !c->ssl)
			return;
	}
}

static void try_connect(struct mqtt_client *c);

static void on_io(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct mqtt_client *c = arg;
	int r;

	switch (c->state) {
	case MQTT_ST_TCP:
		if (mqtt_conn_established(c) < 0) {
			mqtt_conn_close(c);
			if (c->addr_next < c->addrs->n)
				try_connect(c);
			else
				fail_link(c, NULL);
			return;
		}
		if (!c->ssl) {
			send_connect(c);
			return;
		}
		c->state = MQTT_ST_TLS;
		/* fall through */
	case MQTT_ST_TLS:
		r = mqtt_conn_handshake(c);
		if (r < 0)
			fail_link(c, NULL);
		else if (r == 0)
			set_events(c);
		else
			send_connect(c);
		return;
	case MQTT_ST_CONNACK:
	case MQTT_ST_UP:
		do_read(c);
		service(c);
		return;
	default:
		return;
	}
}

static void try_connect(struct mqtt_client *c)
{
	if (mqtt_conn_open(c) < 0) {
		fail_link(c, NULL);
		return;
	}
	c->state = MQTT_ST_TCP;
	c->events = EPOLLIN | EPOLLOUT;
	if (loop_fd_add(c->loop, c->fd, c->events, on_io, c) < 0) {
		fail_link(c, "cannot watch the socket");
		return;
	}
	arm_timer(c, c->o.connect_timeout_ms);
}

static void on_resolved(int status, struct resolver_result *res, void *arg)
{
	struct mqtt_client *c = arg;
	size_t n = resolver_server_count(c->resolver);

	c->dns = NULL;
	if (status < 0) {
		/* Server trouble is worth counting the servers for. */
		if (status == -ETIMEDOUT || status == -ECONNREFUSED || status == -EAGAIN)
			fail_link(c, "cannot resolve %s: %s (%zu server%s)", c->url.host,
			    resolver_strerror(status), n, n == 1 ? "" : "s");
		else
			fail_link(c, "cannot resolve %s: %s", c->url.host,
			    resolver_strerror(status));
		return;
	}
	c->addrs = res;
	c->addr_next = 0;
	try_connect(c);
}

/* One connection attempt: resolve the name again (addresses change),
 * then connect to each address in turn. The lookup runs on the loop
 * (c-ares) and the connect timeout bounds it. */
static void attempt(struct mqtt_client *c)
{
	int r;

	c->attempts++;
	c->total_attempts++;
	resolver_result_free(c->addrs);
	c->addrs = NULL;
	c->addr_next = 0;
	/* Nothing from an earlier link may precede CONNECT. */
	wire_buf_reset(&c->in);
	wire_buf_reset(&c->out);
	c->out_off = 0;
	snprintf(c->peer, sizeof(c->peer), "%s:%s", c->url.host, c->url.port);
	r = resolver_getaddrinfo(c->resolver, c->url.host, c->url.port, on_resolved, c, &c->dns);
	if (r < 0) {
		fail_link(c, "cannot resolve %s: %s", c->url.host, resolver_strerror(r));
		return;
	}
	c->state = MQTT_ST_DNS;
	arm_timer(c, c->o.connect_timeout_ms);
}

static void start_cb(struct loop *l, void *arg)
{
	struct mqtt_client *c = arg;

	c->retry_timer = 0;
	if (c->state == MQTT_ST_IDLE)
		attempt(c);
}

static void kick_cb(struct loop *l, void *arg)
{
	struct mqtt_client *c = arg;

	c->kick_timer = 0;
	if (c->state == MQTT_ST_UP)
		service(c);
}

void mqtt_client_kick(struct mqtt_client *c)
{
	if (c->state == MQTT_ST_UP && !c->kick_timer)
		c->kick_timer = loop_timer_add(c->loop, 0, kick_cb, c);
}

int mqtt_client_start(struct mqtt_client *c)
{
	if ((c->state != MQTT_ST_IDLE && c->state != MQTT_ST_STOPPED &&
	    c->state != MQTT_ST_FAILED) || (c->state == MQTT_ST_IDLE && c->retry_timer))
		return -EALREADY;
	c->state = MQTT_ST_IDLE;
	c->attempts = 0;
	/* Connect from the loop, so callbacks never run inside this call. */
	cancel_timer(c, &c->retry_timer);
	c->retry_timer = loop_timer_add(c->loop, 0, start_cb, c);
	return c->retry_timer ? 0 : -ENOMEM;
}

void mqtt_client_stop(struct mqtt_client *c)
{
	if (!c)
		return;
	if (c->state == MQTT_ST_UP && release(c) == 0 &&
	    (c->o.drop_session && c->o.version == MQTT_V5 && c->o.session_expiry ?
	    mqtt_encode_disconnect_end_session(&c->out, 0) :
	    mqtt_encode_disconnect(&c->out, c->o.version, 0)) == 0)
		flush(c);
	mqtt_conn_close(c);
	cancel_timer(c, &c->timer);
	cancel_timer(c, &c->retry_timer);
	cancel_timer(c, &c->kick_timer);
	wire_buf_reset(&c->in);
	wire_buf_reset(&c->out);
	c->out_off = 0;
	mqtt_session_link_down(c);
	c->state = MQTT_ST_STOPPED;
}
