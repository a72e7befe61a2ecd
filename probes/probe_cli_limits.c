/* probe_cli_limits.c: refusing a run the process limits cannot hold.
 *
 * tcp, tls and http keep one socket per target open at once, so the
 * open-file limit bounds the targets; every type keeps per-target state
 * and samples, so memory does too. Better a clear refusal up front than
 * EMFILE or the OOM killer halfway through 10,000 targets. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "probe_cli.h"

/* Descriptors the process holds besides the targets' sockets: stdio,
 * the loop, its signalfd, the resolver's sockets, the spool, a config. */
#define FD_RESERVE 64

/* What one target costs, roughly: its state and its samples; an OpenSSL
 * connection for tls and http. */
static uint64_t target_bytes(const struct probe_spec *s)
{
	uint64_t count = s->count ? s->count : 3;
	uint64_t base;

	switch (s->type) {
	case PROBE_PING:
		base = 512;
		break;
	case PROBE_TRACE:
		base = 1024 + (uint64_t)(s->max_hops ? s->max_hops : 30) *
		    (s->queries ? s->queries : 3) * 64;
		break;
	case PROBE_TLS:
	case PROBE_HTTP:
		base = 96 * 1024;
		break;
	default:
		base = 1024;
	}
	return base + count * sizeof(double) * 2;
}

/* MemAvailable from /proc/meminfo in bytes, or 0 when unknown. */
static uint64_t mem_available(void)
{
	FILE *fp = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long long kb = 0;

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	return (uint64_t)kb * 1024;
}

/* Address space already used, for RLIMIT_AS. */
static uint64_t vm_size(void)
{
	FILE *fp = fopen("/proc/self/statm", "re");
	unsigned long long pages = 0;

	if (!fp)
		return 0;
	if (fscanf(fp, "%llu", &pages) != 1)
		pages = 0;
	fclose(fp);
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int check_files(const struct probe_spec *s, size_t n, char *err, size_t errlen)
{
	struct rlimit rl;
	/* tcp, tls and http hold one socket per target at once; a trace
	 * holds its receiving raw socket, its sending one and the socket
	 * that keeps its source port. Ping shares one per family. */
	unsigned each = s->type == PROBE_TRACE ? 3 : 1;
	uint64_t need = (uint64_t)n * each + FD_RESERVE;

	if (s->type == PROBE_PING)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		/* The hard limit is ours to take. */
		struct rlimit up = { .rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	snprintf(err, errlen,
	    "%zu %s targets need %llu open files at once (%u socket%s each), above the "
	    "open-file limit RLIMIT_NOFILE of %llu (hard limit %llu); raise it (ulimit -n) or "
	    "give fewer targets", n, probe_type_name(s->type), (unsigned long long)need, each,
	    each == 1 ? "" : "s",
	    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	return -EMFILE;
}

static int check_memory(const struct probe_spec *s, size_t n, char *err, size_t errlen)
{
	uint64_t need = target_bytes(s) * n, avail = mem_available(), used = vm_size();
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		uint64_t left = rl.rlim_cur > used ? rl.rlim_cur - used : 0;

		if (need > left) {
			snprintf(err, errlen,
			    "%zu %s targets need about %llu MiB, above what the address-space "
			    "limit RLIMIT_AS of %llu MiB leaves (%llu MiB)", n,
			    probe_type_name(s->type), (unsigned long long)(need >> 20),
			    (unsigned long long)(rl.rlim_cur >> 20),
			    (unsigned long long)(left >> 20));
			return -ENOMEM;
		}
	}
	if (avail && need > avail) {
		snprintf(err, errlen,
		    "%zu %s targets need about %llu MiB, above the memory available "
		    "(MemAvailable %llu MiB)", n, probe_type_name(s->type),
		    (unsigned long long)(need >> 20), (unsigned long long)(avail >> 20));
		return -ENOMEM;
	}
	return 0;
}

/* 0, or -EMFILE / -ENOMEM with err naming the limit and its value. */
int probe_cli_limits(const struct probe_spec *s, size_t n, char *err, size_t errlen)
{
	int r = check_files(s, n, err, errlen);

	return r < 0 ? r : check_memory(s, n, err, errlen);
}
