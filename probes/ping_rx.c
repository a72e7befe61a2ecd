/* ping_rx.c: replies, errors and TX stamps back to their targets.
 *
 * A reply counts for a target only when it comes from the target's
 * address, carries our id (raw sockets; the kernel filters ping sockets)
 * and our cookie, and names a probe that target has sent. Everything
 * else is counted in p->ign and otherwise ignored: another pinger's
 * replies must never make a dead host look alive. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ping_int.h"

/* Error-queue and receive-queue entries handled per wakeup, so that one
 * busy socket cannot starve the rest of the loop. */
#define RX_BATCH	512

static const uint8_t *sa_addr(const struct sockaddr_storage *ss, int *family)
{
	*family = ss->ss_family;
	if (ss->ss_family == AF_INET)
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	if (ss->ss_family == AF_INET6)
		return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	return NULL;
}

/* The probe of target t a sequence number names, when the payload did
 * not survive (an error quoting only 8 bytes): the latest one sent with
 * those low 16 bits. */
static bool probe_of_seq(const struct ping_target *t, uint16_t seq, uint32_t *probe)
{
	if (!t->next)
		return false;
	uint32_t last = t->next - 1;
	uint32_t back = (uint16_t)((uint16_t)(last + 1) - seq);

	if (back > last)
		return false;
	*probe = last - back;
	return true;
}

static void on_stamp(struct ping *p, const struct probe_icmp_err *e)
{
	size_t slot = e->key;

	if (slot >= p->n * (size_t)p->count || !(p->pflags[slot] & PF_SENT) ||
	    (p->pflags[slot] & (PF_KTX | PF_ANSWERED)))
		return;
	/* A stamp must follow the send it claims, closely: anything else
	 * is a key that does not mean what we think, and is not used. */
	if (e->ts_ns < p->tx_ns[slot] || e->ts_ns - p->tx_ns[slot] > 1000000000)
		return;
	p->tx_ns[slot] = e->ts_ns;
	p->pflags[slot] |= PF_KTX;
}

/* An ICMP error about one of our requests to qdst. */
static void on_error(struct ping *p, int family, const uint8_t *qdst,
    const struct probe_icmp_msg *m, const struct sockaddr_storage *from, uint8_t type,
    uint8_t code)
{
	uint32_t i, probe;
	struct ping_target *t;
	int ffam;
	const uint8_t *fa;

	if (m->has_mark && memcmp(m->cookie, p->cookie, sizeof(p->cookie))) {
		p->ign.foreign++;
		return;
	}
	i = ping_table_find(&p->table, p->t, family, qdst, m->has_mark ? m->target : UINT32_MAX);
	if (i == UINT32_MAX) {
		p->ign.unknown++;
		return;
	}
	t = &p->t[i];
	if (m->has_mark ? (m->probe >= t->next || (uint16_t)(m->probe + 1) != m->seq) :
	    !probe_of_seq(t, m->seq, &probe)) {
		p->ign.unknown++;
		return;
	}
	if (m->has_mark)
		probe = m->probe;
	if (t->state == PT_REPORTED) {
		p->ign.after++;
		return;
	}
	p->pflags[(size_t)i * p->count + probe] |= PF_ERROR;
	t->st.errors++;
	t->err_type = type;
	t->err_code = code;
	if ((fa = sa_addr(from, &ffam))) {
		t->has_err_from = 1;
		t->err_family = (uint8_t)ffam;
		memcpy(t->err_from, fa, ffam == AF_INET ? 4 : 16);
	}
}

static void drain_errq(struct ping *p, struct probe_icmp_sock *s)
{
	struct probe_icmp_err e;
	struct probe_icmp_msg m;

	for (int k = 0; k < RX_BATCH; k++) {
		int rc = probe_icmp_recv_err(s, p->rbuf, p->rbuf_cap, &e);
		int family;
		const uint8_t *qdst;

		if (rc == -ENOMSG)
			continue;
		if (rc < 0)
			return;
		if (e.is_stamp) {
			on_stamp(p, &e);
			continue;
		}
		/* A ping socket's ICMP error: our request and where it went. */
		if (probe_icmp_parse_request(s->family, p->rbuf, e.len, &m) < 0 ||
		    !(qdst = sa_addr(&e.dst, &family)) || family != s->family) {
			p->ign.malformed++;
			continue;
		}
		if (e.has_offender)
			on_error(p, family, qdst, &m, &e.offender, e.type, e.code);
		else
			on_error(p, family, qdst, &m, &e.dst, e.type, e.code);
	}
}

static void on_reply(struct ping *p, struct probe_icmp_sock *s, const struct probe_icmp_msg *m,
    const struct probe_icmp_rx *rx)
{
	int family;
	const uint8_t *from = sa_addr(&rx->from, &family);
	struct ping_target *t;
	size_t slot;
	uint32_t i;

	if ((s->raw && m->id != s->id) || !m->has_mark ||
	    memcmp(m->cookie, p->cookie, sizeof(p->cookie))) {
		p->ign.foreign++;
		return;
	}
	if (!from || family != s->family ||
	    (i = ping_table_find(&p->table, p->t, family, from, m->target)) != m->target) {
		p->ign.unknown++;
		return;
	}
	t = &p->t[i];
	if (m->probe >= t->next || (uint16_t)(m->probe + 1) != m->seq) {
		p->ign.unknown++;
		return;
	}
	if (t->state == PT_REPORTED) {
		p->ign.after++;
		return;
	}
	slot = (size_t)i * p->count + m->probe;
	if (p->pflags[slot] & PF_ANSWERED) {
		t->st.dup++;
		ping_report_reply(p, i, m->probe, 0, -1, true);
		return;
	}
	/* The TX stamp may still sit behind this reply on the error queue. */
	if (s->tx_kernel && !(p->pflags[slot] & PF_KTX))
		drain_errq(p, s);
	p->pflags[slot] |= PF_ANSWERED;

	int64_t rtt = rx->rx_ns - p->tx_ns[slot];

	if (rtt < 0)
		rtt = 0;
	if (rtt > p->timeout_ns) {
		t->st.late++;
		return;
	}
	uint8_t ts = (p->pflags[slot] & PF_KTX) && rx->rx_kernel ? 0 : rx->rx_kernel ? 1 : 2;

	if (ts > t->tstamp)
		t->tstamp = ts;
	t->ttl = (int16_t)(m->ttl >= 0 ? m->ttl : rx->ttl);
	if (rx->has_dst) {
		memcpy(t->src, rx->dst, family == AF_INET ? 4 : 16);
		t->has_src = 1;
	}
	double ms = (double)rtt / 1e6;

	probe_stats_add(&t->st, ms);
	ping_report_reply(p, i, m->probe, ms, t->ttl, false);
	if (t->st.received == p->count)
		ping_done(p, i);
}

static void on_packet(struct ping *p, struct probe_icmp_sock *s, const struct probe_icmp_rx *rx)
{
	struct probe_icmp_msg m;
	int rc = probe_icmp_parse(s->family, s->raw && s->family == AF_INET, p->rbuf, rx->len, &m);

	if (rc == -EPROTO) {
		p->ign.cksum++;
		return;
	}
	if (rc < 0) {
		p->ign.malformed++;
		return;
	}
	switch (m.kind) {
	case PROBE_ICMP_REPLY:
		on_reply(p, s, &m, rx);
		break;
	case PROBE_ICMP_ERROR:
		/* Raw sockets see every error on the host; ours carry our id. */
		if (m.id != s->id) {
			p->ign.foreign++;
			break;
		}
		on_error(p, s->family, m.qdst, &m, &rx->from, m.type, m.code);
		break;
	default:
		p->ign.foreign++;
		break;
	}
}

void ping_rx(struct ping *p, struct probe_icmp_sock *s)
{
	struct probe_icmp_rx rx;

	drain_errq(p, s);
	for (int k = 0; k < RX_BATCH; k++) {
		if (probe_icmp_recv(s, p->rbuf, p->rbuf_cap, &rx) < 0)
			break;
		on_packet(p, s, &rx);
	}
}
