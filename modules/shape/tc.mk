# modules/shape/ tc fragment (owner: shtc): rtnetlink qdiscs, classes and
# u32 filters through libopnl, kernel probe, diff and apply; appended to
# libshape.a.
modules_shape_libshape_a_SOURCES += modules/shape/shape_tc_int.h modules/shape/shape_caps.c \
	modules/shape/shape_tc_u32.c modules/shape/shape_tc_encode.c \
	modules/shape/shape_tc_parse.c modules/shape/shape_tc_read.c \
	modules/shape/shape_tc_diff.c modules/shape/shape_tc_format.c \
	modules/shape/shape_tc_apply.c

# Plans in and out of a real kernel: apply from nothing, read back, diff
# to nothing, change in place (counters kept), the --dry-run text through
# tc -batch, foreign objects, ext-ack refusals, clear, the caps probe; in
# network namespaces of its own (root; skips without).
check_PROGRAMS += tests/unit/test-shape-tc
TESTS += tests/unit/test-shape-tc
tests_unit_test_shape_tc_SOURCES = tests/unit/test-shape-tc.c tests/tap.h
tests_unit_test_shape_tc_CPPFLAGS = $(SHAPE_CPPFLAGS)
tests_unit_test_shape_tc_CFLAGS = $(SHAPE_CFLAGS)
tests_unit_test_shape_tc_LDADD = $(LIBOPSCHEMA) $(LIBSHAPE)

# The tc parsers (links, qdiscs, classes, filters, u32 selectors) on any
# bytes as a sequence of netlink messages. Seeds: real dumps, written by
# OUTPOST_SHAPE_TC_CORPUS=DIR tests/unit/test-shape-tc.
EXTRA_DIST += tests/fuzz/corpus/fuzz-shape-tc
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-shape-tc
fuzz_harnesses += tests/fuzz/fuzz-shape-tc
tests_fuzz_fuzz_shape_tc_SOURCES = tests/fuzz/fuzz-shape-tc.c
tests_fuzz_fuzz_shape_tc_CPPFLAGS = $(SHAPE_CPPFLAGS)
tests_fuzz_fuzz_shape_tc_CFLAGS = $(SHAPE_CFLAGS)
tests_fuzz_fuzz_shape_tc_LDADD = $(LIBOPSCHEMA) $(LIBSHAPE)
tests_fuzz_fuzz_shape_tc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
