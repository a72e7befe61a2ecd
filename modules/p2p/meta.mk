# modules/p2p/ meta fragment: the unit test of bencode, metainfo and
# create (their sources are in wire.mk), and their fuzz harnesses.
check_PROGRAMS += tests/unit/test-meta
TESTS += tests/unit/test-meta
tests_unit_test_meta_SOURCES = tests/unit/test-meta.c tests/tap.h
tests_unit_test_meta_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_meta_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_meta_LDADD = $(LIBP2P)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-bencode tests/fuzz/fuzz-metainfo
fuzz_harnesses += tests/fuzz/fuzz-bencode tests/fuzz/fuzz-metainfo
tests_fuzz_fuzz_bencode_SOURCES = tests/fuzz/fuzz-bencode.c
tests_fuzz_fuzz_bencode_CPPFLAGS = $(P2P_CPPFLAGS)
tests_fuzz_fuzz_bencode_CFLAGS = $(P2P_CFLAGS)
tests_fuzz_fuzz_bencode_LDADD = $(LIBP2P)
tests_fuzz_fuzz_bencode_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_metainfo_SOURCES = tests/fuzz/fuzz-metainfo.c
tests_fuzz_fuzz_metainfo_CPPFLAGS = $(P2P_CPPFLAGS)
tests_fuzz_fuzz_metainfo_CFLAGS = $(P2P_CFLAGS)
tests_fuzz_fuzz_metainfo_LDADD = $(LIBP2P)
tests_fuzz_fuzz_metainfo_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-bencode tests/fuzz/corpus/fuzz-metainfo

# Interop with other tools: their torrents parse to their info-hashes and
# verify the content; ours load in libtorrent with the same hashes.
check_PROGRAMS += tests/tools/p2p-mkmeta
tests_tools_p2p_mkmeta_SOURCES = tests/tools/p2p-mkmeta.c
tests_tools_p2p_mkmeta_CPPFLAGS = $(P2P_CPPFLAGS)
tests_tools_p2p_mkmeta_CFLAGS = $(P2P_CFLAGS)
tests_tools_p2p_mkmeta_LDADD = $(LIBP2P)
TESTS += tests/p2p/p2p-meta-interop.sh
EXTRA_DIST += tests/p2p/p2p-meta-interop.sh
# Fixtures made by other tools (tests/p2p/data/make-fixtures.sh), read by test-meta.
EXTRA_DIST += tests/p2p/data
check_PROGRAMS += tests/unit/test-bencode
TESTS += tests/unit/test-bencode
tests_unit_test_bencode_SOURCES = tests/unit/test-bencode.c tests/tap.h
tests_unit_test_bencode_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_bencode_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_bencode_LDADD = $(LIBP2P)
