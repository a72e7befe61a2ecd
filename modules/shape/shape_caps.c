/* shape_caps.c: what this kernel can shape with, found by trying.
 *
 * Kernel configs differ (this project's CI kernel has no fq_codel, for
 * one), and /proc says nothing reliable about qdisc and action kinds:
 * the only true answer is the kernel accepting the same messages apply
 * would send. A forked child unshares a network namespace of its own
 * and sends them on its loopback, so nothing of the caller's
 * namespace is ever touched; it reports a bitmask through a pipe, and
 * the parent waits for it a bounded time.
 *
 * A fork (not unshare and setns back in the caller) because a probe
 * that failed halfway must never leave the caller in the throwaway
 * namespace. It costs a fork once per process: the answer is kept
 * (what a kernel can do does not change under a running process in a
 * way apply cares for), and without CAP_SYS_ADMIN, which the child's
 * unshare needs, capget(2) says so without forking at all. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <net/if.h>
#include <netinet/in.h>

#include <linux/rtnetlink.h>

#include "shape_tc_int.h"

#define CAPS_WAIT_MS 5000
#define CAP_HTB      0x01u
#define CAP_INGRESS  0x02u
#define CAP_IFB      0x04u
#define CAP_U32      0x08u
#define CAP_MIRRED   0x10u
#define CAP_FQ_CODEL 0x20u

struct caps_msg {
	int err;         /* 0, or the errno that stopped the probe */
	unsigned mask;
};

/* Whether the kernel accepts every message of op. */
static bool try_op(struct nl_sock *s, const struct shape_op *op, int ifx, int peer)
{
	struct nl_batch *b = NULL;
	bool ok = false;

	if (nl_batch_new(s, &b) < 0)
		return false;
	if (shape_tc_encode(b, op, ifx, peer, NULL) > 0)
		ok = nl_batch_commit(b, NULL, NULL) == 0;
	nl_batch_free(b);
	return ok;
}

static struct shape_op probe_op(enum shape_op_kind kind, const struct shape_tree *t)
{
	struct shape_op op;

	memset(&op, 0, sizeof(op));
	op.kind = kind;
	snprintf(op.dev, sizeof(op.dev), "lo");
	op.tree = t;
	return op;
}

static unsigned probe(struct nl_sock *s)
{
	struct shape_tree pf = { .defcls = SHAPE_MINOR_BUSINESS, .leaf = SHAPE_LEAF_PFIFO };
	struct shape_tree fq = pf;
	struct shape_op op;
	unsigned m = 0;
	int ifb;

	fq.leaf = SHAPE_LEAF_FQ_CODEL;
	op = probe_op(SHAPE_OP_QDISC_ROOT, &pf);
	if (try_op(s, &op, 1, 0)) {
		/* Two classes of 1 Mbit/s: one for each leaf kind. */
		bool classes = true;

		for (uint32_t minor = 1; minor <= 2; minor++) {
			op = probe_op(SHAPE_OP_CLASS_ADD, &pf);
			op.cls = (struct shape_class){ .classid = SHAPE_HANDLE(minor),
				.parent = SHAPE_HANDLE(0), .rate = 125000, .ceil = 125000,
				.burst = 3000, .cburst = 3000, .quantum = 1514,
				.leaf_handle = minor << 16, .leaf_limit = 10 };
			classes = classes && try_op(s, &op, 1, 0);
		}
		op.kind = SHAPE_OP_LEAF;
		op.cls.classid = SHAPE_HANDLE(1);
		op.cls.leaf_handle = 1u << 16;
		if (classes && try_op(s, &op, 1, 0))
			m |= CAP_HTB;
		op.tree = &fq;
		op.cls.classid = SHAPE_HANDLE(2);
		op.cls.leaf_handle = 2u << 16;
		op.cls.leaf_limit = 0;
		if (classes && try_op(s, &op, 1, 0))
			m |= CAP_FQ_CODEL;
		op = probe_op(SHAPE_OP_FILTER, &pf);
		op.filter = (struct shape_u32){ .pref = SHAPE_PREF_CLASSIFY, .family = AF_INET,
			.classid = SHAPE_HANDLE(1), .ipproto = IPPROTO_TCP, .has_dport = true,
			.port = 6881, .port_mask = 0xffff };
		if (try_op(s, &op, 1, 0))
			m |= CAP_U32;
	}
	op = probe_op(SHAPE_OP_INGRESS_ADD, &pf);
	if (try_op(s, &op, 1, 0))
		m |= CAP_INGRESS;
	op = probe_op(SHAPE_OP_IFB_ADD, &pf);
	snprintf(op.dev, sizeof(op.dev), "ifb-probe");
	snprintf(op.peer, sizeof(op.peer), "lo");
	if (try_op(s, &op, 0, 0))
		m |= CAP_IFB;
	ifb = (int)if_nametoindex("ifb-probe");
	op = probe_op(SHAPE_OP_REDIRECT, &pf);
	snprintf(op.peer, sizeof(op.peer), "%s", ifb ? "ifb-probe" : "lo");
	/* The target only has to exist: without an IFB, lo itself. */
	if ((m & CAP_INGRESS) && try_op(s, &op, 1, ifb ? ifb : 1))
		m |= CAP_MIRRED;
	return m;
}

static void child(int fd)
{
	struct caps_msg r = { 0 };
	struct nl_sock *s = NULL;

	if (unshare(CLONE_NEWNET) < 0)
		r.err = errno;
	else if ((r.err = -nl_open(NETLINK_ROUTE, 0, &s)) == 0)
		r.mask = probe(s);
	nl_close(s);
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

/* The child's report, waiting at most CAPS_WAIT_MS. */
static int collect(int fd, pid_t pid, struct caps_msg *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = -1;
	int rc;

	do
		rc = poll(&p, 1, CAPS_WAIT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc > 0)
		n = read(fd, r, sizeof(*r));
	if (rc <= 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (rc == 0)
		return -ETIMEDOUT;
	return n == (ssize_t)sizeof(*r) ? 0 : -EIO;
}

/* The first successful probe of this process. */
static struct shape_caps probed;

/* Whether this process has CAP_SYS_ADMIN in its effective set (in its
 * own user namespace: what unshare(CLONE_NEWNET) checks). Unsure
 * (capget refused): yes, and the child finds out. */
static bool may_unshare(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return true;
	return d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN);
}

int shape_caps_probe(struct shape_caps *caps)
{
	struct caps_msg r = { 0 };
	int fds[2], rc;
	pid_t pid;

	if (probed.probed) {
		*caps = probed;
		return 0;
	}
	memset(caps, 0, sizeof(*caps));
	if (!may_unshare())
		return -EPERM;
	if (pipe(fds) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1]);
	}
	close(fds[1]);
	rc = collect(fds[0], pid, &r);
	close(fds[0]);
	if (rc < 0)
		return rc;
	if (r.err)
		return r.err == EPERM ? -EPERM : -r.err;
	caps->probed = true;
	caps->htb = r.mask & CAP_HTB;
	caps->ingress = r.mask & CAP_INGRESS;
	caps->ifb = r.mask & CAP_IFB;
	caps->u32 = r.mask & CAP_U32;
	caps->mirred = r.mask & CAP_MIRRED;
	caps->fq_codel = r.mask & CAP_FQ_CODEL;
	probed = *caps;
	return 0;
}

void shape_caps_missing(const struct shape_caps *caps, char *buf, size_t len)
{
	const struct {
		bool have;
		const char *name;
	} k[] = {
		{ caps->htb, "htb" }, { caps->ingress, "ingress" }, { caps->ifb, "ifb" },
		{ caps->u32, "u32" }, { caps->mirred, "mirred" }, { caps->fq_codel, "fq_codel" },
	};
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	if (!caps->probed)
		return;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		int n;

		if (k[i].have || off >= len)
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", k[i].name);
		if (n > 0)
			off += (size_t)n;
	}
}
