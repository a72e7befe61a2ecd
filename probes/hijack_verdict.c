/* hijack_verdict.c: from five check statuses to one verdict, and the TTL
 * rule of check 5. Both are written out in outpost-probe(1) (VERDICT,
 * the ttl check); change them together. */
#include <config.h>

#include "hijack.h"

/* The JSON and human name of a status. */
const char *probe_hijack_status_name(enum probe_hijack_status s)
{
	switch (s) {
	case PROBE_HIJACK_PASS:		return "pass";
	case PROBE_HIJACK_FAIL:		return "fail";
	case PROBE_HIJACK_SUSPECT:	return "suspect";
	case PROBE_HIJACK_SKIPPED:	return "skipped";
	}
	return "?";
}

/* The key of a check in "checks". */
const char *probe_hijack_check_name(enum probe_hijack_check c)
{
	static const char *const names[PROBE_HIJACK_NCHECKS] = {
		"consistency", "injection", "nxdomain", "bogons", "ttl"
	};
	return (unsigned)c < PROBE_HIJACK_NCHECKS ? names[c] : "?";
}

/* The name of a verdict. */
const char *probe_hijack_verdict_name(enum probe_hijack_verdict v)
{
	switch (v) {
	case PROBE_HIJACK_CLEAN:	return "clean";
	case PROBE_HIJACK_SUSPECTED:	return "suspect";
	case PROBE_HIJACK_HIJACKED:	return "hijacked";
	}
	return "?";
}

/* Which checks prove a hijack on their own when they fail. A TTL
 * anomaly does not: a reference counting its cache down makes honest
 * answers look long-lived, so it only raises suspicion. */
static bool check_is_proof(enum probe_hijack_check c)
{
	return c != PROBE_HIJACK_TTL;
}

/* The verdict of the rules in outpost-probe(1). */
enum probe_hijack_verdict probe_hijack_verdict(const enum probe_hijack_status st[PROBE_HIJACK_NCHECKS])
{
	bool suspect = false;

	for (int c = 0; c < PROBE_HIJACK_NCHECKS; c++) {
		if (st[c] == PROBE_HIJACK_FAIL && check_is_proof((enum probe_hijack_check)c))
			return PROBE_HIJACK_HIJACKED;
		if (st[c] == PROBE_HIJACK_FAIL || st[c] == PROBE_HIJACK_SUSPECT)
			suspect = true;
	}
	return suspect ? PROBE_HIJACK_SUSPECTED : PROBE_HIJACK_CLEAN;
}

/* Check 5's rule on the largest TTLs of both sides. */
bool probe_hijack_ttl_anomaly(uint32_t tested, uint32_t reference, const char **why)
{
	/* 64-bit: 2 * 0xffffffff + 300 must not wrap into a small limit */
	uint64_t limit = (uint64_t)PROBE_HIJACK_TTL_FACTOR * reference + PROBE_HIJACK_TTL_SLACK;

	if (tested > limit) {
		if (why)
			*why = "above the reference's";
		return true;
	}
	if (tested == 0 && reference >= PROBE_HIJACK_TTL_ZERO_MIN) {
		if (why)
			*why = "zero while the reference's is not";
		return true;
	}
	if (why)
		*why = NULL;
	return false;
}
