/* fuzz-shape-nft: any bytes as an nftables dump for shape_nft_read's parser.
 *
 * The input is a sequence of netlink messages (walked with nl_msg_ok/next
 * as shape_nft_read walks each reply buffer), every one handed to
 * shape_nft_parse_msg() in order, then turned into the model by
 * shape_nft_parse_finish(). What comes out must stay inside the model's
 * bounds: set indexes in range and of the rule's family, prefixes no
 * longer than their family, one counter per rule, and the model equal
 * to itself. The seeds (corpus/fuzz-shape-nft) are a real dump of a
 * table written by shape_nft_commit (tests/fuzz/shape-nft-corpus.py). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "nl.h"
#include "shape_nft_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct shape_knft *k)
{
	const struct shape_nft *n = &k->nft;

	if (!k->present && (n->nsets || n->nrules))
		abort();
	for (size_t i = 0; i < n->nsets; i++) {
		const struct shape_nft_set *s = &n->sets[i];
		unsigned bits = s->family == AF_INET6 ? 128 : 32;

		if (strnlen(s->name, sizeof(s->name)) == sizeof(s->name) ||
		    (s->family != 0 && s->family != AF_INET && s->family != AF_INET6) ||
		    (s->family == 0 && s->nelems))
			abort();
		for (size_t j = 0; j < s->nelems; j++)
			if (s->elems[j].family != s->family || s->elems[j].len > bits)
				abort();
	}
	for (size_t i = 0; i < n->nrules; i++) {
		const struct shape_nft_rule *r = &n->rules[i];
		int idx[2] = { r->saddr_set, r->daddr_set };

		if (strnlen(r->oif, sizeof(r->oif)) == sizeof(r->oif))
			abort();
		for (int j = 0; j < 2; j++)
			if (idx[j] < -1 || idx[j] >= (int)n->nsets ||
			    (idx[j] >= 0 && n->sets[idx[j]].family != r->family))
				abort();
		(void)k->rule_packets[i];
		(void)k->rule_bytes[i];
	}
	if (!shape_nft_equal(n, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shape_nft_parse p = { 0 };
	const struct nlmsghdr *nlh;
	struct shape_knft k;
	size_t left = size;
	void *copy;

	/* Exactly the input's length, so ASan sees any overread. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (nlh = copy; nl_msg_ok(nlh, left); nlh = nl_msg_next(nlh, &left))
		if (shape_nft_parse_msg(&p, nlh, left) < 0)
			break;
	if (shape_nft_parse_finish(&p, &k) == 0) {
		check(&k);
		shape_knft_free(&k);
	}
	shape_nft_parse_free(&p);
	free(copy);
	return 0;
}
