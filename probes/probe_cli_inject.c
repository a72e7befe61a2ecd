/* probe_cli_inject.c: the injection check's options of the hijack type
 * (--sink, --window) into the spec, apart so probe_cli.c keeps one line
 * per owner. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe_cli.h"

#define WINDOW_MAX_MS	60000

/* Store --sink ADDRESS (which 0) or --window DURATION (which 1). */
int probe_cli_inject_option(struct probe_spec *s, int which, const char *arg, char *err,
    size_t errlen)
{
	uint64_t ms;

	switch (which) {
	case 0:
		if (probe_cli_addr(arg, &s->inject_sink) < 0) {
			snprintf(err, errlen, "--sink: '%s' is not a numeric IPv4 or IPv6 address", arg);
			return -EINVAL;
		}
		return 0;
	case 1:
		if (probe_cli_duration(arg, &ms) < 0 || ms < 1 || ms > WINDOW_MAX_MS) {
			snprintf(err, errlen, "--window: '%s' is not a duration from 1ms to 60s", arg);
			return -EINVAL;
		}
		s->inject_window_ms = ms;
		return 0;
	}
	return -EINVAL;
}
