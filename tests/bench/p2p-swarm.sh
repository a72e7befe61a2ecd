#!/bin/bash
# p2p-swarm.sh: time for one seed to reach 8 peers, all on one unshaped
# LAN (the world of tests/p2p/p2p-lib.sh), 64 MiB in 3 files
# (P2P_BENCH_MIB), peers finding each other through opentracker only,
# the seed capped at 20 MiB/s (P2P_BENCH_SEED_RATE, MiB/s) so the peers
# must serve each other. Run once with aria2c everywhere, once with
# outpost-p2p everywhere; each peer keeps seeding after it finishes. A
# peer's finish: aria2c's --on-bt-download-complete hook, outpost's
# first --json line with every piece. Prints the time until the last
# peer finished for each and outpost's ratio to aria2c (lower is
# better). Asserts nothing. Root. P2P_BENCH_REF_ONLY=1: aria2c alone.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
MIB=${P2P_BENCH_MIB:-64}
RATE=${P2P_BENCH_SEED_RATE:-20}
NP=8
REF_ONLY=${P2P_BENCH_REF_ONLY:-0}
[ "$(id -u)" = 0 ] || { echo "p2p-swarm bench: needs root (namespaces)" >&2; exit 1; }
[ -x "$P2P" ] || [ "$REF_ONLY" = 1 ] || { echo "p2p-swarm bench: no $P2P" >&2; exit 1; }
netns_exclusive
p2p_world "$NP" || { echo "p2p-swarm bench: no world" >&2; exit 1; }
T=$NETNS_TMP
p2p_content "$T/src" data "$MIB"
want=$(p2p_sha "$T/src/data")
if [ "$REF_ONLY" = 1 ]; then
	p2p_mktorrent "$T/src/data" "$T/s.torrent" -a "$P2P_TRACKER"
else
	"$P2P" create "$T/src/data" -o "$T/s.torrent" --v1 --tracker "$P2P_TRACKER" >/dev/null
fi || { echo "p2p-swarm bench: create failed" >&2; exit 1; }
p2p_tracker "$T/s.torrent" || { echo "p2p-swarm bench: no tracker" >&2; exit 1; }
for i in $(seq "$NP"); do
	printf '#!/bin/sh\ndate +%%s.%%N >"%s/done-p%d"\n' "$T" "$i" >"$T/hook-p$i.sh"
	chmod +x "$T/hook-p$i.sh"
done

op_done()
{
	python3 -c 'import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        o = json.loads(line)
    except Exception:
        continue
    if o.get("type") == "done" or (o.get("type") == "progress" and o.get("npieces") and o.get("pieces") == o.get("npieces")):
        sys.exit(0)
sys.exit(1)' "$T/op-$1.json" 2>/dev/null
}

# swarm aria2|outpost: sets SECS, the time until every peer finished.
swarm()
{
	local who=$1 i s t0 left deadline
	rm -rf "$T"/g* "$T"/done-*
	if [ "$who" = aria2 ]; then
		p2p_aria2 seed "$T/s.torrent" "$T/src" seed --max-upload-limit="${RATE}M"
	else
		p2p_op seed seed "$T/s.torrent" "$T/src" --no-lsd --max-upload-rate "${RATE}MiB/s" --quiet
	fi
	s=$BG_PID
	p2p_wait_listen seed 60 || { echo "$who: the seed does not listen" >&2; return 1; }
	t0=$(date +%s.%N)
	for i in $(seq "$NP"); do
		if [ "$who" = aria2 ]; then
			p2p_aria2 "p$i" "$T/s.torrent" "$T/g$i" get --seed-time=10 \
				--on-bt-download-complete="$T/hook-p$i.sh"
		else
			p2p_op "p$i" get "$T/s.torrent" -o "$T/g$i" --no-lsd --seed-after 60s --json
		fi
	done
	deadline=$((SECONDS + 300))
	while :; do
		left=0
		for i in $(seq "$NP"); do
			if [ "$who" = aria2 ]; then
				[ -f "$T/done-p$i" ] || left=1
			else
				[ -f "$T/done-p$i" ] && continue
				if op_done "p$i"; then date +%s.%N >"$T/done-p$i"; else left=1; fi
			fi
		done
		[ "$left" = 0 ] && break
		[ "$SECONDS" -lt "$deadline" ] || { echo "$who: not all finished in 300 s" >&2; return 1; }
		sleep 0.2
	done
	SECS=$(cat "$T"/done-p* | sort -n | tail -n 1)
	SECS=$(echo "$SECS - $t0" | bc -l)
	for i in $(seq "$NP"); do
		[ "$(p2p_sha "$T/g$i/data")" = "$want" ] || { echo "$who: p$i has wrong content" >&2; return 1; }
	done
	for i in $(seq "$NP"); do
		for pid in $(ip netns pids "$(ns "p$i")"); do bg_kill "$pid"; done
	done
	bg_kill "$s"
	printf '%-8s 1 seed (%s MiB/s) -> %d peers, %s MiB: all finished in %6.2f s\n' \
		"$who" "$RATE" "$NP" "$MIB" "$SECS"
}
echo "p2p-swarm bench"
swarm aria2 || exit 1
ref=$SECS
[ "$REF_ONLY" = 1 ] && exit 0
swarm outpost || exit 1
printf 'outpost / aria2c time to finish all: x%.2f\n' "$(echo "$SECS / $ref" | bc -l)"
