#!/bin/bash
# shape-apply.sh: how long applying 100 regions takes, and whether a rate
# change leaves a gap in the shaping.
#
# 1. 100 regions on ONE interface (wan0), each with its own LANs (IPv4
#    and IPv6), the same origin, an origin and a P2P cap. One interface
#    rather than 100: a region gateway has one line shared by its
#    regions, and it is the case with the most objects per device (200
#    capped classes and leaves on wan0 and on its IFB, u32 nodes that
#    match the LANs, 400 nft sets and their rules in one table); 100
#    interfaces would mostly time creating 100 IFBs. Timed, each in a
#    fresh namespace holding wan0:
#     outpost   outpost-shape apply;
#     batch     the same objects by ip -batch + tc -batch + nft -f, from
#               the commands outpost-shape --dry-run prints for that config
#               (the ip and tc lines with the program name cut off, the
#               nft script as it is).
#    Both must end with the same numbers of classes, qdiscs, filters and
#    nft rules (checked and printed).
# 2. The gap: in the world of tests/shape/shape-lib.sh an origin download
#    runs under origin-rate 20mbit while the receiver's rx_bytes is
#    sampled every 10 ms: first 2 s with no change (the baseline: what
#    one class's burst and the sampling alone give), then during 20
#    re-applies alternating 10mbit and 20mbit. Prints the largest 10 ms
#    sample of each relative to 20 Mbit/s; an unshaped moment would show
#    as a spike to line speed (100 Mbit/s: 5x).
# Asserts nothing. Root. Run it from a build WITHOUT --enable-sanitizers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
N=${SHAPE_BENCH_REGIONS:-100}
CHANGES=${SHAPE_BENCH_CHANGES:-20}
[ "$(id -u)" = 0 ] || { echo "shape-apply bench: needs root (namespaces)" >&2; exit 1; }
[ -x "$SHAPE" ] || { echo "shape-apply bench: no $SHAPE" >&2; exit 1; }
if nm "$SHAPE" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $SHAPE is built with AddressSanitizer; figures are not representative" >&2
fi
W=$NETNS_TMP

python3 - "$N" >"$W/bench.conf" <<'PY'
import sys
n = int(sys.argv[1])
print("[node]\nid = shape-bench\n")
for i in range(1, n + 1):
    print('[region "r%03d"]' % i)
    print("lan = 10.%d.0.0/16\nlan = 2001:db8:%x::/48" % (i, 0x100 + i))
    print("wan-interface = wan0")
    print("origin = 198.51.100.0/24\norigin = 2001:db8:51::/64")
    print("origin-rate = %dmbit\npeer-rate = %dmbit" % (10 + i % 20, 5 + i % 10))
    print("line-rate = 10gbit\n")
PY

# world NAME: a namespace with wan0 (a veth whose peer stays there), up.
world()
{
	ns_add "$1" || return 1
	ip -n "$(ns "$1")" link add name wan0 type veth peer name p0 || return 1
	link_up "$1" wan0 && link_up "$1" p0
}
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
# counts NAME: classes qdiscs filters (wan0 and ifb-wan0) and nft rules.
counts()
{
	local c=0 q=0 f=0 d r
	for d in wan0 ifb-wan0; do
		c=$((c + $(ns_exec "$1" tc class show dev "$d" | grep -c '^class')))
		q=$((q + $(ns_exec "$1" tc qdisc show dev "$d" | grep -c '^qdisc')))
		f=$((f + $(ns_exec "$1" tc filter show dev "$d" | grep -c 'fh .*::')))
	done
	f=$((f + $(ns_exec "$1" tc filter show dev wan0 ingress | grep -c 'fh .*::')))
	r=$(ns_exec "$1" nft -a list table inet outpost | grep -c '# handle .*' )
	echo "$c classes, $q qdiscs, $f u32 nodes, $r nft objects"
}

apply_bench()
{
echo "== apply $N regions on one interface"
world dry || exit 1
ns_exec dry "$SHAPE" -f "$W/bench.conf" --dry-run apply >"$W/dry.txt" 2>"$W/dry.err" ||
	{ cat "$W/dry.err" >&2; exit 1; }
grep '^ip ' "$W/dry.txt" | sed 's/^ip //' >"$W/ip.batch"
grep '^tc ' "$W/dry.txt" | sed 's/^tc //' >"$W/tc.batch"
grep -v -e '^ip ' -e '^tc ' -e '^# nft(8) script' "$W/dry.txt" >"$W/nft.script"
echo "   --dry-run: $(wc -l <"$W/ip.batch") ip, $(wc -l <"$W/tc.batch") tc commands," \
	"$(wc -l <"$W/nft.script") lines of nft script"

world once || exit 1
t0=$(now)
ns_exec once "$SHAPE" -q -f "$W/bench.conf" apply || { echo "outpost-shape apply failed" >&2; exit 1; }
t1=$(now)
t_once=$(ms "$t0" "$t1")
t0=$(now)
ns_exec once "$SHAPE" -q -f "$W/bench.conf" apply || exit 1
t1=$(now)
t_again=$(ms "$t0" "$t1")

world batch || exit 1
t0=$(now)
ns_exec batch ip -batch "$W/ip.batch" &&
	ns_exec batch tc -batch "$W/tc.batch" 2>"$W/tc.err" &&
	ns_exec batch nft -f "$W/nft.script" || { echo "the batch failed:" >&2; head "$W/tc.err" >&2; }
t1=$(now)
t_batch=$(ms "$t0" "$t1")
c_once=$(counts once)
c_batch=$(counts batch)
printf '   %-28s %6s ms   %s\n' "outpost-shape apply" "$t_once" "$c_once"
printf '   %-28s %6s ms   %s\n' "ip -batch + tc -batch + nft" "$t_batch" "$c_batch"
printf '   %-28s %6s ms   (nothing to do)\n' "outpost-shape apply again" "$t_again"
[ "$c_once" = "$c_batch" ] && echo "   same objects: yes" || echo "   same objects: NO"
python3 -c "print('   ratio outpost / batch: %.2f' % ($t_once / max($t_batch, 1)))"
}
# SHAPE_BENCH_REGIONS=0 skips the first part.
[ "$N" -gt 0 ] && apply_bench

echo "== gap during $CHANGES rate changes (origin download, 10 ms samples)"
sh_world || exit 1
sh_conf "$W/gap.conf"
ns_exec gw "$SHAPE" -q -f "$W/gap.conf" apply || exit 1
sh_iperf_server isp "$SH_ORIGIN4" 5201 || exit 1
sh_sampler dev eth0 0.01 "$W/gap.samples"
S=$SAMPLER_PID
sh_iperf dev "$SH_ORIGIN4" 5201 60 -B "$SH_DEV4" -R
F=$BG_PID
sleep 2
B0=$(date +%s.%N)
sleep 2
C0=$(date +%s.%N)
for i in $(seq "$CHANGES"); do
	r=20mbit; [ $((i % 2)) = 1 ] && r=10mbit
	sed -i "s/^origin-rate = .*/origin-rate = $r/" "$W/gap.conf"
	ns_exec gw "$SHAPE" -q -f "$W/gap.conf" apply || echo "   apply $i failed"
	sleep 0.1
done
C1=$(date +%s.%N)
bg_kill "$F" "$S"
python3 - "$W/gap.samples" "$B0" "$C0" "$C1" <<'PY'
import sys
f, b0, c0, c1 = sys.argv[1], *map(float, sys.argv[2:])
s = [tuple(map(float, l.split())) for l in open(f) if len(l.split()) == 2]
def worst(a, b):
    m, n, steps = 0.0, 0, []
    for (ta, ba), (tb, bb) in zip(s, s[1:]):
        if ta >= a and tb <= b:
            m = max(m, (bb - ba) * 8 / (tb - ta))
            steps.append(tb - ta)
            n += 1
    steps.sort()
    return m, n, steps[len(steps) // 2] if steps else 0
for name, a, b in (("no change (baseline)", b0, c0), ("during the changes", c0, c1)):
    m, n, med = worst(a, b)
    print("   %-22s %5d samples (median %.1f ms): max %.1f Mbit/s = %.2f x the 20 Mbit/s cap"
          % (name, n, med * 1000, m / 1e6, m / 20e6))
print("   the changes took %.2f s in all" % (c1 - c0))
PY
