/* p2p_choke.c: who we upload to. Four regular slots by the rate they
 * give us (leeching) or take from us (seeding), redone every 10 s, plus
 * one optimistic slot rotated every 30 s so a newcomer can prove itself.
 * A seed rotates its regular slots round-robin, so every leech gets a
 * turn. (owner: engine) */
#include "config.h"

#include <stdlib.h>

#include "p2p_int.h"

#define REGULAR	4

static int by_down(const void *a, const void *b)
{
	const struct p2p_peer *p = *(struct p2p_peer *const *)a, *q = *(struct p2p_peer *const *)b;

	return (p->down_rate < q->down_rate) - (p->down_rate > q->down_rate);
}

static int by_up(const void *a, const void *b)
{
	const struct p2p_peer *p = *(struct p2p_peer *const *)a, *q = *(struct p2p_peer *const *)b;

	return (p->up_rate < q->up_rate) - (p->up_rate > q->up_rate);
}

void p2p_choke_round(struct p2p_xfer *x, uint64_t now, bool rotate_opt)
{
	struct p2p_peer **v, *opt = NULL;
	size_t n = 0, k = 0;
	bool seeding = x->state == P2P_SEEDING;

	(void)now;
	for (struct p2p_peer *p = x->peers; p; p = p->next)
		if (p->st == PS_ACTIVE)
			n++;
	if (!n)
		return;
	v = calloc(n, sizeof(*v));
	if (!v)
		return;
	for (struct p2p_peer *p = x->peers; p; p = p->next) {
		if (p->st != PS_ACTIVE)
			continue;
		if (p->optimistic && !rotate_opt && p->peer_interested)
			opt = p;
		else
			p->optimistic = false;
		if (p->peer_interested && p != opt)
			v[k++] = p;
	}
	if (seeding && k) {
		/* round-robin: start where the last round stopped */
		size_t start = x->rr % k;
		struct p2p_peer **w = calloc(k, sizeof(*w));

		if (w) {
			for (size_t i = 0; i < k; i++)
				w[i] = v[(start + i) % k];
			for (size_t i = 0; i < k; i++)
				v[i] = w[i];
			free(w);
		}
		x->rr += REGULAR;
		/* among equals, the faster takers first inside the window */
		qsort(v, k < REGULAR ? k : REGULAR, sizeof(*v), by_up);
	} else if (k) {
		qsort(v, k, sizeof(*v), by_down);
	}
	/* the optimistic slot: a random one of those left choked */
	if (!opt && k > REGULAR) {
		size_t pick = REGULAR + (size_t)random() % (k - REGULAR);

		opt = v[pick];
		opt->optimistic = true;
		v[pick] = v[k - 1];
		k--;
	}
	for (size_t i = 0; i < k; i++)
		p2p_peer_choke(v[i], i >= REGULAR);
	if (opt)
		p2p_peer_choke(opt, false);
	for (struct p2p_peer *p = x->peers; p; p = p->next)
		if (p->st == PS_ACTIVE && !p->peer_interested && !p->am_choking)
			p2p_peer_choke(p, true);
	free(v);
}

void p2p_choke_interested(struct p2p_xfer *x, struct p2p_peer *p)
{
	unsigned open = 0;

	if (!p->am_choking)
		return;
	for (struct p2p_peer *q = x->peers; q; q = q->next)
		if (q->st == PS_ACTIVE && !q->am_choking)
			open++;
	if (open < REGULAR + 1)
		p2p_peer_choke(p, false);
}
