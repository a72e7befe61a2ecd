/* test-shape-rollback.c: the plan apply rolls back to, built from the
 * devices as read before (shape_plan_from_kernel): a tree per device
 * with our root, the ingress tree tied to the WAN that redirects to its
 * IFB, classes parents first whatever order the kernel listed them in,
 * the leaf kind, the filters, bursts that give back the kernel's exact
 * ticks; nothing for devices with the kernel's default root. Pure: no
 * kernel. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "shape_apply_int.h"
#include "../tap.h"

static struct shape_kclass kc(uint32_t minor, uint32_t parent, uint64_t ceil, const char *leaf)
{
	struct shape_kclass k;

	memset(&k, 0, sizeof(k));
	k.cls.classid = SHAPE_HANDLE(minor);
	k.cls.parent = parent;
	k.cls.rate = ceil / 2;
	k.cls.ceil = ceil;
	k.cls.burst = 30000;
	k.cls.region = 7;  /* what the kernel cannot know: must become -1 */
	snprintf(k.leaf_kind, sizeof(k.leaf_kind), "%s", leaf);
	k.st.bytes = 12345;
	k.buffer_ticks = shape_xmit_ticks(k.cls.burst, k.cls.rate);
	k.cbuffer_ticks = shape_xmit_ticks(k.cls.cburst, k.cls.ceil);
	return k;
}

int main(void)
{
	/* The kernel lists children before the line class here. */
	struct shape_kclass wan_cls[] = {
		kc(0x21, SHAPE_HANDLE(1), 2500000, "pfifo"),
		kc(SHAPE_MINOR_BUSINESS, SHAPE_HANDLE(1), 12500000, "pfifo"),
		kc(SHAPE_MINOR_LINE, SHAPE_HANDLE(0), 12500000, ""),
	};
	struct shape_kclass ifb_cls[] = {
		kc(SHAPE_MINOR_LINE, SHAPE_HANDLE(0), 12500000, ""),
		kc(0x21, SHAPE_HANDLE(1), 2500000, "fq_codel"),
	};
	struct shape_u32 filt = { .pref = SHAPE_PREF_CLASSIFY, .family = AF_INET,
				  .classid = SHAPE_HANDLE(0x21) };
	struct shape_kdev devs[3];
	struct shape_plan p;
	int r;

	/* 1 Gbit/s: the kernel holds 31250 ticks (2 ms); bytes read back
	 * as 250001 would be a tick more, the plan must give the ticks back. */
	struct shape_kclass fast = kc(0x31, SHAPE_HANDLE(1), 125000000, "pfifo");
	struct shape_kclass fast_ifb_cls[] = { kc(SHAPE_MINOR_LINE, SHAPE_HANDLE(0), 125000000, "") };

	fast.cls.rate = 125000000;
	fast.buffer_ticks = 31250;
	fast.cls.burst = 250001;
	fast.cbuffer_ticks = 31250;
	fast.cls.cburst = 250001;
	plan(19);
	memset(devs, 0, sizeof(devs));
	snprintf(devs[0].name, 16, "eth-lan");
	devs[0].root = SHAPE_ROOT_DEFAULT;
	snprintf(devs[1].name, 16, "wan0");
	devs[1].root = SHAPE_ROOT_OURS;
	devs[1].defcls = SHAPE_MINOR_BUSINESS;
	devs[1].classes = wan_cls;
	devs[1].nclasses = 3;
	devs[1].redirect = true;
	snprintf(devs[1].redirect_to, 16, "ifb-wan0");
	snprintf(devs[2].name, 16, "ifb-wan0");
	devs[2].root = SHAPE_ROOT_OURS;
	devs[2].ifb_ours = true;
	devs[2].defcls = SHAPE_MINOR_BUSINESS;
	devs[2].classes = ifb_cls;
	devs[2].nclasses = 2;
	devs[2].filters = &filt;
	devs[2].nfilters = 1;

	r = shape_plan_from_kernel(devs, 3, &p);
	is_int(r, 0, "a plan of what the kernel holds");
	is_int((int)p.ntrees, 2, "one tree per device with our root, none for the default");
	if (p.ntrees != 2)
		bail_out("no trees to look at");
	is_str(p.trees[0].dev, "wan0", "the egress tree is wan0's");
	is_int(p.trees[0].dir, SHAPE_EGRESS, "egress");
	is_str(p.trees[0].wan, "wan0", "its wan is itself");
	is_int((int)p.trees[0].nclasses, 3, "with every class");
	is_int((int)p.trees[0].classes[0].classid, (int)SHAPE_HANDLE(1),
	    "the line class first, though the kernel listed it last");
	is_int(p.trees[0].classes[1].region, -1, "regions are not the kernel's to say");
	is_int((int)p.trees[0].classes[1].ceil, 2500000, "ceil kept");
	is_int(p.trees[0].leaf, SHAPE_LEAF_PFIFO, "pfifo leaves on wan0");
	is_int((int)p.trees[0].defcls, SHAPE_MINOR_BUSINESS, "default class kept");
	is_str(p.trees[1].dev, "ifb-wan0", "the ingress tree is on the IFB");
	is_int(p.trees[1].dir, SHAPE_INGRESS, "ingress");
	is_str(p.trees[1].wan, "wan0", "tied to the WAN that redirects to it");
	is_int(p.trees[1].leaf, SHAPE_LEAF_FQ_CODEL, "fq_codel leaves on the IFB");
	ok(p.trees[1].nfilters == 1 && p.trees[1].filters[0].classid == SHAPE_HANDLE(0x21),
	    "its u32 filters kept");
	shape_plan_free(&p);

	devs[1].classes = &fast;
	devs[1].nclasses = 1;
	devs[2].classes = fast_ifb_cls;
	devs[2].nclasses = 1;
	r = shape_plan_from_kernel(devs, 3, &p);
	ok(r == 0 && p.ntrees == 2 && p.trees[0].nclasses == 1, "a plan of a 1 Gbit/s class");
	if (r == 0 && p.ntrees == 2 && p.trees[0].nclasses == 1) {
		is_int(shape_xmit_ticks(p.trees[0].classes[0].burst, 125000000), 31250,
		    "its burst gives back exactly the kernel's buffer ticks (%u bytes)",
		    (unsigned)p.trees[0].classes[0].burst);
		is_int(shape_xmit_ticks(p.trees[0].classes[0].cburst, 125000000), 31250,
		    "and its cburst the cbuffer ticks");
	} else {
		skip(2, "no plan");
	}
	shape_plan_free(&p);
	return done_testing();
}
