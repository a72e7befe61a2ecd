#!/bin/bash
# p2pd-regions.sh: two regions at once, 4 devices each, each behind its
# own 20 Mbit/s line to the one origin; the same package added on all 8
# devices at once. Every device finishes with the right SHA-256, and
# each region's origin bytes (nginx's log, by client address) stay
# within 1.05 x the package: the regions do not lean on each other, and
# within each the origin is fetched once.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
p2pd_region_begin "${P2PD_TEST_MIB:-8}" a:4 b:4
devs=$(region_devs a; region_devs b)
# shellcheck disable=SC2086
p2pd_start_all $devs
p2pd_add_all "$P2P_WEB/pkg.torrent" $devs
# shellcheck disable=SC2086
run_ok "all 8 devices of both regions finish" wait_until 120 p2pd_all_seeding $devs
# shellcheck disable=SC2086
is "$(p2pd_bad_copies pkg "$PKG_SHA" $devs)" 0 "every device has the right SHA-256"
for r in a b; do
	o=$(($(region_origin_bytes "$r") - 4 * PKG_TORRENT))
	ok "$(p2pd_le "$(p2pd_ratio "$o")" 1.05)" \
		"region $r: origin bytes x$(p2pd_ratio "$o") of the package (<= 1.05)"
done
p2p_diag_logs a1/log b1/log
done_testing
