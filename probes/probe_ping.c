/* probe_ping.c: placeholder until the ping probe lands. */
#include "config.h"

#include <errno.h>

#include "probe.h"

static int start(struct probe_job *j)
{
	probe_job_error(j, "the ping probe is not built yet");
	return -ENOSYS;
}

static void stop(struct probe_job *j)
{
	(void)j;
}

const struct probe_type_ops probe_ping_ops = { .name = "ping", .start = start, .stop = stop };
