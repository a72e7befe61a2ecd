/* shape_nft_script.c: the nft(8) text of what shape_nft_commit() sends,
 * so --dry-run shows exactly what apply does and an operator can run
 * it with `nft -f`; and the checks both apply to a model before using
 * it (a name that would break the script breaks the batch too). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "shape_nft_int.h"

/* Interface and set names go into the script unquoted or between
 * double quotes: keep to characters that need no escaping anywhere. */
static bool name_ok(const char *s, size_t max, bool set)
{
	size_t n = strnlen(s, max);

	if (n == 0 || n == max)
		return false;
	/* nft's scanner reads "@name" only when name starts with a letter,
	 * '_' or '.'. */
	if (set && !isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	return true;
}

static bool prefix_ok(const struct shape_prefix *p, uint8_t family)
{
	unsigned bits = family == AF_INET6 ? 128 : 32;
	unsigned bytes = bits / 8;

	if (p->family != family || p->len > bits)
		return false;
	/* Host bits must be zero, or the interval would not be the prefix. */
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = p->len >= (i + 1) * 8 ? 8 : p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t mask = keep ? (uint8_t)(0xffu << (8 - keep)) : 0;

		if (p->addr[i] & (uint8_t)~mask)
			return false;
	}
	return true;
}

int shape_nft_check(const struct shape_nft *n, char *why, size_t whylen)
{
	for (size_t i = 0; i < n->nsets; i++) {
		const struct shape_nft_set *s = &n->sets[i];

		if (!name_ok(s->name, sizeof(s->name), true)) {
			snprintf(why, whylen, "set %zu: name '%.47s' is not an nft identifier", i,
				 s->name);
			return -EINVAL;
		}
		if (s->family != AF_INET && s->family != AF_INET6) {
			snprintf(why, whylen, "set %s: family %u", s->name, (unsigned)s->family);
			return -EINVAL;
		}
		for (size_t j = 0; j < s->nelems; j++)
			if (!prefix_ok(&s->elems[j], s->family)) {
				snprintf(why, whylen, "set %s: element %zu is not a prefix of its family",
					 s->name, j);
				return -EINVAL;
			}
	}
	for (size_t i = 0; i < n->nrules; i++) {
		const struct shape_nft_rule *r = &n->rules[i];
		int idx[2] = { r->saddr_set, r->daddr_set };

		if (!name_ok(r->oif, sizeof(r->oif), false) ||
		    (r->family != 0 && r->family != AF_INET && r->family != AF_INET6)) {
			snprintf(why, whylen, "rule %zu: bad interface or family", i);
			return -EINVAL;
		}
		/* Family 0 holds for both: an address match would need one. */
		if (r->family == 0 && (r->saddr_set >= 0 || r->daddr_set >= 0)) {
			snprintf(why, whylen, "rule %zu: an address match without a family", i);
			return -EINVAL;
		}
		for (int k = 0; k < 2; k++) {
			if (idx[k] < -1 || idx[k] >= (int)n->nsets) {
				snprintf(why, whylen, "rule %zu: no set %d", i, idx[k]);
				return -EINVAL;
			}
			if (idx[k] >= 0 && n->sets[idx[k]].family != r->family) {
				snprintf(why, whylen, "rule %zu: set %s is not of the rule's family", i,
					 n->sets[idx[k]].name);
				return -EINVAL;
			}
		}
		if ((r->ipproto != 0 && r->ipproto != IPPROTO_TCP && r->ipproto != IPPROTO_UDP) ||
		    (r->ipproto && r->port_lo > r->port_hi)) {
			snprintf(why, whylen, "rule %zu: protocol %u ports %u-%u", i,
				 (unsigned)r->ipproto, (unsigned)r->port_lo, (unsigned)r->port_hi);
			return -EINVAL;
		}
	}
	return 0;
}

/* Append to buf at *op, never past len (a short buffer truncates). */
#define PUT(...)                                                                          \
	do {                                                                              \
		int w_ = snprintf(buf + *op, len > *op ? len - *op : 0, __VA_ARGS__);      \
		if (w_ > 0)                                                                \
			*op += (size_t)w_;                                                 \
	} while (0)

/* The match of a rule, as nft(8) lists it: nfproto guard, address sets,
 * ports; a set index out of range (a foreign rule read back) is left
 * out. */
static void put_match(const struct shape_nft *n, const struct shape_nft_rule *r, char *buf,
		      size_t len, size_t *op)
{
	const char *ip = r->family == AF_INET6 ? "ip6" : "ip";
	const char *sep = *op ? " " : "";
	char ports[16];

	if (r->family) {
		PUT("%smeta nfproto %s", sep, r->family == AF_INET6 ? "ipv6" : "ipv4");
		sep = " ";
	}
	if (r->saddr_set >= 0 && (size_t)r->saddr_set < n->nsets) {
		PUT("%s%s saddr @%s", sep, ip, n->sets[r->saddr_set].name);
		sep = " ";
	}
	if (r->daddr_set >= 0 && (size_t)r->daddr_set < n->nsets) {
		PUT("%s%s daddr @%s", sep, ip, n->sets[r->daddr_set].name);
		sep = " ";
	}
	if (r->ipproto) {
		if (r->port_lo == r->port_hi)
			snprintf(ports, sizeof(ports), "%u", (unsigned)r->port_lo);
		else
			snprintf(ports, sizeof(ports), "%u-%u", (unsigned)r->port_lo,
				 (unsigned)r->port_hi);
		PUT("%smeta l4proto %s th %s %s", sep, r->ipproto == IPPROTO_TCP ? "tcp" : "udp",
		    r->sport ? "sport" : "dport", ports);
	}
}

void shape_nft_match_text(const struct shape_nft *n, const struct shape_nft_rule *r, char *buf,
			  size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	put_match(n, r, buf, len, &off);
}

void shape_nft_rule_text(const struct shape_nft *n, const struct shape_nft_rule *r, char *buf,
			 size_t len)
{
	size_t off = 0, *op = &off;
	char cls[16];

	if (len)
		buf[0] = '\0';
	PUT("oifname \"%s\"", r->oif);
	put_match(n, r, buf, len, op);
	shape_handle_format(r->priority, cls);
	PUT(" counter meta priority set %s accept", cls);
}
#undef PUT

static void put_set(const struct shape_nft_set *s, FILE *fp)
{
	char p[64];

	fprintf(fp, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n", s->name,
		s->family == AF_INET6 ? "ipv6_addr" : "ipv4_addr");
	if (s->nelems) {
		fputs("\t\telements = { ", fp);
		for (size_t j = 0; j < s->nelems; j++) {
			shape_prefix_format(&s->elems[j], p, sizeof(p));
			fprintf(fp, "%s%s", j ? ", " : "", p);
		}
		fputs(" }\n", fp);
	}
	fputs("\t}\n", fp);
}

int shape_nft_script(const struct shape_nft *nft, FILE *fp)
{
	char why[128], rule[512];
	int rc;

	/* Create-then-delete: removing works whether or not it exists. */
	fputs("table inet " SHAPE_NFT_TABLE " {\n}\ndelete table inet " SHAPE_NFT_TABLE "\n", fp);
	if (nft) {
		rc = shape_nft_check(nft, why, sizeof(why));
		if (rc < 0)
			return rc;
		fputs("table inet " SHAPE_NFT_TABLE " {\n", fp);
		for (size_t i = 0; i < nft->nsets; i++)
			put_set(&nft->sets[i], fp);
		fprintf(fp, "\tchain " SHAPE_NFT_CHAIN " {\n"
			    "\t\ttype filter hook postrouting priority mangle; policy accept;\n");
		for (size_t i = 0; i < nft->nrules; i++) {
			shape_nft_rule_text(nft, &nft->rules[i], rule, sizeof(rule));
			fprintf(fp, "\t\t%s\n", rule);
		}
		fputs("\t}\n}\n", fp);
	}
	return ferror(fp) ? -EIO : 0;
}
