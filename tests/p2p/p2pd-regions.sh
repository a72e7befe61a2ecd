#!/bin/bash
# p2pd-regions.sh: two regions at once, 4 devices each, each behind its
# own 20 Mbit/s line to the one origin; the same package added on all 8
# devices at once. Every device finishes with the right SHA-256, and
# each region's origin bytes (nginx's log, by client address) stay
# within 1.05 x the package: the regions do not lean on each other, and
# within each the origin is fetched once.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/region-lib.sh"
. "$top_srcdir/tests/p2p/p2pd-lib.sh"
[ -x "$P2PD" ] || bail "no $P2PD (build it first)"
require_root
require_cmd nginx python3 useradd userdel bc
[ -x "$P2P" ] || bail "no $P2P"
netns_exclusive
T=$NETNS_TMP
region_world a 4 || bail "no region a"
region_world b 4 || bail "no region b"
p2pd_user || bail "cannot create a user"
p2pd_package "$T/www" "${P2PD_TEST_MIB:-8}" || bail "no package"
region_origin "$T/www" || bail "no origin"
devs=$(region_devs a; region_devs b)
for d in $devs; do
	p2pd_conf "$d" "${d%%[0-9]*}"
	p2pd_start "$d" || bail "$d: the daemon did not start"
done
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
