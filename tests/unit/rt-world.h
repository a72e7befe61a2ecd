/* rt-world.h: the model tests' copy of tests/rt/rt-lib.sh's world: its
 * two-line config (rt_conf) and the node's interfaces as the kernel
 * would show them. Include after tap.h. */
#ifndef OUTPOST_TEST_RT_WORLD_H
#define OUTPOST_TEST_RT_WORLD_H

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "conf.h"
#include "rt.h"

#define WORLD_ROUTING "[routing]\nrt-tables = /tmp/x/rt_tables.conf\n" \
	"rt-protos = /tmp/x/rt_protos.conf\ncontrol = /tmp/x/routed.sock\n\n"
#define WORLD_TEL "[line \"tel\"]\ninterface = tel0\ngateway = 198.51.100.1\n" \
	"gateway = 2001:db8:100::1\ntable = 150\npriority = 1000\nsource = 10.50.0.0/24\n" \
	"source = 2001:db8:50::/64\nfwmark = 0x150\n"
#define WORLD_CNC "[line \"cnc\"]\ninterface = cnc0\ngateway = 203.0.113.1\n" \
	"gateway = 2001:db8:113::1\ntable = 160\npriority = 1100\nsource = 10.60.0.0/24\n" \
	"source = 2001:db8:60::/64\nfwmark = 0x160\n"
#define WORLD_CONF WORLD_ROUTING WORLD_TEL "\n" WORLD_CNC

static const struct conf_opts world_opts = { .schema = &conf_schema_outpost };

/* Load text (which must be clean) and build its model. */
static __attribute__((unused)) struct rt_config *world_config(const char *text, struct conf **confp)
{
	struct conf *conf = NULL;
	struct rt_config *c = NULL;

	if (conf_load_buffer("w.conf", text, strlen(text), &world_opts, &conf) != 0) {
		for (size_t i = 0; i < conf_diag_count(conf); i++)
			diag("%s", conf_diag(conf, i));
		bail_out("the world's config does not load");
	}
	if (rt_config_from_conf(conf, &c) != 0)
		bail_out("rt_config_from_conf failed");
	if (confp)
		*confp = conf;
	else
		conf_free(conf);
	return c;
}

static struct rt_ifaddr world_addr(const char *text, unsigned len)
{
	struct rt_ifaddr a;

	memset(&a, 0, sizeof(a));
	a.pfx.addr.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.pfx.addr.family, text, &a.pfx.addr.u) != 1)
		bail_out("bad address %s", text);
	a.pfx.len = len;
	a.flags = IFA_F_PERMANENT;
	a.scope = RT_SCOPE_UNIVERSE;
	return a;
}

static void world_add(struct rt_links *ls, int ifindex, const char *text, unsigned len)
{
	struct rt_ifaddr a = world_addr(text, len);

	if (!strncmp(text, "fe80", 4))
		a.scope = RT_SCOPE_LINK;
	if (rt_links_addr_add(ls, ifindex, &a) != 0)
		bail_out("rt_links_addr_add %s", text);
}

/* The node: tel0 (ifindex 2), cnc0 (3), lan50 (4), lan60 (5), all up. */
static __attribute__((unused)) void world_links(struct rt_links *ls)
{
	rt_links_init(ls);
	if (rt_links_set(ls, 2, "tel0", true, true) || rt_links_set(ls, 3, "cnc0", true, true) ||
	    rt_links_set(ls, 4, "lan50", true, true) || rt_links_set(ls, 5, "lan60", true, true))
		bail_out("rt_links_set");
	world_add(ls, 2, "198.51.100.2", 24);
	world_add(ls, 2, "2001:db8:100::2", 64);
	world_add(ls, 2, "fe80::2", 64);
	world_add(ls, 3, "203.0.113.2", 24);
	world_add(ls, 3, "2001:db8:113::2", 64);
	world_add(ls, 3, "fe80::3", 64);
	world_add(ls, 4, "10.50.0.1", 24);
	world_add(ls, 4, "2001:db8:50::1", 64);
	world_add(ls, 5, "10.60.0.1", 24);
	world_add(ls, 5, "2001:db8:60::1", 64);
}

#endif
