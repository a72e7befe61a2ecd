/* test-probed-verdict: outpost-probed's hijack verdict state.
 *
 * The field scan over a result's JSON (nested objects, strings holding
 * braces and escaped quotes, keys that are prefixes of others), then the
 * verdict per (target, dst): no change on the first verdict, a change
 * with its from, to, dst and the "checks" object as evidence, two
 * resolvers of one name kept apart, and results without a verdict
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

static int upd(struct probed_verdicts *vs, const char *target, const char *js,
    struct probed_verdict_change *ch)
{
	return probed_verdict_update(vs, target, js, strlen(js), ch);
}

static void test_changes(void)
{
	struct probed_verdicts vs = { 0 };
	struct probed_verdict_change ch;
	char ev[256];

	is_int(upd(&vs, "www.example.test", RES("192.0.2.53", "clean"), &ch), 0,
	    "verdict: the first is no change");
	is_int(upd(&vs, "www.example.test", RES("192.0.2.53", "clean"), &ch), 0,
	    "verdict: the same again is no change");
	is_int(upd(&vs, "www.example.test", RES("192.0.2.54", "hijacked"), &ch), 0,
	    "verdict: another resolver of the same name starts its own state");
	is_int(upd(&vs, "www.example.test", RES("192.0.2.53", "hijacked"), &ch), 1,
	    "verdict: clean -> hijacked is a change");
	is_str(ch.from, "clean", "verdict: from");
	is_str(ch.to, "hijacked", "verdict: to");
	is_str(ch.dst, "192.0.2.53", "verdict: dst");
	snprintf(ev, sizeof(ev), "%.*s", (int)ch.checks_len, ch.checks ? ch.checks : "");
	is_str(ev, "{\"bogons\":{\"status\":\"hijacked\"}}", "verdict: evidence = the checks");
	is_int(upd(&vs, "www.example.test", "{\"type\":\"hijack\",\"dst\":\"192.0.2.53\","
	    "\"outcome\":\"unreachable\"}", &ch), 0, "verdict: a result without one is ignored");
	is_int(upd(&vs, "www.example.test", RES("192.0.2.53", "suspect"), &ch), 1,
	    "verdict: hijacked -> suspect is a change too");
	is_str(ch.from, "hijacked", "verdict: from the last verdict, not the ignored result");
	is_int(upd(&vs, "other.example.test", RES("192.0.2.53", "hijacked"), &ch), 0,
	    "verdict: another target starts its own state");
	is_int(upd(&vs, "www.example.test", RES("192.0.2.53", "clean"), &ch), 1,
	    "verdict: and back to clean");
	is_str(ch.to, "clean", "verdict: to clean");
	is_int(vs.n, 3, "verdict: three (target, dst) pairs kept");
	probed_verdicts_free(&vs);
	is_int(vs.n, 0, "verdict: freed");
}

int main(void)
{
	test_field();
	test_changes();
	done_testing();
}
