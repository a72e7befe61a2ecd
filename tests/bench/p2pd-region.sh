#!/bin/bash
# p2pd-region.sh: the baselines outpost-p2pd is measured against. One
# region of N devices (the world of tests/p2p/region-lib.sh: an unshaped
# LAN behind ONE line to the origin, capped at REGION_WAN_RATE, default
# 20mbit, both ways), for N in P2P_BENCH_NS (default "4 8 16"); a
# package of P2P_BENCH_MIB MiB (default 32) in one file on the origin's
# nginx. Every device must end up with the package:
#   curl         every device fetches it from the origin, all at once
#   aria2c       a swarm: a v1 .torrent (mktorrent, 256 KiB pieces) with
#                the origin as web seed (url-list) and opentracker in the
#                gateway; every device runs aria2c with LPD on and keeps
#                seeding until all are done (its finish: the
#                --on-bt-download-complete hook)
#   outpost-p2pd on every device, the region coordinating who fetches
#                which piece from the origin (tests/p2p/p2pd-lib.sh)
# Prints per N: the time from the start until the last device finished,
# the origin's body bytes to the region (nginx's log) as a multiple of
# the package size S, and the lower bound on that time
#   max(S / u_origin, N * S / (u_origin + N * u_i))
# with u_origin the line's cap and u_i a device's upload rate. The LAN
# is unshaped: u_i is what iperf3 measures between two devices
# (P2P_BENCH_UI=<bit/s> sets it instead), so many times the line's rate
# that the bound is S / u_origin for any N here. The bound counts
# payload only: the line also carries TCP/IP headers (about 5 %).
# Every device's SHA-256 is checked. Asserts nothing. Root.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/region-lib.sh"
. "$top_srcdir/tests/p2p/p2pd-lib.sh"
MIB=${P2P_BENCH_MIB:-32}
NLIST=${P2P_BENCH_NS:-4 8 16}
[ "$(id -u)" = 0 ] || { echo "p2pd-region bench: needs root (namespaces)" >&2; exit 1; }
for c in nginx curl aria2c mktorrent opentracker iperf3 ethtool bc; do
	command -v "$c" >/dev/null || { echo "p2pd-region bench: no $c" >&2; exit 1; }
done
NMAX=0
for n in $NLIST; do [ "$n" -gt "$NMAX" ] && NMAX=$n; done
netns_exclusive
# One world for every N: the first N devices take part.
region_world a "$NMAX" || { echo "p2pd-region bench: no world" >&2; exit 1; }
T=$NETNS_TMP
p2p_content "$T/www" pkg "$MIB" 1
region_origin "$T/www" || { echo "p2pd-region bench: no nginx" >&2; exit 1; }
S=$(p2p_size "$T/www/pkg")
want=$(p2p_sha "$T/www/pkg")
U0=$(region_rate_bps "$REGION_WAN_RATE")
p2p_mktorrent "$T/www/pkg" "$T/pkg.torrent" -w "$REGION_WEB/pkg" -a "$(region_tracker_url a)" ||
	{ echo "p2pd-region bench: mktorrent failed" >&2; exit 1; }
region_tracker a "$T/pkg.torrent" >/dev/null || { echo "p2pd-region bench: no tracker" >&2; exit 1; }
for i in $(seq "$NMAX"); do
	printf '#!/bin/sh\ndate +%%s.%%N >"%s/done-a%d"\n' "$T" "$i" >"$T/hook-a$i.sh"
	chmod +x "$T/hook-a$i.sh"
done

# u_i: a device's upload over the LAN, iperf3 a2 -> a1 for 3 s.
if [ -n "${P2P_BENCH_UI:-}" ]; then
	UI=$P2P_BENCH_UI
	ui_how="given by P2P_BENCH_UI"
elif [ "$NMAX" -ge 2 ]; then
	bg_run a1 iperf3 -s -B "$(region_dev_ip a 1)" -p 5201 >/dev/null 2>&1
	srv=$BG_PID
	wait_until 5 _region_listening a1 5201
	UI=$(ns_exec a2 iperf3 -c "$(region_dev_ip a 1)" -p 5201 -t 3 -J 2>/dev/null |
		python3 -c 'import json, sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))') ||
		UI=0
	bg_kill "$srv"
	ui_how="iperf3 between two devices"
else
	UI=0
	ui_how="one device: no peer"
fi

# _kill_devs N: whatever runs in the first N devices.
_kill_devs()
{
	local i pids=()
	for i in $(seq "$1"); do
		for pid in $(ip netns pids "$(ns "a$i")"); do pids+=("$pid"); done
	done
	bg_kill "${pids[@]}"
}

# _check N DIR: every device's file DIR<I>/pkg has the package's digest.
_check()
{
	local i
	for i in $(seq "$1"); do
		[ "$(p2p_sha "$2$i/pkg")" = "$want" ] || { echo "a$i has wrong content" >&2; return 1; }
	done
}

# Each run_* N sets SECS (start to the last device finished) and BYTES
# (origin body bytes to the region during the run), or fails.

run_curl()
{
	local n=$1 i b0 t0 t1 pids=() rc=0
	rm -rf "$T"/c*
	b0=$(region_origin_bytes a)
	t0=$(date +%s.%N)
	for i in $(seq "$n"); do
		mkdir -p "$T/c$i"
		bg_run "a$i" curl -sf --max-time 900 -o "$T/c$i/pkg" "$REGION_WEB/pkg" >/dev/null 2>&1
		pids+=("$BG_PID")
	done
	for i in "${pids[@]}"; do wait "$i" || rc=$?; done
	t1=$(date +%s.%N)
	[ "$rc" = 0 ] || { echo "curl: a fetch failed ($rc)" >&2; return 1; }
	_check "$n" "$T/c" || return 1
	SECS=$(echo "$t1 - $t0" | bc -l)
	BYTES=$(($(region_origin_bytes a) - b0))
}

run_aria2()
{
	local n=$1 i b0 t0 left deadline
	rm -rf "$T"/g* "$T"/done-*
	b0=$(region_origin_bytes a)
	t0=$(date +%s.%N)
	for i in $(seq "$n"); do
		p2p_aria2 "a$i" "$T/pkg.torrent" "$T/g$i" get --bt-enable-lpd=true --seed-time=60 \
			--on-bt-download-complete="$T/hook-a$i.sh"
	done
	deadline=$((SECONDS + 3 * n * S * 8 / U0 + 120))
	while :; do
		left=0
		for i in $(seq "$n"); do
			[ -f "$T/done-a$i" ] || left=1
		done
		[ "$left" = 0 ] && break
		[ "$SECONDS" -lt "$deadline" ] || { echo "aria2c: not all finished in time" >&2; _kill_devs "$n"; return 1; }
		sleep 0.2
	done
	SECS=$(echo "$(cat "$T"/done-a* | sort -n | tail -n 1) - $t0" | bc -l)
	BYTES=$(($(region_origin_bytes a) - b0))
	_kill_devs "$n"
	_check "$n" "$T/g"
}

# outpost-p2pd on the first N devices, a fresh data folder each run, the
# .torrent (outpost-p2p create, 256 KiB pieces, the origin as web seed)
# added by URL on all at once; a device's finish: list says seeding.
# The .torrent's own bytes are not counted as package bytes.
"$P2P" create "$T/www/pkg" -o "$T/www/op.torrent" --webseed "$REGION_WEB/" --piece-size 256KiB \
	>/dev/null || { echo "p2pd-region bench: outpost-p2p create failed" >&2; exit 1; }
OP_TORRENT=$(p2p_size "$T/www/op.torrent")
_op_all_seeding()
{
	local i
	for i in $(seq "$1"); do
		p2pd_seeding "a$i" || return 1
	done
}
run_outpost()
{
	local n=$1 i b0 t0 t1 hex
	[ -n "$P2PD_USER" ] || p2pd_user || return 1
	for i in $(seq "$n"); do
		rm -rf "${T:?}/a$i"
		p2pd_conf "a$i" a
		p2pd_start "a$i" || { echo "outpost-p2pd: a$i did not start" >&2; _kill_devs "$n"; return 1; }
	done
	b0=$(region_origin_bytes a)
	t0=$(date +%s.%N)
	# shellcheck disable=SC2046
	p2pd_add_all "$REGION_WEB/op.torrent" $(seq -f 'a%g' "$n")
	if ! wait_until $((3 * n * S * 8 / U0 + 120)) _op_all_seeding "$n"; then
		echo "outpost-p2pd: not all finished in time" >&2
		_kill_devs "$n"
		return 1
	fi
	t1=$(date +%s.%N)
	SECS=$(echo "$t1 - $t0" | bc -l)
	BYTES=$(($(region_origin_bytes a) - b0 - n * OP_TORRENT))
	hex=$(p2pd_jlist a1 info_hash)
	_kill_devs "$n"
	for i in $(seq "$n"); do
		ln -sfn "$T/a$i/data/content/$hex" "$T/op$i"
	done
	_check "$n" "$T/op"
}
# ---------------------------------------------------------------------

row()
{
	printf '  %-14s %9.2f s   %6.2f x S   %6.2f x bound\n' "$1" "$SECS" \
		"$(echo "$BYTES / $S" | bc -l)" "$(echo "$SECS / $BOUND" | bc -l)"
}

echo "p2pd-region bench: package $MIB MiB, one region behind a $REGION_WAN_RATE line (both ways)"
printf 'u_origin %s bit/s; u_i %s bit/s (%s)\n' "$U0" "$UI" "$ui_how"
for n in $NLIST; do
	BOUND=$(python3 -c "s, n, u0, ui = $S * 8, $n, $U0, $UI; print(max(s / u0, n * s / (u0 + n * ui)))")
	printf 'N = %d devices: lower bound max(S/u_origin, N*S/(u_origin + N*u_i)) = %.2f s\n' "$n" "$BOUND"
	printf '  %-14s %11s   %10s   %14s\n' method "all done" "origin" "time / bound"
	if run_curl "$n"; then row curl; else printf '  %-14s failed\n' curl; fi
	if run_aria2 "$n"; then row "aria2c swarm"; else printf '  %-14s failed\n' "aria2c swarm"; fi
	if [ -x "$P2PD" ]; then
		if run_outpost "$n"; then
			row outpost-p2pd
			OP_SECS=$SECS OP_BYTES=$BYTES
		else
			printf '  %-14s failed\n' outpost-p2pd
		fi
	else
		printf '  %-14s skipped (no %s)\n' outpost-p2pd "$P2PD"
	fi
done

# The scaling note: the simulation of tests/bench/p2pd-sim.py, driven
# by the last outpost-p2pd run: the share of the line that carried the
# package (its bytes over its whole time, start-up included) and the
# time of one piece across the LAN at u_i.
if [ -n "${OP_SECS:-}" ]; then
	eff=$(python3 -c "print(min(1.0, $S * 8 / ($U0 * $OP_SECS)))")
	hop=$(python3 -c "print(262144 * 8 / max($UI, 1e6))")
	printf '\nscaling (measured: line efficiency %.2f, one LAN hop %.4f s):\n' "$eff" "$hop"
	python3 "$top_srcdir/tests/bench/p2pd-sim.py" --line-eff "$eff" --hop "$hop" \
		--line-mbit "$(python3 -c "print($U0 / 1e6)")"
fi
