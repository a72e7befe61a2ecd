/* routed_monitor.c: what the kernel tells about links, addresses, rules
 * and routes, on the loop.
 *
 * Link and address notifications keep d->links current; a change of a
 * line's interface (appearance, flags, addresses) schedules a reconcile
 * and tells the line's health. Rule and route notifications of Outpost's
 * protocol schedule one when they show the kernel drifting from want:
 * a deletion of a wanted object, or a new object that is not exactly a
 * wanted one (our own adds come back as echoes of wanted objects and
 * are ignored). The reconcile runs from a 0 ms timer, after the socket
 * is drained, so a burst (an `ip rule flush`) is one round. Lost
 * notifications (ENOBUFS) mean the view is stale: dump the links again
 * and reconcile. */
#include "config.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rt_kernel.h"
#include "routed.h"

static const unsigned groups[] = {
	RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
	RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	/* FNV-1a: changes are what matters, not strength. */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix_prefix(uint64_t h, const struct conf_prefix *p)
{
	h = mix(h, &p->addr.family, sizeof(p->addr.family));
	h = mix(h, &p->addr.u, p->addr.family == AF_INET6 ? 16 : 4);
	return mix(h, &p->len, sizeof(p->len));
}

uint64_t routed_link_sig(const struct rt_link *l)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned char flags;
	uint64_t sum = 0;

	if (!l)
		return 0;
	flags = (unsigned char)(l->up | l->lower_up << 1);
	h = mix(h, &l->ifindex, sizeof(l->ifindex));
	h = mix(h, &flags, 1);
	/* Addresses in any order: a sum of their own hashes. */
	for (size_t i = 0; i < l->naddrs; i++) {
		const struct rt_ifaddr *a = &l->addrs[i];
		uint64_t ah = mix_prefix(0xcbf29ce484222325ull, &a->pfx);

		if (a->has_peer)
			ah = mix_prefix(ah, &a->peer);
		ah = mix(ah, &a->flags, sizeof(a->flags));
		sum += mix(ah, &a->scope, sizeof(a->scope));
	}
	h = mix(h, &sum, sizeof(sum));
	return h | 1;	/* 0 stays "missing" */
}

/* Compare each line's interface with what it was. */
static void links_changed(struct routed *d)
{
	for (size_t i = 0; i < d->cfg->nlines; i++) {
		const struct rt_line *ln = &d->cfg->lines[i];
		const struct rt_link *l = rt_links_by_name(&d->links, ln->ifname);
		uint64_t sig = routed_link_sig(l);
		bool usable = l && rt_link_usable(l);
		char why[128];

		if (sig == d->lines[i].link_sig)
			continue;
		d->lines[i].link_sig = sig;
		snprintf(why, sizeof(why), "interface %s %s", ln->ifname,
		    !l ? "disappeared" : usable != d->lines[i].link_usable ?
		    (usable ? "came up" : "went down") : "changed");
		log_info("[line \"%s\"]: %s", ln->name, why);
		if (ln->table) {
			d->drift_seq++;
			routed_schedule(d, why);
		}
		if (usable != d->lines[i].link_usable)
			routed_lines_link(d, i, usable);
	}
}

struct mon_ctx {
	struct routed	*d;
	bool		links;		/* a link or address changed */
};

static void drift(struct mon_ctx *c, const struct rt_msg *m, bool del)
{
	struct routed *d = c->d;
	char text[512], why[128];

	if (m->protocol != d->cfg->protocol)
		return;		/* foreign: never ours to touch */
	if (del ? routed_index_find(&d->want_idx, &d->want, &m->obj, false) < 0 :
	    routed_wanted(d, &m->obj))
		return;		/* our own deletion, or the echo of our own add */
	if (log_level() >= LOG_DEBUG && rt_obj_format(&m->obj, text, sizeof(text)) == 0)
		log_debug("kernel: %s %s", del ? "deleted" : "added", text);
	snprintf(why, sizeof(why), "%s %s", m->obj.kind == RT_RULE ? "rule" : "route",
	    del ? "deleted" : "added or changed");
	d->drift_seq++;
	routed_schedule(d, why);
}

static int on_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct mon_ctx *c = arg;
	struct routed *d = c->d;
	size_t len = nlh->nlmsg_len;
	struct rt_msg m;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (rt_parse_link(nlh, len, &d->links) == 0)
			c->links = true;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (rt_parse_addr(nlh, len, &d->links) == 0)
			c->links = true;
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		if (rt_parse_rule(nlh, len, &m) == 0)
			drift(c, &m, nlh->nlmsg_type == RTM_DELRULE);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (rt_parse_route(nlh, len, &d->links, &m) == 0)
			drift(c, &m, nlh->nlmsg_type == RTM_DELROUTE);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

void routed_monitor_drain(struct routed *d)
{
	struct mon_ctx c = { .d = d };
	int r;

	if (!d->mon)
		return;
	r = nl_monitor_read(d->mon, on_msg, &c);
	if (r == -ENOBUFS) {
		log_warn("the kernel dropped notifications: reading every interface again");
		if ((r = rt_kernel_links(d->nl, &d->links)) < 0)
			log_err("cannot read the interfaces: %s", strerror(-r));
		c.links = true;
		d->drift_seq++;
		routed_schedule(d, "notifications lost");
	} else if (r < 0) {
		log_err("reading notifications: %s", strerror(-r));
	}
	if (c.links)
		links_changed(d);
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l, (void)fd, (void)events;
	routed_monitor_drain(arg);
}

int routed_monitor_open(struct routed *d)
{
	/* A flush of 10,000 objects and their re-adds are some 20,000
	 * notifications of about 1 KiB each in the socket's accounting:
	 * room for them, so that a burst is not a lost view. */
	int r = nl_open(NETLINK_ROUTE, 32u << 20, &d->mon);

	if (r == 0)
		r = nl_subscribe(d->mon, groups, sizeof(groups) / sizeof(groups[0]));
	if (r < 0) {
		log_err("cannot listen to the kernel's notifications: %s", strerror(-r));
		nl_close(d->mon);
		d->mon = NULL;
		return -1;
	}
	return 0;
}

int routed_monitor_start(struct routed *d)
{
	int r = loop_fd_add(d->loop, nl_fd(d->mon), EPOLLIN, on_readable, d);

	if (r < 0) {
		log_err("cannot watch the notification socket: %s", strerror(-r));
		return -1;
	}
	return 0;
}

void routed_monitor_close(struct routed *d)
{
	if (d->mon && d->loop)
		loop_fd_del(d->loop, nl_fd(d->mon));
	nl_close(d->mon);
	d->mon = NULL;
}
