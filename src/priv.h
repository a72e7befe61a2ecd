/* priv.h: drop root to the configured user, keeping named capabilities. */
#ifndef OUTPOST_PRIV_H
#define OUTPOST_PRIV_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/capability.h>

/* Switch to user (name or numeric uid; its primary group and supplementary
 * groups), keep exactly the capabilities in keep[0..n) in the permitted set
 * (not effective: raise them around the calls that need them), clear the
 * bounding and ambient sets of everything else and set no-new-privs.
 * With user NULL or when not running as root, only narrows capabilities:
 * permitted becomes keep intersected with what is held, and the bounding
 * set is trimmed only if CAP_SETPCAP is held. A numeric uid without a
 * passwd entry gets gid = uid and no supplementary groups. The user is
 * resolved before anything changes, so -ESRCH leaves the process as it was.
 * Returns 0 or -errno (-ESRCH: no such user; -EINVAL: bad cap in keep). */
int priv_drop(const char *user, const cap_value_t *keep, size_t n);

/* Look up user (name or numeric uid, as priv_drop takes it) without
 * changing anything: 0, -ESRCH (no such user) or -errno. */
int priv_user_ids(const char *user, uid_t *uid, gid_t *gid);

/* Make a kept capability effective; 0 or -errno (-EPERM if not permitted). */
int priv_raise(cap_value_t cap);

/* Make it ineffective again; 0 or -errno. */
int priv_lower(cap_value_t cap);

/* Human name of a capability ("cap_net_raw"); static storage overwritten
 * by the next call (not thread-safe). */
const char *priv_cap_name(cap_value_t cap);

#endif
