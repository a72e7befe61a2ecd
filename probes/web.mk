# probes/ web fragment: the tls and http probe types, their tests, the
# bad-server tool and the response parser's fuzz harness.
probes_libopprobe_a_SOURCES += \
	probes/web.h probes/probe_web_url.c probes/probe_conn.c probes/probe_tlsinfo.c \
	probes/probe_tls.c \
	probes/probe_http.h probes/probe_http_parse.h probes/probe_http_parse.c \
	probes/probe_http_fetch.c probes/probe_http.c

# The response parser and URL handling, table-driven.
check_PROGRAMS += tests/unit/test-http-parse
TESTS += tests/unit/test-http-parse
tests_unit_test_http_parse_SOURCES = tests/unit/test-http-parse.c
tests_unit_test_http_parse_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_http_parse_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_http_parse_LDADD = $(LIBOPPROBE)
# The two types through the job API against a server on the same loop.
check_PROGRAMS += tests/unit/test-probe-web
TESTS += tests/unit/test-probe-web
tests_unit_test_probe_web_SOURCES = tests/unit/test-probe-web.c
tests_unit_test_probe_web_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_probe_web_LDADD = $(LIBOPPROBE)

# Against a real nginx with a test CA, in namespaces (root).
web_tests = tests/probes/tls-verify.sh tests/probes/http-nginx.sh tests/probes/http-bad.sh \
	tests/probes/web-dns.sh
TESTS += $(web_tests)
dist_check_SCRIPTS += $(web_tests)
EXTRA_DIST += tests/probes/web-lib.sh tests/tools/bad-http.py

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-http
fuzz_harnesses += tests/fuzz/fuzz-http
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz-http.c
tests_fuzz_fuzz_http_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_fuzz_fuzz_http_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_http_LDADD = $(LIBOPPROBE)
tests_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-http

# make bench: the tls and http probes next to curl on the same nginx.
bench_scripts += tests/bench/web-curl.sh
