/* test-nl.c: libopnl against the kernel, in a network namespace of its
 * own (root; skips without, fails without under OUTPOST_REQUIRE_ROOT=1).
 *
 * A batch of 1000 requests with deliberate refusals (a rule with a bad
 * port range, a route via a gateway on no subnet) reports exactly
 * those, each with the kernel's text, and the rest are in the kernel; a
 * dump of 10,000 rules returns every one; a monitor sees a rule deleted
 * by ip(8); a monitor that does not read while thousands of changes
 * happen gets -ENOBUFS and then keeps working; a dump raced by changes
 * is reported as -EAGAIN (NLM_F_DUMP_INTR) and read to its end. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"
#include "../tap.h"

#define NBATCH	1000
#define NDUMP	10000

struct acks {
	int	err[NDUMP + 1];
	char	*text[NDUMP + 1];
	int	calls;
};

static void on_ack(void *cookie, int err, const char *extack, void *arg)
{
	struct acks *a = arg;
	size_t i = (size_t)(uintptr_t)cookie;

	a->calls++;
	a->err[i] = err;
	free(a->text[i]);
	a->text[i] = strdup(extack);
}

static void acks_reset(struct acks *a)
{
	for (size_t i = 0; i <= NDUMP; i++) {
		free(a->text[i]);
		a->text[i] = NULL;
		a->err[i] = 1;	/* no callback */
	}
	a->calls = 0;
}

static void put_rule(struct nl_batch *b, uint16_t type, uint32_t prio, uint32_t table,
		     size_t cookie)
{
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh = nl_batch_msg(b, type, type == RTM_NEWRULE ? NLM_F_CREATE : 0,
					    sizeof(*frh), (void **)&frh, (void *)(uintptr_t)cookie);

	if (!nlh)
		bail_out("nl_batch_msg");
	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	if (!table) {
		/* This kernel takes "to table 0"; a port range that ends
		 * before it starts it refuses with text. */
		struct fib_rule_port_range r = { .start = 2000, .end = 1000 };

		mnl_attr_put(nlh, FRA_DPORT_RANGE, sizeof(r), &r);
		mnl_attr_put_u8(nlh, FRA_IP_PROTO, IPPROTO_TCP);
	}
}

/* A route via a gateway that is on no subnet of lo: refused. */
static void put_bad_route(struct nl_batch *b, size_t cookie)
{
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = nl_batch_msg(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
					    sizeof(*rtm), (void **)&rtm, (void *)(uintptr_t)cookie);
	struct in_addr gw;

	if (!nlh)
		bail_out("nl_batch_msg");
	inet_pton(AF_INET, "192.0.2.1", &gw);
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, 100);
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, if_nametoindex("lo"));
}

struct count {
	uint32_t lo, hi;	/* priorities counted: [lo, hi) */
	size_t n, all;
	uint16_t type;
	uint32_t prio;		/* of the last message */
};

static int count_rule(const struct nlmsghdr *nlh, void *arg)
{
	struct count *c = arg;
	const struct nlattr *a;

	c->all++;
	c->type = nlh->nlmsg_type;
	mnl_attr_for_each(a, nlh, sizeof(struct fib_rule_hdr)) {
		if (mnl_attr_get_type(a) == FRA_PRIORITY &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			c->prio = mnl_attr_get_u32(a);
			if (c->prio >= c->lo && c->prio < c->hi)
				c->n++;
		}
	}
	return MNL_CB_OK;
}

static int dump_rules(struct nl_sock *s, struct count *c)
{
	struct fib_rule_hdr frh = { .family = AF_INET };
	int rc, tries = 0;

	do {
		c->n = c->all = 0;
		rc = nl_dump(s, RTM_GETRULE, &frh, sizeof(frh), NULL, count_rule, c);
	} while (rc == -EAGAIN && ++tries < 5);
	return rc;
}

static void test_batch(struct nl_sock *s, struct acks *a)
{
	struct nl_batch *b;
	struct count c = { .lo = 1000, .hi = 1000 + NBATCH };
	int bad = 0, good_ok = 0, bad_ok = 0, rc;

	if (nl_batch_new(s, &b) < 0)
		bail_out("nl_batch_new");
	acks_reset(a);
	for (size_t i = 0; i < NBATCH; i++) {
		if (i % 100 == 7)
			put_rule(b, RTM_NEWRULE, 1000 + (uint32_t)i, 0, i);	/* bad port range */
		else if (i % 100 == 53)
			put_bad_route(b, i);
		else
			put_rule(b, RTM_NEWRULE, 1000 + (uint32_t)i, 100 + (uint32_t)i, i);
	}
	is_int(nl_batch_count(b), NBATCH, "batch holds %d messages", NBATCH);
	rc = nl_batch_commit(b, on_ack, a);
	is_int(rc, 20, "commit: 20 refused");
	is_int(a->calls, NBATCH, "one callback per message");
	is_int(nl_batch_count(b), 0, "commit empties the batch");
	for (size_t i = 0; i < NBATCH; i++) {
		bool want_bad = i % 100 == 7 || i % 100 == 53;

		if (want_bad) {
			bad++;
			if (a->err[i] < 0 && a->text[i] && a->text[i][0])
				bad_ok++;
			else
				diag("request %zu: err %d text '%s'", i, a->err[i],
				     a->text[i] ? a->text[i] : "(none)");
		} else if (a->err[i] == 0) {
			good_ok++;
		}
	}
	is_int(bad_ok, bad, "every bad request refused with ext-ack text");
	is_int(good_ok, NBATCH - bad, "every other request acknowledged");
	diag("port range: '%s'; gateway: '%s'", a->text[7] ? a->text[7] : "",
	     a->text[53] ? a->text[53] : "");
	is_int(dump_rules(s, &c), 0, "dump rules");
	is_int(c.n, NBATCH - bad, "the kernel holds exactly the accepted rules");
	nl_batch_free(b);
}

static void test_big_dump(struct nl_sock *s, struct acks *a)
{
	struct nl_batch *b;
	struct count c = { .lo = 100000, .hi = 100000 + NDUMP };
	int rc;

	if (nl_batch_new(s, &b) < 0)
		bail_out("nl_batch_new");
	acks_reset(a);
	for (size_t i = 0; i < NDUMP; i++)
		put_rule(b, RTM_NEWRULE, 100000 + (uint32_t)i, 5000 + (uint32_t)i, i);
	rc = nl_batch_commit(b, on_ack, a);
	is_int(rc, 0, "10,000 rules added in one commit");
	is_int(dump_rules(s, &c), 0, "dump of 10,000+ rules");
	is_int(c.n, NDUMP, "the dump returns all 10,000");
	nl_batch_free(b);
}

/* A socket with a small receive buffer still gets every ack: chunks
 * shrink to what it holds. */
static void test_small_rcvbuf(struct acks *a)
{
	struct count c = { .lo = 200000, .hi = 200000 + 5000 };
	struct nl_sock *s;
	struct nl_batch *b;

	if (nl_open(NETLINK_ROUTE, 32768, &s) < 0 || nl_batch_new(s, &b) < 0)
		bail_out("small socket");
	acks_reset(a);
	for (size_t i = 0; i < 5000; i++)
		put_rule(b, RTM_NEWRULE, 200000 + (uint32_t)i, 7, i);
	is_int(nl_batch_commit(b, on_ack, a), 0, "32 KiB receive buffer: 5000 adds, none lost");
	is_int(a->calls, 5000, "every one acknowledged");
	is_int(dump_rules(s, &c), 0, "dump");
	is_int(c.n, 5000, "all 5000 in the kernel");
	for (size_t i = 0; i < 5000; i++)
		put_rule(b, RTM_DELRULE, 200000 + (uint32_t)i, 7, i);
	is_int(nl_batch_commit(b, NULL, NULL), 0, "and deleted");
	nl_batch_free(b);
	nl_close(s);
}

static void test_monitor(void)
{
	unsigned grp = RTNLGRP_IPV4_RULE;
	struct count c = { .lo = 1001, .hi = 1002 };
	struct nl_sock *m;

	if (nl_open(NETLINK_ROUTE, 0, &m) < 0 || nl_subscribe(m, &grp, 1) < 0)
		bail_out("monitor socket");
	is_int(nl_monitor_read(m, count_rule, &c), 0, "nothing queued yet");
	is_int(c.all, 0, "no notification before the change");
	ok(system("ip rule del priority 1001 >/dev/null 2>&1") == 0, "ip rule del priority 1001");
	is_int(nl_monitor_read(m, count_rule, &c), 0, "monitor drained");
	ok(c.all == 1 && c.type == RTM_DELRULE && c.n == 1,
	   "the monitor saw RTM_DELRULE of priority 1001 (%zu messages, type %u, prio %u)",
	   c.all, c.type, c.prio);
	nl_close(m);
}

static void test_enobufs(struct nl_sock *s, struct acks *a)
{
	unsigned grp = RTNLGRP_IPV4_RULE;
	struct count c = { .lo = 0, .hi = UINT32_MAX };
	struct nl_batch *b;
	struct nl_sock *m;
	int rc;

	if (nl_open(NETLINK_ROUTE, 4096, &m) < 0 || nl_subscribe(m, &grp, 1) < 0)
		bail_out("monitor socket");
	if (nl_batch_new(s, &b) < 0)
		bail_out("nl_batch_new");
	acks_reset(a);
	for (size_t i = 0; i < NDUMP; i++)
		put_rule(b, RTM_DELRULE, 100000 + (uint32_t)i, 5000 + (uint32_t)i, i);
	is_int(nl_batch_commit(b, on_ack, a), 0, "10,000 rules deleted");
	rc = nl_monitor_read(m, count_rule, &c);
	is_int(rc, -ENOBUFS, "an unread monitor overflowed: -ENOBUFS");
	/* Then it keeps working: drain, change one rule, see it. */
	while (nl_monitor_read(m, count_rule, &c) == -ENOBUFS)
		;
	c = (struct count){ .lo = 1002, .hi = 1003 };
	ok(system("ip rule del priority 1002 >/dev/null 2>&1") == 0, "ip rule del priority 1002");
	is_int(nl_monitor_read(m, count_rule, &c), 0, "monitor read after ENOBUFS");
	ok(c.n == 1 && c.type == RTM_DELRULE, "and it sees the next change");
	nl_batch_free(b);
	nl_close(m);
}

static void put_addr(struct nl_batch *b, uint16_t type, uint32_t host)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh = nl_batch_msg(b, type, type == RTM_NEWADDR ? NLM_F_CREATE : 0,
					    sizeof(*ifa), (void **)&ifa, NULL);
	uint32_t a = htonl(host);

	if (!nlh)
		_exit(2);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = if_nametoindex("lo");
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
}

static int count_any(const struct nlmsghdr *nlh, void *arg)
{
	(*(size_t *)arg)++;
	return MNL_CB_OK;
}

/* A dump that the kernel flags inconsistent (addresses change while
 * thousands are dumped in many parts) is read to its end and reported
 * as -EAGAIN; once things are quiet the same dump succeeds. */
static void test_dump_intr(struct nl_sock *s)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct nl_batch *b;
	int again = 0, fine = 0, other = 0, status;
	size_t n = 0;
	pid_t pid;

	if (nl_batch_new(s, &b) < 0)
		bail_out("nl_batch_new");
	for (uint32_t i = 0; i < 3000; i++)
		put_addr(b, RTM_NEWADDR, 0x0a010000 + i);	/* 10.1.x.y */
	is_int(nl_batch_commit(b, NULL, NULL), 0, "3000 addresses on lo");
	pid = fork();
	if (pid < 0)
		bail_out("fork");
	if (pid == 0) {
		struct nl_sock *c;
		struct nl_batch *cb;

		if (nl_open(NETLINK_ROUTE, 0, &c) < 0 || nl_batch_new(c, &cb) < 0)
			_exit(2);
		for (;;) {
			put_addr(cb, RTM_NEWADDR, 0x0a020001);
			put_addr(cb, RTM_DELADDR, 0x0a020001);
			(void)nl_batch_commit(cb, NULL, NULL);
		}
	}
	/* Up to 5 s: on a loaded machine the child may run rarely. */
	for (time_t end = time(NULL) + 5; !again && time(NULL) < end;) {
		int rc;

		n = 0;
		rc = nl_dump(s, RTM_GETADDR, &ifa, sizeof(ifa), NULL, count_any, &n);
		if (rc == -EAGAIN)
			again++;
		else if (rc == 0)
			fine++;
		else
			other++;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ok(again > 0, "a dump raced by changes: -EAGAIN (%d clean dumps before it)", fine);
	is_int(other, 0, "no other error while racing");
	n = 0;
	is_int(nl_dump(s, RTM_GETADDR, &ifa, sizeof(ifa), NULL, count_any, &n), 0,
	       "quiet again: the dump succeeds");
	ok(n >= 3001, "with every address (%zu)", n);
	nl_batch_free(b);
}

int main(void)
{
	static struct acks a;
	struct nl_sock *s;

	if (unshare(CLONE_NEWNET) < 0) {
		if (getenv("OUTPOST_REQUIRE_ROOT") && strcmp(getenv("OUTPOST_REQUIRE_ROOT"), "1") == 0)
			bail_out("unshare(CLONE_NEWNET): %s (root required)", strerror(errno));
		printf("1..0 # SKIP unshare(CLONE_NEWNET) needs root\n");
		return 0;
	}
	if (system("ip link set lo up") != 0)
		bail_out("ip link set lo up");
	if (nl_open(NETLINK_ROUTE, 0, &s) < 0)
		bail_out("nl_open");
	test_batch(s, &a);
	test_big_dump(s, &a);
	test_small_rcvbuf(&a);
	test_monitor();
	test_enobufs(s, &a);
	test_dump_intr(s);
	nl_close(s);
	acks_reset(&a);
	return done_testing();
}
