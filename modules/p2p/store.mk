# modules/p2p/ store fragment (owner: store).
modules_p2p_libp2p_a_SOURCES += modules/p2p/store.c modules/p2p/store_fs.c \
	modules/p2p/store_resume.c modules/p2p/store_job.c modules/p2p/store_int.h

check_PROGRAMS += tests/unit/test-p2p-store
TESTS += tests/unit/test-p2p-store
tests_unit_test_p2p_store_SOURCES = tests/unit/test-p2p-store.c
tests_unit_test_p2p_store_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_store_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_store_LDADD = $(LIBP2P)

if ENABLE_FUZZING
# The resume file, which is read back from disk.
noinst_PROGRAMS += tests/fuzz/fuzz-p2p-resume
fuzz_harnesses += tests/fuzz/fuzz-p2p-resume
tests_fuzz_fuzz_p2p_resume_SOURCES = tests/fuzz/fuzz-p2p-resume.c
tests_fuzz_fuzz_p2p_resume_CPPFLAGS = $(P2P_CPPFLAGS)
tests_fuzz_fuzz_p2p_resume_CFLAGS = $(P2P_CFLAGS)
tests_fuzz_fuzz_p2p_resume_LDADD = $(LIBP2P)
tests_fuzz_fuzz_p2p_resume_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
