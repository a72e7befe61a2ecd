/* test-shape-nft: table inet outpost through libnftnl, against the kernel.
 *
 * In a network namespace of its own (root; skips without): commit a
 * hand-made model, check what `nft -j list` shows, read it back, change
 * it, refuse a bad one, leave foreign tables alone, delete it; send
 * packets over a veth pair and see both the rule counters and the HTB
 * class the rule's meta priority picked count them; compare the nft(8)
 * script with the commit; time 100 regions' worth. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "shape_kernel.h"
#include "tap.h"

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : ".";
}

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A command's stdout (up to len - 1 bytes), or "" when it failed. */
static char *out_of(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	buf[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return buf;
	while (n + 1 < len) {
		size_t got = fread(buf + n, 1, len - 1 - n, p);

		if (got == 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	if (pclose(p) != 0)
		buf[0] = '\0';
	return buf;
}

static char *canon(char *buf, size_t len, const char *args)
{
	return out_of(buf, len,
		      "nft -j list table inet outpost 2>/dev/null | python3 %s/tests/shape/nft-canon.py %s",
		      srcdir(), args);
}

/* ---- models by hand ---- */

static struct shape_prefix pfx(const char *text)
{
	struct shape_prefix p = { 0 };
	char a[64];
	const char *slash = strchr(text, '/');

	snprintf(a, sizeof(a), "%.*s", (int)(slash - text), text);
	p.family = strchr(a, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, a, p.addr) != 1)
		bail_out("bad prefix %s", text);
	p.len = (uint8_t)atoi(slash + 1);
	return p;
}

static void add_set(struct shape_nft *n, const char *name, uint8_t family, const char *const *elems)
{
	struct shape_nft_set *s;
	size_t k = 0;

	n->sets = realloc(n->sets, (n->nsets + 1) * sizeof(*n->sets));
	s = &n->sets[n->nsets++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->family = family;
	while (elems && elems[k])
		k++;
	s->elems = calloc(k + 1, sizeof(*s->elems));
	for (size_t i = 0; i < k; i++)
		s->elems[s->nelems++] = pfx(elems[i]);
}

static struct shape_nft_rule *add_rule(struct shape_nft *n, uint8_t family, int sset, int dset,
				       uint32_t prio)
{
	struct shape_nft_rule *r;

	n->rules = realloc(n->rules, (n->nrules + 1) * sizeof(*n->rules));
	r = &n->rules[n->nrules++];
	memset(r, 0, sizeof(*r));
	snprintf(r->oif, sizeof(r->oif), "wan0");
	r->family = family;
	r->saddr_set = sset;
	r->daddr_set = dset;
	r->priority = prio;
	return r;
}

static void ports(struct shape_nft_rule *r, uint8_t proto, bool sport, uint16_t lo, uint16_t hi)
{
	r->ipproto = proto;
	r->sport = sport;
	r->port_lo = lo;
	r->port_hi = hi;
}

static void free_model(struct shape_nft *n)
{
	for (size_t i = 0; i < n->nsets; i++)
		free(n->sets[i].elems);
	free(n->sets);
	free(n->rules);
	memset(n, 0, sizeof(*n));
}

/* One region "r1" on wan0: origin by prefixes both ways, P2P by peer
 * prefixes and the port (one rule for both families: family 0); the
 * peer set also holds a prefix reaching the top of the address space
 * and the LAN two adjacent ones. */
static void model_one(struct shape_nft *n)
{
	static const char *const lan4[] = { "10.20.0.0/24", "10.20.1.0/24", NULL };
	static const char *const origin4[] = { "198.51.100.0/24", "203.0.113.0/25", NULL };
	static const char *const lan6[] = { "2001:db8:20::/48", NULL };
	static const char *const origin6[] = { "2001:db8:51::/64", NULL };
	static const char *const peer4[] = { "10.99.0.0/16", "240.0.0.0/4", NULL };

	memset(n, 0, sizeof(*n));
	add_set(n, "r1_lan4", AF_INET, lan4);
	add_set(n, "r1_origin4", AF_INET, origin4);
	add_set(n, "r1_lan6", AF_INET6, lan6);
	add_set(n, "r1_origin6", AF_INET6, origin6);
	add_set(n, "r1_peer4", AF_INET, peer4);
	add_set(n, "r1_peer6", AF_INET6, NULL);
	add_rule(n, AF_INET, 0, 1, SHAPE_HANDLE(0x11));
	add_rule(n, AF_INET6, 2, 3, SHAPE_HANDLE(0x11));
	add_rule(n, AF_INET, -1, 4, SHAPE_HANDLE(0x12));
	ports(add_rule(n, 0, -1, -1, SHAPE_HANDLE(0x12)), IPPROTO_UDP, false, 6881, 6881);
	ports(add_rule(n, AF_INET, 0, -1, SHAPE_HANDLE(0x12)), IPPROTO_TCP, true, 6881, 6889);
	ports(add_rule(n, AF_INET6, -1, 5, SHAPE_HANDLE(0x12)), IPPROTO_UDP, false, 6881, 6881);
}

static const char want_one[] =
	"table inet outpost\n"
	"set r1_lan4 ipv4_addr interval elements=10.20.0.0/24,10.20.1.0/24\n"
	"set r1_origin4 ipv4_addr interval elements=198.51.100.0/24,203.0.113.0/25\n"
	"set r1_lan6 ipv6_addr interval elements=2001:db8:20::/48\n"
	"set r1_origin6 ipv6_addr interval elements=2001:db8:51::/64\n"
	"set r1_peer4 ipv4_addr interval elements=10.99.0.0/16,240.0.0.0/4\n"
	"set r1_peer6 ipv6_addr interval elements=\n"
	"chain egress filter postrouting -150 accept\n"
	"rule meta.oifname==wan0 ip.saddr==@r1_lan4 ip.daddr==@r1_origin4 counter=0 "
	"meta.priority:=4f50:11 accept\n"
	"rule meta.oifname==wan0 ip6.saddr==@r1_lan6 ip6.daddr==@r1_origin6 counter=0 "
	"meta.priority:=4f50:11 accept\n"
	"rule meta.oifname==wan0 ip.daddr==@r1_peer4 counter=0 meta.priority:=4f50:12 accept\n"
	"rule meta.oifname==wan0 udp.dport==6881 counter=0 "
	"meta.priority:=4f50:12 accept\n"
	"rule meta.oifname==wan0 ip.saddr==@r1_lan4 tcp.sport==6881-6889 counter=0 "
	"meta.priority:=4f50:12 accept\n"
	"rule meta.oifname==wan0 ip6.daddr==@r1_peer6 udp.dport==6881 counter=0 "
	"meta.priority:=4f50:12 accept\n";

static void test_commit_and_list(const struct shape_nft *n)
{
	struct shape_knft k;
	char why[512], buf[8192];
	int rc;

	rc = shape_nft_commit(n, why, sizeof(why));
	is_int(rc, 0, "commit of a region's sets and rules (%s)", why);
	is_str(canon(buf, sizeof(buf), ""), want_one,
	       "nft -j list shows the sets with their prefixes, the chain and the rules in order");
	if (strcmp(buf, want_one) != 0)
		diag("got:\n%s", buf);
	ok(sh("nft list table inet outpost | grep -q 'meta priority set 4f50:11 accept'") == 0,
	   "nft list prints the rules as nft syntax");
	rc = shape_nft_read(&k);
	is_int(rc, 0, "read back");
	ok(k.present && !k.foreign, "read back: present, nothing foreign");
	ok(shape_nft_equal(&k.nft, n), "read back equals what was committed");
	ok(k.nft.nrules == n->nrules && k.rule_packets && k.rule_packets[0] == 0,
	   "one counter per rule, at zero");
	shape_knft_free(&k);
}

static void test_change(struct shape_nft *n)
{
	struct shape_knft k;
	struct shape_nft old;
	char why[512], buf[8192];

	model_one(&old);
	/* A new origin prefix, one LAN prefix gone, a rule's class changed. */
	free(n->sets[1].elems);
	n->sets[1].elems = calloc(3, sizeof(*n->sets[1].elems));
	n->sets[1].elems[0] = pfx("192.0.2.0/24");
	n->sets[1].elems[1] = pfx("198.51.100.0/24");
	n->sets[1].elems[2] = pfx("203.0.113.0/25");
	n->sets[1].nelems = 3;
	n->sets[0].nelems = 1;
	n->rules[2].priority = SHAPE_HANDLE(0x22);
	is_int(shape_nft_commit(n, why, sizeof(why)), 0, "commit of a changed model (%s)", why);
	is_int(shape_nft_read(&k), 0, "read back the change");
	ok(k.present && !k.foreign && shape_nft_equal(&k.nft, n), "read back equals the new model");
	ok(!shape_nft_equal(&k.nft, &old), "and no longer the old one");
	shape_knft_free(&k);
	ok(strstr(canon(buf, sizeof(buf), ""),
		  "set r1_origin4 ipv4_addr interval elements=192.0.2.0/24,198.51.100.0/24,"
		  "203.0.113.0/25\n") &&
		   strstr(buf, "set r1_lan4 ipv4_addr interval elements=10.20.0.0/24\n") &&
		   strstr(buf, "ip.daddr==@r1_peer4 counter=0 meta.priority:=4f50:22"),
	   "nft lists the new elements and class");
	free_model(&old);
}

/* One kept set through element lists that add and drop the interval
 * end at 0, an open interval, adjacent prefixes, nothing: each commit
 * changes only elements, and each reads back as the model. */
static void test_elements(const struct shape_nft *n0)
{
	static const char *const lists[][4] = {
		{ "0.0.0.0/1", NULL },
		{ "10.0.0.0/8", "240.0.0.0/4", NULL },
		{ "10.0.0.0/9", "10.128.0.0/9", "128.0.0.0/1", NULL },
		{ NULL },
		{ "0.0.0.0/0", NULL },
		{ "192.0.2.0/24", NULL },
	};
	struct shape_nft m;
	struct shape_knft k;
	char why[512];
	int good = 0;

	model_one(&m);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		size_t n = 0;

		while (lists[i][n])
			n++;
		free(m.sets[4].elems);
		m.sets[4].elems = calloc(n + 1, sizeof(*m.sets[4].elems));
		for (size_t j = 0; j < n; j++)
			m.sets[4].elems[j] = pfx(lists[i][j]);
		m.sets[4].nelems = n;
		if (shape_nft_commit(&m, why, sizeof(why)) == 0 && shape_nft_read(&k) == 0) {
			if (!k.foreign && shape_nft_equal(&k.nft, &m))
				good++;
			else
				diag("element list %zu reads back differently", i);
			shape_knft_free(&k);
		} else {
			diag("element list %zu: %s", i, why);
		}
	}
	is_int(good, 6, "six element changes of a kept set commit and read back as the model");
	ok(sh("nft list set inet outpost r1_peer4 | grep -q 'elements = { 192.0.2.0/24 }'") == 0,
	   "nft lists the last one");
	free_model(&m);
	is_int(shape_nft_commit(n0, why, sizeof(why)), 0, "back to the changed model (%s)", why);
}

static void test_refusal(const struct shape_nft *n)
{
	static const char *const overlap[] = { "10.30.0.0/16", "10.30.4.0/24", NULL };
	struct shape_nft bad;
	struct shape_knft k;
	char why[512] = "", before[16384], after[16384];
	int rc;

	canon(before, sizeof(before), "--strip");
	model_one(&bad);
	add_set(&bad, "r1_bad4", AF_INET, overlap);
	add_rule(&bad, AF_INET, 6, -1, SHAPE_HANDLE(0x31));
	rc = shape_nft_commit(&bad, why, sizeof(why));
	ok(rc < 0, "overlapping elements: the kernel refuses (%d)", rc);
	ok(strstr(why, "add element inet outpost r1_bad4 { 10.30.4.0/24 }: ") != NULL,
	   "why names the refused set and element (from the ext-ack offset): %s", why);
	diag("refusal: %s", why);
	ok(before[0] && strcmp(canon(after, sizeof(after), "--strip"), before) == 0,
	   "after the refusal nft lists the table exactly as before");
	is_int(shape_nft_read(&k), 0, "read back after the refusal");
	ok(shape_nft_equal(&k.nft, n), "read back still equals the previous model");
	shape_knft_free(&k);
	free_model(&bad);
}

static void test_foreign(const struct shape_nft *n)
{
	char a1[8192], a2[8192], b1[8192], b2[8192], why[512];

	ok(sh("nft -f - <<'EOF'\n"
	      "table inet other {\n set s { type ipv4_addr; elements = { 10.20.0.1 }; }\n"
	      " chain c { type filter hook postrouting priority 0; ip daddr @s counter; }\n}\n"
	      "table ip filter {\n chain output { type filter hook output priority 0; counter accept; }\n}\n"
	      "EOF") == 0,
	   "foreign tables inet other and ip filter made with nft");
	out_of(a1, sizeof(a1), "nft -j list table inet other");
	out_of(b1, sizeof(b1), "nft -j list table ip filter");
	is_int(shape_nft_commit(n, why, sizeof(why)), 0, "commit beside them (%s)", why);
	ok(a1[0] && strcmp(out_of(a2, sizeof(a2), "nft -j list table inet other"), a1) == 0 &&
		   strcmp(out_of(b2, sizeof(b2), "nft -j list table ip filter"), b1) == 0,
	   "commit leaves inet other and ip filter as they were");
	is_int(shape_nft_commit(NULL, why, sizeof(why)), 0, "delete (%s)", why);
	ok(sh("nft list table inet outpost >/dev/null 2>&1") != 0, "table inet outpost is gone");
	ok(strcmp(out_of(a2, sizeof(a2), "nft -j list table inet other"), a1) == 0 &&
		   strcmp(out_of(b2, sizeof(b2), "nft -j list table ip filter"), b1) == 0,
	   "delete leaves inet other and ip filter as they were");
	is_int(shape_nft_commit(NULL, why, sizeof(why)), 0, "delete when absent is no error (%s)",
	       why);
	sh("nft delete table inet other; nft delete table ip filter");
}

static void test_foreign_rule(const struct shape_nft *n)
{
	struct shape_knft k;
	char why[512];

	is_int(shape_nft_commit(n, why, sizeof(why)), 0, "commit again (%s)", why);
	sh("nft add rule inet outpost egress ip daddr 192.0.2.1 counter drop");
	is_int(shape_nft_read(&k), 0, "read back with a rule someone else added");
	ok(k.present && k.foreign && !shape_nft_equal(&k.nft, n),
	   "that rule makes the table foreign, and unequal to the model");
	ok(k.nft.nrules == n->nrules + 1 && k.nft.rules[n->nrules].family == 0 &&
		   !k.nft.rules[n->nrules].oif[0] && k.nft.rules[n->nrules].ipproto == 0,
	   "it stays in its place as a rule no model has");
	shape_knft_free(&k);
	sh("nft add set inet outpost extra '{ type inet_service; }'");
	is_int(shape_nft_read(&k), 0, "read back with a set of another type");
	ok(k.foreign, "that set makes the table foreign");
	shape_knft_free(&k);
	is_int(shape_nft_commit(n, why, sizeof(why)), 0, "commit replaces them in place (%s)", why);
	is_int(shape_nft_read(&k), 0, "read back");
	ok(!k.foreign && shape_nft_equal(&k.nft, n), "ours again, equal to the model");
	shape_knft_free(&k);
	sh("nft add chain inet outpost other; nft add counter inet outpost c1");
	is_int(shape_nft_read(&k), 0, "read back with another chain and a counter object");
	ok(k.foreign, "they make the table foreign");
	shape_knft_free(&k);
	is_int(shape_nft_commit(n, why, sizeof(why)), 0, "commit replaces the whole table (%s)", why);
	ok(sh("nft list chain inet outpost other >/dev/null 2>&1") != 0 &&
		   sh("nft list counter inet outpost c1 >/dev/null 2>&1") != 0,
	   "the other chain and the counter are gone");
	is_int(shape_nft_read(&k), 0, "read back");
	ok(!k.foreign && shape_nft_equal(&k.nft, n), "equal to the model");
	shape_knft_free(&k);
}

/* Packets counted by the class with this id (tc -s class show), -1
 * when the class is not there. */
static long class_packets(const char *dev, const char *cls)
{
	char buf[16384], key[64], *p;

	snprintf(key, sizeof(key), "class htb %s ", cls);
	out_of(buf, sizeof(buf), "tc -s class show dev %s", dev);
	p = strstr(buf, key);
	if (!p || !(p = strstr(p, " bytes ")))
		return -1;
	return strtol(p + 7, NULL, 10);
}

static void send_udp(int family, const char *dst, uint16_t port, int count)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(family, SOCK_DGRAM, 0);

	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, dst, &a->sin_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, dst, &a->sin6_addr);
		sl = sizeof(*a);
	}
	for (int i = 0; fd >= 0 && i < count; i++)
		if (sendto(fd, "outpost", 7, 0, (struct sockaddr *)&ss, sl) < 0)
			diag("sendto %s: %s", dst, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* wan0 (10.20.0.1, 2001:db8:20::1) to its veth peer; the origin and the
 * peers are on link with static neighbours, so nothing but our
 * datagrams leaves; HTB 4f50: with the classes the rules name. */
static void test_packets(void)
{
	struct shape_nft m, *n = &m;
	struct shape_knft k;
	long c11, c12, c2;
	char why[512];

	if (sh("set -e; ip link set lo up; ip link add wan0 type veth peer name wan0p;"
	       "ip link set wan0 up; ip link set wan0p up;"
	       "ip addr add 10.20.0.1/24 dev wan0; ip addr add 2001:db8:20::1/64 dev wan0 nodad;"
	       "ip route add 198.51.100.0/24 dev wan0; ip route add 10.99.0.0/16 dev wan0;"
	       "ip route add 192.0.2.0/24 dev wan0; ip -6 route add 2001:db8:51::/64 dev wan0;"
	       "for a in 198.51.100.7 10.99.0.5 192.0.2.9; do"
	       " ip neigh add $a lladdr 02:00:00:00:00:02 dev wan0 nud permanent; done;"
	       "ip -6 neigh add 2001:db8:51::7 lladdr 02:00:00:00:00:02 dev wan0 nud permanent;"
	       "tc qdisc add dev wan0 root handle 4f50: htb default 2;"
	       "tc class add dev wan0 parent 4f50: classid 4f50:1 htb rate 100mbit quantum 1514;"
	       "for c in 2 11 12; do tc class add dev wan0 parent 4f50:1 classid 4f50:$c"
	       " htb rate 10mbit ceil 100mbit quantum 1514; done") != 0)
		bail_out("cannot build the veth pair and HTB tree");
	model_one(&m);
	is_int(shape_nft_commit(n, why, sizeof(why)), 0, "commit (%s)", why);
	c11 = class_packets("wan0", "4f50:11");
	c12 = class_packets("wan0", "4f50:12");
	c2 = class_packets("wan0", "4f50:2");
	send_udp(AF_INET, "198.51.100.7", 5000, 5);   /* origin: rule 0 */
	send_udp(AF_INET6, "2001:db8:51::7", 5000, 3); /* origin: rule 1 */
	send_udp(AF_INET, "10.99.0.5", 5000, 4);       /* peer prefix: rule 2 */
	send_udp(AF_INET, "192.0.2.9", 6881, 2);       /* P2P port: rule 3 */
	send_udp(AF_INET, "192.0.2.9", 5000, 6);       /* nothing: default class */
	is_int(shape_nft_read(&k), 0, "read back the counters");
	ok(k.rule_packets && k.nft.nrules == 6 && k.rule_packets[0] == 5 && k.rule_packets[1] == 3 &&
		   k.rule_packets[2] == 4 && k.rule_packets[3] == 2 && k.rule_packets[4] == 0,
	   "each rule counted exactly its datagrams (5, 3, 4, 2, 0)");
	ok(k.rule_bytes && k.rule_bytes[0] == 5 * (20 + 8 + 7), "rule bytes: 5 x 35 (IP + UDP + 7)");
	shape_knft_free(&k);
	is_int(class_packets("wan0", "4f50:11") - c11, 8,
	       "HTB class 4f50:11 (the origin rules' meta priority) got the 5 + 3 origin datagrams");
	is_int(class_packets("wan0", "4f50:12") - c12, 6,
	       "HTB class 4f50:12 got the 4 + 2 P2P datagrams");
	ok(class_packets("wan0", "4f50:2") - c2 >= 6,
	   "the default class 4f50:2 got the unclassified ones");
	free_model(&m);
}

/* Replacing the table while packets flow: every packet of the origin
 * flow still finds its rule (the transaction swaps old for new, no
 * moment without a table), so the origin class counts all of them. */
static void test_no_gap(void)
{
	struct shape_nft a, b;
	long before, after, before2;
	char why[512];
	int commits = 0, failed = 0, st = 0;
	const int count = 4000;
	pid_t pid;

	model_one(&a);
	model_one(&b);
	/* b differs from a: one peer prefix fewer, an origin prefix more
	 * (in the set the flow is looked up in), a rule's class. */
	b.sets[4].nelems = 1;
	b.sets[1].elems = realloc(b.sets[1].elems, 3 * sizeof(*b.sets[1].elems));
	b.sets[1].elems[2] = b.sets[1].elems[1];
	b.sets[1].elems[1] = b.sets[1].elems[0];
	b.sets[1].elems[0] = pfx("192.0.2.0/24");
	b.sets[1].nelems = 3;
	b.rules[2].priority = SHAPE_HANDLE(0x22);
	if (shape_nft_commit(&a, why, sizeof(why)) < 0)
		bail_out("commit: %s", why);
	/* A witness after our chain: the flow's packets by priority. */
	sh("nft -f - <<'EOF'\ntable inet watch { chain c {\n"
	   " type filter hook postrouting priority 10;\n"
	   " ip daddr 198.51.100.7 meta priority 4f50:11 counter\n"
	   " ip daddr 198.51.100.7 meta priority != 4f50:11 counter\n}\n}\nEOF");
	before = class_packets("wan0", "4f50:11");
	before2 = class_packets("wan0", "4f50:2");
	pid = fork();
	if (pid == 0) {
		struct timespec gap = { 0, 100000 };

		for (int i = 0; i < count; i++) {
			send_udp(AF_INET, "198.51.100.7", 5000, 1);
			nanosleep(&gap, NULL);
		}
		_exit(0);
	}
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (shape_nft_commit(commits % 2 ? &a : &b, why, sizeof(why)) < 0)
			failed++;
		commits++;
	}
	usleep(200000); /* let HTB dequeue what is still queued */
	{
		char w[4096];

		out_of(w, sizeof(w), "nft list table inet watch |"
		       " grep -c 'priority != 4f50:11 counter packets 0 '");
		ok(atoi(w) == 1, "nft itself saw no packet of the flow leave without priority 4f50:11");
	}
	sh("nft delete table inet watch");
	after = class_packets("wan0", "4f50:11");
	diag("%d commits while %d datagrams went out; default class got %ld meanwhile", commits,
	     count, class_packets("wan0", "4f50:2") - before2);
	ok(commits >= 5 && failed == 0, "the table was replaced %d times under traffic", commits);
	is_int(after - before, count, "class 4f50:11 got every origin datagram: none went unclassified");
	free_model(&a);
	free_model(&b);
}

static void test_script(const struct shape_nft *n)
{
	char path[] = "/tmp/test-shape-nft-XXXXXX", a[32768], b[32768], why[512];
	struct shape_knft k;
	FILE *fp;
	int fd = mkstemp(path);

	fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!fp)
		bail_out("mkstemp: %s", strerror(errno));
	is_int(shape_nft_script(n, fp), 0, "shape_nft_script");
	fclose(fp);
	ok(sh("nft -c -f %s", path) == 0, "nft -c -f accepts the script");
	is_int(shape_nft_commit(n, why, sizeof(why)), 0, "commit (%s)", why);
	canon(a, sizeof(a), "--strip");
	ok(sh("nft -f %s", path) == 0, "nft -f applies the script over the committed table");
	canon(b, sizeof(b), "--strip");
	ok(a[0] && strcmp(a, b) == 0,
	   "nft -j list after the script equals it after the commit (but handles)");
	if (strcmp(a, b) != 0)
		diag("commit: %s\nscript: %s", a, b);
	is_int(shape_nft_read(&k), 0, "read back what nft wrote");
	ok(k.present && !k.foreign && shape_nft_equal(&k.nft, n),
	   "nft's own byte code parses back as ours and equals the model");
	shape_knft_free(&k);
	ok(sh("nft -f %s && nft -f %s", path, path) == 0, "the script applies twice");
	fp = fopen(path, "w");
	is_int(shape_nft_script(NULL, fp), 0, "the script of a delete");
	fclose(fp);
	ok(sh("nft -f %s && nft -f %s && ! nft list table inet outpost 2>/dev/null", path, path) == 0,
	   "it removes the table, and runs again when it is gone");
	unlink(path);
}

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 100 regions, more than the model plans for them: six sets each
 * (LAN, origin, peer, both families) and twelve rules. */
static void test_scale(void)
{
	struct shape_nft n = { 0 };
	struct shape_knft k;
	char why[512];
	double t0, t1, t2;
	int rc;

	for (int r = 0; r < 100; r++) {
		char name[48], p4[3][32], p6[3][48];
		const char *e4[3][3], *e6[3][2];
		static const char *const kinds[] = { "lan", "origin", "peer" };
		size_t base = n.nsets;

		snprintf(p4[0], sizeof(p4[0]), "10.%d.0.0/16", r);
		snprintf(p4[1], sizeof(p4[1]), "198.51.%d.0/24", r);
		snprintf(p4[2], sizeof(p4[2]), "172.16.%d.0/24", r);
		snprintf(p6[0], sizeof(p6[0]), "2001:db8:%x::/48", r);
		snprintf(p6[1], sizeof(p6[1]), "2001:db8:5100:%x::/64", r);
		snprintf(p6[2], sizeof(p6[2]), "2001:db8:9900:%x::/64", r);
		for (int i = 0; i < 3; i++) {
			e4[i][0] = p4[i];
			e4[i][1] = i == 1 ? "203.0.113.0/24" : NULL;
			e4[i][2] = NULL;
			e6[i][0] = p6[i];
			e6[i][1] = NULL;
			snprintf(name, sizeof(name), "reg%d_%s4", r, kinds[i]);
			add_set(&n, name, AF_INET, e4[i]);
			snprintf(name, sizeof(name), "reg%d_%s6", r, kinds[i]);
			add_set(&n, name, AF_INET6, e6[i]);
		}
		for (int f = 0; f < 2; f++) {
			uint8_t fam = f ? AF_INET6 : AF_INET;
			int s = (int)base + f;
			uint32_t o = SHAPE_HANDLE(SHAPE_MINOR(r + 1, SHAPE_ORIGIN));
			uint32_t p = SHAPE_HANDLE(SHAPE_MINOR(r + 1, SHAPE_PEER));

			add_rule(&n, fam, s, s + 2, o);
			add_rule(&n, fam, s, s + 4, p);
			ports(add_rule(&n, fam, s, -1, p), IPPROTO_TCP, true, 6881, 6881);
			ports(add_rule(&n, fam, s, -1, p), IPPROTO_UDP, true, 6881, 6889);
			ports(add_rule(&n, fam, s, -1, p), IPPROTO_TCP, false, 6881, 6881);
		}
		/* Twelve rules a region: ten by address, two by port alone. */
		ports(add_rule(&n, 0, -1, -1, SHAPE_HANDLE(SHAPE_MINOR(r + 1, SHAPE_PEER))), IPPROTO_TCP,
		      false, 6881, 6881);
		ports(add_rule(&n, 0, -1, -1, SHAPE_HANDLE(SHAPE_MINOR(r + 1, SHAPE_PEER))), IPPROTO_UDP,
		      false, 6881, 6881);
	}
	t0 = secs();
	rc = shape_nft_commit(&n, why, sizeof(why));
	t1 = secs();
	is_int(rc, 0, "commit of 100 regions: %zu sets, %zu rules (%s)", n.nsets, n.nrules, why);
	diag("commit of %zu sets and %zu rules: %.3f s", n.nsets, n.nrules, t1 - t0);
	ok(t1 - t0 < 2.0, "within a generous 2 s (the issue asks for well under 1 s)");
	rc = shape_nft_read(&k);
	t2 = secs();
	diag("read back: %.3f s", t2 - t1);
	ok(rc == 0 && !k.foreign && shape_nft_equal(&k.nft, &n), "read back of 100 regions equals them");
	shape_knft_free(&k);
	t0 = secs();
	rc = shape_nft_commit(&n, why, sizeof(why));
	diag("replacing them with the same: %.3f s", secs() - t0);
	is_int(rc, 0, "commit over them (%s)", why);
	free_model(&n);
}

/* What shape_nft_check refuses never reaches the kernel. */
static void test_check(const struct shape_nft *n)
{
	struct shape_nft bad;
	char why[512], before[16384], after[16384];

	canon(before, sizeof(before), "--strip");
	model_one(&bad);
	snprintf(bad.sets[2].name, sizeof(bad.sets[2].name), "1r_lan6");
	is_int(shape_nft_commit(&bad, why, sizeof(why)), -EINVAL,
	       "a set name nft cannot read back is refused: %s", why);
	ok(strstr(why, "'1r_lan6'") != NULL, "why names it");
	{
		FILE *null = fopen("/dev/null", "w");

		ok(null && shape_nft_script(&bad, null) == -EINVAL, "the script refuses it too");
		if (null)
			fclose(null);
	}
	free_model(&bad);
	model_one(&bad);
	bad.rules[1].daddr_set = 0; /* an IPv4 set in an IPv6 rule */
	is_int(shape_nft_commit(&bad, why, sizeof(why)), -EINVAL,
	       "a set of the other family is refused: %s", why);
	bad.rules[1].daddr_set = 3;
	bad.rules[1].family = 0;
	is_int(shape_nft_commit(&bad, why, sizeof(why)), -EINVAL,
	       "an address match in a rule of family 0 is refused: %s", why);
	bad.rules[1].family = AF_INET6;
	ports(&bad.rules[1], IPPROTO_TCP, false, 7000, 6000);
	is_int(shape_nft_commit(&bad, why, sizeof(why)), -EINVAL,
	       "an empty port range is refused: %s", why);
	free_model(&bad);
	ok(strcmp(canon(after, sizeof(after), "--strip"), before) == 0, "the table is as it was");
	(void)n;
}

/* Without CAP_NET_ADMIN the kernel refuses the whole batch. */
static void test_unprivileged(void)
{
	struct shape_knft k;
	char why[512];
	int fds[2], rc[2] = { 0, 0 };
	pid_t pid;

	if (pipe(fds) < 0)
		bail_out("pipe");
	pid = fork();
	if (pid == 0) {
		struct shape_nft m;

		model_one(&m);
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		rc[0] = shape_nft_commit(&m, why, sizeof(why));
		rc[1] = shape_nft_read(&k);
		if (write(fds[1], rc, sizeof(rc)) != sizeof(rc) ||
		    write(fds[1], why, sizeof(why)) != sizeof(why))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], rc, sizeof(rc)) != sizeof(rc) || read(fds[0], why, sizeof(why)) != sizeof(why))
		why[0] = '\0';
	close(fds[0]);
	waitpid(pid, NULL, 0);
	why[sizeof(why) - 1] = '\0';
	is_int(rc[0], -EPERM, "as nobody, commit is refused: %s", why);
	ok(strstr(why, "Operation not permitted") != NULL, "why says so");
	is_int(rc[1], -EPERM, "as nobody, read is refused");
}

/* Someone else committing all the time (another table, so the ruleset
 * generation keeps moving): each of our commits still lands, in place
 * or, when the generation never held still, whole; the other table is
 * left alone. */
static void test_contended(const struct shape_nft *n)
{
	struct shape_knft k;
	char why[512];
	int failed = 0;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 200; i++)
			if (sh("nft add table inet busy; nft delete table inet busy") != 0)
				_exit(1);
		_exit(0);
	}
	for (int i = 0; i < 200; i++)
		if (shape_nft_commit(n, why, sizeof(why)) < 0) {
			failed++;
			diag("commit %d under contention: %s", i, why);
		}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	is_int(failed, 0, "200 commits while another process commits all the time");
	is_int(shape_nft_read(&k), 0, "read back");
	ok(!k.foreign && shape_nft_equal(&k.nft, n), "the table is the model");
	shape_knft_free(&k);
	sh("nft delete table inet busy 2>/dev/null");
}

/* ---- the plans shape_plan_build makes of real configs ---- */

#define REGION_A \
	"[region \"chaoyang\"]\nlan = 10.20.0.0/16\nlan = 2001:db8:20::/48\n" \
	"wan-interface = wan0\norigin = 198.51.100.0/24\norigin = 2001:db8:51::/64\n" \
	"origin-rate = 20mbit\npeer-rate = 30mbit\nline-rate = 100mbit\n"

static const struct {
	const char *what, *text;
} plans[] = {
	{ "one region, alone on wan0", REGION_A },
	{ "one region with remote peers and a port range",
	  REGION_A "peer = 10.99.0.0/16\npeer = 2001:db8:99::/64\npeer-port = 6881-6889\n" },
	{ "two regions sharing wan0 (LAN prefixes matched too)",
	  REGION_A "[region \"haidian\"]\nlan = 10.30.0.0/16\nlan = 2001:db8:30::/48\n"
		   "wan-interface = wan0\norigin = 198.51.100.0/24\norigin = 2001:db8:51::/64\n"
		   "origin-rate = 10mbit\npeer-rate = 15mbit\nline-rate = 100mbit\n" },
	{ "a region whose name starts with a digit, on wan1",
	  REGION_A "[region \"9north\"]\nlan = 10.40.0.0/16\nwan-interface = wan1\n"
		   "origin = 203.0.113.0/24\norigin-rate = 5mbit\nline-rate = 50mbit\n" },
};

static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

static bool plan_of(const char *text, struct shape_plan *plan)
{
	struct shape_config cfg;
	struct conf *conf = NULL;
	int r;

	memset(plan, 0, sizeof(*plan));
	r = conf_load_buffer("t.conf", text, strlen(text), &conf_opts, &conf);
	if (r != 0) {
		for (size_t i = 0; conf && i < conf_diag_count(conf); i++)
			diag("%s", conf_diag(conf, i));
		conf_free(conf);
		return false;
	}
	r = shape_config_from_conf(conf, &cfg);
	conf_free(conf);
	if (r != 0)
		return false;
	r = shape_plan_build(&cfg, NULL, plan);
	shape_config_free(&cfg);
	return r == 0;
}

/* Each plan: committed, read back equal, and its script accepted by
 * nft -c and giving the same table; then the next plan in place. */
static void test_plans(void)
{
	char path[] = "/tmp/test-shape-nft-plan-XXXXXX", a[32768], b[32768], why[512];
	int fd = mkstemp(path);

	if (fd < 0)
		bail_out("mkstemp: %s", strerror(errno));
	close(fd);
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		struct shape_plan plan;
		struct shape_knft k;
		FILE *fp;
		bool same = false;

		if (!ok(plan_of(plans[i].text, &plan), "plan: %s", plans[i].what))
			continue;
		diag("%s: %zu sets, %zu rules", plans[i].what, plan.nft.nsets, plan.nft.nrules);
		is_int(shape_nft_commit(&plan.nft, why, sizeof(why)), 0, "commit: %s (%s)",
		       plans[i].what, why);
		if (shape_nft_read(&k) == 0) {
			same = !k.foreign && shape_nft_equal(&k.nft, &plan.nft);
			shape_knft_free(&k);
		}
		ok(same, "read back equals the plan");
		canon(a, sizeof(a), "--strip");
		fp = fopen(path, "w");
		if (!fp || shape_nft_script(&plan.nft, fp) != 0)
			diag("script failed");
		if (fp)
			fclose(fp);
		ok(sh("nft -c -f %s && nft -f %s", path, path) == 0, "nft -c -f and nft -f take its script");
		if (!ok(a[0] && strcmp(canon(b, sizeof(b), "--strip"), a) == 0,
			"and the script gives the same table as the commit"))
			diag("commit: %s\nscript: %s", a, b);
		shape_plan_free(&plan);
	}
	unlink(path);
}

int main(void)
{
	struct shape_nft n;

	if (unshare(CLONE_NEWNET) < 0) {
		if (getenv("OUTPOST_REQUIRE_ROOT") && *getenv("OUTPOST_REQUIRE_ROOT") == '1')
			bail_out("unshare(CLONE_NEWNET): %s (root required)", strerror(errno));
		printf("1..0 # SKIP unshare(CLONE_NEWNET) needs root\n");
		return 0;
	}
	if (sh("nft --version >/dev/null 2>&1 && python3 -c 1") != 0)
		bail_out("nft and python3 are needed (contrib/install-deps)");
	model_one(&n);
	test_commit_and_list(&n);
	test_change(&n);
	test_elements(&n);
	test_refusal(&n);
	test_foreign(&n);
	test_foreign_rule(&n);
	test_check(&n);
	test_unprivileged();
	test_packets();
	test_no_gap();
	test_contended(&n);
	test_plans();
	test_script(&n);
	test_scale();
	free_model(&n);
	return done_testing();
}
