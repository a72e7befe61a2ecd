# modules/mqtt/pubd.mk: outpost-pubd, its page, service files and tests
sbin_PROGRAMS += modules/mqtt/outpost-pubd
modules_mqtt_outpost_pubd_SOURCES = \
	modules/mqtt/pubd.h \
	modules/mqtt/outpost-pubd.c \
	modules/mqtt/pubd_settings.c \
	modules/mqtt/pubd_client.c \
	modules/mqtt/pubd_drain.c \
	modules/mqtt/pubd_resume.c \
	modules/mqtt/pubd_journal.c \
	modules/mqtt/pubd_heartbeat.c
modules_mqtt_outpost_pubd_CPPFLAGS = $(MQTT_CPPFLAGS)
modules_mqtt_outpost_pubd_LDADD = $(LIBOPSCHEMA) $(LIBOPMQTT)

# Against a real mosquitto on loopback (tests/lib/broker.sh); pubd-lib.sh
# is what they share.
pubd_tests = \
	tests/mqtt/pubd-broker-restarts.sh \
	tests/mqtt/pubd-qos2-kill.sh \
	tests/mqtt/pubd-outage.sh \
	tests/mqtt/pubd-status.sh \
	tests/mqtt/pubd-heartbeat.sh \
	tests/mqtt/pubd-reload.sh \
	tests/mqtt/pubd-privdrop.sh \
	tests/mqtt/pubd-refused.sh \
	tests/mqtt/pubd-reboot-seq.sh \
	tests/mqtt/pubd-full-spool.sh \
	tests/mqtt/pubd-heartbeat-full.sh \
	tests/mqtt/pubd-reload-handover.sh \
	tests/mqtt/pubd-bad-events.sh \
	tests/mqtt/pubd-journal-fifo.sh \
	tests/mqtt/pubd-fsync-batch.sh \
	tests/mqtt/pubd-journal-error.sh
TESTS += $(pubd_tests)
dist_check_SCRIPTS += $(pubd_tests)
EXTRA_DIST += tests/mqtt/pubd-lib.sh

# The daemon while its broker's name hangs in DNS: a silent server and a
# watch on the files it opens (libop's resolver keeps the loop going).
TESTS += tests/mqtt/pubd-dns-silent.sh
dist_check_SCRIPTS += tests/mqtt/pubd-dns-silent.sh
EXTRA_DIST += tests/tools/dns-sink.py tests/tools/open-watch.py

dist_man_MANS += man/outpost-pubd.8

# Service files, filled in at make time (service_edit: contrib/local.mk).
pubdunitdir = $(systemdsystemunitdir)
pubdunit_DATA = contrib/outpost-pubd.service
pubdinitdir = $(initddir)
pubdinit_SCRIPTS = contrib/init.d/outpost-pubd
EXTRA_DIST += contrib/outpost-pubd.service.in contrib/outpost-pubd.init.in
CLEANFILES += contrib/outpost-pubd.service contrib/init.d/outpost-pubd

contrib/outpost-pubd.service: contrib/outpost-pubd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(service_edit) $(srcdir)/contrib/outpost-pubd.service.in >$@.tmp && mv $@.tmp $@
contrib/init.d/outpost-pubd: contrib/outpost-pubd.init.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/init.d && \
	$(service_edit) $(srcdir)/contrib/outpost-pubd.init.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# The replay of the in-flight journal reads a file the daemon's user can
# write: fuzzed from a buffer.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-journal
fuzz_harnesses += tests/fuzz/fuzz-journal
tests_fuzz_fuzz_journal_SOURCES = tests/fuzz/fuzz-journal.c modules/mqtt/pubd_journal.c
tests_fuzz_fuzz_journal_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_fuzz_fuzz_journal_LDADD = $(LIBOPMQTT)
tests_fuzz_fuzz_journal_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-journal

# The journal alone: replay rules from text, and the file on disk.
check_PROGRAMS += tests/unit/test-pubd-journal
TESTS += tests/unit/test-pubd-journal
tests_unit_test_pubd_journal_SOURCES = tests/unit/test-pubd-journal.c tests/tap.h \
	modules/mqtt/pubd_journal.c
tests_unit_test_pubd_journal_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_unit_test_pubd_journal_LDADD = $(LIBOPMQTT)
