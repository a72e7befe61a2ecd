# probes/ dns fragment: the DNS message codec, the dns probe type, their
# tests, the bad-server tool, the fuzz harness and the dnsperf benchmark.
probes_libopprobe_a_SOURCES += probes/dns_msg.h probes/dns_msg.c probes/dns_text.c
# The dns probe type: engine, servers, report.
probes_libopprobe_a_SOURCES += probes/probe_dns.h probes/probe_dns.c probes/probe_dns_server.c \
	probes/probe_dns_report.c

# The codec, table-driven: every type, every malformation.
check_PROGRAMS += tests/unit/test-dns-msg
TESTS += tests/unit/test-dns-msg
tests_unit_test_dns_msg_SOURCES = tests/unit/test-dns-msg.c tests/tap.h
tests_unit_test_dns_msg_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_dns_msg_LDADD = $(LIBOPPROBE)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-dns
fuzz_harnesses += tests/fuzz/fuzz-dns
tests_fuzz_fuzz_dns_SOURCES = tests/fuzz/fuzz-dns.c
tests_fuzz_fuzz_dns_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_fuzz_fuzz_dns_LDADD = $(LIBOPPROBE)
tests_fuzz_fuzz_dns_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz-dns

# Raw queries and the path options of libop's resolver, against a UDP+TCP
# server in the test (it parses with the codec, hence here).
check_PROGRAMS += tests/unit/test-resolve-query
TESTS += tests/unit/test-resolve-query
tests_unit_test_resolve_query_SOURCES = tests/unit/test-resolve-query.c tests/tap.h
tests_unit_test_resolve_query_CPPFLAGS = $(PROBE_CPPFLAGS)
tests_unit_test_resolve_query_LDADD = $(LIBOPPROBE)

# Against dnsmasq and tests/tools/dns-bad.py in namespaces (root).
dns_tests = tests/probes/dns-types.sh tests/probes/dns-servers.sh tests/probes/dns-bad.sh
TESTS += $(dns_tests)
dist_check_SCRIPTS += $(dns_tests)
EXTRA_DIST += tests/probes/dns-lib.sh tests/tools/dns-bad.py

# outpost-probe dns next to dnsperf on the same dnsmasq (make bench).
bench_scripts += tests/bench/dns-dnsperf.sh
