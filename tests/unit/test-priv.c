/* test-priv.c: dropping root and keeping capabilities, checked against
 * what the kernel reports in /proc/self/status.
 *
 * Every drop happens in a fork()ed child (it cannot be undone); the child
 * sends its results to the parent over a pipe, the parent prints TAP. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv.h"
#include "../tap.h"

/* ---- child -> parent reporting ---- */

struct report {
	int ok;
	char name[240];
};

static int report_fd = -1;

__attribute__((format(printf, 2, 3)))
static void check(int cond, const char *fmt, ...)
{
	struct report rep = { .ok = cond != 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep.name, sizeof(rep.name), fmt, ap);
	va_end(ap);
	if (write(report_fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(3);
}

/* Run fn in a child; print one TAP line per check it made. */
static void in_child(const char *what, void (*fn)(void))
{
	struct report rep;
	int p[2], status, got = 0;
	pid_t pid;

	if (pipe(p) < 0)
		bail_out("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		fn();
		/* _exit: no atexit/LSan run in a process that dropped root. */
		_exit(0);
	}
	close(p[1]);
	while (read(p[0], &rep, sizeof(rep)) == sizeof(rep)) {
		rep.name[sizeof(rep.name) - 1] = '\0';
		ok(rep.ok, "%s: %s", what, rep.name);
		got++;
	}
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		bail_out("waitpid: %s", strerror(errno));
	ok(got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "%s: child reported %d checks and exited cleanly (status 0x%x)", what, got, status);
}

/* ---- /proc/self/status ---- */

struct status {
	unsigned uid[4], gid[4];
	uint64_t inh, prm, eff, bnd, amb;
	int nnp;
	char groups[512];
};

static int read_status(struct status *st)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	int found = 0;

	if (f == NULL)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->nnp = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		found += sscanf(line, "Uid: %u %u %u %u", &st->uid[0], &st->uid[1], &st->uid[2], &st->uid[3]) == 4;
		found += sscanf(line, "Gid: %u %u %u %u", &st->gid[0], &st->gid[1], &st->gid[2], &st->gid[3]) == 4;
		found += sscanf(line, "CapInh: %" SCNx64, &st->inh) == 1;
		found += sscanf(line, "CapPrm: %" SCNx64, &st->prm) == 1;
		found += sscanf(line, "CapEff: %" SCNx64, &st->eff) == 1;
		found += sscanf(line, "CapBnd: %" SCNx64, &st->bnd) == 1;
		found += sscanf(line, "CapAmb: %" SCNx64, &st->amb) == 1;
		found += sscanf(line, "NoNewPrivs: %d", &st->nnp) == 1;
		if (strncmp(line, "Groups:", 7) == 0) {
			snprintf(st->groups, sizeof(st->groups), "%s", line + 7 + strspn(line + 7, " \t"));
			st->groups[strcspn(st->groups, "\n")] = '\0';
			found++;
		}
	}
	fclose(f);
	return found == 9 ? 0 : -EINVAL;
}

static bool all4(const unsigned v[4], unsigned want)
{
	return v[0] == want && v[1] == want && v[2] == want && v[3] == want;
}

/* Is gid listed in a "Groups:" line? */
static bool has_group(const char *groups, unsigned gid)
{
	const char *p = groups;

	while (*p) {
		char *end;
		unsigned long g = strtoul(p, &end, 10);

		if (end == p) {
			p++;
			continue;
		}
		if (g == gid)
			return true;
		p = end;
	}
	return false;
}

#define BIT(c) (UINT64_C(1) << (c))

static bool raw_socket_works(int *err)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

	*err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* ---- scenarios (run in children) ---- */

static void drop_to_nobody(void)
{
	static const cap_value_t keep[] = { CAP_NET_RAW, CAP_NET_ADMIN };
	struct passwd *pw = getpwnam("nobody");
	struct status before, st;
	uint64_t want;
	bool works;
	int r, err;

	if (pw == NULL || read_status(&before) < 0) {
		check(0, "user nobody and /proc/self/status exist");
		return;
	}
	want = (BIT(CAP_NET_RAW) | BIT(CAP_NET_ADMIN)) & before.bnd;
	r = priv_drop("nobody", keep, 2);
	check(r == 0, "priv_drop(\"nobody\", net_raw+net_admin) = %d", r);
	if (read_status(&st) < 0) {
		check(0, "read /proc/self/status");
		return;
	}
	check(all4(st.uid, pw->pw_uid), "Uid is nobody's (%u %u %u %u)", st.uid[0], st.uid[1], st.uid[2], st.uid[3]);
	check(all4(st.gid, pw->pw_gid), "Gid is nobody's (%u %u %u %u)", st.gid[0], st.gid[1], st.gid[2], st.gid[3]);
	check(!has_group(st.groups, 0), "root's group is gone from Groups (%s)", st.groups);
	check(st.eff == 0, "CapEff is empty (%016" PRIx64 ")", st.eff);
	check(st.prm == want, "CapPrm is exactly net_raw+net_admin (%016" PRIx64 ")", st.prm);
	check(st.bnd == want, "CapBnd is exactly net_raw+net_admin (%016" PRIx64 ")", st.bnd);
	check(st.inh == 0, "CapInh is empty (%016" PRIx64 ")", st.inh);
	check(st.amb == 0, "CapAmb is empty (%016" PRIx64 ")", st.amb);
	check(st.nnp == 1, "NoNewPrivs is 1 (%d)", st.nnp);
	works = raw_socket_works(&err);
	check(!works && err == EPERM, "raw socket refused before priv_raise (%s)", strerror(err));

	r = priv_raise(CAP_NET_RAW);
	check(r == 0, "priv_raise(CAP_NET_RAW) = %d", r);
	read_status(&st);
	check(st.eff == BIT(CAP_NET_RAW), "CapEff is net_raw after raise (%016" PRIx64 ")", st.eff);
	works = raw_socket_works(&err);
	check(works, "raw ICMP socket opens after raise (%s)", works ? "ok" : strerror(err));
	r = priv_lower(CAP_NET_RAW);
	check(r == 0, "priv_lower(CAP_NET_RAW) = %d", r);
	read_status(&st);
	check(st.eff == 0, "CapEff is empty after lower (%016" PRIx64 ")", st.eff);
	works = raw_socket_works(&err);
	check(!works && err == EPERM, "raw socket refused after lower (%s)", strerror(err));
	r = priv_raise(CAP_SYS_ADMIN);
	check(r == -EPERM, "priv_raise of a cap not kept = %d (want -EPERM)", r);
	check(setuid(0) < 0 && errno == EPERM, "setuid(0) fails: root is not coming back");
	read_status(&st);
	check(st.prm == want, "CapPrm unchanged by the failed raise (%016" PRIx64 ")", st.prm);
}

static void unknown_user(void)
{
	static const cap_value_t keep[] = { CAP_NET_RAW };
	struct status before, st;
	int r;

	read_status(&before);
	r = priv_drop("no-such-user-outpost-test", keep, 1);
	check(r == -ESRCH, "priv_drop(unknown user) = %d (want -ESRCH)", r);
	read_status(&st);
	check(all4(st.uid, 0) && st.prm == before.prm && st.bnd == before.bnd && st.nnp == 0,
	      "an unknown user leaves the process untouched");
}

static void numeric_uid_no_caps(void)
{
	struct status st;
	int r = priv_drop("65534", NULL, 0);

	check(r == 0, "priv_drop(\"65534\", none) = %d", r);
	read_status(&st);
	check(all4(st.uid, 65534), "Uid is 65534 (%u)", st.uid[0]);
	check(st.prm == 0 && st.eff == 0 && st.bnd == 0,
	      "no capabilities left anywhere (prm %" PRIx64 " eff %" PRIx64 " bnd %" PRIx64 ")",
	      st.prm, st.eff, st.bnd);
}

static void narrow_only(void)
{
	static const cap_value_t keep[] = { CAP_NET_RAW };
	struct status st;
	int r = priv_drop(NULL, keep, 1);

	check(r == 0, "priv_drop(NULL, net_raw) = %d", r);
	read_status(&st);
	check(all4(st.uid, 0), "user NULL keeps uid 0");
	check(st.prm == BIT(CAP_NET_RAW) && st.eff == 0 && st.bnd == BIT(CAP_NET_RAW),
	      "only net_raw permitted and bounding, none effective (prm %" PRIx64 " bnd %" PRIx64 ")",
	      st.prm, st.bnd);
	check(st.nnp == 1, "NoNewPrivs is 1");
}

static void non_root_narrows(void)
{
	static const cap_value_t two[] = { CAP_NET_RAW, CAP_NET_ADMIN };
	static const cap_value_t raw[] = { CAP_NET_RAW };
	static const cap_value_t sysadmin[] = { CAP_SYS_ADMIN };
	struct status st;
	int r;

	r = priv_drop("nobody", two, 2);
	check(r == 0, "priv_drop(\"nobody\", net_raw+net_admin) = %d", r);
	r = priv_drop("root", raw, 1);
	check(r == 0, "a second priv_drop as non-root only narrows, even naming root = %d", r);
	read_status(&st);
	check(all4(st.uid, 65534), "still nobody (%u)", st.uid[0]);
	check(st.prm == BIT(CAP_NET_RAW) && st.eff == 0, "permitted narrowed to net_raw (%016" PRIx64 ")", st.prm);
	r = priv_drop(NULL, sysadmin, 1);
	check(r == 0, "asking to keep a cap not held is not an error = %d", r);
	read_status(&st);
	check(st.prm == 0, "but the cap is not invented (prm %016" PRIx64 ")", st.prm);
	r = priv_raise(CAP_SYS_ADMIN);
	check(r == -EPERM, "priv_raise without the cap = %d (want -EPERM)", r);
}

static void bad_cap(void)
{
	static const cap_value_t keep[] = { 4000 };
	int r = priv_drop("nobody", keep, 1);

	check(r == -EINVAL, "priv_drop with an out-of-range cap = %d (want -EINVAL)", r);
	check(getuid() == 0, "and nothing changed");
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} root_cases[] = {
		{ "drop to nobody", drop_to_nobody },
		{ "unknown user", unknown_user },
		{ "numeric uid", numeric_uid_no_caps },
		{ "narrow only", narrow_only },
		{ "non-root narrows", non_root_narrows },
		{ "bad cap", bad_cap },
	};
	const char *req = getenv("OUTPOST_REQUIRE_ROOT");

	is_str(priv_cap_name(CAP_NET_RAW), "cap_net_raw", "priv_cap_name(CAP_NET_RAW)");
	is_str(priv_cap_name(CAP_NET_ADMIN), "cap_net_admin", "priv_cap_name(CAP_NET_ADMIN)");
	is_int(priv_raise(-1), -EINVAL, "priv_raise(-1) = -EINVAL");

	for (size_t i = 0; i < sizeof(root_cases) / sizeof(root_cases[0]); i++) {
		if (geteuid() == 0)
			in_child(root_cases[i].name, root_cases[i].fn);
		else if (req != NULL && strcmp(req, "1") == 0)
			ok(0, "%s: needs root (OUTPOST_REQUIRE_ROOT=1)", root_cases[i].name);
		else
			skip(1, "needs root");
	}
	return done_testing();
}
