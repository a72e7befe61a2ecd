/* priv.c: drop root to the configured user, keeping named capabilities.
 *
 * The order is the whole point: the bounding set can only be trimmed while
 * CAP_SETPCAP is effective, i.e. before the uid change; PR_SET_KEEPCAPS keeps
 * the permitted set across setresuid (which empties the effective set); the
 * final cap_set_proc then narrows permitted to exactly the kept set. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "priv.h"

struct priv_user {
	char *name;	/* NULL: numeric uid without a passwd entry */
	uid_t uid;
	gid_t gid;
};

static bool priv_kept(cap_value_t cap, const cap_value_t *keep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == cap)
			return true;
	return false;
}

/* Parse a decimal uid; false when s is not all digits or out of range. */
static bool priv_parse_uid(const char *s, uid_t *uid)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v >= (uid_t)-1)
		return false;
	*uid = (uid_t)v;
	return true;
}

/* Look up user by name or numeric uid; 0, -ESRCH or -errno. */
static int priv_lookup(const char *user, struct priv_user *pu)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	size_t bufsz = 1024;
	uid_t uid;
	bool numeric = priv_parse_uid(user, &uid);
	int r;

	for (;;) {
		char *nbuf = realloc(buf, bufsz);

		if (nbuf == NULL) {
			r = -ENOMEM;
			goto out;
		}
		buf = nbuf;
		if (numeric)
			r = getpwuid_r(uid, &pw, buf, bufsz, &res);
		else
			r = getpwnam_r(user, &pw, buf, bufsz, &res);
		if (r != ERANGE || bufsz > (1 << 20))
			break;
		bufsz *= 2;
	}
	if (res == NULL) {
		/* getpw*_r(3) lists these as "not found" too. */
		if (r != 0 && r != ENOENT && r != ESRCH && r != EBADF && r != EPERM) {
			r = -r;
			goto out;
		}
		if (!numeric) {
			r = -ESRCH;
			goto out;
		}
		/* A bare uid (e.g. from a container's id map): its own gid,
		 * no supplementary groups. */
		*pu = (struct priv_user){ .uid = uid, .gid = (gid_t)uid };
		r = 0;
		goto out;
	}
	pu->name = strdup(pw.pw_name);
	if (pu->name == NULL) {
		r = -ENOMEM;
		goto out;
	}
	pu->uid = pw.pw_uid;
	pu->gid = pw.pw_gid;
	r = 0;
out:
	free(buf);
	return r;
}

int priv_user_ids(const char *user, uid_t *uid, gid_t *gid)
{
	struct priv_user pu = { 0 };
	int r;

	if (user == NULL || *user == '\0')
		return -EINVAL;
	r = priv_lookup(user, &pu);
	if (r < 0)
		return r;
	*uid = pu.uid;
	*gid = pu.gid;
	free(pu.name);
	return 0;
}

/* Remove every capability not in keep from the bounding set; needs
 * CAP_SETPCAP in the effective set. */
static int priv_trim_bounding(const cap_value_t *keep, size_t n)
{
	cap_value_t max = (cap_value_t)cap_max_bits();

	for (cap_value_t c = 0; c < max; c++) {
		if (priv_kept(c, keep, n) || CAP_IS_SUPPORTED(c) == 0)
			continue;
		if (cap_get_bound(c) == 1 && cap_drop_bound(c) < 0)
			return -errno;
	}
	return 0;
}

/* Set permitted to keep (intersected with have, if non-NULL), effective
 * and inheritable to nothing. */
static int priv_set_caps(const cap_value_t *keep, size_t n, cap_t have)
{
	cap_t caps = cap_init();
	int r = 0;

	if (caps == NULL)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		cap_flag_value_t v = CAP_SET;

		if (have != NULL && cap_get_flag(have, keep[i], CAP_PERMITTED, &v) < 0) {
			r = -errno;
			goto out;
		}
		if (v == CAP_SET && cap_set_flag(caps, CAP_PERMITTED, 1, &keep[i], CAP_SET) < 0) {
			r = -errno;
			goto out;
		}
	}
	if (cap_set_proc(caps) < 0)
		r = -errno;
out:
	cap_free(caps);
	return r;
}

/* Make CAP_SETPCAP effective if it is permitted; false if it is not. */
static bool priv_setpcap_effective(void)
{
	cap_value_t c = CAP_SETPCAP;
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();
	bool ok = false;

	if (caps == NULL)
		return false;
	if (cap_get_flag(caps, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET &&
	    cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_SET) == 0 &&
	    cap_set_proc(caps) == 0)
		ok = true;
	cap_free(caps);
	return ok;
}

/* Switch to user keeping exactly keep[0..n) in the permitted set. */
int priv_drop(const char *user, const cap_value_t *keep, size_t n)
{
	struct priv_user pu = { 0 };
	bool become = user != NULL && geteuid() == 0;
	cap_t have = NULL;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || keep[i] >= (cap_value_t)cap_max_bits()) {
			r = -EINVAL;
			goto out;
		}
	}
	/* Resolve first: an unknown user must leave the process untouched. */
	if (become) {
		r = priv_lookup(user, &pu);
		if (r < 0)
			goto out;
	}
	if (!become) {
		/* Without root we can only give up what we hold. */
		have = cap_get_proc();
		if (have == NULL) {
			r = -errno;
			goto out;
		}
	}

	if (priv_setpcap_effective()) {
		r = priv_trim_bounding(keep, n);
		if (r < 0)
			goto out;
	}
	/* Ambient capabilities would survive execve; none are wanted.
	 * Old kernels without ambient support answer EINVAL. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		r = -errno;
		goto out;
	}

	if (become) {
		if (pu.name != NULL)
			r = initgroups(pu.name, pu.gid);
		else
			r = setgroups(0, NULL);
		if (r < 0) {
			r = -errno;
			goto out;
		}
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
		    setresgid(pu.gid, pu.gid, pu.gid) < 0 ||
		    setresuid(pu.uid, pu.uid, pu.uid) < 0) {
			r = -errno;
			goto out;
		}
		/* Trust but verify: a half-done switch must not go unnoticed. */
		if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
		    ru != pu.uid || eu != pu.uid || su != pu.uid ||
		    rg != pu.gid || eg != pu.gid || sg != pu.gid) {
			r = -EPERM;
			goto out;
		}
	}

	r = priv_set_caps(keep, n, have);
	if (r < 0)
		goto out;
	if (become && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		r = -errno;
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
out:
	cap_free(have);
	free(pu.name);
	return r;
}

static int priv_set_effective(cap_value_t cap, cap_flag_value_t val)
{
	cap_flag_value_t permitted = CAP_CLEAR;
	cap_t caps;
	int r = 0;

	if (cap < 0 || cap >= (cap_value_t)cap_max_bits())
		return -EINVAL;
	caps = cap_get_proc();
	if (caps == NULL)
		return -errno;
	if (cap_get_flag(caps, cap, CAP_PERMITTED, &permitted) < 0) {
		r = -errno;
		goto out;
	}
	if (val == CAP_SET && permitted != CAP_SET) {
		r = -EPERM;
		goto out;
	}
	if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, val) < 0 ||
	    cap_set_proc(caps) < 0)
		r = -errno;
out:
	cap_free(caps);
	return r;
}

/* Make a kept capability effective; 0 or -errno (-EPERM if not permitted). */
int priv_raise(cap_value_t cap)
{
	return priv_set_effective(cap, CAP_SET);
}

/* Make it ineffective again; 0 or -errno. */
int priv_lower(cap_value_t cap)
{
	return priv_set_effective(cap, CAP_CLEAR);
}

/* Human name of a capability ("cap_net_raw"). The result lives in a static
 * buffer overwritten by the next call: not thread-safe. */
const char *priv_cap_name(cap_value_t cap)
{
	static char buf[64];
	char *name = cap_to_name(cap);

	if (name == NULL) {
		snprintf(buf, sizeof(buf), "cap_%d", (int)cap);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s", name);
	cap_free(name);
	return buf;
}
