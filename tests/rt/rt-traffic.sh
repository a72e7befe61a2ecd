#!/bin/bash
# rt-traffic.sh: outpost-routed up with the standard two-line config
# (rt_conf): the kernel holds exactly its rules (both families, with the
# kernel's own) and tables 150/160 exactly the connected route with its
# source and the default via the gateway; traffic from each LAN, each
# mark and each source address leaves by its own line (packets counted
# at the gateways), IPv4 and IPv6; traffic that matches no line has no
# route at all (the main table has no default).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd nft python3

rt_world || bail "the routing world could not be built"
rt_conf "$RT_CONF"
# Before the daemon: nothing leaves (no line, no default route).
run_fails "before outpost-routed, lan50 reaches nothing" rt_ping lan50 4

rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }
wait_until 5 rt_state_ok || diag "state not converged after 5 s"
rt_state_is "daemon up"
# Every rule but the kernel's own, every route of the tables: protocol 158.
is "$(ns_exec node ip rule show | grep -v -E '^(0|32766|32767):' | grep -c -v ' proto 158')" 0 \
	"every Outpost rule carries protocol 158"
is "$(for f in 4 6; do ns_exec node ip -$f route show table 150; ns_exec node ip -$f route show table 160; done |
	grep -c -v ' proto 158')" 0 "every route of tables 150/160 carries protocol 158"

for f in 4 6; do
	rt_leaves_by "lan50 ping" gtel "$f" rt_ping lan50 "$f"
	rt_leaves_by "lan60 ping" gcnc "$f" rt_ping lan60 "$f"
	rt_leaves_by "node, mark 0x150" gtel "$f" rt_udp node "$f" 0x150
	rt_leaves_by "node, mark 0x160" gcnc "$f" rt_udp node "$f" 0x160
done
rt_leaves_by "node from 10.50.0.1" gtel 4 rt_udp node 4 0 10.50.0.1
rt_leaves_by "node from 10.60.0.1" gcnc 4 rt_udp node 4 0 10.60.0.1
rt_leaves_by "node from 2001:db8:50::1" gtel 6 rt_udp node 6 0 2001:db8:50::1
rt_leaves_by "node from 2001:db8:60::1" gcnc 6 rt_udp node 6 0 2001:db8:60::1
# A mark of neither line and no source of theirs: no route.
run_fails "node, mark 0x999, IPv4: no route" rt_udp node 4 0x999
run_fails "node, no mark, IPv6: no route" rt_udp node 6

# The tables are named where [routing] rt-tables says.
tables=$(grep -v '^#' "$NETNS_TMP/rt_tables.conf" 2>/dev/null | tr -s ' \t' ' ' | sort)
is "$tables" "$(printf '150 tel\n160 cnc\n')" "rt-tables names table 150 tel and 160 cnc"

# SIGTERM leaves routing in place (a restart must not cut traffic).
bg_kill "$RT_PID"
rt_state_is "after SIGTERM"
rt_leaves_by "lan60 ping after SIGTERM" gcnc 4 rt_ping lan60 4
done_testing
