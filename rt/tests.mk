# rt/ integration tests and benchmarks (tests/rt/, tests/bench/rt-*).
EXTRA_DIST += tests/rt/rt-lib.sh
EXTRA_DIST += tests/tools/rt-watch.py

# outpost-routed in the two-line world of tests/rt/rt-lib.sh (root).
rt_tests = tests/rt/rt-traffic.sh tests/rt/rt-foreign.sh tests/rt/rt-repair.sh \
	tests/rt/rt-failover.sh tests/rt/rt-fight.sh tests/rt/rt-conflict.sh \
	tests/rt/rt-burst.sh
TESTS += $(rt_tests)
dist_check_SCRIPTS += $(rt_tests)

# make bench: install 10,000+10,000 objects against ip -batch and an ip
# loop; repair latency over 100 deletions.
bench_scripts += tests/bench/rt-install.sh tests/bench/rt-repair.sh
