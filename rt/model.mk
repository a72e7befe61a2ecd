# rt/ model fragment: librt.a, what outpost-routed keeps in the kernel as
# plain data (rt.h): config model, desired state, difference, ip(8) text.
# The kernel part (kernel.mk) and health (health.mk) append to librt.a.
RT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/rt -I$(top_srcdir)/probes -I$(top_srcdir)/tests
noinst_LIBRARIES += rt/librt.a
rt_librt_a_SOURCES = rt/rt.h rt/rt_kernel.h rt/rt_health.h rt/rt_set.c rt/rt_obj.h rt/rt_obj.c \
	rt/rt_links.c rt/rt_config.c rt/rt_check.c rt/rt_desired.c rt/rt_diff.c rt/rt_format.c
rt_librt_a_CPPFLAGS = $(RT_CPPFLAGS)
rt_librt_a_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS) $(LIBCARES_CFLAGS) $(OPENSSL_CFLAGS)
# What links the routing code: the model, [line], netlink, libop.
LIBRT = rt/librt.a rt/librtline.a $(LIBOPNL) $(LIBOP)

# The model's unit tests: pure functions, the world of tests/rt/rt-lib.sh.
check_PROGRAMS += tests/unit/test-rt-model
TESTS += tests/unit/test-rt-model
tests_unit_test_rt_model_SOURCES = tests/unit/test-rt-model.c tests/unit/rt-world.h tests/tap.h
tests_unit_test_rt_model_CPPFLAGS = $(RT_CPPFLAGS)
tests_unit_test_rt_model_LDADD = $(LIBOPSCHEMA) $(LIBRT)

check_PROGRAMS += tests/unit/test-rt-desired
TESTS += tests/unit/test-rt-desired
tests_unit_test_rt_desired_SOURCES = tests/unit/test-rt-desired.c tests/unit/rt-world.h tests/tap.h
tests_unit_test_rt_desired_CPPFLAGS = $(RT_CPPFLAGS)
tests_unit_test_rt_desired_LDADD = $(LIBOPSCHEMA) $(LIBRT)

check_PROGRAMS += tests/unit/test-rt-diff
TESTS += tests/unit/test-rt-diff
tests_unit_test_rt_diff_SOURCES = tests/unit/test-rt-diff.c tests/unit/rt-world.h tests/tap.h
tests_unit_test_rt_diff_CPPFLAGS = $(RT_CPPFLAGS)
tests_unit_test_rt_diff_LDADD = $(LIBOPSCHEMA) $(LIBRT)

check_PROGRAMS += tests/unit/test-rt-format
TESTS += tests/unit/test-rt-format
tests_unit_test_rt_format_SOURCES = tests/unit/test-rt-format.c tests/unit/rt-world.h tests/tap.h
tests_unit_test_rt_format_CPPFLAGS = $(RT_CPPFLAGS)
tests_unit_test_rt_format_LDADD = $(LIBOPSCHEMA) $(LIBRT)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-rt-conf
fuzz_harnesses += tests/fuzz/fuzz-rt-conf
tests_fuzz_fuzz_rt_conf_SOURCES = tests/fuzz/fuzz-rt-conf.c
tests_fuzz_fuzz_rt_conf_CPPFLAGS = $(RT_CPPFLAGS)
tests_fuzz_fuzz_rt_conf_LDADD = $(LIBOPSCHEMA) $(LIBRT)
tests_fuzz_fuzz_rt_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-rt-conf
