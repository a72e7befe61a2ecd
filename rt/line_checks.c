/* line_checks.c: the checks across [line] sections. A mark, a source, a
 * table or a priority must belong to one line only: two lines sharing
 * one would have their rules or routes mixed in the kernel. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf_sweep.h"
#include "rt_line.h"

struct across {
	struct conf_report	*rep;
};

/* Sources of two lines overlap: said once per source, at the one of the
 * later line (in canonical order), naming the other. */
static bool across_pair(struct conf_pfx_ent *outer, struct conf_pfx_ent *inner, void *arg)
{
	struct across *x = arg;
	struct conf_pfx_ent *late, *early;
	struct conf_value v = { .type = CONF_PREFIX };
	char txt[64];

	if (outer->sec == inner->sec)
		return true;
	late = outer->rank > inner->rank ? outer : inner;
	early = late == outer ? inner : outer;
	if (late->reported)
		return true;
	late->reported = true;
	v.v.prefix = late->p;
	conf_value_format(&v, 0, txt, sizeof(txt));
	conf_report_at(x->rep, late->sec, "source", late->idx,
	    "'%s' overlaps a source of [line \"%s\"]", txt, conf_section_name(early->sec));
	return true;
}

static int check_sources(const struct conf *conf, struct conf_report *rep)
{
	const struct conf_section *s;
	struct conf_pfx_ent *v;
	struct across x = { .rep = rep };
	size_t n = 0, rank = 0;
	int r;

	for (s = conf_section_next(conf, "line", NULL); s; s = conf_section_next(conf, "line", s))
		n += conf_get_count(s, "source");
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (s = conf_section_next(conf, "line", NULL); s;
	     s = conf_section_next(conf, "line", s), rank++)
		conf_pfx_collect(s, "source", rank, v, &n);
	r = conf_pfx_sweep(v, n, across_pair, &x);
	free(v);
	return r;
}

/* The same value of key (an integer) in a and b, both set. */
static bool same_int(const struct conf_section *a, const struct conf_section *b,
		     const char *key)
{
	return conf_is_set(a, key) && conf_is_set(b, key) &&
	       conf_get_u64(a, key) == conf_get_u64(b, key);
}

int rt_lines_validate(const struct conf *conf, struct conf_report *rep)
{
	const struct conf_section *a, *b;

	for (a = conf_section_next(conf, "line", NULL); a; a = conf_section_next(conf, "line", a))
		for (b = conf_section_next(conf, "line", a); b;
		     b = conf_section_next(conf, "line", b)) {
			if (same_int(a, b, "fwmark"))
				conf_report(rep, b, "fwmark", "0x%llx is already the mark of [line \"%s\"]",
				    (unsigned long long)conf_get_u64(b, "fwmark"),
				    conf_section_name(a));
			if (same_int(a, b, "table"))
				conf_report(rep, b, "table", "table %llu is already the table of [line \"%s\"]",
				    (unsigned long long)conf_get_u64(b, "table"),
				    conf_section_name(a));
			if (same_int(a, b, "priority"))
				conf_report(rep, b, "priority",
				    "priority %llu is already the priority of [line \"%s\"]",
				    (unsigned long long)conf_get_u64(b, "priority"),
				    conf_section_name(a));
		}
	return check_sources(conf, rep);
}
