/* fuzz-shape-conf: arbitrary outpost.conf text through the real schema
 * ([region] with its checks within and across regions) and, when it
 * loads clean, through the whole shaping model: shape_config_from_conf,
 * shape_plan_build with both leaf kinds and an MTU from the input, and
 * the invariants every plan must keep (parents first, rate <= ceil <=
 * line, guarantees within the line, prefs in order, sets sorted without
 * overlaps, rules naming sets that exist) and that shape_nft_script
 * (shnft's checks) takes the nft part. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "shape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t mtu_of(const char *dev, void *arg)
{
	(void)dev;
	return *(const uint32_t *)arg;
}

static void check_tree(const struct shape_tree *t)
{
	uint64_t sum = 0;

	if (t->nclasses < 2 || t->classes[0].classid != SHAPE_HANDLE(SHAPE_MINOR_LINE))
		abort();
	for (size_t i = 1; i < t->nclasses; i++) {
		const struct shape_class *c = &t->classes[i];

		if (c->parent != SHAPE_HANDLE(SHAPE_MINOR_LINE) || c->rate > c->ceil ||
		    c->ceil > t->classes[0].rate || !c->burst || !c->cburst || !c->quantum ||
		    c->leaf_handle != (c->classid & 0xffffu) << 16 || (c->classid & 0xffffu) >= 0x4000)
			abort();
		sum += c->rate;
	}
	/* Every rate is at least 1 B/s: at a line of a few bytes per
	 * second the guarantees can round past it by that much. */
	if (sum > t->classes[0].rate + (t->nclasses - 2))
		abort();
	for (size_t i = 0; i < t->nfilters; i++)
		if (t->filters[i].pref != SHAPE_PREF_CLASSIFY + i ||
		    (t->filters[i].port & ~t->filters[i].port_mask))
			abort();
}

static void check_nft(const struct shape_nft *n)
{
	for (size_t i = 0; i < n->nsets; i++) {
		const struct shape_nft_set *s = &n->sets[i];

		if (!s->nelems)
			abort();
		for (size_t k = 0; k < s->nelems; k++)
			if (s->elems[k].family != s->family)
				abort();
	}
	for (size_t i = 0; i < n->nrules; i++) {
		const struct shape_nft_rule *r = &n->rules[i];

		if (r->saddr_set >= (int)n->nsets || r->daddr_set >= (int)n->nsets ||
		    r->port_lo > r->port_hi)
			abort();
		if (r->saddr_set >= 0 && n->sets[r->saddr_set].family != r->family)
			abort();
		if (r->daddr_set >= 0 && n->sets[r->daddr_set].family != r->family)
			abort();
	}
}

static FILE *sink;

static void model(const struct conf *conf, uint32_t mtu)
{
	struct shape_config c;
	struct shape_plan p;
	struct shape_plan_opts o = { .leaf = SHAPE_LEAF_PFIFO, .mtu = mtu_of, .arg = &mtu };
	char buf[64];

	if (shape_config_from_conf(conf, &c) != 0)
		return;
	for (int leaf = 0; leaf < 2; leaf++) {
		o.leaf = leaf ? SHAPE_LEAF_FQ_CODEL : SHAPE_LEAF_PFIFO;
		if (shape_plan_build(&c, &o, &p) != 0)
			continue;
		if (p.ntrees != 2 * c.nifaces)
			abort();
		for (size_t i = 0; i < p.ntrees; i++) {
			check_tree(&p.trees[i]);
			for (size_t k = 0; k < p.trees[i].nclasses; k++)
				shape_rate_format(p.trees[i].classes[k].ceil, buf, sizeof(buf));
		}
		check_nft(&p.nft);
		/* A plan of a clean config is one nft takes. */
		if (!sink)
			sink = fopen("/dev/null", "w");
		if (sink && shape_nft_script(&p.nft, sink) != 0)
			abort();
		shape_plan_free(&p);
	}
	shape_config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_opts opts = { .schema = &conf_schema_outpost, .no_include = true };
	struct conf *conf = NULL;
	uint32_t mtu = size ? (uint32_t)data[size - 1] * 61u : 0;

	if (conf_load_buffer("fuzz.conf", (const char *)data, size, &opts, &conf) == 0)
		model(conf, mtu);
	conf_free(conf);
	return 0;
}
