# modules/shape/ nftables fragment (owner: shnft): table inet outpost in
# one libnftnl batch (shape_nft.c sends it, shape_nft_build.c builds it),
# read back (shape_nft_read.c dumps, shape_nft_parse.c / shape_nft_rule.c /
# shape_nft_attr.c parse, shape_nft_equal.c compares) and the same
# transaction as an nft(8) script (shape_nft_script.c); appended to
# libshape.a.
modules_shape_libshape_a_SOURCES += modules/shape/shape_nft_int.h modules/shape/shape_nft.c \
	modules/shape/shape_nft_build.c modules/shape/shape_nft_read.c \
	modules/shape/shape_nft_parse.c modules/shape/shape_nft_rule.c \
	modules/shape/shape_nft_attr.c modules/shape/shape_nft_equal.c \
	modules/shape/shape_nft_script.c

# commit -> nft -j list -> read back, changes, a refusal, foreign tables,
# packets counted by rule and by the HTB class their meta priority chose,
# the script against the commit, 100 regions; in a network namespace of
# its own (root; skips without). nft-canon.py turns nft's JSON into lines.
check_PROGRAMS += tests/unit/test-shape-nft
TESTS += tests/unit/test-shape-nft
tests_unit_test_shape_nft_SOURCES = tests/unit/test-shape-nft.c tests/tap.h
tests_unit_test_shape_nft_CPPFLAGS = $(SHAPE_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_shape_nft_CFLAGS = $(SHAPE_CFLAGS)
tests_unit_test_shape_nft_LDADD = $(LIBOPSCHEMA) $(LIBSHAPE)
EXTRA_DIST += tests/shape/nft-canon.py

# shape_nft_parse_msg/finish on any bytes (a sequence of messages, as a
# dump reply); seeds from a real dump by tests/fuzz/shape-nft-corpus.py.
EXTRA_DIST += tests/fuzz/corpus/fuzz-shape-nft tests/fuzz/shape-nft-corpus.py
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-shape-nft
fuzz_harnesses += tests/fuzz/fuzz-shape-nft
tests_fuzz_fuzz_shape_nft_SOURCES = tests/fuzz/fuzz-shape-nft.c
tests_fuzz_fuzz_shape_nft_CPPFLAGS = $(SHAPE_CPPFLAGS)
tests_fuzz_fuzz_shape_nft_CFLAGS = $(SHAPE_CFLAGS)
tests_fuzz_fuzz_shape_nft_LDADD = $(LIBSHAPE)
tests_fuzz_fuzz_shape_nft_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
