#!/bin/bash
# trace-rtt.sh: per-hop round trips on a chain with 20 ms added between r2
# and r3 (tests/lib/netns.sh's netem, a relay on this kernel): hops 1 and
# 2 stay well below it, hops 3 and 4 carry it, and the target's median
# agrees with iputils ping's and mtr's on the same path in the same run.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/trace-lib.bash"

require_root
require_cmd jq mtr python3
trace_chain || bail "cannot build the router chain"
netem r2 eth1 delay 20ms || bail "netem"
wait_until 10 ns_exec edge ping -c 1 -W 1 "$TGT4" >/dev/null || bail "no path after netem"

ping_med=$(ns_exec edge ping -n -c 20 -i 0.1 "$TGT4" |
	sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
run_ok "trace, 20 rounds" ns_exec edge "$PROBE" trace --json -c 20 -i 0.1s -m 8 -W 1s "$TGT4"
out=$RUN_OUTPUT
mtr_avg=$(ns_exec edge mtr -n -r -c 20 -i 0.1 "$TGT4" | awk '$1 == "4.|--" { print $6 }')
p50=$(jq -r '.hops[3].rtt.p50' <<<"$out")
diag "target: ping median $ping_med ms, mtr avg $mtr_avg ms, outpost-probe p50 $p50 ms"
diag "$(jq -r '.hops[] | "hop \(.ttl) \(.addrs[0].addr): p50 \(.rtt.p50) avg \(.rtt.avg) ms"' <<<"$out")"
is "$(json_received "$out")" "60 60 60 60" "every probe of every hop answered"
jq -e '.hops[0].rtt.p50 < 5 and .hops[1].rtt.p50 < 5' <<<"$out" >/dev/null
ok $? "hops 1 and 2 are before the delay"
jq -e '.hops[2].rtt.p50 > 19.5 and .hops[3].rtt.p50 > 19.5' <<<"$out" >/dev/null
ok $? "hops 3 and 4 are behind it"
within() { python3 -c 'import sys; a, b, d = map(float, sys.argv[1:]); sys.exit(abs(a - b) > d)' "$@"; }
within "$p50" "$ping_med" 1.5
ok $? "the target's median is within 1.5 ms of ping's ($p50 vs $ping_med)"
within "$p50" "$mtr_avg" 2
ok $? "and within 2 ms of mtr's average ($p50 vs $mtr_avg)"

done_testing
