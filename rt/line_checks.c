/* line_checks.c: the checks across [line] sections. A mark, a source, a
 * table or a priority must belong to one line only: two lines sharing
 * one would have their rules or routes mixed in the kernel. */
#include "config.h"

#include <stdio.h>

#include "rt_line.h"

/* Two prefixes overlap when either contains the other's network. */
static bool prefixes_overlap(const struct conf_prefix *a, const struct conf_prefix *b)
{
	return rt_prefix_contains(a, &b->addr) || rt_prefix_contains(b, &a->addr);
}

static void check_sources(const struct conf_section *a, const struct conf_section *b,
			  struct conf_report *rep)
{
	char txt[64];

	for (size_t i = 0; i < conf_get_count(b, "source"); i++)
		for (size_t k = 0; k < conf_get_count(a, "source"); k++) {
			const struct conf_value *vb = conf_get_at(b, "source", i);
			const struct conf_value *va = conf_get_at(a, "source", k);

			if (!prefixes_overlap(&va->v.prefix, &vb->v.prefix))
				continue;
			conf_value_format(vb, 0, txt, sizeof(txt));
			conf_report_at(rep, b, "source", i, "'%s' overlaps a source of [line \"%s\"]",
			    txt, conf_section_name(a));
			break;
		}
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
			check_sources(a, b, rep);
		}
	return 0;
}
