# modules/shape/ model fragment (owner: shmodel): libshape.a, shaping as
# plain data (shape.h): config model, slots, burst/quantum, the desired
# HTB trees, u32 nodes and nft rules, text. The nft part (nft.mk), the tc
# part (tc.mk) and the tool part (tool.mk) append their sources to it.
SHAPE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/shape
SHAPE_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS) $(LIBNFTNL_CFLAGS)
noinst_LIBRARIES += modules/shape/libshape.a
modules_shape_libshape_a_SOURCES = modules/shape/shape.h modules/shape/shape_kernel.h \
	modules/shape/shape_format.c
modules_shape_libshape_a_CPPFLAGS = $(SHAPE_CPPFLAGS)
modules_shape_libshape_a_CFLAGS = $(SHAPE_CFLAGS)
# What links the shaping code (outpost-shape, later outpost-p2pd).
LIBSHAPE = modules/shape/libshape.a $(LIBOPNL) $(LIBNFTNL_LIBS) $(LIBOP)
modules_shape_libshape_a_SOURCES += modules/shape/region_int.h modules/shape/shape_config.c \
	modules/shape/shape_timing.c modules/shape/shape_plan_int.h modules/shape/shape_plan.c \
	modules/shape/shape_plan_u32.c modules/shape/shape_plan_nft.c

# The model's unit test: config, slots, timing and the plan for the
# configs of the test world (tests/shape/shape-lib.sh).
check_PROGRAMS += tests/unit/test-shape-plan
TESTS += tests/unit/test-shape-plan
tests_unit_test_shape_plan_SOURCES = tests/unit/test-shape-plan.c tests/tap.h
tests_unit_test_shape_plan_CPPFLAGS = $(SHAPE_CPPFLAGS)
tests_unit_test_shape_plan_LDADD = $(LIBOPSCHEMA) $(LIBSHAPE)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-shape-conf
fuzz_harnesses += tests/fuzz/fuzz-shape-conf
tests_fuzz_fuzz_shape_conf_SOURCES = tests/fuzz/fuzz-shape-conf.c
tests_fuzz_fuzz_shape_conf_CPPFLAGS = $(SHAPE_CPPFLAGS)
tests_fuzz_fuzz_shape_conf_LDADD = $(LIBOPSCHEMA) $(LIBSHAPE)
tests_fuzz_fuzz_shape_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-shape-conf
