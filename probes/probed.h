/* probed.h: outpost-probed, the [probe] sections of outpost.conf run on a
 * schedule, each round recorded as an event in the spool.
 *
 *   outpost-probed.c   main, start-up order, privileges, signals, reload
 *   probed_sched.c     the probes: their timers, rounds and events
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

struct probed_probe {
	struct probed		*d;
	char			*name;
	/* Every setting of the section in one string: a reload keeps a
	 * probe whose fingerprint did not change, with its schedule and
	 * reachability state. */
	char			*fingerprint;
	struct probe_spec	spec;		/* sni and ca_file owned */
	char			**targets;
	size_t			ntargets;
	uint64_t		interval_ms, spread_ms;
	/* -1 not known yet, else the enum probe_outcome of the last round. */
	int			*last;
	/* hijack (owner: hijack): each target's last verdict (static text),
	 * NULL before its first. */
	const char		**last_verdict;

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

#endif
