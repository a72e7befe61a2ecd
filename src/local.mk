# src/: libop, the common library
src_libop_a_SOURCES += src/version.c src/version.h
noinst_HEADERS += src/json.h src/spool.h tests/tap.h
