/* rt.h: what outpost-routed keeps in the kernel, as plain data.
 *
 * The model of policy routing (librt.a): the config's lines, the kernel
 * objects (rules and routes) they imply, the interfaces as the kernel
 * shows them, and the difference between what is wanted and what is
 * there. Nothing here talks to the kernel (rt_kernel.h does) or prints
 * (the daemon does): it is all tested as pure functions.
 *
 * Every object Outpost installs carries its protocol number
 * (rtm_protocol, FRA_PROTOCOL); objects of any other protocol are
 * foreign and never touched. */
#ifndef OUTPOST_RT_H
#define OUTPOST_RT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* The default protocol number of Outpost's rules and routes, registered
 * as "outpost" in rt_protos.d; [routing] protocol changes it. */
#define RT_PROTO_DEFAULT 158

/* The metric the kernel gives an IPv6 route added with metric 0
 * (IP6_RT_PRIO_USER): the model uses it so a dump compares equal. */
#define RT_METRIC6_DEFAULT 1024

enum rt_kind { RT_RULE, RT_ROUTE };

/* A policy rule (ip rule). Every field is part of its identity: the
 * kernel has no "replace" for rules, so a changed rule is a delete and
 * an add. */
struct rt_rule {
	uint8_t			family;		/* AF_INET, AF_INET6 */
	uint8_t			action;		/* FR_ACT_TO_TBL, FR_ACT_BLACKHOLE */
	uint32_t		priority;
	uint32_t		table;		/* FR_ACT_TO_TBL only, else 0 */
	bool			has_src, has_dst;
	struct conf_prefix	src, dst;	/* from, to */
	uint32_t		fwmark, fwmask;	/* fwmask 0: no fwmark selector */
	char			iif[IF_NAMESIZE], oif[IF_NAMESIZE];	/* "": none */
	bool			has_uidrange;
	uint32_t		uid_start, uid_end;
	uint8_t			ipproto;	/* 0: none */
	uint16_t		dport_start, dport_end;	/* 0: none */
};

/* A route in one table. Its identity (what the kernel keys on) is
 * family, table, dst and metric; type, scope, gateway, device and
 * preferred source are attributes a "replace" changes in place. */
struct rt_route {
	uint8_t			family;
	uint8_t			type;		/* RTN_UNICAST, RTN_BLACKHOLE, RTN_UNREACHABLE */
	uint8_t			scope;		/* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK */
	uint32_t		table;
	struct conf_prefix	dst;		/* len 0: default */
	uint32_t		metric;		/* RTA_PRIORITY */
	bool			has_gw;
	struct conf_addr	gw;
	int			oif;		/* ifindex; 0: none (blackhole) */
	char			ifname[IF_NAMESIZE];	/* of oif, for messages */
	bool			has_prefsrc;
	struct conf_addr	prefsrc;
};

struct rt_obj {
	enum rt_kind		kind;
	char			line[64];	/* the [line] it serves; "" when unknown
						   (read back from the kernel) */
	union {
		struct rt_rule	rule;
		struct rt_route	route;
	} u;
};

/* A growable array of objects. */
struct rt_set {
	struct rt_obj	*v;
	size_t		n, cap;
};
void rt_set_init(struct rt_set *s);
int rt_set_add(struct rt_set *s, const struct rt_obj *o);	/* 0, -ENOMEM */
void rt_set_clear(struct rt_set *s);	/* n = 0, keeps the memory */
void rt_set_free(struct rt_set *s);	/* NULL-safe */

/* Whether a and b are the same kernel object (rules: every field but
 * line; routes: family, table, dst, metric). */
bool rt_obj_same(const struct rt_obj *a, const struct rt_obj *b);
/* Whether they are also equal in every attribute the kernel keeps. */
bool rt_obj_equal(const struct rt_obj *a, const struct rt_obj *b);

/* ---- interfaces as the kernel shows them ---- */

struct rt_ifaddr {
	struct conf_prefix	pfx;		/* the address with its prefix length:
						   host bits kept (192.0.2.10/24) */
	bool			has_peer;	/* point-to-point: IFA_ADDRESS != IFA_LOCAL */
	struct conf_prefix	peer;
	uint32_t		flags;		/* IFA_F_* */
	unsigned char		scope;		/* RT_SCOPE_* */
};

struct rt_link {
	int			ifindex;
	char			name[IF_NAMESIZE];
	bool			up;		/* IFF_UP */
	bool			lower_up;	/* IFF_LOWER_UP: carrier */
	struct rt_ifaddr	*addrs;
	size_t			naddrs, caddrs;
};

struct rt_links {
	struct rt_link	*v;
	size_t		n, cap;
};
void rt_links_init(struct rt_links *ls);
void rt_links_free(struct rt_links *ls);	/* NULL-safe; leaves it empty */
const struct rt_link *rt_links_by_name(const struct rt_links *ls, const char *name);
const struct rt_link *rt_links_by_index(const struct rt_links *ls, int ifindex);
/* Add or update the link ifindex (name, flags), keeping its addresses. */
int rt_links_set(struct rt_links *ls, int ifindex, const char *name, bool up, bool lower_up);
void rt_links_del(struct rt_links *ls, int ifindex);
/* Add (or update) and remove one address of a link. */
int rt_links_addr_add(struct rt_links *ls, int ifindex, const struct rt_ifaddr *a);
void rt_links_addr_del(struct rt_links *ls, int ifindex, const struct rt_ifaddr *a);
/* Whether the link can carry the line's routes: up with carrier. */
bool rt_link_usable(const struct rt_link *l);

/* ---- the config: [routing] and every [line] ---- */

/* track = icmp TARGET | tcp TARGET:PORT (the [line] custom type). */
enum rt_track_kind { RT_TRACK_NONE, RT_TRACK_ICMP, RT_TRACK_TCP };
struct rt_track {
	enum rt_track_kind	kind;
	char			target[256];	/* address or host name */
	uint16_t		port;		/* tcp */
};
extern const struct conf_custom_type rt_track_type;

/* One [line "name"], checked, with defaults filled in. */
struct rt_line {
	char			name[64];
	unsigned		conf_line;	/* the section's line in its file */
	char			ifname[IF_NAMESIZE];
	bool			has_gw4, has_gw6;
	struct conf_addr	gw4, gw6;
	uint32_t		table;
	uint32_t		priority;
	uint32_t		metric;
	struct conf_prefix	*sources;	/* from selectors */
	size_t			nsources;
	uint32_t		fwmark, fwmask;	/* fwmask 0: no fwmark rule */
	struct conf_prefix	*routes;	/* extra routes in the table */
	size_t			nroutes;
	/* Selectors that narrow every rule of the line. */
	bool			has_to;
	struct conf_prefix	to;
	char			iif[IF_NAMESIZE], oif[IF_NAMESIZE];
	bool			has_uidrange;
	uint32_t		uid_start, uid_end;
	uint8_t			ipproto;
	uint16_t		dport_start, dport_end;
	/* Health and failover. */
	struct rt_track		track;		/* kind NONE: always healthy while the link is up */
	uint64_t		interval_ms, timeout_ms;
	unsigned		down_after, up_after;
	char			(*failover)[64];	/* line names, in order */
	size_t			nfailover;
	bool			blackhole;	/* down with no healthy failover: blackhole */
};

struct rt_config {
	uint8_t			protocol;
	char			rt_tables[256];	/* the file naming the tables */
	char			rt_protos[256];	/* the file naming the protocol */
	struct rt_line		*lines;
	size_t			nlines;
};

/* Build the model of a loaded (clean) config. 0, or -ENOMEM. */
int rt_config_from_conf(const struct conf *conf, struct rt_config **out);
void rt_config_free(struct rt_config *c);	/* NULL-safe */
/* The line named name, or -1. */
int rt_config_line(const struct rt_config *c, const char *name);

/* Checks that need the kernel's interfaces: a gateway outside the
 * interface's subnets is an error when the interface is up and a
 * warning while it is down; an unknown interface is a warning (it may
 * appear later). report gets "FILE:LINE: [line "x"] key: message" text
 * built from conf (for file and line) and whether it is an error.
 * Returns the number of errors. */
typedef void (*rt_check_report)(bool error, const char *msg, void *arg);
size_t rt_config_check_links(const struct rt_config *c, const struct conf *conf,
			     const struct rt_links *links, rt_check_report report, void *arg);

/* ---- desired state ---- */

/* Where a line's rules point: its own table, another line's table (by
 * index) when it failed over, or a blackhole. */
#define RT_TO_SELF	(-1)
#define RT_TO_BLACKHOLE	(-2)

/* The failover decision for line i given every line's health: itself
 * when healthy; else the first healthy line of its failover list; else
 * RT_TO_BLACKHOLE when blackhole is set; else RT_TO_SELF (keep). */
int rt_failover_pick(const struct rt_config *c, size_t i, const bool *healthy);

/* Every object the config wants given the interfaces and where each
 * line's rules point (to[i]: RT_TO_SELF, RT_TO_BLACKHOLE or a line
 * index; NULL: all RT_TO_SELF), appended to out:
 * - per line and family (those of its gateways, sources, routes= and
 *   to; IPv4 when none): the rules at its priority, to its table (or the
 *   table of to[i], or blackhole): one per source of that family, one
 *   for its fwmark, or one with only the selectors when it has neither;
 *   each narrowed by to/iif/oif/uidrange/ipproto/dport (a "to" of the
 *   other family: no such rules in this family);
 *   a source that is an address of the line's own interface keeps the
 *   line's table through a failover (another ISP drops it as spoofed);
 * - when the line has a track: one rule "oif IFNAME lookup TABLE" per
 *   family at the same priority, never failed over, so its health
 *   probes (bound to the interface) always leave by the line itself;
 * - in the line's table, only while its link is usable: copies of the
 *   interface's connected routes (scope link, preferred source), its
 *   routes= prefixes and a default route per family, via the gateway of
 *   that family or else on the device, at the line's metric (IPv6:
 *   scope universe, and metric 0 is RT_METRIC6_DEFAULT, as the kernel
 *   stores them); a route via a gateway waits while the gateway is in
 *   none of the link's subnets (IPv6 addresses come back after the link).
 * 0 or -ENOMEM. */
int rt_desired(const struct rt_config *c, const struct rt_links *links, const int *to,
	       struct rt_set *out);

/* ---- the difference ---- */

enum rt_op { RT_ADD, RT_REPLACE, RT_DEL };
struct rt_change {
	enum rt_op	op;
	struct rt_obj	obj;
};
struct rt_diff {
	struct rt_change *v;
	size_t		n, cap;
};
void rt_diff_init(struct rt_diff *d);
void rt_diff_free(struct rt_diff *d);	/* NULL-safe */

/* What turns have (Outpost's objects in the kernel) into want, in the
 * order to apply: routes added or replaced (connected before those via
 * a gateway), rules added, rules deleted, routes deleted; so a failed
 * over rule is in place before the old one goes. Objects in have with
 * no counterpart in want are deleted. O(n log n). 0 or -ENOMEM. */
int rt_diff_compute(const struct rt_set *want, const struct rt_set *have, struct rt_diff *out);

/* One change as the ip(8) command that does the same thing, e.g.
 * "ip -6 rule add priority 1000 from 2001:db8:50::/64 lookup 150 proto 158"
 * or "ip route replace default via 203.0.113.1 dev eth2 table 150 metric 0 proto 158".
 * 0 or -ENOSPC. */
int rt_change_format(const struct rt_change *c, uint8_t protocol, char *buf, size_t len);
/* The same without the leading "ip " or "ip -6 " ("rule add ..."), as a
 * line of an `ip -batch` file; ip(8) takes no options on such a line, so
 * IPv6 changes go in a file of their own, run as `ip -6 -batch FILE`:
 * 0 or -ENOSPC. */
int rt_change_format_batch(const struct rt_change *c, uint8_t protocol, char *buf, size_t len);
/* An object alone in ip(8) words, without operation and protocol (for
 * status and messages): "rule priority 1000 from 10.50.0.0/24 lookup 150",
 * "-6 route default via 2001:db8:100::1 dev tel0 table 150 metric 1024".
 * 0 or -ENOSPC. */
int rt_obj_format(const struct rt_obj *o, char *buf, size_t len);

#endif
