#!/bin/bash
# p2pd-outage.sh: the origin goes away for 30 s in the middle of a
# region's transfer (region_origin_down: no answer, no reset), then comes
# back. The transfers pause and then finish: every device ends with the
# right SHA-256, outpost-p2p verify passes on each, and no p2p/failed
# event was recorded.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
p2pd_region_begin "${P2PD_TEST_MIB:-16}" a:4
devs=$(region_devs a)
# shellcheck disable=SC2086
p2pd_start_all $devs
p2pd_add_all "$P2P_WEB/pkg.torrent" $devs
third() { local b; b=$(p2pd_jlist a1 bytes); [ "${b:-0}" -ge $((PKG_SIZE / 3)) ] 2>/dev/null; }
wait_until 60 third || diag "a1 not a third through after 60 s"
region_origin_down || bail "cannot take the origin away"
at=$(p2pd_jlist a1 bytes)
sleep 30
# shellcheck disable=SC2086
ok "$(! p2pd_all_seeding $devs; echo $?)" "with the origin away 30 s, not all are done (a1 had $at bytes)"
region_origin_up || bail "cannot bring the origin back"
# shellcheck disable=SC2086
run_ok "after it is back every device finishes" wait_until 180 p2pd_all_seeding $devs
# shellcheck disable=SC2086
is "$(p2pd_bad_copies pkg "$PKG_SHA" $devs)" 0 "... with the right SHA-256"
bad=0
for d in $devs; do
	hex=$(p2pd_jlist "$d" info_hash)
	"$P2P" verify "$T/www/pkg.torrent" "$T/$d/data/content/$hex" >/dev/null 2>&1 || bad=$((bad + 1))
done
is "$bad" 0 "outpost-p2p verify passes on every device"
n=0
for d in $devs; do n=$((n + $(p2pd_events "$d" failed))); done
is "$n" 0 "no p2p/failed event"
o=$(($(region_origin_bytes a) - 4 * PKG_TORRENT))
diag "origin bytes x$(p2pd_ratio "$o") of the package"
p2p_diag_logs a1/log
done_testing
