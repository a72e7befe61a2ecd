# probes/ hijack fragment: outpost-probe hijack (checks 1, 3, 4, 5 and the
# verdict), its unit test and scenario tests.
probes_libopprobe_a_SOURCES += \
	probes/hijack.h probes/hijack_bogon.c probes/hijack_verdict.c probes/hijack_dot.c

# Check 2's hook: the inject helper replaces this line with its
# probes/hijack_inject.c (and its own fragment).
probes_libopprobe_a_SOURCES += probes/hijack_inject_stub.c

# The bogon table, --not-bogon prefixes, the TTL rule and the verdict.
check_PROGRAMS += tests/unit/test-hijack
TESTS += tests/unit/test-hijack
tests_unit_test_hijack_SOURCES = tests/unit/test-hijack.c
tests_unit_test_hijack_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_hijack_LDADD = $(LIBOPPROBE)
