#!/bin/bash
# rt-install.sh: installing 10,000 rules and 10,000 routes from a config.
#
# A fresh namespace with two veth lines and a config of RT_BENCH_LINES
# (default 100) lines x RT_BENCH_SOURCES (100) sources = 10,000 rules,
# and RT_BENCH_ROUTES (100) "route =" prefixes per line = 10,000 routes
# (plus each table's connected and default route), distinct tables and
# priorities, all on the two interfaces. Measured in the same run, each
# in a fresh namespace:
#  1. outpost-routed --once (wall time and peak RSS, /usr/bin/time);
#  2. ip -batch of the same objects: the commands --dry-run prints for
#     that config, "ip " cut off (wall time and peak RSS);
#  3. the same ip -batch with the rules sorted by descending priority
#     (the order the kernel inserts rules fastest in);
#  4. a plain loop of ip commands: the first 1,000 of them, timed and
#     scaled to the whole set (printed as scaled).
# The kernel must hold the same number of rules and routes after 1 and 2
# (checked). Prints objects/s of each and the ratios, and how --once's
# time splits between reading the config and applying; asserts no timing.
# Root (namespaces). Run it from a build WITHOUT --enable-sanitizers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
ROUTED=${ROUTED:-$top_builddir/rt/outpost-routed}
LINES=${RT_BENCH_LINES:-100}
SOURCES=${RT_BENCH_SOURCES:-100}
ROUTES=${RT_BENCH_ROUTES:-100}
LOOP_N=${RT_BENCH_LOOP:-1000}
TIME=/usr/bin/time
[ "$(id -u)" = 0 ] || { echo "rt-install bench: needs root (namespaces)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "rt-install bench: needs /usr/bin/time (Debian package time)" >&2; exit 1; }
[ -x "$ROUTED" ] || { echo "rt-install bench: no $ROUTED" >&2; exit 1; }
if nm "$ROUTED" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $ROUTED is built with AddressSanitizer; figures are not representative" >&2
fi
W=$NETNS_TMP

# world NAME: a namespace with lines l0 (10.250.0.2/24, gateway .1) and
# l1 (10.251.0.2/24), each a veth whose peer stays in the namespace.
world()
{
	ns_add "$1" || return 1
	ip -n "$(ns "$1")" link add name l0 type veth peer name p0 &&
	ip -n "$(ns "$1")" link add name l1 type veth peer name p1 || return 1
	for i in l0 p0 l1 p1; do link_up "$1" "$i" || return 1; done
	addr_add "$1" l0 10.250.0.2/24 && addr_add "$1" l1 10.251.0.2/24
}

# The config: line L (1..LINES) on l0 or l1, table 1000+L, priority
# 1000+L, sources 10.L.S.0/24, routes 10.(100+L).R.0/24 (L <= 100).
python3 - "$W" "$LINES" "$SOURCES" "$ROUTES" >"$W/bench.conf" <<'PY'
import sys
w, lines, sources, routes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print("[node]\nid = rt-bench\nuser = nobody\nspool = %s/spool\n" % w)
print("[routing]\nrt-tables = %s/rt_tables.conf\nrt-protos = %s/rt_protos.conf\ncontrol = %s/routed.sock\n" % (w, w, w))
for l in range(1, lines + 1):
    i = l % 2
    print('[line "l%d"]' % l)
    print("interface = l%d\ngateway = 10.25%d.0.1\ntable = %d\npriority = %d" % (i, i, 1000 + l, 1000 + l))
    for s in range(sources):
        print("source = 10.%d.%d.%d/32" % (l, s // 256, s % 256) if sources > 256 else "source = 10.%d.%d.0/24" % (l, s))
    for r in range(routes):
        print("route = 10.%d.%d.0/24" % (100 + l, r))
    print()
PY

# counts NAME: "rules routes" the namespace holds (Outpost's protocol).
counts()
{
	local r t
	r=$(ip -n "$(ns "$1")" rule show | grep -c ' proto 158')
	t=$(ip -n "$(ns "$1")" route show table all | grep -c ' proto 158')
	echo "$r $t"
}

echo "== config: $LINES lines x $SOURCES sources, $ROUTES routes each"
world once || exit 1
# Where --once spends its time: reading and checking the config (-n)
# against applying (its own "--once: N change(s) in M ms" line, -v).
$TIME -f '%e %M' -o "$W/time.check" ip netns exec "$(ns once)" "$ROUTED" -f "$W/bench.conf" -n \
	>"$W/check.out" 2>&1 || { echo "outpost-routed -n failed:" >&2; tail -5 "$W/check.out" >&2; }
read -r check_s check_kb < <(tail -1 "$W/time.check")
if ! $TIME -f '%e %M' -o "$W/time.once" ip netns exec "$(ns once)" "$ROUTED" -v -f "$W/bench.conf" --once \
	>"$W/once.out" 2>&1; then
	echo "outpost-routed --once failed:" >&2; tail -5 "$W/once.out" >&2; exit 1
fi
read -r once_s once_kb < <(tail -1 "$W/time.once")
read -r once_rules once_routes < <(counts once)
objs=$((once_rules + once_routes))
echo "outpost-routed --once: $once_rules rules + $once_routes routes in ${once_s}s, peak RSS ${once_kb} KiB"
apply_ms=$(sed -n 's/.*--once: [0-9]* change(s) in \([0-9]*\) ms.*/\1/p' "$W/once.out" | tail -1)
echo "  of which: config read and checked (-n alone) ${check_s}s; applied in ${apply_ms:-?} ms (its -v log)"

# The same objects as ip commands, from --dry-run on an empty namespace.
world batch || exit 1
ip netns exec "$(ns batch)" "$ROUTED" -q -f "$W/bench.conf" --dry-run >"$W/dry.txt" 2>"$W/dry.err" ||
	{ echo "--dry-run failed:" >&2; tail -5 "$W/dry.err" >&2; exit 1; }
sed -n 's/^ip \(-4 \)\{0,1\}//p' "$W/dry.txt" >"$W/cmds.txt"
echo "--dry-run printed $(wc -l <"$W/cmds.txt") commands"
$TIME -f '%e %M' -o "$W/time.batch" ip netns exec "$(ns batch)" ip -batch "$W/cmds.txt" \
	>"$W/batch.out" 2>&1 || { echo "ip -batch failed:" >&2; tail -5 "$W/batch.out" >&2; }
read -r batch_s batch_kb < <(tail -1 "$W/time.batch")
read -r batch_rules batch_routes < <(counts batch)
echo "ip -batch: $batch_rules rules + $batch_routes routes in ${batch_s}s, peak RSS ${batch_kb} KiB"
if [ "$batch_rules $batch_routes" = "$once_rules $once_routes" ]; then
	echo "same kernel state: yes ($once_rules rules, $once_routes routes)"
else
	echo "same kernel state: NO (--once $once_rules/$once_routes, ip -batch $batch_rules/$batch_routes)"
fi

# The same batch with the rules in descending priority: the kernel walks
# its rule list from the top to find each new rule's place, so rules
# added from the highest priority number down each stop near the top.
world desc || exit 1
{ grep -v '^rule ' "$W/cmds.txt"; grep '^rule ' "$W/cmds.txt" | sort -t' ' -k4,4nr -s; } >"$W/cmds.desc"
$TIME -f '%e %M' -o "$W/time.desc" ip netns exec "$(ns desc)" ip -batch "$W/cmds.desc" \
	>"$W/desc.out" 2>&1 || { echo "ip -batch (descending) failed:" >&2; tail -5 "$W/desc.out" >&2; }
read -r desc_s _ < <(tail -1 "$W/time.desc")
echo "ip -batch, rules in descending priority: $(counts desc | tr ' ' '/') rules/routes in ${desc_s}s"

# A plain loop of ip commands: the first LOOP_N of --dry-run's (routes,
# which it lists before the rules), timed and scaled to the whole set.
world loop || exit 1
head -n "$LOOP_N" "$W/cmds.txt" >"$W/loop.txt"
loop_n=$(wc -l <"$W/loop.txt")
t0=${EPOCHREALTIME/[.,]/}
ip netns exec "$(ns loop)" bash -c 'while read -r l; do ip $l || exit 1; done' <"$W/loop.txt" 2>"$W/loop.err" ||
	{ echo "ip loop failed:" >&2; tail -3 "$W/loop.err" >&2; }
t1=${EPOCHREALTIME/[.,]/}

python3 - "$objs" "$once_s" "$batch_s" "$((t1 - t0))" "$loop_n" "$once_kb" "$batch_kb" "${apply_ms:-0}" <<'PY'
import sys
objs, once, batch, loop_us, loop_n, once_kb, batch_kb, apply_ms = sys.argv[1:]
objs = int(objs); once = max(float(once), 0.005); batch = max(float(batch), 0.005)
loop = int(loop_us) / 1e6; loop_n = int(loop_n)
loop_rate = loop_n / loop if loop else float("nan")
print("objects/s: outpost-routed --once %.0f, ip -batch %.0f, ip loop %.0f (measured on %d objects, scaled: %.1f s for %d)" %
      (objs / once, objs / batch, loop_rate, loop_n, objs / loop_rate, objs))
print("ratios: routed / ip-batch %.2fx (target >= 2x), routed / ip-loop %.1fx" %
      ((objs / once) / (objs / batch), (objs / once) / loop_rate))
if int(apply_ms):
    print("kernel part only: outpost-routed applies %.0f objects/s, %.2fx ip -batch's whole run" %
          (objs / (int(apply_ms) / 1e3), (objs / (int(apply_ms) / 1e3)) / (objs / batch)))
print("peak RSS: outpost-routed --once %s KiB, ip -batch %s KiB" % (once_kb, batch_kb))
PY
