# modules/shape/ integration tests and benchmarks (owner: shtests):
# tests/shape/*.sh in the world of tests/shape/shape-lib.sh, and
# tests/bench/shape-*.sh.
EXTRA_DIST += tests/shape/shape-lib.sh
