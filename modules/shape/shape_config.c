/* shape_config.c: the [region] sections of a checked config as struct
 * shape_config: prefixes, rates in bytes per second (the kernel's unit),
 * each region's slot, and the WAN interfaces with their line and the
 * business guarantee. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "region_int.h"
#include "shape.h"

/* The business guarantee when the config names none: what the caps
 * leave of the line, but never less than a tenth of it. */
static uint64_t business_default(uint64_t line, uint64_t caps)
{
	uint64_t floor = line / 10 ? line / 10 : 1;

	return caps < line && line - caps > floor ? line - caps : floor;
}

static int prefixes(const struct conf_section *sec, const char *key, struct shape_prefix **out,
		    size_t *n)
{
	size_t count = conf_get_count(sec, key);

	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	*out = calloc(count, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		const struct conf_prefix *p = &conf_get_at(sec, key, i)->v.prefix;
		struct shape_prefix *q = &(*out)[i];

		q->family = p->addr.family == AF_INET6 ? AF_INET6 : AF_INET;
		q->len = (uint8_t)p->len;
		memcpy(q->addr, &p->addr.u, q->family == AF_INET6 ? 16 : 4);
	}
	*n = count;
	return 0;
}

static int region_from(const struct conf_section *sec, struct shape_region *r)
{
	const char *s;

	snprintf(r->name, sizeof(r->name), "%s", conf_section_name(sec) ? conf_section_name(sec) : "");
	/* A copy: the model may outlive the config it came from. */
	if (conf_section_file(sec) && !(r->file = strdup(conf_section_file(sec))))
		return -ENOMEM;
	r->line = conf_section_line(sec);
	s = conf_get_str(sec, "wan-interface");
	snprintf(r->wan, sizeof(r->wan), "%s", s ? s : "");
	s = conf_get_str(sec, "peer-port");
	if (!s || shape_port_range_parse(s, &r->port_lo, &r->port_hi) < 0)
		r->port_lo = r->port_hi = 6881;
	r->origin_rate = conf_get_rate(sec, "origin-rate") / 8;
	r->peer_rate = conf_get_rate(sec, "peer-rate") / 8;
	if (prefixes(sec, "lan", &r->lan, &r->nlan) < 0 ||
	    prefixes(sec, "origin", &r->origin, &r->norigin) < 0 ||
	    prefixes(sec, "peer", &r->peer, &r->npeer) < 0)
		return -ENOMEM;
	return 0;
}

/* Slots in the order of names, each its hash or, taken, the next free
 * one upward (wrapping from SHAPE_SLOT_MAX to 1): a region keeps its
 * slot while the others change, unless one collides with it first. */
static int assign_slots(struct shape_config *c)
{
	bool *used;

	if (c->nregions > SHAPE_SLOT_MAX)
		return -ENOSPC;
	used = calloc(SHAPE_SLOT_MAX + 1, sizeof(*used));
	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < c->nregions; i++) {
		uint16_t s = shape_slot_hash(c->regions[i].name);

		while (used[s])
			s = (uint16_t)(s % SHAPE_SLOT_MAX + 1);
		used[s] = true;
		c->regions[i].slot = s;
	}
	free(used);
	return 0;
}

static struct shape_iface *iface_get(struct shape_config *c, const char *wan)
{
	struct shape_iface *f;

	for (size_t i = 0; i < c->nifaces; i++)
		if (!strcmp(c->ifaces[i].name, wan))
			return &c->ifaces[i];
	f = &c->ifaces[c->nifaces++];
	snprintf(f->name, sizeof(f->name), "%s", wan);
	shape_ifb_name(wan, f->ifb);
	return f;
}

/* The line of each interface from its first region (the schema made
 * the others agree), then the business guarantee of each direction. */
static int build_ifaces(const struct conf_section *const *secs, struct shape_config *c)
{
	c->ifaces = calloc(c->nregions ? c->nregions : 1, sizeof(*c->ifaces));
	if (!c->ifaces)
		return -ENOMEM;
	for (size_t i = 0; i < c->nregions; i++) {
		const struct conf_section *sec = secs[i];
		struct shape_iface *f = iface_get(c, c->regions[i].wan);
		size_t *tmp;

		tmp = reallocarray(f->regions, f->nregions + 1, sizeof(*f->regions));
		if (!tmp)
			return -ENOMEM;
		f->regions = tmp;
		f->regions[f->nregions++] = i;
		if (f->nregions > 1)
			continue;
		/* No line-rate: the line's speed is unknown, so the line
		 * class limits nothing and only the caps hold (the schema
		 * refuses business-rate without line-rate). */
		f->down_unlimited = !conf_is_set(sec, "line-rate");
		f->down_rate = f->down_unlimited ? SHAPE_RATE_UNLIMITED :
			conf_get_rate(sec, "line-rate") / 8;
		f->up_unlimited = !conf_is_set(sec, "line-upload-rate") && f->down_unlimited;
		f->up_rate = conf_is_set(sec, "line-upload-rate") ?
			conf_get_rate(sec, "line-upload-rate") / 8 : f->down_rate;
		f->business_down = f->business_up = conf_get_rate(sec, "business-rate") / 8;
	}
	for (size_t k = 0; k < c->nifaces; k++) {
		struct shape_iface *f = &c->ifaces[k];
		uint64_t down = 0, up = 0;

		if (f->business_down)
			continue;
		for (size_t j = 0; j < f->nregions; j++) {
			const struct shape_region *r = &c->regions[f->regions[j]];
			uint64_t caps[2] = { r->origin_rate, r->peer_rate };

			for (size_t x = 0; x < 2; x++) {
				down += caps[x] < f->down_rate ? caps[x] : f->down_rate;
				up += caps[x] < f->up_rate ? caps[x] : f->up_rate;
			}
		}
		f->business_down = business_default(f->down_rate, down);
		f->business_up = business_default(f->up_rate, up);
	}
	return 0;
}

/* Regions come in the config's canonical order, which is the order of
 * their names (strcmp): the order slots are given in. */
int shape_config_from_conf(const struct conf *conf, struct shape_config *out)
{
	const struct conf_section *s, **secs = NULL;
	size_t n = 0;
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	for (s = conf_section_next(conf, "region", NULL); s; s = conf_section_next(conf, "region", s))
		n++;
	if (!n)
		return 0;
	out->regions = calloc(n, sizeof(*out->regions));
	secs = calloc(n, sizeof(*secs));
	if (!out->regions || !secs)
		goto fail;
	for (s = conf_section_next(conf, "region", NULL); s; s = conf_section_next(conf, "region", s)) {
		secs[out->nregions] = s;
		if (region_from(s, &out->regions[out->nregions++]) < 0)
			goto fail;
	}
	r = assign_slots(out);
	if (r == 0)
		r = build_ifaces(secs, out);
fail:
	free(secs);
	if (r < 0)
		shape_config_free(out);
	return r;
}

void shape_config_free(struct shape_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nregions; i++) {
		free(c->regions[i].lan);
		free(c->regions[i].origin);
		free(c->regions[i].peer);
		free((char *)c->regions[i].file);
	}
	for (size_t i = 0; i < c->nifaces; i++)
		free(c->ifaces[i].regions);
	free(c->regions);
	free(c->ifaces);
	memset(c, 0, sizeof(*c));
}
