/* pubd_drain.c: from the spool to the client, and back to a delete.
 *
 * Events are listed in seq order into a backlog of names (cheap), and read
 * and handed to the client only while fewer than held_max are with it (the
 * window plus a short queue), so a spool of 100,000 events never sits in
 * memory. An event is deleted only when the broker acknowledged it: PUBACK
 * or PUBCOMP with a success reason, or for QoS 2 any completion after its
 * PUBREC (the broker owns the message from PUBREC on; a PUBCOMP "packet id
 * not found" after a restart means it finished it before).
 *
 * What cannot go now is deferred, never lost: a message the broker refuses
 * (reason >= 0x80, or too large for it), or an event that cannot be read,
 * stays in the spool and is tried again after the next reconnect (or
 * restart), behind what is queued by then. Some brokers drop the link
 * when they refuse, so a retry waits RETRY_MIN_MS after the last one,
 * doubling while events stay deferred, up to RETRY_MAX_MS: a permanent
 * refusal must not turn into a reconnect loop. An event that can never be
 * delivered (not JSON, too large, a topic the client refuses, larger than
 * the broker's maximum packet size) is moved aside to bad/ with its reason
 * (spool_set_aside) and one log line; nothing is deleted unsent. Events
 * evicted by the spool while listed are skipped.
 *
 * The drain owns the items: they enter the held queue only through
 * pubd_drain_hold() and leave it through pubd_drain_ack() (done or
 * refused) or, when a new client cannot take one over (pubd_resume.c),
 * through pubd_drain_give_back(), which puts the event back in front of
 * the cursor so it is offered again.
 *
 * New events are noticed by inotify on new/ (IN_MOVED_TO, IN_CLOSE_WRITE);
 * a rescan every RESCAN_MS is only a safety net. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"
#include "pubd.h"

#define BACKLOG_MAX	2048
#define RESCAN_MS	60000
#define RETRY_MIN_MS	30000
#define RETRY_MAX_MS	(30 * 60000)

void pubd_item_free(struct pubd_item *it)
{
	if (!it)
		return;
	free(it->topic);
	free(it);
}

/* A new item for a read event, published at qos. */
struct pubd_item *pubd_item_new(const struct spool_ref *ref, const struct spool_event *ev,
    const struct pubd_settings *s, uint8_t qos)
{
	struct pubd_item *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->ref = *ref;
	it->ident = pubd_event_ident(ev->payload, ev->len);
	it->qos = qos;
	it->topic = pubd_topic(s, ev->kind, ev->name);
	if (!it->topic) {
		free(it);
		return NULL;
	}
	return it;
}

/* The one way into the held queue. */
void pubd_drain_hold(struct pubd *p, struct pubd_item *it)
{
	TAILQ_INSERT_TAIL(&p->held, it, link);
	p->n_held++;
	if (it->ref.seq > p->held_top)
		p->held_top = it->ref.seq;
}

/* A client is being replaced: every held item leaves for q, to be held
 * again or given back. */
void pubd_drain_take_all(struct pubd *p, struct pubd_itemq *q)
{
	TAILQ_INIT(q);
	TAILQ_CONCAT(q, &p->held, link);
	p->n_held = 0;
	p->held_top = 0;
}

/* Whether the event seq is with the client. */
bool pubd_drain_is_held(const struct pubd *p, uint64_t seq)
{
	const struct pubd_item *it;

	if (seq > p->held_top)
		return false;
	TAILQ_FOREACH(it, &p->held, link)
		if (it->ref.seq == seq)
			return true;
	return false;
}

static void backlog_drop(struct pubd *p)
{
	free(p->backlog);
	p->backlog = NULL;
	p->backlog_n = p->backlog_i = 0;
}

/* Skip seq on this link; it is listed again after the next connect. */
static void defer(struct pubd *p, uint64_t seq)
{
	p->deferred++;
	if (!p->retry_from || seq < p->retry_from)
		p->retry_from = seq;
}

/* Move an event that can never be delivered to bad/, saying why. */
static void set_aside(struct pubd *p, const char *file, const char *reason)
{
	int r = spool_set_aside(p->spool, file, reason);

	if (r == 0)
		log_warn("event %s/%s cannot be delivered (%s): moved to bad/", spool_new_dir(p->spool),
		    file, reason);
	else if (r != -ENOENT)
		log_err("event %s/%s cannot be delivered (%s) nor moved to bad/: %s",
		    spool_new_dir(p->spool), file, reason, strerror(-r));
}

/* Read an event; 1 with ev filled, 0 when it is gone for good or
 * deferred (logged), -1 when out of memory. */
static int read_event(struct pubd *p, const struct spool_ref *ref, struct spool_event *ev)
{
	int r = spool_read(p->spool, ref, ev);

	if (r == 0)
		return 1;
	switch (r) {
	case -ENOENT:		/* evicted or deleted meanwhile */
		return 0;
	case -EBADMSG:
		set_aside(p, ref->file, "not valid JSON");
		return 0;
	case -EFBIG:
		set_aside(p, ref->file, "larger than the largest event");
		return 0;
	case -EINVAL:
		set_aside(p, ref->file, "not a plain event file (a folder, FIFO, hard link or bad name)");
		return 0;
	case -ELOOP:
		set_aside(p, ref->file, "a symbolic link");
		return 0;
	case -ENOMEM:
		log_err("out of memory reading event %s", ref->file);
		defer(p, ref->seq);
		return -1;
	default:
		log_warn("cannot read event %s/%s: %s; kept, retried after the next reconnect",
		    spool_new_dir(p->spool), ref->file, strerror(-r));
		defer(p, ref->seq);
		return 0;
	}
}

/* Read an event and check it is the one a record names (seq numbers
 * repeat after a power cut); 1, 2 (another event has this seq now), 0
 * (gone, deferred or set aside) or -1 (out of memory). */
int pubd_drain_read(struct pubd *p, const struct spool_ref *ref, uint64_t ident,
    struct spool_event *ev)
{
	int r = read_event(p, ref, ev);

	if (r <= 0)
		return r;
	/* 0: a version 1 record, which named the seq only. */
	if (ident == 0 || pubd_event_ident(ev->payload, ev->len) == ident)
		return 1;
	log_notice("event %s reuses the seq of an event in the in-flight journal: it is another event, delivered as new",
	    ref->file);
	spool_event_clear(ev);
	return 2;
}

/* Hand one listed event to the client. -1 when out of memory. */
static int offer(struct pubd *p, const struct spool_ref *ref)
{
	struct spool_event ev;
	struct pubd_item *it;
	const char *why = "";
	int r;

	r = read_event(p, ref, &ev);
	if (r <= 0)
		return r;
	it = pubd_item_new(ref, &ev, &p->set, p->set.qos);
	if (!it) {
		spool_event_clear(&ev);
		defer(p, ref->seq);
		return -1;
	}
	r = mqtt_client_publish(p->client, it->topic, ev.payload, ev.len, it->qos, false, it,
	    &why);
	spool_event_clear(&ev);
	if (r == -EINVAL) {
		char reason[200];

		snprintf(reason, sizeof(reason), "the MQTT client refuses it: %s", why);
		set_aside(p, ref->file, reason);
	} else if (r < 0) {
		log_warn("event %s: cannot publish to '%s': %s; kept, retried after the next reconnect",
		    ref->file, it->topic, why);
		defer(p, ref->seq);
	}
	if (r < 0) {
		pubd_item_free(it);
		return r == -ENOMEM ? -1 : 0;
	}
	pubd_drain_hold(p, it);
	return 0;
}

/* An item a new client could not take over: the drain lists its event
 * again (and applies the usual rules to it then), it is not lost until
 * a restart. */
void pubd_drain_give_back(struct pubd *p, struct pubd_item *it)
{
	if (it->ref.seq <= p->cursor) {
		p->cursor = it->ref.seq - 1;
		backlog_drop(p);
	}
	pubd_item_free(it);
}

/* Hand the client as many events as the bound allows. */
void pubd_drain_fill(struct pubd *p)
{
	int r;

	if (p->filling || p->stopping || !p->client)
		return;
	p->filling = true;
	while (p->n_held < p->held_max) {
		const struct spool_ref *ref;

		if (p->backlog_i == p->backlog_n) {
			backlog_drop(p);
			r = spool_list(p->spool, p->cursor, BACKLOG_MAX, &p->backlog,
			    &p->backlog_n);
			if (r < 0) {
				log_err("cannot list %s: %s", spool_new_dir(p->spool), strerror(-r));
				break;
			}
			if (p->backlog_n == 0)
				break;
			p->cursor = p->backlog[p->backlog_n - 1].seq;
		}
		ref = &p->backlog[p->backlog_i++];
		if (pubd_drain_is_held(p, ref->seq))
			continue;
		if (offer(p, ref) < 0)
			break;
	}
	p->filling = false;
}

/* The client connected: what was deferred on the last link goes again. */
void pubd_drain_connected(struct pubd *p)
{
	uint64_t now = loop_now_ms();

	if (!p->retry_from)
		p->retry_gap = p->retry_at = 0;	/* the last retry went through */
	if (p->retry_from && now >= p->retry_at) {
		p->retry_at = now + (p->retry_gap ? p->retry_gap : RETRY_MIN_MS);
		p->retry_gap = p->retry_gap ? p->retry_gap * 2 : RETRY_MIN_MS * 2;
		if (p->retry_gap > RETRY_MAX_MS)
			p->retry_gap = RETRY_MAX_MS;
		log_notice("retrying %zu deferred event(s) from seq %llu", p->deferred,
		    (unsigned long long)p->retry_from);
		p->cursor = p->retry_from - 1;
		p->retry_from = 0;
		p->deferred = 0;
		backlog_drop(p);
	}
	pubd_drain_fill(p);
}

/* The QoS 2 messages in flight, for a compaction of the journal. */
static int live_set(struct pubd *p, struct pubd_restore **out, size_t *n)
{
	struct pubd_restore *v;
	struct pubd_item *it;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	v = calloc(p->n_held ? p->n_held : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	TAILQ_FOREACH(it, &p->held, link) {
		if (it->qos != 2 || !it->packet_id || !it->stage)
			continue;
		v[k].seq = it->ref.seq;
		v[k].ident = it->ident;
		v[k].packet_id = it->packet_id;
		v[k].stage = it->stage;
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Rewrite the journal from what is in flight now. 0 or -errno. */
int pubd_drain_compact(struct pubd *p)
{
	struct pubd_restore *v;
	size_t n;
	int r;

	r = live_set(p, &v, &n);
	if (r == 0)
		r = pubd_journal_compact(&p->journal, spool_new_dir(p->spool), v, n);
	free(v);
	return r;
}

static struct pubd_restore record_of(const struct pubd_item *it)
{
	struct pubd_restore rec = {
		.seq = it->ref.seq, .ident = it->ident, .packet_id = it->packet_id,
		.stage = it->stage,
	};

	return rec;
}

/* The broker finished a message (or the client gave up on it). */
void pubd_drain_ack(struct pubd *p, struct pubd_item *it, int qos, uint8_t reason)
{
	bool delivered = reason < 0x80 || (it->qos == 2 && it->stage == MQTT_STAGE_PUBREC);
	struct pubd_restore rec = record_of(it);
	int r;

	TAILQ_REMOVE(&p->held, it, link);
	p->n_held--;
	if (delivered) {
		r = spool_delete(p->spool, &it->ref);
		if (r < 0 && r != -ENOENT)
			log_err("cannot delete delivered event %s: %s; it will be sent again",
			    it->ref.file, strerror(-r));
		p->delivered++;
		if (pubd_journal_full(&p->journal) && (r = pubd_drain_compact(p)) < 0)
			log_err("cannot compact the in-flight journal: %s", strerror(-r));
	} else {
		if (reason == MQTT_RC_PACKET_TOO_LARGE) {
			set_aside(p, it->ref.file, "larger than the broker's maximum packet size");
		} else {
			log_warn("the broker refused event %s/%s on '%s' (QoS %d): %s (0x%02x); it stays in the spool and is retried after the next reconnect",
			    spool_new_dir(p->spool), it->ref.file, it->topic, qos,
			    mqtt_reason_text(reason), reason);
			defer(p, it->ref.seq);
		}
		if (it->qos == 2 && it->packet_id &&
		    (r = pubd_journal_release(&p->journal, &rec)) < 0)
			log_err("cannot record the refusal of %s in the journal: %s",
			    it->ref.file, strerror(-r));
	}
	pubd_item_free(it);
	pubd_drain_fill(p);
}

/* A message took a packet id or got its PUBREC. For QoS 2 the record
 * waits for the client's on_flush (pubd_drain_flush), which comes before
 * the packet that follows can leave, and is written there with the other
 * records of the round (see pubd_journal.c). */
void pubd_drain_state(struct pubd *p, struct pubd_item *it, uint16_t packet_id,
    enum mqtt_stage stage)
{
	if (stage == MQTT_STAGE_DONE)
		return;		/* on_ack follows */
	it->packet_id = packet_id;
	it->stage = stage;
	it->journaled = false;
	if (it->qos == 2)
		p->journal_due = true;
}

static bool needs_record(const struct pubd_item *it)
{
	return it->qos == 2 && it->packet_id && it->stage && !it->journaled;
}

/* Record every QoS 2 state not on disk yet: one write, one fdatasync. */
int pubd_drain_journal_sync(struct pubd *p)
{
	struct pubd_restore *v;
	struct pubd_item *it;
	size_t n = 0;
	int r;

	/* A version 1 journal is rewritten (with identities) first. */
	if (p->journal.legacy) {
		r = pubd_drain_compact(p);
		if (r < 0)
			return r;
		TAILQ_FOREACH(it, &p->held, link)
			it->journaled = true;
		p->journal_due = false;
		return 0;
	}
	if (!p->journal_due)
		return 0;
	TAILQ_FOREACH(it, &p->held, link)
		n += needs_record(it);
	if (n == 0) {
		p->journal_due = false;
		return 0;
	}
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	TAILQ_FOREACH(it, &p->held, link)
		if (needs_record(it))
			v[n++] = record_of(it);
	r = pubd_journal_append_batch(&p->journal, v, n);
	free(v);
	if (r < 0)
		return r;
	TAILQ_FOREACH(it, &p->held, link)
		if (needs_record(it))
			it->journaled = true;
	p->journal_due = false;
	return 0;
}

/* Before the client writes: the states of this round go to disk first. */
int pubd_drain_flush(struct pubd *p)
{
	int r = pubd_drain_journal_sync(p);

	if (r < 0) {
		/* Sending now could deliver twice after a crash: hold the
		 * client (nothing it encoded leaves) until the journal is
		 * writable again. */
		log_err("cannot record QoS 2 messages in the in-flight journal: %s; pausing delivery",
		    strerror(-r));
		pubd_client_pause(p);
	}
	return r;
}

static void on_inotify(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct pubd *p = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	/* The names do not matter: listing after the cursor finds them. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pubd_drain_fill(p);
}

static void on_rescan(struct loop *l, void *arg)
{
	struct pubd *p = arg;

	p->rescan_timer = loop_timer_add(l, RESCAN_MS, on_rescan, p);
	pubd_drain_fill(p);
}

/* Set up draining. */
int pubd_drain_init(struct pubd *p)
{
	const char *dir = spool_new_dir(p->spool);

	p->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (p->inotify_fd < 0) {
		log_err("inotify: %m");
		return -1;
	}
	if (inotify_add_watch(p->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		log_err("cannot watch %s: %m", dir);
		return -1;
	}
	if (loop_fd_add(p->loop, p->inotify_fd, EPOLLIN, on_inotify, p) < 0) {
		log_err("cannot watch the inotify descriptor");
		return -1;
	}
	p->rescan_timer = loop_timer_add(p->loop, RESCAN_MS, on_rescan, p);
	return 0;
}

/* Stop watching and free every item and the backlog. */
void pubd_drain_free(struct pubd *p)
{
	struct pubd_item *it;

	if (p->inotify_fd >= 0) {
		loop_fd_del(p->loop, p->inotify_fd);
		close(p->inotify_fd);
		p->inotify_fd = -1;
	}
	if (p->rescan_timer)
		loop_timer_cancel(p->loop, p->rescan_timer);
	p->rescan_timer = 0;
	while ((it = TAILQ_FIRST(&p->held)) != NULL) {
		TAILQ_REMOVE(&p->held, it, link);
		pubd_item_free(it);
	}
	p->n_held = 0;
	backlog_drop(p);
}
