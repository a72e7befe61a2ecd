#!/bin/bash
# ping-10k.sh: outpost-probe ping against fping -C 3, same namespaces,
# same run: 10,000 addresses (one local route), 3 probes each.
#
#  1. Equal pacing (PING_BENCH_RATE packets/s over all targets, default
#     10000, one period of 1 s per target): wall time, CPU time (user +
#     sys) and peak RSS from /usr/bin/time, per tool, and their ratios.
#  2. Full speed: the rate stepped up until a tool loses a reply; the
#     highest loss-free rate of each.
#  3. RTT accuracy on a 20 ms path: the medians of outpost-probe, fping
#     and iputils ping, 50 probes each, run at the same time.
#
# Root (namespaces). Run it from a build WITHOUT --enable-sanitizers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

N=${PING_BENCH_N:-10000}
RATE=${PING_BENCH_RATE:-10000}
RUNS=${PING_BENCH_RUNS:-3}
TIME=/usr/bin/time
for t in fping ping python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "ping-10k bench: needs $t" >&2; exit 1; }
done
[ -x "$TIME" ] || { echo "ping-10k bench: needs /usr/bin/time (Debian package time)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "ping-10k bench: needs root (namespaces)" >&2; exit 1; }
if nm "$PROBE" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $PROBE is built with AddressSanitizer; figures are not representative" >&2
fi
ping_world || { echo "ping-10k bench: no namespaces" >&2; exit 1; }
ping_targets 10.9.0.0/18
W=$NETNS_TMP
python3 -c 'import ipaddress, sys
n = ipaddress.ip_network("10.9.0.0/18")
print("\n".join(str(n[i]) for i in range(1, int(sys.argv[1]) + 1)))' "$N" >"$W/targets"

# outpost RATE / fping RATE: "wall user sys peak_kb received"; received
# counts the replies each tool reported over all targets.
run_outpost()
{
	$TIME -f '%e %U %S %M' -o "$W/time" ip netns exec "$(ns p)" "$PROBE" ping --json -q -c 3 \
		-i 1s -W 1s -r "$1" $(cat "$W/targets") >"$W/out.json" 2>"$W/out.err" || true
	printf '%s %s\n' "$(cat "$W/time")" \
		"$(python3 -c 'import json, sys
print(sum(json.loads(l)["received"] for l in open(sys.argv[1]) if l.strip()))' "$W/out.json")"
}

run_fping()
{
	local i
	i=$(python3 -c 'import sys; print("%g" % (1000.0 / float(sys.argv[1])))' "$1")
	$TIME -f '%e %U %S %M' -o "$W/time" ip netns exec "$(ns p)" fping -C 3 -q -i "$i" \
		-p 1000 -t 1000 -f "$W/targets" >"$W/fping.out" 2>"$W/fping.err" || true
	printf '%s %s\n' "$(cat "$W/time")" \
		"$(awk -F' : ' 'NF == 2 { n = split($2, v, " "); for (k = 1; k <= n; k++) if (v[k] != "-") r++ } END { print r + 0 }' "$W/fping.err")"
}

echo "== 1. $N targets x 3 at $RATE packets/s (best of $RUNS, alternating)"
best() { sort -n -k1,1 | head -1; }
for r in $(seq "$RUNS"); do
	run_outpost "$RATE" >>"$W/eq.outpost"
	run_fping "$RATE" >>"$W/eq.fping"
done
python3 - "$W/eq.outpost" "$W/eq.fping" "$N" <<'PY'
import sys
def load(f):
    rows = [list(map(float, l.split())) for l in open(f) if l.strip()]
    # best wall time; CPU and RSS of the same run
    return min(rows, key=lambda r: r[2] + r[1])
o, f, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
probes = 3 * n
print("%-13s %8s %8s %8s %10s %9s %12s" % ("tool", "wall s", "cpu s", "cpu us/p", "peak KiB", "replies", "RSS B/target"))
for name, r in (("outpost-probe", o), ("fping -C 3", f)):
    cpu = r[1] + r[2]
    print("%-13s %8.2f %8.2f %8.1f %10d %9d %12.0f" % (name, r[0], cpu, cpu / probes * 1e6, r[3], r[4], r[3] * 1024 / n))
oc, fc = o[1] + o[2], f[1] + f[2]
print("ratios outpost/fping: wall %.2f, cpu %.2f, peak RSS %.2f" % (o[0] / f[0], oc / fc if fc else float("nan"), o[3] / f[3]))
PY

echo "== 2. full speed: highest rate with every reply ($((3 * N)))"
for tool in outpost fping; do
	best_rate=none
	for rate in ${PING_BENCH_STEPS:-10000 20000 50000 100000 200000 400000}; do
		read -r wall u s kb got <<<"$(run_$tool "$rate")"
		echo "$tool rate $rate: $got of $((3 * N)) replies, wall ${wall}s, cpu $(python3 -c "print('%.2f' % ($u + $s))")s"
		[ "$got" = $((3 * N)) ] || break
		best_rate=$rate
	done
	echo "$tool: highest loss-free rate $best_rate packets/s"
done

echo "== 3. RTT medians on a 20 ms path (50 probes each, at the same time)"
netem p eth0 delay 20ms >/dev/null || { echo "no netem" >&2; exit 1; }
ns_exec p ping -c 50 -i 0.2 -n 10.0.0.2 >"$W/ping.acc" 2>&1 &
a=$!
ns_exec p fping -C 50 -p 200 -q 10.0.0.2 >/dev/null 2>"$W/fping.acc" &
b=$!
ns_exec p "$PROBE" ping --json -c 50 -i 200ms 10.0.0.2 >"$W/outpost.acc" 2>/dev/null
wait $a $b
python3 - "$W/outpost.acc" "$W/fping.acc" "$W/ping.acc" <<'PY'
import json, re, statistics, sys
o = json.loads(open(sys.argv[1]).readline())["rtt"]["p50"]
f = statistics.median(float(x) for x in open(sys.argv[2]).read().split(":")[1].split() if x != "-")
p = statistics.median(float(x) for x in re.findall(r"time=([0-9.]+) ms", open(sys.argv[3]).read()))
print("median RTT ms: outpost-probe %.3f  fping %.3f  iputils ping %.3f" % (o, f, p))
print("outpost - ping %+.3f ms, fping - ping %+.3f ms" % (o - p, f - p))
PY
