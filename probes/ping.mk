# probes/ping.mk: the ICMP echo engine (outpost-probe ping), its tests,
# tools, fuzz harness and benchmark.
probes_libopprobe_a_SOURCES += \
	probes/icmp.h probes/icmp_parse.c probes/icmp_sock.c \
	probes/ping_int.h probes/probe_ping.c probes/ping_rx.c probes/ping_table.c \
	probes/ping_report.c

# The packet builder and reply parser, table-driven.
check_PROGRAMS += tests/unit/test-icmp-parse
TESTS += tests/unit/test-icmp-parse
tests_unit_test_icmp_parse_SOURCES = tests/unit/test-icmp-parse.c tests/tap.h
tests_unit_test_icmp_parse_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_icmp_parse_LDADD = $(LIBOPPROBE)

# Replies, errors and error-queue requests of any bytes.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-icmp
fuzz_harnesses += tests/fuzz/fuzz-icmp
tests_fuzz_fuzz_icmp_SOURCES = tests/fuzz/fuzz-icmp.c
tests_fuzz_fuzz_icmp_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_fuzz_fuzz_icmp_LDADD = $(LIBOPPROBE)
tests_fuzz_fuzz_icmp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-icmp

# Integration tests in namespaces (root), and the injector they use.
ping_tests = tests/probes/ping-many.sh tests/probes/ping-accuracy.sh \
	tests/probes/ping-input.sh tests/probes/ping-cookie.sh tests/probes/ping-unpriv.sh
TESTS += $(ping_tests)
dist_check_SCRIPTS += $(ping_tests)
EXTRA_DIST += tests/probes/ping-lib.sh tests/tools/icmp-inject.py

# make bench: 10,000 targets against fping -C 3, and RTT medians.
bench_scripts += tests/bench/ping-10k.sh
