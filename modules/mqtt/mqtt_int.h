/* mqtt_int.h: the client's insides, shared by mqtt_client.c (connection
 * life cycle), mqtt_conn.c (TCP and TLS) and mqtt_session.c (QoS state). */
#ifndef OUTPOST_MQTT_INT_H
#define OUTPOST_MQTT_INT_H

#include <sys/queue.h>
#include <openssl/ssl.h>

#include "mqtt_client.h"
#include "resolve.h"
#include "wire.h"

/* Stop encoding new messages while this much output is unsent. */
#define MQTT_OUT_HIGH	(256 * 1024)

struct mqtt_msg {
	TAILQ_ENTRY(mqtt_msg) link;
	void		*cookie;
	char		*topic;		/* in the same allocation */
	uint8_t		*payload;
	size_t		 len;
	uint64_t	 end_pos;	/* QoS 0: output stream offset of its end */
	uint16_t	 packet_id;
	uint8_t		 qos;
	bool		 retain;
	enum mqtt_stage	 stage;		/* 0 while queued */
	bool		 sent;		/* transmitted on the current link */
	bool		 ever_sent;	/* transmitted on some link: DUP on resend */
};

TAILQ_HEAD(mqtt_msgq, mqtt_msg);

enum mqtt_state {
	MQTT_ST_IDLE,		/* not started */
	MQTT_ST_WAIT,		/* backing off before the next attempt */
	MQTT_ST_DNS,		/* looking the broker's name up */
	MQTT_ST_TCP,		/* non-blocking connect in progress */
	MQTT_ST_TLS,		/* TLS handshake */
	MQTT_ST_CONNACK,	/* CONNECT sent */
	MQTT_ST_UP,		/* CONNACK accepted */
	MQTT_ST_STOPPED,	/* mqtt_client_stop() */
	MQTT_ST_FAILED,		/* max_attempts used up */
};

struct mqtt_client {
	struct loop		*loop;
	struct mqtt_client_opts	 o;	/* strings point to copies below */
	struct mqtt_url		 url;
	char			*client_id;
	char			*username;
	uint8_t			*password;
	char			*will_topic;
	uint8_t			*will_payload;
	SSL_CTX			*ssl_ctx;

	/* The current link. */
	enum mqtt_state		 state;
	int			 fd;
	SSL			*ssl;
	bool			 ssl_want_write;	/* last SSL call needs EPOLLOUT */
	size_t			 ssl_retry_len;		/* length of a write to repeat */
	uint32_t		 events;		/* epoll mask in force */
	struct resolver		*resolver;	/* the client's own, on its loop */
	struct resolver_query	*dns;		/* the lookup in progress */
	struct resolver_result	*addrs;		/* of the current attempt */
	size_t			 addr_next;	/* the next of addrs to try */
	char			 peer[280];
	uint64_t		 timer;		/* connect timeout or keepalive */
	uint64_t		 retry_timer;	/* backoff, or the first attempt */
	uint64_t		 kick_timer;	/* send what was just queued */
	unsigned		 attempts;	/* since the last accepted CONNACK */
	unsigned		 total_attempts;
	bool			 ever_up;	/* a CONNACK accepted some link */
	uint32_t		 rng;

	struct wire_buf		 in;
	struct wire_buf		 out;
	size_t			 out_off;	/* sent prefix of out */
	bool			 unsynced;	/* on_state since the last on_flush */
	bool			 in_on_flush;	/* on_flush is running: write nothing */
	uint64_t		 written;	/* bytes written on all links */

	/* Keepalive. */
	unsigned		 ka_ms;
	uint64_t		 last_rx;
	uint64_t		 last_tx;
	bool			 ping_out;

	/* What the broker allows on this link. */
	unsigned		 recv_max;
	uint8_t			 max_qos;
	bool			 retain_ok;
	uint32_t		 broker_max_packet;
	uint8_t			 qos_cap;	/* learnt from PUBACK to QoS 2; for life */
	bool			 warned_qos;
	bool			 warned_retain;
	bool			 auto_version;	/* may fall back to 3.1.1 */

	/* Messages. */
	struct mqtt_msgq	 queue;		/* waiting for the window */
	struct mqtt_msgq	 inflight;	/* holding a packet id, in order */
	struct mqtt_msgq	 q0;		/* QoS 0 in the output buffer */
	struct mqtt_msg		**by_pid;	/* 65536 slots */
	uint16_t		 next_pid;
	unsigned		 window;
	unsigned		 n_inflight;
	unsigned		 n_onwire;	/* sent on this link, unacknowledged */
	size_t			 n_queue;
	size_t			 n_q0;

	char			 err[1024];
};

/* mqtt_client.c */
/* Have the loop send what was queued, soon and outside the caller. */
void mqtt_client_kick(struct mqtt_client *c);
/* Format a message into c->err and pass it to on_error. */
void mqtt_report(struct mqtt_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* mqtt_conn.c: each returns 0 or -errno with the reason in c->err. */
/* Build the TLS context from the options (mqtts:// only). */
int mqtt_tls_init(struct mqtt_client *c, const char **why);
/* Start a non-blocking connect to the next resolved address. */
int mqtt_conn_open(struct mqtt_client *c);
/* Check a finished connect and prepare TLS on it. */
int mqtt_conn_established(struct mqtt_client *c);
/* Advance the TLS handshake: 1 done, 0 wants I/O. */
int mqtt_conn_handshake(struct mqtt_client *c);
/* Read or write over TCP or TLS: bytes, 0 at EOF (read), or -EAGAIN. */
ssize_t mqtt_conn_read(struct mqtt_client *c, void *buf, size_t n);
ssize_t mqtt_conn_write(struct mqtt_client *c, const void *buf, size_t n);
/* Cancel a pending lookup, close the socket and TLS state; safe when
 * nothing is open. */
void mqtt_conn_close(struct mqtt_client *c);

/* mqtt_session.c */
/* One allocation holding the message, its topic and payload copies. */
struct mqtt_msg *mqtt_msg_new(const char *topic, const void *payload,
    size_t len, uint8_t qos, bool retain, void *cookie);
/* Drop every message and the packet id table. */
void mqtt_session_free(struct mqtt_client *c);
/* Encode what the window and the broker's limits allow; 0 or -ENOMEM. */
int mqtt_session_pump(struct mqtt_client *c);
/* Act on an acknowledgement or server PUBLISH/PUBREL; 0 or -ENOMEM. */
int mqtt_session_handle(struct mqtt_client *c, const struct mqtt_in *in);
/* A CONNACK accepted the link: mark everything for (re)transmission. */
void mqtt_session_connected(struct mqtt_client *c, bool session_present);
/* The link is gone: unwritten QoS 0 messages go back to the queue. */
void mqtt_session_link_down(struct mqtt_client *c);
/* The broker disconnected with QoS not supported: cap QoS below the
 * highest in flight for the client's life. */
void mqtt_session_qos_refused(struct mqtt_client *c);
/* Output was written: finish the QoS 0 messages it completed. */
void mqtt_session_wrote(struct mqtt_client *c);

#endif
