# modules/shape/ schema fragment: the [region] section of outpost.conf(5)
# (owner: shmodel). Its tables and validators go in
# modules/shape/libshaperegion.a, linked into every tool through
# $(LIBOPSCHEMA): they need only libop.
noinst_LIBRARIES += modules/shape/libshaperegion.a
modules_shape_libshaperegion_a_SOURCES = modules/shape/region_int.h \
	modules/shape/region_schema.c modules/shape/region_checks.c
modules_shape_libshaperegion_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/shape
# [region "name"] of outpost.conf: its table and validators.
conf_sections += shape_region_conf_section
CONF_SCHEMA_LIBS += modules/shape/libshaperegion.a

check_PROGRAMS += tests/unit/test-region-schema
TESTS += tests/unit/test-region-schema
tests_unit_test_region_schema_SOURCES = tests/unit/test-region-schema.c tests/tap.h
tests_unit_test_region_schema_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/shape
tests_unit_test_region_schema_LDADD = $(LIBOPSCHEMA) $(LIBOP)
