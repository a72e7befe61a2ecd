/* pubd_client.c: the MQTT client of outpost-pubd.
 *
 * After every connect a retained "online" goes to <prefix>/status; the
 * will, kept by the broker, is a retained "offline" published when the
 * link dies without DISCONNECT. A clean stop publishes "offline" itself
 * (the broker drops the will on DISCONNECT).
 *
 * A new client (after a reload changed the broker settings) takes over
 * what the old one had in flight with the same packet ids, so the broker
 * still recognises them; what was only queued is queued again with the
 * new topic and QoS; the drain does the handing over, and whatever the
 * new client cannot take goes back to the drain's listing. Before a client
 * starts, the journal gets whatever record a failed append left out; it
 * is never rewritten to start (that would need free space). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pubd.h"

#define START_RETRY_MS	5000
#define STOP_WAIT_MS	2000
#define QUEUE_AHEAD	64

char pubd_status_online, pubd_status_offline;

static bool is_status(const void *cookie)
{
	return cookie == &pubd_status_online || cookie == &pubd_status_offline;
}

static void finish(struct pubd *p);

static void on_connect(void *arg, bool session_present)
{
	struct pubd *p = arg;
	const char *why = "";

	p->connected = true;
	/* Brokers that are not Mosquitto may speak only 3.1.1 or cap QoS:
	 * say what this link delivers at. */
	log_notice("connected to %s as '%s' (%s, MQTT %s, QoS %u%s)", p->set.url,
	    p->set.client_id, session_present ? "session resumed" : "new session",
	    mqtt_client_version(p->client) == MQTT_V311 ? "3.1.1" : "5",
	    p->set.qos < mqtt_client_max_qos(p->client) ? p->set.qos :
	    mqtt_client_max_qos(p->client),
	    p->set.qos > mqtt_client_max_qos(p->client) ? ", downgraded by the broker" : "");
	if (p->stopping)
		return;
	if (mqtt_client_publish(p->client, p->set.status_topic, "online", 6, 1, true,
	    &pubd_status_online, &why) < 0)
		log_warn("cannot publish the status to '%s': %s", p->set.status_topic, why);
	pubd_drain_connected(p);
}

static void on_disconnect(void *arg, const char *why)
{
	struct pubd *p = arg;

	p->connected = false;
	log_warn("lost the broker: %s; events stay in the spool until it is back", why);
}

static void on_error(void *arg, const char *text)
{
	log_warn("%s", text);
}

static void on_ack(void *arg, void *cookie, int qos, uint8_t reason)
{
	struct pubd *p = arg;

	if (cookie == &pubd_status_online) {
		if (reason >= 0x80 && !p->status_refused_logged)
			log_warn("the broker refused the status on '%s': %s (0x%02x)",
			    p->set.status_topic, mqtt_reason_text(reason), reason);
		p->status_refused_logged = reason >= 0x80;
		return;
	}
	if (cookie == &pubd_status_offline) {
		p->offline_acked = true;
		if (p->stopping)
			finish(p);
		return;
	}
	pubd_drain_ack(p, cookie, qos, reason);
}

static void on_state(void *arg, void *cookie, uint16_t packet_id, enum mqtt_stage stage)
{
	if (!is_status(cookie))
		pubd_drain_state(arg, cookie, packet_id, stage);
}

static int on_flush(void *arg)
{
	return pubd_drain_flush(arg);
}

/* Create a client from p->set (not started). */
int pubd_client_create(struct pubd *p, struct mqtt_client **out)
{
	struct mqtt_client_opts o;
	const char *why = "";

	pubd_settings_client_opts(&p->set, &o);
	o.cbs.on_connect = on_connect;
	o.cbs.on_disconnect = on_disconnect;
	o.cbs.on_error = on_error;
	o.cbs.on_ack = on_ack;
	o.cbs.on_state = on_state;
	o.cbs.on_flush = on_flush;
	o.cbs.arg = p;
	if (mqtt_client_new(p->loop, &o, out, &why) < 0) {
		log_err("[mqtt] %s: %s", p->set.url, why);
		return -1;
	}
	p->held_max = p->set.inflight + QUEUE_AHEAD;
	return 0;
}

static void on_start_timer(struct loop *l, void *arg)
{
	struct pubd *p = arg;

	p->start_timer = 0;
	pubd_client_start(p);
}

static void start_later(struct pubd *p)
{
	if (!p->start_timer)
		p->start_timer = loop_timer_add(p->loop, START_RETRY_MS, on_start_timer, p);
}

/* Complete the journal, then start the client. */
void pubd_client_start(struct pubd *p)
{
	int r;

	if (p->start_timer)
		loop_timer_cancel(p->loop, p->start_timer);
	p->start_timer = 0;
	if (p->stopping)
		return;
	r = pubd_drain_journal_sync(p);
	if (r < 0) {
		log_err("cannot write the in-flight journal in %s: %s; retrying in %d s",
		    p->set.spool, strerror(-r), START_RETRY_MS / 1000);
		start_later(p);
		return;
	}
	r = mqtt_client_start(p->client);
	if (r < 0 && r != -EALREADY) {
		log_err("cannot start the MQTT client: %s; retrying in %d s", strerror(-r),
		    START_RETRY_MS / 1000);
		start_later(p);
	}
}

/* Stop the client and start it again later. */
void pubd_client_pause(struct pubd *p)
{
	mqtt_client_stop(p->client);
	p->connected = false;
	start_later(p);
}

struct inflight {
	struct pubd_item **it;
	uint16_t *pid;
	enum mqtt_stage *stage;
	size_t n, cap;
	bool oom;
};

static void collect(void *arg, void *cookie, uint16_t pid, enum mqtt_stage stage)
{
	struct inflight *f = arg;

	if (is_status(cookie) || f->oom)
		return;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct pubd_item **a = reallocarray(f->it, cap, sizeof(*a));
		uint16_t *b;
		enum mqtt_stage *c;

		if (a)
			f->it = a;
		b = a ? reallocarray(f->pid, cap, sizeof(*b)) : NULL;
		if (b)
			f->pid = b;
		c = b ? reallocarray(f->stage, cap, sizeof(*c)) : NULL;
		if (!c) {
			f->oom = true;
			return;
		}
		f->stage = c;
		f->cap = cap;
	}
	f->it[f->n] = cookie;
	f->pid[f->n] = pid;
	f->stage[f->n] = stage;
	f->n++;
}

/* Replace the client by one built from p->set. */
int pubd_client_rebuild(struct pubd *p)
{
	struct mqtt_client *old = p->client, *nc;
	struct inflight f = { 0 };

	if (pubd_client_create(p, &nc) < 0)
		return -1;
	mqtt_client_stop(old);
	p->connected = false;
	mqtt_client_foreach_inflight(old, collect, &f);
	if (f.oom) {
		log_err("out of memory; keeping the old broker settings");
		mqtt_client_free(nc);
		pubd_client_start(p);
		free(f.it);
		free(f.pid);
		free(f.stage);
		return -1;
	}
	mqtt_client_free(old);
	p->client = nc;
	pubd_drain_handover(p, f.it, f.pid, f.stage, f.n);
	free(f.it);
	free(f.pid);
	free(f.stage);
	pubd_client_start(p);
	return 0;
}

/* The end: nothing more is sent, what is in flight is in the journal. */
static void finish(struct pubd *p)
{
	int r;

	if (p->stop_timer)
		loop_timer_cancel(p->loop, p->stop_timer);
	p->stop_timer = 0;
	if (p->start_timer)
		loop_timer_cancel(p->loop, p->start_timer);
	p->start_timer = 0;
	mqtt_client_stop(p->client);
	p->connected = false;
	r = pubd_drain_compact(p);
	if (r < 0)
		log_warn("cannot compact the in-flight journal: %s; its records stay valid",
		    strerror(-r));
	loop_stop(p->loop);
}

static void on_stop_timer(struct loop *l, void *arg)
{
	struct pubd *p = arg;

	p->stop_timer = 0;
	log_notice("the broker did not acknowledge everything within %d ms; in-flight messages resume at the next start",
	    STOP_WAIT_MS);
	finish(p);
}

/* SIGTERM: offline status, a short wait, then stop. */
void pubd_client_shutdown(struct pubd *p)
{
	const char *why = "";

	if (p->stopping)
		return;
	p->stopping = true;
	if (p->connected && mqtt_client_publish(p->client, p->set.status_topic, "offline", 7, 1,
	    true, &pubd_status_offline, &why) == 0) {
		p->stop_timer = loop_timer_add(p->loop, STOP_WAIT_MS, on_stop_timer, p);
		if (p->stop_timer)
			return;
	}
	finish(p);
}
