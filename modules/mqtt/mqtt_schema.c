/* mqtt_schema.c: the [mqtt] section of outpost.conf(5).
 *
 * Read by outpost-pubd, and by outpost-pub for its broker defaults. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf_sections.h"
#include "mqtt_client.h"

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

/* The same parser the client uses, so what the check accepts connects. */
static int check_url(const char *raw, char *msg, size_t msglen)
{
	struct mqtt_url u;
	const char *why;

	if (mqtt_url_parse(raw, &u, &why) == 0)
		return 0;
	snprintf(msg, msglen, "is not a broker URL: %s", why);
	return 1;
}

static int check_protocol(const char *raw, char *msg, size_t msglen)
{
	if (strcmp(raw, "auto") == 0 || strcmp(raw, "5") == 0 || strcmp(raw, "3.1.1") == 0)
		return 0;
	snprintf(msg, msglen, "is not auto or an MQTT protocol version (5 or 3.1.1)");
	return 1;
}

static const struct conf_key_def mqtt_keys[] = {
	{ .name = "url", .type = CONF_STR, .flags = CONF_REQUIRED, .check = check_url,
	  .help = "broker: mqtt://host[:port] or mqtts://host[:port] (TLS)" },
	{ .name = "protocol", .type = CONF_STR, .def = "auto", .check = check_protocol,
	  .help = "MQTT protocol version: auto (5, falling back to 3.1.1 when the broker refuses 5), 5 or 3.1.1" },
	{ .name = "client-id", .type = CONF_STR, .def_doc = "the [node] id",
	  .help = "client identifier presented to the broker" },
	{ .name = "username", .type = CONF_STR,
	  .help = "user name for the broker" },
	{ .name = "password-file", .type = CONF_STR,
	  .help = "file whose first line is the broker password" },
	{ .name = "ca-file", .type = CONF_STR,
	  .help = "PEM file of CAs that sign the broker's certificate" },
	{ .name = "ca-path", .type = CONF_STR,
	  .help = "folder of hashed CA certificates (c_rehash)" },
	{ .name = "cert-file", .type = CONF_STR,
	  .help = "PEM client certificate for TLS client authentication" },
	{ .name = "key-file", .type = CONF_STR,
	  .help = "PEM private key of cert-file" },
	{ .name = "verify-hostname", .type = CONF_BOOL, .def = "yes",
	  .help = "check the broker certificate names the URL's host" },
	{ .name = "qos", .type = CONF_INT, .def = "1", .min = 0, .max = 2,
	  .help = "QoS of published events: 0, 1 or 2" },
	{ .name = "keepalive", .type = CONF_DURATION, .def = "30s", .min = 1000,
	  .max = 65535000, .help = "idle time before a PINGREQ; link dead after 1.5 times it" },
	{ .name = "clean-session", .type = CONF_BOOL, .def = "no",
	  .help = "start every connection without broker session state" },
	{ .name = "session-expiry", .type = CONF_DURATION, .def = "1d",
	  .max = 4294967295000ULL, .help = "MQTT 5 session expiry interval" },
	{ .name = "inflight", .type = CONF_INT, .def = "32", .min = 1, .max = 65535,
	  .help = "most unacknowledged QoS 1/2 messages (and the broker's receive maximum)" },
	{ .name = "reconnect-max", .type = CONF_DURATION, .def = "60s", .min = 1000,
	  .help = "cap of the reconnect backoff (1s doubling, with jitter)" },
	{ .name = "topic-prefix", .type = CONF_STR, .def_doc = "outpost/REGION/ID",
	  .help = "topics are PREFIX/KIND[/NAME]; PREFIX/status holds online/offline" },
	{ .name = "heartbeat", .type = CONF_DURATION, .def = "60s",
	  .help = "interval of heartbeat events; 0 turns them off" },
};

const struct conf_section_def mqtt_conf_section = {
	.name = "mqtt", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = mqtt_keys, .nkeys = NKEYS(mqtt_keys),
	.help = "the MQTT broker that device events go to",
};
