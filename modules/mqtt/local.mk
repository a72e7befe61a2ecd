# modules/mqtt build fragment: the MQTT codec and client (libopmqtt), their
# tests, the fake broker and the fuzz harness.

# The shared bounds-checked cursor lives in libop (header only).
noinst_HEADERS += src/wire.h

noinst_LIBRARIES += modules/mqtt/libopmqtt.a
modules_mqtt_libopmqtt_a_SOURCES = \
	modules/mqtt/mqtt_codec.h \
	modules/mqtt/mqtt_encode.c \
	modules/mqtt/mqtt_decode.c \
	modules/mqtt/mqtt_reason.c \
	modules/mqtt/mqtt_client.h \
	modules/mqtt/mqtt_int.h \
	modules/mqtt/mqtt_api.c \
	modules/mqtt/mqtt_password.c \
	modules/mqtt/mqtt_client.c \
	modules/mqtt/mqtt_conn.c \
	modules/mqtt/mqtt_session.c \
	modules/mqtt/mqtt_url.c \
	modules/mqtt/mqtt_schema.h \
	modules/mqtt/mqtt_schema.c
modules_mqtt_libopmqtt_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
# [mqtt] of outpost.conf: its table and validators are in libopmqtt.
conf_sections += mqtt_conf_section
CONF_SCHEMA_LIBS += modules/mqtt/libopmqtt.a
# Tools link this: the MQTT library, then libop it builds on.
LIBOPMQTT = modules/mqtt/libopmqtt.a $(LIBOP) $(OPENSSL_LIBS)
MQTT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/mqtt -I$(top_srcdir)/tests

check_PROGRAMS += tests/unit/test-mqtt-codec tests/unit/test-mqtt-client
TESTS += tests/unit/test-mqtt-codec tests/unit/test-mqtt-client
tests_unit_test_mqtt_codec_SOURCES = tests/unit/test-mqtt-codec.c
tests_unit_test_mqtt_codec_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_unit_test_mqtt_codec_LDADD = $(LIBOPMQTT)
tests_unit_test_mqtt_client_SOURCES = tests/unit/test-mqtt-client.c
tests_unit_test_mqtt_client_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_unit_test_mqtt_client_LDADD = $(LIBOPMQTT)

# A small publisher driving the client, for the tests below.
check_PROGRAMS += tests/tools/mqtt-send
tests_tools_mqtt_send_SOURCES = tests/tools/mqtt-send.c
tests_tools_mqtt_send_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_tools_mqtt_send_LDADD = $(LIBOPMQTT)

# The client against a scripted fake broker, and against a real mosquitto.
dist_check_SCRIPTS += tests/mqtt/client-fake.sh tests/mqtt/client-mosquitto.sh
TESTS += tests/mqtt/client-fake.sh tests/mqtt/client-mosquitto.sh
EXTRA_DIST += tests/tools/fakebroker.py

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-mqtt
fuzz_harnesses += tests/fuzz/fuzz-mqtt
tests_fuzz_fuzz_mqtt_SOURCES = tests/fuzz/fuzz-mqtt.c
tests_fuzz_fuzz_mqtt_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_fuzz_fuzz_mqtt_LDADD = $(LIBOPMQTT)
tests_fuzz_fuzz_mqtt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
# Broker URLs, from the config and the command line.
noinst_PROGRAMS += tests/fuzz/fuzz-mqtt-url
fuzz_harnesses += tests/fuzz/fuzz-mqtt-url
tests_fuzz_fuzz_mqtt_url_SOURCES = tests/fuzz/fuzz-mqtt-url.c
tests_fuzz_fuzz_mqtt_url_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_fuzz_fuzz_mqtt_url_LDADD = $(LIBOPMQTT)
tests_fuzz_fuzz_mqtt_url_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-mqtt tests/fuzz/corpus/fuzz-mqtt-url
