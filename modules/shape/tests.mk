# modules/shape/ integration tests and benchmarks (owner: shtests):
# tests/shape/*.sh in the world of tests/shape/shape-lib.sh, and
# tests/bench/shape-*.sh.
EXTRA_DIST += tests/shape/shape-lib.sh

# Real traffic through outpost-shape's objects in the world (root):
# rates of every class in both directions and both families.
shape_tests = tests/shape/shape-rate.sh tests/shape/shape-rate6.sh tests/shape/shape-business.sh \
	tests/shape/shape-regions.sh tests/shape/shape-change.sh \
	tests/shape/shape-show.sh tests/shape/shape-clear.sh \
	tests/shape/shape-refuse.sh
EXTRA_DIST += tests/shape/shape-rate-lib.sh
TESTS += $(shape_tests)
dist_check_SCRIPTS += $(shape_tests)

# make bench: achieved/configured rates against iproute2's defaults and
# wondershaper; apply time of 100 regions and the gap during changes.
bench_scripts += tests/bench/shape-accuracy.sh tests/bench/shape-apply.sh
CLEANFILES += tests/shape/.traffic.lock
