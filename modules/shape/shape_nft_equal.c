/* shape_nft_equal.c: the nft model read back (parsed interval elements
 * into prefixes, set names into indexes; prefixes to interval ends and
 * back, for the writer too), compared and freed. Equality
 * is what apply asks ("is the table already what the plan wants?"), so
 * it compares what the kernel does with packets: rules in order, sets
 * by name with their prefixes as sorted lists. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "shape_nft_int.h"

static void host_bits(struct shape_prefix *p, unsigned bytes, bool one)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = p->len >= (i + 1) * 8 ? 8 : p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t mask = keep ? (uint8_t)(0xffu << (8 - keep)) : 0;

		p->addr[i] = one ? (uint8_t)(p->addr[i] | ~mask) : (uint8_t)(p->addr[i] & mask);
	}
}

bool shape_nft_prefix_end(const struct shape_prefix *p, uint8_t hi[16])
{
	struct shape_prefix q = *p;
	unsigned bytes = shape_nft_addr_len(p->family);

	host_bits(&q, bytes, true);
	for (unsigned i = bytes; i-- > 0;) {
		if (++q.addr[i] != 0) {
			memcpy(hi, q.addr, bytes);
			return true;
		}
	}
	return false;  /* carried out of the top: open to the end */
}

int shape_nft_range_prefix(uint8_t family, const uint8_t *lo, const uint8_t *hi,
			   struct shape_prefix *out)
{
	unsigned bytes = shape_nft_addr_len(family);
	uint8_t end[16];

	for (unsigned len = 0; len <= bytes * 8; len++) {
		struct shape_prefix p = { .family = family, .len = (uint8_t)len };
		bool closed;

		memcpy(p.addr, lo, bytes);
		host_bits(&p, bytes, false);
		if (memcmp(p.addr, lo, bytes) != 0)
			continue;  /* lo has host bits at this length */
		closed = shape_nft_prefix_end(&p, end);
		if (hi ? closed && memcmp(end, hi, bytes) == 0 : !closed) {
			*out = p;
			return 0;
		}
	}
	return -EINVAL;
}

void shape_knft_free(struct shape_knft *k)
{
	if (!k)
		return;
	shape_nft_free(&k->nft);
	free(k->rule_packets);
	free(k->rule_bytes);
	memset(k, 0, sizeof(*k));
}

void shape_nft_parse_free(struct shape_nft_parse *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsets; i++)
		free(p->sets[i].el);
	free(p->sets);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

/* By key (zero past the key's length); at one key an interval's end
 * sorts before the next start (adjacent prefixes share that address). */
static int elem_cmp(const void *a, const void *b)
{
	const struct shape_nft_pelem *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof(x->key));

	return c ? c : (int)y->end - (int)x->end;
}

void shape_nft_pelem_sort(struct shape_nft_pelem *el, size_t n)
{
	if (n)
		qsort(el, n, sizeof(*el), elem_cmp);
}

/* Intervals back to prefixes: after any leading interval ends (the gap
 * below the first prefix), starts and ends alternate, and a last start
 * without an end runs to the top of the address space. */
static int set_prefixes(const struct shape_nft_pset *d, struct shape_nft_set *out)
{
	size_t i = 0, n = 0;

	shape_nft_pelem_sort(d->el, d->nel);
	out->elems = calloc(d->nel ? d->nel : 1, sizeof(out->elems[0]));
	if (!out->elems)
		return -ENOMEM;
	while (i < d->nel && d->el[i].end)
		i++;
	while (i < d->nel) {
		const uint8_t *hi = NULL;

		if (d->el[i].end)
			return -EINVAL;
		if (i + 1 < d->nel) {
			if (!d->el[i + 1].end)
				return -EINVAL;
			hi = d->el[i + 1].key;
		}
		if (shape_nft_range_prefix(d->family, d->el[i].key, hi, &out->elems[n]) < 0)
			return -EINVAL;
		n++;
		i += hi ? 2 : 1;
	}
	out->nelems = n;
	return 0;
}

static int set_index(const struct shape_nft *n, const char *name, uint8_t family, int *idx)
{
	*idx = -1;
	if (!name[0])
		return 0;
	for (size_t i = 0; i < n->nsets; i++)
		if (strcmp(n->sets[i].name, name) == 0 && n->sets[i].family == family) {
			*idx = (int)i;
			return 0;
		}
	return -ENOENT;
}

int shape_nft_parse_finish(struct shape_nft_parse *p, struct shape_knft *out)
{
	struct shape_nft *n = &out->nft;
	size_t nr = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->present = p->present;
	out->foreign = p->foreign || (p->present && !p->chain);
	if (!p->present)
		return 0;
	n->sets = calloc(p->nsets ? p->nsets : 1, sizeof(n->sets[0]));
	n->rules = calloc(p->nrules ? p->nrules : 1, sizeof(n->rules[0]));
	out->rule_packets = calloc(p->nrules ? p->nrules : 1, sizeof(uint64_t));
	out->rule_bytes = calloc(p->nrules ? p->nrules : 1, sizeof(uint64_t));
	if (!n->sets || !n->rules || !out->rule_packets || !out->rule_bytes)
		goto nomem;
	for (size_t i = 0; i < p->nsets; i++) {
		struct shape_nft_set *s = &n->sets[n->nsets];

		/* A set the model cannot say stays, as family 0 without
		 * elements: no model has one, so equality fails. */
		memcpy(s->name, p->sets[i].name, sizeof(s->name));
		s->family = p->sets[i].usable ? p->sets[i].family : 0;
		n->nsets++;
		if (!s->family)
			continue;
		rc = set_prefixes(&p->sets[i], s);
		if (rc == -ENOMEM)
			goto nomem;
		if (rc < 0) {
			out->foreign = true;  /* ranges the model cannot say */
			s->family = 0;
			s->nelems = 0;
		}
	}
	for (size_t i = 0; i < p->nrules; i++) {
		struct shape_nft_prule *pr = &p->rules[i];
		struct shape_nft_rule r = pr->r;

		if (r.family && (set_index(n, pr->sset, r.family, &r.saddr_set) < 0 ||
				 set_index(n, pr->dset, r.family, &r.daddr_set) < 0)) {
			/* A lookup of a set that is not ours: a foreign rule. */
			memset(&r, 0, sizeof(r));
			r.saddr_set = r.daddr_set = -1;
			out->foreign = true;
		}
		out->rule_packets[nr] = pr->packets;
		out->rule_bytes[nr] = pr->bytes;
		n->rules[nr++] = r;
	}
	n->nrules = nr;
	return 0;
nomem:
	shape_knft_free(out);
	return -ENOMEM;
}

/* ---- equality ---- */

static int prefix_cmp(const void *a, const void *b)
{
	const struct shape_prefix *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, sizeof(x->addr));

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return c ? c : (int)x->len - (int)y->len;
}

static int sorted(const struct shape_nft_set *s, struct shape_prefix **out)
{
	*out = malloc((s->nelems ? s->nelems : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	if (s->nelems) {
		memcpy(*out, s->elems, s->nelems * sizeof(**out));
		qsort(*out, s->nelems, sizeof(**out), prefix_cmp);
	}
	return 0;
}

static bool set_equal(const struct shape_nft_set *a, const struct shape_nft_set *b)
{
	struct shape_prefix *x = NULL, *y = NULL;
	bool eq = false;

	if (a->family != b->family || a->nelems != b->nelems)
		return false;
	if (sorted(a, &x) == 0 && sorted(b, &y) == 0) {
		eq = true;
		for (size_t i = 0; eq && i < a->nelems; i++)
			eq = prefix_cmp(&x[i], &y[i]) == 0;
	}
	free(x);
	free(y);
	return eq;
}

static const char *set_name(const struct shape_nft *n, int idx)
{
	return idx >= 0 && (size_t)idx < n->nsets ? n->sets[idx].name : "";
}

static bool rule_equal(const struct shape_nft *na, const struct shape_nft_rule *a,
		       const struct shape_nft *nb, const struct shape_nft_rule *b)
{
	if (strncmp(a->oif, b->oif, sizeof(a->oif)) != 0 || a->family != b->family ||
	    a->ipproto != b->ipproto || a->priority != b->priority ||
	    strcmp(set_name(na, a->saddr_set), set_name(nb, b->saddr_set)) != 0 ||
	    strcmp(set_name(na, a->daddr_set), set_name(nb, b->daddr_set)) != 0)
		return false;
	/* Ports mean something only with a protocol. */
	return !a->ipproto ||
	       (a->sport == b->sport && a->port_lo == b->port_lo && a->port_hi == b->port_hi);
}

bool shape_nft_equal(const struct shape_nft *a, const struct shape_nft *b)
{
	if (!a || !b)
		return a == b;
	if (a->nsets != b->nsets || a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nsets; i++) {
		const struct shape_nft_set *m = NULL;

		for (size_t j = 0; j < b->nsets && !m; j++)
			if (strncmp(a->sets[i].name, b->sets[j].name, sizeof(a->sets[i].name)) == 0)
				m = &b->sets[j];
		if (!m || !set_equal(&a->sets[i], m))
			return false;
	}
	for (size_t i = 0; i < a->nrules; i++)
		if (!rule_equal(a, &a->rules[i], b, &b->rules[i]))
			return false;
	return true;
}
