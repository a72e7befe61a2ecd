/* hijack_inject_stub.c: the hook of check 2 (injection) until the inject
 * helper's probes/hijack_inject.c replaces it: that change deletes this
 * file from probes/hijack.mk. The check then reports "skipped". */
#include <config.h>

#include <errno.h>

#include "hijack.h"

/* Not built yet: the caller reports the check as skipped. */
int probe_hijack_inject_start(struct loop *l, const struct probe_spec *spec,
    const struct sockaddr *server, socklen_t server_len, const char *name, uint16_t qtype,
    probe_hijack_inject_cb cb, void *arg, struct probe_hijack_inject **out)
{
	(void)l, (void)spec, (void)server, (void)server_len, (void)name, (void)qtype;
	(void)cb, (void)arg;
	*out = NULL;
	return -ENOSYS;
}

/* Nothing to free: start never succeeds. */
void probe_hijack_inject_free(struct probe_hijack_inject *x)
{
	(void)x;
}
