/* shape_tc_format.c: each op as the tc(8) or ip(8) command it equals.
 *
 * The text is exact, not a summary: `tc -batch` / `ip -batch` (minus
 * the leading word) builds the same objects (rates in the largest unit
 * that divides them, u32 keys word by word as shape_tc_u32.c lays them
 * out). Only the buffer ticks may differ by tc's own rounding of burst
 * bytes, which is why apply never goes through tc. */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/pkt_sched.h>

#include "shape_tc_int.h"

struct text {
	char *p;
	size_t len, off;
};

__attribute__((format(printf, 2, 3)))
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->off >= t->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->off, t->len - t->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->off += (size_t)n;
}

/* A rate exactly, in the largest unit of tc's that divides it. */
static void rate(struct text *t, uint64_t bytes)
{
	uint64_t bits = bytes * 8;

	if (bits && bits % 1000000000u == 0)
		put(t, "%" PRIu64 "Gbit", bits / 1000000000u);
	else if (bits && bits % 1000000u == 0)
		put(t, "%" PRIu64 "Mbit", bits / 1000000u);
	else if (bits && bits % 1000u == 0)
		put(t, "%" PRIu64 "Kbit", bits / 1000u);
	else
		put(t, "%" PRIu64 "bit", bits);
}

static void handle(struct text *t, uint32_t h)
{
	char s[16];

	shape_handle_format(h, s);
	put(t, "%s", s);
}

/* A u32 node handle as tc writes it: table:bucket:node, "::800" new. */
static void u32_handle(struct text *t, uint32_t h)
{
	if (h >> 20)
		put(t, "%" PRIx32, h >> 20);
	put(t, ":");
	if ((h >> 12) & 0xffu)
		put(t, "%" PRIx32, (h >> 12) & 0xffu);
	put(t, ":%" PRIx32, h & 0xfffu);
}

static void class_cmd(struct text *t, const struct shape_op *op)
{
	const struct shape_class *c = &op->cls;
	bool add = op->kind == SHAPE_OP_CLASS_ADD;

	put(t, "tc class %s dev %s parent ", add ? "add" : "change", op->dev);
	handle(t, c->parent);
	put(t, " classid ");
	handle(t, c->classid);
	if (add)
		put(t, " estimator 250ms 1sec");
	put(t, " htb rate ");
	rate(t, c->rate);
	put(t, " ceil ");
	rate(t, c->ceil);
	put(t, " burst %" PRIu32 "b cburst %" PRIu32 "b", c->burst, c->cburst);
	if (c->quantum)
		put(t, " quantum %" PRIu32, c->quantum);
	put(t, " prio %" PRIu32, c->prio);
}

static void leaf_cmd(struct text *t, const struct shape_op *op, uint32_t h)
{
	enum shape_leaf leaf = op->tree ? op->tree->leaf : SHAPE_LEAF_PFIFO;

	put(t, "tc qdisc replace dev %s parent ", op->dev);
	handle(t, op->cls.classid);
	put(t, " handle %" PRIx32 ": %s", h >> 16, shape_leaf_kind(leaf));
	if (leaf == SHAPE_LEAF_PFIFO)
		put(t, " limit %" PRIu32, op->cls.leaf_limit ? op->cls.leaf_limit : 1000);
	else if (op->cls.leaf_limit)
		put(t, " limit %" PRIu32, op->cls.leaf_limit);
}

static void filter_cmd(struct text *t, const struct shape_op *op)
{
	struct tc_u32_key k[SHAPE_U32_KEYS_MAX];
	uint32_t h = op->handle ? op->handle : SHAPE_U32_NODE;
	int n = shape_u32_encode(&op->filter, k, SHAPE_U32_KEYS_MAX);

	put(t, "tc filter %s dev %s parent 4f50: protocol %s pref %u",
	    op->kind == SHAPE_OP_FILTER_DEL ? "del" : SHAPE_U32_HTID(h) ? "replace" : "add", op->dev,
	    op->filter.family == AF_INET6 ? "ipv6" : "ip", (unsigned)op->filter.pref);
	/* A delete without a handle removes the whole pref. */
	if (op->kind == SHAPE_OP_FILTER_DEL && !op->handle)
		return;
	put(t, " handle ");
	u32_handle(t, h);
	put(t, " u32");
	if (op->kind == SHAPE_OP_FILTER_DEL)
		return;
	for (int i = 0; i < n; i++)
		put(t, " match u32 0x%08" PRIx32 " 0x%08" PRIx32 " at %d", ntohl(k[i].val),
		    ntohl(k[i].mask), k[i].off);
	put(t, " classid ");
	handle(t, op->filter.classid);
}

void shape_op_format(const struct shape_op *op, char *buf, size_t len)
{
	struct text t = { .p = buf, .len = len };
	uint32_t h;

	if (len)
		buf[0] = '\0';
	switch (op->kind) {
	case SHAPE_OP_IFB_ADD:
		/* The alias marks the IFB as Outpost's; it takes a second step. */
		if (op->handle)
			put(&t, "ip link set dev %s up", op->dev);
		else
			put(&t, "ip link add name %s up type ifb", op->dev);
		put(&t, "\nip link set dev %s alias \"%s%s\"", op->dev, SHAPE_IFB_ALIAS_PREFIX,
		    op->peer);
		break;
	case SHAPE_OP_IFB_DEL:
		put(&t, "ip link del dev %s", op->dev);
		break;
	case SHAPE_OP_QDISC_ROOT:
		put(&t, "tc qdisc replace dev %s root handle 4f50: htb default %" PRIx32
		    " r2q %u direct_qlen %u", op->dev,
		    op->tree ? op->tree->defcls : SHAPE_MINOR_BUSINESS, SHAPE_R2Q, SHAPE_DIRECT_QLEN);
		break;
	case SHAPE_OP_QDISC_DEL:
		put(&t, "tc qdisc del dev %s root handle 4f50:", op->dev);
		break;
	case SHAPE_OP_INGRESS_ADD:
		put(&t, "tc qdisc add dev %s ingress", op->dev);
		break;
	case SHAPE_OP_INGRESS_DEL:
		put(&t, "tc qdisc del dev %s ingress", op->dev);
		break;
	case SHAPE_OP_REDIRECT:
		h = op->handle ? op->handle : SHAPE_U32_NODE;
		put(&t, "tc filter %s dev %s parent ffff: protocol all pref %u handle ",
		    SHAPE_U32_HTID(h) ? "replace" : "add", op->dev, SHAPE_PREF_REDIRECT);
		u32_handle(&t, h);
		put(&t, " u32 match u32 0 0 action mirred egress redirect dev %s", op->peer);
		break;
	case SHAPE_OP_REDIRECT_DEL:
		put(&t, "tc filter del dev %s parent ffff: protocol all pref %u", op->dev,
		    SHAPE_PREF_REDIRECT);
		break;
	case SHAPE_OP_CLASS_ADD:
	case SHAPE_OP_CLASS_CHANGE:
		class_cmd(&t, op);
		break;
	case SHAPE_OP_CLASS_DEL:
		put(&t, "tc class del dev %s classid ", op->dev);
		handle(&t, op->cls.classid);
		break;
	case SHAPE_OP_LEAF:
		if (op->handle) {
			leaf_cmd(&t, op, op->handle);
			put(&t, "\n");
		}
		leaf_cmd(&t, op, op->cls.leaf_handle);
		break;
	case SHAPE_OP_FILTER:
	case SHAPE_OP_FILTER_DEL:
		filter_cmd(&t, op);
		break;
	}
}
