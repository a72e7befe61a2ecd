/* mqtt_api.c: creating and freeing a client, handing it messages, and
 * what the owner asks of it (state, limits, running until idle). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mqtt_int.h"

static bool dup_str(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return true;
	return (*dst = strdup(s)) != NULL;
}

static bool dup_mem(uint8_t **dst, const void *s, size_t n)
{
	*dst = NULL;
	if (!s)
		return true;
	if ((*dst = malloc(n ? n : 1)) == NULL)
		return false;
	if (n)
		memcpy(*dst, s, n);
	return true;
}

/* Fill in defaults and reject combinations MQTT forbids. */
static int check_opts(struct mqtt_client *c, const char **why)
{
	struct mqtt_client_opts *o = &c->o;
	int r;

	if (o->version == 0) {
		o->version = MQTT_V5;
		c->auto_version = true;
	}
	if (o->version != MQTT_V311 && o->version != MQTT_V5) {
		*why = "the MQTT version must be 4 (3.1.1) or 5";
		return -EINVAL;
	}
	if ((r = mqtt_url_parse(o->url, &c->url, why)) < 0)
		return r;
	if (o->keepalive > 65535) {
		*why = "keepalive must be at most 65535 seconds";
		return -EINVAL;
	}
	if (o->will_topic && (r = mqtt_check_topic(o->will_topic, why)) < 0)
		return r;
	if (o->will_qos > 2) {
		*why = "the will QoS must be 0, 1 or 2";
		return -EINVAL;
	}
	if (o->version == MQTT_V311 && o->password && !o->username && !c->url.user[0]) {
		*why = "MQTT 3.1.1 sends a password only with a user name";
		return -EINVAL;
	}
	if (o->version == MQTT_V311 && o->drop_session)
		o->clean_session = true;
	if (o->version == MQTT_V311 && (!o->client_id || !*o->client_id) &&
	    !o->clean_session) {
		*why = "MQTT 3.1.1 needs a client id for a persistent session";
		return -EINVAL;
	}
	/* 3.1.1 cannot tell us the broker's limit, and mosquitto silently
	 * drops a 3.1.1 client's QoS 2 messages beyond its
	 * max_inflight_messages (20 by default): stay under it. */
	if (o->window == 0)
		o->window = 16;
	if (o->window > 65535)
		o->window = 65535;
	if (o->window_v311 == 0)
		o->window_v311 = o->window < 16 ? o->window : 16;
	if (o->window_v311 > 65535)
		o->window_v311 = 65535;
	if (o->max_packet_size == 0)
		o->max_packet_size = 1024 * 1024;
	if (o->max_packet_size < 16) {
		*why = "the maximum packet size must be at least 16 bytes";
		return -EINVAL;
	}
	if (o->connect_timeout_ms == 0)
		o->connect_timeout_ms = 10000;
	if (o->backoff_min_ms == 0)
		o->backoff_min_ms = 1000;
	if (o->backoff_max_ms == 0)
		o->backoff_max_ms = 60000;
	if (o->backoff_max_ms < o->backoff_min_ms)
		o->backoff_max_ms = o->backoff_min_ms;
	return 0;
}

int mqtt_client_new(struct loop *l, const struct mqtt_client_opts *o,
    struct mqtt_client **out, const char **why)
{
	struct mqtt_client *c;
	struct timespec ts;
	int r;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		*why = "out of memory";
		return -ENOMEM;
	}
	c->loop = l;
	c->o = *o;
	c->fd = -1;
	TAILQ_INIT(&c->queue);
	TAILQ_INIT(&c->inflight);
	TAILQ_INIT(&c->q0);
	wire_buf_init(&c->in);
	wire_buf_init(&c->out);
	if ((r = check_opts(c, why)) < 0)
		goto out;
	c->window = c->o.window;
	c->qos_cap = 2;
	c->next_pid = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->rng = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16 ^ (uint32_t)(uintptr_t)c;
	if (!c->rng)
		c->rng = 1;
	c->by_pid = calloc(65536, sizeof(*c->by_pid));
	if (!c->by_pid ||
	    !dup_str(&c->client_id, o->client_id) ||
	    !dup_str(&c->username, o->username ? o->username :
		c->url.user[0] ? c->url.user : NULL) ||
	    !dup_mem(&c->password, o->password, o->password_len) ||
	    !dup_str(&c->will_topic, o->will_topic) ||
	    !dup_mem(&c->will_payload, o->will_payload, o->will_len)) {
		*why = "out of memory";
		r = -ENOMEM;
		goto out;
	}
	/* Only the copies are ours; the caller's strings may go away. */
	c->o.url = NULL;
	c->o.client_id = c->o.username = c->o.will_topic = NULL;
	c->o.password = c->o.will_payload = NULL;
	if ((r = mqtt_tls_init(c, why)) < 0)
		goto out;
	/* Its own resolver: lookups never block the loop (c-ares). */
	if ((r = resolver_new(l, NULL, &c->resolver)) < 0) {
		*why = "cannot set up the resolver";
		goto out;
	}
	c->o.ca_file = c->o.ca_dir = c->o.cert_file = c->o.key_file = NULL;
	*out = c;
	return 0;
out:
	if (*why == c->err) {
		/* A message built in c->err must outlive c. */
		static __thread char msg[sizeof(c->err)];

		memcpy(msg, c->err, sizeof(msg));
		*why = msg;
	}
	mqtt_client_free(c);
	return r;
}

void mqtt_client_free(struct mqtt_client *c)
{
	if (!c)
		return;
	mqtt_conn_close(c);
	if (c->timer)
		loop_timer_cancel(c->loop, c->timer);
	if (c->retry_timer)
		loop_timer_cancel(c->loop, c->retry_timer);
	if (c->kick_timer)
		loop_timer_cancel(c->loop, c->kick_timer);
	resolver_result_free(c->addrs);
	resolver_free(c->resolver);
	mqtt_session_free(c);
	SSL_CTX_free(c->ssl_ctx);
	wire_buf_free(&c->in);
	wire_buf_free(&c->out);
	free(c->client_id);
	free(c->username);
	free(c->password);
	free(c->will_topic);
	free(c->will_payload);
	free(c);
}

int mqtt_client_publish(struct mqtt_client *c, const char *topic,
    const void *payload, size_t len, uint8_t qos, bool retain, void *cookie,
    const char **why)
{
	struct mqtt_msg *m;
	int r;

	if ((r = mqtt_check_topic(topic, why)) < 0)
		return r;
	if (qos > 2) {
		*why = "QoS must be 0, 1 or 2";
		return -EINVAL;
	}
	if (mqtt_publish_size(c->o.version, strlen(topic), len, qos) > MQTT_MAX_PACKET) {
		*why = "the message is larger than MQTT allows (256 MiB)";
		return -EINVAL;
	}
	m = mqtt_msg_new(topic, payload, len, qos, retain, cookie);
	if (!m) {
		*why = "out of memory";
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&c->queue, m, link);
	c->n_queue++;
	mqtt_client_kick(c);
	return 0;
}

int mqtt_client_restore(struct mqtt_client *c, const char *topic,
    const void *payload, size_t len, uint8_t qos, bool retain, void *cookie,
    uint16_t packet_id, enum mqtt_stage stage)
{
	const char *why;
	struct mqtt_msg *m;

	if (c->state != MQTT_ST_IDLE || c->retry_timer)
		return -EBUSY;
	if (mqtt_check_topic(topic, &why) < 0 || qos < 1 || qos > 2 || packet_id == 0 ||
	    (stage != MQTT_STAGE_PUBLISHED && stage != MQTT_STAGE_PUBREC) ||
	    (stage == MQTT_STAGE_PUBREC && qos != 2))
		return -EINVAL;
	if (c->by_pid[packet_id])
		return -EEXIST;
	m = mqtt_msg_new(topic, payload, len, qos, retain, cookie);
	if (!m)
		return -ENOMEM;
	m->packet_id = packet_id;
	m->stage = stage;
	m->ever_sent = true;
	TAILQ_INSERT_TAIL(&c->inflight, m, link);
	c->by_pid[packet_id] = m;
	c->n_inflight++;
	return 0;
}

void mqtt_client_foreach_inflight(struct mqtt_client *c,
    void (*fn)(void *arg, void *cookie, uint16_t packet_id, enum mqtt_stage stage),
    void *arg)
{
	struct mqtt_msg *m;

	TAILQ_FOREACH(m, &c->inflight, link)
		fn(arg, m->cookie, m->packet_id, m->stage);
}

/* What the owner asks of a running client. */

int mqtt_client_version(const struct mqtt_client *c)
{
	return c->o.version;
}

uint8_t mqtt_client_max_qos(const struct mqtt_client *c)
{
	return c->state == MQTT_ST_UP ? c->max_qos : c->qos_cap;
}

bool mqtt_client_gave_up(const struct mqtt_client *c)
{
	return c->state == MQTT_ST_FAILED;
}

bool mqtt_client_connected(const struct mqtt_client *c)
{
	return c->state == MQTT_ST_UP;
}

const char *mqtt_client_last_error(const struct mqtt_client *c)
{
	return c->err;
}

size_t mqtt_client_pending(const struct mqtt_client *c)
{
	return c->n_queue + c->n_inflight + c->n_q0;
}

int mqtt_client_run_until_idle(struct mqtt_client *c, int timeout_ms)
{
	uint64_t deadline = loop_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	int r;

	if (c->state == MQTT_ST_IDLE && !c->retry_timer && (r = mqtt_client_start(c)) < 0)
		return r;
	for (;;) {
		uint64_t now = loop_now_ms();

		if (c->state == MQTT_ST_FAILED)
			return -ECONNABORTED;
		if (c->state == MQTT_ST_STOPPED)
			return -ECANCELED;
		if (c->state == MQTT_ST_UP && mqtt_client_pending(c) == 0 &&
		    c->out_off == c->out.len)
			return 0;
		if (timeout_ms >= 0 && now >= deadline)
			return -ETIMEDOUT;
		r = loop_run_once(c->loop, timeout_ms < 0 ? -1 : (int)(deadline - now));
		if (r < 0)
			return r;
	}
}
