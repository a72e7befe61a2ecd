# modules/p2p/ daemon fragment (owner: region): outpost-p2pd, the
# region's distributor, on the engine and (for [p2p] shape) the shaping
# library.
sbin_PROGRAMS += modules/p2p/outpost-p2pd
modules_p2p_outpost_p2pd_SOURCES = modules/p2p/p2pd.h modules/p2p/outpost-p2pd.c \
	modules/p2p/p2pd_settings.c modules/p2p/p2pd_dir.c modules/p2p/p2pd_xfer.c \
	modules/p2p/p2pd_ctl.c
modules_p2p_outpost_p2pd_CPPFLAGS = $(P2P_CPPFLAGS) -I$(top_srcdir)/modules/shape
modules_p2p_outpost_p2pd_CFLAGS = $(P2P_CFLAGS)
modules_p2p_outpost_p2pd_LDADD = $(LIBOPSCHEMA) $(LIBP2P) $(LIBSHAPE) $(LIBCAP_LIBS)

dist_man_MANS += man/outpost-p2pd.8

# systemd unit and SysV script, generated with the configured paths.
p2pdunitdir = $(systemdsystemunitdir)
p2pdunit_DATA = contrib/outpost-p2pd.service
p2pdinitdir = $(initddir)
p2pdinit_SCRIPTS = contrib/init.d/outpost-p2pd
EXTRA_DIST += contrib/outpost-p2pd.service.in contrib/outpost-p2pd.init.in
CLEANFILES += contrib/outpost-p2pd.service contrib/init.d/outpost-p2pd
contrib/outpost-p2pd.service: contrib/outpost-p2pd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(service_edit) $(srcdir)/contrib/outpost-p2pd.service.in >$@.tmp && mv $@.tmp $@
contrib/init.d/outpost-p2pd: contrib/outpost-p2pd.init.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/init.d && \
	$(service_edit) $(srcdir)/contrib/outpost-p2pd.init.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# The daemon in namespaces with nginx as the origin (p2p-lib.sh).
p2pd_tests = tests/p2p/p2pd-basic.sh tests/p2p/p2pd-region.sh tests/p2p/p2pd-regions.sh \
	tests/p2p/p2pd-churn.sh tests/p2p/p2pd-outage.sh tests/p2p/p2pd-shape.sh
EXTRA_DIST += tests/p2p/p2pd-lib.sh
TESTS += $(p2pd_tests)
dist_check_SCRIPTS += $(p2pd_tests)
