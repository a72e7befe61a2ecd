#!/bin/bash
# p2p-transmission.sh: outpost-p2p and transmission-cli, which cannot be
# given a peer: both find each other through opentracker only (no LSD).
#  1. outpost seeds, transmission-cli downloads (watched until the files'
#     SHA-256 match, then killed: it never exits).
#  2. transmission-cli seeds, outpost gets: exit 0, SHA-256 match.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 2 transmission-cli opentracker
p2p_content "$T/src" data 3
want=$(p2p_sha "$T/src/data")
run_ok "create a v1 torrent with the tracker" "$P2P" create "$T/src/data" -o "$T/v1.torrent" \
	--v1 --tracker "$P2P_TRACKER"
p2p_tracker "$T/v1.torrent" || bail "no tracker"

# 1. outpost -> transmission
p2p_op seed seed "$T/v1.torrent" "$T/src" --no-lsd --json
s=$BG_PID
p2p_wait_listen seed || diag "outpost's seed does not listen"
p2p_tr p1 "$T/v1.torrent" "$T/t1"
t=$BG_PID
p2p_wait_sha "$T/t1/data" "$want" 60
ok $? "transmission-cli downloaded the right bytes from outpost"
bg_kill "$t"
ok "$(_netns_alive "$s"; echo $?)" "outpost's seed still runs"
bg_kill "$s"
[ "$(p2p_sha "$T/t1/data")" = "$want" ] || p2p_diag_logs tr-p1.log op-seed.err

# 2. transmission -> outpost (transmission seeds what it got)
p2p_tr p1 "$T/v1.torrent" "$T/t1"
t=$BG_PID
p2p_wait_listen p1 || diag "transmission does not listen"
p2p_tracker_seeded "$T/v1.torrent"
run_ok "outpost gets from transmission-cli via the tracker" p2p_get p2 \
	"$T/v1.torrent" -o "$T/o2" --no-lsd --stall 40s --json
is "$(p2p_sha "$T/o2/data")" "$want" "outpost's files have the right SHA-256"
[ "$RUN_STATUS" = 0 ] || p2p_diag_logs tr-p1.log
bg_kill "$t"
done_testing
