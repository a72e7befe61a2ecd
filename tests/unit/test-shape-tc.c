/* test-shape-tc.c: the tc side of outpost-shape against a real kernel,
 * in a network namespace of its own with veth pairs (root; skips
 * without, fails without under OUTPOST_REQUIRE_ROOT=1).
 *
 * A hand-made plan (egress tree on wan0, ingress tree on its IFB with
 * u32 nodes of both families, the redirect) goes in from nothing and is
 * checked in what tc(8) shows, read back equal, and diffed again to
 * nothing. A changed rate is one class change that keeps the class's
 * byte counter (in place, not delete and add); a changed filter class
 * is a replace of the same node, a changed match a new node beside the
 * old. The --dry-run text of the whole apply, run through tc -batch
 * and ip -batch in a second namespace, builds the same classes and
 * filters. A foreign root qdisc is refused with nothing changed, a
 * kernel refusal comes back with its extended-ACK text, and clear
 * leaves foreign filters and qdiscs alone. The caps probe agrees with
 * what tc itself can add in a throwaway namespace and forks once per
 * process (counted by SIGCHLD), also over repeated shape_apply calls;
 * the kernel's warnings (ext-ack on success) reach the callback. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "shape_kernel.h"
#include "shape_tc_int.h"
#include "../tap.h"

static char tmp[64];

/* Children this process reaped a SIGCHLD of: each fork of the probe. */
static volatile sig_atomic_t nchld;

static void on_chld(int sig)
{
	(void)sig;
	nchld++;
}

__attribute__((format(printf, 1, 2)))
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static struct shape_prefix pfx(const char *text, unsigned len)
{
	struct shape_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, text, p.addr) != 1)
		bail_out("bad prefix %s", text);
	p.len = (uint8_t)len;
	return p;
}

static struct shape_class cls(uint32_t minor, uint32_t parent, uint64_t rate_mbit,
			      uint64_t ceil_mbit, uint32_t prio)
{
	struct shape_class c;
	uint64_t rate = rate_mbit * 125000, ceil = ceil_mbit * 125000;

	memset(&c, 0, sizeof(c));
	c.classid = SHAPE_HANDLE(minor);
	c.parent = SHAPE_HANDLE(parent);
	c.region = -1;
	c.rate = rate;
	c.ceil = ceil;
	/* 12.5 ms of each rate: what matters is that it round trips. */
	c.burst = (uint32_t)(rate / 80);
	c.cburst = (uint32_t)(ceil / 80);
	c.prio = prio;
	if (minor != SHAPE_MINOR_LINE) {
		c.quantum = 1514 * 4;
		c.leaf_handle = minor << 16;
		c.leaf_limit = 100;
	}
	return c;
}

static struct shape_class eg[4], in[4];
static struct shape_u32 filt[5];
static struct shape_tree trees[2];
static struct shape_plan want;

static void build_plan(void)
{
	eg[0] = cls(SHAPE_MINOR_LINE, 0, 100, 100, 0);
	eg[1] = cls(SHAPE_MINOR_BUSINESS, SHAPE_MINOR_LINE, 50, 100, 0);
	eg[2] = cls(SHAPE_MINOR(1, SHAPE_ORIGIN), SHAPE_MINOR_LINE, 20, 20, 1);
	eg[3] = cls(SHAPE_MINOR(1, SHAPE_PEER), SHAPE_MINOR_LINE, 10, 30, 2);
	memcpy(in, eg, sizeof(in));
	in[0] = cls(SHAPE_MINOR_LINE, 0, 200, 200, 0);
	in[1] = cls(SHAPE_MINOR_BUSINESS, SHAPE_MINOR_LINE, 100, 200, 0);
	memset(filt, 0, sizeof(filt));
	filt[0] = (struct shape_u32){ .pref = SHAPE_PREF_CLASSIFY, .family = AF_INET,
		.classid = SHAPE_HANDLE(0x11), .has_src = true, .src = pfx("198.51.100.0", 24) };
	filt[1] = (struct shape_u32){ .pref = SHAPE_PREF_CLASSIFY + 1, .family = AF_INET6,
		.classid = SHAPE_HANDLE(0x11), .has_src = true, .src = pfx("2001:db8:51::", 64) };
	filt[2] = (struct shape_u32){ .pref = SHAPE_PREF_CLASSIFY + 2, .family = AF_INET,
		.classid = SHAPE_HANDLE(0x12), .ipproto = IPPROTO_TCP, .has_sport = true,
		.port = 6881, .port_mask = 0xffff };
	filt[3] = (struct shape_u32){ .pref = SHAPE_PREF_CLASSIFY + 3, .family = AF_INET6,
		.classid = SHAPE_HANDLE(0x12), .ipproto = IPPROTO_UDP, .has_dport = true,
		.port = 6880, .port_mask = 0xfffe };
	filt[4] = (struct shape_u32){ .pref = SHAPE_PREF_CLASSIFY + 4, .family = AF_INET,
		.classid = SHAPE_HANDLE(0x12), .has_src = true, .src = pfx("10.99.0.0", 16),
		.has_dst = true, .dst = pfx("192.0.2.0", 24) };
	memset(trees, 0, sizeof(trees));
	snprintf(trees[0].dev, 16, "wan0");
	snprintf(trees[0].wan, 16, "wan0");
	trees[0].dir = SHAPE_EGRESS;
	trees[0].defcls = SHAPE_MINOR_BUSINESS;
	trees[0].leaf = SHAPE_LEAF_PFIFO;
	trees[0].classes = eg;
	trees[0].nclasses = 4;
	snprintf(trees[1].dev, 16, "ifb-wan0");
	snprintf(trees[1].wan, 16, "wan0");
	trees[1].dir = SHAPE_INGRESS;
	trees[1].defcls = SHAPE_MINOR_BUSINESS;
	trees[1].leaf = SHAPE_LEAF_PFIFO;
	trees[1].classes = in;
	trees[1].nclasses = 4;
	trees[1].filters = filt;
	trees[1].nfilters = 5;
	want.trees = trees;
	want.ntrees = 2;
}

struct refusals {
	int n, err;
	enum shape_op_kind kind;
	char text[256];
	int nwarn;          /* ops taken with a warning (err 0) */
	char warn[256];     /* the first warning's text */
};

static void on_refused(const struct shape_op *op, int err, const char *extack, void *arg)
{
	struct refusals *r = arg;

	if (!err) {
		if (!r->nwarn++)
			snprintf(r->warn, sizeof(r->warn), "%s", extack);
		diag("warning (%d): %s", (int)op->kind, extack);
		return;
	}
	r->n++;
	r->err = err;
	r->kind = op->kind;
	snprintf(r->text, sizeof(r->text), "%s", extack);
	diag("refused %d (%s): %s", (int)op->kind, strerror(-err), extack);
}

static const char *const devnames[] = { "wan0", "ifb-wan0", "wan1" };
#define NDEVS 3

static void read_all(struct nl_sock *s, struct shape_kdev *d)
{
	for (size_t i = 0; i < NDEVS; i++) {
		int rc = shape_tc_read(s, devnames[i], &d[i]);

		if (rc < 0 && rc != -ENODEV)
			bail_out("shape_tc_read %s: %s", devnames[i], strerror(-rc));
	}
}

static void free_all(struct shape_kdev *d)
{
	for (size_t i = 0; i < NDEVS; i++)
		shape_kdev_free(&d[i]);
}

/* Diff devs against p and apply: the number of ops (or -errno). */
static int sync_to(struct nl_sock *s, const struct shape_plan *p, struct shape_ops *ops,
		   struct refusals *r)
{
	struct shape_kdev d[NDEVS];
	char why[256];
	int rc;

	memset(r, 0, sizeof(*r));
	read_all(s, d);
	rc = shape_tc_diff(d, NDEVS, p, ops, why, sizeof(why));
	free_all(d);
	if (rc < 0) {
		diag("diff: %s", why);
		return rc;
	}
	rc = shape_tc_apply(s, ops, on_refused, r);
	if (rc != 0)
		diag("apply: %d", rc);
	return rc < 0 ? rc : (int)ops->n;
}

static size_t count_diff(struct nl_sock *s, const struct shape_plan *p)
{
	struct shape_kdev d[NDEVS];
	struct shape_ops ops;
	char why[256], line[1024];
	size_t n;

	read_all(s, d);
	if (shape_tc_diff(d, NDEVS, p, &ops, why, sizeof(why)) < 0)
		bail_out("diff: %s", why);
	for (size_t i = 0; i < ops.n; i++) {
		shape_op_format(&ops.v[i], line, sizeof(line));
		diag("left: %s", line);
	}
	n = ops.n;
	shape_ops_free(&ops);
	free_all(d);
	return n;
}

static const struct shape_kclass *kclass(const struct shape_kdev *d, uint32_t minor)
{
	for (size_t i = 0; i < d->nclasses; i++)
		if (d->classes[i].cls.classid == SHAPE_HANDLE(minor))
			return &d->classes[i];
	return NULL;
}

static void check_tree(const struct shape_kdev *d, const struct shape_tree *t)
{
	bool all = d->root == SHAPE_ROOT_OURS && d->defcls == SHAPE_MINOR_BUSINESS &&
		   d->nclasses == t->nclasses;

	for (size_t i = 0; all && i < t->nclasses; i++) {
		const struct shape_class *c = &t->classes[i];
		const struct shape_kclass *k = kclass(d, c->classid & 0xffff);

		all = k && k->cls.parent == c->parent && k->cls.rate == c->rate &&
		      k->cls.ceil == c->ceil &&
		      k->buffer_ticks == shape_xmit_ticks(c->burst, c->rate) &&
		      k->cbuffer_ticks == shape_xmit_ticks(c->cburst, c->ceil) &&
		      shape_xmit_ticks(k->cls.burst, k->cls.rate) == k->buffer_ticks &&
		      k->cls.prio == c->prio && (!c->quantum || k->cls.quantum == c->quantum) &&
		      k->cls.leaf_handle == c->leaf_handle &&
		      (!c->leaf_handle || (strcmp(k->leaf_kind, "pfifo") == 0 &&
					   k->cls.leaf_limit == c->leaf_limit));
		if (!all)
			diag("class %x differs", c->classid);
	}
	ok(all, "%s: read back, the classes equal the plan's (rate, ceil, ticks, quantum, prio, leaf)",
	   d->name);
	all = d->nfilters == t->nfilters && d->foreign_filters == 0;
	for (size_t i = 0; all && i < t->nfilters; i++) {
		bool found = false;

		for (size_t j = 0; j < d->nfilters && !found; j++)
			found = d->filters[j].pref == t->filters[i].pref &&
				d->filters[j].classid == t->filters[i].classid &&
				shape_u32_same_match(&d->filters[j], &t->filters[i]);
		all = found;
	}
	ok(all, "%s: read back, %zu u32 nodes equal the plan's", d->name, t->nfilters);
}

static void test_apply(struct nl_sock *s)
{
	struct shape_kdev d[NDEVS];
	struct shape_ops ops;
	struct refusals r;
	int n = sync_to(s, &want, &ops, &r);

	ok(n > 0 && r.n == 0, "apply from nothing: %d ops, none refused", n);
	/* This plan's line classes have quantum 0, as the model's had: HTB
	 * works one out for what is still a leaf, and says so. */
	ok(r.nwarn == 2 && strstr(r.warn, "quantum of class 4F500001 is big"),
	   "a line class added with quantum 0: the kernel's warning reaches the callback, once per "
	   "tree (%d: %s)", r.nwarn, r.warn);
	shape_ops_free(&ops);
	ok(sh("tc class show dev wan0 | grep -qx 'class htb 4f50:11 parent 4f50:1 leaf 11: prio 1 "
	      "rate 20Mbit ceil 20Mbit burst 31250b cburst 31250b *'") == 0,
	   "tc shows wan0's origin class with the exact burst (no rounding down)");
	ok(sh("tc qdisc show dev wan0 | grep -q '^qdisc htb 4f50: root .*default 0x2 .*direct_qlen 1000'")
	   == 0 && sh("tc qdisc show dev wan0 | grep -q '^qdisc pfifo 12: parent 4f50:12 limit 100p'")
	   == 0, "tc shows the root htb and the pfifo leaves");
	ok(sh("tc class show dev ifb-wan0 | grep -c '^class htb 4f50:' | grep -qx 4") == 0,
	   "tc shows four classes on ifb-wan0");
	ok(sh("tc filter show dev ifb-wan0 | grep -A1 'pref 20305 u32.*fh 8..::800 .*flowid 4f50:11' "
	      "| grep -q 'match c6336400/ffffff00 at 12'") == 0 &&
	   sh("tc filter show dev ifb-wan0 | grep -A4 'pref 20307 u32.*flowid 4f50:12' "
	      "| grep -q 'match 1ae10000/ffff0000 at 20'") == 0 &&
	   sh("tc filter show dev ifb-wan0 | grep -A4 'pref 20307 u32.*flowid 4f50:12' "
	      "| tr '\\n' ' ' | grep -q 'match 05000000/0f000000 at 0 *match 00000000/00001fff at 4 "
	      "*match 00060000/00ff0000 at 8 *match 1ae10000'") == 0 &&
	   sh("tc filter show dev ifb-wan0 protocol ipv6 | grep -A4 'pref 20308 u32.*flowid 4f50:12' "
	      "| grep -q 'match 00001ae0/0000fffe at 40'") == 0,
	   "tc filter show: the v4 origin node, the v4 sport node (IHL 5, first fragment, tcp), "
	   "the v6 dport range node");
	ok(sh("tc filter show dev wan0 ingress | grep -q 'mirred (Egress Redirect to device ifb-wan0) stolen'")
	   == 0 && sh("ip -d link show ifb-wan0 | grep -q 'alias outpost-shape: wan0'") == 0,
	   "the ingress redirect to ifb-wan0, the IFB with Outpost's alias");
	read_all(s, d);
	ok(d[0].root == SHAPE_ROOT_OURS && d[0].ingress && d[0].redirect &&
	   strcmp(d[0].redirect_to, "ifb-wan0") == 0 && d[0].redirect_handle != 0 &&
	   d[0].ingress_foreign == 0 && !d[0].ifb_ours && d[1].ifb_ours && d[1].up,
	   "read back: wan0 redirects to ifb-wan0, the IFB is ours and up");
	check_tree(&d[0], &trees[0]);
	check_tree(&d[1], &trees[1]);
	ok(kclass(&d[0], 0x11) && kclass(&d[0], 0x11)->st.has_rate &&
	   kclass(&d[1], 0x12) && kclass(&d[1], 0x12)->st.has_rate,
	   "the classes carry the kernel's rate estimate (TCA_RATE went with the add)");
	free_all(d);
	is_int(count_diff(s, &want), 0, "diff again: nothing to do");
	{
		char (*ifbs)[16] = NULL;
		size_t k = 0;

		ok(shape_tc_list_ifbs(s, &ifbs, &k) == 0 && k == 1 && strcmp(ifbs[0], "ifb-wan0") == 0,
		   "shape_tc_list_ifbs: ifb-wan0, and only it");
		free(ifbs);
	}
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One frame from the ISP's side into wan0: IPv4 or IPv6 from src to
 * dst, UDP or TCP with the given ports, or a later IPv4 fragment. */
static size_t frame(uint8_t *f, const char *src, const char *dst, uint8_t proto, uint16_t sport,
		    uint16_t dport, bool later_fragment)
{
	bool v6 = strchr(src, ':') != NULL;
	size_t ip = v6 ? 40 : 20, l4 = proto == IPPROTO_TCP ? 20 : 8, pay = 100;
	uint8_t *h = f + 14, *t = h + ip;
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	/* (sysfs still shows the namespace the test started in.) */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "wan0");
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		bail_out("wan0's address: %s", strerror(errno));
	close(fd);
	memset(f, 0, 14 + ip + l4 + pay);
	memcpy(f, ifr.ifr_hwaddr.sa_data, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		h[0] = 0x60;
		h[4] = (uint8_t)((l4 + pay) >> 8);
		h[5] = (uint8_t)(l4 + pay);
		h[6] = proto;
		h[7] = 64;
		inet_pton(AF_INET6, src, h + 8);
		inet_pton(AF_INET6, dst, h + 24);
	} else {
		uint16_t c;

		h[0] = 0x45;
		h[2] = (uint8_t)((ip + l4 + pay) >> 8);
		h[3] = (uint8_t)(ip + l4 + pay);
		if (later_fragment)
			h[7] = 0x10;  /* offset 16 (x 8 bytes) */
		h[8] = 64;
		h[9] = proto;
		inet_pton(AF_INET, src, h + 12);
		inet_pton(AF_INET, dst, h + 16);
		c = csum(h, 20);
		h[10] = (uint8_t)(c >> 8);
		h[11] = (uint8_t)c;
	}
	t[0] = (uint8_t)(sport >> 8);
	t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8);
	t[3] = (uint8_t)dport;
	if (proto == IPPROTO_TCP)
		t[12] = 0x50;
	else
		t[5] = (uint8_t)(l4 + pay);
	return 14 + ip + l4 + pay;
}

/* Packets of the IFB's class minor. */
static uint64_t ifb_packets(struct nl_sock *s, uint32_t minor)
{
	struct shape_kdev d;
	const struct shape_kclass *k;
	uint64_t n = 0;

	if (shape_tc_read(s, "ifb-wan0", &d) == 0 && (k = kclass(&d, minor)) != NULL)
		n = k->st.packets;
	shape_kdev_free(&d);
	return n;
}

/* Real packets through the ingress redirect and the IFB's u32 nodes. */
static void test_classify(struct nl_sock *s)
{
	static const struct {
		const char *what, *src, *dst;
		uint8_t proto;
		uint16_t sport, dport;
		bool frag;
		uint32_t minor;
	} c[] = {
		{ "v4 from the origin", "198.51.100.7", "192.0.2.1", IPPROTO_UDP, 80, 4000, false, 0x11 },
		{ "v6 from the origin", "2001:db8:51::7", "2001:db8:1::1", IPPROTO_UDP, 80, 4000, false, 0x11 },
		{ "v4 TCP from P2P port 6881", "203.0.113.5", "192.0.2.1", IPPROTO_TCP, 6881, 4000, false, 0x12 },
		{ "v6 UDP to 6881 (in 6880/0xfffe)", "2001:db8:77::1", "2001:db8:1::1", IPPROTO_UDP, 4000, 6881,
		  false, 0x12 },
		{ "v4 from a peer prefix to the LAN", "10.99.3.4", "192.0.2.1", IPPROTO_UDP, 1, 2, false, 0x12 },
		{ "v4 UDP from 6881 (the node wants TCP)", "203.0.113.5", "192.0.2.1", IPPROTO_UDP, 6881, 4000,
		  false, SHAPE_MINOR_BUSINESS },
		{ "a later v4 fragment with 6881 where ports would be", "203.0.113.5", "192.0.2.1",
		  IPPROTO_TCP, 6881, 4000, true, SHAPE_MINOR_BUSINESS },
	};
	struct sockaddr_ll to = { .sll_family = AF_PACKET };
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	uint8_t f[256];

	to.sll_ifindex = (int)if_nametoindex("isp0");
	to.sll_halen = 6;
	if (fd < 0 || !to.sll_ifindex)
		bail_out("packet socket: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t before[3], after[3];
		const uint32_t minors[3] = { 0x11, 0x12, SHAPE_MINOR_BUSINESS };
		size_t n = frame(f, c[i].src, c[i].dst, c[i].proto, c[i].sport, c[i].dport, c[i].frag);
		bool right = true;

		for (int k = 0; k < 3; k++)
			before[k] = ifb_packets(s, minors[k]);
		for (int j = 0; j < 5; j++)
			if (sendto(fd, f, n, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)n)
				bail_out("sendto: %s", strerror(errno));
		usleep(50000);
		for (int k = 0; k < 3; k++) {
			after[k] = ifb_packets(s, minors[k]);
			right = right && after[k] - before[k] == (minors[k] == c[i].minor ? 5u : 0u);
		}
		if (!ok(right, "%s: 5 packets in 4f50:%x, none elsewhere", c[i].what, c[i].minor))
			diag("4f50:11 +%llu, 4f50:12 +%llu, 4f50:2 +%llu",
			     (unsigned long long)(after[0] - before[0]),
			     (unsigned long long)(after[1] - before[1]),
			     (unsigned long long)(after[2] - before[2]));
	}
	close(fd);
}

/* UDP out of wan0 into class 4f50:12 (HTB reads skb->priority). */
static void send_udp(int count)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	int prio = (int)SHAPE_HANDLE(0x12), fd = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[200] = { 0 };

	inet_pton(AF_INET, "192.0.2.2", &to.sin_addr);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio)) < 0)
		bail_out("udp socket: %s", strerror(errno));
	for (int i = 0; i < count; i++)
		(void)sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
}

static uint64_t class_bytes(struct nl_sock *s, uint32_t minor)
{
	struct shape_kdev d;
	const struct shape_kclass *k;
	uint64_t b = 0;

	if (shape_tc_read(s, "wan0", &d) == 0 && (k = kclass(&d, minor)) != NULL)
		b = k->st.bytes;
	shape_kdev_free(&d);
	return b;
}

static void test_in_place(struct nl_sock *s)
{
	struct shape_ops ops;
	struct refusals r;
	uint64_t before, after;
	uint32_t old_handle = 0;
	struct shape_kdev d;
	int n;

	send_udp(20);
	before = class_bytes(s, 0x12);
	ok(before >= 20 * 200, "traffic counted in 4f50:12 (%llu bytes)", (unsigned long long)before);
	eg[3].ceil = 40 * 125000;
	eg[3].cburst = (uint32_t)(eg[3].ceil / 80);
	n = sync_to(s, &want, &ops, &r);
	ok(n == 1 && ops.v[0].kind == SHAPE_OP_CLASS_CHANGE && ops.v[0].cls.classid ==
	   SHAPE_HANDLE(0x12) && r.n == 0, "a changed ceil is exactly one class change (%d ops)", n);
	shape_ops_free(&ops);
	after = class_bytes(s, 0x12);
	ok(after >= before, "the class kept its counters: %llu bytes after, %llu before (in place)",
	   (unsigned long long)after, (unsigned long long)before);
	ok(sh("tc class show dev wan0 | grep -q 'class htb 4f50:12 .* ceil 40Mbit'") == 0,
	   "tc shows the new ceil");
	is_int(count_diff(s, &want), 0, "diff again: nothing to do");

	/* A filter's class: a replace of the same node. */
	if (shape_tc_read(s, "ifb-wan0", &d) == 0)
		for (size_t i = 0; i < d.nfilters; i++)
			if (d.filters[i].pref == filt[4].pref)
				old_handle = d.filter_handles[i];
	shape_kdev_free(&d);
	filt[4].classid = SHAPE_HANDLE(0x11);
	n = sync_to(s, &want, &ops, &r);
	ok(n == 1 && ops.v[0].kind == SHAPE_OP_FILTER && ops.v[0].handle == old_handle &&
	   old_handle != 0 && r.n == 0, "a filter's new class is one replace of node %x", old_handle);
	shape_ops_free(&ops);
	ok(sh("tc filter show dev ifb-wan0 | grep -q 'pref 20309 u32 .*fh %x:%s:%x .*flowid 4f50:11'",
	      old_handle >> 20, "", old_handle & 0xfff) == 0, "the same node now points at 4f50:11");

	/* A filter's match: a new node beside the old, the old removed. */
	filt[2].port = 6889;
	n = sync_to(s, &want, &ops, &r);
	ok(n == 2 && ops.v[0].kind == SHAPE_OP_FILTER && ops.v[1].kind == SHAPE_OP_FILTER_DEL &&
	   r.n == 0, "a filter's new match: a node added, then the old deleted (%d ops)", n);
	shape_ops_free(&ops);
	ok(sh("tc filter show dev ifb-wan0 | grep -c 'pref 20307 u32 .*fh [0-9a-f]*::' | grep -qx 1") == 0 &&
	   sh("tc filter show dev ifb-wan0 | grep -A4 'pref 20307 u32.*::801 .*flowid 4f50:12' "
	      "| grep -q 'match 1ae90000/ffff0000 at 20'") == 0, "one node left at that pref: ::801, port 6889");
	is_int(count_diff(s, &want), 0, "diff again: nothing to do");

	/* A pref that changes family: deleted whole first, then added. */
	filt[4] = (struct shape_u32){ .pref = SHAPE_PREF_CLASSIFY + 4, .family = AF_INET6,
		.classid = SHAPE_HANDLE(0x12), .has_src = true, .src = pfx("2001:db8:99::", 64) };
	n = sync_to(s, &want, &ops, &r);
	ok(n == 2 && ops.v[0].kind == SHAPE_OP_FILTER_DEL && ops.v[0].handle == 0 &&
	   ops.v[0].filter.family == AF_INET && ops.v[1].kind == SHAPE_OP_FILTER && r.n == 0,
	   "a pref from IPv4 to IPv6: the whole pref deleted, the new node added (%d ops)", n);
	shape_ops_free(&ops);
	ok(sh("tc filter show dev ifb-wan0 | grep -q 'protocol ipv6 pref 20309 u32 .*::800 .*flowid 4f50:12'")
	   == 0 && sh("tc filter show dev ifb-wan0 | grep -q 'protocol ip pref 20309'") != 0,
	   "pref 20309 is IPv6 now, nothing of IPv4 left at it");
	is_int(count_diff(s, &want), 0, "diff again: nothing to do");

	/* A leaf of another kind at our handle: the kernel cannot change
	 * a qdisc's kind, so it is grafted through a second handle. */
	if (sh("tc qdisc del dev wan0 parent 4f50:11 handle 11: && "
	       "tc qdisc add dev wan0 parent 4f50:11 handle 11: bfifo limit 10000") != 0)
		bail_out("bfifo leaf");
	n = sync_to(s, &want, &ops, &r);
	ok(n == 1 && ops.v[0].kind == SHAPE_OP_LEAF && ops.v[0].handle == SHAPE_LEAF_TMP(0x11) &&
	   r.n == 0, "a leaf of another kind: one LEAF op through a second handle (%d ops)", n);
	shape_ops_free(&ops);
	ok(sh("tc qdisc show dev wan0 | grep -q '^qdisc pfifo 11: parent 4f50:11 limit 100p'") == 0 &&
	   sh("tc qdisc show dev wan0 | grep -c 'parent 4f50:11' | grep -qx 1") == 0,
	   "the leaf is pfifo 11: again, and the only one");
	is_int(count_diff(s, &want), 0, "diff again: nothing to do");

	/* Redirected into an IFB that is down, downloads would be dropped. */
	if (sh("ip link set ifb-wan0 down") != 0)
		bail_out("ifb down");
	n = sync_to(s, &want, &ops, &r);
	ok(n == 1 && ops.v[0].kind == SHAPE_OP_IFB_ADD && ops.v[0].handle == 1 && r.n == 0,
	   "our IFB set down: one IFB_ADD that only sets it up (%d ops)", n);
	shape_ops_free(&ops);
	ok(sh("ip link show ifb-wan0 | grep -q '<.*,UP'") == 0 &&
	   sh("tc class show dev ifb-wan0 | grep -c '^class htb' | grep -qx 4") == 0,
	   "ifb-wan0 is up again with its tree");
	is_int(count_diff(s, &want), 0, "diff again: nothing to do");
}

/* What the kernel holds, as text that tc -batch must reproduce:
 * classes without their bursts (tc rounds burst bytes down through
 * whole microseconds; ours are exact), qdiscs without HTB's counter of
 * unclassified packets (chatter of a link just up), filters verbatim. */
#define SHOW "for d in wan0 ifb-wan0; do tc class show dev $d | sed 's/ c\\?burst [0-9]*b//g' | sort; " \
	"tc qdisc show dev $d | sed 's/direct_packets_stat [0-9]* //'; tc filter show dev $d; " \
	"tc filter show dev $d protocol ipv6; done; " \
	"tc filter show dev wan0 ingress"

static void setup_links(void)
{
	if (sh("ip link set lo up && ip link add wan0 type veth peer name isp0 && "
	       "ip link add wan1 type veth peer name isp1 && "
	       /* No IPv6 chatter from the ISP side into wan0's ingress. */
	       "sysctl -qw net.ipv6.conf.isp0.disable_ipv6=1 && "
	       "ip link set wan0 up && ip link set isp0 up && "
	       "ip link set wan1 up && ip link set isp1 up && ip addr add 192.0.2.1/24 dev wan0 && "
	       "ip neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev wan0") != 0)
		bail_out("veth setup");
}

static void test_batch(void)
{
	struct shape_kdev d[NDEVS];
	struct shape_ops ops;
	char why[256], line[2048];
	struct nl_sock *s;
	FILE *fp;
	pid_t pid;
	int st;

	/* The whole apply from nothing, as text, in a namespace of its own. */
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(3);
		setup_links();
		if (nl_open(NETLINK_ROUTE, 0, &s) < 0)
			_exit(4);
		read_all(s, d);
		if (shape_tc_diff(d, NDEVS, &want, &ops, why, sizeof(why)) < 0)
			_exit(5);
		snprintf(line, sizeof(line), "%s/ops.txt", tmp);
		fp = fopen(line, "w");
		for (size_t i = 0; fp && i < ops.n; i++) {
			shape_op_format(&ops.v[i], line, sizeof(line));
			fprintf(fp, "%s\n", line);
		}
		if (!fp || fclose(fp) != 0)
			_exit(6);
		/* Each run of lines of one tool through its -batch, in order. */
		if (sh("cd %s && awk '{t=$1; sub(/^[a-z]+ /, \"\"); if (t != last) n++; last=t; "
		       "print > (\"part\" sprintf(\"%%03d\", n) \".\" t)}' ops.txt && "
		       "for f in part*; do case $f in *.ip) ip -batch $f;; *.tc) tc -batch $f;; "
		       "esac || exit 1; done", tmp) != 0)
			_exit(7);
		_exit(sh("(%s) >%s/batch.show 2>&1", SHOW, tmp) == 0 ? 0 : 8);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the dry-run text of the apply runs through "
	   "ip -batch and tc -batch in a second namespace (exit %d)", WEXITSTATUS(st));
	if (sh("(%s) >%s/ours.show 2>&1", SHOW, tmp) != 0)
		diag("show failed");
	ok(sh("cmp -s %s/ours.show %s/batch.show", tmp, tmp) == 0 &&
	   sh("grep -c '^class htb' %s/ours.show | grep -qx 8", tmp) == 0,
	   "tc -batch built the same 8 classes, qdiscs and filters as our apply");
	if (sh("diff %s/ours.show %s/batch.show >&2", tmp, tmp) != 0)
		sh("cat %s/ops.txt >&2", tmp);
}

static void test_foreign_root(struct nl_sock *s)
{
	struct shape_tree t = trees[0];
	struct shape_plan p = { .trees = &t, .ntrees = 1 };
	struct shape_kdev d[NDEVS];
	struct shape_ops ops = { 0 };
	char why[256];
	int rc;

	if (sh("tc qdisc add dev wan1 root handle 1: tbf rate 1mbit burst 10k latency 50ms") != 0)
		bail_out("tbf on wan1");
	snprintf(t.dev, 16, "wan1");
	snprintf(t.wan, 16, "wan1");
	read_all(s, d);
	rc = shape_tc_diff(d, NDEVS, &p, &ops, why, sizeof(why));
	free_all(d);
	ok(rc == -EEXIST && ops.n == 0 && strstr(why, "wan1") && strstr(why, "tbf") &&
	   strstr(why, "1:"), "a foreign root qdisc: -EEXIST, no ops, why names it (%s)", why);
	ok(sh("tc qdisc show dev wan1 | grep -q '^qdisc tbf 1: root'") == 0 &&
	   sh("tc class show dev wan1 | grep -q htb") != 0, "wan1 still holds only its tbf");
}

static void test_refused(struct nl_sock *s)
{
	struct shape_ops ops = { 0 };
	struct shape_op op;
	struct refusals r = { 0 };
	int rc;

	memset(&op, 0, sizeof(op));
	op.kind = SHAPE_OP_LEAF;
	op.tree = &trees[0];
	snprintf(op.dev, 16, "wan0");
	op.cls = cls(0x77, SHAPE_MINOR_LINE, 1, 1, 1);
	ops.v = &op;
	ops.n = 1;
	rc = shape_tc_apply(s, &ops, on_refused, &r);
	ok(rc == 1 && r.n == 1 && r.err < 0 && r.kind == SHAPE_OP_LEAF && r.text[0],
	   "a leaf for a class that does not exist: refused with the kernel's text (%s)", r.text);
	ok(strstr(r.text, "class") != NULL, "the ext-ack text is the kernel's (names the class)");
}

static void test_clear(struct nl_sock *s)
{
	struct shape_ops ops;
	struct refusals r;
	int n;

	if (sh("tc filter add dev wan0 parent ffff: protocol ip pref 10 u32 "
	       "match ip dst 192.0.2.9/32 classid 1:1") != 0)
		bail_out("foreign ingress filter");
	n = sync_to(s, NULL, &ops, &r);
	ok(n == 3 && r.n == 0 && ops.v[0].kind == SHAPE_OP_REDIRECT_DEL &&
	   ops.v[1].kind == SHAPE_OP_QDISC_DEL && ops.v[2].kind == SHAPE_OP_IFB_DEL,
	   "clear: the redirect, wan0's root, the IFB, in that order (%d ops)", n);
	shape_ops_free(&ops);
	ok(sh("tc qdisc show dev wan0 | grep -q 4f50") != 0 &&
	   sh("ip link show ifb-wan0 2>/dev/null") != 0 &&
	   sh("tc filter show dev wan0 ingress | grep -q 20304") != 0, "nothing of Outpost's is left");
	ok(sh("tc qdisc show dev wan0 | grep -q '^qdisc ingress ffff:'") == 0 &&
	   sh("tc filter show dev wan0 ingress | grep -q 'pref 10 u32'") == 0,
	   "the ingress qdisc stays with its foreign filter");
	ok(sh("tc qdisc show dev wan1 | grep -q '^qdisc tbf 1: root'") == 0,
	   "the foreign qdisc on wan1 is untouched");
	is_int(count_diff(s, NULL), 0, "clear again: nothing to do");
	{
		char (*ifbs)[16] = NULL;
		size_t k = 99;

		ok(shape_tc_list_ifbs(s, &ifbs, &k) == 0 && k == 0, "shape_tc_list_ifbs: none left");
		free(ifbs);
	}
}

/* 100 regions' worth on one interface: 302 classes a tree, 400 u32
 * nodes, in one shape_tc_apply; then back to nothing. */
static void test_scale(struct nl_sock *s)
{
	enum { R = 100, NC = 2 + 3 * R, NF = 4 * R };
	struct shape_class *ce = calloc(NC, sizeof(*ce)), *ci = calloc(NC, sizeof(*ci));
	struct shape_u32 *f = calloc(NF, sizeof(*f));
	struct shape_tree t[2];
	struct shape_plan p = { .trees = t, .ntrees = 2 };
	struct shape_ops ops;
	struct refusals r;
	struct timespec a, b;
	int n;

	if (!ce || !ci || !f)
		bail_out("calloc");
	ce[0] = cls(SHAPE_MINOR_LINE, 0, 1000, 1000, 0);
	ce[1] = cls(SHAPE_MINOR_BUSINESS, SHAPE_MINOR_LINE, 100, 1000, 0);
	for (unsigned i = 0; i < R; i++)
		for (unsigned k = 0; k < 3; k++)
			ce[2 + 3 * i + k] = cls(SHAPE_MINOR(i + 1, k + 1), SHAPE_MINOR_LINE, 1 + i, 2 + i,
						k + 1);
	memcpy(ci, ce, NC * sizeof(*ci));
	for (unsigned i = 0; i < NF; i++) {
		char a4[32];

		snprintf(a4, sizeof(a4), "10.%u.%u.0", i / 256, i % 256);
		f[i] = (struct shape_u32){ .pref = (uint16_t)(SHAPE_PREF_CLASSIFY + i), .family = AF_INET,
			.classid = SHAPE_HANDLE(SHAPE_MINOR(i / 4 + 1, 1 + i % 2)), .has_src = true,
			.src = pfx(a4, 24), .ipproto = i % 4 == 3 ? IPPROTO_TCP : 0,
			.has_dport = i % 4 == 3, .port = 6881, .port_mask = 0xffff };
	}
	t[0] = trees[0];
	t[0].classes = ce;
	t[0].nclasses = NC;
	t[1] = trees[1];
	t[1].classes = ci;
	t[1].nclasses = NC;
	t[1].filters = f;
	t[1].nfilters = NF;
	clock_gettime(CLOCK_MONOTONIC, &a);
	n = sync_to(s, &p, &ops, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	diag("%d ops in %.0f ms (read, diff, apply)", n,
	     (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	ok(n > 2 * NC + NF && r.n == 0, "100 regions: %d ops in one apply, none refused", n);
	shape_ops_free(&ops);
	ok(sh("tc class show dev ifb-wan0 | grep -c '^class htb' | grep -qx %d", NC) == 0 &&
	   sh("tc filter show dev ifb-wan0 | grep -c 'fh [0-9a-f]*::800 ' | grep -qx %d", NF) == 0,
	   "the kernel holds all %d classes and %d nodes", NC, NF);
	is_int(count_diff(s, &p), 0, "diff again: nothing to do");
	n = sync_to(s, NULL, &ops, &r);
	ok(n == 3 && r.n == 0 && sh("tc qdisc show dev wan0 | grep -q 4f50") != 0,
	   "and all of it cleared in %d ops", n);
	shape_ops_free(&ops);
	free(ce);
	free(ci);
	free(f);
}

#define REGION_A(origin_rate) \
	"[region \"chaoyang\"]\nlan = 10.20.0.0/16\nlan = 2001:db8:20::/48\nwan-interface = wan0\n" \
	"origin = 198.51.100.0/24\norigin = 2001:db8:51::/64\norigin-rate = " origin_rate "\n" \
	"peer-rate = 30mbit\npeer-port = 6881-6889\npeer = 10.99.0.0/16\npeer = 2001:db8:99::/64\n" \
	"line-rate = 100mbit\n"
#define REGION_B \
	"\n[region \"haidian\"]\nlan = 10.30.0.0/16\nlan = 2001:db8:30::/48\nwan-interface = wan0\n" \
	"origin = 198.51.100.0/24\norigin-rate = 10mbit\npeer-rate = 15mbit\nline-rate = 100mbit\n"

/* A config through the model's plan: ok when it loads and plans. */
static bool plan_of(const char *text, struct shape_config *c, struct shape_plan *p)
{
	static const struct conf_opts o = { .schema = &conf_schema_outpost };
	struct conf *conf = NULL;
	int r = conf_load_buffer("t.conf", text, strlen(text), &o, &conf);

	memset(c, 0, sizeof(*c));
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; r != 0 && conf && i < conf_diag_count(conf); i++)
		diag("%s", conf_diag(conf, i));
	if (r == 0)
		r = shape_config_from_conf(conf, c);
	conf_free(conf);
	return r == 0 && shape_plan_build(c, NULL, p) == 0;
}

/* Only changes in place: class changes, and leaf replaces at the same
 * handle and kind (a pfifo's limit follows its rate). */
static bool in_place(const struct shape_ops *ops)
{
	for (size_t i = 0; i < ops->n; i++)
		if (ops->v[i].kind != SHAPE_OP_CLASS_CHANGE &&
		    (ops->v[i].kind != SHAPE_OP_LEAF || ops->v[i].handle))
			return false;
	return true;
}

/* The model's plans of real configs: two regions sharing wan0 (LAN
 * matches, port ranges, peers, both families), a changed rate, a
 * region removed. */
static void test_config(struct nl_sock *s)
{
	struct shape_config c;
	struct shape_plan p;
	struct shape_kdev d[NDEVS];
	struct shape_ops ops;
	struct refusals r;
	bool has_del = false;
	int n;

	if (!plan_of(REGION_A("20mbit") REGION_B, &c, &p))
		bail_out("config A");
	n = sync_to(s, &p, &ops, &r);
	ok(n > 0 && r.n == 0, "two regions on wan0 from the model's plan: %d ops, none refused (%zu u32 "
	   "nodes)", n, p.ntrees > 1 ? p.trees[1].nfilters : 0);
	ok(r.nwarn == 0, "and no warning from the kernel (%d: %s)", r.nwarn, r.warn);
	shape_ops_free(&ops);
	read_all(s, d);
	for (size_t i = 0; i < p.ntrees && i < 2; i++)
		check_tree(&d[i], &p.trees[i]);
	free_all(d);
	is_int(count_diff(s, &p), 0, "diff again: nothing to do");
	shape_plan_free(&p);
	shape_config_free(&c);

	if (!plan_of(REGION_A("25mbit") REGION_B, &c, &p))
		bail_out("config B");
	n = sync_to(s, &p, &ops, &r);
	if (!ok(n > 0 && r.n == 0 && in_place(&ops),
		"origin-rate 20 -> 25mbit: %d ops, all class changes and leaf changes in place", n))
		for (size_t i = 0; i < ops.n; i++) {
			char line[1024];

			shape_op_format(&ops.v[i], line, sizeof(line));
			diag("op: %s", line);
		}
	shape_ops_free(&ops);
	is_int(count_diff(s, &p), 0, "diff again: nothing to do");
	shape_plan_free(&p);
	shape_config_free(&c);

	if (!plan_of(REGION_A("25mbit"), &c, &p))
		bail_out("config C");
	n = sync_to(s, &p, &ops, &r);
	for (size_t i = 0; i < ops.n; i++)
		has_del = has_del || ops.v[i].kind == SHAPE_OP_CLASS_DEL;
	ok(n > 0 && r.n == 0 && has_del, "a region removed: %d ops with class deletes, none refused", n);
	shape_ops_free(&ops);
	ok(sh("tc filter show dev ifb-wan0 | grep -c ' u32 chain 0 $' | grep -qx %zu",
	      p.ntrees > 1 ? p.trees[1].nfilters : 0) == 0,
	   "no empty u32 instance left behind: one per node of the plan");
	is_int(count_diff(s, &p), 0, "diff again: nothing to do");
	read_all(s, d);
	for (size_t i = 0; i < p.ntrees && i < 2; i++)
		check_tree(&d[i], &p.trees[i]);
	free_all(d);
	n = sync_to(s, NULL, &ops, &r);
	ok(n == 3 && r.n == 0, "cleared in %d ops", n);
	shape_ops_free(&ops);
	shape_plan_free(&p);
	shape_config_free(&c);
}

static void count_warning(const struct shape_op *op, const char *text, void *arg)
{
	(void)op;
	diag("warned: %s", text);
	(*(int *)arg)++;
}

/* shape_apply as outpost-p2pd runs it on every SIGHUP: repeated in one
 * process, it forks no probe once the process has probed (test_caps
 * did), and the model's plan draws no warning from the kernel. */
static void test_apply_repeated(void)
{
	struct sigaction sa = { .sa_handler = on_chld }, old;
	struct shape_config c;
	struct shape_plan p;
	struct shape_result res;
	int warnings = 0, r1, r2;
	struct shape_apply_opts o = { .warned = count_warning, .arg = &warnings };

	if (!plan_of(REGION_A("20mbit") REGION_B, &c, &p))
		bail_out("config A");
	shape_plan_free(&p);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &old);
	nchld = 0;
	r1 = shape_apply(&c, &o, &res);
	if (r1 < 0)
		diag("apply: %s", res.why);
	r2 = shape_apply(&c, &o, &res);
	sigaction(SIGCHLD, &old, NULL);
	ok(r1 == 0 && r2 == 0 && res.tc_changes == 0 && !res.nft_changed,
	   "shape_apply twice: the second has nothing to do");
	is_int((int)nchld, 0, "shape_apply twice: no fork (the caps probed once, in test_caps)");
	is_int(warnings, 0, "shape_apply: no warning from the kernel");
	ok(shape_clear(NULL, &res) == 0, "and cleared");
	shape_config_free(&c);
}

static void test_format(void)
{
	struct shape_op op;
	char line[512];

	memset(&op, 0, sizeof(op));
	op.kind = SHAPE_OP_CLASS_CHANGE;
	snprintf(op.dev, 16, "wan0");
	op.cls = cls(0x21, SHAPE_MINOR_LINE, 20, 20, 1);
	op.cls.burst = op.cls.cburst = 31250;
	op.cls.quantum = 31250;
	shape_op_format(&op, line, sizeof(line));
	is_str(line, "tc class change dev wan0 parent 4f50:1 classid 4f50:21 htb rate 20Mbit "
	       "ceil 20Mbit burst 31250b cburst 31250b quantum 31250 prio 1", "format: a class change");
	op.kind = SHAPE_OP_FILTER;
	op.filter = filt[3];
	shape_op_format(&op, line, sizeof(line));
	is_str(line, "tc filter add dev wan0 parent 4f50: protocol ipv6 pref 20308 handle ::800 u32 "
	       "match u32 0x00001100 0x0000ff00 at 4 match u32 0x00001ae0 0x0000fffe at 40 "
	       "classid 4f50:12", "format: a new IPv6 node with a port range");
	op.kind = SHAPE_OP_REDIRECT;
	op.handle = 0x80000800u;
	snprintf(op.peer, 16, "ifb-wan0");
	shape_op_format(&op, line, sizeof(line));
	is_str(line, "tc filter replace dev wan0 parent ffff: protocol all pref 20304 handle 800::800 "
	       "u32 match u32 0 0 action mirred egress redirect dev ifb-wan0",
	       "format: the redirect replaced in place");
}

/* As nobody: -EPERM, nothing known; exit 0 when that holds, or, with
 * want_cached, when the caps this process probed as root come back. */
static int caps_as_nobody(bool want_cached, const struct shape_caps *root)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct shape_caps c;
		char missing[128];
		int rc;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		nchld = 0;
		rc = shape_caps_probe(&c);
		shape_caps_missing(&c, missing, sizeof(missing));
		if (want_cached)
			_exit(rc == 0 && !memcmp(&c, root, sizeof(c)) && !nchld ? 0 : 1);
		_exit(rc == -EPERM && !c.probed && !missing[0] && !nchld ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_caps(void)
{
	struct sigaction sa = { .sa_handler = on_chld }, old;
	struct shape_caps c, again;
	char missing[128];
	bool fq = sh("unshare -n tc qdisc add dev lo root fq_codel 2>/dev/null") == 0;
	int rc, st;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &old);
	/* Before this process probed as root: nothing known, no fork. */
	st = caps_as_nobody(false, NULL);
	ok(st == 0, "caps as nobody: -EPERM, probed false, no fork (exit %d)", st);
	nchld = 0;
	rc = shape_caps_probe(&c);
	ok(rc == 0 && c.probed && c.htb && c.ingress && c.ifb && c.u32 && c.mirred,
	   "caps: htb, ingress, ifb, u32 and mirred");
	is_int((int)nchld, 1, "caps: the first probe forks once");
	ok(c.fq_codel == fq, "caps: fq_codel %s, as tc finds it", fq ? "present" : "absent");
	shape_caps_missing(&c, missing, sizeof(missing));
	is_str(missing, fq ? "" : "fq_codel", "caps: missing lists exactly that");
	nchld = 0;
	rc = shape_caps_probe(&again);
	ok(rc == 0 && !memcmp(&c, &again, sizeof(c)) && nchld == 0,
	   "caps: a second probe gives the same answer without a fork (%d)", (int)nchld);
	sigaction(SIGCHLD, &old, NULL);

	/* A daemon that dropped root keeps what it probed as root. */
	sigaction(SIGCHLD, &sa, NULL);
	st = caps_as_nobody(true, &c);
	sigaction(SIGCHLD, &old, NULL);
	ok(st == 0, "caps as nobody after a probe as root: the same caps, no fork (exit %d)", st);
}

static int on_raw(const struct nlmsghdr *nlh, void *arg)
{
	fwrite(nlh, 1, NLMSG_ALIGN(nlh->nlmsg_len), arg);
	return MNL_CB_OK;
}

/* With OUTPOST_SHAPE_TC_CORPUS=DIR: the replies of the dumps that
 * shape_tc_read makes, as the fuzz harness's seeds. */
static void write_corpus(struct nl_sock *s)
{
	const char *dir = getenv("OUTPOST_SHAPE_TC_CORPUS");
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	const struct {
		const char *name, *dev;
		uint16_t type;
		uint32_t parent;
	} d[] = {
		{ "links", NULL, RTM_GETLINK, 0 },
		{ "qdiscs", "wan0", RTM_GETQDISC, 0 },
		{ "classes-wan0", "wan0", RTM_GETTCLASS, 0 },
		{ "classes-ifb", "ifb-wan0", RTM_GETTCLASS, 0 },
		{ "filters-ifb", "ifb-wan0", RTM_GETTFILTER, SHAPE_HANDLE(0) },
		{ "filters-ingress", "wan0", RTM_GETTFILTER, SHAPE_INGRESS_HANDLE },
	};

	for (size_t i = 0; dir && i < sizeof(d) / sizeof(d[0]); i++) {
		struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_parent = d[i].parent };
		char path[512];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", dir, d[i].name);
		fp = fopen(path, "w");
		if (!fp)
			bail_out("%s: %s", path, strerror(errno));
		if (d[i].dev)
			t.tcm_ifindex = (int)if_nametoindex(d[i].dev);
		if ((d[i].type == RTM_GETLINK ? nl_dump(s, d[i].type, &ifi, sizeof(ifi), NULL, on_raw, fp)
		     : nl_dump(s, d[i].type, &t, sizeof(t), NULL, on_raw, fp)) < 0)
			bail_out("dump %s", d[i].name);
		fclose(fp);
	}
}

int main(void)
{
	struct nl_sock *s;

	if (unshare(CLONE_NEWNET) < 0) {
		if (getenv("OUTPOST_REQUIRE_ROOT") && strcmp(getenv("OUTPOST_REQUIRE_ROOT"), "1") == 0)
			bail_out("unshare(CLONE_NEWNET): %s (root required)", strerror(errno));
		printf("1..0 # SKIP unshare(CLONE_NEWNET) needs root\n");
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/test-shape-tc.XXXXXX");
	if (!mkdtemp(tmp))
		bail_out("mkdtemp");
	setup_links();
	if (nl_open(NETLINK_ROUTE, 0, &s) < 0)
		bail_out("nl_open");
	build_plan();
	test_format();
	test_caps();
	test_apply(s);
	test_classify(s);
	write_corpus(s);
	test_batch();
	test_in_place(s);
	test_foreign_root(s);
	test_refused(s);
	test_clear(s);
	test_scale(s);
	test_config(s);
	test_apply_repeated();
	nl_close(s);
	sh("rm -rf %s", tmp);
	return done_testing();
}
