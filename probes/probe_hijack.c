/* probe_hijack.c: outpost-probe hijack, the type.
 *
 * One case per (name, resolver under test). A case runs in two phases:
 * first every question at once (the name to the tested resolver and to
 * each reference, the random NXDOMAIN names to the tested resolver and
 * the first reference, and the injection check), then, only when the
 * answer sets came out disjoint, a TLS handshake to each tested address
 * that may clear it. The checks and the verdict are computed from what
 * was gathered (hijack_checks.c) and reported (hijack_report.c). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hijack_int.h"

#define DNS_TYPE_A	1
#define DNS_TYPE_AAAA	28

struct hijack_job {
	struct probe_job	*j;
	SSL_CTX			*ctx;
	uint16_t		qtype;
	uint64_t		timeout_ms;
	struct hijack_server	refs[PROBE_HIJACK_MAX_REFS + PROBE_HIJACK_MAX_DOTS];
	size_t			nrefs;
	struct probe_hijack_prefix exempt[PROBE_HIJACK_MAX_EXEMPT];
	size_t			nexempt;
	struct hijack_case	*cases;
	size_t			ncases, left;
	uint64_t		kick;		/* cases with nothing in flight */
};

/* Where an answer goes in its case. */
struct ask_slot {
	struct hijack_case	*c;
	struct hijack_reply	*rep;
	size_t			idx;
};

static void case_finish(struct hijack_case *c)
{
	struct hijack_job *hj = c->hj;

	if (c->done)
		return;
	c->done = true;
	hijack_checks_run(c, hj->exempt, hj->nexempt);
	hijack_report(hj->j, c, hj->exempt, hj->nexempt);
	if (--hj->left == 0)
		probe_job_finish(hj->j, 0);
}

static void clear_over(struct hijack_clear *cl)
{
	struct hijack_case *c = cl->c;
	struct hijack_job *hj = c->hj;

	cl->done = true;
	if (cl->timer)
		loop_timer_cancel(probe_job_loop(hj->j), cl->timer);
	cl->timer = 0;
	probe_conn_free(cl->conn);
	cl->conn = NULL;
	if (--c->clear_pending == 0)
		case_finish(c);
}

static void on_clear_conn(struct probe_conn *conn, enum probe_conn_event ev, void *arg)
{
	struct hijack_clear *cl = arg;

	if (ev == PROBE_CONN_OPEN) {
		/* probe_conn opens only a verified chain valid for the SNI */
		cl->genuine = true;
		snprintf(cl->state, sizeof(cl->state), "verified");
		clear_over(cl);
	} else if (ev == PROBE_CONN_ERROR) {
		snprintf(cl->state, sizeof(cl->state), "%s-failed",
		    probe_conn_stage_name(probe_conn_stage(conn)));
		snprintf(cl->why, sizeof(cl->why), "%s", probe_conn_error(conn));
		clear_over(cl);
	}
}

static void on_clear_timeout(struct loop *l, void *arg)
{
	struct hijack_clear *cl = arg;

	(void)l;
	cl->timer = 0;
	snprintf(cl->state, sizeof(cl->state), "timeout");
	snprintf(cl->why, sizeof(cl->why), "no handshake in %llu ms",
	    (unsigned long long)((struct hijack_job *)((struct hijack_case *)cl->c)->hj)->timeout_ms);
	clear_over(cl);
}

/* Phase two: a handshake with SNI = name to each tested address. */
static void start_clearing(struct hijack_case *c)
{
	struct hijack_job *hj = c->hj;
	const struct probe_spec *sp = probe_job_spec(hj->j);

	c->nclear = c->tested_rep.n;
	c->clear_pending = c->nclear + 1;	/* held until every one started */
	for (size_t i = 0; i < c->nclear; i++) {
		struct hijack_clear *cl = &c->clear[i];
		char host[64];
		struct probe_conn_opts o = {
			.host = host, .port = 443, .family = AF_UNSPEC, .path = &sp->path,
			.tls = hj->ctx, .sni = c->name, .verify = true,
		};
		int rc;

		cl->addr = c->tested_rep.a[i];
		cl->c = c;
		hijack_addr_str(&cl->addr, host, sizeof(host));
		if ((rc = probe_conn_start(probe_job_loop(hj->j), probe_job_resolver(hj->j), &o,
		    on_clear_conn, cl, &cl->conn)) < 0) {
			snprintf(cl->state, sizeof(cl->state), "failed");
			snprintf(cl->why, sizeof(cl->why), "%s", strerror(-rc));
			cl->done = true;
			c->clear_pending--;
			continue;
		}
		cl->timer = loop_timer_add(probe_job_loop(hj->j), hj->timeout_ms, on_clear_timeout,
		    cl);
	}
	if (--c->clear_pending == 0)
		case_finish(c);
}

static void phase_one_over(struct hijack_case *c)
{
	if (c->pending || !c->inject_done)
		return;
	if (hijack_needs_clearing(c))
		start_clearing(c);
	else
		case_finish(c);
}

static void on_answer(const struct hijack_reply *rep, void *arg)
{
	struct ask_slot *s = arg;
	struct hijack_case *c = s->c;

	*s->rep = *rep;
	c->asks[s->idx] = NULL;	/* freed by hijack_ask after we return */
	c->pending--;
	phase_one_over(c);
}

static void on_inject(enum probe_hijack_status st, const char *json, size_t len, void *arg)
{
	struct hijack_case *c = arg;

	c->inject_status = st;
	if ((c->inject_json = malloc(len + 1))) {
		memcpy(c->inject_json, json, len);
		c->inject_json[len] = '\0';
	}
	c->inject_done = true;
	phase_one_over(c);
}

static int ask(struct hijack_case *c, struct hijack_server *srv, const char *name,
    struct hijack_reply *rep)
{
	struct hijack_job *hj = c->hj;
	struct ask_slot *s = &((struct ask_slot *)c->slots)[c->nasks];
	int rc;

	s->c = c;
	s->rep = rep;
	s->idx = c->nasks;
	if ((rc = hijack_ask_start(probe_job_loop(hj->j), probe_job_resolver(hj->j),
	    probe_job_spec(hj->j), srv, name, hj->qtype, on_answer, s, &c->asks[c->nasks])) < 0) {
		rep->status = rc;
		snprintf(rep->why, sizeof(rep->why), "%s", strerror(-rc));
		return 0;	/* reported in the check, not a failed job */
	}
	c->nasks++;
	c->pending++;
	return 0;
}

/* A label no zone has: 16 random letters. */
static int random_name(char *buf, size_t len, const char *domain)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz";
	uint8_t rnd[16];
	char label[17];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	for (size_t i = 0; i < sizeof(rnd); i++)
		label[i] = letters[rnd[i] % 26];
	label[16] = '\0';
	snprintf(buf, len, "%s.%s", label, domain);
	return 0;
}

static int case_start(struct hijack_job *hj, struct hijack_case *c)
{
	struct loop *l = probe_job_loop(hj->j);
	const struct probe_spec *sp = probe_job_spec(hj->j);
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	int rc;

	if (sp->hijack_nx_domain[0]) {
		snprintf(c->nx_domain, sizeof(c->nx_domain), "%s", sp->hijack_nx_domain);
	} else {
		const char *dot = strchr(c->name, '.');
		snprintf(c->nx_domain, sizeof(c->nx_domain), "%s",
		    dot && dot[1] ? dot + 1 : c->name);
	}
	c->nx_has_ref = c->nrefs > 0;
	/* the name, the nx names, each reference, the reference's nx names */
	size_t nask = 1 + 2 * HIJACK_NX_NAMES + c->nrefs;

	if (!(c->asks = calloc(nask, sizeof(*c->asks))) ||
	    !(c->slots = calloc(nask, sizeof(struct ask_slot))) ||
	    !(c->ref_rep = calloc(c->nrefs ? c->nrefs : 1, sizeof(*c->ref_rep))))
		return -ENOMEM;
	if ((rc = ask(c, &c->tested, c->name, &c->tested_rep)) < 0)
		return rc;
	for (size_t i = 0; i < c->nrefs; i++)
		if ((rc = ask(c, &c->refs[i], c->name, &c->ref_rep[i])) < 0)
			return rc;
	for (int i = 0; i < HIJACK_NX_NAMES; i++) {
		if ((rc = random_name(c->nx_name[i], sizeof(c->nx_name[i]), c->nx_domain)) < 0)
			return rc;
		if ((rc = ask(c, &c->tested, c->nx_name[i], &c->nx_tested[i])) < 0)
			return rc;
		if (c->nx_has_ref && (rc = ask(c, &c->refs[0], c->nx_name[i], &c->nx_ref[i])) < 0)
			return rc;
	}
	/* check 2: the inject helper's; skipped while it is not built */
	c->inject_status = PROBE_HIJACK_SKIPPED;
	c->inject_done = true;
	if (!c->tested.dot && hijack_server_sockaddr(&c->tested, &ss, &sslen) == 0) {
		rc = probe_hijack_inject_start(l, sp, (struct sockaddr *)&ss, sslen, c->name,
		    hj->qtype, on_inject, c, &c->inject);
		if (rc == 0)
			c->inject_done = false;
		else if (rc == -EPERM)
			snprintf(c->why[PROBE_HIJACK_INJECTION], sizeof(c->why[0]),
			    "capturing needs CAP_NET_RAW");
		else if (rc != -ENOSYS) {
			c->inject_status = PROBE_HIJACK_SUSPECT;
			snprintf(c->why[PROBE_HIJACK_INJECTION], sizeof(c->why[0]),
			    "could not start: %s", strerror(-rc));
		}
	}
	return 0;
}

static void kick(struct loop *l, void *arg)
{
	struct hijack_job *hj = arg;

	(void)l;
	hj->kick = 0;
	for (size_t i = 0; i < hj->ncases; i++)
		if (!hj->cases[i].done && !hj->cases[i].pending)
			phase_one_over(&hj->cases[i]);
}

/* The first nameserver of resolv.conf: the system's resolver under test. */
static int system_server(char *buf, size_t len)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512];
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char addr[128];

		if (sscanf(line, " nameserver %127s", addr) == 1) {
			snprintf(buf, len, "%s", addr);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* "host[:port][#tls-name]" of --dot into srv. */
static void dot_server(struct hijack_server *srv, const char *text, SSL_CTX *ctx)
{
	const char *hash = strchr(text, '#');
	size_t hl = hash ? (size_t)(hash - text) : strlen(text);
	char hp[256];
	struct probe_url u;

	snprintf(srv->text, sizeof(srv->text), "%s", text);
	snprintf(hp, sizeof(hp), "%.*s", (int)hl, text);
	srv->dot = true;
	srv->ctx = ctx;
	if (probe_hostport_parse(hp, 853, &u) == 0) {
		snprintf(srv->host, sizeof(srv->host), "%s", u.host);
		srv->port = u.port;
	} else {
		snprintf(srv->host, sizeof(srv->host), "%s", hp);
		srv->port = 853;
	}
	snprintf(srv->tls_name, sizeof(srv->tls_name), "%s", hash ? hash + 1 : srv->host);
}

static void stop(struct probe_job *j)
{
	struct hijack_job *hj = probe_job_priv(j);

	if (!hj)
		return;
	for (size_t i = 0; i < hj->ncases; i++) {
		struct hijack_case *c = &hj->cases[i];

		for (size_t k = 0; c->asks && k < c->nasks; k++)
			hijack_ask_free(c->asks[k]);
		for (size_t k = 0; k < c->nclear; k++) {
			if (c->clear[k].timer)
				loop_timer_cancel(probe_job_loop(j), c->clear[k].timer);
			probe_conn_free(c->clear[k].conn);
		}
		probe_hijack_inject_free(c->inject);
		hijack_server_close(&c->tested);
		free(c->asks);
		free(c->slots);
		free(c->ref_rep);
		free(c->inject_json);
	}
	for (size_t i = 0; i < hj->nrefs; i++)
		hijack_server_close(&hj->refs[i]);
	if (hj->kick)
		loop_timer_cancel(probe_job_loop(j), hj->kick);
	free(hj->cases);
	SSL_CTX_free(hj->ctx);
	free(hj);
	probe_job_set_priv(j, NULL);
}

static int start(struct probe_job *j)
{
	const struct probe_spec *sp = probe_job_spec(j);
	struct loop *l = probe_job_loop(j);
	struct hijack_job *hj;
	size_t nnames = 0, nservers = 0, n = probe_job_ntargets(j);
	char sysname[128];
	const char *why = NULL;
	int rc;

	if (!(hj = calloc(1, sizeof(*hj))))
		return -ENOMEM;
	probe_job_set_priv(j, hj);
	hj->j = j;
	hj->qtype = sp->dns_qtype ? sp->dns_qtype :
	    sp->family == AF_INET6 ? DNS_TYPE_AAAA : DNS_TYPE_A;
	if (hj->qtype != DNS_TYPE_A && hj->qtype != DNS_TYPE_AAAA) {
		probe_job_error(j, "hijack: -t/--type: only A or AAAA (addresses to check)");
		return -EINVAL;
	}
	hj->timeout_ms = sp->timeout_ms ? sp->timeout_ms : 5000;
	for (size_t i = 0; i < n; i++)
		*(probe_job_target(j, i)[0] == '@' ? &nservers : &nnames) += 1;
	if (!nnames) {
		probe_job_error(j, "hijack: which name? give NAME [@RESOLVER...]");
		return -EINVAL;
	}
	if (!nservers && (rc = system_server(sysname, sizeof(sysname))) < 0) {
		probe_job_error(j, "hijack: no resolver given and none in /etc/resolv.conf: %s",
		    strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < sp->n_hijack_not_bogon; i++)
		if (probe_hijack_prefix_parse(sp->hijack_not_bogon[i], &hj->exempt[hj->nexempt]) == 0)
			hj->nexempt++;
	if (!(hj->ctx = probe_tls_ctx_new(sp->ca_file, &why))) {
		probe_job_error(j, "hijack: TLS: %s", why ? why : "no context");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < sp->n_hijack_ref; i++) {
		struct hijack_server *srv = &hj->refs[hj->nrefs++];

		snprintf(srv->text, sizeof(srv->text), "%s", sp->hijack_ref[i]);
		if ((rc = hijack_server_open(l, sp, srv)) < 0) {
			probe_job_error(j, "hijack: --ref @%s: %s", srv->text, strerror(-rc));
			return rc;
		}
	}
	for (unsigned i = 0; i < sp->n_hijack_dot; i++)
		dot_server(&hj->refs[hj->nrefs++], sp->hijack_dot[i], hj->ctx);
	hj->ncases = nnames * (nservers ? nservers : 1);
	if (!(hj->cases = calloc(hj->ncases, sizeof(*hj->cases))))
		return -ENOMEM;
	hj->left = hj->ncases;
	for (size_t ni = 0, k = 0; ni < n; ni++) {
		const char *name = probe_job_target(j, ni);

		if (name[0] == '@')
			continue;
		size_t nloop = nservers ? n : 1;

		for (size_t si = 0; si < nloop; si++) {
			const char *srvtext = nservers ? probe_job_target(j, si) : sysname;
			struct hijack_case *c;

			if (nservers && srvtext[0] != '@')
				continue;
			c = &hj->cases[k++];
			c->hj = hj;
			c->name = name;
			c->qtype = hj->qtype;
			c->refs = hj->refs;
			c->nrefs = hj->nrefs;
			snprintf(c->tested.text, sizeof(c->tested.text), "%s",
			    srvtext + (srvtext[0] == '@'));
			if ((rc = hijack_server_open(l, sp, &c->tested)) < 0) {
				probe_job_error(j, "hijack: @%s: %s", c->tested.text, strerror(-rc));
				return rc;
			}
		}
	}
	for (size_t i = 0; i < hj->ncases; i++)
		if ((rc = case_start(hj, &hj->cases[i])) < 0) {
			probe_job_error(j, "hijack: %s", strerror(-rc));
			return rc;
		}
	/* a case whose every question failed at once is over now; report
	 * from the loop, never from start */
	hj->kick = loop_timer_add(l, 0, kick, hj);
	return 0;
}

const struct probe_type_ops probe_hijack_ops = {
	.name = "hijack",
	.start = start,
	.stop = stop,
};
