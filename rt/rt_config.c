/* rt_config.c: the model of a loaded config: [routing] and every routed
 * [line] (one with a table) as plain structs, so the daemon's other parts
 * never read the conf API. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rt.h"
#include "rt_line.h"

static int copy_prefixes(const struct conf_section *sec, const char *key,
			 struct conf_prefix **out, size_t *n)
{
	*n = conf_get_count(sec, key);
	*out = NULL;
	if (!*n)
		return 0;
	*out = calloc(*n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = conf_get_at(sec, key, i)->v.prefix;
	return 0;
}

static void copy_name(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* The selectors, parsed again from their checked text. */
static void line_selectors(const struct conf_section *sec, struct rt_line *l)
{
	const char *s;
	uint32_t a, b;

	if ((l->has_to = conf_get_prefix(sec, "to") != NULL))
		l->to = *conf_get_prefix(sec, "to");
	copy_name(l->iif, sizeof(l->iif), conf_get_str(sec, "iif"));
	copy_name(l->oif, sizeof(l->oif), conf_get_str(sec, "oif"));
	if ((s = conf_get_str(sec, "uidrange")) && rt_range_parse(s, 0, 0xffffffffu, &a, &b) == 0) {
		l->has_uidrange = true;
		l->uid_start = a;
		l->uid_end = b;
	}
	if ((s = conf_get_str(sec, "ipproto")) && rt_ipproto_parse(s) > 0)
		l->ipproto = (uint8_t)rt_ipproto_parse(s);
	if ((s = conf_get_str(sec, "dport")) && rt_range_parse(s, 1, 65535, &a, &b) == 0) {
		l->dport_start = (uint16_t)a;
		l->dport_end = (uint16_t)b;
	}
}

static int line_from_conf(const struct conf_section *sec, struct rt_line *l)
{
	const struct rt_track *t;
	int r;

	copy_name(l->name, sizeof(l->name), conf_section_name(sec));
	l->conf_line = conf_section_line(sec);
	copy_name(l->ifname, sizeof(l->ifname), conf_get_str(sec, "interface"));
	for (size_t i = 0; i < conf_get_count(sec, "gateway"); i++) {
		const struct conf_addr *gw = &conf_get_at(sec, "gateway", i)->v.addr;

		if (gw->family == AF_INET && !l->has_gw4) {
			l->has_gw4 = true;
			l->gw4 = *gw;
		} else if (gw->family == AF_INET6 && !l->has_gw6) {
			l->has_gw6 = true;
			l->gw6 = *gw;
		}
	}
	l->table = (uint32_t)conf_get_u64(sec, "table");
	l->priority = (uint32_t)conf_get_u64(sec, "priority");
	l->metric = (uint32_t)conf_get_u64(sec, "metric");
	if ((r = copy_prefixes(sec, "source", &l->sources, &l->nsources)) < 0 ||
	    (r = copy_prefixes(sec, "route", &l->routes, &l->nroutes)) < 0)
		return r;
	if (conf_is_set(sec, "fwmark")) {
		l->fwmark = (uint32_t)conf_get_u64(sec, "fwmark");
		l->fwmask = 0xffffffffu;
	}
	line_selectors(sec, l);
	if ((t = conf_get_custom(sec, "track")))
		l->track = *t;
	l->interval_ms = conf_get_duration_ms(sec, "interval");
	l->timeout_ms = conf_is_set(sec, "timeout") ? conf_get_duration_ms(sec, "timeout") :
						      l->interval_ms;
	l->down_after = (unsigned)conf_get_u64(sec, "down-after");
	l->up_after = (unsigned)conf_get_u64(sec, "up-after");
	l->nfailover = conf_get_count(sec, "failover");
	if (l->nfailover) {
		l->failover = calloc(l->nfailover, sizeof(*l->failover));
		if (!l->failover)
			return -ENOMEM;
		for (size_t i = 0; i < l->nfailover; i++)
			copy_name(l->failover[i], sizeof(l->failover[i]),
			    conf_get_at(sec, "failover", i)->v.str);
	}
	l->blackhole = conf_get_bool(sec, "blackhole");
	return 0;
}

/* File order: by file (in the order the files first appear), then line. */
struct ordered {
	const struct conf_section *sec;
	size_t file_rank;
	unsigned line;
};

static int ordered_cmp(const void *pa, const void *pb)
{
	const struct ordered *a = pa, *b = pb;

	if (a->file_rank != b->file_rank)
		return a->file_rank < b->file_rank ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

static size_t file_rank(const struct ordered *v, size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++)
		if (file && v[i].sec && conf_section_file(v[i].sec) &&
		    !strcmp(conf_section_file(v[i].sec), file))
			return v[i].file_rank;
	return n;
}

int rt_config_from_conf(const struct conf *conf, struct rt_config **out)
{
	const struct conf_section *routing = conf_section_get(conf, "routing", NULL), *s;
	struct rt_config *c = calloc(1, sizeof(*c));
	struct ordered *ord = NULL;
	size_t n = 0;
	int r = -ENOMEM;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->protocol = (uint8_t)conf_get_u64(routing, "protocol");
	copy_name(c->rt_tables, sizeof(c->rt_tables), conf_get_str(routing, "rt-tables"));
	copy_name(c->rt_protos, sizeof(c->rt_protos), conf_get_str(routing, "rt-protos"));
	for (s = conf_section_next(conf, "line", NULL); s; s = conf_section_next(conf, "line", s))
		n += conf_is_set(s, "table");
	if (n) {
		ord = calloc(n, sizeof(*ord));
		c->lines = calloc(n, sizeof(*c->lines));
		if (!ord || !c->lines)
			goto out;
	}
	n = 0;
	for (s = conf_section_next(conf, "line", NULL); s; s = conf_section_next(conf, "line", s)) {
		if (!conf_is_set(s, "table"))
			continue;
		ord[n].file_rank = file_rank(ord, n, conf_section_file(s));
		ord[n].sec = s;
		ord[n].line = conf_section_line(s);
		n++;
	}
	if (n)
		qsort(ord, n, sizeof(*ord), ordered_cmp);
	for (size_t i = 0; i < n; i++) {
		c->nlines++;
		if ((r = line_from_conf(ord[i].sec, &c->lines[i])) < 0)
			goto out;
	}
	r = 0;
	*out = c;
	c = NULL;
out:
	free(ord);
	rt_config_free(c);
	return r;
}

void rt_config_free(struct rt_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nlines; i++) {
		free(c->lines[i].sources);
		free(c->lines[i].routes);
		free(c->lines[i].failover);
	}
	free(c->lines);
	free(c);
}

int rt_config_line(const struct rt_config *c, const char *name)
{
	for (size_t i = 0; i < c->nlines; i++)
		if (!strcmp(c->lines[i].name, name))
			return (int)i;
	return -1;
}
