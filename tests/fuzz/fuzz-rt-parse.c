/* fuzz-rt-parse: any bytes as rtnetlink messages for the rt parsers.
 *
 * The input is a sequence of netlink messages (walked with nl_msg_ok/next,
 * as a dump or a monitor read is), each handed to
 * the parser of its type, with one rt_links carried across them so
 * links and addresses build up and go as in the daemon. What the
 * parsers report must stay inside the model's bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "rt_kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const struct rt_msg *m)
{
	unsigned bits;

	if (m->obj.kind == RT_RULE) {
		const struct rt_rule *r = &m->obj.u.rule;

		bits = r->family == AF_INET ? 32 : 128;
		if ((r->has_src && r->src.len > bits) || (r->has_dst && r->dst.len > bits) ||
		    strnlen(r->iif, IF_NAMESIZE) == IF_NAMESIZE ||
		    strnlen(r->oif, IF_NAMESIZE) == IF_NAMESIZE)
			abort();
	} else {
		const struct rt_route *r = &m->obj.u.route;

		bits = r->family == AF_INET ? 32 : 128;
		if (r->dst.len > bits || r->oif < 0 || strnlen(r->ifname, IF_NAMESIZE) == IF_NAMESIZE)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh;
	struct rt_links links;
	struct rt_msg m;
	void *copy;
	size_t left = size;

	/* Exactly the input's length, so ASan sees any overread. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rt_links_init(&links);
	for (nlh = copy; nl_msg_ok(nlh, left); nlh = nl_msg_next(nlh, &left)) {
		size_t len = left;

		switch (nlh->nlmsg_type) {
		case RTM_NEWRULE: case RTM_DELRULE:
			if (rt_parse_rule(nlh, len, &m) == 0)
				check_msg(&m);
			break;
		case RTM_NEWROUTE: case RTM_DELROUTE:
			if (rt_parse_route(nlh, len, &links, &m) == 0)
				check_msg(&m);
			break;
		case RTM_NEWLINK: case RTM_DELLINK:
			(void)rt_parse_link(nlh, len, &links);
			break;
		case RTM_NEWADDR: case RTM_DELADDR:
			(void)rt_parse_addr(nlh, len, &links);
			break;
		default:
			/* Each parser also meets messages not its own. */
			(void)rt_parse_rule(nlh, len, &m);
			(void)rt_parse_route(nlh, len, &links, &m);
			break;
		}
	}
	rt_links_free(&links);
	free(copy);
	return 0;
}
