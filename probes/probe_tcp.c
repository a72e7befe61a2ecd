/* probe_tcp.c: placeholder until the tcp probe lands. */
#include "config.h"

#include <errno.h>

#include "probe.h"

static int start(struct probe_job *j)
{
	probe_job_error(j, "the tcp probe is not built yet");
	return -ENOSYS;
}

static void stop(struct probe_job *j)
{
	(void)j;
}

const struct probe_type_ops probe_tcp_ops = { .name = "tcp", .start = start, .stop = stop };
