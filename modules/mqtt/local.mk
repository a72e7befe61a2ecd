# modules/mqtt build fragment: the MQTT codec and client (libopmqtt), their
# tests, the fake broker and the fuzz harness.

# The shared bounds-checked cursor lives in libop (header only).
noinst_HEADERS += src/wire.h

noinst_LIBRARIES += modules/mqtt/libopmqtt.a
modules_mqtt_libopmqtt_a_SOURCES = \
	modules/mqtt/mqtt_codec.h \
	modules/mqtt/mqtt_encode.c \
	modules/mqtt/mqtt_decode.c \
	modules/mqtt/mqtt_reason.c
modules_mqtt_libopmqtt_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
# Tools link this: the MQTT library, then libop it builds on.
LIBOPMQTT = modules/mqtt/libopmqtt.a $(LIBOP) $(OPENSSL_LIBS)
MQTT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/mqtt -I$(top_srcdir)/tests

check_PROGRAMS += tests/unit/test-mqtt-codec
TESTS += tests/unit/test-mqtt-codec
tests_unit_test_mqtt_codec_SOURCES = tests/unit/test-mqtt-codec.c
tests_unit_test_mqtt_codec_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_unit_test_mqtt_codec_LDADD = $(LIBOPMQTT)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-mqtt
fuzz_harnesses += tests/fuzz/fuzz-mqtt
tests_fuzz_fuzz_mqtt_SOURCES = tests/fuzz/fuzz-mqtt.c
tests_fuzz_fuzz_mqtt_CPPFLAGS = $(MQTT_CPPFLAGS)
tests_fuzz_fuzz_mqtt_LDADD = $(LIBOPMQTT)
tests_fuzz_fuzz_mqtt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-mqtt
