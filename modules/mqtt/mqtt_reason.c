/* mqtt_reason.c: what reason and return codes mean, and where 5.0 allows
 * each one. */
#include "mqtt_codec.h"

#define C(t)	(1u << (t))
#define ACKS	(C(MQTT_PUBACK) | C(MQTT_PUBREC))
#define CA	C(MQTT_CONNACK)
#define DC	C(MQTT_DISCONNECT)

struct reason {
	const char	*text;
	uint16_t	 where;	/* C(packet type) that may carry the code */
};

static const struct reason reasons[256] = {
	[0x00] = { "Success", CA | ACKS | C(MQTT_PUBREL) | C(MQTT_PUBCOMP) | DC },
	[0x01] = { "Granted QoS 1", 0 },
	[0x02] = { "Granted QoS 2", 0 },
	[0x04] = { "Disconnect with Will Message", DC },
	[0x10] = { "No matching subscribers", ACKS },
	[0x11] = { "No subscription existed", 0 },
	[0x18] = { "Continue authentication", 0 },
	[0x19] = { "Re-authenticate", 0 },
	[0x80] = { "Unspecified error", CA | ACKS | DC },
	[0x81] = { "Malformed Packet", CA | DC },
	[0x82] = { "Protocol Error", CA | DC },
	[0x83] = { "Implementation specific error", CA | ACKS | DC },
	[0x84] = { "Unsupported Protocol Version", CA },
	[0x85] = { "Client Identifier not valid", CA },
	[0x86] = { "Bad User Name or Password", CA },
	[0x87] = { "Not authorized", CA | ACKS | DC },
	[0x88] = { "Server unavailable", CA },
	[0x89] = { "Server busy", CA | DC },
	[0x8a] = { "Banned", CA },
	[0x8b] = { "Server shutting down", DC },
	[0x8c] = { "Bad authentication method", CA },
	[0x8d] = { "Keep Alive timeout", DC },
	[0x8e] = { "Session taken over", DC },
	[0x8f] = { "Topic Filter invalid", DC },
	[0x90] = { "Topic Name invalid", CA | ACKS | DC },
	[0x91] = { "Packet Identifier in use", ACKS },
	[0x92] = { "Packet Identifier not found", C(MQTT_PUBREL) | C(MQTT_PUBCOMP) },
	[0x93] = { "Receive Maximum exceeded", DC },
	[0x94] = { "Topic Alias invalid", DC },
	[0x95] = { "Packet too large", CA | DC },
	[0x96] = { "Message rate too high", DC },
	[0x97] = { "Quota exceeded", CA | ACKS | DC },
	[0x98] = { "Administrative action", DC },
	[0x99] = { "Payload format invalid", CA | ACKS | DC },
	[0x9a] = { "Retain not supported", CA | DC },
	[0x9b] = { "QoS not supported", CA | DC },
	[0x9c] = { "Use another server", CA | DC },
	[0x9d] = { "Server moved", CA | DC },
	[0x9e] = { "Shared Subscriptions not supported", DC },
	[0x9f] = { "Connection rate exceeded", CA | DC },
	[0xa0] = { "Maximum connect time", DC },
	[0xa1] = { "Subscription Identifiers not supported", DC },
	[0xa2] = { "Wildcard Subscriptions not supported", DC },
};

static const char *const v311_connack[] = {
	"Connection Accepted",
	"Connection Refused: unacceptable protocol version",
	"Connection Refused: identifier rejected",
	"Connection Refused: server unavailable",
	"Connection Refused: bad user name or password",
	"Connection Refused: not authorized",
};

const char *mqtt_reason_text(uint8_t code)
{
	return reasons[code].text ? reasons[code].text : "unknown reason code";
}

const char *mqtt_connack_text(int version, uint8_t code)
{
	if (version == MQTT_V5)
		return mqtt_reason_text(code);
	if (code < sizeof(v311_connack) / sizeof(v311_connack[0]))
		return v311_connack[code];
	return "Connection Refused: reserved return code";
}

bool mqtt_reason_allowed(uint8_t type, uint8_t code)
{
	if (type > 15)
		return false;
	return reasons[code].where & C(type);
}

const char *mqtt_type_name(uint8_t type)
{
	static const char *const names[16] = {
		"reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
		"PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE",
		"UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
	};

	return names[type & 15];
}
