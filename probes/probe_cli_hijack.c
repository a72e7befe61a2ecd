/* probe_cli_hijack.c: the hijack type's options into the spec.
 *
 * Apart from probe_cli.c so the other types' option lines stay theirs;
 * checked here once, with the same kind of message as every option. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hijack.h"
#include "probe_cli.h"

static int refuse(char *err, size_t errlen, const char *opt, const char *arg, const char *what)
{
	snprintf(err, errlen, "%s: '%s' %s", opt, arg, what);
	return -EINVAL;
}

/* A host name or an address with an optional port, as @SERVER takes it. */
static bool server_ok(const char *s, size_t max)
{
	return *s && strlen(s) < max && !strpbrk(s, " \t\n/#@");
}

/* Store one of --ref, --dot, --nx-domain, --not-bogon. */
int probe_cli_hijack_option(struct probe_spec *s, int which, const char *arg, char *err,
    size_t errlen)
{
	struct probe_hijack_prefix p;

	switch (which) {
	case 0:
		if (arg[0] != '@' || !server_ok(arg + 1, sizeof(s->hijack_ref[0])))
			return refuse(err, errlen, "--ref", arg,
			    "is not @ADDRESS[:PORT] or @[IPV6]:PORT");
		if (s->n_hijack_ref >= PROBE_HIJACK_MAX_REFS)
			return refuse(err, errlen, "--ref", arg, "is one too many (at most 8)");
		snprintf(s->hijack_ref[s->n_hijack_ref++], sizeof(s->hijack_ref[0]), "%s", arg + 1);
		return 0;
	case 1: {
		const char *name = strchr(arg, '#');
		size_t hl = name ? (size_t)(name - arg) : strlen(arg);
		char host[sizeof(s->hijack_ref[0])];

		if (hl == 0 || hl >= sizeof(host) || (name && (!name[1] || strlen(name + 1) > 253 ||
		    strpbrk(name + 1, " \t\n/#@"))))
			return refuse(err, errlen, "--dot", arg, "is not HOST[:PORT][#TLS-NAME]");
		memcpy(host, arg, hl);
		host[hl] = '\0';
		if (!server_ok(host, sizeof(host)))
			return refuse(err, errlen, "--dot", arg, "is not HOST[:PORT][#TLS-NAME]");
		if (s->n_hijack_dot >= PROBE_HIJACK_MAX_DOTS)
			return refuse(err, errlen, "--dot", arg, "is one too many (at most 4)");
		snprintf(s->hijack_dot[s->n_hijack_dot++], sizeof(s->hijack_dot[0]), "%s", arg);
		return 0;
	}
	case 2:
		if (!*arg || strlen(arg) >= sizeof(s->hijack_nx_domain) ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") !=
		    strlen(arg) || arg[0] == '.' || strstr(arg, ".."))
			return refuse(err, errlen, "--nx-domain", arg, "is not a domain name");
		snprintf(s->hijack_nx_domain, sizeof(s->hijack_nx_domain), "%s", arg);
		return 0;
	case 3:
		if (strlen(arg) >= sizeof(s->hijack_not_bogon[0]) ||
		    probe_hijack_prefix_parse(arg, &p) < 0)
			return refuse(err, errlen, "--not-bogon", arg,
			    "is not an address or PREFIX/LENGTH");
		if (s->n_hijack_not_bogon >= PROBE_HIJACK_MAX_EXEMPT)
			return refuse(err, errlen, "--not-bogon", arg, "is one too many (at most 16)");
		snprintf(s->hijack_not_bogon[s->n_hijack_not_bogon++], sizeof(s->hijack_not_bogon[0]),
		    "%s", arg);
		return 0;
	}
	return -EINVAL;
}
