# modules/p2p/ build fragment: libp2p.a, the BitTorrent-compatible
# engine (p2p.h), linked by outpost-p2p and (next) outpost-p2pd. Each
# part's fragment appends its sources: meta.mk (bencode, metainfo,
# create), wire.mk (peer messages), store.mk (content on disk), net.mk
# (trackers, LSD, web seeds), engine.mk (peers, picking, choking,
# transfers), tool.mk (outpost-p2p), tests.mk (integration tests, benches).
P2P_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/p2p -I$(top_srcdir)/probes \
	-I$(top_srcdir)/rt -I$(top_srcdir)/tests
P2P_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBCARES_CFLAGS)
noinst_LIBRARIES += modules/p2p/libp2p.a
modules_p2p_libp2p_a_SOURCES = modules/p2p/p2p.h modules/p2p/bencode.h modules/p2p/meta.h \
	modules/p2p/p2p_wire.h modules/p2p/p2p_pick.h modules/p2p/store.h modules/p2p/p2p_net.h
modules_p2p_libp2p_a_CPPFLAGS = $(P2P_CPPFLAGS)
modules_p2p_libp2p_a_CFLAGS = $(P2P_CFLAGS)
# What links the engine: it, then the probe engine's web part (HTTP and
# TLS connections) and libop under it.
LIBP2P = modules/p2p/libp2p.a $(LIBOPPROBE) $(OPENSSL_LIBS)
