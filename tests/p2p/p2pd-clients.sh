#!/bin/bash
# p2pd-clients.sh: outpost-p2pd in a region whose LAN also holds other
# BitTorrent clients, plain peers without Outpost's region keys:
#  - a1 (outpost-p2pd) fetches the package from the origin; transmission
#    (a2, found by the region tracker) and libtorrent (a3, given a1's
#    address) download it from a1;
#  - with a1 and the origin gone, a4 (outpost-p2pd) finds them (the
#    tracker, LSD) and gets the whole package from them: right SHA-256, not a
#    byte from the origin.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
p2pd_region_begin 8 a:4
require_cmd opentracker transmission-cli
"$LT_PY" -c 'import libtorrent' 2>/dev/null || bail "no python3-libtorrent in $LT_PY"
trk=$(region_tracker_url a)
# v1: Transmission 3.00 opens no v2 or hybrid torrent. The same info
# dictionary (one info-hash) with the tracker in it is for transmission,
# which takes trackers from the .torrent only.
"$P2P" create "$T/www/pkg" -o "$T/www/pkg1.torrent" --v1 --webseed "$P2P_WEB/" \
	--piece-size 256KiB >/dev/null || bail "no v1 .torrent"
"$P2P" create "$T/www/pkg" -o "$T/pkg1-trk.torrent" --v1 --tracker "$trk" \
	--piece-size 256KiB >/dev/null || bail "no v1 .torrent with a tracker"
ih() { "$P2P" info --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["info_hash"])'; }
is "$(ih "$T/pkg1-trk.torrent")" "$(ih "$T/www/pkg1.torrent")" "both .torrent files name one info-hash"
region_tracker a "$T/www/pkg1.torrent" || bail "no tracker"
for d in a1 a4; do
	p2pd_conf "$d" a "tracker = $trk"
done

p2pd_start_all a1
p2pd_add_all "$REGION_WEB/pkg1.torrent" a1
run_ok "a1 gets the package from the origin" wait_until 60 p2pd_seeding a1
region_tracker_seeded a "$T/www/pkg1.torrent"
region_origin_down
origin0=$(region_origin_bytes a)

p2p_tr a2 "$T/pkg1-trk.torrent" "$T/tr"
tr=$BG_PID
p2p_lt a3 --peer "$(p2p_ip a1):6881" --lsd --seed-time 120 --timeout 180 \
	"$T/www/pkg1.torrent" "$T/lt"
lt=$BG_PID
run_ok "transmission downloads it from a1" p2p_wait_sha "$T/tr/pkg" "$PKG_SHA" 60
run_ok "libtorrent downloads it from a1" p2p_wait_sha "$T/lt/pkg" "$PKG_SHA" 60
up=$(p2pd_jlist a1 uploaded)
diag "a1 uploaded $up bytes"
ok "$([ "$up" -ge $((2 * PKG_SIZE)) ]; echo $?)" "a1 sent both of them the whole package"

kill "${P2PD_PID[a1]}"
wait_until 10 eval '! kill -0 '"${P2PD_PID[a1]}"' 2>/dev/null'
p2pd_start_all a4
run_ok "the torrent is added on a4" p2pd_cli a4 add "$T/www/pkg1.torrent"
# transmission is on the tracker; libtorrent answers a4's LSD
run_ok "a4 gets the package from the other clients" wait_until 90 p2pd_seeding a4
is "$(p2pd_bad_copies pkg "$PKG_SHA" a4)" 0 "a4 has the right SHA-256"
is "$(region_origin_bytes a)" "$origin0" "not a byte of it from the origin"
diag "a4: $(p2pd_cli a4 list | tail -n +2)"
bg_kill "$tr"
bg_kill "$lt"
p2p_diag_logs a1/log a4/log lt-a3.log
done_testing
