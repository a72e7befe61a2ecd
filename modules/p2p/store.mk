# modules/p2p/ store fragment (owner: store).
modules_p2p_libp2p_a_SOURCES += modules/p2p/store.c modules/p2p/store_fs.c \
	modules/p2p/store_resume.c modules/p2p/store_int.h

check_PROGRAMS += tests/unit/test-p2p-store
TESTS += tests/unit/test-p2p-store
tests_unit_test_p2p_store_SOURCES = tests/unit/test-p2p-store.c
tests_unit_test_p2p_store_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_store_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_store_LDADD = $(LIBP2P)
