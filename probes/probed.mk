# outpost-probed and the [probe] section.

# [probe "name"]: its table and validators alone in a library, since every
# tool that reads outpost.conf links the whole schema (see src/conf.h).
noinst_LIBRARIES += probes/libopprobeschema.a
probes_libopprobeschema_a_SOURCES = probes/probe_schema.c probes/probe_schema.h
probes_libopprobeschema_a_SOURCES += probes/probe_schema_dns.c
probes_libopprobeschema_a_CPPFLAGS = $(PROBE_CPPFLAGS)
conf_sections += probe_conf_section
CONF_SCHEMA_LIBS += probes/libopprobeschema.a
# A checked section into a struct probe_spec.
probes_libopprobe_a_SOURCES += probes/probe_conf.c

check_PROGRAMS += tests/unit/test-probe-schema
TESTS += tests/unit/test-probe-schema
tests_unit_test_probe_schema_SOURCES = tests/unit/test-probe-schema.c tests/tap.h
tests_unit_test_probe_schema_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_probe_schema_LDADD = $(LIBOPSCHEMA) $(LIBOPPROBE)

# outpost-probed: the [probe] sections on a schedule, rounds into the
# spool. The spool is handed to [node] user as outpost-pubd hands it
# (spool_setup() in libop), since either daemon may start first.
sbin_PROGRAMS += probes/outpost-probed
probes_outpost_probed_SOURCES = \
	probes/probed.h \
	probes/outpost-probed.c \
	probes/probed_sched.c \
	probes/probed_verdict.c
probes_outpost_probed_CPPFLAGS = $(PROBE_CPPFLAGS)
probes_outpost_probed_LDADD = $(LIBOPSCHEMA) $(LIBOPPROBE)

dist_man_MANS += man/outpost-probed.8

# Service files, filled in at make time (service_edit: contrib/local.mk).
probedunitdir = $(systemdsystemunitdir)
probedunit_DATA = contrib/outpost-probed.service
probedinitdir = $(initddir)
probedinit_SCRIPTS = contrib/init.d/outpost-probed
EXTRA_DIST += contrib/outpost-probed.service.in contrib/outpost-probed.init.in
CLEANFILES += contrib/outpost-probed.service contrib/init.d/outpost-probed

contrib/outpost-probed.service: contrib/outpost-probed.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(service_edit) $(srcdir)/contrib/outpost-probed.service.in >$@.tmp && mv $@.tmp $@
contrib/init.d/outpost-probed: contrib/outpost-probed.init.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/init.d && \
	$(service_edit) $(srcdir)/contrib/outpost-probed.init.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# outpost-probed against targets in namespaces, with outpost-pubd and a
# real mosquitto (tests/lib/broker.sh, tests/mqtt/pubd-lib.sh).
probed_tests = \
	tests/probes/probed-rounds.sh \
	tests/probes/probed-check.sh \
	tests/probes/probed-spread.sh \
	tests/probes/probed-overrun.sh \
	tests/probes/probed-unpriv.sh \
	tests/probes/probed-dns.sh
TESTS += $(probed_tests)
dist_check_SCRIPTS += $(probed_tests)
EXTRA_DIST += tests/probes/probed-lib.sh

# dnsd: the hijack verdict state of outpost-probed, alone.
check_PROGRAMS += tests/unit/test-probed-verdict
TESTS += tests/unit/test-probed-verdict
tests_unit_test_probed_verdict_SOURCES = tests/unit/test-probed-verdict.c tests/tap.h \
	probes/probed_verdict.c
tests_unit_test_probed_verdict_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_probed_verdict_LDADD = $(LIBOPPROBE)
