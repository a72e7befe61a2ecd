/* mqtt_decode.c: framing and validating what a server sends.
 *
 * Every byte is read through a struct wire_cur; a decoder reads the whole
 * packet, then checks the cursor's sticky error once. The first problem
 * found is reported, with a message saying what it was. */
#include <errno.h>
#include <string.h>

#include "mqtt_codec.h"

#define BIT(t)		(1u << (t))
#define IN_WILL		BIT(0)	/* packet type 0 is reserved: reuse it for will properties */
#define ALL_PACKETS	(BIT(MQTT_CONNECT) | BIT(MQTT_CONNACK) | BIT(MQTT_PUBLISH) | \
			 IN_WILL | BIT(MQTT_PUBACK) | BIT(MQTT_PUBREC) | BIT(MQTT_PUBREL) | \
			 BIT(MQTT_PUBCOMP) | BIT(MQTT_SUBSCRIBE) | BIT(MQTT_SUBACK) | \
			 BIT(MQTT_UNSUBSCRIBE) | BIT(MQTT_UNSUBACK) | BIT(MQTT_DISCONNECT) | \
			 BIT(MQTT_AUTH))

enum ptype { P_NONE, P_BYTE, P_U16, P_U32, P_VARINT, P_UTF8, P_BIN, P_PAIR };

struct pdef {
	uint8_t		type;
	uint16_t	where;	/* BIT(packet type) where the property may appear */
};

static const struct pdef pdefs[] = {
	[MQTT_PROP_PAYLOAD_FORMAT]	= { P_BYTE, BIT(MQTT_PUBLISH) | IN_WILL },
	[MQTT_PROP_MESSAGE_EXPIRY]	= { P_U32, BIT(MQTT_PUBLISH) | IN_WILL },
	[MQTT_PROP_CONTENT_TYPE]	= { P_UTF8, BIT(MQTT_PUBLISH) | IN_WILL },
	[MQTT_PROP_RESPONSE_TOPIC]	= { P_UTF8, BIT(MQTT_PUBLISH) | IN_WILL },
	[MQTT_PROP_CORRELATION_DATA]	= { P_BIN, BIT(MQTT_PUBLISH) | IN_WILL },
	[MQTT_PROP_SUBSCRIPTION_ID]	= { P_VARINT, BIT(MQTT_PUBLISH) | BIT(MQTT_SUBSCRIBE) },
	[MQTT_PROP_SESSION_EXPIRY]	= { P_U32, BIT(MQTT_CONNECT) | BIT(MQTT_CONNACK) | BIT(MQTT_DISCONNECT) },
	[MQTT_PROP_ASSIGNED_CLIENT_ID]	= { P_UTF8, BIT(MQTT_CONNACK) },
	[MQTT_PROP_SERVER_KEEPALIVE]	= { P_U16, BIT(MQTT_CONNACK) },
	[MQTT_PROP_AUTH_METHOD]		= { P_UTF8, BIT(MQTT_CONNECT) | BIT(MQTT_CONNACK) | BIT(MQTT_AUTH) },
	[MQTT_PROP_AUTH_DATA]		= { P_BIN, BIT(MQTT_CONNECT) | BIT(MQTT_CONNACK) | BIT(MQTT_AUTH) },
	[MQTT_PROP_REQUEST_PROBLEM_INFO] = { P_BYTE, BIT(MQTT_CONNECT) },
	[MQTT_PROP_WILL_DELAY]		= { P_U32, IN_WILL },
	[MQTT_PROP_REQUEST_RESPONSE_INFO] = { P_BYTE, BIT(MQTT_CONNECT) },
	[MQTT_PROP_RESPONSE_INFO]	= { P_UTF8, BIT(MQTT_CONNACK) },
	[MQTT_PROP_SERVER_REFERENCE]	= { P_UTF8, BIT(MQTT_CONNACK) | BIT(MQTT_DISCONNECT) },
	[MQTT_PROP_REASON_STRING]	= { P_UTF8, BIT(MQTT_CONNACK) | BIT(MQTT_PUBACK) |
		BIT(MQTT_PUBREC) | BIT(MQTT_PUBREL) | BIT(MQTT_PUBCOMP) | BIT(MQTT_SUBACK) |
		BIT(MQTT_UNSUBACK) | BIT(MQTT_DISCONNECT) | BIT(MQTT_AUTH) },
	[MQTT_PROP_RECEIVE_MAXIMUM]	= { P_U16, BIT(MQTT_CONNECT) | BIT(MQTT_CONNACK) },
	[MQTT_PROP_TOPIC_ALIAS_MAXIMUM]	= { P_U16, BIT(MQTT_CONNECT) | BIT(MQTT_CONNACK) },
	[MQTT_PROP_TOPIC_ALIAS]		= { P_U16, BIT(MQTT_PUBLISH) },
	[MQTT_PROP_MAXIMUM_QOS]		= { P_BYTE, BIT(MQTT_CONNACK) },
	[MQTT_PROP_RETAIN_AVAILABLE]	= { P_BYTE, BIT(MQTT_CONNACK) },
	[MQTT_PROP_USER_PROPERTY]	= { P_PAIR, ALL_PACKETS },
	[MQTT_PROP_MAXIMUM_PACKET_SIZE]	= { P_U32, BIT(MQTT_CONNECT) | BIT(MQTT_CONNACK) },
	[MQTT_PROP_WILDCARD_SUB]	= { P_BYTE, BIT(MQTT_CONNACK) },
	[MQTT_PROP_SUBSCRIPTION_ID_AVAIL] = { P_BYTE, BIT(MQTT_CONNACK) },
	[MQTT_PROP_SHARED_SUB]		= { P_BYTE, BIT(MQTT_CONNACK) },
};

#define NPDEFS	(sizeof(pdefs) / sizeof(pdefs[0]))

/* First problem wins: remember it in the cursor and in *why. */
static void bad(struct wire_cur *c, const char **why, int err, const char *msg)
{
	if (wire_error(c))
		return;
	wire_fail(c, err);
	*why = msg;
}

/* A variable byte integer inside a packet (at most 4 bytes, minimal). */
static uint32_t read_varint(struct wire_cur *c, const char **why)
{
	uint32_t v = 0;
	uint8_t b = 0;
	int i;

	for (i = 0; i < 4; i++) {
		b = wire_read_u8(c);
		v |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	if (wire_error(c))
		return 0;
	if (i == 4) {
		bad(c, why, -EBADMSG, "a variable byte integer is longer than 4 bytes");
		return 0;
	}
	if (i > 0 && b == 0) {
		bad(c, why, -EBADMSG, "a variable byte integer is not minimally encoded");
		return 0;
	}
	return v;
}

/* A two-byte-length string; UTF-8 checked when utf8. */
static struct mqtt_str read_str(struct wire_cur *c, bool utf8, const char **why)
{
	struct mqtt_str s = { "", 0 };
	uint16_t n = wire_read_u16be(c);
	const uint8_t *p = wire_read_ptr(c, n);

	if (!p)
		return s;
	if (utf8 && !mqtt_utf8_valid(p, n)) {
		bad(c, why, -EBADMSG, "a string is not valid UTF-8 (or holds U+0000)");
		return s;
	}
	s.p = (const char *)p;
	s.len = n;
	return s;
}

static void store_prop(struct mqtt_props *pr, uint8_t id, uint32_t v,
    struct mqtt_str s)
{
	switch (id) {
	case MQTT_PROP_PAYLOAD_FORMAT:	pr->payload_format = (uint8_t)v; break;
	case MQTT_PROP_MESSAGE_EXPIRY:	pr->message_expiry = v; break;
	case MQTT_PROP_CONTENT_TYPE:	pr->content_type = s; break;
	case MQTT_PROP_RESPONSE_TOPIC:	pr->response_topic = s; break;
	case MQTT_PROP_CORRELATION_DATA: pr->correlation_data = s; break;
	case MQTT_PROP_SUBSCRIPTION_ID:
		if (!pr->subscription_id)
			pr->subscription_id = v;
		break;
	case MQTT_PROP_SESSION_EXPIRY:	pr->session_expiry = v; break;
	case MQTT_PROP_ASSIGNED_CLIENT_ID: pr->assigned_client_id = s; break;
	case MQTT_PROP_SERVER_KEEPALIVE: pr->server_keepalive = (uint16_t)v; break;
	case MQTT_PROP_AUTH_METHOD:	pr->auth_method = s; break;
	case MQTT_PROP_AUTH_DATA:	pr->auth_data = s; break;
	case MQTT_PROP_RESPONSE_INFO:	pr->response_info = s; break;
	case MQTT_PROP_SERVER_REFERENCE: pr->server_reference = s; break;
	case MQTT_PROP_REASON_STRING:	pr->reason_string = s; break;
	case MQTT_PROP_RECEIVE_MAXIMUM:	pr->receive_maximum = (uint16_t)v; break;
	case MQTT_PROP_TOPIC_ALIAS_MAXIMUM: pr->topic_alias_maximum = (uint16_t)v; break;
	case MQTT_PROP_TOPIC_ALIAS:	pr->topic_alias = (uint16_t)v; break;
	case MQTT_PROP_MAXIMUM_QOS:	pr->maximum_qos = (uint8_t)v; break;
	case MQTT_PROP_RETAIN_AVAILABLE: pr->retain_available = (uint8_t)v; break;
	case MQTT_PROP_USER_PROPERTY:	pr->user_properties++; break;
	case MQTT_PROP_MAXIMUM_PACKET_SIZE: pr->maximum_packet_size = v; break;
	case MQTT_PROP_WILDCARD_SUB:	pr->wildcard_sub = (uint8_t)v; break;
	case MQTT_PROP_SUBSCRIPTION_ID_AVAIL: pr->subscription_id_avail = (uint8_t)v; break;
	case MQTT_PROP_SHARED_SUB:	pr->shared_sub = (uint8_t)v; break;
	}
}

/* Values the spec restricts beyond their type. */
static const char *check_value(uint8_t id, uint32_t v)
{
	switch (id) {
	case MQTT_PROP_PAYLOAD_FORMAT:
	case MQTT_PROP_REQUEST_PROBLEM_INFO:
	case MQTT_PROP_REQUEST_RESPONSE_INFO:
	case MQTT_PROP_MAXIMUM_QOS:
	case MQTT_PROP_RETAIN_AVAILABLE:
	case MQTT_PROP_WILDCARD_SUB:
	case MQTT_PROP_SUBSCRIPTION_ID_AVAIL:
	case MQTT_PROP_SHARED_SUB:
		return v > 1 ? "a property that must be 0 or 1 has another value" : NULL;
	case MQTT_PROP_RECEIVE_MAXIMUM:
		return v == 0 ? "Receive Maximum is 0" : NULL;
	case MQTT_PROP_MAXIMUM_PACKET_SIZE:
		return v == 0 ? "Maximum Packet Size is 0" : NULL;
	case MQTT_PROP_TOPIC_ALIAS:
		return v == 0 ? "Topic Alias is 0" : NULL;
	case MQTT_PROP_SUBSCRIPTION_ID:
		return v == 0 ? "Subscription Identifier is 0" : NULL;
	}
	return NULL;
}

/* Read a property length and the properties it covers, checking each is
 * known, allowed in a packet of type, not repeated and in range. */
static void read_props(struct wire_cur *c, uint8_t type, struct mqtt_props *pr,
    const char **why)
{
	uint32_t len = read_varint(c, why);
	struct wire_cur pc = wire_sub(c, len);

	if (wire_error(c))
		return;
	while (wire_remaining(&pc) > 0) {
		uint8_t id = wire_read_u8(&pc);
		const struct pdef *d = id < NPDEFS ? &pdefs[id] : NULL;
		struct mqtt_str s = { "", 0 };
		uint32_t v = 0;
		const char *msg;

		if (!d || d->type == P_NONE) {
			bad(c, why, -EBADMSG, "unknown property identifier");
			return;
		}
		if (!(d->where & BIT(type))) {
			bad(c, why, -EPROTO, "a property is not allowed in this packet type");
			return;
		}
		if (mqtt_props_has(pr, id) && id != MQTT_PROP_USER_PROPERTY &&
		    id != MQTT_PROP_SUBSCRIPTION_ID) {
			bad(c, why, -EPROTO, "a property appears more than once");
			return;
		}
		switch (d->type) {
		case P_BYTE:	v = wire_read_u8(&pc); break;
		case P_U16:	v = wire_read_u16be(&pc); break;
		case P_U32:	v = wire_read_u32be(&pc); break;
		case P_VARINT:	v = read_varint(&pc, why); break;
		case P_UTF8:	s = read_str(&pc, true, why); break;
		case P_BIN:	s = read_str(&pc, false, why); break;
		case P_PAIR:
			read_str(&pc, true, why);
			read_str(&pc, true, why);
			break;
		}
		if (wire_error(&pc)) {
			/* read_varint/read_str named what they found; a bare
			 * overrun did not. */
			wire_fail(c, wire_error(&pc));
			if (!*why)
				*why = "a property runs past the property length";
			return;
		}
		if ((msg = check_value(id, v)) != NULL) {
			bad(c, why, -EPROTO, msg);
			return;
		}
		pr->present |= (uint64_t)1 << id;
		store_prop(pr, id, v, s);
	}
}

/* Fixed-header flags each packet type must carry. */
static bool flags_ok(uint8_t type, uint8_t flags)
{
	switch (type) {
	case MQTT_PUBLISH:
		return true;	/* DUP, QoS, RETAIN: checked by the decoder */
	case MQTT_PUBREL:
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		return flags == 0x2;
	default:
		return flags == 0;
	}
}

int mqtt_frame(const uint8_t *buf, size_t len, size_t max_size,
    struct mqtt_packet *pkt, const char **why)
{
	uint32_t rem = 0;
	uint8_t b = 0, type, flags;
	size_t i, size;

	if (len < 1)
		return 0;
	type = buf[0] >> 4;
	flags = buf[0] & 0x0f;
	if (type == 0) {
		*why = "packet type 0 is reserved";
		return -EBADMSG;
	}
	if (!flags_ok(type, flags)) {
		*why = "reserved flag bits in the fixed header are wrong";
		return -EBADMSG;
	}
	for (i = 0; i < 4; i++) {
		if (1 + i >= len)
			return 0;
		b = buf[1 + i];
		rem |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	if (i == 4) {
		*why = "the remaining length is longer than 4 bytes";
		return -EBADMSG;
	}
	if (i > 0 && b == 0) {
		*why = "the remaining length is not minimally encoded";
		return -EBADMSG;
	}
	size = 1 + (i + 1) + (size_t)rem;
	if (size > max_size) {
		*why = "the packet is larger than the maximum packet size";
		return -EMSGSIZE;
	}
	if (len < size)
		return 0;
	pkt->type = type;
	pkt->flags = flags;
	pkt->body = buf + 2 + i;
	pkt->body_len = rem;
	pkt->size = size;
	return 1;
}

/* The end of every decoder: report the first error, or trailing bytes. */
static int finish(struct wire_cur *c, const char **why)
{
	if (!wire_error(c) && wire_remaining(c) > 0)
		bad(c, why, -EBADMSG, "the packet has bytes after its last field");
	if (wire_error(c) == -EBADMSG && !*why)
		*why = "the packet ends in the middle of a field";
	return wire_error(c);
}

int mqtt_decode_connack(const struct mqtt_packet *pkt, int version,
    struct mqtt_connack *ca, const char **why)
{
	struct wire_cur c;
	uint8_t ackf;

	*why = NULL;
	memset(ca, 0, sizeof(*ca));
	wire_cur_init(&c, pkt->body, pkt->body_len);
	ackf = wire_read_u8(&c);
	ca->code = wire_read_u8(&c);
	ca->session_present = ackf & 1;
	if (!wire_error(&c) && (ackf & 0xfe))
		bad(&c, why, -EBADMSG, "CONNACK has reserved acknowledge flag bits set");
	if (version == MQTT_V5) {
		read_props(&c, MQTT_CONNACK, &ca->props, why);
		if (!wire_error(&c) && !mqtt_reason_allowed(MQTT_CONNACK, ca->code))
			bad(&c, why, -EPROTO, "CONNACK carries a reason code CONNACK may not use");
	} else if (!wire_error(&c) && ca->code > 5) {
		bad(&c, why, -EPROTO, "CONNACK carries a reserved return code");
	}
	if (!wire_error(&c) && ca->code != 0 && ca->session_present)
		bad(&c, why, -EPROTO, "CONNACK refuses the connection but claims a session");
	return finish(&c, why);
}

int mqtt_decode_ack(const struct mqtt_packet *pkt, int version,
    struct mqtt_ack *ack, const char **why)
{
	struct wire_cur c;

	*why = NULL;
	memset(ack, 0, sizeof(*ack));
	if (pkt->type < MQTT_PUBACK || pkt->type > MQTT_PUBCOMP) {
		*why = "not an acknowledgement packet";
		return -EINVAL;
	}
	wire_cur_init(&c, pkt->body, pkt->body_len);
	ack->packet_id = wire_read_u16be(&c);
	if (!wire_error(&c) && ack->packet_id == 0)
		bad(&c, why, -EPROTO, "an acknowledgement carries packet identifier 0");
	if (version == MQTT_V5 && wire_remaining(&c) > 0) {
		ack->reason = wire_read_u8(&c);
		if (!mqtt_reason_allowed(pkt->type, ack->reason))
			bad(&c, why, -EPROTO, "an acknowledgement carries a reason code its type may not use");
		if (wire_remaining(&c) > 0)
			read_props(&c, pkt->type, &ack->props, why);
	}
	return finish(&c, why);
}

int mqtt_decode_publish(const struct mqtt_packet *pkt, int version,
    struct mqtt_publish *pub, const char **why)
{
	struct wire_cur c;

	*why = NULL;
	memset(pub, 0, sizeof(*pub));
	pub->qos = (pkt->flags >> 1) & 3;
	pub->dup = pkt->flags & 0x08;
	pub->retain = pkt->flags & 0x01;
	if (pub->qos == 3) {
		*why = "PUBLISH has QoS 3";
		return -EBADMSG;
	}
	if (pub->qos == 0 && pub->dup) {
		*why = "PUBLISH at QoS 0 has the DUP flag set";
		return -EBADMSG;
	}
	wire_cur_init(&c, pkt->body, pkt->body_len);
	pub->topic = read_str(&c, true, why);
	if (!wire_error(&c) && memchr(pub->topic.p, '+', pub->topic.len))
		bad(&c, why, -EPROTO, "PUBLISH topic contains a wildcard");
	if (!wire_error(&c) && memchr(pub->topic.p, '#', pub->topic.len))
		bad(&c, why, -EPROTO, "PUBLISH topic contains a wildcard");
	if (pub->qos > 0) {
		pub->packet_id = wire_read_u16be(&c);
		if (!wire_error(&c) && pub->packet_id == 0)
			bad(&c, why, -EPROTO, "PUBLISH carries packet identifier 0");
	}
	if (version == MQTT_V5) {
		read_props(&c, MQTT_PUBLISH, &pub->props, why);
		/* Our CONNECT never offers a Topic Alias Maximum, so 0 applies. */
		if (!wire_error(&c) && mqtt_props_has(&pub->props, MQTT_PROP_TOPIC_ALIAS))
			bad(&c, why, -EPROTO, "PUBLISH uses a topic alias the client never allowed");
	}
	if (!wire_error(&c) && pub->topic.len == 0)
		bad(&c, why, -EPROTO, "PUBLISH has an empty topic");
	if (wire_error(&c))
		return finish(&c, why);
	pub->payload_len = wire_remaining(&c);
	pub->payload = wire_read_ptr(&c, pub->payload_len);
	return finish(&c, why);
}

int mqtt_decode_disconnect(const struct mqtt_packet *pkt, int version,
    struct mqtt_disconnect *d, const char **why)
{
	struct wire_cur c;

	*why = NULL;
	memset(d, 0, sizeof(*d));
	if (version != MQTT_V5) {
		*why = "a 3.1.1 server sent DISCONNECT";
		return -EPROTO;
	}
	wire_cur_init(&c, pkt->body, pkt->body_len);
	if (wire_remaining(&c) > 0) {
		d->reason = wire_read_u8(&c);
		if (!mqtt_reason_allowed(MQTT_DISCONNECT, d->reason))
			bad(&c, why, -EPROTO, "DISCONNECT carries a reason code DISCONNECT may not use");
		if (wire_remaining(&c) > 0)
			read_props(&c, MQTT_DISCONNECT, &d->props, why);
		if (!wire_error(&c) && mqtt_props_has(&d->props, MQTT_PROP_SESSION_EXPIRY))
			bad(&c, why, -EPROTO, "the server sent Session Expiry Interval in DISCONNECT");
	}
	return finish(&c, why);
}

int mqtt_decode(const struct mqtt_packet *pkt, int version, struct mqtt_in *in,
    const char **why)
{
	*why = NULL;
	memset(in, 0, sizeof(*in));
	in->type = pkt->type;
	switch (pkt->type) {
	case MQTT_CONNACK:
		return mqtt_decode_connack(pkt, version, &in->u.connack, why);
	case MQTT_PUBLISH:
		return mqtt_decode_publish(pkt, version, &in->u.publish, why);
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		return mqtt_decode_ack(pkt, version, &in->u.ack, why);
	case MQTT_PINGRESP:
		if (pkt->body_len != 0) {
			*why = "PINGRESP has a nonzero remaining length";
			return -EBADMSG;
		}
		return 0;
	case MQTT_DISCONNECT:
		return mqtt_decode_disconnect(pkt, version, &in->u.disconnect, why);
	case MQTT_AUTH:
		*why = version == MQTT_V5 ?
		    "the server sent AUTH but no authentication method was requested" :
		    "packet type 15 is reserved in MQTT 3.1.1";
		return -EPROTO;
	default:
		*why = "the server sent a packet type a server never sends to a publisher";
		return -EPROTO;
	}
}
