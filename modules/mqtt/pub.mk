# modules/mqtt/pub.mk: outpost-pub, its page and tests

bin_PROGRAMS += modules/mqtt/outpost-pub
modules_mqtt_outpost_pub_SOURCES = \
	modules/mqtt/pub.h \
	modules/mqtt/outpost-pub.c \
	modules/mqtt/pub_opts.c \
	modules/mqtt/pub_lines.c \
	modules/mqtt/pub_event.c
modules_mqtt_outpost_pub_CPPFLAGS = $(MQTT_CPPFLAGS)
modules_mqtt_outpost_pub_LDADD = $(LIBOPMQTT)

dist_man_MANS += man/outpost-pub.1
