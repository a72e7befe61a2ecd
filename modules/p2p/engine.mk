# modules/p2p/ engine fragment (owner: engine): contexts, peers, transfers,
# choking and rates on top of meta, wire, store and net.
modules_p2p_libp2p_a_SOURCES += modules/p2p/p2p_int.h modules/p2p/p2p_ctx.c \
	modules/p2p/p2p_peer.c modules/p2p/p2p_pipe.c modules/p2p/p2p_xfer.c modules/p2p/p2p_source.c \
	modules/p2p/p2p_choke.c modules/p2p/p2p_rate.c modules/p2p/p2p_region.c

# Engines against each other on one loop over 127.0.0.1.
check_PROGRAMS += tests/unit/test-p2p-engine
TESTS += tests/unit/test-p2p-engine
tests_unit_test_p2p_engine_SOURCES = tests/unit/test-p2p-engine.c
tests_unit_test_p2p_engine_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_engine_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_engine_LDADD = $(LIBP2P)

# The start-up and final checks off the loop, on 64 MiB in tmpfs.
check_PROGRAMS += tests/unit/test-p2p-check
TESTS += tests/unit/test-p2p-check
tests_unit_test_p2p_check_SOURCES = tests/unit/test-p2p-check.c tests/tap.h
tests_unit_test_p2p_check_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_check_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_check_LDADD = $(LIBP2P)
