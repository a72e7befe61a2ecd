/* rt_kernel.h: rules, routes, links and addresses through rtnetlink.
 *
 * The kernel side of outpost-routed (librt.a, over libop's nl.h):
 * encode an rt_obj as RTM_NEWRULE/RTM_DELRULE/RTM_NEWROUTE/RTM_DELROUTE,
 * parse the kernel's messages (dumps and notifications alike) back into
 * the model, dump what is there, and apply a difference in batches with
 * every refusal mapped back to its change and the kernel's text.
 *
 * Parsers take any bytes (a fuzz harness feeds them): bounds-checked,
 * no cast of an attribute without its length checked. */
#ifndef OUTPOST_RT_KERNEL_H
#define OUTPOST_RT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"
#include "rt.h"

/* ---- parsing one message ---- */

/* What a parsed rule or route message was. */
struct rt_msg {
	uint16_t	type;		/* RTM_NEWRULE, RTM_DELROUTE, ... */
	uint8_t		protocol;	/* FRA_PROTOCOL / rtm_protocol */
	struct rt_obj	obj;
};

/* A RTM_NEWRULE/RTM_DELRULE or RTM_NEWROUTE/RTM_DELROUTE message of len
 * bytes into m. Interface names of rules come from FRA_IIFNAME and
 * FRA_OIFNAME; a route's ifname from links when given (may be NULL).
 * 0; -ENOENT for a message outside the model (a multipath or cached
 * route, a rule action other than to-table/blackhole, a family other
 * than IPv4/IPv6, a route of table local): not Outpost's to own; or
 * -EINVAL when malformed. */
int rt_parse_rule(const struct nlmsghdr *nlh, size_t len, struct rt_msg *m);
int rt_parse_route(const struct nlmsghdr *nlh, size_t len, const struct rt_links *links,
		   struct rt_msg *m);

/* A RTM_NEWLINK/RTM_DELLINK or RTM_NEWADDR/RTM_DELADDR message applied
 * to links (RTM_DELLINK drops the link with its addresses). 0, -ENOENT
 * when it is not about an IPv4/IPv6 address, -EINVAL when malformed,
 * -ENOMEM. */
int rt_parse_link(const struct nlmsghdr *nlh, size_t len, struct rt_links *links);
int rt_parse_addr(const struct nlmsghdr *nlh, size_t len, struct rt_links *links);

/* ---- dumping ---- */

/* Every link and its addresses, replacing what links held. 0 or -errno. */
int rt_kernel_links(struct nl_sock *s, struct rt_links *links);

/* Every rule and route (both families, every table) of protocol into
 * ours; the others into foreign when not NULL (for checks and tests).
 * Retries an interrupted dump. 0 or -errno. */
int rt_kernel_dump(struct nl_sock *s, uint8_t protocol, const struct rt_links *links,
		   struct rt_set *ours, struct rt_set *foreign);

/* ---- applying ---- */

/* Encode one change into b: RT_ADD of a rule without NLM_F_EXCL (the
 * caller knows the kernel lacks it; the kernel then skips its O(n)
 * duplicate scan), of a route with NLM_F_CREATE|NLM_F_EXCL, RT_REPLACE
 * with NLM_F_CREATE|NLM_F_REPLACE, RT_DEL by identity; all stamped with
 * protocol. cookie comes back in the ack. 0, -ENOMEM. */
int rt_encode(struct nl_batch *b, const struct rt_change *c, uint8_t protocol, void *cookie);

/* Called for every change the kernel refused: err -errno, extack its
 * text ("" when none). */
typedef void (*rt_apply_fail)(const struct rt_change *c, int err, const char *extack,
			      void *arg);

/* Apply d in order, batched (many changes per sendmsg); a refused change
 * does not stop the others. -EEXIST on an add and -ESRCH/-ENOENT on a
 * delete mean someone else got there first: not failures, not reported.
 * Returns the number of failures (>= 0) or -errno when the exchange
 * itself broke. */
int rt_kernel_apply(struct nl_sock *s, const struct rt_diff *d, uint8_t protocol,
		    rt_apply_fail fail, void *arg);

#endif
