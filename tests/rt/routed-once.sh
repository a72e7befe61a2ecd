#!/bin/bash
# routed-once.sh: outpost-routed --once with the standard config installs
# exactly its rules and routes (every rule of node and tables 150/160,
# both families, compared with the expected lists), names the tables in
# the rt-tables file and the protocol in rt-protos, and traffic from each
# LAN and each mark leaves by its line (IPv4 and IPv6); a second --once
# changes nothing (no rule or route notification at all); --flush
# removes exactly Outpost's objects and the rt-tables file, and leaves
# foreign ones (rules proto static at the same priorities, a route in
# table 150 proto static) in place.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd python3 nft

rt_world || bail "the routing world could not be built"
rt_conf "$RT_CONF"

run_ok "--once exits 0" ns_exec node "$ROUTED" --once -f "$RT_CONF"
rt_state_is "after --once"
is "$(grep -v '^#' "$NETNS_TMP/rt_tables.conf")" "$(printf '150\ttel\n160\tcnc')" \
	"rt-tables names table 150 tel and 160 cnc"
is "$(grep -v '^#' "$NETNS_TMP/rt_protos.conf")" "$(printf '158\toutpost')" \
	"rt-protos names protocol 158 outpost"
like "$(head -1 "$NETNS_TMP/rt_tables.conf")" "^# written by outpost-routed" "with a header"

for f in 4 6; do
	rt_leaves_by "lan50 ping" gtel "$f" rt_ping lan50 "$f"
	rt_leaves_by "lan60 ping" gcnc "$f" rt_ping lan60 "$f"
	rt_leaves_by "node, mark 0x150" gtel "$f" rt_udp node "$f" 0x150
	rt_leaves_by "node, mark 0x160" gcnc "$f" rt_udp node "$f" 0x160
done

# A second --once: nothing to do, so the kernel hears nothing.
W=$NETNS_TMP/watch
rt_watch "$W" || bail "rt-watch.py did not start"
from=$(rt_lines "$W")
run_ok "a second --once exits 0" ns_exec node "$ROUTED" --once -f "$RT_CONF"
sleep 0.3
is "$(tail -n +$((from + 1)) "$W" | grep -c -E '"event": ?"(new|del)"')" 0 \
	"and causes no rule or route notification"
bg_kill "$RT_WATCH_PID"

# Foreign objects at Outpost's priorities and in its table.
ns_exec node ip rule add priority 1000 from 10.77.0.0/24 lookup 150 proto static
ns_exec node ip -6 rule add priority 1100 from 2001:db8:77::/64 lookup 160 proto static
ns_exec node ip route add 10.77.0.0/24 dev tel0 table 150 proto static
foreign_rules=$(for f in 4 6; do rt_all_rules "$f" | grep 77; done)
run_ok "--flush exits 0" ns_exec node "$ROUTED" --flush -f "$RT_CONF"
like "$RUN_OUTPUT" "removed 8 rule\\(s\\) and 8 route\\(s\\)" "it says how many it removed"
is "$(for f in 4 6; do ns_exec node ip -"$f" rule show; done | grep -c ' proto 158')" 0 \
	"no rule of protocol 158 is left"
is "$(for f in 4 6; do ns_exec node ip -"$f" route show table all; done | grep -c ' proto 158')" 0 \
	"no route of protocol 158 is left"
is "$(for f in 4 6; do rt_all_rules "$f" | grep 77; done)" "$foreign_rules" \
	"the foreign rules at priorities 1000 and 1100 are still there"
is "$(rt_table 4 150)" "10.77.0.0/24 dev tel0 proto static scope link" \
	"the foreign route in table 150 is still there"
is "$(rt_all_rules 4)" "$(printf '0:\tfrom all lookup local\n1000:\tfrom 10.77.0.0/24 lookup 150\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default' | sort)" \
	"IPv4: the kernel's rules and the foreign one, nothing else"
ok "$([ ! -e "$NETNS_TMP/rt_tables.conf" ]; echo $?)" "--flush removed the rt-tables file"
run_ok "a second --flush finds nothing and exits 0" ns_exec node "$ROUTED" --flush -f "$RT_CONF"
like "$RUN_OUTPUT" "removed 0 rule\\(s\\) and 0 route\\(s\\)" "and says so"
done_testing
