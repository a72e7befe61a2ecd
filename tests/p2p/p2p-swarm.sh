#!/bin/bash
# p2p-swarm.sh: one outpost seed capped at 2 MiB/s and four outpost
# peers, each given the seed and the others with --peer: all four finish
# with the right SHA-256, and the seed's eth0 sent less than 4x the size
# (the kernel's count, headers included), so the peers served each other.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 4
p2p_content "$T/src" data 6
want=$(p2p_sha "$T/src/data")
size=$(p2p_size "$T/src/data")
run_ok "create" "$P2P" create "$T/src/data" -o "$T/t.torrent"
p2p_op seed seed "$T/t.torrent" "$T/src" --no-lsd --no-trackers --max-upload-rate 2MiB/s --json
s=$BG_PID
p2p_wait_listen seed || diag "the seed does not listen"
tx0=$(p2p_tx_bytes seed)
pids=()
for i in 1 2 3 4; do
	peers=(--peer "$P2P_SEED4:$P2P_PORT")
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] || peers+=(--peer "$(p2p_ip "p$j"):$P2P_PORT")
	done
	p2p_op "p$i" get "$T/t.torrent" -o "$T/o$i" "${peers[@]}" --no-lsd --no-trackers \
		--stall 30s --seed-after 5s --json
	pids+=("$BG_PID")
done
for i in 1 2 3 4; do
	p2p_wait_exit "${pids[$((i - 1))]}" 60
	is "$P2P_RC" 0 "p$i finished"
	is "$(p2p_sha "$T/o$i/data")" "$want" "p$i: right SHA-256"
	[ "$P2P_RC" = 0 ] || p2p_diag_logs "op-p$i.err"
done
up=$(($(p2p_tx_bytes seed) - tx0))
diag "the seed's eth0 sent $up bytes for 4 x $size"
ok "$([ "$up" -lt $((4 * size)) ]; echo $?)" "the peers served each other"
bg_kill "$s"
done_testing
