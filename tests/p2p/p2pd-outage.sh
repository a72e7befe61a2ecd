#!/bin/bash
# p2pd-outage.sh: the origin goes away for 30 s in the middle of a
# region's transfer (region_origin_down: no answer, no reset), then comes
# back. The transfers pause and then finish: every device ends with the
# right SHA-256, outpost-p2p verify passes on each, and no p2p/failed
# event was recorded.
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
region_world a 4 || bail "no region"
p2pd_user || bail "cannot create a user"
p2pd_package "$T/www" "${P2PD_TEST_MIB:-16}" || bail "no package"
region_origin "$T/www" || bail "no origin"
devs=$(region_devs a)
for d in $devs; do
	p2pd_conf "$d" a
	p2pd_start "$d" || bail "$d: the daemon did not start"
done
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
