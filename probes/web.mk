probes_libopprobe_a_SOURCES += probes/probe_tls.c probes/probe_http.c
