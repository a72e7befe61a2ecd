/* pubd_heartbeat.c: the heartbeat event.
 *
 * Every [mqtt] heartbeat the daemon records a "heartbeat" event in the
 * spool, so it takes the same durable path as every other event and a
 * broker outage shows as a run of queued heartbeats rather than a gap:
 *   {"uptime_s":N,"daemon_uptime_s":N,"load":[1m,5m,15m],
 *    "spool_depth":N,"spool_bytes":N,"dropped":N,"delivered":N}
 * uptime_s is the node's (/proc/uptime), daemon_uptime_s this process's;
 * spool_depth and spool_bytes count the events waiting (this one not
 * included), dropped those the spool evicted since it was made, and
 * delivered those acknowledged since the daemon started.
 *
 * A heartbeat only says "alive, and this is the state now": it never
 * pushes a real event out of a full spool (it is recorded with
 * SPOOL_NO_EVICT, and skipped when there is no room), and a new one
 * replaces the previous heartbeat if that one is still waiting in the
 * spool (not yet handed to the client), so a broker outage leaves one
 * heartbeat behind, not one per period. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "pubd.h"

static double node_uptime(void)
{
	FILE *f = fopen("/proc/uptime", "re");
	double up = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lf", &up) != 1 || !isfinite(up) || up < 0)
		up = 0;
	fclose(f);
	return up;
}

/* Delete the previous heartbeat if it still waits in the spool. */
static void replace_last(struct pubd *p)
{
	char file[SPOOL_FILE_MAX];
	struct spool_ref ref;
	uint64_t seq = p->hb_last;

	p->hb_last = 0;
	if (!seq || pubd_drain_is_held(p, seq))
		return;
	snprintf(file, sizeof(file), "%016llx.heartbeat", (unsigned long long)seq);
	if (spool_ref_parse(file, &ref, NULL, NULL) == 0)
		(void)spool_delete(p->spool, &ref);
}

/* What the broker link gives: the protocol in use and the QoS events go
 * at, lower than [mqtt] qos when the broker downgraded it. */
static void mqtt_status(const struct pubd *p, struct json *j)
{
	bool up = p->client && mqtt_client_connected(p->client);
	int version = p->client ? mqtt_client_version(p->client) : p->set.version;
	uint8_t qos = p->set.qos, max = p->client ? mqtt_client_max_qos(p->client) : 2;

	if (qos > max)
		qos = max;
	json_key(j, "mqtt");
	json_obj_begin(j);
	json_kv_bool(j, "connected", up);
	json_kv_str(j, "protocol", version == MQTT_V311 ? "3.1.1" : "5");
	json_kv_uint(j, "qos", qos);
	json_kv_bool(j, "downgraded", qos < p->set.qos);
	json_obj_end(j);
}

/* Record one heartbeat event now. */
int pubd_heartbeat_emit(struct pubd *p)
{
	struct spool_stats st = { 0 };
	double load[3] = { 0, 0, 0 };
	const char *text;
	struct json j;
	int r, i;

	r = spool_get_stats(p->spool, &st);
	if (r < 0)
		return r;
	if (getloadavg(load, 3) != 3)
		load[0] = load[1] = load[2] = 0;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_uint(&j, "uptime_s", (uint64_t)node_uptime());
	json_kv_uint(&j, "daemon_uptime_s", (loop_now_ms() - p->started_ms) / 1000);
	json_key(&j, "load");
	json_arr_begin(&j);
	for (i = 0; i < 3; i++)
		json_double(&j, (double)(long long)(load[i] * 100 + 0.5) / 100);
	json_arr_end(&j);
	json_kv_uint(&j, "spool_depth", st.count);
	json_kv_uint(&j, "spool_bytes", st.bytes);
	json_kv_uint(&j, "dropped", st.dropped);
	json_kv_uint(&j, "delivered", p->delivered);
	mqtt_status(p, &j);
	json_obj_end(&j);
	r = json_finish(&j, &text, NULL);
	if (r == 0) {
		struct spool_item item = { .kind = "heartbeat", .data_json = text };

		replace_last(p);
		r = spool_emit_batch(p->spool, &item, 1, SPOOL_NO_EVICT);
		if (r == 1) {
			p->hb_last = item.seq;
			r = 0;
		} else if (r >= 0) {
			r = item.result;
		}
	}
	json_free(&j);
	return r;
}

static void on_heartbeat(struct loop *l, void *arg)
{
	struct pubd *p = arg;
	int r;

	p->hb_timer = 0;
	r = pubd_heartbeat_emit(p);
	/* Said once per run of failures: at a short period it would flood. */
	if (r < 0 && !p->hb_failing)
		log_warn("cannot record a heartbeat in %s: %s%s", p->set.spool, strerror(-r),
		    r == -ENOSPC ? " (the spool is full of events; heartbeats never evict them)" : "");
	else if (r == 0 && p->hb_failing)
		log_notice("heartbeats are recorded again in %s", p->set.spool);
	p->hb_failing = r < 0;
	pubd_heartbeat_arm(p);
}

/* Start, restart (after a reload) or stop the heartbeat timer. */
void pubd_heartbeat_arm(struct pubd *p)
{
	if (p->hb_timer)
		loop_timer_cancel(p->loop, p->hb_timer);
	p->hb_timer = 0;
	if (p->set.heartbeat_ms && !p->stopping)
		p->hb_timer = loop_timer_add(p->loop, p->set.heartbeat_ms, on_heartbeat, p);
}
