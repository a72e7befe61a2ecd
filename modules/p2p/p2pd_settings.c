/* p2pd_settings.c: what outpost-p2pd reads of outpost.conf: [node] (who
 * and where events go), [p2p] (its own keys) and the [region] section
 * named by [node] region (its origin-rate, the budget the region's peers
 * share for origin fetches). The schema has checked every value; this
 * only copies them. (owner: region) */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2pd.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int p2pd_settings_load(struct p2pd_settings *s, const struct conf *conf, char *why,
    size_t whylen)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	const struct conf_section *p = conf_section_get(conf, "p2p", NULL);
	const struct conf_section *reg;
	const struct conf_addr *a;

	memset(s, 0, sizeof(*s));
	if (!node || !p) {
		snprintf(why, whylen, "the schema lacks [node] or [p2p]");
		return -EINVAL;
	}
	copy(s->id, sizeof(s->id), conf_get_str(node, "id"));
	copy(s->region, sizeof(s->region), conf_get_str(node, "region"));
	copy(s->user, sizeof(s->user), conf_get_str(node, "user"));
	copy(s->spool, sizeof(s->spool), conf_get_str(node, "spool"));
	copy(s->data_dir, sizeof(s->data_dir), conf_get_str(p, "data-dir"));
	copy(s->control, sizeof(s->control), conf_get_str(p, "control"));
	copy(s->ca_file, sizeof(s->ca_file), conf_get_str(p, "ca-file"));
	a = conf_get_addr(p, "bind");
	if (a && !inet_ntop(a->family, &a->u, s->bind, sizeof(s->bind)))
		s->bind[0] = '\0';
	s->port = (uint16_t)conf_get_u64(p, "listen");
	s->lsd = conf_get_bool(p, "lsd");
	s->other_regions = conf_get_bool(p, "other-regions");
	s->shape = conf_get_bool(p, "shape");
	s->ntrackers = conf_get_count(p, "tracker");
	if (s->ntrackers) {
		s->trackers = calloc(s->ntrackers, sizeof(*s->trackers));
		if (!s->trackers)
			goto oom;
		/* copies: a reload frees the conf they came from */
		for (size_t i = 0; i < s->ntrackers; i++)
			if (!(s->trackers[i] = strdup(conf_get_at(p, "tracker", i)->v.str)))
				goto oom;
	}
	s->seed_time_ms = conf_get_duration_ms(p, "seed-time");
	s->lease_ms = conf_get_duration_ms(p, "lease");
	s->progress_ms = conf_get_duration_ms(p, "progress-interval");
	s->max_peers = (unsigned)conf_get_u64(p, "max-peers");
	s->max_conns = (unsigned)conf_get_u64(p, "max-connections");
	s->up_rate = conf_get_rate(p, "max-upload-rate") / 8;
	s->down_rate = conf_get_rate(p, "max-download-rate") / 8;
	s->max_buffer = (size_t)conf_get_size(p, "max-buffer");
	reg = s->region[0] ? conf_section_find(conf, "region", s->region) : NULL;
	if (reg) {
		s->origin_rate = conf_get_rate(reg, "origin-rate") / 8;
		s->nlan = conf_get_count(reg, "lan");
		s->lan = s->nlan ? calloc(s->nlan, sizeof(*s->lan)) : NULL;
		if (s->nlan && !s->lan)
			goto oom;
		for (size_t i = 0; i < s->nlan; i++) {
			const struct conf_prefix *pf = &conf_get_at(reg, "lan", i)->v.prefix;

			s->lan[i].family = pf->addr.family;
			s->lan[i].len = pf->len;
			memcpy(s->lan[i].addr, &pf->addr.u, pf->addr.family == AF_INET ? 4 : 16);
		}
	}
	p2pd_settings_link(s);
	return 0;
oom:
	p2pd_settings_free(s);
	snprintf(why, whylen, "out of memory");
	return -ENOMEM;
}

void p2pd_settings_link(struct p2pd_settings *s)
{
	memset(&s->rg, 0, sizeof(s->rg));
	/* Without a region a daemon is a plain BitTorrent peer. */
	if (s->region[0]) {
		s->rg.node = s->id;
		s->rg.name = s->region;
		s->rg.lease_ms = s->lease_ms;
		s->rg.origin_rate = s->origin_rate;
		s->rg.other_regions = s->other_regions;
		s->rg.lan = s->lan;
		s->rg.nlan = s->nlan;
	}
}

void p2pd_settings_free(struct p2pd_settings *s)
{
	free(s->lan);
	s->lan = NULL;
	for (size_t i = 0; s->trackers && i < s->ntrackers; i++)
		free((char *)s->trackers[i]);
	free(s->trackers);
	s->trackers = NULL;
	s->ntrackers = 0;
}
