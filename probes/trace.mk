# probes/trace.mk: the traceroute probe (outpost-probe trace), its unit
# tests, integration tests and fuzz harness.
probes_libopprobe_a_SOURCES += probes/probe_trace.c probes/trace.h \
	probes/trace_parse.c probes/trace_round.c probes/trace_send.c probes/trace_recverr.c \
	probes/trace_report.c

check_PROGRAMS += tests/unit/test-trace-parse tests/unit/test-trace-job
TESTS += tests/unit/test-trace-parse tests/unit/test-trace-job
tests_unit_test_trace_parse_SOURCES = tests/unit/test-trace-parse.c tests/tap.h
tests_unit_test_trace_parse_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_trace_parse_LDADD = $(LIBOPPROBE)
tests_unit_test_trace_job_SOURCES = tests/unit/test-trace-job.c tests/tap.h
tests_unit_test_trace_job_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_trace_job_LDADD = $(LIBOPPROBE)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-trace
fuzz_harnesses += tests/fuzz/fuzz-trace
tests_fuzz_fuzz_trace_SOURCES = tests/fuzz/fuzz-trace.c
tests_fuzz_fuzz_trace_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_fuzz_fuzz_trace_LDADD = $(LIBOPPROBE)
tests_fuzz_fuzz_trace_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-trace

# Integration tests (root): a chain of router namespaces.
trace_tests = tests/probes/trace-methods.sh tests/probes/trace-paris.sh \
	tests/probes/trace-silent.sh tests/probes/trace-responders.sh tests/probes/trace-rtt.sh
TESTS += $(trace_tests)
dist_check_SCRIPTS += $(trace_tests)
EXTRA_DIST += tests/probes/trace-lib.bash tests/probes/trace-pcap.py
