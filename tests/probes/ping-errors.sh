#!/bin/bash
# ping-errors.sh: ICMP errors quoting our requests count as errors of
# their target and name the router that sent them: time exceeded (--ttl
# 1) and unreachable (an unreachable route on the router), through raw
# sockets and, for IPv4, through unprivileged sockets (their errors come
# on the error queue); IPv6 too. Such targets are unreachable (exit 1).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

require_root
require_cmd python3 setpriv
# p - r - t: r routes between 10.0.0.0/24 and 10.1.0.0/24.
ns_add p && ns_add r && ns_add t || bail "namespaces"
veth_add p eth0 r eth0 && veth_add r eth1 t eth0 || bail "veth"
addr_add p eth0 10.0.0.1/24 && addr_add r eth0 10.0.0.2/24 || bail addr
addr_add r eth1 10.1.0.1/24 && addr_add t eth0 10.1.0.2/24 || bail addr
addr_add p eth0 2001:db8::1/64 && addr_add r eth0 2001:db8::2/64 || bail addr
addr_add r eth1 2001:db8:1::1/64 && addr_add t eth0 2001:db8:1::2/64 || bail addr
route_add p default via 10.0.0.2 && route_add t default via 10.1.0.1 || bail route
route_add p default via 2001:db8::2 && route_add t default via 2001:db8:1::1 || bail route
# No ICMP rate limit on the router: every probe gets its error.
ns_sysctl r net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.icmp_ratelimit=0 \
	net.ipv6.icmp.ratelimit=0
route_add r unreachable 10.2.0.0/24
route_add r unreachable 2001:db8:2::/64
ns_sysctl p net.ipv4.ping_group_range="0 2147483647"
T=$NETNS_TMP
chmod 755 "$T"
plan 13

user() { ns_exec p setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-net_raw "$PROBE" "$@"; }

rc=0
ns_exec p "$PROBE" ping --json -c 3 -i 200ms 10.1.0.2 >"$T/ok.json" 2>&1 || rc=$?
is "$rc:$(json_field "$T/ok.json" 'L[0]["received"], L[0]["ttl"]')" "0:(3, 63)" \
	"through the router: reached, ttl 63"

rc=0
ns_exec p "$PROBE" ping --json -c 3 -i 200ms -W 500ms --ttl 1 10.1.0.2 >"$T/te.json" 2>"$T/te.err" || rc=$?
is "$rc" 1 "raw, --ttl 1: exit 1"
is "$(json_field "$T/te.json" 'L[0]["outcome"], L[0]["errors"], L[0]["error_from"], L[0]["error_type"]')" \
	"('unreachable', 3, '10.0.0.2', 'time-exceeded')" "raw: 3 time exceeded from the router 10.0.0.2"

# The router's "unreachable" errors have a limiter of their own (the
# global net.ipv4.route.error_cost: one per second, a burst of five,
# sharing its clock with the ICMP limiter above): let it refill.
sleep 3
rc=0
ns_exec p "$PROBE" ping --json -c 2 -i 200ms -W 500ms 10.2.0.9 >"$T/un.json" 2>&1 || rc=$?
is "$rc" 1 "raw, unreachable route: exit 1"
is "$(json_field "$T/un.json" 'L[0]["errors"], L[0]["error_from"], L[0]["error_type"], L[0]["error_code"]')" \
	"(2, '10.0.0.2', 'unreachable', 1)" "raw: 2 host unreachable (code 1) from 10.0.0.2"

rc=0
user ping --json -c 3 -i 200ms -W 500ms --ttl 1 10.1.0.2 >"$T/ute.json" 2>"$T/ute.err" || rc=$?
is "$rc" 1 "ping socket, --ttl 1: exit 1"
is "$(json_field "$T/ute.json" 'L[0]["socket"], L[0]["errors"], L[0]["error_from"], L[0]["error_type"]')" \
	"('dgram', 3, '10.0.0.2', 'time-exceeded')" "ping socket: the errors from the error queue, naming the router"
sleep 3
rc=0
user ping --json -c 2 -i 200ms -W 500ms 10.2.0.9 >"$T/uun.json" 2>"$T/uun.err" || rc=$?
is "$(json_field "$T/uun.json" 'L[0]["errors"], L[0]["error_from"], L[0]["error_type"]')" \
	"(2, '10.0.0.2', 'unreachable')" "ping socket: unreachable from the router"

rc=0
ns_exec p "$PROBE" ping --json -c 2 -i 200ms -W 500ms --ttl 1 2001:db8:1::2 >"$T/te6.json" 2>&1 || rc=$?
is "$rc" 1 "IPv6 raw, hop limit 1: exit 1"
is "$(json_field "$T/te6.json" 'L[0]["errors"], L[0]["error_from"], L[0]["error_type"]')" \
	"(2, '2001:db8::2', 'time-exceeded')" "IPv6: time exceeded from the router"
rc=0
ns_exec p "$PROBE" ping --json -c 2 -i 200ms -W 500ms 2001:db8:2::9 >"$T/un6.json" 2>&1 || rc=$?
is "$(json_field "$T/un6.json" 'L[0]["errors"], L[0]["error_from"], L[0]["error_type"]')" \
	"(2, '2001:db8::2', 'unreachable')" "IPv6: unreachable from the router"
rc=0
user ping --json -c 2 -i 200ms -W 500ms --ttl 1 2001:db8:1::2 >"$T/ute6.json" 2>"$T/ute6.err" || rc=$?
is "$(json_field "$T/ute6.json" 'L[0]["socket"], L[0]["errors"], L[0]["error_from"]')" \
	"('dgram', 2, '2001:db8::2')" "IPv6 ping socket: time exceeded from the router"
ns_exec p "$PROBE" ping -c 2 -i 200ms -W 500ms --ttl 1 10.1.0.2 10.1.0.2 >"$T/te.txt" 2>&1
like "$(cat "$T/te.txt")" '10.1.0.2 : xmt/rcv/%loss = 2/0/100%, 2 errors \(time-exceeded from 10.0.0.2\)' \
	"the summary line names the error and the router"
done_testing
