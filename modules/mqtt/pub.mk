# modules/mqtt/pub.mk: outpost-pub, its page and tests

bin_PROGRAMS += modules/mqtt/outpost-pub
modules_mqtt_outpost_pub_SOURCES = \
	modules/mqtt/pub.h \
	modules/mqtt/outpost-pub.c \
	modules/mqtt/pub_opts.c \
	modules/mqtt/pub_lines.c \
	modules/mqtt/pub_event.c
modules_mqtt_outpost_pub_CPPFLAGS = $(MQTT_CPPFLAGS)
modules_mqtt_outpost_pub_LDADD = $(LIBOPSCHEMA) $(LIBOPMQTT)

dist_man_MANS += man/outpost-pub.1

# Against a real mosquitto on loopback (tests/lib/broker.sh); --event
# needs no broker at all.
pub_tests = tests/mqtt/pub-basic.sh tests/mqtt/pub-lines.sh tests/mqtt/pub-tls.sh \
	tests/mqtt/pub-event.sh
TESTS += $(pub_tests)
dist_check_SCRIPTS += $(pub_tests)
EXTRA_DIST += tests/mqtt/pub-common.bash

# Brokers that are not Mosquitto: a real RabbitMQ (3.1.1 only, QoS 2 taken
# as QoS 1) in a namespace, and the fake broker in the roles no real
# broker here plays.
pub_broker_tests = tests/mqtt/pub-rabbitmq.sh tests/mqtt/pub-brokers.sh tests/mqtt/pub-input.sh
TESTS += $(pub_broker_tests)
dist_check_SCRIPTS += $(pub_broker_tests)
EXTRA_DIST += tests/lib/rabbitmq.sh

# make bench: outpost-pub -l against mosquitto_pub -l.
bench_scripts += tests/bench/mqtt-pub.sh
