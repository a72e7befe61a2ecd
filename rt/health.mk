# rt/ health fragment: a line's health through the probe engine
# (rt_health.h), appended to librt.a.
rt_librt_a_SOURCES += rt/rt_health.c

# The tracker's logic; its rounds on lo in a namespace of its own (root).
check_PROGRAMS += tests/unit/test-rt-health
TESTS += tests/unit/test-rt-health
tests_unit_test_rt_health_SOURCES = tests/unit/test-rt-health.c tests/tap.h
tests_unit_test_rt_health_CPPFLAGS = $(RT_CPPFLAGS)
tests_unit_test_rt_health_LDADD = $(LIBRT) $(LIBOPPROBE)

# The tests' driver: one line's tracker without the daemon (rt-health-*.sh).
check_PROGRAMS += tests/tools/rt-health-run
tests_tools_rt_health_run_SOURCES = tests/tools/rt-health-run.c
tests_tools_rt_health_run_CPPFLAGS = $(RT_CPPFLAGS)
tests_tools_rt_health_run_LDADD = $(LIBRT) $(LIBOPPROBE)

# Integration (root, namespaces of rt-lib.sh): icmp and tcp tracks.
rt_health_tests = tests/rt/health-icmp.sh tests/rt/health-tcp.sh tests/rt/health-caps.sh
dist_check_SCRIPTS += $(rt_health_tests) tests/rt/health-lib.sh
TESTS += $(rt_health_tests)
