/* mqtt_client.h: a non-blocking MQTT 3.1.1/5.0 publisher on the libop loop.
 *
 * The client connects (DNS on every attempt, asynchronously through libop's
 * resolver, bounded by the connect timeout; TCP; optional TLS), keeps the
 * link alive, reconnects with exponential backoff and jitter, and delivers
 * queued messages at QoS 0, 1 or 2 through an in-flight window that never
 * exceeds the broker's Receive Maximum. Packet identifiers are taken from a
 * free set when a message enters the window, so any number of messages
 * flows. A QoS 2 message is never sent as PUBLISH again once its PUBREC
 * arrived: only PUBREL is.
 *
 * Delivery semantics across reconnects:
 *  - session present (persistent session resumed): unacknowledged PUBLISH
 *    are sent again with DUP=1 and pending PUBREL again, in their order;
 *  - session lost (clean start, or the broker forgot it): QoS 1 and QoS 2
 *    messages still waiting for PUBACK/PUBREC are sent again as new
 *    messages; QoS 2 messages whose PUBREC had arrived were already
 *    delivered by the broker, so they are completed (on_ack with reason 0)
 *    rather than sent twice;
 *  - QoS 0 messages count as done once written to the socket; those still
 *    in the output buffer when a link drops are sent again.
 *
 * Brokers that are not Mosquitto: when the broker caps QoS (Maximum QoS,
 * or a PUBACK to a QoS 2 PUBLISH, which this client takes as the broker's
 * downgrade to QoS 1: the message was delivered), messages go at the
 * broker's QoS from then on and on_error tells once; on_ack reports the
 * QoS a message was delivered at. Retain Available = 0 and Maximum Packet
 * Size are respected the same way.
 *
 * Callbacks run from the loop. They may publish; they must not free the
 * client (call mqtt_client_stop() and free it after the callback returned).
 * When TLS is used the client sets SIGPIPE to SIG_IGN if it was SIG_DFL,
 * because OpenSSL writes to the socket with write(2). */
#ifndef OUTPOST_MQTT_CLIENT_H
#define OUTPOST_MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "mqtt_codec.h"

struct mqtt_client;

/* Where a QoS 1/2 message is, as reported to on_state and given back to
 * mqtt_client_restore(). */
enum mqtt_stage {
	MQTT_STAGE_PUBLISHED = 1,	/* has its packet id; PUBLISH sent or about to be */
	MQTT_STAGE_PUBREC,		/* QoS 2: PUBREC received, only PUBREL may follow */
	MQTT_STAGE_DONE,		/* acknowledged (or given up); id is free again */
};

struct mqtt_client_cbs {
	/* CONNACK accepted the connection. */
	void (*on_connect)(void *arg, bool session_present);
	/* An established connection went down; why says what happened. */
	void (*on_disconnect)(void *arg, const char *why);
	/* A message is finished: for QoS 0 written to the socket, for QoS 1
	 * PUBACK, for QoS 2 PUBCOMP. reason is the broker's 5.0 reason code
	 * (0 on 3.1.1); >= 0x80 means the broker refused the message, and
	 * MQTT_RC_PACKET_TOO_LARGE is also used when the message exceeds the
	 * broker's Maximum Packet Size and was never sent. */
	void (*on_ack)(void *arg, void *cookie, int qos, uint8_t reason);
	/* A connection attempt failed, or something worth telling happened
	 * (TLS, DNS, refusals, protocol violations, QoS downgrades). */
	void (*on_error)(void *arg, const char *text);
	/* A QoS 1/2 message changed stage: persist (cookie, packet_id, stage)
	 * to survive a restart without duplicating QoS 2 messages. */
	void (*on_state)(void *arg, void *cookie, uint16_t packet_id, enum mqtt_stage stage);
	void *arg;
	/* Called before output is written to the socket, once for all the
	 * on_state calls since the last time (and only when there were
	 * some), so the owner can persist them together (one fdatasync)
	 * before the PUBLISH or PUBREL they announce can leave: the bytes of
	 * those packets are already encoded but not written. Return 0 to let
	 * the output go, or a negative errno: then nothing is written, the
	 * link is dropped and retried with backoff (unless the callback
	 * stopped the client), and on_flush is called again before the next
	 * write. NULL: output goes at once. Last, so that positional
	 * initialisers written before it stay valid. */
	int (*on_flush)(void *arg);
};

struct mqtt_client_opts {
	const char	*url;		/* mqtt://[user@]host[:port], mqtts://...; IPv6 in [] */
	int		 version;	/* MQTT_V311 or MQTT_V5 (no fall-back);
				 * 0 = MQTT_V5, falling back to 3.1.1 for the
				 * client's life when the broker refuses 5.0
				 * (a 3.1.1 CONNACK, Unsupported Protocol
				 * Version, or a close before CONNACK) */
	const char	*client_id;	/* NULL or "": the broker assigns one */
	const char	*username;	/* overrides the URL's user */
	const void	*password;	/* bytes, may hold NULs */
	size_t		 password_len;
	unsigned	 keepalive;	/* seconds; 0 = no keepalive (no dead-link detection) */
	bool		 clean_session;	/* 3.1.1 clean session / 5.0 clean start, on every connect */
	uint32_t	 session_expiry; /* 5.0: seconds the broker keeps the session */
	bool		 drop_session;	/* leave no session behind: 5.0 ends it in
				 * the DISCONNECT of mqtt_client_stop(), 3.1.1
				 * connects with clean session */
	unsigned	 window;	/* in-flight QoS>0 messages; 0 = 16; max 65535.
				 * 3.1.1 brokers cannot announce their limit, and
				 * mosquitto drops 3.1.1 QoS 2 messages past its 20 */
	unsigned	 window_v311;	/* window after a fall-back to 3.1.1, where the
				 * broker cannot say its limit; 0 = window, but
				 * at most 16 */
	uint32_t	 max_packet_size; /* largest packet accepted; 0 = 1 MiB */
	/* Last will; will_topic NULL = none. */
	const char	*will_topic;
	const void	*will_payload;
	size_t		 will_len;
	uint8_t		 will_qos;
	bool		 will_retain;
	/* TLS (mqtts://). With neither ca_file nor ca_dir the system store
	 * is used. */
	const char	*ca_file;
	const char	*ca_dir;
	const char	*cert_file;
	const char	*key_file;
	bool		 tls_no_verify_hostname; /* default: verify the name */
	bool		 tls_insecure;	/* no certificate verification at all */
	/* Timing, in milliseconds. */
	unsigned	 connect_timeout_ms;	/* TCP + TLS + CONNACK; 0 = 10000 */
	unsigned	 backoff_min_ms;	/* first reconnect delay; 0 = 1000 */
	unsigned	 backoff_max_ms;	/* cap; 0 = 60000 */
	unsigned	 max_attempts;	/* connection attempts before giving up; 0 = never give up */
	unsigned	 max_first_attempts; /* the same before the first accepted
				 * CONNACK (fail fast when nothing listens);
				 * 0 = max_attempts */
	struct mqtt_client_cbs cbs;
};

/* Check the options (URL, TLS files) and create a client in loop l; nothing
 * connects until mqtt_client_start(). Returns 0 or a negative errno with
 * *why set to a message valid until the next call in this thread. */
int mqtt_client_new(struct loop *l, const struct mqtt_client_opts *o,
    struct mqtt_client **out, const char **why);

/* Free the client, closing any connection without DISCONNECT. Queued and
 * in-flight messages are dropped silently. NULL-safe. */
void mqtt_client_free(struct mqtt_client *c);

/* Start connecting (and reconnecting as needed). 0, -EALREADY or -errno. */
int mqtt_client_start(struct mqtt_client *c);

/* Send DISCONNECT if connected, close the link and stop reconnecting.
 * Queued and in-flight messages stay (see mqtt_client_foreach_inflight()).
 * The will is not published. */
void mqtt_client_stop(struct mqtt_client *c);

/* Queue a message; the payload is copied. The queue is unbounded: the
 * owner decides how much it holds back (see mqtt_client_pending()).
 * Returns 0, -EINVAL (bad topic or qos, with *why) or -ENOMEM. */
int mqtt_client_publish(struct mqtt_client *c, const char *topic,
    const void *payload, size_t len, uint8_t qos, bool retain, void *cookie,
    const char **why);

/* Put back a QoS 1/2 message that a previous process had in flight, with
 * its packet id and stage (PUBLISHED: sent again with DUP=1; PUBREC: only
 * PUBREL follows). Only before the first mqtt_client_start(); restored
 * messages go first, in the order restored. 0, -EINVAL, -EEXIST (packet id
 * taken), -EBUSY (already started) or -ENOMEM. */
int mqtt_client_restore(struct mqtt_client *c, const char *topic,
    const void *payload, size_t len, uint8_t qos, bool retain, void *cookie,
    uint16_t packet_id, enum mqtt_stage stage);

/* Call fn for each message holding a packet id, in order. */
void mqtt_client_foreach_inflight(struct mqtt_client *c,
    void (*fn)(void *arg, void *cookie, uint16_t packet_id, enum mqtt_stage stage),
    void *arg);

/* Messages not finished yet: queued, in flight, or QoS 0 not yet written. */
size_t mqtt_client_pending(const struct mqtt_client *c);

/* Whether the client gave up connecting (max_attempts or
 * max_first_attempts used up); mqtt_client_last_error() says why. */
bool mqtt_client_gave_up(const struct mqtt_client *c);

/* Whether a CONNACK accepted the current connection. */
bool mqtt_client_connected(const struct mqtt_client *c);

/* The protocol level in use (MQTT_V5, or MQTT_V311 after a fall-back). */
int mqtt_client_version(const struct mqtt_client *c);

/* The highest QoS the broker takes: its Maximum QoS, or 1 once it answered
 * a QoS 2 PUBLISH with PUBACK or refused QoS 2 (2 until then). */
uint8_t mqtt_client_max_qos(const struct mqtt_client *c);

/* The text of the last error or disconnect ("" if none). */
const char *mqtt_client_last_error(const struct mqtt_client *c);

/* For ad hoc tools: run the loop until nothing is pending, the client gave
 * up (max_attempts), or timeout_ms passed (< 0: no limit). Returns 0,
 * -ETIMEDOUT, -ECONNABORTED (gave up; see mqtt_client_last_error()) or
 * -errno from the loop. Starts the client if needed. */
int mqtt_client_run_until_idle(struct mqtt_client *c, int timeout_ms);

/* mqtt_password.c */

#define MQTT_PASSWORD_MAX 4096

/* Read the broker password: the first line of path without its line end,
 * into *out (malloc'ed, caller frees; wipe it when done). Returns 0,
 * -EFBIG when the line is longer than MQTT_PASSWORD_MAX, -EINVAL when path
 * is not a regular file, -EPERM when others may read or write it (group
 * read is allowed), or -errno. */
int mqtt_password_read(const char *path, uint8_t **out, size_t *len);

/* What a negative mqtt_password_read() result means, for messages. */
const char *mqtt_password_error(int err);

/* mqtt_url.c */

struct mqtt_url {
	bool		 tls;
	char		 host[256];	/* without the [] of an IPv6 literal */
	char		 port[6];
	char		 user[256];	/* "" when absent */
};

/* Parse mqtt://[user@]host[:port][/] or mqtts://...; default ports 1883
 * and 8883. 0 or -EINVAL with *why. */
int mqtt_url_parse(const char *url, struct mqtt_url *u, const char **why);

#endif
