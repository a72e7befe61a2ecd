#!/bin/bash
# ping-accuracy.sh: on a path with 20 ms added delay, the median RTT
# outpost-probe reports is within 0.2 ms of iputils ping's median, both
# measured in the same run on the same path (50 probes each); with 10 %
# loss added, the loss reported over 300 probes is inside the binomial
# 99.9 % interval and received + lost == sent.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

require_root
require_cmd python3 ping
ping_world || bail "cannot build the namespaces"
T=$NETNS_TMP
plan 9

netem p eth0 delay 20ms || bail "no delay on the path"
# iputils ping stamps its send in user space, so on a loaded 2-core
# machine it reads high when the two run side by side; they run one after
# the other, and a round that disagrees is measured again (up to 3 rounds)
# so that one scheduling hiccup does not decide the result.
median_of_ping()
{
	python3 -c '
import re, statistics, sys
v = [float(m) for m in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read())]
print("%.3f" % statistics.median(v) if len(v) >= 45 else "none")' "$1"
}
agree=1
for round in 1 2 3; do
	ns_exec p ping -c 50 -i 0.2 -n 10.0.0.2 >"$T/iputils.out" 2>&1
	rc=0
	ns_exec p "$PROBE" ping --json -c 50 -i 200ms 10.0.0.2 >"$T/acc.json" 2>"$T/acc.err" || rc=$?
	[ "$rc" = 0 ] || break
	ping_med=$(median_of_ping "$T/iputils.out")
	ours=$(json_field "$T/acc.json" 'L[0]["rtt"]["p50"]')
	diag "round $round: median RTT outpost-probe $ours ms, iputils ping $ping_med ms"
	agree=$(python3 -c 'import sys; a, b = sys.argv[1:]; print(0 if b != "none" and abs(float(a) - float(b)) <= 0.2 else 1)' "$ours" "$ping_med")
	[ "$agree" = 0 ] && break
done
is "$rc" 0 "20 ms path: exit 0"
ok "$(python3 -c 'import sys; print(0 if float(sys.argv[1]) >= 20 else 1)' "$ours")" \
	"our median ($ours ms) includes the 20 ms delay"
ok "$agree" "within 0.2 ms of iputils ping's median ($ping_med ms)"
is "$(json_field "$T/acc.json" 'L[0]["received"], L[0]["tstamp"], L[0]["socket"]')" \
	"(50, 'kernel', 'raw')" "all 50 answered, kernel stamps both ways, raw socket"

# 10 % loss on the requests; bounds for 300 probes at p = 0.1: the 99.9 %
# binomial interval, computed here rather than trusted from memory.
netem p eth0 delay 1ms loss 10% || bail "no loss on the path"
rc=0
ns_exec p "$PROBE" ping --json -c 300 -i 10ms -W 500ms 10.0.0.2 >"$T/loss.json" 2>"$T/loss.err" || rc=$?
is "$rc" 0 "10 % loss: still reached, exit 0"
read -r lo hi <<<"$(python3 -c '
from math import comb
n, p = 300, 0.1
cdf, lo, hi = 0.0, None, None
for k in range(n + 1):
    cdf += comb(n, k) * p**k * (1 - p)**(n - k)
    if lo is None and cdf >= 0.0005: lo = k
    if hi is None and cdf >= 0.9995: hi = k
print(lo, hi)')"
lost=$(json_field "$T/loss.json" 'L[0]["sent"] - L[0]["received"]')
diag "lost $lost of 300 (99.9 % interval $lo..$hi)"
ok "$([ "$lost" -ge "$lo" ] && [ "$lost" -le "$hi" ] && echo 0 || echo 1)" \
	"loss $lost/300 inside the binomial 99.9 % interval [$lo, $hi]"
is "$(json_field "$T/loss.json" 'round(L[0]["loss"] * 300)')" "$lost" "\"loss\" is the fraction lost"
is "$(json_field "$T/loss.json" 'L[0]["sent"]')" 300 "300 sent"
is "$(json_field "$T/loss.json" 'L[0]["dup"] + L[0]["late"]')" 0 "no dup, nothing late"
done_testing
