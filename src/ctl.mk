# src/ control-socket fragment: ctl.h, a daemon's Unix control socket
# and its client, part of libop.
# (owner: the health/ctl part of issue 9)
src_libop_a_SOURCES += src/ctl.c src/ctl.h

check_PROGRAMS += tests/unit/test-ctl
TESTS += tests/unit/test-ctl
tests_unit_test_ctl_SOURCES = tests/unit/test-ctl.c tests/tap.h
tests_unit_test_ctl_LDADD = $(LIBOP)
