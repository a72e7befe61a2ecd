/* mqtt_schema.c: the [mqtt] section of outpost.conf(5), and every check
 * outpost-pubd would otherwise make only at start: what the validators
 * accept, the daemon runs with, so -n and outpost-config check say it all.
 *
 * Read by outpost-pubd, and by outpost-pub for its broker defaults. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_client.h"
#include "mqtt_schema.h"

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
	/* Stored in unsigned milliseconds: 1d is far below 49.7 days. */
	{ .name = "reconnect-max", .type = CONF_DURATION, .def = "60s", .min = 1000,
	  .max = 86400000, .help = "cap of the reconnect backoff (1s doubling, with jitter)" },
	{ .name = "topic-prefix", .type = CONF_STR, .def_doc = "outpost/REGION/ID",
	  .help = "topics are PREFIX/KIND[/NAME]; PREFIX/status holds online/offline" },
	/* Heartbeats faster than 1s only fill the spool while the broker is
	 * away. */
	{ .name = "heartbeat", .type = CONF_DURATION, .def = "60s", .min = 1000,
	  .max = 86400000, .flags = CONF_ZERO_OFF,
	  .help = "interval of heartbeat events; 0 turns them off" },
};

/* The topic prefix, as outpost-pubd builds it. */
int mqtt_conf_prefix(const struct conf *conf, char **prefix)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	const struct conf_section *mq = conf_section_get(conf, "mqtt", NULL);
	const char *v = mq ? conf_get_str(mq, "topic-prefix") : NULL;
	const char *id = conf_get_str(node, "id"), *region = conf_get_str(node, "region");
	size_t n;
	int r;

	*prefix = NULL;
	if (v)
		r = asprintf(prefix, "%s", v);
	else if (!id)
		return -ENOENT;
	else if (region)
		r = asprintf(prefix, "outpost/%s/%s", region, id);
	else
		r = asprintf(prefix, "outpost/%s", id);
	if (r < 0) {
		*prefix = NULL;
		return -ENOMEM;
	}
	/* "a/b/" would give "a/b//kind": drop trailing slashes. */
	for (n = strlen(*prefix); n > 1 && (*prefix)[n - 1] == '/'; n--)
		(*prefix)[n - 1] = '\0';
	return 0;
}

/* A key that only means something over TLS, with an mqtt:// URL: the
 * daemon would connect in clear text and ignore it. */
static void check_tls_keys(const struct conf_section *sec, struct conf_report *rep)
{
	static const char *const tls_keys[] = { "ca-file", "ca-path", "cert-file", "key-file" };
	const char *url = conf_get_str(sec, "url");
	struct mqtt_url u;
	const char *why;
	size_t i;

	if (!url || mqtt_url_parse(url, &u, &why) < 0 || u.tls)
		return;
	for (i = 0; i < NKEYS(tls_keys); i++)
		if (conf_is_set(sec, tls_keys[i]))
			conf_report(rep, sec, tls_keys[i],
				    "is set but url is not mqtts://, so no TLS is used");
}

/* The client id the daemon presents: [mqtt] client-id or [node] id. */
static bool check_client_id(const struct conf *conf, const struct conf_section *sec,
			    const struct conf_section *node, struct conf_report *rep)
{
	const char *id = conf_get_str(sec, "client-id"), *why;
	char shown[CONF_SHOW_MAX];

	if (id) {
		if (mqtt_check_client_id(id, &why) < 0)
			conf_report(rep, sec, "client-id", "'%s' is not a usable client id: %s",
				    conf_show(id, shown), why);
		return true;
	}
	id = conf_get_str(node, "id");
	if (!id) {
		conf_report(rep, node, "id", "not set, and the host name is unknown");
		return false;
	}
	if (mqtt_check_client_id(id, &why) < 0) {
		conf_report(rep, node, "id", "'%s' cannot be the MQTT client id: %s",
			    conf_show(id, shown), why);
		return false;
	}
	return true;
}

/* PREFIX/status and PREFIX/KIND must be valid topics; blame the key the
 * prefix came from. */
static int check_prefix(const struct conf *conf, const struct conf_section *sec,
			const struct conf_section *node, bool id_ok, struct conf_report *rep)
{
	char shown[CONF_SHOW_MAX], *prefix = NULL, *topic = NULL;
	const char *why, *key = "topic-prefix", *region;
	const struct conf_section *at = sec;
	int r;

	r = mqtt_conf_prefix(conf, &prefix);
	if (r == -ENOENT)
		return 0;  /* no [node] id: check_client_id() said so */
	if (r < 0)
		return r;
	if (asprintf(&topic, "%s/status", prefix) < 0) {
		free(prefix);
		return -ENOMEM;
	}
	if (mqtt_check_topic(topic, &why) == 0)
		goto out;
	if (!conf_get_str(sec, "topic-prefix")) {
		/* outpost/REGION/ID: which of the two is it? */
		at = node;
		region = conf_get_str(node, "region");
		key = region && mqtt_check_topic(region, &why) < 0 ? "region" : "id";
		if (strcmp(key, "id") == 0 && !id_ok)
			goto out;  /* already reported as the client id */
		mqtt_check_topic(conf_get_str(node, key), &why);
		conf_report(rep, at, key, "'%s' cannot be part of the topic prefix %s: %s",
			    conf_show(conf_get_str(node, key), shown), "outpost/REGION/ID", why);
		goto out;
	}
	conf_report(rep, at, key, "'%s' cannot start a topic: %s", conf_show(prefix, shown),
		    why);
out:
	free(prefix);
	free(topic);
	return 0;
}

static bool url_has_user(const char *url)
{
	struct mqtt_url u;
	const char *why;

	return url && mqtt_url_parse(url, &u, &why) == 0 && u.user[0];
}

/* Checks across the keys of [mqtt] and the [node] values it uses. */
static int validate(const struct conf *conf, const struct conf_section *sec,
		    struct conf_report *rep)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	bool id_ok;

	if (conf_key_file(sec, "cert-file") && !conf_key_file(sec, "key-file"))
		conf_report(rep, sec, "cert-file", "needs key-file, the certificate's private key");
	if (conf_key_file(sec, "key-file") && !conf_key_file(sec, "cert-file"))
		conf_report(rep, sec, "key-file", "needs cert-file, the certificate it belongs to");
	/* MQTT 3.1.1 forbids a password without a user name, and an auto
	 * session may fall back to 3.1.1; only protocol = 5 allows it. */
	if (conf_key_file(sec, "password-file") && !conf_key_file(sec, "username") &&
	    !url_has_user(conf_get_str(sec, "url")) &&
	    strcmp(conf_get_str(sec, "protocol"), "5") != 0)
		conf_report(rep, sec, "password-file",
			    "needs username (or user@ in url): MQTT sends a password only "
			    "with a user name");
	check_tls_keys(sec, rep);
	id_ok = check_client_id(conf, sec, node, rep);
	return check_prefix(conf, sec, node, id_ok, rep);
}

const struct conf_section_def mqtt_conf_section = {
	.name = "mqtt", .naming = CONF_NAME_FORBIDDEN, .unique = true,
	.keys = mqtt_keys, .nkeys = NKEYS(mqtt_keys),
	.help = "the MQTT broker that device events go to",
	.validate = validate,
};
