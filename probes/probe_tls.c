/* probe_tls.c: placeholder until the tls probe lands. */
#include "config.h"

#include <errno.h>

#include "probe.h"

static int start(struct probe_job *j)
{
	probe_job_error(j, "the tls probe is not built yet");
	return -ENOSYS;
}

static void stop(struct probe_job *j)
{
	(void)j;
}

const struct probe_type_ops probe_tls_ops = { .name = "tls", .start = start, .stop = stop };
