# src/conf.mk: the config library (libop), the shared command line, and
# outpost-config; their man pages and tests.
src_libop_a_SOURCES += \
	src/conf.c src/conf.h src/conf_int.h src/conf_parse.c src/conf_include.c src/conf_value.c \
	src/conf_diag.c src/conf_print.c src/conf_schema.c src/cli.c src/cli.h

sbin_PROGRAMS += src/outpost-config
src_outpost_config_SOURCES = src/outpost-config.c
src_outpost_config_LDADD = $(LIBOP)

dist_man_MANS += man/outpost.conf.5 man/outpost-config.8

check_PROGRAMS += tests/unit/test-conf tests/unit/test-cli
TESTS += tests/unit/test-conf tests/unit/test-cli tests/conf-cli.sh
dist_check_SCRIPTS += tests/conf-cli.sh
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c tests/tap.h
tests_unit_test_conf_LDADD = $(LIBOP)
tests_unit_test_cli_SOURCES = tests/unit/test-cli.c tests/tap.h
tests_unit_test_cli_LDADD = $(LIBOP)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-conf
fuzz_harnesses += tests/fuzz/fuzz-conf
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c
tests_fuzz_fuzz_conf_LDADD = $(LIBOP)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-conf
