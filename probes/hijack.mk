# probes/ hijack fragment: outpost-probe hijack (checks 1, 3, 4, 5 and the
# verdict), its unit test and scenario tests.
probes_libopprobe_a_SOURCES += \
	probes/hijack.h probes/hijack_bogon.c probes/hijack_verdict.c probes/hijack_dot.c \
	probes/probe_cli_hijack.c probes/hijack_int.h probes/probe_hijack.c probes/hijack_ask.c \
	probes/hijack_checks.c probes/hijack_report.c

# The bogon table, --not-bogon prefixes, the TTL rule and the verdict.
check_PROGRAMS += tests/unit/test-hijack
TESTS += tests/unit/test-hijack
tests_unit_test_hijack_SOURCES = tests/unit/test-hijack.c
tests_unit_test_hijack_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_hijack_LDADD = $(LIBOPPROBE)

# The scenario matrix in the DNS world (root; inject's tests/probes/dns-world.sh).
hijack_tests = tests/probes/hijack-clean.sh tests/probes/hijack-scenarios.sh \
	tests/probes/hijack-conf.sh tests/probes/hijack-probed.sh
TESTS += $(hijack_tests)
dist_check_SCRIPTS += $(hijack_tests)
EXTRA_DIST += tests/probes/hijack-lib.sh

# The reading of resolver replies (untrusted bytes) into answer sets.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-hijack-reply
fuzz_harnesses += tests/fuzz/fuzz-hijack-reply
tests_fuzz_fuzz_hijack_reply_SOURCES = tests/fuzz/fuzz-hijack-reply.c
tests_fuzz_fuzz_hijack_reply_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_fuzz_fuzz_hijack_reply_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_hijack_reply_LDADD = $(LIBOPPROBE)
tests_fuzz_fuzz_hijack_reply_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-hijack-reply
