# probes/ build fragment: the probe engine (libopprobe), which
# outpost-probe, outpost-probed and (later) outpost-routed link.  Each
# probe type's fragment (ping.mk, trace.mk, web.mk) appends its sources.
noinst_LIBRARIES += probes/libopprobe.a
probes_libopprobe_a_SOURCES = \
	probes/probe.h probes/probe_stats.h \
	probes/probe_job.c probes/probe_path.c probes/probe_stats.c \
	probes/probe_tcp.c
probes_libopprobe_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBCARES_CFLAGS)
PROBE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/probes -I$(top_srcdir)/rt -I$(top_srcdir)/tests
# Tools link this: the engine, then libop under it.
LIBOPPROBE = probes/libopprobe.a rt/librtline.a $(LIBOP) $(OPENSSL_LIBS) -lm

# [line]-bound paths (--via): needs the [line] helpers of rt/.
probes_libopprobe_a_SOURCES += probes/probe_via.c
probes_libopprobe_a_CPPFLAGS = $(PROBE_CPPFLAGS)
# The tcp probe.
probes_libopprobe_a_SOURCES += probes/probe_tcp.h probes/probe_tcp_report.c

# outpost-probe: the command line of every type (probe_cli*.c) and main.
bin_PROGRAMS += probes/outpost-probe
probe_cli_sources = probes/probe_cli.h probes/probe_cli.c probes/probe_cli_value.c \
	probes/probe_cli_limits.c
probes_outpost_probe_SOURCES = probes/outpost-probe.c $(probe_cli_sources)
probes_outpost_probe_CPPFLAGS = $(PROBE_CPPFLAGS)
probes_outpost_probe_LDADD = $(LIBOPSCHEMA) $(LIBOPPROBE)
dist_man_MANS += man/outpost-probe.1

# Unit tests: statistics, paths and lines, option parsing.
check_PROGRAMS += tests/unit/test-probe-stats tests/unit/test-probe-path tests/unit/test-probe-cli
TESTS += tests/unit/test-probe-stats tests/unit/test-probe-path tests/unit/test-probe-cli
tests_unit_test_probe_stats_SOURCES = tests/unit/test-probe-stats.c tests/tap.h
tests_unit_test_probe_stats_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_probe_stats_LDADD = $(LIBOPPROBE)
tests_unit_test_probe_path_SOURCES = tests/unit/test-probe-path.c tests/tap.h
tests_unit_test_probe_path_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_probe_path_LDADD = $(LIBOPSCHEMA) $(LIBOPPROBE)
check_PROGRAMS += tests/unit/test-probe-tcp
TESTS += tests/unit/test-probe-tcp
tests_unit_test_probe_tcp_SOURCES = tests/unit/test-probe-tcp.c tests/tap.h
tests_unit_test_probe_tcp_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_probe_tcp_LDADD = $(LIBOPPROBE)
tests_unit_test_probe_cli_SOURCES = tests/unit/test-probe-cli.c $(probe_cli_sources) tests/tap.h
tests_unit_test_probe_cli_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_probe_cli_LDADD = $(LIBOPSCHEMA) $(LIBOPPROBE)

# Integration (root, namespaces): tcp states, binding, refusals, spool.
probe_tests = tests/probes/tcp-states.sh tests/probes/bind-lines.sh \
	tests/probes/cli-refusals.sh tests/probes/publish.sh tests/probes/tcp-many.sh
dist_check_SCRIPTS += $(probe_tests) tests/probes/probe-lib.sh
TESTS += $(probe_tests)
