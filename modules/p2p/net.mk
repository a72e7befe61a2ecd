# modules/p2p/ net fragment (owner: net).
# Peer addresses, percent-encoding, the BEP 48 scrape URL, the tracker
# reply parsers (need bencode.c from meta.mk) and the BEP 14 parser.
modules_p2p_libp2p_a_SOURCES += modules/p2p/p2p_net_int.h modules/p2p/p2p_addr.c \
	modules/p2p/p2p_pct.c modules/p2p/p2p_tracker_url.c modules/p2p/p2p_tracker_parse.c \
	modules/p2p/p2p_lsd_parse.c modules/p2p/p2p_lsd.c modules/p2p/p2p_http.c modules/p2p/p2p_tracker.c modules/p2p/p2p_webseed.c
# Pure parts: addresses, percent-encoding, scrape URL, LSD datagrams.
# Tracker replies parse through bencode.c (meta.mk).
check_PROGRAMS += tests/unit/test-p2p-tracker
TESTS += tests/unit/test-p2p-tracker
tests_unit_test_p2p_tracker_SOURCES = tests/unit/test-p2p-tracker.c tests/tap.h
tests_unit_test_p2p_tracker_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_tracker_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_tracker_LDADD = $(LIBP2P)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-p2p-tracker
fuzz_harnesses += tests/fuzz/fuzz-p2p-tracker
tests_fuzz_fuzz_p2p_tracker_SOURCES = tests/fuzz/fuzz-p2p-tracker.c
tests_fuzz_fuzz_p2p_tracker_CPPFLAGS = $(P2P_CPPFLAGS)
tests_fuzz_fuzz_p2p_tracker_CFLAGS = $(P2P_CFLAGS)
tests_fuzz_fuzz_p2p_tracker_LDADD = $(LIBP2P)
tests_fuzz_fuzz_p2p_tracker_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-p2p-tracker
# The clients driven against real servers by tests/p2p/p2p-net.sh.
check_PROGRAMS += tests/tools/p2p-net-check
tests_tools_p2p_net_check_SOURCES = tests/tools/p2p-net-check.c
tests_tools_p2p_net_check_CPPFLAGS = $(P2P_CPPFLAGS)
tests_tools_p2p_net_check_CFLAGS = $(P2P_CFLAGS)
tests_tools_p2p_net_check_LDADD = $(LIBP2P)
TESTS += tests/p2p/p2p-net.sh tests/p2p/p2p-http.sh
EXTRA_DIST += tests/p2p/p2p-net.sh tests/p2p/p2p-http.sh
