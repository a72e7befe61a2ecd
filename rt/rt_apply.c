/* rt_apply.c: a difference into the kernel, in batches.
 *
 * Every change goes into one nl_batch with the change itself as the
 * cookie, so each refusal comes back with its change and the kernel's
 * text; one refusal does not stop the rest (rtnetlink handles every
 * message of a sendmsg on its own). */
#include "config.h"

#include <errno.h>

#include "rt_kernel.h"

struct apply_ctx {
	rt_apply_fail	fail;
	void		*arg;
	int		failures;
};

static void on_ack(void *cookie, int err, const char *extack, void *arg)
{
	const struct rt_change *c = cookie;
	struct apply_ctx *x = arg;

	if (!err)
		return;
	/* Someone else got there first: the kernel is as wanted. */
	if (c->op == RT_ADD && err == -EEXIST)
		return;
	if (c->op == RT_DEL && (err == -ENOENT || err == -ESRCH))
		return;
	x->failures++;
	if (x->fail)
		x->fail(c, err, extack, x->arg);
}

int rt_kernel_apply(struct nl_sock *s, const struct rt_diff *d, uint8_t protocol,
		    rt_apply_fail fail, void *arg)
{
	struct apply_ctx x = { .fail = fail, .arg = arg };
	struct nl_batch *b;
	int rc;

	if (!d->n)
		return 0;
	rc = nl_batch_new(s, &b);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < d->n; i++) {
		rc = rt_encode(b, &d->v[i], protocol, (void *)&d->v[i]);
		if (rc < 0)
			goto out;
	}
	rc = nl_batch_commit(b, on_ack, &x);
	if (rc >= 0)
		rc = x.failures;
out:
	nl_batch_free(b);
	return rc;
}
