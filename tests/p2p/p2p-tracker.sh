#!/bin/bash
# p2p-tracker.sh: outpost peers find each other only through opentracker
# (no --peer, --no-lsd, no web seed): one seed, two getters, all SHA-256
# right and every byte from peers; and the control: the same get with
# --no-trackers finds nobody and gives up (--stall) with exit 1.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 3 opentracker
p2p_content "$T/src" data 4
want=$(p2p_sha "$T/src/data")
size=$(p2p_size "$T/src/data")
run_ok "create with the tracker" "$P2P" create "$T/src/data" -o "$T/t.torrent" --tracker "$P2P_TRACKER"
p2p_tracker "$T/t.torrent" || bail "no tracker"
p2p_op seed seed "$T/t.torrent" "$T/src" --no-lsd --json
s=$BG_PID
p2p_wait_listen seed || diag "the seed does not listen"
p2p_tracker_seeded "$T/t.torrent"
run_fails "without trackers nobody is found" p2p_get p3 "$T/t.torrent" -o "$T/o3" \
	--no-lsd --no-trackers --stall 4s --quiet
is "$RUN_STATUS" 1 "... and that is exit 1"
for i in 1 2; do
	p2p_op "p$i" get "$T/t.torrent" -o "$T/o$i" --no-lsd --stall 30s --json
	eval "g$i=\$BG_PID"
done
for i in 1 2; do
	eval "p2p_wait_exit \$g$i 60"
	is "$P2P_RC" 0 "p$i: get through the tracker exits 0"
	is "$(p2p_sha "$T/o$i/data")" "$want" "p$i: right SHA-256"
	is "$(p2p_jget "$(p2p_last "p$i")" from_peers)" "$size" "p$i: every byte from peers"
	[ "$P2P_RC" = 0 ] || p2p_diag_logs "op-p$i.err" tracker/log
done
ok "$(_netns_alive "$s"; echo $?)" "the seed still runs"
done_testing
