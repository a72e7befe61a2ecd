/* shape_tc_apply.c: a list of ops through one rtnetlink batch.
 *
 * tc messages name devices by ifindex, and an IFB the same batch
 * creates has none until the kernel has made it: when an op's device
 * (or a redirect's target) is not there yet, what is queued so far is
 * committed first and the name looked up again. Everything else goes
 * in as few sendmsg(2) calls as nl_batch makes. An acknowledgement
 * may carry a warning of the kernel's (an accepted op with ext-ack
 * text): it goes to the callback too, with err 0. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "shape_tc_int.h"

struct apply {
	const struct shape_ops *ops;
	bool *refused;    /* per op: reported once, however many messages */
	int nrefused;
	shape_refused_cb cb;
	void *arg;
	struct {
		char name[16];
		int ifindex;
	} cache[32];
	size_t ncache;
};

static void on_ack(void *cookie, int err, const char *extack, void *arg)
{
	struct apply *a = arg;
	const struct shape_op *op = cookie;
	size_t i = (size_t)(op - a->ops->v);

	if (!err) {
		/* Taken, with the kernel's warning: the caller shows it. */
		if (extack && *extack && a->cb)
			a->cb(op, 0, extack, a->arg);
		return;
	}
	if (a->refused[i])
		return;
	a->refused[i] = true;
	a->nrefused++;
	if (a->cb)
		a->cb(op, err, extack, a->arg);
}

/* A device's index; cached only once found (an IFB may come later). */
static int lookup(struct apply *a, const char *name)
{
	unsigned idx;

	for (size_t i = 0; i < a->ncache; i++)
		if (strcmp(a->cache[i].name, name) == 0)
			return a->cache[i].ifindex;
	idx = if_nametoindex(name);
	if (!idx)
		return 0;
	if (a->ncache < sizeof(a->cache) / sizeof(a->cache[0])) {
		snprintf(a->cache[a->ncache].name, sizeof(a->cache[0].name), "%s", name);
		a->cache[a->ncache++].ifindex = (int)idx;
	}
	return (int)idx;
}

static bool by_name(enum shape_op_kind k)
{
	return k == SHAPE_OP_IFB_ADD || k == SHAPE_OP_IFB_DEL;
}

/* The op's device index (and the redirect's target), committing what
 * is queued when a name is not there yet. */
static int resolve(struct apply *a, struct nl_batch *b, const struct shape_op *op, int *ifx,
		   int *peer)
{
	int rc;

	*ifx = *peer = 0;
	if (by_name(op->kind))
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		*ifx = lookup(a, op->dev);
		if (op->kind == SHAPE_OP_REDIRECT)
			*peer = lookup(a, op->peer);
		if (*ifx && (op->kind != SHAPE_OP_REDIRECT || *peer))
			return 0;
		if (pass || !nl_batch_count(b))
			break;
		rc = nl_batch_commit(b, on_ack, a);
		if (rc < 0)
			return rc;
	}
	return -ENODEV;
}

int shape_tc_apply(struct nl_sock *s, const struct shape_ops *ops, shape_refused_cb cb, void *arg)
{
	struct apply a = { .ops = ops, .cb = cb, .arg = arg };
	struct nl_batch *b = NULL;
	int rc = 0;

	if (!ops->n)
		return 0;
	a.refused = calloc(ops->n, sizeof(*a.refused));
	if (!a.refused)
		return -ENOMEM;
	rc = nl_batch_new(s, &b);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < ops->n; i++) {
		const struct shape_op *op = &ops->v[i];
		int ifx, peer;

		rc = resolve(&a, b, op, &ifx, &peer);
		if (rc == -ENODEV) {
			/* Nothing the kernel could be told: refused here. */
			a.refused[i] = true;
			a.nrefused++;
			if (cb)
				cb(op, -ENODEV, "no such device", arg);
			continue;
		}
		if (rc < 0)
			goto out;
		rc = shape_tc_encode(b, op, ifx, peer, (void *)op);
		if (rc < 0)
			goto out;
	}
	rc = nl_batch_commit(b, on_ack, &a);
	if (rc >= 0)
		rc = a.nrefused;
out:
	nl_batch_free(b);
	free(a.refused);
	return rc;
}
