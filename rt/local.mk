# rt/ build fragment: policy routing's config sections, [line] and [routing].
noinst_LIBRARIES += rt/librtline.a
rt_librtline_a_SOURCES = rt/rt_line.h rt/line_schema.c rt/line_checks.c \
	rt/routing_schema.c rt/rt_track.c
rt_librtline_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/rt
# [line "name"] and [routing] of outpost.conf: their tables and validators.
conf_sections += rt_routing_conf_section rt_line_conf_section
CONF_SCHEMA_LIBS += rt/librtline.a

check_PROGRAMS += tests/unit/test-line-schema
TESTS += tests/unit/test-line-schema
tests_unit_test_line_schema_SOURCES = tests/unit/test-line-schema.c tests/tap.h
tests_unit_test_line_schema_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/rt
tests_unit_test_line_schema_LDADD = $(LIBOPSCHEMA) $(LIBOP)
