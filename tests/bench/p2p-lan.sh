#!/bin/bash
# p2p-lan.sh: does outpost-p2p's request pipeline fill a 1 Gbit/s LAN
# link? The seed's eth0 (the world of tests/p2p/p2p-lib.sh) is capped
# by HTB at P2P_BENCH_LINK (default 1gbit). In the same run:
#   iperf3        one TCP stream seed -> p1 through the cap: what the
#                 link carries;
#   outpost-p2p   seed -> get of 512 MiB (P2P_BENCH_MIB), v1, 1 MiB pieces.
# The rate of each is read from the seed's eth0 byte counter, sampled
# every 100 ms, over the middle of the transfer (after the first and
# before the last 10 % of its bytes): start-up and the getter's final
# whole-file check are left out. Prints both and outpost's ratio to
# iperf3 (1.00: the link is full). Asserts nothing. Root; run it from
# a build WITHOUT --enable-sanitizers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
MIB=${P2P_BENCH_MIB:-512}
LINK=${P2P_BENCH_LINK:-1gbit}
[ "$(id -u)" = 0 ] || { echo "p2p-lan bench: needs root (namespaces)" >&2; exit 1; }
[ -x "$P2P" ] || { echo "p2p-lan bench: no $P2P" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "p2p-lan bench: no iperf3" >&2; exit 1; }
nm "$P2P" 2>/dev/null | grep -q __asan_init &&
	echo "WARNING: $P2P is built with AddressSanitizer; figures are not representative" >&2
netns_exclusive
p2p_world 1 || { echo "p2p-lan bench: no world" >&2; exit 1; }
T=$NETNS_TMP
# Burst and quantum sized for the rate (as outpost-shape does): HTB's
# defaults undershoot at 1 Gbit/s.
ns_exec seed tc qdisc replace dev eth0 root handle 1: htb default 1 r2q 1000 &&
	ns_exec seed tc class add dev eth0 parent 1: classid 1:1 htb rate "$LINK" ceil "$LINK" \
		burst 512k cburst 512k quantum 200000 ||
	{ echo "p2p-lan bench: cannot cap the link" >&2; exit 1; }

# sample OUT: the seed's tx byte count every 100 ms, "ms bytes" lines,
# until killed.
sample()
{
	while :; do
		printf '%s %s\n' "$(date +%s%3N)" \
			"$(cat "/sys/class/net/eth0/statistics/tx_bytes")"
		sleep 0.1
	done
}
# mid_rate FILE: Mbit/s between 10 % and 90 % of the bytes sent.
mid_rate()
{
	awk 'NR == 1 { b0 = $2 } { t[NR] = $1; b[NR] = $2 - b0 } END {
		tot = b[NR]; for (i = 1; i <= NR; i++) {
			if (!s && b[i] >= tot * 0.1) s = i
			if (b[i] <= tot * 0.9) e = i
		}
		if (!s || e <= s) { print 0; exit }
		printf "%.1f\n", (b[e] - b[s]) * 8 / ((t[e] - t[s]) * 1000)
	}' "$1"
}
start_sampler()
{
	ns_exec seed bash -c "$(declare -f sample); sample" >"$1" &
	SAMPLER=$!
}

# iperf3: the link's own figure.
bg_run p1 iperf3 -s -B "$(p2p_ip p1)" -p 5201 >/dev/null 2>&1
wait_until 10 p2p_port_open p1 "$(p2p_ip p1)" 5201 || { echo "p2p-lan bench: no iperf3 server" >&2; exit 1; }
start_sampler "$T/iperf.samples"
ns_exec seed iperf3 -c "$(p2p_ip p1)" -p 5201 -t 5 >/dev/null 2>&1 ||
	{ echo "p2p-lan bench: iperf3 failed" >&2; kill "$SAMPLER"; exit 1; }
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null
ref=$(mid_rate "$T/iperf.samples")

p2p_content "$T/src" data "$MIB" 1
want=$(p2p_sha "$T/src/data")
"$P2P" create "$T/src/data" -o "$T/l.torrent" --v1 --piece-size 1MiB >/dev/null ||
	{ echo "p2p-lan bench: create failed" >&2; exit 1; }
p2p_op seed seed "$T/l.torrent" "$T/src" --no-lsd --no-trackers --quiet
p2p_wait_listen seed 120 || { echo "p2p-lan bench: the seed does not listen" >&2; exit 1; }
start_sampler "$T/p2p.samples"
t0=$(date +%s%3N)
ns_exec p1 "$P2P" get "$T/l.torrent" -o "$T/out" --peer "$P2P_SEED4:$P2P_PORT" \
	--no-lsd --no-trackers --quiet || { echo "p2p-lan bench: get failed" >&2; kill "$SAMPLER"; exit 1; }
t1=$(date +%s%3N)
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null
[ "$(p2p_sha "$T/out/data")" = "$want" ] || { echo "p2p-lan bench: wrong content" >&2; exit 1; }
got=$(mid_rate "$T/p2p.samples")

echo "p2p-lan bench: seed -> peer through a $LINK cap, $MIB MiB"
printf '%-12s %8.1f Mbit/s\n' iperf3 "$ref"
printf '%-12s %8.1f Mbit/s   (whole get, start-up and final check included: %.2f s)\n' \
	outpost-p2p "$got" "$(echo "($t1 - $t0) / 1000" | bc -l)"
printf 'outpost-p2p / iperf3: x%.2f\n' "$(echo "$got / ($ref + 0.001)" | bc -l)"
