/* fuzz-rt-conf: arbitrary outpost.conf text through the real schema
 * ([routing], [line] with its track type and selector syntaxes) and, when
 * it loads clean, through the whole model: rt_config_from_conf, the link
 * checks, rt_failover_pick and rt_desired for every line healthy or not,
 * the difference against nothing and against itself (which must be
 * empty) and every change as ip(8) text. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "conf.h"
#include "rt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void report(bool error, const char *msg, void *arg)
{
	(void)error;
	(void)msg;
	(void)arg;
}

static void links(struct rt_links *ls)
{
	struct rt_ifaddr a;

	rt_links_init(ls);
	rt_links_set(ls, 2, "tel0", true, true);
	rt_links_set(ls, 3, "cnc0", false, true);
	memset(&a, 0, sizeof(a));
	a.pfx.addr.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.2", &a.pfx.addr.u.v4);
	a.pfx.len = 24;
	rt_links_addr_add(ls, 2, &a);
	a.pfx.addr.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:100::2", &a.pfx.addr.u.v6);
	a.pfx.len = 64;
	rt_links_addr_add(ls, 2, &a);
	a.pfx.addr.family = AF_INET;
	inet_pton(AF_INET, "203.0.113.2", &a.pfx.addr.u.v4);
	a.pfx.len = 31;
	a.has_peer = true;
	a.peer = a.pfx;
	rt_links_addr_add(ls, 3, &a);
}

static void model(const struct conf *conf, uint8_t seed)
{
	struct rt_config *c = NULL;
	struct rt_links ls;
	struct rt_set want, empty;
	struct rt_diff d;
	bool healthy[64];
	int to[64];
	char buf[1024];

	if (rt_config_from_conf(conf, &c) != 0)
		return;
	links(&ls);
	rt_config_check_links(c, conf, &ls, report, NULL);
	if (c->nlines > 64)
		goto out;
	for (size_t i = 0; i < c->nlines; i++)
		healthy[i] = (seed >> (i % 8)) & 1;
	for (size_t i = 0; i < c->nlines; i++) {
		to[i] = rt_failover_pick(c, i, healthy);
		if (to[i] >= (int)c->nlines || to[i] < RT_TO_BLACKHOLE || to[i] == (int)i)
			abort();
	}
	rt_set_init(&want);
	rt_set_init(&empty);
	rt_diff_init(&d);
	if (rt_desired(c, &ls, to, &want) == 0 && rt_diff_compute(&want, &empty, &d) == 0) {
		if (d.n > want.n)
			abort();
		for (size_t i = 0; i < d.n; i++) {
			rt_change_format(&d.v[i], c->protocol, buf, sizeof(buf));
			rt_obj_format(&d.v[i].obj, buf, sizeof(buf));
		}
		rt_diff_free(&d);
		if (rt_diff_compute(&want, &want, &d) == 0 && d.n != 0)
			abort();
	}
	rt_diff_free(&d);
	rt_set_free(&want);
out:
	rt_links_free(&ls);
	rt_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_opts opts = { .schema = &conf_schema_outpost, .no_include = true };
	struct conf *conf = NULL;

	if (conf_load_buffer("fuzz.conf", (const char *)data, size, &opts, &conf) == 0)
		model(conf, size ? data[size - 1] : 0);
	conf_free(conf);
	return 0;
}
