#!/bin/bash
# ping-unpriv.sh: without CAP_NET_RAW outpost-probe pings through
# unprivileged ICMP sockets (ping_group_range set in the namespace) and
# says so, in a note and in the JSON ("socket":"dgram"), for IPv4 and
# IPv6; the interval and rate floors refuse with exit 3, naming the
# numbers; with ping_group_range closed as well the error names the
# sysctl and the capability (exit 4).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

require_root
require_cmd python3 setpriv
ping_world || bail "cannot build the namespaces"
ping_targets 10.9.0.0/24 && ping_targets 2001:db8:9::/120 || bail "no target prefix"
T=$NETNS_TMP
chmod 755 "$T"
plan 14

# A user without any capability; and root without CAP_NET_RAW (past the
# command line's own root-only limits, so the engine's floor is what
# refuses).
user() { ns_exec p setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-net_raw "$PROBE" "$@"; }
rootless() { ns_exec p setpriv --inh-caps=-all --bounding-set=-net_raw "$PROBE" "$@"; }

ns_sysctl p net.ipv4.ping_group_range="0 2147483647"
rc=0
user ping --json -c 3 -i 200ms 10.9.0.5 2001:db8:9::5 >"$T/u.json" 2>"$T/u.err" || rc=$?
is "$rc" 0 "unprivileged: both targets reached"
is "$(json_field "$T/u.json" 'sorted((o["dst"], o["socket"], o["received"]) for o in L)')" \
	"[('10.9.0.5', 'dgram', 3), ('2001:db8:9::5', 'dgram', 3)]" \
	"through ping sockets (\"socket\":\"dgram\"), 3 of 3 each"
like "$(cat "$T/u.err")" 'unprivileged ICMP sockets \(no CAP_NET_RAW\)' "and a note says so"
is "$(json_field "$T/u.json" 'set(o["tstamp"] for o in L) <= {"kernel", "kernel-rx"}')" True \
	"kernel receive stamps on ping sockets too"

# The same as root keeps the raw socket.
rc=0
ns_exec p "$PROBE" ping --json -c 1 10.9.0.5 >"$T/r.json" 2>"$T/r.err" || rc=$?
is "$(json_field "$T/r.json" 'L[0]["socket"]')" raw "root: raw socket"
run_fails "root: no note about unprivileged sockets" grep -q unprivileged "$T/r.err"

# Floors: iputils ping's 2 ms, and 500 packets/s over all targets.
rc=0
rootless ping -c 2 -i 1ms 10.9.0.5 >"$T/f1.out" 2>&1 || rc=$?
is "$rc" 3 "without CAP_NET_RAW, -i 1ms: exit 3"
like "$(cat "$T/f1.out")" 'interval 1 ms is below the 2 ms' "naming the interval and the floor"
rc=0
rootless ping -c 2 -r 800 10.9.0.5 10.9.0.6 >"$T/f2.out" 2>&1 || rc=$?
is "$rc" 3 "without CAP_NET_RAW, -r 800: exit 3"
like "$(cat "$T/f2.out")" 'rate 800 packets/s is above the 500' "naming the rate and the cap"
rc=0
rootless ping --json -c 2 -i 2ms -r 500 10.9.0.5 >"$T/f3.json" 2>/dev/null || rc=$?
is "$rc:$(json_field "$T/f3.json" 'L[0]["received"]')" "0:2" "the floor itself is allowed"
rc=0
user ping -c 2 -i 1ms 10.9.0.5 >"$T/f4.out" 2>&1 || rc=$?
is "$rc" 3 "an unprivileged user below the command line's limit: exit 3"

# Neither kind of socket.
ns_sysctl p net.ipv4.ping_group_range="1 0"
rc=0
user ping -c 1 10.9.0.5 >"$T/n.out" 2>&1 || rc=$?
is "$rc" 4 "no CAP_NET_RAW and no ping_group_range: exit 4"
like "$(cat "$T/n.out")" 'CAP_NET_RAW.*net.ipv4.ping_group_range' \
	"the error names the capability and the sysctl"
done_testing
