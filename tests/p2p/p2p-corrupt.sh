#!/bin/bash
# p2p-corrupt.sh: a get with two peers, bt-corrupt.py (claims every piece,
# answers every request fast with wrong bytes) and an honest but slow
# aria2c seed (--max-upload-limit). The get completes with the right
# SHA-256; the corrupt peer served blocks (its own counters: it was
# really used), hash failures were seen, and it is reported banned in
# the JSON events (naming its address) and in "done".
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 2 aria2c
p2p_content "$T/src" data 4
want=$(p2p_sha "$T/src/data")
run_ok "create" "$P2P" create "$T/src/data" -o "$T/t.torrent" --v1 --piece-size 64KiB
p2p_aria2 seed "$T/t.torrent" "$T/src" seed --max-upload-limit=512K
p2p_wait_listen seed || diag "aria2c does not listen"
bg_run p2 python3 "$P2P_TOOLS/bt-corrupt.py" --listen "$(p2p_ip p2):$P2P_PORT" \
	--counters "$T/corrupt.json" "$T/t.torrent" >"$T/corrupt.log" 2>&1
p2p_wait_listen p2 || diag "bt-corrupt.py does not listen"
run_ok "get completes beside a corrupt peer" p2p_get p1 "$T/t.torrent" -o "$T/o1" \
	--peer "$(p2p_ip p2):$P2P_PORT" --peer "$P2P_SEED4:$P2P_PORT" --no-lsd --no-trackers \
	--stall 30s --json
done=$(tail -n 1 "$T/op-p1.json")
is "$(p2p_sha "$T/o1/data")" "$want" "right SHA-256: the corrupt data was discarded"
served=$(p2p_jget "$(cat "$T/corrupt.json" 2>/dev/null)" blocks_served)
ok "$([ "$served" != null ] && [ "$served" -gt 0 ]; echo $?)" "the corrupt peer served $served blocks"
ok "$([ "$(p2p_events p1 hash_fail)" -gt 0 ]; echo $?)" "hash_fail events were reported"
ok "$([ "$(p2p_events p1 banned)" -ge 1 ]; echo $?)" "a banned event was reported"
ok "$([ "$(p2p_jget "$done" banned)" -ge 1 ] 2>/dev/null; echo $?)" "done counts the ban"
ok "$([ "$(p2p_jget "$done" hash_fails)" -ge 1 ] 2>/dev/null; echo $?)" "done counts hash failures"
like "$(p2p_event_texts p1 banned)" "$(p2p_ip p2 | sed 's/\./\\./g')" \
	"the banned event names the corrupt peer"
done_testing
