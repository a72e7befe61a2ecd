# src/ netlink fragment: libopnl, rtnetlink over libmnl (nl.h), which
# outpost-routed and outpost-shape link. A separate library so tools
# without netlink do not link libmnl.
# (owner: the kernel part of issue 9: defines src/libopnl.a here)
noinst_LIBRARIES += src/libopnl.a
src_libopnl_a_SOURCES = src/nl.h src/nl_int.h src/nl.c src/nl_batch.c
src_libopnl_a_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS)
LIBOPNL = src/libopnl.a $(LIBMNL_LIBS)

# Batches with refusals and their ext-ack text, big dumps, monitor and
# ENOBUFS, in a network namespace of its own (root; skips without).
check_PROGRAMS += tests/unit/test-nl
TESTS += tests/unit/test-nl
tests_unit_test_nl_SOURCES = tests/unit/test-nl.c tests/tap.h
tests_unit_test_nl_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS)
tests_unit_test_nl_LDADD = $(LIBOPNL) $(LIBOP)

# NLMSG_ERROR parsing (ext-ack attributes) on any bytes.
EXTRA_DIST += tests/fuzz/corpus/fuzz-nl
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-nl
fuzz_harnesses += tests/fuzz/fuzz-nl
tests_fuzz_fuzz_nl_SOURCES = tests/fuzz/fuzz-nl.c
tests_fuzz_fuzz_nl_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS)
tests_fuzz_fuzz_nl_LDADD = $(LIBOPNL) $(LIBOP)
tests_fuzz_fuzz_nl_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
