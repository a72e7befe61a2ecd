# src/: libop, the common library
src_libop_a_SOURCES += src/version.c src/version.h
