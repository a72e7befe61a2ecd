/* probed_sched.c: each [probe] on its own schedule, each round an event.
 *
 * Round k of a probe is due at first + k × interval plus a random jitter
 * (never accumulated, so the long-run period is exact), the first at a
 * random offset below spread: nodes started together by one fleet-wide
 * push do not probe (and hit the targets) in lockstep. A round still
 * running when the next is due is not started twice: that slot is
 * skipped, counted and logged; at the second such slot the round is
 * wrapped up (probe_job_drain) so a hanging lookup cannot stop a probe. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "probe_schema.h"
#include "probed.h"

/* Jitter of the later rounds: interval / 20, at most 5 s. */
#define JITTER_DIV	20
#define JITTER_MAX_MS	5000

uint64_t probed_random(uint64_t below)
{
	uint64_t v = 0;

	if (below <= 1)
		return 0;
	/* getrandom never fails for 8 bytes once the pool is ready; should
	 * it, the time still differs between nodes. */
	if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)ts.tv_sec;
	}
	return v % below;
}

static const char *outcome_name(int o)
{
	switch (o) {
	case PROBE_REACHED:
		return "reached";
	case PROBE_UNREACHABLE:
		return "unreachable";
	case PROBE_UNRESOLVED:
		return "unresolved";
	default:
		return "failed";
	}
}

/* The wall-clock time as the envelope writes it. */
static void iso_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned)(ts.tv_nsec / 1000000) % 1000);
}

static void emit(struct probed *d, const char *kind, const char *name, struct json *j)
{
	const char *text;
	size_t len;
	int r;

	r = json_finish(j, &text, &len);
	if (r == 0)
		r = spool_emit(d->spool, kind, name, text, NULL);
	if (r < 0) {
		d->emit_errors++;
		log_err("probe %s: cannot record the %s event: %s", name, kind, strerror(-r));
		return;
	}
	d->events++;
}

/* A result's JSON goes into events as is; a type that produced bad JSON
 * must not cost the whole round its event. */
static void add_result_json(struct json *j, const struct probe_result *r)
{
	if (r->json && r->json_len && json_validate(r->json, r->json_len, NULL, NULL) == 0) {
		json_raw(j, r->json, r->json_len);
		return;
	}
	json_obj_begin(j);
	json_kv_str(j, "target", r->target);
	json_kv_str(j, "outcome", outcome_name(r->outcome));
	json_kv_str(j, "error", "the probe gave no valid JSON");
	json_obj_end(j);
}

/* dns, hijack: one result per (name, resolver), so the reachability state
 * is per target and dst, found (or made) here; NULL without memory. */
static int *pair_state(struct probed_probe *p, const struct probe_result *r)
{
	const char *dst = r->addr ? r->addr : "";
	struct probed_pair *t;

	for (size_t i = 0; i < p->npairs; i++)
		if (!strcmp(p->pairs[i].target, r->target) && !strcmp(p->pairs[i].dst, dst))
			return &p->pairs[i].last;
	if (!(t = reallocarray(p->pairs, p->npairs + 1, sizeof(*t))))
		return NULL;
	p->pairs = t;
	t = &p->pairs[p->npairs];
	if (!(t->target = strdup(r->target)) || !(t->dst = strdup(dst))) {
		free(t->target);
		return NULL;
	}
	t->last = -1;
	p->npairs++;
	return &t->last;
}

static bool per_resolver(const struct probed_probe *p)
{
	return p->spec.type == PROBE_DNS || p->spec.type == PROBE_HIJACK;
}

/* Reached <-> not reached, after a first round that set the state. */
static void check_change(struct probed_probe *p, int *state, const struct probe_result *r)
{
	int prev = *state;
	struct json j;

	*state = (int)r->outcome;
	if (prev < 0 || (prev == PROBE_REACHED) == (r->outcome == PROBE_REACHED))
		return;
	log_notice("probe %s: %s %s -> %s", p->name, r->target, outcome_name(prev),
	    outcome_name((int)r->outcome));
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", probe_type_name(p->spec.type));
	json_kv_str(&j, "target", r->target);
	if (per_resolver(p) && r->addr)
		json_kv_str(&j, "dst", r->addr);
	json_kv_uint(&j, "round", p->round);
	json_kv_str(&j, "from", outcome_name(prev));
	json_kv_str(&j, "to", outcome_name((int)r->outcome));
	json_key(&j, "result");
	add_result_json(&j, r);
	json_obj_end(&j);
	emit(p->d, "probe-change", p->name, &j);
	json_free(&j);
}

/* hijack: a verdict that changed is its own event, with the evidence. */
static void verdict_event(const struct probed_verdict_change *ch, void *arg)
{
	struct probed_probe *p = arg;
	struct json j;

	log_notice("probe %s: %s verdict %s -> %s%s%s", p->name, ch->target, ch->from, ch->to,
	    ch->dst[0] ? " at " : "", ch->dst);
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", probe_type_name(p->spec.type));
	json_kv_str(&j, "target", ch->target);
	if (ch->dst[0])
		json_kv_str(&j, "dst", ch->dst);
	json_kv_uint(&j, "round", p->round);
	json_kv_str(&j, "from", ch->from);
	json_kv_str(&j, "to", ch->to);
	json_key(&j, "evidence");
	if (ch->checks)
		json_raw(&j, ch->checks, ch->checks_len);
	else
		json_null(&j);
	json_key(&j, "result");
	json_raw(&j, ch->result, ch->result_len);
	json_obj_end(&j);
	emit(p->d, "hijack", p->name, &j);
	json_free(&j);
}

static void note_verdict(struct probed_probe *p, const struct probe_result *r)
{
	if (p->spec.type != PROBE_HIJACK || !r->json ||
	    json_validate(r->json, r->json_len, NULL, NULL) != 0)
		return;
	if (probed_verdict_note(&p->verdicts, r->target, r->json, r->json_len) < 0)
		log_err("probe %s: no memory for the verdict of %s", p->name, r->target);
}

static void on_result(const struct probe_result *r, void *arg)
{
	struct probed_probe *p = arg;
	size_t i;

	for (i = 0; i < p->ntargets; i++)
		if (r->target && strcmp(p->targets[i], r->target) == 0)
			break;
	add_result_json(&p->results, r);
	p->nresults++;
	if (r->outcome == PROBE_REACHED)
		p->nreached++;
	if (i < p->ntargets) {
		int *state = per_resolver(p) ? pair_state(p, r) : &p->last[i];

		if (state)
			check_change(p, state, r);
		else
			log_err("probe %s: no memory for the state of %s", p->name, r->target);
	}
	note_verdict(p, r);
}

static void on_note(const char *text, void *arg)
{
	struct probed_probe *p = arg;

	/* Notes repeat every round ("using ping sockets"): once is enough. */
	log_msg(p->round == 1 ? LOG_NOTICE : LOG_DEBUG, "probe %s: %s", p->name, text);
}

/* The round's event: every target's result in one. */
static void round_event(struct probed_probe *p, const char *start, const char *error)
{
	struct json j;

	/* The verdict changes first, as a probe-change comes before its round. */
	probed_verdict_round_end(&p->verdicts, verdict_event, p);
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", probe_type_name(p->spec.type));
	json_kv_uint(&j, "round", p->round);
	json_kv_str(&j, "start", start);
	json_kv_uint(&j, "duration_ms", loop_now_ms() - p->started_ms);
	json_kv_uint(&j, "targets", p->ntargets);
	json_kv_uint(&j, "result_count", p->nresults);
	json_kv_uint(&j, "reached", p->nreached);
	json_kv_uint(&j, "skipped", p->skipped);
	if (error)
		json_kv_str(&j, "error", error);
	json_key(&j, "results");
	json_arr_end(&p->results);
	if (json_finish(&p->results, NULL, NULL) == 0)
		json_raw(&j, p->results.buf, p->results.len);
	else
		json_raw(&j, "[]", 2);
	json_obj_end(&j);
	emit(p->d, "probe", p->name, &j);
	json_free(&j);
	/* dns and hijack give a result per (name, resolver), not per name. */
	log_info("probe %s: round %llu: %zu of %zu %s reached", p->name,
	    (unsigned long long)p->round, p->nreached, per_resolver(p) ? p->nresults : p->ntargets,
	    per_resolver(p) ? "results" : "targets");
}

static void on_done(int err, void *arg)
{
	struct probed_probe *p = arg;
	struct probe_job *job = p->job;

	p->job = NULL;
	round_event(p, p->start, err < 0 ? strerror(-err) : NULL);
	probe_job_free(job);
}

static void begin_results(struct probed_probe *p)
{
	json_free(&p->results);
	json_init(&p->results);
	json_arr_begin(&p->results);
	p->nresults = p->nreached = 0;
}

/* The first nameserver of resolv.conf, as "@ADDRESS", into buf: what
 * resolvers = system means to a hijack probe that lists others beside it
 * (read at every round, as the type itself reads it). */
static int system_resolver(char *buf, size_t len)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512], addr[128];
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, " nameserver %127s", addr) == 1) {
			snprintf(buf, len, "@%s", addr);
			rc = 0;
		}
	fclose(f);
	return rc;
}

/* A hijack job takes its resolvers under test as "@..." targets after the
 * names (outpost-probe hijack NAME @RESOLVER...): none for system alone,
 * which the type looks up itself. */
static const char **job_targets(struct probed_probe *p, size_t *n, char *sys, size_t syslen)
{
	const char **v;
	bool only_system = p->nresolvers == 1 && !strcmp(p->resolvers[0], "@system");

	*n = p->ntargets;
	if (p->spec.type != PROBE_HIJACK || only_system)
		return (const char **)p->targets;
	if (!(v = calloc(p->ntargets + p->nresolvers, sizeof(*v))))
		return NULL;
	memcpy(v, p->targets, p->ntargets * sizeof(*v));
	for (size_t i = 0; i < p->nresolvers; i++) {
		if (strcmp(p->resolvers[i], "@system") != 0) {
			v[(*n)++] = p->resolvers[i];
		} else if (system_resolver(sys, syslen) == 0) {
			v[(*n)++] = sys;
		} else {
			log_warn("probe %s: resolvers = system, but /etc/resolv.conf names no "
			    "nameserver: left out", p->name);
		}
	}
	return v;
}

static void start_round(struct probed_probe *p)
{
	const struct probe_sink sink = {
		.result = on_result, .note = on_note, .done = on_done, .arg = p,
	};
	char err[256], sys[160];
	const char **targets;
	size_t n;
	int r;

	p->round++;
	p->overdue = 0;
	p->started_ms = loop_now_ms();
	iso_now(p->start, sizeof(p->start));
	begin_results(p);
	if (!(targets = job_targets(p, &n, sys, sizeof(sys)))) {
		r = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
	} else {
		r = probe_job_start(p->d->loop, p->d->res, &p->spec, targets, n, &sink, &p->job,
		    err, sizeof(err));
		if (targets != (const char **)p->targets)
			free(targets);
	}
	if (r < 0) {
		p->job = NULL;
		log_err("probe %s: round %llu cannot start: %s", p->name,
		    (unsigned long long)p->round, err);
		round_event(p, p->start, err);
	}
}

/* The round overran two due times: only a lookup that hangs (the type's
 * own timeouts fit in the interval, the schema checks that) can do that,
 * and it must not silence the probe. The type reports every unfinished
 * target with what it has; a type that cannot is stopped, and the round
 * recorded with what came in. */
static void wrap_up(struct probed_probe *p)
{
	struct probe_job *job = p->job;

	log_warn("probe %s: round %llu wrapped up after two intervals", p->name,
	    (unsigned long long)p->round);
	if (probe_job_drain(job) == 0)
		return;
	p->job = NULL;
	probe_job_free(job);
	round_event(p, p->start, "still running after two intervals: stopped");
}

static void on_timer(struct loop *l, void *arg);

/* Arm the timer for slot (round index) slot, due at first + slot × interval
 * ± jitter. */
static void arm_slot(struct probed_probe *p, uint64_t slot)
{
	uint64_t j = p->interval_ms / JITTER_DIV, due, now = loop_now_ms();

	if (j > JITTER_MAX_MS)
		j = JITTER_MAX_MS;
	due = p->first_ms + slot * p->interval_ms;
	if (slot > 0 && j > 0)
		due = due + probed_random(2 * j + 1) - j;
	p->timer = loop_timer_add(p->d->loop, due > now ? due - now : 0, on_timer, p);
	if (!p->timer)
		log_err("probe %s: no memory for its timer: it stops", p->name);
}

static void on_timer(struct loop *l, void *arg)
{
	struct probed_probe *p = arg;
	uint64_t now = loop_now_ms(), slot;

	(void)l;
	p->timer = 0;
	/* The slot this firing stands for (a late loop may have missed some). */
	slot = (now + p->interval_ms / 2 - p->first_ms) / p->interval_ms;
	arm_slot(p, slot + 1);
	if (p->job) {
		p->skipped++;
		p->overdue++;
		log_warn("probe %s: round %llu still running when the next was due: not started "
		    "twice (%llu skipped so far)", p->name, (unsigned long long)p->round,
		    (unsigned long long)p->skipped);
		if (p->overdue >= 2)
			wrap_up(p);
		return;
	}
	start_round(p);
}

void probed_probes_arm(struct probed *d)
{
	uint64_t off;

	for (size_t i = 0; i < d->nprobes; i++) {
		struct probed_probe *p = d->probes[i];

		if (p->timer || p->first_ms)
			continue;
		off = probed_random(p->spread_ms);
		p->first_ms = loop_now_ms() + off;
		log_info("probe %s: first round in %llu ms, then every %llu ms", p->name,
		    (unsigned long long)off, (unsigned long long)p->interval_ms);
		arm_slot(p, 0);
	}
}

void probed_probe_free(struct probed_probe *p)
{
	if (!p)
		return;
	probe_job_free(p->job);
	if (p->timer)
		loop_timer_cancel(p->d->loop, p->timer);
	json_free(&p->results);
	for (size_t i = 0; i < p->ntargets; i++)
		free(p->targets[i]);
	free(p->targets);
	free(p->last);
	probed_verdicts_free(&p->verdicts);
	for (size_t i = 0; i < p->npairs; i++) {
		free(p->pairs[i].target);
		free(p->pairs[i].dst);
	}
	free(p->pairs);
	for (size_t i = 0; i < p->nresolvers; i++)
		free(p->resolvers[i]);
	free(p->resolvers);
	free((void *)p->spec.dns_servers);
	free((char *)p->spec.sni);
	free((char *)p->spec.ca_file);
	free(p->fingerprint);
	free(p->name);
	free(p);
}

/* The keys of the dns and hijack types, whose values the spec does not
 * show the fingerprint yet (the types' own fields). */
static const char *const dns_keys[] = {
	"resolvers", "qtype", "tcp", "references", "dot", "sink", "nx-domain", "not-bogon",
	"window",
};

/* Every setting that makes a probe what it is, as one string. */
static char *fingerprint(const struct probed_probe *p, const struct conf_section *sec)
{
	const struct probe_spec *s = &p->spec;
	char src[sizeof(s->path.src) * 2 + 1], *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	for (size_t i = 0; i < sizeof(s->path.src); i++)
		sprintf(src + 2 * i, "%02x", ((const unsigned char *)&s->path.src)[i]);
	fprintf(fp, "%d|%d|%s|%s|%d:%u|%d|%d|%s|%u|%llu|%g|%llu|%u|%u|%d|%u|%u|%s|%s|%d|%u|%llu|%llu",
	    s->type, s->family, s->path.ifname, src, s->path.has_mark, s->path.mark, s->path.tos,
	    s->path.ttl, s->path.line, s->count, (unsigned long long)s->interval_ms, s->rate,
	    (unsigned long long)s->timeout_ms, s->size, s->port, s->trace_proto, s->max_hops,
	    s->queries, s->sni ? s->sni : "-", s->ca_file ? s->ca_file : "-", s->no_verify,
	    s->max_redirects, (unsigned long long)p->interval_ms, (unsigned long long)p->spread_ms);
	for (size_t i = 0; i < p->ntargets; i++)
		fprintf(fp, "|%s", p->targets[i]);
	for (size_t k = 0; k < sizeof(dns_keys) / sizeof(dns_keys[0]); k++)
		for (size_t i = 0; i < conf_get_count(sec, dns_keys[k]); i++) {
			char v[CONF_MSG_MAX];

			if (conf_value_format(conf_get_at(sec, dns_keys[k], i), 0, v, sizeof(v)) < 0)
				snprintf(v, sizeof(v), "?");
			fprintf(fp, "|%s=%s", dns_keys[k], v);
		}
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int probe_new(struct probed *d, const struct conf *conf, const struct conf_section *sec,
    struct probed_probe **out, char *why, size_t whylen)
{
	struct probed_probe *p = calloc(1, sizeof(*p));
	size_t n = conf_get_count(sec, "target");
	char sub[256];

	*out = NULL;
	if (!p)
		goto nomem;
	p->d = d;
	json_init(&p->results);
	if (probe_spec_from_conf(conf, sec, &p->spec, sub, sizeof(sub)) < 0) {
		snprintf(why, whylen, "[probe \"%s\"] %s", conf_section_name(sec), sub);
		p->spec.sni = p->spec.ca_file = NULL;
		probed_probe_free(p);
		return -EINVAL;
	}
	/* The spec's strings point into conf, which a reload frees. */
	if ((p->spec.sni && !(p->spec.sni = strdup(p->spec.sni))) ||
	    (p->spec.ca_file && !(p->spec.ca_file = strdup(p->spec.ca_file)))) {
		if (!p->spec.sni)
			p->spec.ca_file = NULL;
		goto nomem;
	}
	if (!(p->name = strdup(conf_section_name(sec))) || !(p->targets = calloc(n, sizeof(char *))) ||
	    !(p->last = calloc(n, sizeof(int))))
		goto nomem;
	if (p->spec.type == PROBE_HIJACK) {
		size_t nr = conf_get_count(sec, "resolvers");

		if (!(p->resolvers = calloc(nr, sizeof(char *))))
			goto nomem;
		for (; p->nresolvers < nr; p->nresolvers++)
			if (asprintf(&p->resolvers[p->nresolvers], "@%s",
			    conf_get_at(sec, "resolvers", p->nresolvers)->v.str) < 0) {
				p->resolvers[p->nresolvers] = NULL;
				goto nomem;
			}
	}
	for (; p->ntargets < n; p->ntargets++) {
		p->last[p->ntargets] = -1;
		if (!(p->targets[p->ntargets] = strdup(conf_get_at(sec, "target", p->ntargets)->v.str)))
			goto nomem;
	}
	p->interval_ms = conf_get_duration_ms(sec, "interval");
	p->spread_ms = conf_is_set(sec, "spread") ? conf_get_duration_ms(sec, "spread") :
	    p->interval_ms;
	if (!(p->fingerprint = fingerprint(p, sec)))
		goto nomem;
	*out = p;
	return 0;
nomem:
	snprintf(why, whylen, "out of memory");
	probed_probe_free(p);
	return -ENOMEM;
}

int probed_probes_build(struct probed *d, const struct conf *conf,
    struct probed_probe **old, size_t nold, struct probed_probe ***out, size_t *n,
    char *why, size_t whylen)
{
	const struct conf_section *sec = NULL;
	struct probed_probe **v = NULL, **t, *p;
	size_t count = 0;
	int r;

	*out = NULL;
	*n = 0;
	while ((sec = conf_section_next(conf, "probe", sec))) {
		if ((r = probe_new(d, conf, sec, &p, why, whylen)) < 0)
			goto fail;
		if (!(t = reallocarray(v, count + 1, sizeof(*v)))) {
			r = -ENOMEM;
			snprintf(why, whylen, "out of memory");
			probed_probe_free(p);
			goto fail;
		}
		v = t;
		v[count++] = p;
	}
	/* Only once nothing can fail: old probes replace their unchanged
	 * copies, so a bad reload never touches the running ones. */
	for (size_t i = 0; i < count; i++)
		for (size_t k = 0; k < nold; k++)
			if (old[k] && !strcmp(old[k]->name, v[i]->name) &&
			    !strcmp(old[k]->fingerprint, v[i]->fingerprint)) {
				probed_probe_free(v[i]);
				v[i] = old[k];
				old[k] = NULL;
				break;
			}
	/* A hijack probe whose settings changed (pointed at another resolver)
	 * keeps its verdicts: the change they make is what it reports. */
	for (size_t i = 0; i < count; i++)
		for (size_t k = 0; k < nold; k++)
			if (old[k] && old[k] != v[i] && !strcmp(old[k]->name, v[i]->name) &&
			    old[k]->spec.type == PROBE_HIJACK && v[i]->spec.type == PROBE_HIJACK &&
			    !v[i]->verdicts.n) {
				v[i]->verdicts = old[k]->verdicts;
				old[k]->verdicts.v = NULL;
				old[k]->verdicts.n = 0;
				break;
			}
	*out = v;
	*n = count;
	return 0;
fail:
	for (size_t i = 0; i < count; i++)
		probed_probe_free(v[i]);
	free(v);
	return r;
}

bool probed_conf_needs_mark(const struct conf *conf)
{
	const struct conf_section *sec = NULL;
	struct probe_spec s;
	char why[64];

	while ((sec = conf_section_next(conf, "probe", sec)))
		if (probe_spec_from_conf(conf, sec, &s, why, sizeof(why)) == 0) {
			free((void *)s.dns_servers);
			if (s.path.has_mark)
				return true;
		}
	return false;
}
