/* test-routed-fight: outpost-routed's bookkeeping of objects it keeps
 * putting back (routed_fight.c) over its object index (routed_index.c),
 * on a fake clock: re-adds spread wider than the window never make an
 * object contested; the fifth within 10 s does, for 10 s, then 20, 40,
 * ... up to 10 minutes; an object in its backoff stays held; an object at
 * peace is forgotten; thousands of objects (a flush) are each one
 * re-add, none contested; and the status lists each contested object
 * with its count and what is left of its backoff. */
#include "config.h"

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "log.h"
#include "routed.h"

static unsigned scheduled;

/* routed_fight.c asks for a round when a backoff ends: counted here. */
void routed_schedule(struct routed *d, const char *why)
{
	(void)d, (void)why;
	scheduled++;
}

static struct rt_obj rule(uint32_t priority, unsigned n)
{
	struct rt_obj o;

	memset(&o, 0, sizeof(o));
	o.kind = RT_RULE;
	o.u.rule.family = AF_INET;
	o.u.rule.action = FR_ACT_TO_TBL;
	o.u.rule.priority = priority;
	o.u.rule.table = 150;
	o.u.rule.has_src = true;
	o.u.rule.src.addr.family = AF_INET;
	o.u.rule.src.addr.u.v4.s_addr = htonl(0x0a000000u | (n << 8));
	o.u.rule.src.len = 24;
	return o;
}

static void test_index(void)
{
	struct routed_index ix = { 0 };
	struct rt_set s;
	struct rt_obj o;
	long miss = 0;

	rt_set_init(&s);
	for (unsigned i = 0; i < 3000; i++) {
		o = rule(1000, i);
		rt_set_add(&s, &o);
		if (i % 2)
			routed_index_push(&ix, &s);
		else
			routed_index_build(&ix, &s);
	}
	for (unsigned i = 0; i < 3000; i++) {
		o = rule(1000, i);
		miss += routed_index_find(&ix, &s, &o, true) != (long)i;
	}
	is_int(miss, 0, "index: each of 3000 objects found at its place, pushed or rebuilt");
	o = rule(1001, 7);
	is_int(routed_index_find(&ix, &s, &o, false), -1, "index: another priority is another rule");
	o = rule(1000, 3001);
	is_int(routed_index_find(&ix, &s, &o, true), -1, "index: an unknown source misses");
	routed_index_free(&ix);
	rt_set_free(&s);
}

static void test_window(void)
{
	struct routed d;
	struct rt_obj a = rule(1000, 1);
	uint64_t t = 1000000;
	bool held;

	memset(&d, 0, sizeof(d));
	/* Every 2.6 s: never five within ten seconds. */
	held = false;
	for (int i = 0; i < 20; i++, t += 2600)
		held |= routed_fight_readd(&d, &a, t);
	ok(!held, "20 re-adds 2.6 s apart: never contested");
	routed_fights_free(&d);

	memset(&d, 0, sizeof(d));
	held = false;
	for (int i = 0; i < 4; i++, t += 100)
		held |= routed_fight_readd(&d, &a, t);
	ok(!held, "four re-adds within a second: put back each time");
	ok(routed_fight_readd(&d, &a, t), "the fifth within 10 s: contested, left alone");
	ok(routed_fight_readd(&d, &a, t + 9999), "still held 9.999 s later");
	ok(!routed_fight_readd(&d, &a, t + 10001), "after 10 s: put back again");
	held = false;
	for (int i = 0; i < 3; i++)
		held |= routed_fight_readd(&d, &a, t + 10100 + i * 100);
	ok(!held, "the count starts afresh after the backoff");
	ok(routed_fight_readd(&d, &a, t + 10500), "five more: contested again");
	ok(routed_fight_readd(&d, &a, t + 10500 + 19999) &&
	   !routed_fight_readd(&d, &a, t + 10500 + 20001), "the second backoff is 20 s");
	is_int(d.fights[0].nreadds, 11, "11 re-adds counted");
	/* Keep fighting: 40, 80, 160, 320, then 600 s at most. */
	uint64_t want[] = { 40000, 80000, 160000, 320000, 600000, 600000 }, now = t + 40000;
	int bad = 0;

	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		for (int i = 0; i < 4; i++)
			routed_fight_readd(&d, &a, now + i);
		if (!routed_fight_readd(&d, &a, now + 4) || d.fights[0].backoff_ms != want[k])
			bad++;
		now = d.fights[0].until_ms + 1;
	}
	is_int(bad, 0, "backoffs double, 40 s to 320 s, then stay at 10 minutes");
	routed_fights_free(&d);
}

static void test_many(void)
{
	struct routed d;
	struct rt_obj o;
	unsigned held = 0;
	uint64_t t = 5000000;

	memset(&d, 0, sizeof(d));
	/* An ip rule flush of 5000, put back, twice. */
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < 5000; i++) {
			o = rule(1000, i);
			held += routed_fight_readd(&d, &o, t + (uint64_t)round * 100);
		}
	is_int(held, 0, "two flushes of 5000 rules: every one put back each time");
	is_int(d.nfights, 5000, "5000 objects remembered");
	/* Ten minutes of peace: forgotten when the list is next full. */
	t += 3 * ROUTED_BACKOFF_MAX_MS;
	for (unsigned i = 0; i < (unsigned)d.cfights - 5000 + 1; i++) {
		o = rule(2000, i);
		routed_fight_readd(&d, &o, t);
	}
	ok(d.nfights < 5000, "objects at peace are forgotten (%zu left)", d.nfights);
	o = rule(1000, 17);
	is_int(routed_index_find(&d.fight_idx, &d.fight_set, &o, false), -1,
	    "a forgotten object is no longer found");
	o = rule(2000, 3);
	ok(routed_index_find(&d.fight_idx, &d.fight_set, &o, false) >= 0,
	    "a recent one still is");
	routed_fights_free(&d);
}

static void test_json(void)
{
	struct routed d;
	struct rt_obj a = rule(1000, 1), b = rule(1100, 2);
	const char *text = NULL;
	struct json j;

	memset(&d, 0, sizeof(d));
	for (int i = 0; i < 5; i++)
		routed_fight_readd(&d, &a, 100000 + i);
	routed_fight_readd(&d, &b, 100000);
	json_init(&j);
	json_arr_begin(&j);
	routed_fights_json(&d, &j, 102004);
	json_arr_end(&j);
	ok(json_finish(&j, &text, NULL) == 0 &&
	   strcmp(text, "[{\"object\":\"rule priority 1000 from 10.0.1.0/24 lookup 150\","
	   "\"count\":5,\"backoff_ms\":8000}]") == 0,
	    "status lists the contested rule alone, with its count and backoff left");
	if (text)
		diag("%s", text);
	json_free(&j);
	routed_fights_free(&d);
}

int main(void)
{
	log_init("test-routed-fight", 1, LOG_ERR);
	test_index();
	test_window();
	test_many();
	test_json();
	is_int(scheduled, 0, "no loop: no round scheduled");
	return done_testing();
}
