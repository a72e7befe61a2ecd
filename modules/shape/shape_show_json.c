/* shape_show_json.c: outpost-shape show --json, one object with the
 * field names outpost-shape(8) documents; rates in bit/s. Written with
 * src/json.h so every string is escaped whatever a device is named. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "shape_cli.h"

static void caps_json(struct json *j, const struct shape_caps *caps)
{
	static const char *const names[] = { "htb", "ingress", "ifb", "u32", "mirred", "fq_codel" };
	const bool have[] = { caps->htb, caps->ingress, caps->ifb, caps->u32, caps->mirred,
			      caps->fq_codel };

	json_key(j, "kernel");
	json_obj_begin(j);
	json_kv_bool(j, "probed", caps->probed);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		json_kv_bool(j, names[i], have[i]);
	json_key(j, "missing");
	json_arr_begin(j);
	for (size_t i = 0; caps->probed && i < sizeof(names) / sizeof(names[0]); i++)
		if (!have[i])
			json_str(j, names[i]);
	json_arr_end(j);
	json_kv_str(j, "leaf", !caps->probed || caps->fq_codel ? "fq_codel" : "pfifo");
	json_obj_end(j);
}

static void class_json(struct json *j, const struct shape_cli *c, const struct shape_kclass *k)
{
	const struct shape_region *rg = shape_cli_region(&c->cfg, k->cls.classid);
	char id[16];

	json_obj_begin(j);
	shape_handle_format(k->cls.classid, id);
	json_kv_str(j, "id", id);
	shape_handle_format(k->cls.parent, id);
	json_kv_str(j, "parent", id);
	json_kv_str(j, "region", rg ? rg->name : NULL);
	json_kv_str(j, "kind", shape_cli_kind(k->cls.classid));
	json_kv_uint(j, "rate_bps", k->cls.rate * 8);
	json_kv_uint(j, "ceil_bps", k->cls.ceil * 8);
	json_kv_uint(j, "burst", k->cls.burst);
	json_kv_uint(j, "cburst", k->cls.cburst);
	json_kv_uint(j, "quantum", k->cls.quantum);
	json_kv_uint(j, "prio", k->cls.prio);
	json_kv_str(j, "leaf", k->leaf_kind);
	json_kv_uint(j, "bytes", k->st.bytes);
	json_kv_uint(j, "packets", k->st.packets);
	json_kv_uint(j, "drops", k->st.drops);
	json_kv_uint(j, "overlimits", k->st.overlimits);
	json_kv_uint(j, "backlog", k->st.backlog_bytes);
	json_key(j, "rate_now_bps");
	if (k->st.has_rate)
		json_uint(j, k->st.rate_bps);
	else
		json_null(j);
	json_obj_end(j);
}

static void classes_json(struct json *j, const struct shape_cli *c, const struct shape_kdev *d)
{
	json_key(j, "classes");
	json_arr_begin(j);
	for (size_t i = 0; d && d->root == SHAPE_ROOT_OURS && i < d->nclasses; i++)
		class_json(j, c, &d->classes[i]);
	json_arr_end(j);
}

static void iface_json(struct json *j, const struct shape_cli *c, const struct shape_kdev *wan,
		       const struct shape_kdev *ifb, const char *ifbname)
{
	json_obj_begin(j);
	json_kv_str(j, "name", wan->name);
	json_kv_str(j, "ifb", ifbname);
	json_kv_str(j, "root", shape_cli_root_name(wan->root));
	json_key(j, "egress");
	json_obj_begin(j);
	json_kv_str(j, "dev", wan->name);
	classes_json(j, c, wan);
	json_obj_end(j);
	json_key(j, "ingress");
	json_obj_begin(j);
	json_kv_str(j, "dev", ifbname);
	json_kv_bool(j, "present", ifb && ifb->root != SHAPE_ROOT_NONE);
	json_kv_bool(j, "redirect", wan->redirect);
	classes_json(j, c, ifb);
	json_kv_uint(j, "filters", ifb ? ifb->nfilters : 0);
	json_obj_end(j);
	json_obj_end(j);
}

static void set_json(struct json *j, const struct shape_nft_set *set)
{
	char p[64];

	json_obj_begin(j);
	json_kv_str(j, "name", set->name);
	json_kv_uint(j, "family", set->family == AF_INET6 ? 6 : 4);
	json_key(j, "elements");
	json_arr_begin(j);
	for (size_t i = 0; i < set->nelems; i++) {
		shape_prefix_format(&set->elems[i], p, sizeof(p));
		json_str(j, p);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void nft_json(struct json *j, const struct shape_knft *k, int err)
{
	char m[512], h[16];

	json_key(j, "nft");
	json_obj_begin(j);
	json_kv_bool(j, "readable", err >= 0);
	if (err < 0)
		json_kv_str(j, "error", strerror(-err));
	json_kv_bool(j, "present", err >= 0 && k->present);
	json_kv_bool(j, "foreign", err >= 0 && k->foreign);
	json_key(j, "sets");
	json_arr_begin(j);
	for (size_t i = 0; err >= 0 && k->present && i < k->nft.nsets; i++)
		set_json(j, &k->nft.sets[i]);
	json_arr_end(j);
	json_key(j, "rules");
	json_arr_begin(j);
	for (size_t i = 0; err >= 0 && k->present && i < k->nft.nrules; i++) {
		const struct shape_nft_rule *r = &k->nft.rules[i];

		json_obj_begin(j);
		json_kv_str(j, "oif", r->oif);
		json_kv_uint(j, "family", r->family == AF_INET6 ? 6 : r->family == AF_INET ? 4 : 0);
		shape_cli_rule_match(&k->nft, r, m, sizeof(m));
		json_kv_str(j, "match", m);
		shape_handle_format(r->priority, h);
		json_kv_str(j, "class", h);
		json_kv_uint(j, "packets", k->rule_packets ? k->rule_packets[i] : 0);
		json_kv_uint(j, "bytes", k->rule_bytes ? k->rule_bytes[i] : 0);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

int shape_show_json(struct shape_cli *c, const struct shape_caps *caps,
		    const struct shape_kdev *devs, size_t ndevs, const struct shape_knft *knft,
		    int nft_err, int in_sync)
{
	struct json j;
	const char *text;
	size_t len;
	int r;

	json_init(&j);
	json_obj_begin(&j);
	caps_json(&j, caps);
	json_key(&j, "interfaces");
	json_arr_begin(&j);
	for (size_t i = 0; i < ndevs; i++) {
		char ifbname[16];

		if (!shape_cli_is_wan(c, &devs[i]))
			continue;
		shape_cli_ifb_of(&devs[i], ifbname);
		iface_json(&j, c, &devs[i], shape_cli_dev(devs, ndevs, ifbname), ifbname);
	}
	json_arr_end(&j);
	nft_json(&j, knft, nft_err);
	json_key(&j, "in_sync");
	if (in_sync < 0)
		json_null(&j);
	else
		json_bool(&j, in_sync == 1);
	json_obj_end(&j);
	r = json_finish(&j, &text, &len);
	if (r == 0)
		printf("%s\n", text);
	else
		fprintf(stderr, "%s: cannot write the JSON: %s\n", c->prog, strerror(-r));
	json_free(&j);
	return r == 0 ? 0 : 1;
}
