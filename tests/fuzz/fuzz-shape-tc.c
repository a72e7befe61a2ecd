/* fuzz-shape-tc: any bytes as rtnetlink messages for the tc parsers.
 *
 * The input is a sequence of netlink messages (walked with
 * nl_msg_ok/next, as a dump is); every message goes to every parser
 * (link, qdisc, class, filter: each must refuse what is not its own),
 * and what they report must stay inside the model's bounds. A filter
 * recognised as Outpost's must encode back to a selector of its own. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "shape_tc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t n)
{
	if (strnlen(s, n) == n)
		abort();
}

static void check_filter(const struct shape_tc_filter *f)
{
	struct tc_u32_key k[SHAPE_U32_KEYS_MAX];
	unsigned bits;

	check_str(f->kind, sizeof(f->kind));
	if (!f->ours)
		return;
	bits = f->u32.family == AF_INET ? 32 : 128;
	if ((f->u32.family != AF_INET && f->u32.family != AF_INET6) ||
	    (f->u32.has_src && f->u32.src.len > bits) || (f->u32.has_dst && f->u32.dst.len > bits) ||
	    f->redirect || shape_u32_encode(&f->u32, k, SHAPE_U32_KEYS_MAX) <= 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh;
	struct shape_tc_link l;
	struct shape_tc_qdisc q;
	struct shape_tc_filter f;
	struct shape_kclass c;
	void *copy;
	size_t left = size;
	int ifx;

	/* Exactly the input's length, so ASan sees any overread. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (nlh = copy; nl_msg_ok(nlh, left); nlh = nl_msg_next(nlh, &left)) {
		if (shape_tc_parse_link(nlh, left, &l) == 0) {
			check_str(l.name, sizeof(l.name));
			check_str(l.alias_wan, sizeof(l.alias_wan));
			if (l.ifb_ours && (!l.ifb || !l.alias_wan[0]))
				abort();
		}
		if (shape_tc_parse_qdisc(nlh, left, &q) == 0)
			check_str(q.kind, sizeof(q.kind));
		if (shape_tc_parse_class(nlh, left, &ifx, &c) == 0 && c.cls.rate &&
		    shape_xmit_ticks(c.cls.burst, c.cls.rate) < c.buffer_ticks &&
		    c.cls.burst != UINT32_MAX)
			abort();  /* the burst read back must reach the kernel's ticks */
		if (shape_tc_parse_filter(nlh, left, &f) == 0)
			check_filter(&f);
	}
	free(copy);
	return 0;
}
