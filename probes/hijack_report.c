/* hijack_report.c: one case as a JSON object and as lines for a human.
 *
 * The fields are those of the hijack block of outpost-probe(1). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "hijack_int.h"

static const char *rcode_name(int rc)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	};
	return rc >= 0 && rc < (int)(sizeof(names) / sizeof(names[0])) ? names[rc] : "OTHER";
}

static void addrs_json(struct json *j, const char *key, const struct hijack_reply *r)
{
	char buf[64];

	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < r->n; i++) {
		hijack_addr_str(&r->a[i], buf, sizeof(buf));
		json_obj_begin(j);
		json_kv_str(j, "addr", buf);
		json_kv_uint(j, "ttl", r->a[i].ttl);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void rcode_json(struct json *j, const char *key, const struct hijack_reply *r)
{
	json_key(j, key);
	json_str(j, r->status == 0 ? rcode_name(r->rcode) : NULL);
}

static void check_begin(struct json *j, const struct hijack_case *c, enum probe_hijack_check k)
{
	json_key(j, probe_hijack_check_name(k));
	json_obj_begin(j);
	json_kv_str(j, "status", probe_hijack_status_name(c->st[k]));
	json_kv_str(j, "why", c->why[k]);
}

static void consistency_json(struct json *j, const struct hijack_case *c)
{
	char buf[64];

	check_begin(j, c, PROBE_HIJACK_CONSISTENCY);
	json_key(j, "common");
	json_arr_begin(j);
	for (size_t k = 0; k < c->tested_rep.n; k++)
		for (size_t i = 0; i < c->nrefs; i++)
			if (c->ref_rep[i].status == 0 && !c->refs[i].unusable &&
			    hijack_reply_has(&c->ref_rep[i], &c->tested_rep.a[k])) {
				hijack_addr_str(&c->tested_rep.a[k], buf, sizeof(buf));
				json_str(j, buf);
				break;
			}
	json_arr_end(j);
	for (int genuine = 1; genuine >= 0; genuine--) {
		json_key(j, genuine ? "cleared" : "not_cleared");
		json_arr_begin(j);
		for (size_t i = 0; i < c->nclear; i++) {
			if (c->clear[i].genuine != (bool)genuine)
				continue;
			hijack_addr_str(&c->clear[i].addr, buf, sizeof(buf));
			json_obj_begin(j);
			json_kv_str(j, "addr", buf);
			json_kv_str(j, "state", c->clear[i].state);
			if (c->clear[i].why[0])
				json_kv_str(j, "why", c->clear[i].why);
			json_obj_end(j);
		}
		json_arr_end(j);
	}
	json_obj_end(j);
}

static void nxdomain_json(struct json *j, const struct hijack_case *c)
{
	check_begin(j, c, PROBE_HIJACK_NXDOMAIN);
	json_kv_str(j, "domain", c->nx_domain);
	json_key(j, "names");
	json_arr_begin(j);
	for (int i = 0; i < HIJACK_NX_NAMES; i++) {
		json_obj_begin(j);
		json_kv_str(j, "name", c->nx_name[i]);
		rcode_json(j, "rcode", &c->nx_tested[i]);
		addrs_json(j, "answers", &c->nx_tested[i]);
		if (c->nx_has_ref)
			rcode_json(j, "ref_rcode", &c->nx_ref[i]);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void bogons_json(struct json *j, const struct hijack_case *c,
    const struct probe_hijack_prefix *ex, size_t nex)
{
	char buf[80];

	check_begin(j, c, PROBE_HIJACK_BOGONS);
	json_key(j, "bogons");
	json_arr_begin(j);
	for (size_t i = 0; i < c->tested_rep.n; i++) {
		const char *cls = probe_hijack_bogon(c->tested_rep.a[i].family, c->tested_rep.a[i].a,
		    ex, nex);

		if (!cls)
			continue;
		hijack_addr_str(&c->tested_rep.a[i], buf, sizeof(buf));
		json_obj_begin(j);
		json_kv_str(j, "addr", buf);
		json_kv_str(j, "class", cls);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "exempt");
	json_arr_begin(j);
	for (size_t i = 0; i < nex; i++) {
		struct hijack_addr h = { .family = ex[i].family };
		char a[64];

		memcpy(h.a, ex[i].addr, sizeof(h.a));
		hijack_addr_str(&h, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, ex[i].len);
		json_str(j, buf);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void ttl_json(struct json *j, const struct hijack_case *c)
{
	uint32_t t = 0, r = 0;
	bool have_r = false;

	for (size_t i = 0; i < c->tested_rep.n; i++)
		t = c->tested_rep.a[i].ttl > t ? c->tested_rep.a[i].ttl : t;
	for (size_t i = 0; i < c->nrefs; i++)
		for (size_t k = 0; c->ref_rep[i].status == 0 && !c->refs[i].unusable &&
		    k < c->ref_rep[i].n; k++) {
			r = c->ref_rep[i].a[k].ttl > r ? c->ref_rep[i].a[k].ttl : r;
			have_r = true;
		}
	check_begin(j, c, PROBE_HIJACK_TTL);
	json_key(j, "tested");
	if (c->tested_rep.n)
		json_uint(j, t);
	else
		json_null(j);
	json_key(j, "reference");
	if (have_r)
		json_uint(j, r);
	else
		json_null(j);
	json_obj_end(j);
}

static void refs_json(struct json *j, const struct hijack_case *c)
{
	json_key(j, "references");
	json_arr_begin(j);
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct hijack_reply *r = &c->ref_rep[i];

		json_obj_begin(j);
		json_kv_str(j, "ref", c->refs[i].text);
		json_kv_str(j, "kind", c->refs[i].dot ? "dot" : "udp");
		json_kv_str(j, "status", c->refs[i].unusable ? "unusable" :
		    r->status == 0 ? "ok" : "unreachable");
		if (r->status < 0)
			json_kv_str(j, "why", r->why);
		rcode_json(j, "rcode", r);
		addrs_json(j, "answers", r);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* The case's result: JSON, text, and the outcome for the exit status. */
void hijack_report(struct probe_job *job, struct hijack_case *c,
    const struct probe_hijack_prefix *exempt, size_t nexempt)
{
	const struct probe_spec *sp = probe_job_spec(job);
	enum probe_hijack_verdict v = probe_hijack_verdict(c->st);
	struct probe_result res = { .target = c->name, .addr = c->tested.text };
	const char *outcome, *json;
	char text[4096], failed[96] = "";
	size_t len, o;
	struct json j;

	if (c->tested_rep.status < 0) {
		res.outcome = PROBE_UNREACHABLE;
		outcome = "unreachable";
	} else if (c->tested_rep.rcode == 3) {
		res.outcome = PROBE_UNRESOLVED;
		outcome = "unresolved";
	} else {
		res.outcome = PROBE_REACHED;
		outcome = "reached";
	}
	res.alarm = v != PROBE_HIJACK_CLEAN;
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "hijack");
	json_kv_str(&j, "target", c->name);
	json_kv_str(&j, "dst", c->tested.text);
	if (sp->path.line[0])
		json_kv_str(&j, "line", sp->path.line);
	json_kv_str(&j, "outcome", outcome);
	json_kv_str(&j, "qtype", c->qtype == 28 ? "AAAA" : "A");
	json_kv_str(&j, "verdict", probe_hijack_verdict_name(v));
	rcode_json(&j, "rcode", &c->tested_rep);
	if (c->tested_rep.status < 0)
		json_kv_str(&j, "error", c->tested_rep.why);
	addrs_json(&j, "answers", &c->tested_rep);
	refs_json(&j, c);
	json_key(&j, "checks");
	json_obj_begin(&j);
	consistency_json(&j, c);
	json_key(&j, "injection");
	if (c->inject_json && c->inject_json[0] == '{') {
		json_raw(&j, c->inject_json, strlen(c->inject_json));
	} else {
		json_obj_begin(&j);
		json_kv_str(&j, "status", probe_hijack_status_name(c->st[PROBE_HIJACK_INJECTION]));
		json_kv_str(&j, "why", c->why[PROBE_HIJACK_INJECTION]);
		json_obj_end(&j);
	}
	nxdomain_json(&j, c);
	bogons_json(&j, c, exempt, nexempt);
	ttl_json(&j, c);
	json_obj_end(&j);
	json_obj_end(&j);

	for (int k = 0; k < PROBE_HIJACK_NCHECKS; k++)
		if (c->st[k] == PROBE_HIJACK_FAIL || c->st[k] == PROBE_HIJACK_SUSPECT) {
			size_t fl = strlen(failed);
			snprintf(failed + fl, sizeof(failed) - fl, "%s%s", fl ? ", " : " (",
			    probe_hijack_check_name((enum probe_hijack_check)k));
		}
	if (failed[0])
		strncat(failed, ")", sizeof(failed) - strlen(failed) - 1);
	o = (size_t)snprintf(text, sizeof(text), "%s @%s: %s%s\n", c->name, c->tested.text,
	    probe_hijack_verdict_name(v), failed);
	for (int k = 0; k < PROBE_HIJACK_NCHECKS && o < sizeof(text); k++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "  %-12s %-8s %s\n",
		    probe_hijack_check_name((enum probe_hijack_check)k),
		    probe_hijack_status_name(c->st[k]), c->why[k]);
	res.text = text;
	if (json_finish(&j, &json, &len) == 0) {
		res.json = json;
		res.json_len = len;
	} else {
		res.outcome = PROBE_FAILED;
		res.json = "{}";
		res.json_len = 2;
	}
	probe_job_result(job, &res);
	json_free(&j);
}
