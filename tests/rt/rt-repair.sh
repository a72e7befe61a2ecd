#!/bin/bash
# rt-repair.sh: outpost-routed puts back what others break, fast, with
# rt-watch.py as the clock: (a) one rule deleted, (b) "ip rule flush" in
# both families, (c) a table flushed, (d) one default route deleted:
# each repaired, the time from the kernel's deletion notice to its re-add
# notice printed and under 100 ms per object; (e) the line's interface
# down (its routes go and stay gone) and up again (they come back); (f)
# an address in a new subnet on cnc0 gives table 160 a new connected
# route, and removing it takes the route away. After each the node holds
# exactly the config's state.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd nft python3

LIMIT_MS=${RT_REPAIR_LIMIT_MS:-100}
rt_world || bail "the routing world could not be built"
# Keep tel0's static IPv6 address over a down/up (the kernel drops it by
# default and nothing here would put it back): (e) is about routes.
ns_sysctl node net.ipv6.conf.tel0.keep_addr_on_down=1
n() { ns_exec node "$@"; }
W=$NETNS_TMP/watch.jsonl
rt_watch "$W" || bail "rt-watch.py did not start"
rt_conf "$RT_CONF"
rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }
wait_until 5 rt_state_ok
rt_state_is "start"

# repaired WHAT FROM MIN: every Outpost object deleted after watch line
# FROM came back within LIMIT_MS of its deletion notice, and at least MIN
# were deleted; the times go to the diagnostics.
repaired()
{
	local out bad
	out=$(rt_repair_ms "$W" "$2")
	diag "$(printf '%s\n' "$out" | sed "s/^/$1: /")"
	bad=$(printf '%s\n' "$out" | awk -v lim="$LIMIT_MS" 'NF && ($1 == "none" || $1 + 0 >= lim)' | wc -l)
	ok "$([ "$(printf '%s\n' "$out" | grep -c .)" -ge "$3" ] && [ "$bad" = 0 ] && echo 0 || echo 1)" \
		"$1: $(printf '%s\n' "$out" | grep -c .) objects deleted, each back within $LIMIT_MS ms"
}

# (a) one rule
from=$(rt_lines "$W")
n ip rule del priority 1000 from 10.50.0.0/24 lookup 150
wait_until 5 rt_state_ok
rt_state_is "(a) ip rule del"
repaired "(a) ip rule del" "$from" 1
rt_leaves_by "(a) lan50 ping" gtel 4 rt_ping lan50 4

# (b) every rule, both families; the kernel's own go too: put them back
# (priority 0 "lookup local" has no priority attribute and stays).
from=$(rt_lines "$W")
n ip rule flush
n ip -6 rule flush
n ip rule add priority 32766 lookup main proto kernel
n ip rule add priority 32767 lookup default proto kernel
n ip -6 rule add priority 32766 lookup main proto kernel
wait_until 5 rt_state_ok
rt_state_is "(b) ip rule flush"
repaired "(b) ip rule flush" "$from" 8

# (c) a whole table, both families
from=$(rt_lines "$W")
n ip route flush table 150
n ip -6 route flush table 150
wait_until 5 rt_state_ok
rt_state_is "(c) ip route flush table 150"
repaired "(c) ip route flush table 150" "$from" 4
rt_leaves_by "(c) lan50 ping" gtel 6 rt_ping lan50 6

# (d) one default route, both families
from=$(rt_lines "$W")
n ip route del default table 160
n ip -6 route del default table 160
wait_until 5 rt_state_ok
rt_state_is "(d) ip route del default table 160"
repaired "(d) ip route del default table 160" "$from" 2

# (e) the interface down: the kernel drops table 150's routes and they
# must stay gone while it is down; up: they come back.
n ip link set dev tel0 down
sleep 0.5
is "$(rt_table 4 150; rt_table 6 150 2>/dev/null)" "" "(e) tel0 down: table 150 is empty"
rt_same "$(rt_table 4 160)" "$(rt_std_routes 4 160)" "(e) tel0 down: table 160 is untouched"
from=$(rt_lines "$W")
t_up=$(python3 -c 'import time; print(time.monotonic_ns())')
n ip link set dev tel0 up
wait_until 5 rt_state_ok
rt_state_is "(e) tel0 down and up"
diag "(e) link up -> last route of table 150 back: $(python3 - "$W" "$from" "$t_up" <<'PY'
import json, sys
t = [json.loads(l)["t_ns"] for l in open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]
     if '"new"' in l and '"protocol": 158' in l and '"table": 150' in l]
print("%.1f ms" % ((max(t) - int(sys.argv[3])) / 1e6) if t else "none")
PY
)"
rt_leaves_by "(e) lan50 ping after the bounce" gtel 4 rt_ping lan50 4

# (f) a new subnet on cnc0: its connected route joins table 160.
n ip addr add 10.161.0.2/24 dev cnc0
n ip -6 addr add 2001:db8:161::2/64 dev cnc0 nodad
extra4=$(printf '10.161.0.0/24 dev cnc0 proto 158 scope link src 10.161.0.2')
extra6=$(printf '2001:db8:161::/64 dev cnc0 proto 158 src 2001:db8:161::2 metric 1024 pref medium')
want4=$( { rt_std_routes 4 160; echo "$extra4"; } | sort)
want6=$( { rt_std_routes 6 160; echo "$extra6"; } | sort)
wait_until 5 eval '[ "$(rt_table 4 160)" = "$want4" ] && [ "$(rt_table 6 160)" = "$want6" ]'
rt_same "$(rt_table 4 160)" "$want4" "(f) address added on cnc0: table 160 has its connected route (IPv4)"
rt_same "$(rt_table 6 160)" "$want6" "(f) address added on cnc0: table 160 has its connected route (IPv6)"
n ip addr del 10.161.0.2/24 dev cnc0
n ip -6 addr del 2001:db8:161::2/64 dev cnc0
wait_until 5 rt_state_ok
rt_state_is "(f) address removed again"

ok "$(grep -q '"overrun"' "$W" && echo 1 || echo 0)" "rt-watch.py lost no notification"
_netns_alive "$RT_PID"
ok $? "outpost-routed is still running"
done_testing
