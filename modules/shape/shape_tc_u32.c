/* shape_tc_u32.c: the download side's u32 matches, both ways.
 *
 * Offsets count from the network header. IPv4 ports sit at 20, which
 * holds only without options and in a packet's first fragment, so a
 * port match also requires IHL 5 and fragment offset 0;
 * IPv6 ports sit at 40, right after the fixed header, which holds when
 * the next header is the transport itself (an ipproto match). The keys
 * are laid out as iproute2 packs `match u32 VAL MASK at OFF` (one key
 * per word, merged, in the order given), so --dry-run's text builds
 * the same selector as the netlink message. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "shape_tc_int.h"

struct words {
	struct tc_u32_key *k;
	size_t n, max;
	int err;
};

/* Add a word (host order), merging with a key at the same offset. */
static void put(struct words *w, int off, uint32_t val, uint32_t mask)
{
	val &= mask;
	for (size_t i = 0; i < w->n; i++) {
		if (w->k[i].off == off) {
			w->k[i].val |= htonl(val);
			w->k[i].mask |= htonl(mask);
			return;
		}
	}
	if (w->n == w->max) {
		w->err = -EINVAL;
		return;
	}
	w->k[w->n] = (struct tc_u32_key){ .mask = htonl(mask), .val = htonl(val), .off = off };
	w->n++;
}

static void put_prefix(struct words *w, int off, const struct shape_prefix *p, uint8_t family)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	unsigned left = p->len;

	if (p->family != family || p->len > bits) {
		w->err = -EINVAL;
		return;
	}
	if (!left) {
		put(w, off, 0, 0);
		return;
	}
	for (unsigned i = 0; left; i++, left = left > 32 ? left - 32 : 0) {
		uint32_t m = left >= 32 ? UINT32_MAX : ~(UINT32_MAX >> left);
		uint32_t v;

		memcpy(&v, p->addr + 4 * i, 4);
		put(w, off + 4 * (int)i, ntohl(v), m);
	}
}

static void put_ports(struct words *w, int off, const struct shape_u32 *f)
{
	uint32_t val = 0, mask = 0;

	if (f->has_sport) {
		val |= (uint32_t)f->port << 16;
		mask |= (uint32_t)f->port_mask << 16;
	}
	if (f->has_dport) {
		val |= f->port;
		mask |= f->port_mask;
	}
	put(w, off, val, mask);
}

int shape_u32_encode(const struct shape_u32 *f, struct tc_u32_key *keys, size_t max)
{
	struct words w = { .k = keys, .max = max };
	bool ports = f->has_sport || f->has_dport;

	if (f->family == AF_INET) {
		if (ports) {
			put(&w, 0, 0x05000000u, 0x0f000000u);
			/* Later fragments hold payload where the ports would be. */
			put(&w, 4, 0, 0x00001fffu);
		}
		if (f->ipproto)
			put(&w, 8, (uint32_t)f->ipproto << 16, 0x00ff0000u);
		if (f->has_src)
			put_prefix(&w, 12, &f->src, AF_INET);
		if (f->has_dst)
			put_prefix(&w, 16, &f->dst, AF_INET);
		if (ports)
			put_ports(&w, 20, f);
	} else if (f->family == AF_INET6) {
		if (f->ipproto)
			put(&w, 4, (uint32_t)f->ipproto << 8, 0x0000ff00u);
		if (f->has_src)
			put_prefix(&w, 8, &f->src, AF_INET6);
		if (f->has_dst)
			put_prefix(&w, 24, &f->dst, AF_INET6);
		if (ports)
			put_ports(&w, 40, f);
	} else {
		return -EINVAL;
	}
	/* A filter with no condition matches everything: tc's "match u32 0 0". */
	if (!w.n && !w.err)
		put(&w, 0, 0, 0);
	return w.err ? w.err : (int)w.n;
}

static unsigned popcount32(uint32_t v)
{
	return (unsigned)__builtin_popcount(v);
}

/* One word of a prefix (word i of the address at base). */
static void get_prefix_word(struct shape_prefix *p, bool *has, uint8_t family, unsigned i,
			    uint32_t val, uint32_t mask)
{
	uint32_t nv = htonl(val & mask);

	if (!*has) {
		memset(p, 0, sizeof(*p));
		p->family = family;
		*has = true;
	}
	memcpy(p->addr + 4 * i, &nv, 4);
	p->len = (uint8_t)(p->len + popcount32(mask));
}

static void get_ports(struct shape_u32 *f, uint32_t val, uint32_t mask)
{
	if (mask >> 16) {
		f->has_sport = true;
		f->port = (uint16_t)(val >> 16);
		f->port_mask = (uint16_t)(mask >> 16);
	}
	if (mask & 0xffffu) {
		f->has_dport = true;
		f->port = (uint16_t)val;
		f->port_mask = (uint16_t)mask;
	}
}

/* A key into the fields; false for an offset Outpost never uses. */
static bool get_key(struct shape_u32 *f, int off, uint32_t val, uint32_t mask)
{
	if (f->family == AF_INET) {
		switch (off) {
		case 0: return true;  /* IHL, or the match-all word: re-encoding checks */
		case 4: return true;  /* fragment offset 0, with the ports */
		case 8: f->ipproto = (uint8_t)(val >> 16); return true;
		case 12: get_prefix_word(&f->src, &f->has_src, AF_INET, 0, val, mask); return true;
		case 16: get_prefix_word(&f->dst, &f->has_dst, AF_INET, 0, val, mask); return true;
		case 20: get_ports(f, val, mask); return true;
		default: return false;
		}
	}
	if (off == 0)
		return true;
	if (off == 4) {
		f->ipproto = (uint8_t)(val >> 8);
		return true;
	}
	if (off >= 8 && off < 24) {
		get_prefix_word(&f->src, &f->has_src, AF_INET6, (unsigned)(off - 8) / 4, val, mask);
		return true;
	}
	if (off >= 24 && off < 40) {
		get_prefix_word(&f->dst, &f->has_dst, AF_INET6, (unsigned)(off - 24) / 4, val, mask);
		return true;
	}
	if (off == 40) {
		get_ports(f, val, mask);
		return true;
	}
	return false;
}

int shape_u32_decode(uint8_t family, const void *sel, size_t len, struct shape_u32 *out)
{
	struct tc_u32_key want[SHAPE_U32_KEYS_MAX];
	struct tc_u32_key k;
	struct tc_u32_sel s;
	int n;

	memset(out, 0, sizeof(*out));
	if ((family != AF_INET && family != AF_INET6) || len < sizeof(s))
		return -ENOENT;
	memcpy(&s, sel, sizeof(s));
	if (s.flags != TC_U32_TERMINAL || s.offshift || s.offmask || s.off || s.offoff || s.hoff ||
	    s.hmask || !s.nkeys || s.nkeys > SHAPE_U32_KEYS_MAX ||
	    len < sizeof(s) + (size_t)s.nkeys * sizeof(k))
		return -ENOENT;
	out->family = family;
	for (unsigned i = 0; i < s.nkeys; i++) {
		memcpy(&k, (const char *)sel + sizeof(s) + i * sizeof(k), sizeof(k));
		if (k.offmask || !get_key(out, k.off, ntohl(k.val), ntohl(k.mask)))
			return -ENOENT;
	}
	/* Whatever the keys said, only the exact canonical form is ours. */
	n = shape_u32_encode(out, want, SHAPE_U32_KEYS_MAX);
	if (n != s.nkeys || memcmp(want, (const char *)sel + sizeof(s), (size_t)n * sizeof(k)))
		return -ENOENT;
	return 0;
}

static bool prefix_eq(const struct shape_prefix *a, const struct shape_prefix *b)
{
	unsigned full = a->len / 8, rest = a->len % 8;

	if (a->family != b->family || a->len != b->len || memcmp(a->addr, b->addr, full))
		return false;
	return !rest || !((a->addr[full] ^ b->addr[full]) & (uint8_t)(0xff00u >> rest));
}

bool shape_u32_same_match(const struct shape_u32 *a, const struct shape_u32 *b)
{
	if (a->family != b->family || a->has_src != b->has_src || a->has_dst != b->has_dst ||
	    a->ipproto != b->ipproto || a->has_sport != b->has_sport ||
	    a->has_dport != b->has_dport)
		return false;
	if ((a->has_src && !prefix_eq(&a->src, &b->src)) ||
	    (a->has_dst && !prefix_eq(&a->dst, &b->dst)))
		return false;
	if ((a->has_sport || a->has_dport) &&
	    (a->port_mask != b->port_mask || (a->port & a->port_mask) != (b->port & b->port_mask)))
		return false;
	return true;
}
