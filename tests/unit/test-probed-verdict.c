/* test-probed-verdict: outpost-probed's hijack verdict state.
 *
 * The field scan over a result's JSON (nested objects, strings holding
 * braces and escaped quotes, keys that are prefixes of others), then the
 * verdict per target and round: no change on the first verdict, a target's
 * results (one per resolver) folded into the worst, a change with its
 * from, to, dst and the "checks" object as evidence, another resolver
 * compared with the target's last verdict, and results without a verdict
 * leaving the state alone. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "probed.h"
#include "../tap.h"

static void test_field(void)
{
	const char *js = "{\"type\":\"hijack\",\"n\":-12.5e3,\"checksum\":\"x\","
	    "\"checks\":{\"a\":{\"why\":\"a } brace and \\\"quotes\\\"\"},\"b\":[1,{\"c\":2}]},"
	    "\"ok\":true, \"verdict\" : \"hijacked\"}";
	const char *v;
	size_t n;
	char buf[256];

	is_int(probed_json_field(js, strlen(js), "n", &v, &n), 0, "field: a number");
	ok(n == 7 && !memcmp(v, "-12.5e3", 7), "field: the number's text");
	is_int(probed_json_field(js, strlen(js), "checks", &v, &n), 0, "field: an object");
	snprintf(buf, sizeof(buf), "%.*s", (int)n, v);
	is_str(buf, "{\"a\":{\"why\":\"a } brace and \\\"quotes\\\"\"},\"b\":[1,{\"c\":2}]}",
	    "field: the whole nested object, not cut at the brace in a string");
	is_int(probed_json_field(js, strlen(js), "verdict", &v, &n), 0,
	    "field: after spaces around the colon");
	ok(n == 10 && !memcmp(v, "\"hijacked\"", 10), "field: the string with its quotes");
	is_int(probed_json_field(js, strlen(js), "ok", &v, &n), 0, "field: a bare word");
	ok(n == 4 && !memcmp(v, "true", 4), "field: true");
	is_int(probed_json_field(js, strlen(js), "check", &v, &n), -ENOENT,
	    "field: a prefix of a key is not the key");
	is_int(probed_json_field(js, strlen(js), "a", &v, &n), -ENOENT,
	    "field: a key of a nested object is not top-level");
	is_int(probed_json_field("[1]", 3, "a", &v, &n), -EINVAL, "field: not an object");
	is_int(probed_json_field("{\"a\":", 5, "a", &v, &n), -EINVAL, "field: cut after the key");
	is_int(probed_json_field("{\"a\":\"xy", 8, "b", &v, &n), -ENOENT,
	    "field: an unterminated string ends the scan");
}

#define RES(dst, verdict) "{\"type\":\"hijack\",\"target\":\"www.example.test\",\"dst\":\"" dst \
	"\",\"outcome\":\"reached\",\"verdict\":\"" verdict "\",\"checks\":{\"bogons\":" \
	"{\"status\":\"" verdict "\"}}}"

/* The changes of one round, as "target from>to @dst evidence" lines. */
static char got[1024];

static void on_change(const struct probed_verdict_change *ch, void *arg)
{
	size_t n = strlen(got);

	(void)arg;
	snprintf(got + n, sizeof(got) - n, "%s%s %s>%s @%s %.*s", n ? "\n" : "", ch->target,
	    ch->from, ch->to, ch->dst, ch->checks ? (int)ch->checks_len : 4,
	    ch->checks ? ch->checks : "null");
	ok(ch->result && ch->result_len && ch->result[0] == '{' &&
	    ch->result[ch->result_len - 1] == '}', "change: carries the whole result");
}

static const char *round_of(struct probed_verdicts *vs, const char *const *res, size_t n)
{
	got[0] = '\0';
	for (size_t i = 0; i < n; i += 2)
		if (probed_verdict_note(vs, res[i], res[i + 1], strlen(res[i + 1])) < 0)
			bail_out("no memory");
	probed_verdict_round_end(vs, on_change, NULL);
	return got;
}

#define ROUND(...) round_of(&vs, (const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void test_changes(void)
{
	struct probed_verdicts vs = { 0 };
	const char *www = "www.example.test", *other = "other.example.test";

	is_str(ROUND(www, RES("10.53.2.53", "clean"), other, RES("10.53.2.53", "hijacked")), "",
	    "round 1: the first verdicts are no change");
	is_str(ROUND(www, RES("10.53.2.53", "clean"), other, RES("10.53.2.53", "hijacked")), "",
	    "round 2: the same again is no change");
	is_str(ROUND(www, RES("10.53.2.53", "clean"), www, RES("10.53.2.54", "hijacked"),
	    www, RES("10.53.2.55", "suspect")),
	    "www.example.test clean>hijacked @10.53.2.54 {\"bogons\":{\"status\":\"hijacked\"}}",
	    "round 3: a target's verdict is its worst result's, whatever the order; the evidence "
	    "is that result's checks");
	is_str(ROUND(www, "{\"type\":\"hijack\",\"dst\":\"10.53.2.54\",\"outcome\":\"unreachable\"}"),
	    "", "round 4: a result without a verdict leaves the last one standing");
	is_str(ROUND(www, RES("10.53.2.99", "suspect"), other, RES("10.53.2.53", "clean")),
	    "www.example.test hijacked>suspect @10.53.2.99 {\"bogons\":{\"status\":\"suspect\"}}\n"
	    "other.example.test hijacked>clean @10.53.2.53 {\"bogons\":{\"status\":\"clean\"}}",
	    "round 5: another resolver (a reload) compares with the target's last verdict; "
	    "each target changes on its own");
	is_str(ROUND(www, "{\"verdict\":\"weird\",\"dst\":\"x\"}", www, "not json at all"), "",
	    "round 6: an unknown verdict word and no object are ignored");
	is_str(ROUND(www, "{\"verdict\":\"clean\"}"), "www.example.test suspect>clean @ null",
	    "round 7: a result without dst or checks still gives the change");
	is_int(vs.n, 2, "two targets kept");
	probed_verdicts_free(&vs);
	is_int(vs.n, 0, "freed");
}

int main(void)
{
	test_field();
	test_changes();
	done_testing();
}
