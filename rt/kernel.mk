# rt/ kernel fragment: rules, routes, links and addresses through
# rtnetlink (rt_kernel.h), appended to librt.a.
rt_librt_a_SOURCES += rt/rt_parse_int.h rt/rt_parse.c rt/rt_parse_link.c rt/rt_encode.c \
	rt/rt_dump.c rt/rt_apply.c

# encode -> kernel -> dump -> parse of every selector and attribute,
# foreign objects, refusals, 10,000 rules + routes in one apply; in a
# network namespace of its own with a veth pair (root; skips without).
check_PROGRAMS += tests/unit/test-rt-kernel
TESTS += tests/unit/test-rt-kernel
tests_unit_test_rt_kernel_SOURCES = tests/unit/test-rt-kernel.c tests/unit/rt-world.h tests/tap.h
tests_unit_test_rt_kernel_CPPFLAGS = $(RT_CPPFLAGS)
tests_unit_test_rt_kernel_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS)
tests_unit_test_rt_kernel_LDADD = $(LIBOPSCHEMA) $(LIBRT)

# rt_parse_rule/route/link/addr on any bytes (a sequence of messages).
EXTRA_DIST += tests/fuzz/corpus/fuzz-rt-parse
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-rt-parse
fuzz_harnesses += tests/fuzz/fuzz-rt-parse
tests_fuzz_fuzz_rt_parse_SOURCES = tests/fuzz/fuzz-rt-parse.c
tests_fuzz_fuzz_rt_parse_CPPFLAGS = $(RT_CPPFLAGS)
tests_fuzz_fuzz_rt_parse_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS)
tests_fuzz_fuzz_rt_parse_LDADD = $(LIBOPSCHEMA) $(LIBRT)
tests_fuzz_fuzz_rt_parse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
