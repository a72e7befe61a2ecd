# src/: libop, the common library
src_libop_a_SOURCES += src/version.c src/version.h
src_libop_a_SOURCES += src/conf_sections.h
# Section tables owned by subsystems, linked into libop so every tool
# checks the whole file.
src_libop_a_SOURCES += modules/mqtt/mqtt_schema.c modules/mqtt/mqtt_url.c
noinst_HEADERS += src/json.h src/spool.h tests/tap.h
