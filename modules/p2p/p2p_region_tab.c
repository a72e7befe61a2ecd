/* p2p_region_tab.c: the member table of a region transfer and its
 * ranking kept per piece (p2p_region_tab.h). (owner: region) */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p2p_region_tab.h"
#include "p2p_rendezvous.h"

#define TOP	P2P_RTAB_TOP
#define NONE	P2P_RTAB_NONE

void p2p_rtab_name(const char *in, char out[64])
{
	size_t k = 0;

	for (; in[k] && k < 63; k++)
		out[k] = in[k] >= 0x20 && in[k] < 0x7f ? in[k] : '?';
	out[k] = '\0';
}

static uint64_t score(const struct p2p_rtab *t, uint32_t slot, uint32_t piece)
{
	return p2p_rv_score(t->m[slot].key, piece);
}

/* Put slot into piece's list where its score falls, if it makes it. */
static void top_insert(struct p2p_rtab *t, uint32_t piece, uint32_t slot)
{
	uint32_t *l = t->top + (size_t)piece * TOP;
	uint64_t s = score(t, slot, piece);
	size_t i;

	for (i = 0; i < TOP; i++)
		if (l[i] == NONE || score(t, l[i], piece) < s)
			break;
	if (i == TOP)
		return;
	memmove(l + i + 1, l + i, (TOP - 1 - i) * sizeof(*l));
	l[i] = slot;
}

static void top_fill(struct p2p_rtab *t, uint32_t piece)
{
	uint32_t *l = t->top + (size_t)piece * TOP;

	for (size_t i = 0; i < TOP; i++)
		l[i] = NONE;
	for (size_t i = 0; i < t->live; i++)
		top_insert(t, piece, t->idx[i]);
}

/* slot has left (already out of idx): the lists that held it rank again. */
static void top_remove(struct p2p_rtab *t, uint32_t slot)
{
	for (uint32_t p = 0; t->top && p < t->npieces; p++) {
		uint32_t *l = t->top + (size_t)p * TOP;

		for (size_t i = 0; i < TOP; i++) {
			if (l[i] != slot)
				continue;
			if (t->live >= TOP)
				top_fill(t, p);	/* one outside the list moves up */
			else {
				memmove(l + i, l + i + 1, (TOP - 1 - i) * sizeof(*l));
				l[TOP - 1] = NONE;
			}
			break;
		}
	}
}

/* Where name is in idx, or where it would go. */
static size_t idx_pos(const struct p2p_rtab *t, const char *name, bool *found)
{
	size_t lo = 0, hi = t->live;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->m[t->idx[mid]].name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t p2p_rtab_find(const struct p2p_rtab *t, const char *node)
{
	char name[64];
	bool found;
	size_t i;

	p2p_rtab_name(node, name);
	i = idx_pos(t, name, &found);
	return found ? t->idx[i] : NONE;
}

/* A new member named name (canonical, absent): its slot, or NONE. */
static uint32_t add(struct p2p_rtab *t, const char *name)
{
	uint32_t slot;
	size_t pos;
	bool found;

	if (t->live >= P2P_RTAB_MAX)
		return NONE;
	for (slot = 1; slot < t->nm && t->m[slot].used; slot++)
		;
	if (slot == t->nm) {
		if (t->nm == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 16;
			struct p2p_rmember *m = reallocarray(t->m, cap, sizeof(*m));
			uint32_t *idx;

			if (!m)
				return NONE;
			t->m = m;
			idx = reallocarray(t->idx, cap, sizeof(*idx));
			if (!idx)
				return NONE;
			t->idx = idx;
			t->cap = cap;
		}
		t->nm++;
	}
	memset(&t->m[slot], 0, sizeof(t->m[slot]));
	memcpy(t->m[slot].name, name, sizeof(t->m[slot].name));
	t->m[slot].key = p2p_rv_key(t->ih, 20, name, strlen(name));
	t->m[slot].used = true;
	pos = idx_pos(t, name, &found);
	memmove(t->idx + pos + 1, t->idx + pos, (t->live - pos) * sizeof(*t->idx));
	t->idx[pos] = slot;
	t->live++;
	for (uint32_t p = 0; t->top && p < t->npieces; p++)
		top_insert(t, p, slot);
	return slot;
}

static void drop(struct p2p_rtab *t, uint32_t slot)
{
	bool found;
	size_t pos = idx_pos(t, t->m[slot].name, &found);

	if (!found || slot == 0)
		return;
	memmove(t->idx + pos, t->idx + pos + 1, (t->live - pos - 1) * sizeof(*t->idx));
	t->live--;
	t->m[slot].used = false;
	t->m[slot].peer = NULL;
	top_remove(t, slot);
}

int p2p_rtab_init(struct p2p_rtab *t, const uint8_t ih[20], uint32_t npieces, const char *self)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->ih, ih, 20);
	t->npieces = npieces;
	t->m = calloc(16, sizeof(*t->m));
	t->idx = calloc(16, sizeof(*t->idx));
	if (!t->m || !t->idx) {
		p2p_rtab_free(t);
		return -ENOMEM;
	}
	t->cap = 16;
	t->nm = 1;
	p2p_rtab_name(self, t->m[0].name);
	t->m[0].key = p2p_rv_key(ih, 20, t->m[0].name, strlen(t->m[0].name));
	t->m[0].used = true;
	t->live = 1;
	/* without the lists the answers are the same, only dearer */
	t->top = npieces ? calloc((size_t)npieces * TOP, sizeof(*t->top)) : NULL;
	for (uint32_t p = 0; t->top && p < npieces; p++)
		top_fill(t, p);
	return 0;
}

void p2p_rtab_free(struct p2p_rtab *t)
{
	if (!t)
		return;
	free(t->m);
	free(t->idx);
	free(t->top);
	memset(t, 0, sizeof(*t));
}

int p2p_rtab_heard(struct p2p_rtab *t, const struct p2p_lsd_member *lm, uint64_t now)
{
	struct p2p_rmember *m;
	char name[64];
	uint32_t slot;
	bool found, fresh = false;
	size_t i;

	p2p_rtab_name(lm->node, name);
	i = idx_pos(t, name, &found);
	if (found && t->idx[i] == 0)
		return 0;	/* another daemon with our name: it cannot rank apart */
	if (found) {
		slot = t->idx[i];
	} else if ((slot = add(t, name)) == NONE) {
		return t->live >= P2P_RTAB_MAX ? -ENOSPC : -ENOMEM;
	} else {
		fresh = true;
	}
	m = &t->m[slot];
	/* first heard counts as news, like a peer that just came */
	if (!m->lsd || lm->have > m->have || lm->npieces != m->npieces)
		m->grew_ms = now;
	m->lsd = true;
	m->have = lm->have;
	m->npieces = lm->npieces;
	m->every_ms = lm->every_ms;
	m->heard_ms = now;
	return fresh;
}

void p2p_rtab_peers_begin(struct p2p_rtab *t)
{
	for (size_t i = 0; i < t->nm; i++)
		t->m[i].peer = NULL;
}

int p2p_rtab_peer_add(struct p2p_rtab *t, const char *node, const void *peer)
{
	char name[64];
	uint32_t slot;
	bool found;
	size_t i;

	p2p_rtab_name(node, name);
	if (!name[0])
		return 0;
	i = idx_pos(t, name, &found);
	if (found && t->idx[i] == 0)
		return 0;
	slot = found ? t->idx[i] : add(t, name);
	if (slot == NONE)
		return t->live >= P2P_RTAB_MAX ? -ENOSPC : -ENOMEM;
	if (!t->m[slot].peer)
		t->m[slot].peer = peer;
	return !found;
}

void p2p_rtab_peers_end(struct p2p_rtab *t)
{
	for (uint32_t s = 1; s < t->nm; s++)
		if (t->m[s].used && !t->m[s].lsd && !t->m[s].peer)
			drop(t, s);
}

size_t p2p_rtab_expire(struct p2p_rtab *t, uint64_t now)
{
	size_t gone = 0;

	for (uint32_t s = 1; s < t->nm; s++) {
		struct p2p_rmember *m = &t->m[s];

		if (!m->used || !m->lsd || now - m->heard_ms <= 3ull * m->every_ms)
			continue;
		m->lsd = false;
		if (!m->peer) {
			drop(t, s);
			gone++;
		}
	}
	return gone;
}

uint32_t p2p_rtab_owner(const struct p2p_rtab *t, uint32_t piece, p2p_rtab_live_fn live,
    void *arg)
{
	uint32_t best = 0;
	uint64_t bs;

	if (t->top && piece < t->npieces) {
		const uint32_t *l = t->top + (size_t)piece * TOP;

		for (size_t i = 0; i < TOP && l[i] != NONE; i++)
			if (l[i] == 0 || live(&t->m[l[i]], arg))
				return l[i];
	}
	/* all those listed are stalled (or no lists): rank everyone */
	bs = score(t, 0, piece);
	for (size_t i = 0; i < t->live; i++) {
		uint32_t s = t->idx[i];
		uint64_t v = score(t, s, piece);

		if (s != 0 && v > bs && live(&t->m[s], arg)) {
			best = s;
			bs = v;
		}
	}
	return best;
}
