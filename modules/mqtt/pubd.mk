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
