/* probe_http.c: placeholder until the http probe lands. */
#include "config.h"

#include <errno.h>

#include "probe.h"

static int start(struct probe_job *j)
{
	probe_job_error(j, "the http probe is not built yet");
	return -ENOSYS;
}

static void stop(struct probe_job *j)
{
	(void)j;
}

const struct probe_type_ops probe_http_ops = { .name = "http", .start = start, .stop = stop };
