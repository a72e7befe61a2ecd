probes_libopprobe_a_SOURCES += probes/probe_ping.c
