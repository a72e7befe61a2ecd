#!/bin/bash
# p2p-aria2.sh: outpost-p2p against aria2c, one seed to one peer over an
# unshaped veth (the world of tests/p2p/p2p-lib.sh), 256 MiB in one file
# (P2P_BENCH_MIB), v1, 1 MiB pieces. Three runs, the seed in seed, the
# getter in p1:
#   aria2c  -> aria2c     the reference
#   outpost -> aria2c     outpost seeding
#   aria2c  -> outpost    outpost getting
# Prints, for each, the getter's wall time and throughput, and the CPU
# seconds per GiB of the getter (/usr/bin/time) and of the seed (its
# /proc/PID/stat user+system between the getter's start and end: the
# seed's own verification at start is left out); then outpost's ratios
# to aria2c's (throughput: higher is better; CPU: lower). Asserts nothing.
# P2P_BENCH_REF_ONLY=1: the reference alone (no outpost-p2p needed).
# Root. Run it from a build WITHOUT --enable-sanitizers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
MIB=${P2P_BENCH_MIB:-256}
[ "$(id -u)" = 0 ] || { echo "p2p-aria2 bench: needs root (namespaces)" >&2; exit 1; }
REF_ONLY=${P2P_BENCH_REF_ONLY:-0}	# 1: only the aria2c reference run
[ -x "$P2P" ] || [ "$REF_ONLY" = 1 ] || { echo "p2p-aria2 bench: no $P2P" >&2; exit 1; }
command -v aria2c >/dev/null || { echo "p2p-aria2 bench: no aria2c" >&2; exit 1; }
if nm "$P2P" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $P2P is built with AddressSanitizer; figures are not representative" >&2
fi
netns_exclusive
p2p_world 1 || { echo "p2p-aria2 bench: no world" >&2; exit 1; }
T=$NETNS_TMP
TICK=$(getconf CLK_TCK)
p2p_content "$T/src" data "$MIB" 1
size=$(p2p_size "$T/src/data")
want=$(p2p_sha "$T/src/data")
if [ "$REF_ONLY" = 1 ]; then
	p2p_mktorrent "$T/src/data" "$T/b.torrent" -l 20
else
	"$P2P" create "$T/src/data" -o "$T/b.torrent" --v1 --piece-size 1MiB >/dev/null
fi ||
	{ echo "p2p-aria2 bench: create failed" >&2; exit 1; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# run NAME SEEDER GETTER: sets WALL, GCPU, SCPU (seconds).
run()
{
	local name=$1 seeder=$2 getter=$3 s g t0 t1 out=$T/$1 timef=$T/$1.time
	rm -rf "$out"
	if [ "$getter" = aria2 ]; then
		# aria2c cannot be given a peer: it finds an aria2c seed through
		# the tracker, and an outpost seed dials it.
		ns_exec p1 /usr/bin/time -f '%e %U %S' -o "$timef" aria2c --enable-dht=false \
			--bt-enable-lpd=false --enable-peer-exchange=false --seed-time=0 \
			--listen-port="$P2P_PORT" --file-allocation=none --summary-interval=0 \
			--console-log-level=error --bt-tracker="$P2P_TRACKER" -d "$out" "$T/b.torrent" \
			>"$T/$name.log" 2>&1 &
		g=$!
		p2p_wait_listen p1 20 || { echo "$name: aria2c does not listen" >&2; return 1; }
	fi
	if [ "$seeder" = aria2 ]; then
		p2p_aria2 seed "$T/b.torrent" "$T/src" seed --bt-tracker="$P2P_TRACKER"
	else
		p2p_op seed seed "$T/b.torrent" "$T/src" --no-lsd --no-trackers --quiet \
			--peer "$(p2p_ip p1):$P2P_PORT"
	fi
	s=$BG_PID
	# Both seeds listen once their content verified: CPU counts from then.
	p2p_wait_listen seed 120 || { echo "$name: the seed does not listen" >&2; return 1; }
	t0=$(cpu_ticks "$s")
	if [ "$getter" = aria2 ]; then
		wait "$g"
	else
		ns_exec p1 /usr/bin/time -f '%e %U %S' -o "$timef" "$P2P" get "$T/b.torrent" -o "$out" \
			--peer "$P2P_SEED4:$P2P_PORT" --no-lsd --no-trackers --quiet >"$T/$name.log" 2>&1
	fi
	t1=$(cpu_ticks "$s")
	bg_kill "$s"
	[ "$(p2p_sha "$out/data")" = "$want" ] || { echo "$name: wrong content" >&2; return 1; }
	read -r WALL gu gs <"$timef"
	GCPU=$(echo "$gu + $gs" | bc -l)
	SCPU=$(echo "($t1 - $t0) / $TICK" | bc -l)
	printf '%-18s %7.2f s %8.1f MiB/s   getter %6.2f CPU s/GiB   seed %6.2f CPU s/GiB\n' \
		"$name" "$WALL" "$(echo "$size / 1048576 / $WALL" | bc -l)" \
		"$(echo "$GCPU * 1073741824 / $size" | bc -l)" "$(echo "$SCPU * 1073741824 / $size" | bc -l)"
}
# The reference aria2c -> aria2c needs a tracker for the two to meet.
p2p_tracker "$T/b.torrent" >/dev/null || { echo "p2p-aria2 bench: no tracker" >&2; exit 1; }
echo "p2p-aria2 bench: $MIB MiB, one seed to one peer, unshaped veth"
run aria2-to-aria2 aria2 aria2 || exit 1
rw=$WALL rg=$GCPU rs=$SCPU
[ "$REF_ONLY" = 1 ] && exit 0
run outpost-to-aria2 outpost aria2 || exit 1
ow=$WALL os=$SCPU
run aria2-to-outpost aria2 outpost || exit 1
gw=$WALL og=$GCPU
printf 'outpost seeding: throughput x%.2f of aria2c, seed CPU x%.2f\n' \
	"$(echo "$rw / $ow" | bc -l)" "$(echo "$os / ($rs + 0.001)" | bc -l)"
printf 'outpost getting: throughput x%.2f of aria2c, getter CPU x%.2f\n' \
	"$(echo "$rw / $gw" | bc -l)" "$(echo "$og / ($rg + 0.001)" | bc -l)"
