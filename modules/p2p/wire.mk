# modules/p2p/ wire fragment (owner: wire): bencode and metainfo parsing
# (the meta part's create and tests are in meta.mk), the peer wire codec (BEP 3, 6,
# 10, 52 messages) and the piece picker; their unit tests and the wire
# fuzz harness.
modules_p2p_libp2p_a_SOURCES += modules/p2p/bencode.c modules/p2p/meta_int.h modules/p2p/meta.c \
	modules/p2p/meta_v2.c modules/p2p/meta_path.c modules/p2p/meta_create.c modules/p2p/p2p_wire.c modules/p2p/p2p_ext.c \
	modules/p2p/p2p_pick.c

check_PROGRAMS += tests/unit/test-p2p-wire tests/unit/test-p2p-pick
TESTS += tests/unit/test-p2p-wire tests/unit/test-p2p-pick
tests_unit_test_p2p_wire_SOURCES = tests/unit/test-p2p-wire.c tests/tap.h
tests_unit_test_p2p_wire_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_wire_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_wire_LDADD = $(LIBP2P)
tests_unit_test_p2p_pick_SOURCES = tests/unit/test-p2p-pick.c tests/tap.h
tests_unit_test_p2p_pick_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_pick_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_pick_LDADD = $(LIBP2P)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-p2p-wire
fuzz_harnesses += tests/fuzz/fuzz-p2p-wire
tests_fuzz_fuzz_p2p_wire_SOURCES = tests/fuzz/fuzz-p2p-wire.c
tests_fuzz_fuzz_p2p_wire_CPPFLAGS = $(P2P_CPPFLAGS)
tests_fuzz_fuzz_p2p_wire_CFLAGS = $(P2P_CFLAGS)
tests_fuzz_fuzz_p2p_wire_LDADD = $(LIBP2P)
tests_fuzz_fuzz_p2p_wire_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-p2p-wire
