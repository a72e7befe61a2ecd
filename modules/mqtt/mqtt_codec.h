/* mqtt_codec.h: MQTT 3.1.1 and 5.0 packets a publishing client sends and
 * receives.
 *
 * Encoders append whole packets to a struct wire_buf. The framer finds one
 * complete packet in received bytes; the decoders read it through a
 * bounds-checked cursor and validate every field. Decoded strings and
 * binaries point into the received buffer (struct mqtt_str) and stay valid
 * as long as it does.
 *
 * Errors are negative errno values with a static message naming what was
 * wrong: -EBADMSG for a malformed packet, -EPROTO for a protocol violation,
 * -EMSGSIZE for a packet over the size limit, -EINVAL for bad arguments to
 * an encoder. */
#ifndef OUTPOST_MQTT_CODEC_H
#define OUTPOST_MQTT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Protocol levels carried in CONNECT. */
#define MQTT_V311	4
#define MQTT_V5		5

/* The largest remaining length a 4-byte variable byte integer holds. */
#define MQTT_MAX_REMAINING	268435455u
/* The largest whole packet: fixed header byte + 4 length bytes + body. */
#define MQTT_MAX_PACKET		(MQTT_MAX_REMAINING + 5u)

enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK,
	MQTT_PUBLISH,
	MQTT_PUBACK,
	MQTT_PUBREC,
	MQTT_PUBREL,
	MQTT_PUBCOMP,
	MQTT_SUBSCRIBE,
	MQTT_SUBACK,
	MQTT_UNSUBSCRIBE,
	MQTT_UNSUBACK,
	MQTT_PINGREQ,
	MQTT_PINGRESP,
	MQTT_DISCONNECT,
	MQTT_AUTH,
};

/* MQTT 5.0 property identifiers. */
enum mqtt_prop {
	MQTT_PROP_PAYLOAD_FORMAT	= 0x01,
	MQTT_PROP_MESSAGE_EXPIRY	= 0x02,
	MQTT_PROP_CONTENT_TYPE		= 0x03,
	MQTT_PROP_RESPONSE_TOPIC	= 0x08,
	MQTT_PROP_CORRELATION_DATA	= 0x09,
	MQTT_PROP_SUBSCRIPTION_ID	= 0x0b,
	MQTT_PROP_SESSION_EXPIRY	= 0x11,
	MQTT_PROP_ASSIGNED_CLIENT_ID	= 0x12,
	MQTT_PROP_SERVER_KEEPALIVE	= 0x13,
	MQTT_PROP_AUTH_METHOD		= 0x15,
	MQTT_PROP_AUTH_DATA		= 0x16,
	MQTT_PROP_REQUEST_PROBLEM_INFO	= 0x17,
	MQTT_PROP_WILL_DELAY		= 0x18,
	MQTT_PROP_REQUEST_RESPONSE_INFO	= 0x19,
	MQTT_PROP_RESPONSE_INFO		= 0x1a,
	MQTT_PROP_SERVER_REFERENCE	= 0x1c,
	MQTT_PROP_REASON_STRING		= 0x1f,
	MQTT_PROP_RECEIVE_MAXIMUM	= 0x21,
	MQTT_PROP_TOPIC_ALIAS_MAXIMUM	= 0x22,
	MQTT_PROP_TOPIC_ALIAS		= 0x23,
	MQTT_PROP_MAXIMUM_QOS		= 0x24,
	MQTT_PROP_RETAIN_AVAILABLE	= 0x25,
	MQTT_PROP_USER_PROPERTY		= 0x26,
	MQTT_PROP_MAXIMUM_PACKET_SIZE	= 0x27,
	MQTT_PROP_WILDCARD_SUB		= 0x28,
	MQTT_PROP_SUBSCRIPTION_ID_AVAIL	= 0x29,
	MQTT_PROP_SHARED_SUB		= 0x2a,
};

/* Reason codes the client itself looks at (MQTT 5.0 numbering). */
#define MQTT_RC_SUCCESS			0x00
#define MQTT_RC_NO_MATCHING_SUBSCRIBERS	0x10
#define MQTT_RC_UNSPECIFIED		0x80
#define MQTT_RC_MALFORMED		0x81
#define MQTT_RC_PROTOCOL_ERROR		0x82
#define MQTT_RC_KEEPALIVE_TIMEOUT	0x8d
#define MQTT_RC_PACKET_ID_NOT_FOUND	0x92
#define MQTT_RC_PACKET_TOO_LARGE	0x95
#define MQTT_RC_QOS_NOT_SUPPORTED	0x9b

/* A length-counted string or binary borrowed from a received packet (not
 * NUL-terminated). */
struct mqtt_str {
	const char	*p;
	size_t		 len;
};

/* What CONNECT carries. NULL strings are absent. */
struct mqtt_connect {
	int		 version;	/* MQTT_V311 or MQTT_V5 */
	bool		 clean_start;	/* 3.1.1: clean session */
	uint16_t	 keepalive;	/* seconds, 0 = off */
	const char	*client_id;	/* may be "" (broker assigns one) */
	const char	*will_topic;	/* NULL: no last will */
	const void	*will_payload;
	size_t		 will_len;
	uint8_t		 will_qos;
	bool		 will_retain;
	const char	*username;
	const void	*password;	/* bytes; NULL: none */
	size_t		 password_len;
	/* MQTT 5.0 properties; 0 leaves a property out. */
	uint32_t	 session_expiry;
	uint16_t	 receive_maximum;
	uint32_t	 maximum_packet_size;
	bool		 no_problem_info;	/* send Request Problem Information = 0 */
};

/* v5 properties found in a received packet. present has bit id set for
 * each property seen; fields of absent properties are zero. */
struct mqtt_props {
	uint64_t	 present;
	uint32_t	 session_expiry;
	uint16_t	 receive_maximum;
	uint8_t		 maximum_qos;
	uint8_t		 retain_available;
	uint32_t	 maximum_packet_size;
	struct mqtt_str	 assigned_client_id;
	uint16_t	 topic_alias_maximum;
	struct mqtt_str	 reason_string;
	uint16_t	 server_keepalive;
	struct mqtt_str	 server_reference;
	struct mqtt_str	 response_info;
	struct mqtt_str	 auth_method;
	struct mqtt_str	 auth_data;
	uint8_t		 wildcard_sub;
	uint8_t		 subscription_id_avail;
	uint8_t		 shared_sub;
	uint8_t		 payload_format;
	uint32_t	 message_expiry;
	struct mqtt_str	 content_type;
	struct mqtt_str	 response_topic;
	struct mqtt_str	 correlation_data;
	uint16_t	 topic_alias;
	uint32_t	 subscription_id;	/* the first one */
	unsigned	 user_properties;	/* how many were skipped */
};

/* Whether property id was present. */
#define mqtt_props_has(pr, id)	(((pr)->present >> (id)) & 1)

/* One framed packet: fixed header split out, body borrowed. */
struct mqtt_packet {
	uint8_t		 type;		/* enum mqtt_type */
	uint8_t		 flags;		/* low nibble of the first byte */
	const uint8_t	*body;
	size_t		 body_len;	/* the remaining length */
	size_t		 size;		/* whole packet, header included */
};

struct mqtt_connack {
	bool		 session_present;
	uint8_t		 code;		/* 3.1.1 return code or 5.0 reason code */
	struct mqtt_props props;
};

/* PUBACK, PUBREC, PUBREL or PUBCOMP. */
struct mqtt_ack {
	uint16_t	 packet_id;
	uint8_t		 reason;	/* 0 in 3.1.1 */
	struct mqtt_props props;
};

struct mqtt_disconnect {
	uint8_t		 reason;
	struct mqtt_props props;
};

struct mqtt_publish {
	struct mqtt_str	 topic;
	uint8_t		 qos;
	bool		 retain;
	bool		 dup;
	uint16_t	 packet_id;	/* 0 for QoS 0 */
	struct mqtt_props props;
	const uint8_t	*payload;
	size_t		 payload_len;
};

/* Any packet a server may send to a publishing client. */
struct mqtt_in {
	uint8_t		 type;
	union {
		struct mqtt_connack	connack;
		struct mqtt_ack		ack;
		struct mqtt_disconnect	disconnect;
		struct mqtt_publish	publish;
	} u;
};

/* mqtt_encode.c */

/* Append CONNECT; 0, -EINVAL (bad field, e.g. a 3.1.1 password without a
 * user name, will QoS > 2, string over 65535 bytes or not UTF-8) or -ENOMEM. */
int mqtt_encode_connect(struct wire_buf *out, const struct mqtt_connect *c);

/* Append PUBLISH; packet_id must be nonzero exactly when qos > 0. Never
 * sends a topic alias. 0, -EINVAL or -ENOMEM. */
int mqtt_encode_publish(struct wire_buf *out, int version, const char *topic,
    const void *payload, size_t len, uint8_t qos, bool retain, bool dup,
    uint16_t packet_id);

/* Size of the PUBLISH mqtt_encode_publish() would produce, to compare with
 * the broker's Maximum Packet Size before encoding. */
size_t mqtt_publish_size(int version, size_t topic_len, size_t payload_len,
    uint8_t qos);

/* Append PUBACK, PUBREC, PUBREL or PUBCOMP; the 5.0 reason code is left
 * out when it is 0 (success). 0, -EINVAL or -ENOMEM. */
int mqtt_encode_ack(struct wire_buf *out, int version, enum mqtt_type type,
    uint16_t packet_id, uint8_t reason);

/* Append PINGREQ; 0 or -ENOMEM. */
int mqtt_encode_pingreq(struct wire_buf *out);

/* Append DISCONNECT (5.0: with reason unless it is 0); 0 or -ENOMEM. */
int mqtt_encode_disconnect(struct wire_buf *out, int version, uint8_t reason);

/* Append a 5.0 DISCONNECT that sets the Session Expiry Interval to 0, so
 * the broker forgets the session now (only valid when CONNECT asked for a
 * nonzero expiry). 0 or -ENOMEM. */
int mqtt_encode_disconnect_end_session(struct wire_buf *out, uint8_t reason);

/* Check that topic is a valid topic name to publish to: 1..65535 bytes of
 * UTF-8 without U+0000, without the control characters U+0001..U+001F and
 * U+007F..U+009F and the non-characters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF)
 * that MQTT 5.0 1.5.4 says should not appear (Mosquitto closes the link on
 * them), and without the wildcards '+' and '#'. 0 or -EINVAL with *why. */
int mqtt_check_topic(const char *topic, const char **why);

/* Check that id is a client identifier to send (MQTT 3.1.1 3.1.3.1, 5.0
 * 3.1.3.1): brokers must accept 1..23 of [0-9a-zA-Z]; longer ones and other
 * characters are allowed by most brokers, so this accepts 1..65535 bytes of
 * UTF-8 under the same character rules as mqtt_check_topic(), wildcards
 * allowed. 0 or -EINVAL with *why set. */
int mqtt_check_client_id(const char *id, const char **why);

/* Whether s[0..n) is UTF-8 as MQTT allows it: well formed, no surrogates,
 * no U+0000. */
bool mqtt_utf8_valid(const uint8_t *s, size_t n);

/* mqtt_decode.c */

/* Find one packet at the start of buf[0..len). Returns 1 and fills *pkt
 * when a whole packet is there, 0 when more bytes are needed, or a negative
 * errno with *why set: a remaining length longer than 4 bytes, not minimally
 * encoded, or making the packet larger than max_size (checked as soon as
 * the length is known, before the body arrives). */
int mqtt_frame(const uint8_t *buf, size_t len, size_t max_size,
    struct mqtt_packet *pkt, const char **why);

/* Decode a framed packet a server sent to a client speaking version:
 * CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, PINGRESP or (5.0)
 * DISCONNECT. Anything else is -EPROTO. 0 or a negative errno with *why. */
int mqtt_decode(const struct mqtt_packet *pkt, int version, struct mqtt_in *in,
    const char **why);

/* The decoders mqtt_decode() dispatches to, for callers that know what
 * they expect. */
int mqtt_decode_connack(const struct mqtt_packet *pkt, int version,
    struct mqtt_connack *ca, const char **why);
int mqtt_decode_ack(const struct mqtt_packet *pkt, int version,
    struct mqtt_ack *ack, const char **why);
int mqtt_decode_publish(const struct mqtt_packet *pkt, int version,
    struct mqtt_publish *pub, const char **why);
int mqtt_decode_disconnect(const struct mqtt_packet *pkt, int version,
    struct mqtt_disconnect *d, const char **why);

/* mqtt_reason.c */

/* Human text of a 5.0 reason code, e.g. "Not authorized";
 * "unknown reason code" for codes the spec does not define. */
const char *mqtt_reason_text(uint8_t code);

/* Human text of a CONNACK code for version (3.1.1 return codes differ
 * from 5.0 reason codes). */
const char *mqtt_connack_text(int version, uint8_t code);

/* Name of a packet type, e.g. "PUBREC". */
const char *mqtt_type_name(uint8_t type);

/* Whether 5.0 allows reason code in a packet of type (CONNACK, PUBACK,
 * PUBREC, PUBREL, PUBCOMP or DISCONNECT). */
bool mqtt_reason_allowed(uint8_t type, uint8_t code);

#endif
