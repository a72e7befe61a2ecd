# probes/ inject fragment: check 2 of the hijack type (on-path injection,
# libpcap), its test driver, its frame parser's fuzz harness, the DNS test
# world and its tests.
probes_libopprobe_a_SOURCES += probes/hijack_inject.h probes/hijack_capture.c \
	probes/hijack_inject.c probes/hijack_inject_hook.c probes/probe_cli_inject.c
probes_libopprobe_a_CFLAGS += $(LIBPCAP_CFLAGS)
LIBOPPROBE += $(LIBPCAP_LIBS)

# The check alone on a loop, for the namespace tests.
check_PROGRAMS += tests/tools/inject-check
tests_tools_inject_check_SOURCES = tests/tools/inject-check.c
tests_tools_inject_check_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_tools_inject_check_LDADD = $(LIBOPPROBE)

# Forged, late, sink and malformed replies in namespaces (root).
inject_tests = tests/probes/hijack-inject.sh tests/probes/dns-world-check.sh
TESTS += $(inject_tests)
dist_check_SCRIPTS += $(inject_tests)
EXTRA_DIST += tests/probes/dns-world.sh tests/tools/dns-injector.py tests/tools/dns-liar.py

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-dns-capture
fuzz_harnesses += tests/fuzz/fuzz-dns-capture
tests_fuzz_fuzz_dns_capture_SOURCES = tests/fuzz/fuzz-dns-capture.c
tests_fuzz_fuzz_dns_capture_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_fuzz_fuzz_dns_capture_LDADD = $(LIBOPPROBE)
tests_fuzz_fuzz_dns_capture_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-dns-capture

# The frame parser, table-driven (every link type, every lying length).
check_PROGRAMS += tests/unit/test-hijack-capture
TESTS += tests/unit/test-hijack-capture
tests_unit_test_hijack_capture_SOURCES = tests/unit/test-hijack-capture.c tests/tap.h
tests_unit_test_hijack_capture_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_hijack_capture_LDADD = $(LIBOPPROBE)
