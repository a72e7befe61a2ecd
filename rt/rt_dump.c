/* rt_dump.c: what the kernel holds, as the model sees it.
 *
 * Rules and routes of both families into Outpost's (by protocol) and
 * the others; every link with its addresses. An interrupted dump (the
 * kernel changed under it, NLM_F_DUMP_INTR) is started over, up to a
 * few times, since a half-consistent view would make the daemon "fix"
 * objects that are fine. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "rt_kernel.h"

#define RT_DUMP_TRIES 5

struct dump_ctx {
	uint8_t			protocol;
	const struct rt_links	*links;
	struct rt_set		*ours, *foreign;
	struct rt_links		*into;
	int			err;
};

static int keep(struct dump_ctx *x, const struct rt_msg *m)
{
	struct rt_set *to = m->protocol == x->protocol ? x->ours : x->foreign;

	if (!to)
		return MNL_CB_OK;
	if (rt_set_add(to, &m->obj) < 0) {
		x->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int on_rule(const struct nlmsghdr *nlh, void *arg)
{
	struct rt_msg m;

	/* Rules outside the model (-ENOENT) are nobody's to touch. */
	if (rt_parse_rule(nlh, nlh->nlmsg_len, &m) < 0)
		return MNL_CB_OK;
	return keep(arg, &m);
}

static int on_route(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *x = arg;
	struct rt_msg m;

	if (rt_parse_route(nlh, nlh->nlmsg_len, x->links, &m) < 0)
		return MNL_CB_OK;
	return keep(x, &m);
}

static int dump_once(struct nl_sock *s, struct dump_ctx *x, int family)
{
	struct fib_rule_hdr frh = { .family = (uint8_t)family };
	struct rtmsg rtm = { .rtm_family = (unsigned char)family };
	int rc;

	/* Without a foreign set, let the kernel filter by protocol
	 * (strict checking); the parser checks it again regardless. */
	if (!x->foreign)
		rtm.rtm_protocol = x->protocol;
	rc = nl_dump(s, RTM_GETRULE, &frh, sizeof(frh), NULL, on_rule, x);
	if (rc == 0)
		rc = nl_dump(s, RTM_GETROUTE, &rtm, sizeof(rtm), NULL, on_route, x);
	if (x->err)
		rc = x->err;
	return rc;
}

int rt_kernel_dump(struct nl_sock *s, uint8_t protocol, const struct rt_links *links,
		   struct rt_set *ours, struct rt_set *foreign)
{
	struct dump_ctx x = { .protocol = protocol, .links = links, .ours = ours,
			      .foreign = foreign };
	size_t n_ours = ours->n, n_foreign = foreign ? foreign->n : 0;
	int rc = -EAGAIN;

	for (int i = 0; i < RT_DUMP_TRIES && rc == -EAGAIN; i++) {
		ours->n = n_ours;
		if (foreign)
			foreign->n = n_foreign;
		rc = dump_once(s, &x, AF_INET);
		if (rc == 0)
			rc = dump_once(s, &x, AF_INET6);
	}
	if (rc < 0) {
		ours->n = n_ours;
		if (foreign)
			foreign->n = n_foreign;
	}
	return rc;
}

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *x = arg;
	int rc = rt_parse_link(nlh, nlh->nlmsg_len, x->into);

	if (rc == -ENOMEM) {
		x->err = rc;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *x = arg;
	int rc = rt_parse_addr(nlh, nlh->nlmsg_len, x->into);

	if (rc == -ENOMEM) {
		x->err = rc;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int rt_kernel_links(struct nl_sock *s, struct rt_links *links)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct rt_links fresh;
	struct dump_ctx x = { .into = &fresh };
	int rc = -EAGAIN;

	for (int i = 0; i < RT_DUMP_TRIES && rc == -EAGAIN; i++) {
		/* Built aside, so a failure leaves links as it was. */
		rt_links_init(&fresh);
		x.err = 0;
		rc = nl_dump(s, RTM_GETLINK, &ifi, sizeof(ifi), NULL, on_link, &x);
		if (rc == 0)
			rc = nl_dump(s, RTM_GETADDR, &ifa, sizeof(ifa), NULL, on_addr, &x);
		if (x.err)
			rc = x.err;
		if (rc < 0)
			rt_links_free(&fresh);
	}
	if (rc < 0)
		return rc;
	rt_links_free(links);
	*links = fresh;
	return 0;
}
