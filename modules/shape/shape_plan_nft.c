/* shape_plan_nft.c: the nftables side of the plan, which classifies the
 * upload (the remote side is the destination, the region's device the
 * source): per region its sets "<region>_lan4" ... "_peer6" (only the
 * non-empty ones, elements sorted without overlaps, as interval sets
 * take them) and, in the order the u32 nodes have, rules that set the
 * packet's priority to the class id: destination in origin, then in a
 * peer prefix, then TCP and UDP with either port in peer-port. When
 * regions share a WAN interface the rules also match the source in the
 * region's LAN; a region alone is told by the remote side only, which
 * also catches the gateway's own traffic (outpost-p2pd runs there). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "shape.h"
#include "shape_plan_int.h"

bool shape_prefix_contains(const struct shape_prefix *a, const struct shape_prefix *b)
{
	unsigned bytes = a->len / 8, bits = a->len % 8;

	if (a->family != b->family || a->len > b->len)
		return false;
	if (memcmp(a->addr, b->addr, bytes))
		return false;
	return !bits || ((a->addr[bytes] ^ b->addr[bytes]) & (0xffu << (8 - bits)) & 0xffu) == 0;
}

static int prefix_cmp(const void *pa, const void *pb)
{
	const struct shape_prefix *a = pa, *b = pb;
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, a->family == AF_INET6 ? 16 : 4);
	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Sorted by address then length, a prefix that contains others comes
 * right before them: comparing with the last one kept is enough. */
size_t shape_prefix_normalize(struct shape_prefix *v, size_t n)
{
	size_t k = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), prefix_cmp);
	for (size_t i = 1; i < n; i++)
		if (!shape_prefix_contains(&v[k], &v[i]))
			v[++k] = v[i];
	return k + 1;
}

struct build {
	struct shape_nft *nft;
	size_t setcap, rulecap;
};

/* The set name_kindN of the prefixes of family in v; its index, -1 when
 * it would be empty, or -ENOMEM. */
static int set_add(struct build *b, const char *region, const char *kind, uint8_t family,
		   const struct shape_prefix *v, size_t n)
{
	struct shape_nft *nft = b->nft;
	struct shape_nft_set *s;
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += v[i].family == family;
	if (!count)
		return -1;
	if (nft->nsets == b->setcap) {
		size_t cap = b->setcap ? 2 * b->setcap : 8;
		struct shape_nft_set *tmp = reallocarray(nft->sets, cap, sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		nft->sets = tmp;
		b->setcap = cap;
	}
	s = &nft->sets[nft->nsets];
	memset(s, 0, sizeof(*s));
	s->elems = calloc(count, sizeof(*s->elems));
	if (!s->elems)
		return -ENOMEM;
	/* nft reads "@name" only when it starts with a letter or '_'. */
	bool lead = (region[0] >= 'a' && region[0] <= 'z') || (region[0] >= 'A' && region[0] <= 'Z') ||
		    region[0] == '_';
	snprintf(s->name, sizeof(s->name), "%s%s_%s%c", lead ? "" : "_", region, kind,
		 family == AF_INET6 ? '6' : '4');
	s->family = family;
	for (size_t i = 0; i < n; i++)
		if (v[i].family == family)
			s->elems[s->nelems++] = v[i];
	s->nelems = shape_prefix_normalize(s->elems, s->nelems);
	return (int)nft->nsets++;
}

static int rule_add(struct build *b, const struct shape_nft_rule *r)
{
	struct shape_nft *nft = b->nft;

	if (nft->nrules == b->rulecap) {
		size_t cap = b->rulecap ? 2 * b->rulecap : 16;
		struct shape_nft_rule *tmp = reallocarray(nft->rules, cap, sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		nft->rules = tmp;
		b->rulecap = cap;
	}
	nft->rules[nft->nrules++] = *r;
	return 0;
}

/* One region's sets, by family (0 IPv4, 1 IPv6); -1 where empty. */
struct region_sets {
	int lan[2], origin[2], peer[2];
};

static int region_sets(struct build *b, const struct shape_region *r, struct region_sets *rs)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	bool p2p = r->peer_rate != 0;

	for (int f = 0; f < 2; f++) {
		rs->lan[f] = set_add(b, r->name, "lan", families[f], r->lan, r->nlan);
		if (rs->lan[f] == -ENOMEM)
			return -ENOMEM;
	}
	for (int f = 0; f < 2; f++) {
		rs->origin[f] = set_add(b, r->name, "origin", families[f], r->origin, r->norigin);
		if (rs->origin[f] == -ENOMEM)
			return -ENOMEM;
	}
	for (int f = 0; f < 2; f++) {
		rs->peer[f] = p2p ? set_add(b, r->name, "peer", families[f], r->peer, r->npeer) : -1;
		if (rs->peer[f] == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

/* Rules matching the destination in the sets dst (by family), the
 * source in the region's LAN when shared. */
static int by_daddr(struct build *b, const struct shape_iface *f, const struct region_sets *rs,
		    const int dst[2], uint32_t classid, bool shared)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };

	for (int k = 0; k < 2; k++) {
		struct shape_nft_rule rule = { .family = families[k], .saddr_set = -1,
					       .daddr_set = dst[k], .priority = classid };

		if (dst[k] < 0 || (shared && rs->lan[k] < 0))
			continue;
		if (shared)
			rule.saddr_set = rs->lan[k];
		snprintf(rule.oif, sizeof(rule.oif), "%s", f->name);
		if (rule_add(b, &rule) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* TCP and UDP, source port then destination port in peer-port: nft
 * matches a range itself. A region alone needs no address, so one rule
 * (family 0) holds for both families. */
static int by_port(struct build *b, const struct shape_iface *f, const struct region_sets *rs,
		   const struct shape_region *r, uint32_t classid, bool shared)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };

	for (int p = 0; p < 2; p++)
		for (int side = 0; side < 2; side++)
			for (int k = 0; k < (shared ? 2 : 1); k++) {
				struct shape_nft_rule rule = {
					.family = shared ? families[k] : 0,
					.saddr_set = shared ? rs->lan[k] : -1, .daddr_set = -1,
					.ipproto = protos[p], .sport = side == 0,
					.port_lo = r->port_lo, .port_hi = r->port_hi,
					.priority = classid,
				};

				if (shared && rs->lan[k] < 0)
					continue;
				snprintf(rule.oif, sizeof(rule.oif), "%s", f->name);
				if (rule_add(b, &rule) < 0)
					return -ENOMEM;
			}
	return 0;
}

int shape_plan_nft(const struct shape_config *cfg, struct shape_nft *out)
{
	struct build b = { .nft = out };
	struct region_sets *rs;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!cfg->nregions)
		return 0;
	rs = calloc(cfg->nregions, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nregions && err == 0; i++)
		err = region_sets(&b, &cfg->regions[i], &rs[i]);
	for (size_t k = 0; k < cfg->nifaces && err == 0; k++) {
		const struct shape_iface *f = &cfg->ifaces[k];
		bool shared = f->nregions > 1;

		for (size_t j = 0; j < f->nregions && err == 0; j++) {
			size_t i = f->regions[j];
			const struct shape_region *r = &cfg->regions[i];
			uint32_t origin = SHAPE_HANDLE(SHAPE_MINOR(r->slot, SHAPE_ORIGIN));
			uint32_t peer = SHAPE_HANDLE(SHAPE_MINOR(r->slot, SHAPE_PEER));

			err = by_daddr(&b, f, &rs[i], rs[i].origin, origin, shared);
			if (err == 0 && r->peer_rate)
				err = by_daddr(&b, f, &rs[i], rs[i].peer, peer, shared);
			if (err == 0 && r->peer_rate)
				err = by_port(&b, f, &rs[i], r, peer, shared);
		}
	}
	free(rs);
	if (err < 0)
		shape_nft_free(out);
	return err;
}

void shape_nft_free(struct shape_nft *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nsets; i++)
		free(n->sets[i].elems);
	free(n->sets);
	free(n->rules);
	memset(n, 0, sizeof(*n));
}
