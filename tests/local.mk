# tests/: shell TAP tests and the bash helpers they share (each helper
# file documents itself in its header).  tests/summary counts results for
# quickstart and CI; tests/demo/demo.sh is what `./quickstart demo` runs.
test_shell_lib = tests/lib/tap.sh tests/lib/netns.sh tests/lib/netem-relay.py \
	tests/lib/broker.sh

TESTS += tests/man-lint.sh
dist_check_SCRIPTS += tests/man-lint.sh

# Integration tests build their own hosts in network namespaces (root).
TESTS += tests/integration/netns-helpers.sh
dist_check_SCRIPTS += tests/integration/netns-helpers.sh

EXTRA_DIST += $(test_shell_lib) tests/summary tests/demo/demo.sh

# quickstart asks make which fuzz harnesses exist, to run them one by one.
print-fuzz-harnesses:
	@echo $(fuzz_harnesses)
.PHONY: print-fuzz-harnesses
CLEANFILES += tests/.netns.lock
