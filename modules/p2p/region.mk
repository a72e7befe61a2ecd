# modules/p2p/ region fragment (owner: region): what outpost-p2pd adds
# to the engine to fetch each piece from the origin once per region.
modules_p2p_libp2p_a_SOURCES += modules/p2p/p2p_rendezvous.h modules/p2p/p2p_rendezvous.c \
	modules/p2p/p2p_region_tab.h modules/p2p/p2p_region_tab.c

check_PROGRAMS += tests/unit/test-p2p-rendezvous
TESTS += tests/unit/test-p2p-rendezvous
tests_unit_test_p2p_rendezvous_SOURCES = tests/unit/test-p2p-rendezvous.c tests/tap.h
tests_unit_test_p2p_rendezvous_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_rendezvous_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_rendezvous_LDADD = $(LIBP2P)

# [p2p] of outpost.conf: its table and validator, needing only libop.
noinst_LIBRARIES += modules/p2p/libp2pschema.a
modules_p2p_libp2pschema_a_SOURCES = modules/p2p/p2p_schema.h modules/p2p/p2p_schema.c
modules_p2p_libp2pschema_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/p2p
conf_sections += p2p_conf_section
CONF_SCHEMA_LIBS += modules/p2p/libp2pschema.a

check_PROGRAMS += tests/unit/test-p2p-schema
TESTS += tests/unit/test-p2p-schema
tests_unit_test_p2p_schema_SOURCES = tests/unit/test-p2p-schema.c tests/tap.h
tests_unit_test_p2p_schema_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/p2p
tests_unit_test_p2p_schema_LDADD = $(LIBOPSCHEMA) $(LIBOP)

# The member table of a region transfer: LSD and connected members, the
# per-piece ranking kept through joins and leaves.
check_PROGRAMS += tests/unit/test-p2p-region-tab
TESTS += tests/unit/test-p2p-region-tab
tests_unit_test_p2p_region_tab_SOURCES = tests/unit/test-p2p-region-tab.c tests/tap.h
tests_unit_test_p2p_region_tab_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_region_tab_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_region_tab_LDADD = $(LIBP2P)

# Region members found by LSD: a region wider than each daemon's
# connections, and a region daemon with libtorrent by LSD alone (the
# daemon's world of p2pd.mk).
p2pd_lsd_tests = tests/p2p/p2pd-region-wide.sh tests/p2p/p2pd-lsd.sh
TESTS += $(p2pd_lsd_tests)
dist_check_SCRIPTS += $(p2pd_lsd_tests)
