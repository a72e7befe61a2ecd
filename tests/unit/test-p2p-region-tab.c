/* test-p2p-region-tab: the member table of a region transfer. Members
 * come by LSD and by connection and are one entry per node id; LSD
 * members leave after three silent intervals; every member, each with
 * its own table built in its own order, names the same owner for each
 * piece; the per-piece lists kept through joins and leaves answer what
 * a full rank over the live members answers. Randomized: prints its
 * seed (OUTPOST_SEED to repeat). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "p2p_region_tab.h"
#include "p2p_rendezvous.h"

#define NP	2000
#define NM	24

static const uint8_t ih[20] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };

static struct p2p_lsd_member lm(const char *node, uint32_t have)
{
	struct p2p_lsd_member m = { .have = have, .npieces = NP, .every_ms = 3000 };

	snprintf(m.node, sizeof(m.node), "%s", node);
	snprintf(m.region, sizeof(m.region), "a");
	return m;
}

static bool all_live(const struct p2p_rmember *m, void *arg)
{
	(void)m;
	(void)arg;
	return true;
}

/* stalled: the names in arg (a NULL-ended list) deliver nothing */
static bool not_stalled(const struct p2p_rmember *m, void *arg)
{
	for (const char *const *s = arg; *s; s++)
		if (!strcmp(m->name, *s))
			return false;
	return true;
}

/* The owner by a full rank over every live slot (the reference). */
static const char *brute_owner(const struct p2p_rtab *t, uint32_t piece)
{
	uint64_t keys[256];
	const char *names[256];
	size_t n = 0;

	for (size_t i = 0; i < t->nm && n < 256; i++) {
		if (!t->m[i].used)
			continue;
		keys[n] = p2p_rv_key(ih, 20, t->m[i].name, strlen(t->m[i].name));
		names[n++] = t->m[i].name;
	}
	return names[p2p_rv_owner(keys, n, piece)];
}

static void test_table(void)
{
	struct p2p_rtab t;
	struct p2p_lsd_member m;
	int peer1, peer2;
	uint32_t s;

	is_int(p2p_rtab_init(&t, ih, NP, "me"), 0, "a table of us alone");
	is_int((int)t.live, 1, "... one member");
	m = lm("dev1", 0);
	is_int(p2p_rtab_heard(&t, &m, 1000), 1, "LSD: a newcomer");
	is_int(p2p_rtab_heard(&t, &m, 2000), 0, "... heard again: a refresh");
	s = p2p_rtab_find(&t, "dev1");
	ok(s != P2P_RTAB_NONE && t.m[s].heard_ms == 2000 && t.m[s].grew_ms == 1000,
	    "... heard now, grown when it came");
	m.have = 5;
	p2p_rtab_heard(&t, &m, 3000);
	ok(t.m[s].grew_ms == 3000 && t.m[s].have == 5, "its count grew: grown now");
	p2p_rtab_heard(&t, &m, 4000);
	ok(t.m[s].grew_ms == 3000, "the same count: not grown");
	m = lm("me", 0);
	is_int(p2p_rtab_heard(&t, &m, 4000), 0, "our own name is not a member");
	is_int((int)t.live, 2, "... we and dev1");

	/* a connected peer of the same node is the same member */
	p2p_rtab_peers_begin(&t);
	is_int(p2p_rtab_peer_add(&t, "dev1", &peer1), 0, "connected dev1: no newcomer");
	is_int(p2p_rtab_peer_add(&t, "dev2", &peer2), 1, "connected dev2: a newcomer");
	is_int(p2p_rtab_peer_add(&t, "me", &peer2), 0, "a peer with our name: not a member");
	p2p_rtab_peers_end(&t);
	is_int((int)t.live, 3, "we, dev1 (LSD and connected), dev2");
	ok(t.m[s].peer == &peer1 && t.m[s].lsd, "dev1 is one entry with both");

	/* expiry: three intervals of silence */
	is_int((int)p2p_rtab_expire(&t, 4000 + 9000), 0, "9 s silent (3 intervals): stays");
	p2p_rtab_peers_begin(&t);
	p2p_rtab_peer_add(&t, "dev2", &peer2);
	p2p_rtab_peers_end(&t);
	is_int((int)t.live, 3, "dev1 disconnected but heard: stays");
	is_int((int)p2p_rtab_expire(&t, 4000 + 9001), 1, "past 3 intervals: dev1 leaves");
	is_int((int)(p2p_rtab_find(&t, "dev1") == P2P_RTAB_NONE), 1, "... not found");
	m = lm("dev2", 1);
	p2p_rtab_heard(&t, &m, 20000);
	is_int((int)p2p_rtab_expire(&t, 40000), 0, "dev2 silent but connected: stays");
	s = p2p_rtab_find(&t, "dev2");
	ok(s != P2P_RTAB_NONE && !t.m[s].lsd, "... as a connected member only");
	p2p_rtab_peers_begin(&t);
	p2p_rtab_peers_end(&t);
	is_int((int)t.live, 1, "disconnected too: only we are left");
	m = lm("dev1", 0);
	is_int(p2p_rtab_heard(&t, &m, 50000), 1, "dev1 back: a newcomer again");

	/* names as the extension handshake reads them */
	m = lm("d\xc3\xa9v", 0);
	p2p_rtab_heard(&t, &m, 50000);
	p2p_rtab_peers_begin(&t);
	is_int(p2p_rtab_peer_add(&t, "d??v", &peer1), 0, "UTF-8 by LSD = '?' by handshake");
	p2p_rtab_peers_end(&t);
	p2p_rtab_free(&t);

	/* a flood of made-up names stops at the cap */
	p2p_rtab_init(&t, ih, 8, "me");
	for (int i = 0; i < P2P_RTAB_MAX + 10; i++) {
		char n[16];

		snprintf(n, sizeof(n), "f%d", i);
		m = lm(n, 0);
		p2p_rtab_heard(&t, &m, 1000);
	}
	is_int((int)t.live, P2P_RTAB_MAX, "a flood of names: %d members at most", P2P_RTAB_MAX);
	p2p_rtab_free(&t);
	p2p_rtab_free(&t);
	ok(1, "freed twice");
}

/* NM members, each with its own table filled in its own order: the
 * same owner everywhere, the reference's, and the same among those not
 * stalled when the same members are. */
static void test_same_owner(void)
{
	static struct p2p_rtab t[NM];
	static const char *stalled[] = { "dev3", "dev7", "dev11", NULL };
	char name[NM][16];
	int diff = 0, ref = 0, sdiff = 0, sown = 0;

	for (int i = 0; i < NM; i++)
		snprintf(name[i], sizeof(name[i]), "dev%d", i);
	for (int i = 0; i < NM; i++) {
		p2p_rtab_init(&t[i], ih, NP, name[i]);
		for (int k = 0; k < NM; k++) {
			int j = (i * 7 + k * (i % 2 ? 5 : 11)) % NM;	/* another order */
			struct p2p_lsd_member m = lm(name[j], 0);

			p2p_rtab_heard(&t[i], &m, 1000);
		}
	}
	for (int i = 0; i < NM; i++)
		if (t[i].live != NM)
			diff++;
	is_int(diff, 0, "every table holds all %d members", NM);
	for (uint32_t p = 0; p < NP; p++) {
		const char *o0 = t[0].m[p2p_rtab_owner(&t[0], p, all_live, NULL)].name;
		const char *s0 = NULL;

		if (strcmp(o0, brute_owner(&t[0], p)))
			ref++;
		for (int i = 1; i < NM; i++)
			if (strcmp(t[i].m[p2p_rtab_owner(&t[i], p, all_live, NULL)].name, o0))
				diff++;
		for (int i = 0; i < NM; i++) {
			const char *o;

			if (!not_stalled(&t[i].m[0], stalled))
				continue;
			o = t[i].m[p2p_rtab_owner(&t[i], p, not_stalled, stalled)].name;
			if (!not_stalled(&t[i].m[p2p_rtab_find(&t[i], o)], stalled))
				sown++;
			if (!s0)
				s0 = o;
			else if (strcmp(o, s0))
				sdiff++;
		}
	}
	is_int(diff, 0, "%d members, %d pieces: the same owner on every member", NM, NP);
	is_int(ref, 0, "... the one a full rank names");
	is_int(sdiff, 0, "3 members stalled: the same next owner on every other member");
	is_int(sown, 0, "... never a stalled one");
	for (int i = 0; i < NM; i++)
		p2p_rtab_free(&t[i]);
}

/* Joins and leaves at random: the kept lists answer the reference. */
static void test_churn(unsigned seed)
{
	struct p2p_rtab t, bare;
	char name[16];
	int wrong = 0, wrong_bare = 0;
	uint64_t now = 1000;

	srand(seed);
	p2p_rtab_init(&t, ih, NP, "me");
	for (int step = 0; step < 300; step++) {
		struct p2p_lsd_member m;

		snprintf(name, sizeof(name), "n%d", rand() % 60);
		m = lm(name, 0);
		m.every_ms = 500 + (uint32_t)(rand() % 4) * 500;
		p2p_rtab_heard(&t, &m, now);
		now += (uint64_t)(rand() % 700);
		p2p_rtab_expire(&t, now);
		if (step % 30 != 29)
			continue;
		for (uint32_t p = 0; p < NP; p++)
			if (strcmp(t.m[p2p_rtab_owner(&t, p, all_live, NULL)].name,
			    brute_owner(&t, p)))
				wrong++;
	}
	diag("after churn: %zu members", t.live);
	is_int(wrong, 0, "300 joins and leaves: the kept lists answer a full rank");
	/* without lists (out of memory at init) the answers are the same */
	bare = t;
	bare.top = NULL;
	for (uint32_t p = 0; p < NP; p++)
		if (p2p_rtab_owner(&bare, p, all_live, NULL) != p2p_rtab_owner(&t, p, all_live, NULL))
			wrong_bare++;
	is_int(wrong_bare, 0, "... and a full rank without them");
	p2p_rtab_free(&t);
}

int main(void)
{
	const char *e = getenv("OUTPOST_SEED");
	unsigned seed = e ? (unsigned)strtoul(e, NULL, 10) : (unsigned)time(NULL);

	diag("seed %u", seed);
	test_table();
	test_same_owner();
	test_churn(seed);
	done_testing();
}
