/* probed.h: outpost-probed, the [probe] sections of outpost.conf run on a
 * schedule, each round recorded as an event in the spool.
 *
 *   outpost-probed.c   main, start-up order, privileges, signals, reload
 *   probed_sched.c     the probes: their timers, rounds and events
 *   probed_verdict.c   hijack probes: the verdict per target, its changes
 *
 * One loop and one resolver serve every probe; a probe is one
 * [probe "name"] section turned into a struct probe_spec and its targets,
 * with the reachability each target had in the last round. */
#ifndef OUTPOST_PROBED_H
#define OUTPOST_PROBED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "json.h"
#include "loop.h"
#include "probe.h"
#include "resolve.h"
#include "spool.h"

struct probed;

/* The last verdict of each (target, resolver) of a hijack probe. */
struct probed_verdicts {
	struct probed_verdict	*v;
	size_t			n;
};

/* A verdict that changed; the strings are valid during the callback. */
struct probed_verdict_change {
	const char	*target;
	char		from[16], to[16];
	char		dst[64];		/* the resolver whose result it is, or "" */
	const char	*checks;		/* that result's "checks" object, or NULL */
	size_t		checks_len;
	const char	*result;		/* that result's JSON */
	size_t		result_len;
};

/* dns, hijack: the reachability of one (target, resolver). */
struct probed_pair {
	char			*target, *dst;
	int			last;		/* as probed_probe.last */
};

struct probed_probe {
	struct probed		*d;
	char			*name;
	/* Every setting of the section in one string: a reload keeps a
	 * probe whose fingerprint did not change, with its schedule and
	 * reachability state. */
	char			*fingerprint;
	struct probe_spec	spec;		/* sni, ca_file, dns_servers owned */
	char			**targets;
	size_t			ntargets;
	uint64_t		interval_ms, spread_ms;
	/* -1 not known yet, else the enum probe_outcome of the last round. */
	int			*last;
	/* dns, hijack: the same per (target, dst), as each target has a
	 * result per resolver. */
	struct probed_pair	*pairs;
	size_t			npairs;
	/* hijack: "@" + each resolvers value, the job's "@RESOLVER" targets. */
	char			**resolvers;
	size_t			nresolvers;
	/* hijack: the verdict of each target in the last round and this one,
	 * kept across a reload that changes the probe's settings but not its
	 * name and type. */
	struct probed_verdicts	verdicts;

	uint64_t		timer;		/* next round */
	uint64_t		first_ms;	/* when round 1 was due (monotonic) */
	uint64_t		round;		/* rounds started */
	uint64_t		skipped;	/* due while the previous one ran */
	unsigned		overdue;	/* slots skipped by the running round */
	struct probe_job	*job;		/* the running round, or NULL */
	uint64_t		started_ms;
	char			start[40];	/* its wall-clock start, ISO 8601 */
	struct json		results;	/* its results so far, an open array */
	size_t			nresults, nreached;
};

struct probed {
	const char		*prog;
	const char		*config_path;
	struct loop		*loop;
	struct resolver		*res;
	struct spool		*spool;
	/* [node], as the daemon started with it. */
	char			*id, *region, *user, *spool_dir;
	uint64_t		spool_max;
	struct probed_probe	**probes;
	size_t			nprobes;
	bool			stopping;
	uint64_t		events, emit_errors;
};

/* probed_sched.c */

/* Build the probes of every [probe] section of conf into *out (n of
 * them), reusing from old[0..nold) each probe whose settings did not
 * change (taken out of old: its slot becomes NULL). 0, or -EINVAL /
 * -ENOMEM with why set. */
int probed_probes_build(struct probed *d, const struct conf *conf,
    struct probed_probe **old, size_t nold, struct probed_probe ***out, size_t *n,
    char *why, size_t whylen);
/* Schedule each probe that has no timer yet: its first round at a random
 * offset below its spread. */
void probed_probes_arm(struct probed *d);
/* Stop a probe's round and timer and free it; NULL-safe. */
void probed_probe_free(struct probed_probe *p);
/* A random number in [0, below), from the kernel's generator. */
uint64_t probed_random(uint64_t below);
/* Whether any probe of the config sets a mark (directly or by its line):
 * the daemon keeps CAP_NET_ADMIN only then. */
bool probed_conf_needs_mark(const struct conf *conf);

/* probed_verdict.c */

/* Note the "verdict" of a hijack result (json[0..len), of target): a
 * target's verdict in a round is the worst of its results (one per
 * resolver under test; hijacked > suspect > clean), so a resolver that
 * changes (a reload, DHCP rewriting resolv.conf) still compares with the
 * target's last verdict. A result without a verdict is ignored. 0 or
 * -ENOMEM. */
int probed_verdict_note(struct probed_verdicts *vs, const char *target, const char *json,
    size_t len);
/* The round is over: call cb for each target whose verdict differs from
 * the one of the last round that gave one (not for a first verdict), then
 * make this round's verdicts the last. Returns the number of changes. */
size_t probed_verdict_round_end(struct probed_verdicts *vs,
    void (*cb)(const struct probed_verdict_change *ch, void *arg), void *arg);
/* Free the state; vs may be reused empty. */
void probed_verdicts_free(struct probed_verdicts *vs);
/* The raw value of key in the top-level JSON object json[0..n): 0 with
 * *val and *vlen set, -ENOENT when absent, -EINVAL when no object. */
int probed_json_field(const char *json, size_t n, const char *key, const char **val,
    size_t *vlen);

#endif
