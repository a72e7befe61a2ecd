# outpost-probed and the [probe] section.

# [probe "name"]: its table and validators alone in a library, since every
# tool that reads outpost.conf links the whole schema (see src/conf.h).
noinst_LIBRARIES += probes/libopprobeschema.a
probes_libopprobeschema_a_SOURCES = probes/probe_schema.c probes/probe_schema.h
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
