#!/bin/bash
# trace-methods.sh: outpost-probe trace through a chain of three router
# namespaces (tests/probes/trace-lib.bash) with ICMP, UDP and TCP probes
# (an open and a closed port), IPv4 and IPv6: the JSON names the three
# routers and then the target, in order, every probe answered; the same
# hops as Debian's traceroute and mtr find on the same chain; several
# rounds count per hop; a route that ends in "unreachable" stops the trace
# with the router's mark and exit 1; without CAP_NET_RAW, UDP and ICMP
# fall back to datagram sockets and TCP refuses; -S picks the source.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/trace-lib.bash"

require_root
require_cmd jq socat traceroute mtr capsh
trace_chain || bail "cannot build the router chain"
bg_run tgt socat TCP4-LISTEN:8080,fork,reuseaddr /dev/null
bg_run tgt socat TCP6-LISTEN:8080,fork,reuseaddr,ipv6only=1 /dev/null
listening() { ns_exec tgt ss -Hltn 'sport = :8080' | grep -c . | grep -qx 2; }
wait_until 10 listening || bail "socat does not listen on the target"

# 1. Every method and family: the exact hops, all answered, the end reached.
for fam in 4 6; do
	if [ $fam = 4 ]; then tgt=$TGT4 hops=$HOPS4 src=10.7.1.2
	else tgt=$TGT6 hops=$HOPS6 src=2001:db8:7:1::2; fi
	for m in icmp udp "tcp -p 8080" "tcp -p 8081"; do
		what="IPv$fam $m"
		run_ok "$what: exit 0" ns_exec edge "$PROBE" trace --json -P $m -m 8 -W 1s "$tgt"
		out=$RUN_OUTPUT
		is "$(json_hops "$out")" "$hops" "$what: r1, r2, r3, then the target"
		is "$(json_received "$out")" "3 3 3 3" "$what: every probe of every hop answered"
		is "$(jq -r '[.outcome, .reached, .dst, .src, .proto] | join(" ")' <<<"$out")" \
			"reached true $tgt $src ${m%% *}" "$what: outcome, dst, src, proto"
		is "$(jq -r '[.hops[] | .reached] | join(" ")' <<<"$out")" "false false false true" \
			"$what: only the last hop is the target"
		is "$(jq -r '[.hops[] | .addrs | length] | join(" ")' <<<"$out")" "1 1 1 1" \
			"$what: one responder per hop"
		jq -e '.hops | all(.rtt.min >= 0 and .rtt.max < 1000 and .loss == 0)' <<<"$out" >/dev/null
		ok $? "$what: round trips in range, no loss"
		case $m in
		*8080) is "$(jq -r .port_state <<<"$out")" open "$what: SYN-ACK, the port is open" ;;
		*8081) is "$(jq -r .port_state <<<"$out")" closed "$what: reset, the port is closed" ;;
		esac
	done
done

# 1b. Several targets at once, each its own trace: three results, each
# with its own hops (r3's own address is three hops away).
run_ok "three targets at once" ns_exec edge "$PROBE" trace --json -P udp -m 8 -W 1s \
	"$TGT4" "$TGT6" 10.7.3.2
got=$(jq -r '"\(.target)=\([.hops[] | .addrs[0].addr] | join(","))"' <<<"$RUN_OUTPUT" | sort | tr '\n' ' ')
is "$got" "10.7.3.2=10.7.1.1,10.7.2.2,10.7.3.2 10.7.4.2=${HOPS4// /,} $TGT6=${HOPS6// /,} " \
	"three targets at once: each its own hops"

# 2. Debian's traceroute and mtr see the same hops on the same chain.
peer_hops() { awk '$1 ~ /^[0-9]+$/ && $2 != "*" { printf "%s%s", sep, $2; sep=" " } END { print "" }'; }
for fam in 4 6; do
	if [ $fam = 4 ]; then tgt=$TGT4 hops=$HOPS4; else tgt=$TGT6 hops=$HOPS6; fi
	for opt in "" -I -T; do
		got=$(ns_exec edge traceroute -$fam -n -q 1 -w 1 -m 8 $opt "$tgt" 2>&1 | peer_hops)
		is "$got" "$hops" "IPv$fam traceroute ${opt:-(udp)} finds the same hops"
	done
	got=$(ns_exec edge mtr -$fam -n -r -c 2 "$tgt" 2>&1 |
		awk '$1 ~ /^[0-9]+\.\|--$/ { printf "%s%s", sep, $2; sep=" " } END { print "" }')
	is "$got" "$hops" "IPv$fam mtr --report finds the same hops"
done

# 3. The human report: one mtr-style line per hop, in order.
run_ok "human report" ns_exec edge "$PROBE" trace -m 8 -W 1s "$TGT4"
got=$(awk '$1 ~ /^[0-9]+\.\|--$/ { printf "%s%s/%s/%s", sep, $2, $3, $4; sep=" " } END { print "" }' <<<"$RUN_OUTPUT")
is "$got" "10.7.1.1/0.0%/3 10.7.2.2/0.0%/3 10.7.3.2/0.0%/3 10.7.4.2/0.0%/3" \
	"human report: address, loss and sent per hop"
like "$RUN_OUTPUT" "HOST: .*Loss%   Snt   Last   Avg  Best  Wrst StDev" "human report: mtr's header"

# 4. mtr-like rounds: -c 3 sends 3 rounds of 3 per hop.
run_ok "-c 3 rounds" ns_exec edge "$PROBE" trace --json -P udp -c 3 -i 0.2s -m 8 -W 1s "$TGT4"
is "$(jq -r '[.rounds, ([.hops[] | .sent] | join(" ")), ([.hops[] | .received] | join(" "))] | join(",")' <<<"$RUN_OUTPUT")" \
	"3,9 9 9 9,9 9 9 9" "-c 3: three rounds, nine probes per hop, all answered"

# 5. A route that ends in "unreachable" at r3: the trace stops there, exit 1.
route_add r1 10.7.9.0/24 via 10.7.2.2 && route_add r2 10.7.9.0/24 via 10.7.3.2 &&
route_add r3 unreachable 10.7.9.0/24 || bail "unreachable route"
# The kernel paces "unreachable" errors with the same per-peer tokens the
# time exceeded messages just used up (icmp_ratelimit=0 leaves them at 0),
# and route.error_cost is not per namespace: let a second's worth return.
sleep 1.5
run_fails "unreachable: exit non-zero" ns_exec edge "$PROBE" trace --json -m 8 -W 1s 10.7.9.9
is "$RUN_STATUS" 1 "unreachable: exit 1"
out=$RUN_OUTPUT
is "$(json_hops "$out")" "10.7.1.1 10.7.2.2 10.7.3.2" "unreachable: r1, r2, r3 and no further"
is "$(jq -r '[.outcome, .reached, .hops[2].unreach] | join(" ")' <<<"$out")" \
	"unreachable false !H" "unreachable: r3 says host unreachable (!H)"

# 5b. IPv6: an "unreachable" route is ICMPv6 no route (!N).
route6_add r1 2001:db8:7:9::/64 via 2001:db8:7:2::2 &&
route6_add r2 2001:db8:7:9::/64 via 2001:db8:7:3::2 &&
route6_add r3 unreachable 2001:db8:7:9::/64 || bail "IPv6 unreachable route"
run_fails "IPv6 unreachable: exit non-zero" ns_exec edge "$PROBE" trace --json -m 8 -W 1s 2001:db8:7:9::9
is "$RUN_STATUS" 1 "IPv6 unreachable: exit 1"
is "$(jq -r '[.outcome, ([.hops[] | .addrs[0].addr] | join(" ")), .hops[2].unreach] | join(",")' <<<"$RUN_OUTPUT")" \
	"unreachable,${HOPS6% *},!N" "IPv6 unreachable: r1, r2, r3 saying no route (!N)"

# 5c. No route at all (a namespace with only loopback): unreachable, exit 1,
# the reason given, not a failure of this host.
ns_add lone || bail "lone namespace"
run_fails "no route: exit non-zero" ns_exec lone "$PROBE" trace --json -m 4 -W 500ms 198.51.100.1
is "$RUN_STATUS" 1 "no route: exit 1"
is "$(jq -r '[.outcome, .error] | join(",")' <<<"$RUN_OUTPUT")" \
	"unreachable,no route to 198.51.100.1" "no route: unreachable, and why"

# 6. Without CAP_NET_RAW: UDP and ICMP fall back to datagram sockets with
# IP_RECVERR (ICMP where ping_group_range admits the group, here in edge
# only) and find the same hops; TCP refuses, saying what it needs.
ns_sysctl edge "net.ipv4.ping_group_range=0 2147483647" || bail "ping_group_range"
for fam in 4 6; do
	if [ $fam = 4 ]; then tgt=$TGT4 hops=$HOPS4; else tgt=$TGT6 hops=$HOPS6; fi
	for m in udp icmp; do
		what="IPv$fam $m without CAP_NET_RAW"
		run_ok "$what: exit 0" ns_exec edge capsh --drop=cap_net_raw -- -c \
			"exec '$PROBE' trace --json -P $m -m 8 -W 1s $tgt"
		out=$(grep '^{' <<<"$RUN_OUTPUT")
		like "$RUN_OUTPUT" "no CAP_NET_RAW: using .* sockets with IP_RECVERR" "$what: says so"
		is "$(json_hops "$out")" "$hops" "$what: r1, r2, r3, then the target"
		is "$(json_received "$out")" "3 3 3 3" "$what: every probe answered"
		is "$(jq -r .outcome <<<"$out")" reached "$what: reached"
	done
done
run_fails "no CAP_NET_RAW: tcp refused" capsh --drop=cap_net_raw -- -c "exec '$PROBE' trace -P tcp 127.0.0.1"
is "$RUN_STATUS" 4 "no CAP_NET_RAW: tcp is exit 4, a system error"
like "$RUN_OUTPUT" "-P tcp needs CAP_NET_RAW" "no CAP_NET_RAW: tcp's message names the capability"

# 7. -S: the probes leave from a second address of edge, and answers return.
addr_add edge eth0 10.7.1.3/24 || bail "second address"
run_ok "-S 10.7.1.3" ns_exec edge "$PROBE" trace --json -S 10.7.1.3 -m 8 -W 1s "$TGT4"
is "$(jq -r '[.src, .outcome, ([.hops[] | .addrs[0].addr] | join(" "))] | join(",")' <<<"$RUN_OUTPUT")" \
	"10.7.1.3,reached,$HOPS4" "-S: src is the given address, same hops, reached"

done_testing
