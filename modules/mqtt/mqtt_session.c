/* mqtt_session.c: QoS state of a publisher.
 *
 * Messages wait in the queue until the window has room; entering it, a
 * QoS 1/2 message takes a packet id that is not in use and keeps it until
 * it is finished. The in-flight list keeps entry order, which is the order
 * of retransmission after a reconnect. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_int.h"

/* Reports name a topic by its first bytes: it may be 64 KiB long. */
#define TOPIC_SHOWN	48

struct mqtt_msg *mqtt_msg_new(const char *topic, const void *payload,
    size_t len, uint8_t qos, bool retain, void *cookie)
{
	size_t tl = strlen(topic) + 1;
	struct mqtt_msg *m;

	if (len > SIZE_MAX - sizeof(*m) - tl)
		return NULL;
	m = calloc(1, sizeof(*m) + tl + len);
	if (!m)
		return NULL;
	m->topic = (char *)(m + 1);
	memcpy(m->topic, topic, tl);
	m->payload = (uint8_t *)m->topic + tl;
	if (len)
		memcpy(m->payload, payload, len);
	m->len = len;
	m->qos = qos;
	m->retain = retain;
	m->cookie = cookie;
	return m;
}

static void free_list(struct mqtt_msgq *q)
{
	struct mqtt_msg *m;

	while ((m = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, m, link);
		free(m);
	}
}

void mqtt_session_free(struct mqtt_client *c)
{
	free_list(&c->queue);
	free_list(&c->inflight);
	free_list(&c->q0);
	free(c->by_pid);
	c->by_pid = NULL;
}

static void notify_state(struct mqtt_client *c, struct mqtt_msg *m,
    enum mqtt_stage st)
{
	/* The packet this announces must wait for on_flush (see flush()). */
	c->unsynced = true;
	if (c->o.cbs.on_state)
		c->o.cbs.on_state(c->o.cbs.arg, m->cookie, m->packet_id, st);
}

/* The message is finished: free its packet id and tell the owner. */
static void complete(struct mqtt_client *c, struct mqtt_msg *m, uint8_t reason)
{
	TAILQ_REMOVE(&c->inflight, m, link);
	c->by_pid[m->packet_id] = NULL;
	c->n_inflight--;
	if (m->sent)
		c->n_onwire--;
	notify_state(c, m, MQTT_STAGE_DONE);
	if (c->o.cbs.on_ack)
		c->o.cbs.on_ack(c->o.cbs.arg, m->cookie, m->qos, reason);
	free(m);
}

static uint16_t pid_alloc(struct mqtt_client *c)
{
	unsigned i;

	for (i = 0; i < 65535; i++) {
		uint16_t id = c->next_pid;

		c->next_pid = id == 65535 ? 1 : (uint16_t)(id + 1);
		if (!c->by_pid[id])
			return id;
	}
	return 0;
}

/* Put PUBLISH, or PUBREL once PUBREC came, into the output. */
static void transmit(struct mqtt_client *c, struct mqtt_msg *m)
{
	if (m->stage == MQTT_STAGE_PUBREC)
		mqtt_encode_ack(&c->out, c->o.version, MQTT_PUBREL, m->packet_id, 0);
	else
		mqtt_encode_publish(&c->out, c->o.version, m->topic, m->payload,
		    m->len, m->qos, m->retain, m->ever_sent, m->packet_id);
	m->sent = true;
	m->ever_sent = true;
	c->n_onwire++;
}

/* Fit a new message to what the broker accepts. Returns false when it
 * cannot be sent at all. */
static bool fit(struct mqtt_client *c, struct mqtt_msg *m)
{
	if (m->qos > c->max_qos) {
		if (!c->warned_qos)
			mqtt_report(c, "the broker supports QoS %u at most; publishing at QoS %u",
			    c->max_qos, c->max_qos);
		c->warned_qos = true;
		m->qos = c->max_qos;
	}
	if (m->retain && !c->retain_ok) {
		if (!c->warned_retain)
			mqtt_report(c, "the broker does not support retained messages; publishing without retain");
		c->warned_retain = true;
		m->retain = false;
	}
	return mqtt_publish_size(c->o.version, strlen(m->topic), m->len, m->qos) <=
	    c->broker_max_packet;
}

int mqtt_session_pump(struct mqtt_client *c)
{
	unsigned limit = c->window < c->recv_max ? c->window : c->recv_max;
	struct mqtt_msg *m;

	if (c->state != MQTT_ST_UP)
		return 0;
	/* Resends after a reconnect. n_onwire counts the in-flight messages
	 * marked sent, so with none left to resend (the steady state) the
	 * walk over a wide window is skipped. */
	if (c->n_onwire < c->n_inflight) {
		TAILQ_FOREACH(m, &c->inflight, link) {
			if (m->sent)
				continue;
			if (c->n_onwire >= limit)
				break;
			transmit(c, m);
		}
	}
	while ((m = TAILQ_FIRST(&c->queue)) != NULL && c->state == MQTT_ST_UP &&
	    c->out.len - c->out_off < MQTT_OUT_HIGH) {
		if (m->qos > 0 && (c->n_onwire >= limit || c->n_inflight >= c->window))
			break;
		if (!fit(c, m)) {
			TAILQ_REMOVE(&c->queue, m, link);
			c->n_queue--;
			mqtt_report(c, "a message to '%.*s'%s is larger than the broker's maximum packet size (%u bytes); dropped",
			    TOPIC_SHOWN, m->topic, strlen(m->topic) > TOPIC_SHOWN ? "..." : "",
			    c->broker_max_packet);
			if (c->o.cbs.on_ack)
				c->o.cbs.on_ack(c->o.cbs.arg, m->cookie, m->qos,
				    MQTT_RC_PACKET_TOO_LARGE);
			free(m);
			continue;
		}
		if (m->qos == 0) {
			TAILQ_REMOVE(&c->queue, m, link);
			c->n_queue--;
			mqtt_encode_publish(&c->out, c->o.version, m->topic, m->payload,
			    m->len, 0, m->retain, false, 0);
			m->end_pos = c->written + (c->out.len - c->out_off);
			TAILQ_INSERT_TAIL(&c->q0, m, link);
			c->n_q0++;
			continue;
		}
		if ((m->packet_id = pid_alloc(c)) == 0)
			break;
		TAILQ_REMOVE(&c->queue, m, link);
		c->n_queue--;
		TAILQ_INSERT_TAIL(&c->inflight, m, link);
		c->by_pid[m->packet_id] = m;
		c->n_inflight++;
		m->stage = MQTT_STAGE_PUBLISHED;
		notify_state(c, m, MQTT_STAGE_PUBLISHED);
		if (c->state != MQTT_ST_UP)
			break;
		transmit(c, m);
	}
	return wire_buf_error(&c->out);
}

void mqtt_session_wrote(struct mqtt_client *c)
{
	struct mqtt_msg *m;

	while ((m = TAILQ_FIRST(&c->q0)) != NULL && m->end_pos <= c->written) {
		TAILQ_REMOVE(&c->q0, m, link);
		c->n_q0--;
		if (c->o.cbs.on_ack)
			c->o.cbs.on_ack(c->o.cbs.arg, m->cookie, 0, 0);
		free(m);
	}
}

void mqtt_session_link_down(struct mqtt_client *c)
{
	struct mqtt_msg *m;

	/* QoS 0 messages not fully written go back to the head, in order. */
	while ((m = TAILQ_LAST(&c->q0, mqtt_msgq)) != NULL) {
		TAILQ_REMOVE(&c->q0, m, link);
		c->n_q0--;
		TAILQ_INSERT_HEAD(&c->queue, m, link);
		c->n_queue++;
	}
	TAILQ_FOREACH(m, &c->inflight, link)
		m->sent = false;
	c->n_onwire = 0;
}

/* Lower the QoS a message in flight goes at, when the broker caps it.
 * Only a PUBLISH not acknowledged yet; it keeps its packet id, so never
 * below 1. */
static void cap_inflight(struct mqtt_client *c, struct mqtt_msg *m)
{
	uint8_t cap = c->max_qos > 0 ? c->max_qos : 1;

	if (m->stage != MQTT_STAGE_PUBLISHED || m->qos <= cap)
		return;
	if (!c->warned_qos)
		mqtt_report(c, "the broker supports QoS %u at most; publishing at QoS %u",
		    c->max_qos, cap);
	c->warned_qos = true;
	m->qos = cap;
}

void mqtt_session_qos_refused(struct mqtt_client *c)
{
	struct mqtt_msg *m;
	uint8_t top = 0;

	TAILQ_FOREACH(m, &c->inflight, link)
		if (m->sent && m->stage == MQTT_STAGE_PUBLISHED && m->qos > top)
			top = m->qos;
	if (top > 1 && c->qos_cap >= top)
		c->qos_cap = (uint8_t)(top - 1);
}

void mqtt_session_connected(struct mqtt_client *c, bool session_present)
{
	struct mqtt_msg *m, *next;

	c->n_onwire = 0;
	for (m = TAILQ_FIRST(&c->inflight); m; m = next) {
		next = TAILQ_NEXT(m, link);
		m->sent = false;
		cap_inflight(c, m);
		if (session_present)
			continue;
		/* The broker forgot the session. After PUBREC it had taken
		 * the message over and delivered it: sending it again would
		 * duplicate it. Before, it may never have had it: send anew. */
		if (m->stage == MQTT_STAGE_PUBREC)
			complete(c, m, MQTT_RC_SUCCESS);
		else
			m->ever_sent = false;
	}
}

/* Tell the owner why the broker refused a message, reason string included. */
static void refused(struct mqtt_client *c, const struct mqtt_msg *m,
    const struct mqtt_ack *a, uint8_t type)
{
	const struct mqtt_str *rs = &a->props.reason_string;

	mqtt_report(c, "%s refused the message to '%.*s'%s in %s: %s%s%.*s", c->peer,
	    TOPIC_SHOWN, m->topic, strlen(m->topic) > TOPIC_SHOWN ? "..." : "",
	    mqtt_type_name(type), mqtt_reason_text(a->reason), rs->len ? ": " : "",
	    (int)rs->len, rs->p ? rs->p : "");
}

static struct mqtt_msg *lookup(struct mqtt_client *c, uint16_t id, uint8_t qos)
{
	struct mqtt_msg *m = c->by_pid[id];

	return m && m->qos == qos ? m : NULL;
}

/* A packet from the broker on an established link. Returns 0, or a
 * negative errno when the output cannot grow. */
int mqtt_session_handle(struct mqtt_client *c, const struct mqtt_in *in)
{
	const struct mqtt_ack *a = &in->u.ack;
	struct mqtt_msg *m;

	switch (in->type) {
	case MQTT_PUBACK:
		m = c->by_pid[a->packet_id];
		if (m && m->qos == 2 && m->stage == MQTT_STAGE_PUBLISHED) {
			/* Some brokers (RabbitMQ) take QoS 2 as QoS 1: the
			 * message is delivered; go on at QoS 1. */
			if (c->qos_cap > 1 || !c->warned_qos)
				mqtt_report(c, "%s answered a QoS 2 message with PUBACK: it "
				    "downgraded QoS 2 to 1, and the messages that follow go at QoS 1",
				    c->peer);
			c->warned_qos = true;
			c->qos_cap = c->max_qos = 1;
			m->qos = 1;
		}
		m = lookup(c, a->packet_id, 1);
		if (m && a->reason >= 0x80)
			refused(c, m, a, in->type);
		if (m)
			complete(c, m, a->reason);
		else
			mqtt_report(c, "PUBACK for packet id %u, which is not in flight", a->packet_id);
		break;
	case MQTT_PUBREC:
		m = lookup(c, a->packet_id, 2);
		if (!m) {
			/* Let the broker finish its side. */
			mqtt_encode_ack(&c->out, c->o.version, MQTT_PUBREL, a->packet_id,
			    c->o.version == MQTT_V5 ? MQTT_RC_PACKET_ID_NOT_FOUND : 0);
			break;
		}
		if (m->stage == MQTT_STAGE_PUBLISHED) {
			if (a->reason >= 0x80) {
				refused(c, m, a, in->type);
				complete(c, m, a->reason);
				break;
			}
			m->stage = MQTT_STAGE_PUBREC;
			notify_state(c, m, MQTT_STAGE_PUBREC);
			if (c->state != MQTT_ST_UP)
				break;
		}
		if (!m->sent) {
			m->sent = true;
			c->n_onwire++;
		}
		mqtt_encode_ack(&c->out, c->o.version, MQTT_PUBREL, m->packet_id, 0);
		break;
	case MQTT_PUBCOMP:
		m = lookup(c, a->packet_id, 2);
		if (m && m->stage == MQTT_STAGE_PUBREC && a->reason >= 0x80)
			refused(c, m, a, in->type);
		if (m && m->stage == MQTT_STAGE_PUBREC)
			complete(c, m, a->reason);
		else
			mqtt_report(c, "PUBCOMP for packet id %u, which awaits none", a->packet_id);
		break;
	case MQTT_PUBLISH:
		/* A publisher subscribes to nothing, but a resumed session may
		 * still deliver: acknowledge and drop. */
		if (in->u.publish.qos == 1)
			mqtt_encode_ack(&c->out, c->o.version, MQTT_PUBACK,
			    in->u.publish.packet_id, 0);
		else if (in->u.publish.qos == 2)
			mqtt_encode_ack(&c->out, c->o.version, MQTT_PUBREC,
			    in->u.publish.packet_id, 0);
		break;
	case MQTT_PUBREL:
		mqtt_encode_ack(&c->out, c->o.version, MQTT_PUBCOMP, a->packet_id, 0);
		break;
	}
	return wire_buf_error(&c->out);
}
