# src/loop.mk: build fragment for libop's event loop, logging, privileges
# and daemon helpers, and their unit tests.
src_libop_a_SOURCES += \
	src/log.c src/log.h \
	src/loop.c src/loop.h src/loop_timer.c src/loop_timer.h \
	src/loop_work.c src/loop_work.h \
	src/priv.c src/priv.h \
	src/daemon.c src/daemon.h

check_PROGRAMS += tests/unit/test-loop tests/unit/test-log \
	tests/unit/test-priv tests/unit/test-daemon
TESTS += tests/unit/test-loop tests/unit/test-log \
	tests/unit/test-priv tests/unit/test-daemon

tests_unit_test_loop_SOURCES = tests/unit/test-loop.c tests/tap.h
tests_unit_test_loop_LDADD = $(LIBOP)
tests_unit_test_log_SOURCES = tests/unit/test-log.c tests/tap.h
tests_unit_test_log_LDADD = $(LIBOP)
tests_unit_test_priv_SOURCES = tests/unit/test-priv.c tests/tap.h
tests_unit_test_priv_LDADD = $(LIBOP)
tests_unit_test_daemon_SOURCES = tests/unit/test-daemon.c tests/tap.h
tests_unit_test_daemon_LDADD = $(LIBOP)

check_PROGRAMS += tests/unit/test-loop-work
TESTS += tests/unit/test-loop-work
tests_unit_test_loop_work_SOURCES = tests/unit/test-loop-work.c tests/tap.h
tests_unit_test_loop_work_LDADD = $(LIBOP)
