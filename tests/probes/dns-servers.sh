#!/bin/bash
# dns-servers: two servers measured separately, one 30 ms away behind the
# netem relay: the slow one is reported at 30 ms +- 1 ms (median of 20
# queries) over what the path itself takes, which iputils ping measures on
# it at the same time (the relay is a user-space program and adds its own
# fraction of a millisecond, more on a loaded machine); the near one well
# under it, and dig agrees on which is which;
# a silent server is unreachable with its timeouts counted, exit 1, and
# does not hold up the others; a server name that does not resolve is the
# one "unresolved" (exit 2).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/dns-lib.sh"
require_root
for t in dnsmasq dig jq nft python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done

dns_world || bail "cannot build the namespaces"
dns_dnsmasq s1 10.9.53.2 || bail "dnsmasq s1 did not start"
dns_dnsmasq s2 10.9.54.2 || bail "dnsmasq s2 did not start"
netem s2 eth0 delay 30ms || bail "cannot delay s2"
# The relay is in place once a query gets through it again.
wait_until 5 ip netns exec "$(ns c)" dig +short +time=1 +tries=1 @10.9.54.2 a.example.test \
	>/dev/null || bail "s2 unreachable behind the relay"

ip netns exec "$(ns c)" ping -n -c 20 -i 0.05 10.9.54.2 >"$NETNS_TMP/ping.out" 2>&1 &
ping_pid=$!
probe dns --json -c 20 -i 50ms a.example.test @10.9.53.2 @10.9.54.2
wait $ping_pid
path=$(sed -n 's/.*time=\([0-9.]*\) ms/\1/p' "$NETNS_TMP/ping.out" | sort -n |
	awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
is "$PROBE_RC" 0 "both servers answered: exit 0"
fast=$(printf '%s\n' "$PROBE_OUT" | jq -r 'select(.dst == "10.9.53.2") | .rtt.p50')
slow=$(printf '%s\n' "$PROBE_OUT" | jq -r 'select(.dst == "10.9.54.2") | .rtt.p50')
recv=$(printf '%s\n' "$PROBE_OUT" | jq -r '.received' | tr '\n' ' ')
is "$recv" "20 20 " "20 replies from each"
ok "$(python3 -c "import sys; sys.exit(0 if abs($slow - ${path:-30}) <= 1 and abs(${path:-0} - 30) <= 3 else 1)"; echo $?)" \
	"the slow server at 30 ms +- 1 of the path (p50 $slow ms, ping's median ${path:-none} ms)"
ok "$(python3 -c "import sys; sys.exit(0 if $fast < 3 else 1)"; echo $?)" \
	"the near server well under it (p50 $fast ms)"
# dig's own query time (whole milliseconds, and it varies by a few ms
# run to run behind the relay): the median of 7, near 30 and far from 0.
d=$(for i in 1 2 3 4 5 6 7; do
	dig_c +noedns +tries=1 @10.9.54.2 a.example.test | sed -n 's/;; Query time: \([0-9]*\) msec/\1/p'
done | sort -n | sed -n 4p)
ok "$([ -n "$d" ] && [ "$d" -ge 25 ] && [ "$d" -le 34 ]; echo $?)" "dig's median for the slow one agrees: ${d} ms"

start=$(date +%s%N)
probe dns --json -c 3 -i 100ms -W 300ms a.example.test @10.9.53.2 @10.9.53.3
took=$(( ($(date +%s%N) - start) / 1000000 ))
is "$PROBE_RC" 1 "a silent server: exit 1"
is "$(printf '%s\n' "$PROBE_OUT" | jq -r 'select(.dst == "10.9.53.3") | "\(.outcome) \(.received) \(.timeouts) \(.error)"')" \
	"unreachable 0 3 no reply" "silent: unreachable, 3 timeouts, no reply"
is "$(printf '%s\n' "$PROBE_OUT" | jq -r 'select(.dst == "10.9.53.2") | "\(.outcome) \(.received)"')" \
	"reached 3" "the other server still measured"
ok "$([ "$took" -lt 1500 ]; echo $?)" "given up at -W per query, not later (${took} ms)"

# SIGINT: what came so far is reported, the query in flight not counted.
ip netns exec "$(ns c)" "$PROBE" dns --json -c 100 -i 200ms -W 150ms a.example.test @10.9.53.2 \
	>"$NETNS_TMP/int.out" 2>&1 &
pid=$!
sleep 1.1
kill -INT $pid
wait $pid
rc=$?
PROBE_OUT=$(cat "$NETNS_TMP/int.out")
sent=$(jget .sent)
ok "$([ "$rc" = 0 ] && [ "$(jget .outcome)" = reached ] && [ "$sent" -ge 4 ] && [ "$sent" -le 7 ] &&
	[ "$(jget .received)" = "$sent" ]; echo $?)" \
	"SIGINT after 1.1 s: exit $rc, $sent sent, all of them answered, the rest not counted"

probe dns --json -W 300ms a.example.test @no-such-server.invalid @10.9.53.2
is "$PROBE_RC" 2 "a server name that does not resolve: exit 2"
is "$(printf '%s\n' "$PROBE_OUT" | jq -r '"\(.server) \(.outcome)"' | sort | tr '\n' ' ')" \
	"10.9.53.2 reached no-such-server.invalid unresolved " "that pair unresolved, the other reached"

done_testing
