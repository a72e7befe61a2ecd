/* test-mqtt-codec: MQTT encoders against hand-checked bytes, decoders on
 * valid packets, and every malformed case we know ending in the right
 * error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_codec.h"
#include "tap.h"

/* "20 02 00 00" -> bytes; returns the count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;
	int k;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x%n", &v, &k) != 1 || k != 2 || n == cap)
			bail_out("bad hex in test vector near '%s'", s);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static int same_bytes(const struct wire_buf *b, const char *hex, const char *name)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));
	size_t i;

	if (ok(b->len == n && memcmp(b->data, want, n) == 0, "%s: exact bytes", name))
		return 1;
	diag("expected: %s", hex);
	fputs("# got:      ", stdout);
	for (i = 0; i < b->len; i++)
		printf("%02X ", b->data[i]);
	putchar('\n');
	return 0;
}

static void test_varint(void)
{
	static const struct {
		uint32_t	v;
		const char	*hex;
	} t[] = {
		{ 0, "00" }, { 127, "7F" }, { 128, "80 01" }, { 16383, "FF 7F" },
		{ 16384, "80 80 01" }, { 2097151, "FF FF 7F" },
		{ 2097152, "80 80 80 01" }, { 268435455, "FF FF FF 7F" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct wire_buf b;
		uint8_t pkt[8];
		struct mqtt_packet p;
		const char *why = NULL;
		size_t n, full;
		char name[64];

		wire_buf_init(&b);
		wire_put_varint(&b, t[i].v);
		snprintf(name, sizeof(name), "varint %u", t[i].v);
		same_bytes(&b, t[i].hex, name);
		wire_buf_free(&b);

		/* The framer must read the same value back: with the limit
		 * exactly at the packet size it waits for the body, one byte
		 * lower it refuses. */
		pkt[0] = 0x30;
		n = 1 + unhex(t[i].hex, pkt + 1, sizeof(pkt) - 1);
		full = n + t[i].v;
		is_int(mqtt_frame(pkt, n, full, &p, &why), t[i].v ? 0 : 1,
		    "frame remaining length %u at the limit", t[i].v);
		is_int(mqtt_frame(pkt, n, full - 1, &p, &why), -EMSGSIZE,
		    "frame remaining length %u over the limit", t[i].v);
	}
	/* Whole packets for the sizes that are cheap to allocate. */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t *buf;
		struct mqtt_packet p;
		const char *why = NULL;
		size_t n;

		if (t[i].v > 2097152)
			continue;
		buf = calloc(1, 5 + (size_t)t[i].v);
		if (!buf)
			bail_out("out of memory");
		buf[0] = 0x30;
		n = 1 + unhex(t[i].hex, buf + 1, 4);
		ok(mqtt_frame(buf, n + t[i].v, MQTT_MAX_PACKET, &p, &why) == 1 &&
		    p.body_len == t[i].v && p.size == n + t[i].v &&
		    p.body == buf + n, "whole packet with remaining length %u", t[i].v);
		free(buf);
	}
}

static void test_encode(void)
{
	struct wire_buf b;
	struct mqtt_connect c;
	uint8_t big[200];

	wire_buf_init(&b);
	memset(&c, 0, sizeof(c));
	c.version = MQTT_V311;
	c.clean_start = true;
	c.keepalive = 60;
	c.client_id = "c";
	is_int(mqtt_encode_connect(&b, &c), 0, "CONNECT 3.1.1 encodes");
	same_bytes(&b, "10 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 63", "CONNECT 3.1.1 minimal");

	wire_buf_reset(&b);
	memset(&c, 0, sizeof(c));
	c.version = MQTT_V5;
	c.keepalive = 60;
	c.client_id = "abc";
	c.username = "u";
	c.password = "p";
	c.password_len = 1;
	c.will_topic = "w/t";
	c.will_payload = "x";
	c.will_len = 1;
	c.will_qos = 1;
	c.will_retain = true;
	c.session_expiry = 3600;
	c.receive_maximum = 10;
	is_int(mqtt_encode_connect(&b, &c), 0, "CONNECT 5.0 encodes");
	same_bytes(&b, "10 27 00 04 4D 51 54 54 05 EC 00 3C 08 11 00 00 0E 10 21 00 0A"
	    " 00 03 61 62 63 00 00 03 77 2F 74 00 01 78 00 01 75 00 01 70",
	    "CONNECT 5.0 with will, user, password, session expiry, receive maximum");

	wire_buf_reset(&b);
	c.username = NULL;
	c.will_topic = NULL;
	c.session_expiry = 0;
	c.receive_maximum = 0;
	c.clean_start = true;
	c.no_problem_info = true;
	c.maximum_packet_size = 65536;
	is_int(mqtt_encode_connect(&b, &c), 0, "CONNECT 5.0 password without user name encodes");
	same_bytes(&b, "10 1A 00 04 4D 51 54 54 05 42 00 3C 07 27 00 01 00 00 17 00"
	    " 00 03 61 62 63 00 01 70", "CONNECT 5.0 password only, max packet size");
	c.version = MQTT_V311;
	wire_buf_reset(&b);
	is_int(mqtt_encode_connect(&b, &c), -EINVAL, "CONNECT 3.1.1 password without user name refused");
	is_int(b.len, 0, "refused CONNECT leaves the buffer empty");
	c.username = "u";
	c.will_topic = "w";
	c.will_qos = 3;
	is_int(mqtt_encode_connect(&b, &c), -EINVAL, "CONNECT will QoS 3 refused");
	c.will_qos = 0;
	c.client_id = "\xed\xa0\x80";
	is_int(mqtt_encode_connect(&b, &c), -EINVAL, "CONNECT with a surrogate in the client id refused");
	is_int(b.len, 0, "buffer still empty");

	wire_buf_reset(&b);
	is_int(mqtt_encode_publish(&b, MQTT_V311, "a/b", "hi", 2, 0, false, false, 0), 0,
	    "PUBLISH 3.1.1 QoS 0 encodes");
	same_bytes(&b, "30 07 00 03 61 2F 62 68 69", "PUBLISH 3.1.1 QoS 0");
	wire_buf_reset(&b);
	mqtt_encode_publish(&b, MQTT_V5, "t", "x", 1, 1, true, true, 10);
	same_bytes(&b, "3B 07 00 01 74 00 0A 00 78", "PUBLISH 5.0 QoS 1 DUP RETAIN");
	wire_buf_reset(&b);
	mqtt_encode_publish(&b, MQTT_V311, "t", NULL, 0, 2, false, false, 0xffff);
	same_bytes(&b, "34 05 00 01 74 FF FF", "PUBLISH 3.1.1 QoS 2 empty payload");
	wire_buf_reset(&b);
	memset(big, 'z', sizeof(big));
	mqtt_encode_publish(&b, MQTT_V311, "t", big, sizeof(big), 0, false, false, 0);
	ok(b.len == 206 && b.data[1] == 0xCB && b.data[2] == 0x01 && b.data[6] == 'z',
	    "PUBLISH with a two-byte remaining length (203 = CB 01)");
	is_int(mqtt_publish_size(MQTT_V311, 1, sizeof(big), 0), 206, "mqtt_publish_size agrees");
	is_int(mqtt_publish_size(MQTT_V5, 1, 1, 1), 9, "mqtt_publish_size 5.0 QoS 1");

	wire_buf_reset(&b);
	is_int(mqtt_encode_publish(&b, MQTT_V311, "a/+", "x", 1, 0, false, false, 0), -EINVAL,
	    "PUBLISH to a wildcard topic refused");
	is_int(mqtt_encode_publish(&b, MQTT_V311, "", "x", 1, 0, false, false, 0), -EINVAL,
	    "PUBLISH to an empty topic refused");
	is_int(mqtt_encode_publish(&b, MQTT_V311, "a", "x", 1, 1, false, false, 0), -EINVAL,
	    "PUBLISH QoS 1 without packet id refused");
	is_int(mqtt_encode_publish(&b, MQTT_V311, "a", "x", 1, 0, false, false, 7), -EINVAL,
	    "PUBLISH QoS 0 with packet id refused");
	is_int(mqtt_encode_publish(&b, MQTT_V311, "a", "x", 1, 3, false, false, 7), -EINVAL,
	    "PUBLISH QoS 3 refused");
	is_int(b.len, 0, "nothing appended by refused PUBLISHes");

	mqtt_encode_ack(&b, MQTT_V311, MQTT_PUBREL, 0x1234, 0);
	mqtt_encode_ack(&b, MQTT_V5, MQTT_PUBACK, 1, 0x10);
	mqtt_encode_ack(&b, MQTT_V5, MQTT_PUBCOMP, 5, 0);
	mqtt_encode_ack(&b, MQTT_V311, MQTT_PUBREC, 2, 0);
	mqtt_encode_pingreq(&b);
	mqtt_encode_disconnect(&b, MQTT_V311, 0);
	mqtt_encode_disconnect(&b, MQTT_V5, 0x04);
	same_bytes(&b, "62 02 12 34 40 03 00 01 10 70 02 00 05 50 02 00 02 C0 00 E0 00 E0 01 04",
	    "PUBREL, PUBACK with reason, PUBCOMP, PUBREC, PINGREQ, DISCONNECTs");
	is_int(mqtt_encode_ack(&b, MQTT_V5, MQTT_PUBACK, 0, 0), -EINVAL, "ack with packet id 0 refused");
	is_int(mqtt_encode_ack(&b, MQTT_V311, MQTT_PUBACK, 1, 0x80), -EINVAL,
	    "3.1.1 ack with a reason code refused");
	wire_buf_free(&b);
}

struct dcase {
	const char	*name;
	int		 version;
	const char	*hex;
	int		 rc;
	const char	*why;	/* substring of the message, for errors */
};

static const struct dcase decode_cases[] = {
	/* valid */
	{ "CONNACK 3.1.1 accepted", 4, "20 02 00 00", 0, NULL },
	{ "CONNACK 3.1.1 session present", 4, "20 02 01 00", 0, NULL },
	{ "CONNACK 3.1.1 not authorized", 4, "20 02 00 05", 0, NULL },
	{ "CONNACK 5.0 bare", 5, "20 03 00 00 00", 0, NULL },
	{ "PUBACK 3.1.1", 4, "40 02 00 07", 0, NULL },
	{ "PUBREC 5.0 short form", 5, "50 02 00 07", 0, NULL },
	{ "PUBREC 5.0 reason only", 5, "50 03 00 07 10", 0, NULL },
	{ "PUBREL 5.0", 5, "62 02 00 07", 0, NULL },
	{ "PUBCOMP 5.0 not found", 5, "70 03 00 07 92", 0, NULL },
	{ "PUBACK 5.0 empty properties", 5, "40 04 00 07 00 00", 0, NULL },
	{ "PINGRESP", 4, "D0 00", 0, NULL },
	{ "DISCONNECT 5.0 empty", 5, "E0 00", 0, NULL },
	{ "DISCONNECT 5.0 shutting down", 5, "E0 01 8B", 0, NULL },
	{ "DISCONNECT 5.0 server moved + reference", 5, "E0 07 9D 05 1C 00 02 68 32", 0, NULL },
	{ "PUBLISH 3.1.1 QoS 0 to the client", 4, "30 05 00 01 74 68 69", 0, NULL },
	{ "PUBLISH 5.0 QoS 2 with properties", 5,
	  "34 0C 00 01 74 00 09 04 01 01 0B 05 68 69", 0, NULL },
	{ "PUBLISH 3.1.1 with a 4-byte UTF-8 topic", 4, "30 06 00 04 F0 9F 98 80", 0, NULL },
	/* framing */
	{ "packet type 0", 4, "00 00", -EBADMSG, "type 0" },
	{ "PUBACK with flags", 4, "41 02 00 01", -EBADMSG, "reserved flag" },
	{ "PUBREL without its flags", 4, "60 02 00 01", -EBADMSG, "reserved flag" },
	{ "CONNACK with flags", 5, "2F 03 00 00 00", -EBADMSG, "reserved flag" },
	{ "5-byte remaining length", 4, "30 FF FF FF FF 7F", -EBADMSG, "longer than 4" },
	{ "non-minimal remaining length", 4, "D0 80 00", -EBADMSG, "minimally" },
	{ "remaining length over the limit", 4, "30 FF FF FF 7F", -EMSGSIZE, "maximum packet size" },
	/* CONNACK */
	{ "CONNACK 3.1.1 too long", 4, "20 03 00 00 00", -EBADMSG, "after its last field" },
	{ "CONNACK 3.1.1 too short", 4, "20 01 00", -EBADMSG, "middle of a field" },
	{ "CONNACK reserved ack flags", 4, "20 02 02 00", -EBADMSG, "acknowledge flag" },
	{ "CONNACK 3.1.1 return code 6", 4, "20 02 00 06", -EPROTO, "reserved return code" },
	{ "CONNACK refused with session", 4, "20 02 01 01", -EPROTO, "claims a session" },
	{ "CONNACK 5.0 reason 0x10", 5, "20 03 00 10 00", -EPROTO, "may not use" },
	{ "CONNACK 5.0 unknown reason 0x03", 5, "20 03 00 03 00", -EPROTO, "may not use" },
	{ "CONNACK 5.0 unknown property", 5, "20 05 00 00 02 7F 00", -EBADMSG, "unknown property" },
	{ "CONNACK 5.0 property 0 ", 5, "20 05 00 00 02 00 00", -EBADMSG, "unknown property" },
	{ "CONNACK 5.0 topic alias", 5, "20 06 00 00 03 23 00 01", -EPROTO, "not allowed" },
	{ "CONNACK 5.0 will delay", 5, "20 08 00 00 05 18 00 00 00 01", -EPROTO, "not allowed" },
	{ "CONNACK 5.0 duplicate receive maximum", 5, "20 09 00 00 06 21 00 01 21 00 02",
	  -EPROTO, "more than once" },
	{ "CONNACK 5.0 receive maximum 0", 5, "20 06 00 00 03 21 00 00", -EPROTO, "Receive Maximum is 0" },
	{ "CONNACK 5.0 maximum QoS 2", 5, "20 05 00 00 02 24 02", -EPROTO, "0 or 1" },
	{ "CONNACK 5.0 maximum packet size 0", 5, "20 08 00 00 05 27 00 00 00 00", -EPROTO,
	  "Maximum Packet Size is 0" },
	{ "CONNACK 5.0 property length past the end", 5, "20 03 00 00 05", -EBADMSG, "middle of a field" },
	{ "CONNACK 5.0 property value cut", 5, "20 05 00 00 02 21 00", -EBADMSG, "property runs past" },
	{ "CONNACK 5.0 string past property length", 5, "20 08 00 00 03 1F 00 05 61 62",
	  -EBADMSG, "property runs past" },
	{ "CONNACK 5.0 property length 5 bytes", 5, "20 07 00 00 80 80 80 80 01", -EBADMSG,
	  "longer than 4" },
	{ "CONNACK 5.0 property length not minimal", 5, "20 04 00 00 80 00", -EBADMSG, "minimally" },
	{ "CONNACK 5.0 surrogate in a string", 5, "20 09 00 00 06 12 00 03 ED A0 80", -EBADMSG, "UTF-8" },
	{ "CONNACK 5.0 U+0000 in a string", 5, "20 07 00 00 04 12 00 01 00", -EBADMSG, "UTF-8" },
	{ "CONNACK 5.0 overlong NUL", 5, "20 08 00 00 05 12 00 02 C0 80", -EBADMSG, "UTF-8" },
	{ "CONNACK 5.0 bare continuation byte", 5, "20 07 00 00 04 1F 00 01 80", -EBADMSG, "UTF-8" },
	{ "CONNACK 5.0 code point past U+10FFFF", 5, "20 0A 00 00 07 1F 00 04 F4 90 80 80",
	  -EBADMSG, "UTF-8" },
	{ "CONNACK 5.0 user property key invalid", 5, "20 0A 00 00 07 26 00 01 FF 00 01 76",
	  -EBADMSG, "UTF-8" },
	{ "CONNACK 5.0 trailing byte after properties", 5, "20 04 00 00 00 00", -EBADMSG, "after its last" },
	/* acks */
	{ "PUBACK packet id 0", 4, "40 02 00 00", -EPROTO, "identifier 0" },
	{ "PUBACK 3.1.1 truncated", 4, "40 01 00", -EBADMSG, "middle of a field" },
	{ "PUBACK 3.1.1 with reason", 4, "40 03 00 01 00", -EBADMSG, "after its last" },
	{ "PUBACK 5.0 reason 0x92", 5, "40 03 00 01 92", -EPROTO, "may not use" },
	{ "PUBREL 5.0 reason 0x80", 5, "62 03 00 01 80", -EPROTO, "may not use" },
	{ "PUBACK 5.0 server reference", 5, "40 08 00 01 00 04 1C 00 01 78", -EPROTO, "not allowed" },
	{ "PUBACK 5.0 two reason strings", 5, "40 0C 00 01 80 08 1F 00 01 61 1F 00 01 62",
	  -EPROTO, "more than once" },
	/* PUBLISH */
	{ "PUBLISH QoS 3", 4, "36 05 00 01 74 00 01", -EBADMSG, "QoS 3" },
	{ "PUBLISH QoS 0 with DUP", 4, "38 03 00 01 74", -EBADMSG, "DUP" },
	{ "PUBLISH wildcard topic", 4, "30 03 00 01 23", -EPROTO, "wildcard" },
	{ "PUBLISH empty topic", 4, "30 02 00 00", -EPROTO, "empty topic" },
	{ "PUBLISH packet id 0", 4, "32 05 00 01 74 00 00", -EPROTO, "identifier 0" },
	{ "PUBLISH topic past the end", 4, "30 03 00 05 74", -EBADMSG, "middle of a field" },
	{ "PUBLISH 5.0 topic alias", 5, "30 07 00 01 74 03 23 00 01", -EPROTO, "topic alias" },
	{ "PUBLISH 5.0 subscription id 0", 5, "30 06 00 01 74 02 0B 00", -EPROTO, "Subscription Identifier is 0" },
	{ "PUBLISH 5.0 receive maximum", 5, "30 07 00 01 74 03 21 00 01", -EPROTO, "not allowed" },
	/* others */
	{ "PINGRESP with a body", 4, "D0 01 00", -EBADMSG, "nonzero" },
	{ "DISCONNECT from a 3.1.1 server", 4, "E0 00", -EPROTO, "3.1.1 server" },
	{ "DISCONNECT 5.0 with session expiry", 5, "E0 07 00 05 11 00 00 00 01", -EPROTO, "Session Expiry" },
	{ "DISCONNECT 5.0 reason 0x10", 5, "E0 01 10", -EPROTO, "may not use" },
	{ "CONNECT from a server", 4, "10 00", -EPROTO, "never sends" },
	{ "SUBACK without a subscription", 4, "90 03 00 01 00", -EPROTO, "never sends" },
	{ "PINGREQ from a server", 4, "C0 00", -EPROTO, "never sends" },
	{ "AUTH in 5.0", 5, "F0 00", -EPROTO, "AUTH" },
	{ "type 15 in 3.1.1", 4, "F0 00", -EPROTO, "reserved" },
};

static void test_decode_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		const struct dcase *t = &decode_cases[i];
		uint8_t buf[128];
		size_t n = unhex(t->hex, buf, sizeof(buf));
		struct mqtt_packet p;
		struct mqtt_in in;
		const char *why = NULL;
		int rc = mqtt_frame(buf, n, 64, &p, &why);

		if (rc == 1) {
			if (!ok(p.size == n, "%s: framed the whole vector", t->name))
				continue;
			rc = mqtt_decode(&p, t->version, &in, &why);
		} else if (rc == 0) {
			rc = 1;	/* "incomplete" is never what a vector expects */
		}
		if (!is_int(rc, t->rc, "%s", t->name))
			diag("why: %s", why ? why : "(none)");
		if (t->rc < 0)
			ok(why && t->why && strstr(why, t->why), "%s: message says '%s' (got '%s')",
			    t->name, t->why, why ? why : "(null)");
	}
}

static int str_is(struct mqtt_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void test_decode_fields(void)
{
	uint8_t buf[256];
	size_t n;
	struct mqtt_packet p;
	struct mqtt_in in;
	const char *why = NULL;
	const struct mqtt_props *pr;

	n = unhex("20 3C 01 00 39"
	    " 11 00 00 00 3C 21 00 01 24 01 25 00 27 00 00 10 00"
	    " 12 00 02 69 64 22 00 05 1F 00 02 6F 6B 13 00 1E 1C 00 01 73"
	    " 26 00 01 6B 00 01 76 26 00 01 6B 00 01 77 28 00 29 01 2A 00", buf, sizeof(buf));
	is_int(mqtt_frame(buf, n, MQTT_MAX_PACKET, &p, &why), 1, "CONNACK 5.0 full: framed");
	is_int(mqtt_decode(&p, MQTT_V5, &in, &why), 0, "CONNACK 5.0 full: decoded (%s)",
	    why ? why : "ok");
	pr = &in.u.connack.props;
	ok(in.type == MQTT_CONNACK && in.u.connack.session_present && in.u.connack.code == 0,
	    "CONNACK: session present, success");
	ok(pr->session_expiry == 60 && pr->receive_maximum == 1 && pr->maximum_qos == 1 &&
	    mqtt_props_has(pr, MQTT_PROP_RETAIN_AVAILABLE) && pr->retain_available == 0 &&
	    pr->maximum_packet_size == 4096 && pr->topic_alias_maximum == 5 &&
	    pr->server_keepalive == 30 && pr->user_properties == 2 &&
	    mqtt_props_has(pr, MQTT_PROP_WILDCARD_SUB) && pr->subscription_id_avail == 1,
	    "CONNACK: numeric properties");
	ok(str_is(pr->assigned_client_id, "id") && str_is(pr->reason_string, "ok") &&
	    str_is(pr->server_reference, "s"), "CONNACK: string properties");
	ok(!mqtt_props_has(pr, MQTT_PROP_AUTH_METHOD), "CONNACK: absent property not present");

	n = unhex("50 09 12 34 87 05 1F 00 02 6E 6F", buf, sizeof(buf));
	mqtt_frame(buf, n, MQTT_MAX_PACKET, &p, &why);
	is_int(mqtt_decode(&p, MQTT_V5, &in, &why), 0, "PUBREC with reason string decoded");
	ok(in.type == MQTT_PUBREC && in.u.ack.packet_id == 0x1234 && in.u.ack.reason == 0x87 &&
	    str_is(in.u.ack.props.reason_string, "no"), "PUBREC: id, reason, reason string");
	is_str(mqtt_reason_text(in.u.ack.reason), "Not authorized", "reason text 0x87");

	n = unhex("3D 0E 00 03 61 2F 62 00 2A 02 01 01 00 68 69 21", buf, sizeof(buf));
	mqtt_frame(buf, n, MQTT_MAX_PACKET, &p, &why);
	is_int(mqtt_decode(&p, MQTT_V5, &in, &why), 0, "PUBLISH 5.0 decoded");
	ok(str_is(in.u.publish.topic, "a/b") && in.u.publish.qos == 2 && in.u.publish.dup &&
	    in.u.publish.retain && in.u.publish.packet_id == 42 &&
	    in.u.publish.props.payload_format == 1 && in.u.publish.payload_len == 4 &&
	    memcmp(in.u.publish.payload, "\0hi!", 4) == 0, "PUBLISH fields and payload");

	/* A partial packet is "need more", at every length short of whole. */
	n = unhex("40 02 00 07", buf, sizeof(buf));
	ok(mqtt_frame(buf, 0, 64, &p, &why) == 0 && mqtt_frame(buf, 1, 64, &p, &why) == 0 &&
	    mqtt_frame(buf, 3, 64, &p, &why) == 0 && mqtt_frame(buf, 4, 64, &p, &why) == 1,
	    "framer waits for the whole packet");
	/* Two packets back to back frame one at a time. */
	n = unhex("D0 00 40 02 00 07", buf, sizeof(buf));
	ok(mqtt_frame(buf, n, 64, &p, &why) == 1 && p.size == 2 && p.type == MQTT_PINGRESP &&
	    mqtt_frame(buf + 2, n - 2, 64, &p, &why) == 1 && p.type == MQTT_PUBACK,
	    "two packets frame separately");
}

static void test_texts(void)
{
	unsigned code;
	int unknown = 0;

	is_str(mqtt_connack_text(MQTT_V311, 4), "Connection Refused: bad user name or password",
	    "3.1.1 return code 4");
	is_str(mqtt_connack_text(MQTT_V311, 9), "Connection Refused: reserved return code",
	    "3.1.1 return code 9");
	is_str(mqtt_connack_text(MQTT_V5, 0x86), "Bad User Name or Password", "5.0 reason 0x86");
	is_str(mqtt_reason_text(0xa2), "Wildcard Subscriptions not supported", "5.0 reason 0xA2");
	/* Every code a CONNACK, ack or DISCONNECT may carry has a text. */
	for (code = 0; code < 256; code++) {
		if ((mqtt_reason_allowed(MQTT_CONNACK, (uint8_t)code) ||
		    mqtt_reason_allowed(MQTT_PUBACK, (uint8_t)code) ||
		    mqtt_reason_allowed(MQTT_PUBCOMP, (uint8_t)code) ||
		    mqtt_reason_allowed(MQTT_DISCONNECT, (uint8_t)code)) &&
		    strcmp(mqtt_reason_text((uint8_t)code), "unknown reason code") == 0)
			unknown++;
	}
	is_int(unknown, 0, "every allowed reason code has a text");
	is_str(mqtt_type_name(MQTT_PUBREC), "PUBREC", "type name");
}

static void test_cursor(void)
{
	static const uint8_t d[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct wire_cur c, s;
	uint8_t out[4] = { 9, 9, 9, 9 };

	wire_cur_init(&c, d, sizeof(d));
	ok(wire_read_u8(&c) == 1 && wire_read_u16be(&c) == 0x0203 &&
	    wire_read_u32be(&c) == 0x04050607 && wire_remaining(&c) == 0 && !wire_error(&c),
	    "cursor reads u8, u16, u32");
	ok(wire_read_u8(&c) == 0 && wire_error(&c) == -EBADMSG, "overrun sets -EBADMSG and reads 0");
	wire_read_bytes(&c, out, 4);
	ok(out[0] == 0 && out[3] == 0 && wire_remaining(&c) == 0, "bytes after an error are zeroed");
	wire_cur_init(&c, d, sizeof(d));
	s = wire_sub(&c, 3);
	ok(wire_read_u16be(&s) == 0x0102 && wire_remaining(&s) == 1 && wire_read_u8(&c) == 4,
	    "sub-cursor covers its slice and the parent moves past it");
	wire_read_u16be(&s);
	ok(wire_error(&s) && !wire_error(&c), "an overrun in the slice stays in the slice");
	s = wire_sub(&c, 10);
	ok(wire_error(&c) && wire_error(&s) && wire_read_ptr(&c, 0) == NULL,
	    "a slice past the end fails both");
	wire_cur_init(&c, d, sizeof(d));
	wire_fail(&c, -EPROTO);
	wire_fail(&c, -EINVAL);
	ok(wire_error(&c) == -EPROTO && wire_read_u8(&c) == 0, "first error wins and sticks");
}

/* MQTT 5.0 1.5.4: what a topic or client id may hold (issue 6: U+0001..
 * U+001F and U+FFFF used to pass, and Mosquitto closes the link on them). */
static void test_names(void)
{
	static const struct { const char *s; int topic, id; } cases[] = {
		{ "a/b", 0, 0 },
		{ "kiosk-0042", 0, 0 },
		{ "caf\xc3\xa9/\xe4\xb8\xad", 0, 0 },		/* U+00E9, U+4E2D */
		{ "\xf0\x9f\x98\x80", 0, 0 },			/* U+1F600 */
		{ "\xef\xbf\xbd", 0, 0 },			/* U+FFFD is a character */
		{ "a\x01b", -EINVAL, -EINVAL },			/* U+0001 */
		{ "a\x1f", -EINVAL, -EINVAL },			/* U+001F */
		{ "\ttab", -EINVAL, -EINVAL },
		{ "new\nline", -EINVAL, -EINVAL },
		{ "del\x7f", -EINVAL, -EINVAL },			/* U+007F */
		{ "\xc2\x80", -EINVAL, -EINVAL },			/* U+0080 */
		{ "\xc2\x9f", -EINVAL, -EINVAL },			/* U+009F */
		{ "\xc2\xa0", 0, 0 },				/* U+00A0 */
		{ "x\xef\xbf\xbf", -EINVAL, -EINVAL },		/* U+FFFF */
		{ "x\xef\xbf\xbe", -EINVAL, -EINVAL },		/* U+FFFE */
		{ "\xef\xb7\x90", -EINVAL, -EINVAL },		/* U+FDD0 */
		{ "\xef\xb7\xaf", -EINVAL, -EINVAL },		/* U+FDEF */
		{ "\xef\xb7\xb0", 0, 0 },			/* U+FDF0 */
		{ "\xf0\x9f\xbf\xbf", -EINVAL, -EINVAL },	/* U+1FFFF */
		{ "\xf4\x8f\xbf\xbe", -EINVAL, -EINVAL },	/* U+10FFFE */
		{ "\xed\xa0\x80", -EINVAL, -EINVAL },		/* a surrogate */
		{ "\xc0\xaf", -EINVAL, -EINVAL },			/* overlong */
		{ "a/+", -EINVAL, 0 },
		{ "#", -EINVAL, 0 },
		{ "", -EINVAL, -EINVAL },
	};
	const char *why;
	size_t i;
	char *big;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		is_int(mqtt_check_topic(cases[i].s, &why), cases[i].topic, "topic case %zu", i);
		ok(cases[i].topic == 0 || (why && *why), "topic case %zu says why", i);
		why = NULL;
		is_int(mqtt_check_client_id(cases[i].s, &why), cases[i].id, "client id case %zu", i);
		ok(cases[i].id == 0 || (why && *why), "client id case %zu says why", i);
	}
	big = malloc(65537);
	memset(big, 'a', 65536);
	big[65536] = '\0';
	is_int(mqtt_check_topic(big, &why), -EINVAL, "a topic of 65536 bytes is refused");
	is_int(mqtt_check_client_id(big, &why), -EINVAL, "a client id of 65536 bytes is refused");
	big[65535] = '\0';
	is_int(mqtt_check_topic(big, &why), 0, "a topic of 65535 bytes passes");
	free(big);
}

/* The DISCONNECT that ends an ad hoc run's session. */
static void test_end_session(void)
{
	struct wire_buf b;

	wire_buf_init(&b);
	is_int(mqtt_encode_disconnect_end_session(&b, 0), 0, "DISCONNECT ending the session encodes");
	same_bytes(&b, "E0 07 00 05 11 00 00 00 00",
	    "DISCONNECT: reason 0, Session Expiry Interval 0");
	wire_buf_free(&b);
}

int main(void)
{
	test_names();
	test_end_session();
	test_cursor();
	test_varint();
	test_encode();
	test_decode_table();
	test_decode_fields();
	test_texts();
	return done_testing();
}
