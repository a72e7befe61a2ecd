/* outpost-probe: ad hoc latency probes (ping, tcp, trace, tls, http)
 * toward any number of targets, from any interface, source or line.
 *
 * The command line becomes one struct probe_spec (probe_cli.c); a probe
 * job runs it on the loop; this file prints what the job reports, human
 * or NDJSON, records each result in the spool with --publish, and turns
 * the outcomes into fping's exit statuses. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "loop.h"
#include "probe.h"
#include "probe_cli.h"
#include "resolve.h"
#include "spool.h"
#include "version.h"

#define PROG "outpost-probe"

struct run {
	struct probe_cli	cli;
	struct loop		*loop;
	struct probe_job	*job;
	struct spool		*spool;
	const char		*event_name;
	int			status;		/* highest exit status so far */
	size_t			results;
	int			done_err;
	bool			done, interrupted;
	bool			ticker;		/* progress on a tty stderr */
	bool			ticked;
	uint64_t		tick_timer;
	uint64_t		t_start;
};

static void raise_status(struct run *r, int st)
{
	if (st > r->status)
		r->status = st;
}

/* Nobody reads any more (| head): stop rather than probe for nothing. */
static void flush_out(struct run *r)
{
	if (fflush(stdout) == 0 || errno != EPIPE)
		return;
	r->interrupted = true;
	loop_stop(r->loop);
}

static void on_result(const struct probe_result *res, void *arg)
{
	struct run *r = arg;
	static const int exit_of[] = {
		[PROBE_REACHED] = PROBE_EXIT_OK, [PROBE_UNREACHABLE] = PROBE_EXIT_UNREACHABLE,
		[PROBE_UNRESOLVED] = PROBE_EXIT_UNRESOLVED, [PROBE_FAILED] = PROBE_EXIT_SYSTEM,
	};

	r->results++;
	raise_status(r, exit_of[res->outcome]);
	if (res->alarm)
		raise_status(r, PROBE_EXIT_UNREACHABLE);
	if (r->ticked) {
		fputs("\r\033[K", stderr);
		r->ticked = false;
	}
	if (r->cli.json) {
		fwrite(res->json, 1, res->json_len, stdout);
		fputc('\n', stdout);
	} else if (res->text) {
		fputs(res->text, stdout);
	}
	flush_out(r);
	if (r->spool) {
		int e = spool_emit(r->spool, "probe", r->event_name, res->json, NULL);

		if (e < 0) {
			fprintf(stderr, PROG ": spool: cannot record the result for %s: %s\n",
			    res->target, strerror(-e));
			raise_status(r, PROBE_EXIT_SYSTEM);
		}
	}
}

static void on_progress(const char *text, void *arg)
{
	struct run *r = arg;

	if (r->cli.quiet || r->cli.json)
		return;
	fputs(text, stdout);
	flush_out(r);
}

static void on_note(const char *text, void *arg)
{
	size_t n = strlen(text);

	(void)arg;
	fprintf(stderr, PROG ": %s%s", text, n && text[n - 1] == '\n' ? "" : "\n");
}

static void on_done(int err, void *arg)
{
	struct run *r = arg;

	r->done = true;
	r->done_err = err;
	loop_stop(r->loop);
}

/* "[120/10000 targets done]" on a tty stderr, once the run is long. */
static void tick(struct loop *l, void *arg)
{
	struct run *r = arg;

	r->tick_timer = loop_timer_add(l, 1000, tick, r);
	if (loop_now_ms() - r->t_start < 2000)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu targets done]", r->results, r->cli.ntargets);
	fflush(stderr);
	r->ticked = true;
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct run *r = arg;

	/* A second ^C, a SIGTERM, or a type that cannot drain: stop now. */
	if (signo == SIGINT && !r->interrupted && probe_job_drain(r->job) == 0) {
		r->interrupted = true;
		return;
	}
	r->interrupted = true;
	loop_stop(l);
}

/* The config, the line and the limits: everything that can refuse the
 * run before a packet leaves. Returns an exit status, or -1 to go on. */
static int prepare(struct run *r, struct conf **confp)
{
	struct probe_cli *c = &r->cli;
	const struct conf_opts copts = { .schema = &conf_schema_outpost };
	char err[512];
	int e;

	/* The config matters only for a line or the spool: a broken file
	 * must not stop an operator's ad hoc ping. */
	if (c->via || c->publish || c->config) {
		if (cli_tool_config(c->config, &copts, confp) < 0)
			return PROBE_EXIT_USAGE;
	}
	if (c->via) {
		e = probe_path_via(&c->spec.path, *confp, c->via, c->spec.family, err, sizeof(err));
		if (e < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return e == -ENOENT ? PROBE_EXIT_USAGE : PROBE_EXIT_SYSTEM;
		}
		/* The line's source decides the family when -4/-6 did not. */
		if (c->spec.family == AF_UNSPEC && c->spec.path.src.ss_family != AF_UNSPEC)
			c->spec.family = c->spec.path.src.ss_family;
	}
	if (probe_cli_limits(&c->spec, c->ntargets, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return PROBE_EXIT_USAGE;
	}
	if (c->publish) {
		if (cli_tool_spool(PROG, *confp, &r->spool) < 0)
			return PROBE_EXIT_SYSTEM;
		r->event_name = c->name ? c->name : probe_type_name(c->spec.type);
	}
	return -1;
}

static int run_job(struct run *r)
{
	struct resolver *res = NULL;
	/* No progress callback when its lines would be thrown away: at
	 * full speed, formatting them costs a tenth of the CPU. */
	const struct probe_sink sink = {
		.result = on_result, .note = on_note, .done = on_done, .arg = r,
		.progress = r->cli.quiet || r->cli.json ? NULL : on_progress,
	};
	char err[512];
	int e, st = PROBE_EXIT_SYSTEM;

	if ((e = loop_new(&r->loop)) < 0 || (e = resolver_new(r->loop, NULL, &res)) < 0) {
		fprintf(stderr, PROG ": %s\n", strerror(-e));
		goto out;
	}
	if ((e = loop_signal_add(r->loop, SIGINT, on_signal, r)) < 0 ||
	    (e = loop_signal_add(r->loop, SIGTERM, on_signal, r)) < 0) {
		fprintf(stderr, PROG ": signals: %s\n", strerror(-e));
		goto out;
	}
	e = probe_job_start(r->loop, res, &r->cli.spec, (const char *const *)r->cli.targets,
	    r->cli.ntargets, &sink, &r->job, err, sizeof(err));
	if (e < 0) {
		fprintf(stderr, PROG ": %s: %s\n", probe_type_name(r->cli.spec.type), err);
		st = e == -EINVAL ? PROBE_EXIT_USAGE : PROBE_EXIT_SYSTEM;
		goto out;
	}
	r->t_start = loop_now_ms();
	if (r->ticker)
		r->tick_timer = loop_timer_add(r->loop, 1000, tick, r);
	if ((e = loop_run(r->loop)) < 0) {
		fprintf(stderr, PROG ": loop: %s\n", strerror(-e));
		raise_status(r, PROBE_EXIT_SYSTEM);
	}
	if (r->ticked)
		fputs("\r\033[K", stderr);
	if (r->done && r->done_err < 0) {
		fprintf(stderr, PROG ": %s\n", strerror(-r->done_err));
		raise_status(r, PROBE_EXIT_SYSTEM);
	}
	/* Interrupted before every target was told: those did not answer. */
	if (r->results < r->cli.ntargets &&
	    /* hijack (owner: hijack): one result per name and @resolver pair */
	    !(r->cli.spec.type == PROBE_HIJACK && r->done && r->results > 0))
		raise_status(r, PROBE_EXIT_UNREACHABLE);
	st = r->status;
out:
	probe_job_free(r->job);
	resolver_free(res);
	loop_free(r->loop);
	return st;
}

int main(int argc, char **argv)
{
	struct run r = { .status = PROBE_EXIT_OK };
	struct conf *conf = NULL;
	char err[512];
	int st;

	st = probe_cli_parse(&r.cli, argc, argv, geteuid() == 0, err, sizeof(err));
	if (st == PROBE_CLI_HELP) {
		probe_cli_usage(stdout);
		return 0;
	}
	if (st == PROBE_CLI_VERSION) {
		printf("%s\n", op_version());
		return 0;
	}
	if (st < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return PROBE_EXIT_USAGE;
	}
	/* A broken pipe (| head) is the end of the run, not a crash. */
	signal(SIGPIPE, SIG_IGN);
	r.ticker = isatty(STDERR_FILENO) && (r.cli.quiet || r.cli.json || !isatty(STDOUT_FILENO));
	st = prepare(&r, &conf);
	if (st < 0)
		st = run_job(&r);
	spool_close(r.spool);
	conf_free(conf);
	return st;
}
