# modules/mqtt/pubd.mk: outpost-pubd, its page, service files and tests
sbin_PROGRAMS += modules/mqtt/outpost-pubd
modules_mqtt_outpost_pubd_SOURCES = \
	modules/mqtt/pubd.h \
	modules/mqtt/outpost-pubd.c \
	modules/mqtt/pubd_settings.c \
	modules/mqtt/pubd_setup.c \
	modules/mqtt/pubd_client.c \
	modules/mqtt/pubd_drain.c \
	modules/mqtt/pubd_journal.c \
	modules/mqtt/pubd_heartbeat.c
modules_mqtt_outpost_pubd_CPPFLAGS = $(MQTT_CPPFLAGS)
modules_mqtt_outpost_pubd_LDADD = $(LIBOPMQTT)

# Against a real mosquitto on loopback (tests/lib/broker.sh); pubd-lib.sh
# is what they share.
pubd_tests = \
	tests/mqtt/pubd-broker-restarts.sh \
	tests/mqtt/pubd-qos2-kill.sh \
	tests/mqtt/pubd-status.sh \
	tests/mqtt/pubd-heartbeat.sh \
	tests/mqtt/pubd-reload.sh \
	tests/mqtt/pubd-privdrop.sh \
	tests/mqtt/pubd-refused.sh
TESTS += $(pubd_tests)
dist_check_SCRIPTS += $(pubd_tests)
EXTRA_DIST += tests/mqtt/pubd-lib.sh
