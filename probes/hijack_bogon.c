/* hijack_bogon.c: check 4's table of addresses no public name resolves to.
 *
 * The list is the one in outpost-probe(1) (BOGONS); keep them together.
 * Sources: RFC 1918, 1122, 3927, 4193, 4291, 5737, 3849, 6598, 2544,
 * 5180, 5771, 6890 and 9637. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hijack.h"

struct bogon {
	const char	*prefix;
	const char	*cls;
};

/* Parsed on first use from text, so the table reads like the man page. */
static const struct bogon bogon_text[] = {
	{ "0.0.0.0/8",		"unspecified" },
	{ "10.0.0.0/8",		"private" },
	{ "100.64.0.0/10",	"shared" },
	{ "127.0.0.0/8",	"loopback" },
	{ "169.254.0.0/16",	"link-local" },
	{ "172.16.0.0/12",	"private" },
	{ "192.0.2.0/24",	"documentation" },
	{ "192.168.0.0/16",	"private" },
	{ "198.18.0.0/15",	"benchmarking" },
	{ "198.51.100.0/24",	"documentation" },
	{ "203.0.113.0/24",	"documentation" },
	{ "224.0.0.0/4",	"multicast" },
	{ "255.255.255.255/32",	"broadcast" },
	{ "240.0.0.0/4",	"reserved" },
	{ "::/128",		"unspecified" },
	{ "::1/128",		"loopback" },
	{ "fc00::/7",		"private" },
	{ "fe80::/10",		"link-local" },
	{ "ff00::/8",		"multicast" },
	{ "2001:db8::/32",	"documentation" },
	{ "3fff::/20",		"documentation" },
	{ "2001:2::/48",	"benchmarking" },
};
#define NBOGONS (sizeof(bogon_text) / sizeof(bogon_text[0]))

static struct probe_hijack_prefix bogon_table[NBOGONS];
static bool bogon_ready;

static void bogon_init(void)
{
	if (bogon_ready)
		return;
	for (size_t i = 0; i < NBOGONS; i++)
		if (probe_hijack_prefix_parse(bogon_text[i].prefix, &bogon_table[i]) < 0)
			abort();	/* a typo in the table above */
	bogon_ready = true;
}

/* Parse s as address[/len] into p, host bits cleared. */
int probe_hijack_prefix_parse(const char *s, struct probe_hijack_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned max;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	p->len = max;
	if (slash) {
		char *end;
		unsigned long v;

		/* strtoul accepts signs and spaces a prefix length must not have */
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		v = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || v > max || end - (slash + 1) > 3)
			return -EINVAL;
		p->len = (unsigned)v;
	}
	for (unsigned bit = p->len; bit < max; bit++)
		p->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;
}

/* Whether addr is inside p (same family, first len bits equal). */
bool probe_hijack_prefix_match(const struct probe_hijack_prefix *p, int family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned full = p->len / 8, rest = p->len % 8;

	if (family != p->family)
		return false;
	if (memcmp(a, p->addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xffu << (8 - rest));
		if ((a[full] & mask) != (p->addr[full] & mask))
			return false;
	}
	return true;
}

/* Entry i of the table, its class in *cls. */
const struct probe_hijack_prefix *probe_hijack_bogon_entry(size_t i, const char **cls)
{
	bogon_init();
	if (i >= NBOGONS)
		return NULL;
	if (cls)
		*cls = bogon_text[i].cls;
	return &bogon_table[i];
}

/* The bogon class of addr unless it is public or exempt. */
const char *probe_hijack_bogon(int family, const void *addr,
    const struct probe_hijack_prefix *exempt, size_t nexempt)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const uint8_t *a = addr;

	bogon_init();
	for (size_t i = 0; i < nexempt; i++)
		if (probe_hijack_prefix_match(&exempt[i], family, addr))
			return NULL;
	/* ::ffff:10.0.0.1 reaches 10.0.0.1: judge (and exempt) it as such */
	if (family == AF_INET6 && memcmp(a, mapped, sizeof(mapped)) == 0)
		return probe_hijack_bogon(AF_INET, a + 12, exempt, nexempt);
	for (size_t i = 0; i < NBOGONS; i++)
		if (probe_hijack_prefix_match(&bogon_table[i], family, addr))
			return bogon_text[i].cls;
	return NULL;
}
