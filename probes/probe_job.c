/* probe_job.c: one probe type run over a set of targets, and its sink. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

struct probe_job {
	struct loop			*loop;
	struct resolver			*res;
	struct probe_spec		spec;
	char				**targets;
	size_t				n;
	struct probe_sink		sink;
	const struct probe_type_ops	*ops;
	void				*priv;
	bool				started, finished;
	int				err;
	uint64_t			done_timer;
	char				*errbuf;
	size_t				errlen;
};

static const struct probe_type_ops *const types[PROBE_NTYPES] = {
	[PROBE_PING] = &probe_ping_ops,
	[PROBE_TCP] = &probe_tcp_ops,
	[PROBE_TRACE] = &probe_trace_ops,
	[PROBE_TLS] = &probe_tls_ops,
	[PROBE_HTTP] = &probe_http_ops,
	[PROBE_DNS] = &probe_dns_ops,
	[PROBE_HIJACK] = &probe_hijack_ops,
};

int probe_type_parse(const char *s)
{
	/* A type the schema knows may not be built into the engine yet. */
	for (int t = 0; t < PROBE_NTYPES; t++)
		if (types[t] && !strcmp(s, types[t]->name))
			return t;
	return -1;
}

const char *probe_type_name(enum probe_type t)
{
	return (unsigned)t < PROBE_NTYPES && types[t] ? types[t]->name : "?";
}

static void free_targets(char **t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
}

/* The strings of spec are the caller's; a job outlives the command line
 * or config that made it, so it keeps its own copies. */
static int copy_spec(struct probe_spec *dst, const struct probe_spec *src)
{
	*dst = *src;
	dst->sni = NULL;
	dst->ca_file = NULL;
	if (src->sni && !(dst->sni = strdup(src->sni)))
		return -ENOMEM;
	if (src->ca_file && !(dst->ca_file = strdup(src->ca_file)))
		return -ENOMEM;
	return 0;
}

int probe_job_start(struct loop *l, struct resolver *r, const struct probe_spec *spec,
    const char *const *targets, size_t n, const struct probe_sink *sink,
    struct probe_job **out, char *err, size_t errlen)
{
	struct probe_job *j;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if ((unsigned)spec->type >= PROBE_NTYPES || !types[spec->type] || !sink || !sink->result) {
		if (err && errlen)
			snprintf(err, errlen, "bad probe type or sink");
		return -EINVAL;
	}
	if (!(j = calloc(1, sizeof(*j))))
		return -ENOMEM;
	j->loop = l;
	j->res = r;
	j->sink = *sink;
	j->ops = types[spec->type];
	j->errbuf = err;
	j->errlen = err ? errlen : 0;
	if ((rc = copy_spec(&j->spec, spec)) < 0)
		goto fail;
	if (n && !(j->targets = calloc(n, sizeof(*j->targets)))) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++, j->n++)
		if (!(j->targets[i] = strdup(targets[i]))) {
			rc = -ENOMEM;
			goto fail;
		}
	j->started = true;
	if ((rc = j->ops->start(j)) < 0) {
		if (j->errlen && !j->errbuf[0])
			snprintf(j->errbuf, j->errlen, "%s", strerror(-rc));
		goto fail;
	}
	/* The error buffer is the caller's stack; it is only for start. */
	j->errbuf = NULL;
	j->errlen = 0;
	*out = j;
	return 0;
fail:
	j->errbuf = NULL;
	j->errlen = 0;
	probe_job_free(j);
	return rc;
}

void probe_job_free(struct probe_job *j)
{
	if (!j)
		return;
	if (j->done_timer)
		loop_timer_cancel(j->loop, j->done_timer);
	if (j->started && j->ops->stop)
		j->ops->stop(j);
	free_targets(j->targets, j->n);
	free((char *)j->spec.sni);
	free((char *)j->spec.ca_file);
	free(j);
}

int probe_job_drain(struct probe_job *j)
{
	if (!j->ops->drain)
		return -EOPNOTSUPP;
	if (!j->finished)
		j->ops->drain(j);
	return 0;
}

struct loop *probe_job_loop(const struct probe_job *j) { return j->loop; }
struct resolver *probe_job_resolver(const struct probe_job *j) { return j->res; }
const struct probe_spec *probe_job_spec(const struct probe_job *j) { return &j->spec; }
size_t probe_job_ntargets(const struct probe_job *j) { return j->n; }
const char *probe_job_target(const struct probe_job *j, size_t i) { return i < j->n ? j->targets[i] : NULL; }
void *probe_job_priv(const struct probe_job *j) { return j->priv; }
void probe_job_set_priv(struct probe_job *j, void *priv) { j->priv = priv; }

void probe_job_error(struct probe_job *j, const char *fmt, ...)
{
	va_list ap;

	if (!j->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(j->errbuf, j->errlen, fmt, ap);
	va_end(ap);
}

void probe_job_result(struct probe_job *j, const struct probe_result *r)
{
	if (!j->finished)
		j->sink.result(r, j->sink.arg);
}

__attribute__((format(printf, 3, 0)))
static void vline(struct probe_job *j, void (*cb)(const char *, void *), const char *fmt,
    va_list ap)
{
	char buf[1024];

	if (!cb)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	cb(buf, j->sink.arg);
}

bool probe_job_wants_progress(const struct probe_job *j)
{
	return j->sink.progress != NULL;
}

void probe_job_progress(struct probe_job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(j, j->sink.progress, fmt, ap);
	va_end(ap);
}

void probe_job_note(struct probe_job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(j, j->sink.note, fmt, ap);
	va_end(ap);
}

/* done runs from the loop so that a type may finish from inside start's
 * callbacks or its own; the sink may free the job from done. */
static void done_cb(struct loop *l, void *arg)
{
	struct probe_job *j = arg;

	(void)l;
	j->done_timer = 0;
	if (j->sink.done)
		j->sink.done(j->err, j->sink.arg);
}

void probe_job_finish(struct probe_job *j, int err)
{
	if (j->finished)
		return;
	j->finished = true;
	j->err = err;
	j->done_timer = loop_timer_add(j->loop, 0, done_cb, j);
	if (!j->done_timer && j->sink.done)
		j->sink.done(err ? err : -ENOMEM, j->sink.arg);
}

double probe_ts_ms(const struct timespec *ts)
{
	return (double)ts->tv_sec * 1e3 + (double)ts->tv_nsec / 1e6;
}

double probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return probe_ts_ms(&ts);
}
