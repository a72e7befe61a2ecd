/* test-p2p-rendezvous: the owners of pieces in a region. Every member
 * gets a fair share; a member joining takes about 1/(n+1) of the pieces
 * and only from others; a member leaving moves only its own; the answer
 * does not depend on the order members are listed in, and another
 * torrent spreads differently. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "p2p_rendezvous.h"

#define NP 8192
#define MAXM 128

static const uint8_t ih_a[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
static const uint8_t ih_b[32] = { 0xaa, 0xbb };

static void keys_of(const uint8_t *ih, size_t ihlen, const int *ids, size_t n, uint64_t *keys)
{
	char name[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "dev%d", ids[i]);
		keys[i] = p2p_rv_key(ih, ihlen, name, strlen(name));
	}
}

/* owner[p]: the id (not the index) of piece p's owner. */
static void owners(const uint8_t *ih, size_t ihlen, const int *ids, size_t n, int *owner,
    uint32_t npieces)
{
	uint64_t keys[MAXM];

	keys_of(ih, ihlen, ids, n, keys);
	for (uint32_t p = 0; p < npieces; p++)
		owner[p] = ids[p2p_rv_owner(keys, n, p)];
}

static void test_fair(size_t n, uint32_t npieces, double tol)
{
	static int owner[100000];
	int ids[MAXM], count[MAXM] = { 0 }, lo = npieces, hi = 0;
	double share = (double)npieces / (double)n;

	for (size_t i = 0; i < n; i++)
		ids[i] = (int)i;
	owners(ih_a, 20, ids, n, owner, npieces);
	for (uint32_t p = 0; p < npieces; p++)
		count[owner[p]]++;
	for (size_t i = 0; i < n; i++) {
		if (count[i] < lo)
			lo = count[i];
		if (count[i] > hi)
			hi = count[i];
	}
	ok(lo >= share * (1 - tol) && hi <= share * (1 + tol),
	    "%zu members, %u pieces: shares %d..%d around %.0f (within %.0f %%)", n, npieces, lo,
	    hi, share, tol * 100);
}

int main(void)
{
	static int before[NP], after[NP];
	int ids[MAXM], moved = 0, to_new = 0, wrong = 0;
	uint64_t keys[MAXM];
	size_t rank[3];

	ok(p2p_rv_key(ih_a, 20, "dev1", 4) == p2p_rv_key(ih_a, 20, "dev1", 4),
	    "a key is a function of its inputs");
	ok(p2p_rv_key(ih_a, 20, "dev1", 4) != p2p_rv_key(ih_a, 20, "dev2", 4) &&
	   p2p_rv_key(ih_a, 20, "dev1", 4) != p2p_rv_key(ih_b, 32, "dev1", 4),
	    "... of the name and of the torrent");
	ok(p2p_rv_owner(keys, 0, 7) == SIZE_MAX, "no members: no owner");

	test_fair(2, NP, 0.05);
	test_fair(8, NP, 0.15);
	test_fair(16, NP, 0.20);
	test_fair(100, 100000, 0.15);

	/* a member joins: 8 -> 9 */
	for (int i = 0; i < 9; i++)
		ids[i] = i;
	owners(ih_a, 20, ids, 8, before, NP);
	owners(ih_a, 20, ids, 9, after, NP);
	for (int p = 0; p < NP; p++) {
		if (before[p] != after[p]) {
			moved++;
			to_new += after[p] == 8;
		}
	}
	ok(moved == to_new, "a member joining takes pieces, no others move (%d moved)", moved);
	ok(moved > NP / 9 * 0.8 && moved < NP / 9 * 1.2, "... about 1/9 of them (%d of %d)", moved,
	    NP);

	/* a member leaves: dev3 of 9 */
	{
		int rest[8], k = 0;

		for (int i = 0; i < 9; i++)
			if (i != 3)
				rest[k++] = i;
		owners(ih_a, 20, rest, 8, before, NP);
		owners(ih_a, 20, ids, 9, after, NP);
	}
	moved = 0;
	for (int p = 0; p < NP; p++) {
		if (before[p] != after[p]) {
			moved++;
			wrong += after[p] != 3;
		}
	}
	ok(moved > 0 && wrong == 0, "a member leaving moves only its own pieces (%d)", moved);

	/* the order members are listed in does not matter */
	{
		int rev[9];

		for (int i = 0; i < 9; i++)
			rev[i] = 8 - i;
		owners(ih_a, 20, rev, 9, before, NP);
		wrong = 0;
		for (int p = 0; p < NP; p++)
			wrong += before[p] != after[p];
		is_int(wrong, 0, "the same owners whatever the members' order");
	}

	/* another torrent: agreement with the first about 1/9 */
	owners(ih_b, 32, ids, 9, before, NP);
	moved = 0;
	for (int p = 0; p < NP; p++)
		moved += before[p] == after[p];
	ok(moved < NP / 9 * 1.3, "another torrent spreads differently (%d of %d agree)", moved, NP);

	/* rank: the first is the owner, the second owns it once the first
	 * has gone */
	keys_of(ih_a, 20, ids, 9, keys);
	wrong = 0;
	for (uint32_t p = 0; p < 1000; p++) {
		uint64_t rest[9];
		size_t k = 0, n = p2p_rv_rank(keys, 9, p, rank, 3);

		if (n != 3 || rank[0] != p2p_rv_owner(keys, 9, p) || rank[0] == rank[1] ||
		    rank[1] == rank[2] || rank[0] == rank[2] ||
		    p2p_rv_score(keys[rank[0]], p) < p2p_rv_score(keys[rank[1]], p) ||
		    p2p_rv_score(keys[rank[1]], p) < p2p_rv_score(keys[rank[2]], p)) {
			wrong++;
			continue;
		}
		for (size_t i = 0; i < 9; i++)
			if (i != rank[0])
				rest[k++] = keys[i];
		if (rest[p2p_rv_owner(rest, 8, p)] != keys[rank[1]])
			wrong++;
	}
	is_int(wrong, 0, "rank: best first, and the second takes over from the first");
	is_int((int)p2p_rv_rank(keys, 2, 5, rank, 3), 2, "rank asks for more than there are: n");
	done_testing();
}
