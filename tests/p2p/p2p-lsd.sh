#!/bin/bash
# p2p-lsd.sh: outpost peers find each other only by Local Service
# Discovery (BEP 14: multicast on the LAN bridge): no tracker in the
# torrent, no --peer, no web seed. The control first: with --no-lsd on
# the getter nobody is found (--stall, exit 1). Then a get with LSD
# completes with the right SHA-256, every byte from peers.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 2
p2p_content "$T/src" data 3
want=$(p2p_sha "$T/src/data")
size=$(p2p_size "$T/src/data")
run_ok "create without trackers" "$P2P" create "$T/src/data" -o "$T/t.torrent"
p2p_op seed seed "$T/t.torrent" "$T/src" --json
s=$BG_PID
p2p_wait_listen seed || diag "the seed does not listen"
run_fails "without LSD nobody is found" p2p_get p2 "$T/t.torrent" -o "$T/o2" \
	--no-lsd --stall 4s --quiet
is "$RUN_STATUS" 1 "... and that is exit 1"
run_ok "get finds the seed by LSD" p2p_get p1 "$T/t.torrent" -o "$T/o1" \
	--stall 30s --json
is "$(p2p_sha "$T/o1/data")" "$want" "right SHA-256"
is "$(p2p_jget "$(p2p_last p1)" from_peers)" "$size" "every byte from peers"
bg_kill "$s"
done_testing
