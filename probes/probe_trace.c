/* probe_trace.c: placeholder until the trace probe lands. */
#include "config.h"

#include <errno.h>

#include "probe.h"

static int start(struct probe_job *j)
{
	probe_job_error(j, "the trace probe is not built yet");
	return -ENOSYS;
}

static void stop(struct probe_job *j)
{
	(void)j;
}

const struct probe_type_ops probe_trace_ops = { .name = "trace", .start = start, .stop = stop };
