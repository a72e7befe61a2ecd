/* mqtt_encode.c: the packets a publishing client sends. */
#include <errno.h>
#include <string.h>

#include "mqtt_codec.h"

bool mqtt_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t k, j;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;	/* continuation byte, overlong lead, > U+10FFFF */
		}
		if (n - i - 1 < k)
			return false;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += k + 1;
	}
	return true;
}

/* The next code point of UTF-8 that mqtt_utf8_valid() accepted. */
static uint32_t next_cp(const uint8_t *s, size_t *i)
{
	uint8_t c = s[(*i)++];
	uint32_t cp;
	size_t k;

	if (c < 0x80)
		return c;
	k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
	cp = c & (0x3f >> k);
	while (k-- > 0)
		cp = cp << 6 | (s[(*i)++] & 0x3f);
	return cp;
}

/* MQTT 5.0 1.5.4 (and 3.1.1 1.5.3): the C0 and C1 controls and the
 * Unicode non-characters should not appear, and Mosquitto closes the
 * connection when they do. 0 when s is clean, 1 for a control
 * character, 2 for a non-character. */
static int unwanted_cp(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp = next_cp(s, &i);

		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 1;
		if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
			return 2;
	}
	return 0;
}

int mqtt_check_topic(const char *topic, const char **why)
{
	size_t n = topic ? strlen(topic) : 0;
	int bad;

	if (n == 0) {
		*why = "the topic is empty";
		return -EINVAL;
	}
	if (n > 65535) {
		*why = "the topic is longer than 65535 bytes";
		return -EINVAL;
	}
	if (!mqtt_utf8_valid((const uint8_t *)topic, n)) {
		*why = "the topic is not valid UTF-8";
		return -EINVAL;
	}
	if ((bad = unwanted_cp((const uint8_t *)topic, n)) != 0) {
		*why = bad == 1 ? "the topic contains a control character (U+0001..U+001F or "
		    "U+007F..U+009F), which MQTT forbids" :
		    "the topic contains a Unicode non-character (such as U+FFFF), which MQTT forbids";
		return -EINVAL;
	}
	if (strpbrk(topic, "+#")) {
		*why = "the topic contains a wildcard ('+' or '#'), which only subscriptions may use";
		return -EINVAL;
	}
	return 0;
}

int mqtt_check_client_id(const char *id, const char **why)
{
	size_t n = id ? strlen(id) : 0;
	int bad;

	if (n == 0) {
		*why = "the client id is empty";
		return -EINVAL;
	}
	if (n > 65535) {
		*why = "the client id is longer than 65535 bytes";
		return -EINVAL;
	}
	if (!mqtt_utf8_valid((const uint8_t *)id, n)) {
		*why = "the client id is not valid UTF-8";
		return -EINVAL;
	}
	if ((bad = unwanted_cp((const uint8_t *)id, n)) != 0) {
		*why = bad == 1 ? "the client id contains a control character (U+0001..U+001F or "
		    "U+007F..U+009F), which MQTT forbids" :
		    "the client id contains a Unicode non-character (such as U+FFFF), which MQTT forbids";
		return -EINVAL;
	}
	return 0;
}

/* Reserve room for a variable byte integer length and return where. */
static size_t len_begin(struct wire_buf *b)
{
	size_t at = b->len;

	if (wire_buf_reserve(b, 4))
		b->len += 4;
	return at;
}

/* Write the length of what follows the reservation at at, then close the
 * gap the unused reservation bytes leave. */
static int len_end(struct wire_buf *b, size_t at)
{
	uint8_t v[4];
	size_t body, k;

	if (b->err)
		return b->err;
	body = b->len - at - 4;
	if (body > MQTT_MAX_REMAINING)
		return -EINVAL;
	k = wire_varint_encode(v, body);
	memcpy(b->data + at, v, k);
	memmove(b->data + at + k, b->data + at + 4, body);
	b->len -= 4 - k;
	return 0;
}

/* Append a two-byte-length string; false when it cannot be one. */
static bool put_str(struct wire_buf *b, const void *s, size_t n, bool utf8)
{
	if (n > 65535 || (utf8 && !mqtt_utf8_valid(s, n)))
		return false;
	wire_put_u16be(b, (uint16_t)n);
	wire_put_bytes(b, s, n);
	return true;
}

/* Undo a half-written packet so a failed encode leaves out unchanged. */
static int fail(struct wire_buf *out, size_t start, int err)
{
	if (!out->err)
		out->len = start;
	return out->err ? out->err : err;
}

static void connect_props(struct wire_buf *out, const struct mqtt_connect *c)
{
	if (c->session_expiry) {
		wire_put_u8(out, MQTT_PROP_SESSION_EXPIRY);
		wire_put_u32be(out, c->session_expiry);
	}
	if (c->receive_maximum) {
		wire_put_u8(out, MQTT_PROP_RECEIVE_MAXIMUM);
		wire_put_u16be(out, c->receive_maximum);
	}
	if (c->maximum_packet_size) {
		wire_put_u8(out, MQTT_PROP_MAXIMUM_PACKET_SIZE);
		wire_put_u32be(out, c->maximum_packet_size);
	}
	if (c->no_problem_info) {
		wire_put_u8(out, MQTT_PROP_REQUEST_PROBLEM_INFO);
		wire_put_u8(out, 0);
	}
}

int mqtt_encode_connect(struct wire_buf *out, const struct mqtt_connect *c)
{
	size_t start = out->len, rl, pl;
	uint8_t flags = 0;
	bool v5 = c->version == MQTT_V5, good = true;
	const char *cid = c->client_id ? c->client_id : "";

	if (c->version != MQTT_V311 && !v5)
		return -EINVAL;
	if (c->password && !c->username && !v5)
		return -EINVAL;
	if (c->will_topic && (c->will_qos > 2 || mqtt_check_topic(c->will_topic,
	    &(const char *){ NULL }) < 0))
		return -EINVAL;
	if (c->username)
		flags |= 0x80;
	if (c->password)
		flags |= 0x40;
	if (c->will_topic) {
		flags |= 0x04 | (uint8_t)(c->will_qos << 3);
		if (c->will_retain)
			flags |= 0x20;
	}
	if (c->clean_start)
		flags |= 0x02;

	wire_put_u8(out, MQTT_CONNECT << 4);
	rl = len_begin(out);
	put_str(out, "MQTT", 4, true);
	wire_put_u8(out, (uint8_t)c->version);
	wire_put_u8(out, flags);
	wire_put_u16be(out, c->keepalive);
	if (v5) {
		pl = len_begin(out);
		connect_props(out, c);
		if (len_end(out, pl) < 0)
			return fail(out, start, -EINVAL);
	}
	good &= put_str(out, cid, strlen(cid), true);
	if (c->will_topic) {
		if (v5)
			wire_put_u8(out, 0);	/* no will properties */
		good &= put_str(out, c->will_topic, strlen(c->will_topic), true);
		good &= put_str(out, c->will_payload, c->will_len, false);
	}
	if (c->username)
		good &= put_str(out, c->username, strlen(c->username), true);
	if (c->password)
		good &= put_str(out, c->password, c->password_len, false);
	if (!good || len_end(out, rl) < 0)
		return fail(out, start, -EINVAL);
	return 0;
}

size_t mqtt_publish_size(int version, size_t topic_len, size_t payload_len,
    uint8_t qos)
{
	size_t rem = 2 + topic_len + (qos ? 2 : 0) + (version == MQTT_V5) +
	    payload_len;

	return 1 + wire_varint_len(rem) + rem;
}

int mqtt_encode_publish(struct wire_buf *out, int version, const char *topic,
    const void *payload, size_t len, uint8_t qos, bool retain, bool dup,
    uint16_t packet_id)
{
	size_t start = out->len, rl;
	const char *why;
	uint8_t b0 = MQTT_PUBLISH << 4;

	if (mqtt_check_topic(topic, &why) < 0 || qos > 2 ||
	    (qos > 0) != (packet_id != 0) || (dup && qos == 0) ||
	    mqtt_publish_size(version, strlen(topic), len, qos) > MQTT_MAX_PACKET)
		return -EINVAL;
	b0 |= (uint8_t)(qos << 1);
	if (dup)
		b0 |= 0x08;
	if (retain)
		b0 |= 0x01;
	wire_put_u8(out, b0);
	rl = len_begin(out);
	put_str(out, topic, strlen(topic), false);
	if (qos)
		wire_put_u16be(out, packet_id);
	if (version == MQTT_V5)
		wire_put_u8(out, 0);	/* no properties, never a topic alias */
	wire_put_bytes(out, payload, len);
	if (len_end(out, rl) < 0)
		return fail(out, start, -EINVAL);
	return 0;
}

int mqtt_encode_ack(struct wire_buf *out, int version, enum mqtt_type type,
    uint16_t packet_id, uint8_t reason)
{
	bool with_reason = version == MQTT_V5 && reason != 0;

	if (type < MQTT_PUBACK || type > MQTT_PUBCOMP || packet_id == 0 ||
	    (version != MQTT_V5 && reason != 0))
		return -EINVAL;
	/* PUBREL alone has flags 0010. */
	wire_put_u8(out, (uint8_t)(type << 4 | (type == MQTT_PUBREL ? 0x02 : 0)));
	wire_put_u8(out, with_reason ? 3 : 2);
	wire_put_u16be(out, packet_id);
	if (with_reason)
		wire_put_u8(out, reason);
	return wire_buf_error(out);
}

int mqtt_encode_pingreq(struct wire_buf *out)
{
	wire_put_u8(out, MQTT_PINGREQ << 4);
	wire_put_u8(out, 0);
	return wire_buf_error(out);
}

int mqtt_encode_disconnect(struct wire_buf *out, int version, uint8_t reason)
{
	wire_put_u8(out, MQTT_DISCONNECT << 4);
	if (version == MQTT_V5 && reason != 0) {
		wire_put_u8(out, 1);
		wire_put_u8(out, reason);
	} else {
		wire_put_u8(out, 0);
	}
	return wire_buf_error(out);
}

int mqtt_encode_disconnect_end_session(struct wire_buf *out, uint8_t reason)
{
	/* Property length 5: Session Expiry Interval (4 bytes) = 0. */
	static const uint8_t props[] = { 5, MQTT_PROP_SESSION_EXPIRY, 0, 0, 0, 0 };

	wire_put_u8(out, MQTT_DISCONNECT << 4);
	wire_put_u8(out, 1 + sizeof(props));
	wire_put_u8(out, reason);
	wire_put_bytes(out, props, sizeof(props));
	return wire_buf_error(out);
}
