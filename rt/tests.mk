# rt/ integration tests and benchmarks (tests/rt/, tests/bench/rt-*).
EXTRA_DIST += tests/rt/rt-lib.sh
EXTRA_DIST += tests/tools/rt-watch.py
