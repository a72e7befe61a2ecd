/* pubd.h: outpost-pubd, the daemon that delivers the event spool to an
 * MQTT broker.
 *
 *   outpost-pubd.c    main: command line, start-up order, signals, shutdown
 *   pubd_settings.c   [node] and [mqtt] read into struct pubd_settings
 *   pubd_client.c     the MQTT client: status topic, (re)building it
 *   pubd_drain.c      spool -> client: listing, reading, acks, deletes
 *   pubd_resume.c     messages back into a client: from the journal at
 *                     start, from the old client after a reload
 *   pubd_journal.c    the in-flight journal that makes QoS 2 exactly once
 *   pubd_heartbeat.c  the periodic heartbeat event
 */
#ifndef OUTPOST_PUBD_H
#define OUTPOST_PUBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "conf.h"
#include "loop.h"
#include "mqtt_client.h"
#include "spool.h"

/* What [node] and [mqtt] say, resolved (defaults filled in, password
 * read). Strings are owned. */
struct pubd_settings {
	/* [node] */
	char		*id;
	char		*region;	/* NULL: none */
	char		*user;
	char		*spool;
	uint64_t	 spool_max;
	/* [mqtt] */
	char		*url;
	int		 version;	/* MQTT_V5 or MQTT_V311 */
	char		*client_id;
	char		*username;	/* NULL: none (or the URL's) */
	char		*password_file;	/* NULL: no password */
	uint8_t		*password;
	size_t		 password_len;
	char		*ca_file;
	char		*ca_path;
	char		*cert_file;
	char		*key_file;
	bool		 verify_hostname;
	uint8_t		 qos;
	unsigned	 keepalive_s;
	bool		 clean_session;
	uint32_t	 session_expiry_s;
	unsigned	 inflight;
	unsigned	 reconnect_max_ms;
	char		*prefix;	/* topic prefix, without trailing '/' */
	char		*status_topic;	/* <prefix>/status */
	uint64_t	 heartbeat_ms;	/* 0: off */
};

/* One event handed to the client; the client's cookie. */
struct pubd_item {
	TAILQ_ENTRY(pubd_item) link;
	struct spool_ref ref;
	uint64_t	 ident;		/* pubd_event_ident() of its bytes */
	char		*topic;
	uint8_t		 qos;		/* as published */
	uint16_t	 packet_id;	/* 0 until it enters the window */
	enum mqtt_stage	 stage;		/* 0 while queued in the client */
	bool		 journaled;	/* QoS 2: packet id and stage are on disk */
};

TAILQ_HEAD(pubd_itemq, pubd_item);

/* Journal of QoS 2 messages in flight: see pubd_journal.c. */
struct pubd_journal {
	int		 dirfd;		/* the spool directory */
	int		 fd;		/* pubd.inflight, locked */
	off_t		 size;		/* what is valid; appends go here */
	bool		 headed;	/* the header is on disk */
	bool		 prealloc;	/* reserve room ahead (QoS 2) */
	bool		 legacy;	/* version 1 with messages in flight: to be
					 * rewritten before anything is appended */
	unsigned	 writes;	/* appends since the last compaction */
	off_t		 compact_at;	/* compact past this size; 0: the default */
	uint64_t	 syncs;		/* fdatasyncs since open */
};

/* A message the journal says was in flight when the daemon last ran (or
 * one to record): the event (seq and identity) and its packet id. */
struct pubd_restore {
	uint64_t	 seq;
	uint64_t	 ident;
	uint16_t	 packet_id;
	enum mqtt_stage	 stage;
};

/* What a journal holds: the messages in flight (live, by seq) and the
 * events it proves delivered (done, by seq; packet_id and stage are of
 * no meaning there); valid is the length of its intact part. */
struct pubd_replay {
	struct pubd_restore	*live;
	size_t			 nlive;
	struct pubd_restore	*done;
	size_t			 ndone;
	size_t			 valid;
	int			 version;	/* 1: records without identity (0) */
};

struct pubd {
	const char		*prog;
	const char		*config_path;
	struct loop		*loop;
	struct pubd_settings	 set;
	struct spool		*spool;
	struct mqtt_client	*client;
	struct pubd_journal	 journal;
	uint64_t		 started_ms;	/* loop_now_ms() at start */

	/* Draining. */
	struct pubd_itemq	 held;		/* handed to the client, in order */
	size_t			 n_held;
	size_t			 held_max;
	struct spool_ref	*backlog;	/* listed, not yet handed over */
	size_t			 backlog_n, backlog_i;
	uint64_t		 cursor;	/* highest seq listed */
	uint64_t		 held_top;	/* highest seq ever held */
	uint64_t		 retry_from;	/* lowest deferred seq + 1; 0: none */
	size_t			 deferred;	/* events skipped on this link */
	uint64_t		 retry_at;	/* no retry of deferred ones before */
	uint64_t		 retry_gap;	/* the wait after the next retry */
	int			 inotify_fd;
	uint64_t		 rescan_timer;
	bool			 filling;
	bool			 journal_due;	/* a QoS 2 item may lack its record */

	/* The client. */
	bool			 connected;
	uint64_t		 start_timer;	/* retry of a failed start */
	bool			 status_refused_logged;
	uint64_t		 delivered;	/* events acknowledged since start */

	/* Heartbeat. */
	uint64_t		 hb_timer;
	uint64_t		 hb_last;	/* seq of the last one recorded; 0: none */
	bool			 hb_failing;	/* the last one could not be recorded */

	/* Shutdown. */
	bool			 stopping;
	bool			 offline_acked;
	uint64_t		 stop_timer;
};

/* Cookies of the status messages (not spool events). */
extern char pubd_status_online, pubd_status_offline;

/* pubd_settings.c */
/* Read [node] and [mqtt] of conf (and the password file) into s. Returns
 * 0, or -1 with why filled (one line). */
int pubd_settings_load(struct pubd_settings *s, const struct conf *conf,
    const struct pubd_settings *old, char *why, size_t whylen);
/* Free what s owns; NULL-safe. */
void pubd_settings_free(struct pubd_settings *s);
/* Whether a and b need different MQTT clients. */
bool pubd_settings_client_differs(const struct pubd_settings *a,
    const struct pubd_settings *b);
/* Fill client options from s (strings point into s). */
void pubd_settings_client_opts(const struct pubd_settings *s, struct mqtt_client_opts *o);
/* The topic of an event: <prefix>/<kind>[/<name>]; malloc'ed or NULL. */
char *pubd_topic(const struct pubd_settings *s, const char *kind, const char *name);


/* pubd_client.c */
/* Create p->client from p->set (not started). 0 or -1 (logged). */
int pubd_client_create(struct pubd *p, struct mqtt_client **out);
/* Replace the client by one built from p->set, carrying over what was in
 * flight, and start it. 0 or -1 (logged; retried later). */
int pubd_client_rebuild(struct pubd *p);
/* Make the journal hold exactly the QoS 2 messages in flight, then start
 * the client; when that fails, try again every few seconds. */
void pubd_client_start(struct pubd *p);
/* Stop the client (keeping what is in flight) and start it again later
 * through pubd_client_start(). Safe from client callbacks. */
void pubd_client_pause(struct pubd *p);
/* SIGTERM: publish the retained offline status, wait a little for the
 * acknowledgements, persist the in-flight state and stop the loop. */
void pubd_client_shutdown(struct pubd *p);

/* pubd_drain.c */
/* Set up draining: inotify on new/, the safety rescan. 0 or -1 (logged). */
int pubd_drain_init(struct pubd *p);
/* Stop watching and free every item and the backlog. */
void pubd_drain_free(struct pubd *p);
/* Hand the client as many events as the bound allows. */
void pubd_drain_fill(struct pubd *p);
/* Whether the event seq is with the client. */
bool pubd_drain_is_held(const struct pubd *p, uint64_t seq);
/* Append the records of every QoS 2 item whose packet id and stage are
 * not on disk yet, in one write and one fdatasync: before the client
 * writes (on_flush) and before it starts. 0 or -errno. */
int pubd_drain_journal_sync(struct pubd *p);
/* The client's on_flush: make the states of this round durable; on
 * failure log, pause the client and return -errno (nothing is sent). */
int pubd_drain_flush(struct pubd *p);
/* The one way into the held queue (the drain owns its items). */
void pubd_drain_hold(struct pubd *p, struct pubd_item *it);
/* Every held item leaves for q (a client is being replaced); each is
 * held again or given back. */
void pubd_drain_take_all(struct pubd *p, struct pubd_itemq *q);
/* The way out for an item a client could not take: its event is listed
 * again, and the item freed. */
void pubd_drain_give_back(struct pubd *p, struct pubd_item *it);
/* Read the event ref names and check its identity: 1 (ev filled), 2
 * (another event has this seq now), 0 (gone, deferred or set aside,
 * logged) or -1 (out of memory). */
int pubd_drain_read(struct pubd *p, const struct spool_ref *ref, uint64_t ident,
    struct spool_event *ev);
/* A new item for a read event, published at qos; NULL when out of memory. */
struct pubd_item *pubd_item_new(const struct spool_ref *ref, const struct spool_event *ev,
    const struct pubd_settings *s, uint8_t qos);

/* The client connected: retry what was deferred on the last link. */
void pubd_drain_connected(struct pubd *p);
/* Rewrite the journal from what is in flight now. 0 or -errno. */
int pubd_drain_compact(struct pubd *p);
/* Client callbacks for spool events. */
void pubd_drain_ack(struct pubd *p, struct pubd_item *it, int qos, uint8_t reason);
void pubd_drain_state(struct pubd *p, struct pubd_item *it, uint16_t packet_id,
    enum mqtt_stage stage);
/* Free one item. */
void pubd_item_free(struct pubd_item *it);

/* pubd_resume.c */
/* Delete what the journal proves delivered and put back what it says was
 * in flight (before the client starts); a record is matched to an event
 * by seq and identity. 0 or -1 (logged). */
int pubd_drain_restore(struct pubd *p, const struct pubd_replay *rp);
/* p->client is new: give it every held item, the n in flight in the old
 * one (inflight[i] with pid[i], stage[i]) with their packet ids, the rest
 * queued anew. An item it cannot take goes back to the spool listing. */
void pubd_drain_handover(struct pubd *p, struct pubd_item *const *inflight,
    const uint16_t *pid, const enum mqtt_stage *stage, size_t n);

/* pubd_journal.c */
/* The identity of an event's bytes, recorded beside its seq (sequence
 * numbers may repeat after a power cut). Never 0. */
uint64_t pubd_event_ident(const void *data, size_t len);
/* Replay journal text: 0, -EBADMSG when it is not a journal (no header),
 * or -ENOMEM. Stops at the first torn or foreign record. Version 1 text
 * (records without identity, ident 0) is read too. */
int pubd_journal_parse(const char *buf, size_t len, struct pubd_replay *rp);
/* The journal text holding exactly live[0..n) (malloc'ed). 0 or -errno. */
int pubd_journal_render(const struct pubd_restore *live, size_t n, char **buf,
    size_t *len);
/* Free what a replay holds; NULL-safe. */
void pubd_replay_free(struct pubd_replay *rp);
/* Open (creating) <spool>/pubd.inflight, regular files only, and lock
 * it; read what it holds into *rp (a torn tail is written over later). Needs no free
 * space; with prealloc, room is reserved ahead when there is some. 0 or
 * -errno (-EBUSY: another daemon holds it, -EINVAL: not a regular file). */
int pubd_journal_open(struct pubd_journal *j, const char *spooldir, bool prealloc,
    struct pubd_replay *rp);
/* Record durably that rec->seq holds rec->packet_id at rec->stage. 0 or
 * -errno (whatever it wrote is written over by the next append). */
int pubd_journal_append(struct pubd_journal *j, const struct pubd_restore *rec);
/* Record durably the n records recs[0..n) (P, or R at MQTT_STAGE_PUBREC)
 * with one write per 96 records and one fdatasync. 0 or -errno (nothing
 * of it counts then: the next append writes over it). */
int pubd_journal_append_batch(struct pubd_journal *j, const struct pubd_restore *recs,
    size_t n);
/* Record that rec->seq gave up its packet id without being delivered (the
 * broker refused it); made durable by the next append. 0 or -errno. */
int pubd_journal_release(struct pubd_journal *j, const struct pubd_restore *rec);
/* Whether the journal is worth compacting. */
bool pubd_journal_full(const struct pubd_journal *j);
/* Rewrite the journal to hold exactly the n entries, durably; deletions
 * in the spool are made durable first. 0 or -errno. */
int pubd_journal_compact(struct pubd_journal *j, const char *newdir,
    const struct pubd_restore *live, size_t n);
/* Close; NULL-safe. */
void pubd_journal_close(struct pubd_journal *j);

/* pubd_heartbeat.c */
/* Start (or restart, after a reload) the heartbeat timer. */
void pubd_heartbeat_arm(struct pubd *p);
/* Build the heartbeat data now; 0 or -errno. Exposed for the timer. */
int pubd_heartbeat_emit(struct pubd *p);

#endif
