# src/spool.mk: the JSON writer/validator and the event spool (libop), their
# unit tests, the spool writer test tool, and the JSON fuzz harness.
src_libop_a_SOURCES += src/json.c src/json.h src/json_validate.c \
	src/spool.c src/spool_emit.c src/spool_fs.c src/spool_read.c \
	src/spool_scan.c src/spool_aside.c src/spool_setup.c src/spool.h src/spool_impl.h

check_PROGRAMS += tests/unit/test-json tests/unit/test-spool tests/tools/spool-writer \
	tests/unit/test-spool-safe
TESTS += tests/unit/test-json tests/unit/test-spool tests/unit/test-spool-safe
tests_unit_test_json_SOURCES = tests/unit/test-json.c tests/tap.h
tests_unit_test_json_LDADD = $(LIBOP)
tests_unit_test_spool_SOURCES = tests/unit/test-spool.c tests/tap.h
tests_unit_test_spool_LDADD = $(LIBOP)
# As root: links, FIFOs and hard links planted in a spool, against
# spool_open/list/read and the setup outpost-pubd does as root.
tests_unit_test_spool_safe_SOURCES = tests/unit/test-spool-safe.c tests/tap.h
tests_unit_test_spool_safe_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_spool_safe_LDADD = $(LIBOP)
tests_tools_spool_writer_SOURCES = tests/tools/spool-writer.c
tests_tools_spool_writer_LDADD = $(LIBOP)

EXTRA_DIST += tests/fuzz/corpus/fuzz-json tests/fuzz/corpus/fuzz-spool-state
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-json
fuzz_harnesses += tests/fuzz/fuzz-json
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz-json.c
tests_fuzz_fuzz_json_LDADD = $(LIBOP)
tests_fuzz_fuzz_json_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
noinst_PROGRAMS += tests/fuzz/fuzz-spool-state
fuzz_harnesses += tests/fuzz/fuzz-spool-state
tests_fuzz_fuzz_spool_state_SOURCES = tests/fuzz/fuzz-spool-state.c
tests_fuzz_fuzz_spool_state_LDADD = $(LIBOP)
tests_fuzz_fuzz_spool_state_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

# make bench: single against batch emit, 1 and 4 writers.
bench_scripts += tests/bench/spool-emit.sh
noinst_PROGRAMS += tests/bench/spool-emit-bench
tests_bench_spool_emit_bench_SOURCES = tests/bench/spool-emit-bench.c
tests_bench_spool_emit_bench_LDADD = $(LIBOP)
