#!/bin/bash
# rt-failover.sh: health tracking and failover. Both lines are tracked
# by ICMP to 192.0.2.1 every 200 ms (down after 3, up after 2); tel fails
# over to cnc, cnc blackholes. Echo requests dropped at gtel: within
# down-after x interval + interval (+ slack) tel's rules look up table
# 160, lan50 leaves by gcnc, a "line" event for tel says down (why,
# loss > 0, to cnc), while tel's probes still leave by tel0 (its oif rule
# stays, gtel keeps seeing them); the drop lifted: back to table 150, by
# gtel, an "up" event. Then cnc dies: its rules become blackholes and
# lan60 reaches neither gateway; it comes back afterwards.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd nft python3

INTERVAL=200 DOWN_AFTER=3 UP_AFTER=2
SLACK=${RT_FAILOVER_SLACK_MS:-600}
rt_world || bail "the routing world could not be built"
rt_nine_counters || bail "no counters"
rt_conf_track "$RT_CONF"
n() { ns_exec node "$@"; }
rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }
wait_until 5 rt_state_ok 1
rt_state_is "tracked lines up" 1
both_up() { [ "$(rt_status '" ".join(l["state"] for l in s["lines"])' 2>/dev/null)" = "up up" ]; }
wait_until 5 both_up
is "$(rt_status '" ".join(l["name"] + "=" + l["state"] + "/" + l["to"] for l in s["lines"])')" \
	"tel=up/self cnc=up/self" "status: both lines up, pointing at themselves"
# The status shows the lines' current health, not only that of their
# last change: after a few answered rounds each has an RTT.
sleep 1
is "$(rt_status '" ".join(str(isinstance(l["rtt_ms"], (int, float))) for l in s["lines"])')" \
	"True True" "status: each tracked line has a measured rtt_ms while up"
rt_leaves_by9 "lan50 ping" gtel 4 rt_ping lan50 4
rt_leaves_by9 "lan60 ping" gcnc 4 rt_ping lan60 4

# tel_points TABLE: every IPv4 and IPv6 rule at priority 1000 but the oif
# rule looks up TABLE (and there are two per family).
tel_points()
{
	local f
	for f in 4 6; do
		[ "$(n ip -"$f" rule show | grep '^1000:' | grep -v ' oif ' | grep -c "lookup $1")" = 2 ] || return 1
	done
}
# waited_ms LIMIT CMD...: poll CMD every 20 ms for at most LIMIT ms;
# prints the time it took (or "timeout").
waited_ms()
{
	local lim=$1 t0 t
	shift
	t0=$(rt_now_ms)
	while :; do
		"$@" && { echo $(($(rt_now_ms) - t0)); return 0; }
		t=$(($(rt_now_ms) - t0))
		[ "$t" -lt "$lim" ] || { echo timeout; return 1; }
		sleep 0.02
	done
}
le() { [ "$1" != timeout ] && [ "$1" -le "$2" ]; }

# ---- tel dies
limit=$((DOWN_AFTER * INTERVAL + INTERVAL + SLACK))
rt_drop gtel || bail "nft drop at gtel"
took=$(waited_ms 10000 tel_points 160)
diag "tel down -> rules at 160 after $took ms (bound $DOWN_AFTER x $INTERVAL + $INTERVAL + slack $SLACK = $limit ms)"
ok "$(le "$took" "$limit" && echo 0 || echo 1)" "tel's rules point at table 160 within $limit ms"
is "$(n ip rule show | grep '^1000:' | grep ' oif ' | sed 's/ proto [^ ]*//; s/[[:space:]]*$//')" \
	"$(printf '1000:\tfrom all oif tel0 lookup 150')" "tel's oif rule still looks up 150"
rt_same "$(rt_table 4 150)" "$(rt_std_routes 4 150)" "table 150 keeps its routes while tel is down"
rt_leaves_by9 "lan50 ping, tel down" gcnc 4 rt_ping lan50 4
rt_leaves_by9 "lan50 ping, tel down" gcnc 6 rt_ping lan50 6
rt_leaves_by9 "mark 0x150, tel down" gcnc 4 rt_udp node 4 0x150
rt_leaves_by9 "lan60 ping, tel down" gcnc 4 rt_ping lan60 4
# tel's probes keep leaving by tel0: gtel's drop counter keeps growing
# at about one per interval (lan50's pings go by gcnc now).
d0=$(rt_drops gtel); sleep 1; d1=$(rt_drops gtel)
diag "gtel dropped $((d1 - d0)) echo requests in 1 s while tel was down (one per $INTERVAL ms expected)"
ok "$([ $((d1 - d0)) -ge 3 ] && echo 0 || echo 1)" "tel's probes still leave by tel0 while it is failed over"
ev=$(rt_events "$NETNS_TMP/spool" line tel | tail -1)
diag "last tel event: $ev"
is "$(printf '%s' "$ev" | python3 -c 'import json, sys
d = json.loads(sys.stdin.read() or "{}")
print(d.get("state"), d.get("to"), d.get("interface"), bool(d.get("why")), (d.get("loss") or 0) > 0)')" \
	"down cnc tel0 True True" "spool: a line event for tel: down, to cnc, on tel0, with why, loss > 0"
is "$(rt_status '[(l["state"], l["to"]) for l in s["lines"] if l["name"] == "tel"][0]')" \
	"('down', 'cnc')" "status: tel down, to cnc"

# ---- tel comes back
limit=$((UP_AFTER * INTERVAL + INTERVAL + SLACK))
rt_undrop gtel
took=$(waited_ms 10000 tel_points 150)
diag "tel up -> rules at 150 after $took ms (bound $UP_AFTER x $INTERVAL + $INTERVAL + slack $SLACK = $limit ms)"
ok "$(le "$took" "$limit" && echo 0 || echo 1)" "tel's rules point at table 150 again within $limit ms"
rt_state_is "tel back" 1
rt_leaves_by9 "lan50 ping, tel back" gtel 4 rt_ping lan50 4
rt_leaves_by9 "lan50 ping, tel back" gtel 6 rt_ping lan50 6
ev=$(rt_events "$NETNS_TMP/spool" line tel | tail -1)
is "$(printf '%s' "$ev" | python3 -c 'import json, sys
d = json.loads(sys.stdin.read() or "{}")
print(d.get("state"), d.get("to"))')" "up self" "spool: a line event for tel: up, to self"

# ---- cnc dies: no failover, blackhole = yes
cnc_blackholed()
{
	local f
	for f in 4 6; do
		[ "$(n ip -"$f" rule show | grep '^1100:' | grep -v ' oif ' | grep -c 'blackhole')" = 2 ] || return 1
	done
}
limit=$((DOWN_AFTER * INTERVAL + INTERVAL + SLACK))
rt_drop gcnc || bail "nft drop at gcnc"
took=$(waited_ms 10000 cnc_blackholed)
diag "cnc down -> blackhole rules after $took ms"
ok "$(le "$took" "$limit" && echo 0 || echo 1)" "cnc's rules are blackholes within $limit ms"
diag "$(n ip rule show | grep '^1100:')"
is "$(n ip rule show | grep '^1100:' | grep ' oif ' | sed 's/ proto [^ ]*//; s/[[:space:]]*$//')" \
	"$(printf '1100:\tfrom all oif cnc0 lookup 160')" "cnc's oif rule still looks up 160"
run_fails "lan60 ping fails while cnc is blackholed" rt_ping lan60 4
rt_leaves_by9 "lan60 ping (IPv4), cnc blackholed" none 4 rt_ping lan60 4
rt_leaves_by9 "lan60 ping (IPv6), cnc blackholed" none 6 rt_ping lan60 6
rt_leaves_by9 "lan50 ping, cnc blackholed" gtel 4 rt_ping lan50 4
ev=$(rt_events "$NETNS_TMP/spool" line cnc | tail -1)
is "$(printf '%s' "$ev" | python3 -c 'import json, sys
d = json.loads(sys.stdin.read() or "{}")
print(d.get("state"), d.get("to"))')" "down blackhole" "spool: a line event for cnc: down, to blackhole"
rt_undrop gcnc
wait_until 5 rt_state_ok 1
rt_state_is "cnc back" 1
rt_leaves_by9 "lan60 ping, cnc back" gcnc 4 rt_ping lan60 4
done_testing
