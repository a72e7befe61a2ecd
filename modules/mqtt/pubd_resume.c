/* pubd_resume.c: putting messages back into a client, with the packet
 * ids they had.
 *
 * At start, from the journal: the events it proves delivered are
 * deleted and the QoS 2 messages it says were in flight go back into the
 * client before it connects, each only if the event in the spool is the
 * very one the record names (seq and identity: seqs repeat after a power
 * cut). After a reload that replaced the client, from the old client:
 * what was in flight keeps its packet id, what was queued is queued
 * again with the new topic prefix and QoS. An item the new client cannot
 * take goes back to the drain (pubd_drain_give_back), never freed with
 * its event forgotten until a restart. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pubd.h"

/* Delete the events the journal proves delivered (a power loss undid
 * their deletion), if they are still the same events. */
static void forget_delivered(struct pubd *p, const struct pubd_restore *done, size_t n)
{
	struct spool_event ev;
	struct spool_ref *refs;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (spool_list(p->spool, done[i].seq - 1, 1, &refs, &k) < 0)
			continue;
		if (k == 1 && refs[0].seq == done[i].seq &&
		    pubd_drain_read(p, &refs[0], done[i].ident, &ev) == 1) {
			spool_event_clear(&ev);
			if (spool_delete(p->spool, &refs[0]) == 0)
				log_notice("event %s was delivered before the restart: deleted now",
				    refs[0].file);
		}
		free(refs);
	}
}

/* Put back what the journal says was in flight. */
int pubd_drain_restore(struct pubd *p, const struct pubd_replay *rp)
{
	const struct pubd_restore *rs = rp->live;
	struct spool_ref *refs = NULL;
	size_t n = rp->nlive, nrefs = 0, i, k = 0, restored = 0;
	uint64_t span;
	int r = 0;

	forget_delivered(p, rp->done, rp->ndone);
	if (n == 0)
		return 0;
	span = rs[n - 1].seq - rs[0].seq + 1;
	r = spool_list(p->spool, rs[0].seq - 1, span < (1u << 20) ? (size_t)span : (1u << 20),
	    &refs, &nrefs);
	if (r < 0) {
		log_err("cannot list %s: %s", spool_new_dir(p->spool), strerror(-r));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct spool_event ev;
		struct pubd_item *it;

		while (k < nrefs && refs[k].seq < rs[i].seq)
			k++;
		if (k == nrefs || refs[k].seq != rs[i].seq)
			continue;	/* delivered and deleted, or evicted */
		if (pubd_drain_is_held(p, refs[k].seq))
			continue;
		if (pubd_drain_read(p, &refs[k], rs[i].ident, &ev) != 1)
			continue;
		it = pubd_item_new(&refs[k], &ev, &p->set, 2);
		if (!it) {
			spool_event_clear(&ev);
			r = -ENOMEM;
			break;
		}
		it->packet_id = rs[i].packet_id;
		it->stage = rs[i].stage;
		it->journaled = true;
		r = mqtt_client_restore(p->client, it->topic, ev.payload, ev.len, 2, false, it,
		    it->packet_id, it->stage);
		spool_event_clear(&ev);
		if (r < 0) {
			log_err("cannot restore event %s (packet id %u): %s", it->ref.file,
			    it->packet_id, strerror(-r));
			pubd_item_free(it);
			break;
		}
		pubd_drain_hold(p, it);
		restored++;
	}
	free(refs);
	if (restored)
		log_notice("resuming %zu QoS 2 message(s) in flight before the restart",
		    restored);
	return r < 0 ? -1 : 0;
}

/* Read a carried item's event; false when it is not there to carry (gone,
 * deferred or set aside: the drain knows already, and has the item back
 * or it is freed). */
static bool read_carried(struct pubd *p, struct pubd_item *it, struct spool_event *ev)
{
	int r = pubd_drain_read(p, &it->ref, it->ident, ev);

	if (r == 1)
		return true;
	if (r == 2 || r < 0)
		pubd_drain_give_back(p, it);
	else
		pubd_item_free(it);
	return false;
}

/* Give an in-flight item to the new client with its packet id. */
static void carry_inflight(struct pubd *p, struct pubd_item *it, uint16_t pid,
    enum mqtt_stage stage)
{
	struct spool_event ev;
	int r;

	if (!read_carried(p, it, &ev))
		return;
	if (pid != it->packet_id || stage != it->stage) {
		it->journaled = false;
		p->journal_due = true;
	}
	it->packet_id = pid;
	it->stage = stage;
	r = mqtt_client_restore(p->client, it->topic, ev.payload, ev.len, it->qos, false, it,
	    pid, stage);
	spool_event_clear(&ev);
	if (r < 0) {
		log_err("cannot carry event %s (packet id %u) to the new client: %s; offered again as a new message",
		    it->ref.file, pid, strerror(-r));
		pubd_drain_give_back(p, it);
		return;
	}
	pubd_drain_hold(p, it);
}

/* Queue a queued item again, with the current topic prefix and QoS. */
static void carry_queued(struct pubd *p, struct pubd_item *it)
{
	struct spool_event ev;
	const char *why = "";
	char *topic;
	int r;

	if (!read_carried(p, it, &ev))
		return;
	topic = pubd_topic(&p->set, ev.kind, ev.name);
	if (topic) {
		free(it->topic);
		it->topic = topic;
	}
	it->qos = p->set.qos;
	it->packet_id = 0;
	it->stage = 0;
	it->journaled = false;
	r = mqtt_client_publish(p->client, it->topic, ev.payload, ev.len, it->qos, false, it,
	    &why);
	spool_event_clear(&ev);
	if (r < 0) {
		log_warn("event %s: the new client does not take it (%s); offered again",
		    it->ref.file, why);
		pubd_drain_give_back(p, it);
		return;
	}
	pubd_drain_hold(p, it);
}

/* A new client replaced the old one: hand it what the old one held. */
void pubd_drain_handover(struct pubd *p, struct pubd_item *const *inflight,
    const uint16_t *pid, const enum mqtt_stage *stage, size_t n)
{
	struct pubd_itemq q;
	struct pubd_item *it;
	size_t i;

	pubd_drain_take_all(p, &q);
	for (i = 0; i < n; i++) {
		TAILQ_REMOVE(&q, inflight[i], link);
		carry_inflight(p, inflight[i], pid[i], stage[i]);
	}
	while ((it = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, it, link);
		carry_queued(p, it);
	}
}
