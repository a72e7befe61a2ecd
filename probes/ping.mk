# probes/ping.mk: the ICMP echo engine (outpost-probe ping), its tests,
# tools, fuzz harness and benchmark.
probes_libopprobe_a_SOURCES += \
	probes/icmp.h probes/icmp_parse.c probes/icmp_sock.c \
	probes/ping_int.h probes/probe_ping.c probes/ping_rx.c probes/ping_table.c \
	probes/ping_report.c
