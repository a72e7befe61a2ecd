probes_libopprobe_a_SOURCES += probes/probe_trace.c
