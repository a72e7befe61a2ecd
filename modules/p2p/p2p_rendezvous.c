/* p2p_rendezvous.c: highest-random-weight owners of pieces.
 * (owner: region) */
#include "config.h"

#include <openssl/evp.h>
#include <string.h>

#include "p2p_rendezvous.h"

uint64_t p2p_rv_key(const uint8_t *info_hash, size_t ihlen, const void *name, size_t namelen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint64_t k = 0;
	int ok;

	/* a cryptographic digest: names chosen by operators ("dev1",
	 * "dev2") must not give correlated keys */
	ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(c, info_hash, ihlen) && EVP_DigestUpdate(c, "", 1) &&
	    EVP_DigestUpdate(c, name, namelen) && EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	if (!ok)
		return 0;	/* out of memory: every such member ties, still valid */
	for (int i = 0; i < 8; i++)
		k = k << 8 | md[i];
	return k;
}

/* The finaliser of SplitMix64: every input bit flips about half the
 * output bits, which is what makes max-of-scores fair. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t p2p_rv_score(uint64_t key, uint32_t piece)
{
	return mix64(key ^ mix64(0x9e3779b97f4a7c15ull * ((uint64_t)piece + 1)));
}

size_t p2p_rv_owner(const uint64_t *keys, size_t n, uint32_t piece)
{
	size_t best = SIZE_MAX;
	uint64_t bs = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t s = p2p_rv_score(keys[i], piece);

		if (best == SIZE_MAX || s > bs) {
			best = i;
			bs = s;
		}
	}
	return best;
}

size_t p2p_rv_rank(const uint64_t *keys, size_t n, uint32_t piece, size_t *out, size_t k)
{
	uint64_t sc[16];
	size_t m = 0;

	if (k > n)
		k = n;
	if (k > sizeof(sc) / sizeof(sc[0]))
		k = sizeof(sc) / sizeof(sc[0]);
	/* insertion into a short sorted list: k is 1 to 3 in practice */
	for (size_t i = 0; i < n && k; i++) {
		uint64_t s = p2p_rv_score(keys[i], piece);
		size_t j;

		if (m == k && s <= sc[m - 1])
			continue;
		if (m < k)
			m++;
		for (j = m - 1; j > 0 && sc[j - 1] < s; j--) {
			sc[j] = sc[j - 1];
			out[j] = out[j - 1];
		}
		sc[j] = s;
		out[j] = i;
	}
	return m;
}
