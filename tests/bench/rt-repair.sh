#!/bin/bash
# rt-repair.sh: repair latency of outpost-routed over RT_BENCH_N (100)
# single rule deletions. The daemon runs with the standard two-line
# config of tests/rt/rt-lib.sh plus N host sources on cnc (N more rules);
# each of those rules is deleted once, one at a time, the next deletion
# waiting until it is back.
# Each repair is timed by rt-watch.py from the kernel's deletion notice to
# its re-add notice. Prints p50, p99 and max in ms; asserts no timing.
# Root (namespaces). Run it from a build WITHOUT --enable-sanitizers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
N=${RT_BENCH_N:-100}
[ "$(id -u)" = 0 ] || { echo "rt-repair bench: needs root (namespaces)" >&2; exit 1; }
[ -x "$ROUTED" ] || { echo "rt-repair bench: no $ROUTED" >&2; exit 1; }
if nm "$ROUTED" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $ROUTED is built with AddressSanitizer; figures are not representative" >&2
fi
rt_world || exit 1
W=$NETNS_TMP/watch.jsonl
rt_watch "$W" || { echo "rt-watch.py did not start" >&2; exit 1; }
rt_conf "$RT_CONF"
RULES=()
# Every deletion hits a different rule: deleting one object again and
# again within 10 s is a fight the daemon backs off from, not a repair.
for i in $(seq 0 $((N - 1))); do
	printf '%s\n' "source = 10.61.$((i / 256)).$((i % 256))/32" >>"$RT_CONF"
	RULES+=("-4 rule del priority 1100 from 10.61.$((i / 256)).$((i % 256)) lookup 160")
done
rt_daemon || { cat "$RT_LOG" >&2; echo "outpost-routed did not start" >&2; exit 1; }
present() { ns_exec node ip rule show | grep -q "^1100:.*from 10.61.$1 lookup 160"; }
wait_until 10 present "$(((N - 1) / 256)).$(((N - 1) % 256))" || { echo "the daemon did not converge" >&2; exit 1; }

from=$(rt_lines "$W")
lost=0
for i in $(seq 0 $((N - 1))); do
	ns_exec node ip ${RULES[$i]} || { echo "deletion $i failed" >&2; lost=$((lost + 1)); }
	wait_until 5 present "$((i / 256)).$((i % 256))" || { echo "not repaired after deletion $i" >&2; lost=$((lost + 1)); }
done
python3 - "$W" "$from" "$N" "$lost" <<'PY'
import json, sys
path, start, n, lost = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def key(e):
    return tuple(e.get(k) for k in ("family", "priority", "table", "src", "fwmark", "action"))
pending, lat, overrun = {}, [], False
for l in open(path).read().splitlines()[start:]:
    e = json.loads(l)
    if e.get("event") == "overrun":
        overrun = True
    if e.get("kind") != "rule" or e.get("protocol") != 158:
        continue
    k = key(e)
    if e["event"] == "del":
        pending[k] = e["t_ns"]
    elif k in pending:
        lat.append((e["t_ns"] - pending.pop(k)) / 1e6)
lat.sort()
def pct(p):
    return lat[min(len(lat) - 1, int(round(p / 100.0 * (len(lat) - 1))))]
if not lat:
    sys.exit("no repair seen")
print("repairs timed: %d of %d deletions (%d not repaired)%s" %
      (len(lat), n, lost, ", rt-watch.py OVERRAN: incomplete" if overrun else ""))
print("repair latency (deletion notice -> re-add notice): p50 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms" %
      (pct(50), pct(99), lat[-1], sum(lat) / len(lat)))
PY
