/* hijack_checks.c: checks 1, 3, 4 and 5 from what a case gathered.
 *
 * The rules are those of outpost-probe(1) (the hijack block); each
 * check gets a status and one sentence saying why, which the report
 * prints next to the evidence. */
#include <config.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "hijack_int.h"

#define RCODE_NOERROR	0
#define RCODE_NXDOMAIN	3

/* The numeric text of an address. */
void hijack_addr_str(const struct hijack_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* Whether addr is among rep's. */
bool hijack_reply_has(const struct hijack_reply *rep, const struct hijack_addr *addr)
{
	size_t alen = addr->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < rep->n; i++)
		if (rep->a[i].family == addr->family && !memcmp(rep->a[i].a, addr->a, alen))
			return true;
	return false;
}

static bool ref_usable(const struct hijack_case *c, size_t i)
{
	return c->ref_rep[i].status == 0 && !c->refs[i].unusable;
}

/* How many tested addresses some usable reference also gave. */
static size_t common_count(const struct hijack_case *c)
{
	size_t n = 0;

	for (size_t k = 0; k < c->tested_rep.n; k++)
		for (size_t i = 0; i < c->nrefs; i++)
			if (ref_usable(c, i) && hijack_reply_has(&c->ref_rep[i], &c->tested_rep.a[k])) {
				n++;
				break;
			}
	return n;
}

static size_t usable_count(const struct hijack_case *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nrefs; i++)
		n += ref_usable(c, i);
	return n;
}

/* Disjoint sets with something to clear. */
bool hijack_needs_clearing(const struct hijack_case *c)
{
	return c->tested_rep.status == 0 && c->tested_rep.n > 0 && usable_count(c) > 0 &&
	    common_count(c) == 0;
}

#define WHY(c, k, ...) snprintf((c)->why[k], sizeof((c)->why[k]), __VA_ARGS__)

static void consistency(struct hijack_case *c)
{
	const int k = PROBE_HIJACK_CONSISTENCY;
	size_t usable = usable_count(c), bad = c->nrefs - usable, refs_with = 0;

	for (size_t i = 0; i < c->nrefs; i++)
		refs_with += ref_usable(c, i) && c->ref_rep[i].n > 0;
	if (c->tested_rep.status < 0) {
		c->st[k] = PROBE_HIJACK_SUSPECT;
		WHY(c, k, "the resolver under test did not answer: %s", c->tested_rep.why);
	} else if (c->nrefs == 0) {
		c->st[k] = PROBE_HIJACK_SKIPPED;
		WHY(c, k, "no reference given (--ref, --dot)");
	} else if (usable == 0) {
		c->st[k] = PROBE_HIJACK_SUSPECT;
		WHY(c, k, "no reference usable");
	} else if (c->tested_rep.n == 0) {
		if (refs_with) {
			c->st[k] = PROBE_HIJACK_FAIL;
			WHY(c, k, "no address (rcode %d) where %zu reference(s) have some",
			    c->tested_rep.rcode, refs_with);
		} else {
			c->st[k] = bad ? PROBE_HIJACK_SUSPECT : PROBE_HIJACK_PASS;
			WHY(c, k, "no address, as the references%s", bad ? "; a reference unusable" :
			    "");
		}
	} else if (common_count(c) > 0) {
		c->st[k] = bad ? PROBE_HIJACK_SUSPECT : PROBE_HIJACK_PASS;
		WHY(c, k, "%zu of %zu addresses also from a reference%s", common_count(c),
		    c->tested_rep.n, bad ? "; a reference unusable" : "");
	} else {
		size_t cleared = 0;

		for (size_t i = 0; i < c->nclear; i++)
			cleared += c->clear[i].genuine;
		if (cleared == c->tested_rep.n) {
			c->st[k] = bad ? PROBE_HIJACK_SUSPECT : PROBE_HIJACK_PASS;
			WHY(c, k, "disjoint from the references, but every address presents a valid "
			    "certificate for the name%s", bad ? "; a reference unusable" : "");
		} else {
			c->st[k] = PROBE_HIJACK_FAIL;
			WHY(c, k, "disjoint from the references; %zu of %zu addresses not cleared by "
			    "a certificate for the name", c->tested_rep.n - cleared, c->tested_rep.n);
		}
	}
}

static void nxdomain(struct hijack_case *c)
{
	const int k = PROBE_HIJACK_NXDOMAIN;
	size_t nx = 0, rewritten = 0, proven = 0, unknown = 0, wildcard = 0;

	for (int i = 0; i < HIJACK_NX_NAMES; i++) {
		const struct hijack_reply *t = &c->nx_tested[i], *r = &c->nx_ref[i];

		if (c->nx_has_ref && r->status == 0 && r->n > 0)
			wildcard++;
		if (t->status < 0) {
			unknown++;
		} else if (t->rcode == RCODE_NXDOMAIN) {
			nx++;
		} else if (t->n > 0) {
			rewritten++;
			/* proven: the reference said NXDOMAIN, or none was given */
			if (!c->nx_has_ref || (r->status == 0 && r->rcode == RCODE_NXDOMAIN))
				proven++;
		} else {
			unknown++;
		}
	}
	if (wildcard) {
		c->st[k] = PROBE_HIJACK_SKIPPED;
		WHY(c, k, "%s has a wildcard: the reference answers random names", c->nx_domain);
	} else if (proven) {
		c->st[k] = PROBE_HIJACK_FAIL;
		WHY(c, k, "%zu of %d random names under %s answered with addresses instead of "
		    "NXDOMAIN", rewritten, HIJACK_NX_NAMES, c->nx_domain);
	} else if (rewritten || unknown) {
		c->st[k] = PROBE_HIJACK_SUSPECT;
		WHY(c, k, "%zu of %d random names under %s came back NXDOMAIN; the others could "
		    "not be judged", nx, HIJACK_NX_NAMES, c->nx_domain);
	} else {
		c->st[k] = PROBE_HIJACK_PASS;
		WHY(c, k, "%d random names under %s came back NXDOMAIN", HIJACK_NX_NAMES,
		    c->nx_domain);
	}
}

static void bogons(struct hijack_case *c, const struct probe_hijack_prefix *ex, size_t nex)
{
	const int k = PROBE_HIJACK_BOGONS;
	size_t n = 0;
	char first[64] = "";
	const char *cls = NULL;

	if (c->tested_rep.status < 0) {
		c->st[k] = PROBE_HIJACK_SUSPECT;
		WHY(c, k, "the resolver under test did not answer");
		return;
	}
	for (size_t i = 0; i < c->tested_rep.n; i++) {
		const char *b = probe_hijack_bogon(c->tested_rep.a[i].family, c->tested_rep.a[i].a,
		    ex, nex);

		if (b && n++ == 0) {
			cls = b;
			hijack_addr_str(&c->tested_rep.a[i], first, sizeof(first));
		}
	}
	if (n) {
		c->st[k] = PROBE_HIJACK_FAIL;
		WHY(c, k, "%zu bogon address(es), first %s (%s)", n, first, cls);
	} else {
		c->st[k] = PROBE_HIJACK_PASS;
		WHY(c, k, "no bogon among %zu address(es)", c->tested_rep.n);
	}
}

static uint32_t max_ttl(const struct hijack_reply *r)
{
	uint32_t m = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->a[i].ttl > m)
			m = r->a[i].ttl;
	return m;
}

static void ttl(struct hijack_case *c)
{
	const int k = PROBE_HIJACK_TTL;
	bool have = false;
	uint32_t t, r = 0;
	const char *why;

	for (size_t i = 0; i < c->nrefs; i++)
		if (ref_usable(c, i) && c->ref_rep[i].n > 0) {
			uint32_t m = max_ttl(&c->ref_rep[i]);

			r = have && r > m ? r : m;
			have = true;
		}
	if (c->tested_rep.status < 0 || c->tested_rep.n == 0 || !have) {
		c->st[k] = PROBE_HIJACK_SKIPPED;
		WHY(c, k, "no TTLs to compare");
		return;
	}
	t = max_ttl(&c->tested_rep);
	if (probe_hijack_ttl_anomaly(t, r, &why)) {
		c->st[k] = PROBE_HIJACK_FAIL;
		WHY(c, k, "TTL %u %s (%u)", (unsigned)t, why, (unsigned)r);
	} else {
		c->st[k] = PROBE_HIJACK_PASS;
		WHY(c, k, "TTL %u against the reference's %u", (unsigned)t, (unsigned)r);
	}
}

/* Every check of the case, the injection check's status as it came. */
void hijack_checks_run(struct hijack_case *c, const struct probe_hijack_prefix *exempt,
    size_t nexempt)
{
	consistency(c);
	c->st[PROBE_HIJACK_INJECTION] = c->inject_status;
	if (!c->why[PROBE_HIJACK_INJECTION][0])
		WHY(c, PROBE_HIJACK_INJECTION, c->inject_status == PROBE_HIJACK_SKIPPED ?
		    "not built into this outpost-probe yet" : "see its evidence");
	nxdomain(c);
	bogons(c, exempt, nexempt);
	ttl(c);
}
