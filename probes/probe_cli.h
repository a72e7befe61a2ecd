/* probe_cli.h: outpost-probe's command line, parsed in one place.
 *
 * Every option of every probe type lands in one struct probe_spec; the
 * types only read the spec. This is the tool layer, but the parser
 * itself returns its refusals as text (for the unit test), and the
 * caller prints them. */
#ifndef OUTPOST_PROBE_CLI_H
#define OUTPOST_PROBE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probe.h"

/* Exit statuses, like fping's; the highest that applies wins. */
enum probe_exit {
	PROBE_EXIT_OK = 0,		/* every target reached */
	PROBE_EXIT_UNREACHABLE = 1,	/* some target did not answer */
	PROBE_EXIT_UNRESOLVED = 2,	/* a name did not resolve */
	PROBE_EXIT_USAGE = 3,		/* bad arguments, or a refused spec */
	PROBE_EXIT_SYSTEM = 4,		/* a system error on our side */
};

/* What probe_cli_parse() returns besides 0 and -EINVAL. */
#define PROBE_CLI_HELP		1	/* -h: print probe_cli_usage(stdout) */
#define PROBE_CLI_VERSION	2	/* -V */

/* dns: the most @SERVER arguments. */
#define PROBE_CLI_DNS_SERVERS	64

struct probe_cli {
	struct probe_spec	spec;
	const char		*config;	/* --config FILE, or NULL */
	const char		*via;		/* --via LINE, or NULL */
	const char		*name;		/* --name NAME (for --publish) */
	bool			json, publish, quiet;
	bool			family_set;	/* -4 or -6 given */
	char			**targets;	/* into argv */
	size_t			ntargets;
	/* ---- dns (owner: dns) ---- */
	/* The @SERVER arguments of dns, without the '@' (into argv). */
	const char		*dns_servers[PROBE_CLI_DNS_SERVERS];
};

/* Parse argv (argv[1] the type, or -h/-V) into c. Returns 0,
 * PROBE_CLI_HELP, PROBE_CLI_VERSION, or -EINVAL with err holding one
 * line naming the option, the value and what was expected. privileged
 * says whether intervals and rates reserved to root are allowed. */
int probe_cli_parse(struct probe_cli *c, int argc, char **argv, bool privileged, char *err,
    size_t errlen);

/* The usage text (equal to the SYNOPSIS of outpost-probe(1)). */
void probe_cli_usage(FILE *fp);

/* Values as the options take them (probe_cli_value.c). Each returns 0,
 * or -EINVAL / -ERANGE. */
/* A duration: "250ms", "1.5s", "2m", or a bare number of milliseconds;
 * rounded to whole milliseconds. */
int probe_cli_duration(const char *s, uint64_t *ms);
/* A decimal (or 0x hex with hex) integer in [min, max]. */
int probe_cli_uint(const char *s, uint64_t min, uint64_t max, bool hex, uint64_t *out);
/* A positive decimal number like "0.5" or "2000", at most max. */
int probe_cli_number(const char *s, double max, double *out);
/* A numeric IPv4 or IPv6 address into ss (port 0). */
int probe_cli_addr(const char *s, struct sockaddr_storage *ss);

/* hijack's options (probe_cli_hijack.c): which is 0 --ref, 1 --dot,
 * 2 --nx-domain, 3 --not-bogon. 0, or -EINVAL with err set. */
int probe_cli_hijack_option(struct probe_spec *s, int which, const char *arg, char *err,
    size_t errlen);
/* inject's options (probe_cli_inject.c): which is 0 --sink, 1 --window.
 * 0, or -EINVAL with err set. */
int probe_cli_inject_option(struct probe_spec *s, int which, const char *arg, char *err,
    size_t errlen);

/* Whether n targets of s fit the open-file limit (tcp, tls, http keep a
 * socket per target; the soft limit is raised to the hard one first) and
 * memory (RLIMIT_AS, MemAvailable): 0, or -EMFILE / -ENOMEM with err
 * naming the limit and its value (probe_cli_limits.c). */
int probe_cli_limits(const struct probe_spec *s, size_t n, char *err, size_t errlen);

#endif
