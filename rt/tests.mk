# rt/ integration tests and benchmarks (tests/rt/, tests/bench/rt-*).
EXTRA_DIST += tests/rt/rt-lib.sh
