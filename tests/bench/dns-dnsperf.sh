#!/bin/bash
# dns-dnsperf.sh: outpost-probe dns against dnsperf, the same dnsmasq in a
# namespace, the same run (needs root). Both ask for A records of the same
# NAMES names as fast as they are let:
#
#   - dnsperf -l SECS -q 100 (at most 100 outstanding) -v, each query's
#     latency from its verbose lines;
#   - outpost-probe dns -c COUNT -i 1ms NAME x NAMES: every name's queries
#     leave every millisecond whatever came back, each one timed (its
#     progress lines give every query's time).
#
# Reported for each: queries answered per second (answered / wall time),
# p50/p90/p99 latency, CPU user+sys (/usr/bin/time) and the ratios.
# DNS_BENCH_NAMES (default 50), DNS_BENCH_COUNT (default 1000),
# DNS_BENCH_SECS for dnsperf (default 5). Run it from a build without
# sanitizers.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/dns-lib.sh"
require_root

NAMES=${DNS_BENCH_NAMES:-50}
COUNT=${DNS_BENCH_COUNT:-1000}
SECS=${DNS_BENCH_SECS:-5}
for t in dnsmasq dnsperf jq /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || { echo "dns-dnsperf bench: needs $t" >&2; exit 1; }
done
if nm "$PROBE" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $PROBE is built with AddressSanitizer; figures are not representative" >&2
fi
dns_world && dns_dnsmasq s1 10.9.53.2 || { echo "dns-dnsperf bench: no world" >&2; exit 1; }
# The query log would be the bottleneck of both.
bg_kill "$BG_PID"
bg_run s1 dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--listen-address=10.9.53.2 --bind-interfaces --local=/example.test/ \
	--host-record=a.example.test,10.9.0.10 >"$NETNS_TMP/dnsmasq.out" 2>&1
wait_until 5 ip netns exec "$(ns c)" dig +short +time=1 +tries=1 @10.9.53.2 a.example.test \
	>/dev/null || { echo "dns-dnsperf bench: dnsmasq did not start" >&2; exit 1; }

names=()
for i in $(seq "$NAMES"); do names+=("a.example.test"); done
for n in "${names[@]}"; do echo "$n A"; done >"$NETNS_TMP/queries"

pct() {	# pct P < values (ms): nearest rank
	sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; printf "%.3f", v[i] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# dnsperf
ip netns exec "$(ns c)" /usr/bin/time -f '%U %S %e' -o "$NETNS_TMP/time.dnsperf" \
	dnsperf -s 10.9.53.2 -d "$NETNS_TMP/queries" -l "$SECS" -q 100 -v \
	>"$NETNS_TMP/dnsperf.out" 2>&1
# "> NOERROR a.example.test A 0.000148": latency in seconds.
grep '^> ' "$NETNS_TMP/dnsperf.out" | awk '{ print $NF * 1000 }' >"$NETNS_TMP/lat.dnsperf"
d_n=$(wc -l <"$NETNS_TMP/lat.dnsperf")
d_wall=$(awk '{ print $3 }' "$NETNS_TMP/time.dnsperf")
d_rate=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' "$NETNS_TMP/dnsperf.out")
d_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$NETNS_TMP/time.dnsperf")

# outpost-probe: one pair per name, a query every millisecond each.
ip netns exec "$(ns c)" /usr/bin/time -f '%U %S %e' -o "$NETNS_TMP/time.probe" \
	"$PROBE" dns -c "$COUNT" -i 1ms -W 300ms "${names[@]}" @10.9.53.2 \
	>"$NETNS_TMP/probe.out" 2>&1
sed -n 's/.* time=\([0-9.]*\) ms$/\1/p' "$NETNS_TMP/probe.out" >"$NETNS_TMP/lat.probe"
o_n=$(wc -l <"$NETNS_TMP/lat.probe")
o_wall=$(awk '{ print $3 }' "$NETNS_TMP/time.probe")
o_rate=$(awk -v n="$o_n" -v w="$o_wall" 'BEGIN { printf "%.0f", n / w }')
o_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$NETNS_TMP/time.probe")
o_sent=$((NAMES * COUNT))

printf '%-14s %10s %9s %8s %8s %8s %7s %9s\n' tool "answered" "q/s" p50_ms p90_ms p99_ms cpu_s "cpu_us/q"
printf '%-14s %10s %9.0f %8s %8s %8s %7s %9.1f\n' dnsperf "$d_n" "$d_rate" \
	"$(pct 50 <"$NETNS_TMP/lat.dnsperf")" "$(pct 90 <"$NETNS_TMP/lat.dnsperf")" \
	"$(pct 99 <"$NETNS_TMP/lat.dnsperf")" "$d_cpu" "$(awk -v c="$d_cpu" -v n="$d_n" 'BEGIN { print c * 1e6 / n }')"
printf '%-14s %10s %9.0f %8s %8s %8s %7s %9.1f\n' outpost-probe "$o_n/$o_sent" "$o_rate" \
	"$(pct 50 <"$NETNS_TMP/lat.probe")" "$(pct 90 <"$NETNS_TMP/lat.probe")" \
	"$(pct 99 <"$NETNS_TMP/lat.probe")" "$o_cpu" "$(awk -v c="$o_cpu" -v n="$o_n" 'BEGIN { print c * 1e6 / n }')"
printf 'ratio outpost-probe / dnsperf: rate %s, cpu per query %s (wall: dnsperf %s s, outpost-probe %s s)\n' \
	"$(ratio "$o_rate" "$d_rate")" \
	"$(ratio "$(awk -v c="$o_cpu" -v n="$o_n" 'BEGIN { print c / n }')" "$(awk -v c="$d_cpu" -v n="$d_n" 'BEGIN { print c / n }')")" \
	"$d_wall" "$o_wall"
