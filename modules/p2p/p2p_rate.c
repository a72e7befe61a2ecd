/* p2p_rate.c: token buckets for rate limits and meters for rates.
 * (owner: engine) */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "loop.h"
#include "p2p_int.h"

void p2p_bucket_set(struct p2p_bucket *b, uint64_t rate)
{
	b->rate = rate;
	/* A quarter second of burst, but at least two whole blocks so one
	 * message always fits. */
	b->burst = (double)rate / 4;
	if (b->burst < 2.0 * (P2P_BLOCK + 13))
		b->burst = 2.0 * (P2P_BLOCK + 13);
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->last_ms = loop_now_ms();
}

size_t p2p_bucket_avail(struct p2p_bucket *b, uint64_t now)
{
	if (!b->rate)
		return SIZE_MAX;
	if (now > b->last_ms) {
		b->tokens += (double)b->rate * (double)(now - b->last_ms) / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ms = now;
	}
	return b->tokens > 0 ? (size_t)b->tokens : 0;
}

void p2p_bucket_spend(struct p2p_bucket *b, size_t n)
{
	if (b->rate)
		b->tokens -= (double)n;	/* may go below zero: paid back later */
}

/* Move the meter to now's slot, clearing the slots skipped. */
static void meter_roll(struct p2p_meter *m, uint64_t now)
{
	if (!m->slot_ms) {
		m->slot_ms = now;
		return;
	}
	while (now >= m->slot_ms + 1000) {
		m->cur = (m->cur + 1) % 5;
		m->slot[m->cur] = 0;
		m->slot_ms += 1000;
		if (now - m->slot_ms > 10000) {	/* long idle: start afresh */
			memset(m->slot, 0, sizeof(m->slot));
			m->slot_ms = now;
		}
	}
}

void p2p_meter_add(struct p2p_meter *m, uint64_t n, uint64_t now)
{
	meter_roll(m, now);
	m->slot[m->cur] += n;
	m->total += n;
}

double p2p_meter_rate(struct p2p_meter *m, uint64_t now)
{
	uint64_t sum = 0;
	double span;

	meter_roll(m, now);
	for (unsigned i = 0; i < 5; i++)
		sum += m->slot[i];
	/* four whole slots and the part of the current one */
	span = 4.0 + (double)(now - m->slot_ms) / 1000.0;
	return span > 0 ? (double)sum / span : 0;
}
