#!/bin/bash
# p2p-aria2.sh: outpost-p2p and aria2c exchange a v1 torrent both ways.
#  1. outpost seeds (in seed), aria2c downloads (in p1): outpost dials
#     aria2c (--peer), aria2c exits when done; the files' SHA-256 match.
#  2. aria2c seeds, outpost gets with --peer: exit 0, "done" says every
#     byte came from peers, SHA-256 match, verify agrees.
#  3. the same with a .torrent made by mktorrent, not by us;
#  4. and that over IPv6 ([2001:db8::2]:6881).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 2 aria2c mktorrent
p2p_content "$T/src" data 6
want=$(p2p_sha "$T/src/data")
size=$(p2p_size "$T/src/data")
run_ok "create a v1 torrent" "$P2P" create "$T/src/data" -o "$T/v1.torrent" --v1 --piece-size 256KiB

# 1. outpost -> aria2c
p2p_aria2 p1 "$T/v1.torrent" "$T/a1" get
a=$BG_PID
p2p_wait_listen p1 || diag "aria2c does not listen"
p2p_op seed seed "$T/v1.torrent" "$T/src" --no-lsd --no-trackers \
	--peer "$(p2p_ip p1):$P2P_PORT" --json
s=$BG_PID
p2p_wait_exit "$a" 60
is "$P2P_RC" 0 "aria2c finished downloading from outpost's seed"
is "$(p2p_sha "$T/a1/data")" "$want" "aria2c's files have the right SHA-256"
ok "$(_netns_alive "$s"; echo $?)" "outpost's seed still runs"
bg_kill "$s"
[ "$P2P_RC" = 0 ] || p2p_diag_logs aria2-p1.log op-seed.err op-seed.json

# 2. aria2c -> outpost
rm -rf "$T/a1"
p2p_aria2 seed "$T/v1.torrent" "$T/src" seed
s=$BG_PID
p2p_wait_listen seed || diag "aria2c seed does not listen"
run_ok "outpost gets from aria2c" p2p_get p1 "$T/v1.torrent" -o "$T/o1" \
	--peer "$P2P_SEED4:$P2P_PORT" --no-lsd --no-trackers --stall 30s --json
done=$(p2p_last p1)
is "$(p2p_jget "$done" type)" "done" "the last JSON line is done"
is "$(p2p_jget "$done" from_peers)" "$size" "every byte came from peers"
is "$(p2p_sha "$T/o1/data")" "$want" "outpost's files have the right SHA-256"
run_ok "verify agrees" "$P2P" verify "$T/v1.torrent" "$T/o1"

# 3. a mktorrent .torrent, aria2c seeding the same files with it
p2p_mktorrent "$T/src/data" "$T/mk.torrent"
bg_kill "$s"
p2p_aria2 seed "$T/mk.torrent" "$T/src" seed
p2p_wait_listen seed || diag "aria2c seed does not listen"
run_ok "outpost gets a mktorrent torrent from aria2c" p2p_get p2 "$T/mk.torrent" \
	-o "$T/o2" --peer "$P2P_SEED4:$P2P_PORT" --no-lsd --no-trackers --stall 30s --quiet
is "$(p2p_sha "$T/o2/data")" "$want" "those files have the right SHA-256"

# 4. the same over IPv6
run_ok "outpost gets from aria2c over IPv6" p2p_get p1 "$T/mk.torrent" -o "$T/o3" \
	--peer "[$P2P_SEED6]:$P2P_PORT" --no-lsd --no-trackers --stall 30s --quiet
is "$(p2p_sha "$T/o3/data")" "$want" "IPv6: right SHA-256"
done_testing
