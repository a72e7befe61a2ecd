# src/: libop, the common library
src_libop_a_SOURCES += src/version.c src/version.h
noinst_HEADERS += src/json.h src/spool.h tests/tap.h

# The asynchronous resolver (c-ares on the loop) and its unit test.
src_libop_a_SOURCES += src/resolve.c src/resolve.h src/resolve_int.h src/resolve_loop.c \
	src/resolve_query.c
check_PROGRAMS += tests/unit/test-resolve
TESTS += tests/unit/test-resolve
tests_unit_test_resolve_SOURCES = tests/unit/test-resolve.c tests/tap.h
tests_unit_test_resolve_LDADD = $(LIBOP)

# DNS replies of any bytes through c-ares and the resolver's result list.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-resolve
fuzz_harnesses += tests/fuzz/fuzz-resolve
tests_fuzz_fuzz_resolve_SOURCES = tests/fuzz/fuzz-resolve.c
tests_fuzz_fuzz_resolve_LDADD = $(LIBOP)
tests_fuzz_fuzz_resolve_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-resolve

# Files and folders the same way everywhere: mkdir with parents, bounded
# whole-file reads, whole writes; and their unit test.
src_libop_a_SOURCES += src/fs.c src/fs.h
check_PROGRAMS += tests/unit/test-fs
TESTS += tests/unit/test-fs
tests_unit_test_fs_SOURCES = tests/unit/test-fs.c tests/tap.h
tests_unit_test_fs_LDADD = $(LIBOP)
