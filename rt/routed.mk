# rt/ daemon fragment: outpost-routed, its man page and service files.
sbin_PROGRAMS += rt/outpost-routed
rt_outpost_routed_SOURCES = \
	rt/routed.h \
	rt/outpost-routed.c \
	rt/routed_daemon.c \
	rt/routed_reconcile.c \
	rt/routed_index.c \
	rt/routed_fight.c \
	rt/routed_monitor.c \
	rt/routed_lines.c \
	rt/routed_ctl.c \
	rt/routed_files.c
rt_outpost_routed_CPPFLAGS = $(RT_CPPFLAGS)
rt_outpost_routed_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS) $(LIBCARES_CFLAGS) $(OPENSSL_CFLAGS)
rt_outpost_routed_LDADD = $(LIBOPSCHEMA) $(LIBRT) $(LIBOPPROBE)

dist_man_MANS += man/outpost-routed.8

# Service files, filled in at make time (service_edit: contrib/local.mk).
routedunitdir = $(systemdsystemunitdir)
routedunit_DATA = contrib/outpost-routed.service
routedinitdir = $(initddir)
routedinit_SCRIPTS = contrib/init.d/outpost-routed
EXTRA_DIST += contrib/outpost-routed.service.in contrib/outpost-routed.init.in
CLEANFILES += contrib/outpost-routed.service contrib/init.d/outpost-routed

contrib/outpost-routed.service: contrib/outpost-routed.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(service_edit) $(srcdir)/contrib/outpost-routed.service.in >$@.tmp && mv $@.tmp $@
contrib/init.d/outpost-routed: contrib/outpost-routed.init.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/init.d && \
	$(service_edit) $(srcdir)/contrib/outpost-routed.init.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# outpost-routed in the routing world (tests/rt/rt-lib.sh).
routed_tests = \
	tests/rt/routed-check.sh \
	tests/rt/routed-dryrun.sh \
	tests/rt/routed-once.sh \
	tests/rt/routed-kernel-refuses.sh \
	tests/rt/routed-daemon.sh \
	tests/rt/routed-reload.sh
TESTS += $(routed_tests)
dist_check_SCRIPTS += $(routed_tests)

# The fight bookkeeping and the object index, on a fake clock.
check_PROGRAMS += tests/unit/test-routed-fight
TESTS += tests/unit/test-routed-fight
tests_unit_test_routed_fight_SOURCES = tests/unit/test-routed-fight.c tests/tap.h \
	rt/routed.h rt/routed_fight.c rt/routed_index.c
tests_unit_test_routed_fight_CPPFLAGS = $(RT_CPPFLAGS)
tests_unit_test_routed_fight_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS) $(LIBCARES_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_routed_fight_LDADD = $(LIBOPSCHEMA) $(LIBRT) $(LIBOPPROBE)
