/* pubd_settings.c: [node] and [mqtt] of outpost.conf(5), resolved into what
 * the daemon runs with: defaults filled in, the topic prefix built, the
 * password read from its file. Every check of the values is in the schema
 * (mqtt_schema.c), so -n reports it with file and line; this only
 * converts, and reads the password. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt_schema.h"
#include "pubd.h"

static void set_why(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* strdup that keeps NULL NULL; false when out of memory. */
static bool dup_opt(char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return !s || *dst;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Read [node] and [mqtt] of conf into s. */
int pubd_settings_load(struct pubd_settings *s, const struct conf *conf,
    const struct pubd_settings *old, char *why, size_t whylen)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	const struct conf_section *mq = conf_section_get(conf, "mqtt", NULL);
	const char *v;
	int r;

	memset(s, 0, sizeof(*s));
	if (!node || !mq) {
		set_why(why, whylen, "the config schema lacks [node] or [mqtt]");
		return -1;
	}
	if (!dup_opt(&s->id, conf_get_str(node, "id")) ||
	    !dup_opt(&s->region, conf_get_str(node, "region")) ||
	    !dup_opt(&s->user, conf_get_str(node, "user")) ||
	    !dup_opt(&s->spool, conf_get_str(node, "spool")))
		goto nomem;
	s->spool_max = conf_get_size(node, "spool-max");
	if (!s->id || !s->spool || !s->user) {
		set_why(why, whylen, "[node] id, user and spool must be set");
		goto fail;
	}

	v = conf_get_str(mq, "url");
	if (!v) {
		set_why(why, whylen, "[mqtt] url is not set: there is no broker to deliver to");
		goto fail;
	}
	if (!dup_opt(&s->url, v))
		goto nomem;
	v = conf_get_str(mq, "protocol");
	s->version = !v || !strcmp(v, "auto") ? 0 : !strcmp(v, "3.1.1") ? MQTT_V311 : MQTT_V5;
	v = conf_get_str(mq, "client-id");
	if (!dup_opt(&s->client_id, v ? v : s->id) ||
	    !dup_opt(&s->username, conf_get_str(mq, "username")) ||
	    !dup_opt(&s->password_file, conf_get_str(mq, "password-file")) ||
	    !dup_opt(&s->ca_file, conf_get_str(mq, "ca-file")) ||
	    !dup_opt(&s->ca_path, conf_get_str(mq, "ca-path")) ||
	    !dup_opt(&s->cert_file, conf_get_str(mq, "cert-file")) ||
	    !dup_opt(&s->key_file, conf_get_str(mq, "key-file")))
		goto nomem;
	s->verify_hostname = conf_get_bool(mq, "verify-hostname");
	s->qos = (uint8_t)conf_get_u64(mq, "qos");
	s->keepalive_s = (unsigned)(conf_get_duration_ms(mq, "keepalive") / 1000);
	s->clean_session = conf_get_bool(mq, "clean-session");
	s->session_expiry_s = (uint32_t)(conf_get_duration_ms(mq, "session-expiry") / 1000);
	s->inflight = (unsigned)conf_get_u64(mq, "inflight");
	s->reconnect_max_ms = (unsigned)conf_get_duration_ms(mq, "reconnect-max");
	s->heartbeat_ms = conf_get_duration_ms(mq, "heartbeat");

	/* Checked by the [mqtt] validator at load time (and under -n). */
	r = mqtt_conf_prefix(conf, &s->prefix);
	if (r == -ENOMEM)
		goto nomem;
	if (r < 0) {
		set_why(why, whylen, "[node] id is not set");
		goto fail;
	}
	if (asprintf(&s->status_topic, "%s/status", s->prefix) < 0) {
		s->status_topic = NULL;
		goto nomem;
	}

	if (s->password_file) {
		r = mqtt_password_read(s->password_file, &s->password, &s->password_len);
		/* After dropping root the file may be out of reach: a reload
		 * naming the same file keeps the password read at start. */
		if (r == -EACCES && old && str_eq(old->password_file, s->password_file) &&
		    old->password) {
			s->password = malloc(old->password_len ? old->password_len : 1);
			if (!s->password)
				goto nomem;
			memcpy(s->password, old->password, old->password_len);
			s->password_len = old->password_len;
			r = 0;
		}
		if (r < 0) {
			set_why(why, whylen, "%s:%u: [mqtt] password-file: '%s': %s",
			    conf_key_file(mq, "password-file"), conf_key_line(mq, "password-file"),
			    s->password_file, mqtt_password_error(r));
			goto fail;
		}
	}
	return 0;
nomem:
	set_why(why, whylen, "%s", strerror(ENOMEM));
fail:
	pubd_settings_free(s);
	return -1;
}

/* Free what s owns. */
void pubd_settings_free(struct pubd_settings *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->region);
	free(s->user);
	free(s->spool);
	free(s->url);
	free(s->client_id);
	free(s->username);
	free(s->password_file);
	if (s->password)
		explicit_bzero(s->password, s->password_len);
	free(s->password);
	free(s->ca_file);
	free(s->ca_path);
	free(s->cert_file);
	free(s->key_file);
	free(s->prefix);
	free(s->status_topic);
	memset(s, 0, sizeof(*s));
}

/* Whether a and b need different MQTT clients. */
bool pubd_settings_client_differs(const struct pubd_settings *a,
    const struct pubd_settings *b)
{
	return !str_eq(a->url, b->url) || a->version != b->version ||
	    !str_eq(a->client_id, b->client_id) || !str_eq(a->username, b->username) ||
	    a->password_len != b->password_len ||
	    (a->password_len && memcmp(a->password, b->password, a->password_len) != 0) ||
	    !str_eq(a->ca_file, b->ca_file) || !str_eq(a->ca_path, b->ca_path) ||
	    !str_eq(a->cert_file, b->cert_file) || !str_eq(a->key_file, b->key_file) ||
	    a->verify_hostname != b->verify_hostname || a->keepalive_s != b->keepalive_s ||
	    a->clean_session != b->clean_session ||
	    a->session_expiry_s != b->session_expiry_s || a->inflight != b->inflight ||
	    a->reconnect_max_ms != b->reconnect_max_ms ||
	    !str_eq(a->status_topic, b->status_topic);
}

/* Fill client options from s. */
void pubd_settings_client_opts(const struct pubd_settings *s, struct mqtt_client_opts *o)
{
	static const char offline[] = "offline";

	memset(o, 0, sizeof(*o));
	o->url = s->url;
	o->version = s->version;
	o->client_id = s->client_id;
	o->username = s->username;
	o->password = s->password;
	o->password_len = s->password_len;
	o->keepalive = s->keepalive_s;
	o->clean_session = s->clean_session;
	o->session_expiry = s->session_expiry_s;
	o->window = s->inflight;
	o->will_topic = s->status_topic;
	o->will_payload = offline;
	o->will_len = sizeof(offline) - 1;
	o->will_qos = 1;
	o->will_retain = true;
	o->ca_file = s->ca_file;
	o->ca_dir = s->ca_path;
	o->cert_file = s->cert_file;
	o->key_file = s->key_file;
	o->tls_no_verify_hostname = !s->verify_hostname;
	o->backoff_max_ms = s->reconnect_max_ms;
}

/* The topic of an event. */
char *pubd_topic(const struct pubd_settings *s, const char *kind, const char *name)
{
	char *t;

	if (asprintf(&t, "%s/%s%s%s", s->prefix, kind, name && *name ? "/" : "",
	    name ? name : "") < 0)
		return NULL;
	return t;
}
