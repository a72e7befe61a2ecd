/* region_checks.c: the checks across [region] sections and between the
 * prefixes of one. A LAN prefix belongs to one region only (else its
 * devices would be counted in two), the regions on one WAN interface
 * describe the same line, and the nft sets built from one list take no
 * overlapping elements.
 *
 * Overlaps are found in O(n log n) by libop's sweep (conf_sweep.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_sweep.h"
#include "region_int.h"
#include "shape.h"

struct sweep {
	struct conf_report *rep;
	const char *key;
};

bool shape_conf_prefix_overlap(const struct conf_prefix *a, const struct conf_prefix *b)
{
	return conf_prefix_within(a, b) || conf_prefix_within(b, a);
}

/* outer contains inner: said once, at the later of the two (in file
 * order within a region, in canonical order across regions). */
static bool pair(struct conf_pfx_ent *outer, struct conf_pfx_ent *inner, void *arg)
{
	struct sweep *s = arg;
	struct conf_pfx_ent *late, *early;
	struct conf_value v = { .type = CONF_PREFIX };
	char txt[64], other[64];

	if (outer->sec == inner->sec)
		late = outer->idx > inner->idx ? outer : inner;
	else
		late = outer->rank > inner->rank ? outer : inner;
	early = late == outer ? inner : outer;
	if (late->reported)
		return true;
	late->reported = true;
	v.v.prefix = late->p;
	conf_value_format(&v, 0, txt, sizeof(txt));
	if (late->sec == early->sec) {
		conf_report_at(s->rep, late->sec, s->key, late->idx,
		    "'%s' overlaps an earlier %s of this region", txt, s->key);
		return true;
	}
	v.v.prefix = early->p;
	conf_value_format(&v, 0, other, sizeof(other));
	conf_report_at(s->rep, late->sec, s->key, late->idx,
	    "'%s' overlaps the %s %s of [region \"%s\"] at %s:%u", txt, s->key, other,
	    conf_section_name(early->sec), conf_key_file(early->sec, s->key),
	    conf_key_line_at(early->sec, s->key, early->idx));
	return true;
}

/* The values of key in only (or, only NULL, in every region) swept for
 * overlaps: 0 or -ENOMEM. */
static int check_overlaps(const struct conf *conf, const struct conf_section *only,
			  const char *key, struct conf_report *rep)
{
	const struct conf_section *s;
	struct sweep sw = { .rep = rep, .key = key };
	struct conf_pfx_ent *v;
	size_t n = 0, rank = 0;
	int r;

	if (only)
		n = conf_get_count(only, key);
	else
		for (s = conf_section_next(conf, "region", NULL); s;
		     s = conf_section_next(conf, "region", s))
			n += conf_get_count(s, key);
	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	if (only)
		conf_pfx_collect(only, key, 0, v, &n);
	else
		for (s = conf_section_next(conf, "region", NULL); s;
		     s = conf_section_next(conf, "region", s))
			conf_pfx_collect(s, key, rank++, v, &n);
	r = conf_pfx_sweep(v, n, pair, &sw);
	free(v);
	return r;
}

/* What a line key of sec stands for, and where it was said; false when
 * the key (or the line-rate an upload rate follows) was written with a
 * bad value (it has its own message). A line rate left out is a value
 * too, 0: the line is not limited, which regions sharing the line must
 * agree on as well. */
static bool line_key(const struct conf_section *sec, const char *key, uint64_t *val,
		     char *desc, size_t len, const char **file, unsigned *line)
{
	const char *from = key;
	char txt[64];

	if (conf_key_line(sec, key) && !conf_is_set(sec, key))
		return false;
	if (!conf_is_set(sec, key) && !strcmp(key, "line-upload-rate"))
		from = "line-rate";
	if (conf_key_line(sec, from) && !conf_is_set(sec, from))
		return false;
	if (!conf_is_set(sec, from)) {
		*val = 0;
		if (!strcmp(from, "business-rate"))
			snprintf(desc, len, "the default");
		else if (from == key)
			snprintf(desc, len, "no %s (the line is not limited)", key);
		else
			snprintf(desc, len, "no %s nor line-rate (not limited)", key);
		*file = conf_section_file(sec);
		*line = conf_section_line(sec);
		return true;
	}
	*val = conf_get_rate(sec, from);
	if (conf_value_format(conf_get_at(sec, from, 0), 0, txt, sizeof(txt)) < 0)
		snprintf(txt, sizeof(txt), "?");
	if (from == key)
		snprintf(desc, len, "'%s'", txt);
	else
		snprintf(desc, len, "'%s' (the line-rate)", txt);
	*file = conf_key_file(sec, from);
	*line = conf_key_line(sec, from);
	return true;
}

/* Regions on one WAN interface describe one line: the later one that
 * disagrees with an earlier one is told, naming both places. */
static void check_shared(const struct conf *conf, const struct conf_section *b,
			 struct conf_report *rep)
{
	static const char *const keys[] = { "line-rate", "line-upload-rate", "business-rate" };
	const char *wan = conf_get_str(b, "wan-interface");
	const struct conf_section *a;

	if (!wan)
		return;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char db[96], da[96];
		const char *fa, *fb;
		unsigned la, lb;
		uint64_t va, vb;

		if (!line_key(b, keys[k], &vb, db, sizeof(db), &fb, &lb))
			continue;
		/* An upload rate neither region sets follows the line-rate,
		 * which has its own message (also when neither has one). */
		bool follows = k == 1 && !conf_key_line(b, keys[k]);

		for (a = conf_section_next(conf, "region", NULL); a && a != b;
		     a = conf_section_next(conf, "region", a)) {
			const char *w = conf_get_str(a, "wan-interface");

			if (!w || strcmp(w, wan) || (follows && !conf_key_line(a, keys[k])) ||
			    !line_key(a, keys[k], &va, da, sizeof(da), &fa, &la) || va == vb)
				continue;
			conf_report(rep, b, keys[k],
			    "%s differs from %s of [region \"%s\"] at %s:%u: the regions on "
			    "wan-interface %s share one line", db, da, conf_section_name(a),
			    fa ? fa : "?", la, wan);
			break;
		}
	}
}

/* A WAN interface named like the IFB outpost-shape makes for another
 * one would get that one's download tree. */
static void check_ifb(const struct conf *conf, const struct conf_section *b,
		      struct conf_report *rep)
{
	const char *wan = conf_get_str(b, "wan-interface");
	const struct conf_section *a;

	if (!wan || strncmp(wan, "ifb-", 4))
		return;
	for (a = conf_section_next(conf, "region", NULL); a; a = conf_section_next(conf, "region", a)) {
		const char *w = conf_get_str(a, "wan-interface");

		if (w && strlen(w) <= 11 && !strcmp(wan + 4, w)) {
			conf_report(rep, b, "wan-interface",
			    "'%s' is the name of the IFB device of wan-interface %s of "
			    "[region \"%s\"]", wan, w, conf_section_name(a));
			return;
		}
	}
}

int shape_regions_validate(const struct conf *conf, struct conf_report *rep)
{
	static const char *const own[] = { "lan", "origin", "peer" };
	const struct conf_section *s;
	size_t n = 0;

	if (check_overlaps(conf, NULL, "lan", rep) < 0)
		return -ENOMEM;
	for (s = conf_section_next(conf, "region", NULL); s; s = conf_section_next(conf, "region", s)) {
		/* lan was swept across regions, its own overlaps included. */
		for (size_t k = 1; k < sizeof(own) / sizeof(own[0]); k++)
			if (check_overlaps(conf, s, own[k], rep) < 0)
				return -ENOMEM;
		check_shared(conf, s, rep);
		check_ifb(conf, s, rep);
		/* Each region needs a slot of its own, so its class ids. */
		if (++n == SHAPE_SLOT_MAX + 1)
			conf_report(rep, s, NULL, "is one region too many: at most %u fit the "
			    "class ids of an interface", SHAPE_SLOT_MAX);
	}
	return 0;
}
