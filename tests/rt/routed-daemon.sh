#!/bin/bash
# routed-daemon.sh: outpost-routed as a daemon (-d, [node] user nobody).
# It runs as nobody with only CAP_NET_ADMIN (effective, permitted and
# bounding; and CAP_NET_RAW too once a line has a track); -s prints the
# status table and -s --json one object that parses, with both lines, the
# objects the kernel holds and the start as the last repair; -s exits 1
# when no daemon runs; SIGHUP with one more source adds exactly one rule
# (counted in the kernel's notifications: nothing else added or deleted);
# SIGHUP with a broken config changes
# nothing and the daemon keeps answering; SIGTERM leaves the routing.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd python3 nft

rt_world || bail "the routing world could not be built"
chmod 755 "$NETNS_TMP"
rt_conf "$RT_CONF"
sed -i 's/^\[node\]$/[node]\nuser = nobody/' "$RT_CONF"

run_fails "-s without a daemon fails" ns_exec node "$ROUTED" -s -f "$RT_CONF"
is "$RUN_STATUS" 1 "with exit status 1"
like "$RUN_OUTPUT" "not running" "saying it is not running"

rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }
wait_until 5 rt_state_ok || diag "state not converged after 5 s"
rt_state_is "daemon up"

# uid and capabilities of the running daemon.
st=/proc/$RT_PID/status
# bg_run's pid is ip-netns-exec's, which execs the daemon.
is "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")" "65534 65534 65534 65534" "it runs as nobody"
is "$(awk '/^CapEff:/ {print $2}' "$st")" 0000000000001000 "CapEff: cap_net_admin only"
is "$(awk '/^CapPrm:/ {print $2}' "$st")" 0000000000001000 "CapPrm: cap_net_admin only"
is "$(awk '/^CapBnd:/ {print $2}' "$st")" 0000000000001000 "CapBnd: cap_net_admin only"
is "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" 1 "no new privileges"

run_ok "-s answers" ns_exec node "$ROUTED" -s -f "$RT_CONF"
human=$RUN_OUTPUT
like "$human" "^LINE +IFACE +TABLE +LINK +STATE +TO +RTT +LOSS +RULES +ROUTES" "-s prints the table's header"
like "$human" $'\ntel +tel0 +150 +up +up +self +- +0% +4 +4' "a row for tel"
like "$human" $'\ncnc +cnc0 +160 +up +up +self +- +0% +4 +4' "a row for cnc"
like "$human" "objects: 8 rule\\(s\\), 8 route\\(s\\)" "the objects installed"
like "$human" "repairs: 1; the last .* \\(start\\)" "the last repair: the start"
run_ok "-s --json answers" ns_exec node "$ROUTED" -s --json -f "$RT_CONF"
is "$(printf '%s\n' "$RUN_OUTPUT" | wc -l)" 1 "one line"
is "$(printf '%s\n' "$RUN_OUTPUT" | python3 -c '
import json, sys
s = json.load(sys.stdin)
l = {x["name"]: x for x in s["lines"]}
print(sorted(l), l["tel"]["interface"], l["tel"]["table"], l["tel"]["priority"], l["tel"]["link"],
      l["tel"]["state"], l["tel"]["to"], l["tel"]["rules"], l["tel"]["routes"], l["tel"]["rtt_ms"],
      l["cnc"]["table"], l["cnc"]["rules"], s["objects"], s["repairs"], s["last_repair"]["why"],
      s["last_repair"]["changes"], s["contested"])')" \
	"['cnc', 'tel'] tel0 150 1000 up up self 4 4 None 160 4 {'rules': 8, 'routes': 8} 1 start 16 []" \
	"-s --json: both lines, their objects, the start as last repair, nothing contested"

# SIGHUP with one more source for tel: exactly one rule added.
W=$NETNS_TMP/watch
rt_watch "$W" || bail "rt-watch.py did not start"
from=$(rt_lines "$W")
sed -i 's|^source = 10.50.0.0/24$|source = 10.50.0.0/24\nsource = 10.50.1.0/24|' "$RT_CONF"
kill -HUP "$RT_PID"
wait_until 5 eval 'rt_all_rules 4 | grep -q "from 10.50.1.0/24 lookup 150"'
sleep 0.5
is "$(rt_count_events "$W" "$from" new rule 'e["src"] == "10.50.1.0/24" and e["priority"] == 1000 and e["table"] == 150 and e["protocol"] == 158')" 1 \
	"SIGHUP with one more source: its rule was added"
is "$(rt_count_events "$W" "$from" new rule 'True')" 1 "and no other rule"
is "$(rt_count_events "$W" "$from" del rule 'True')" 0 "no rule deleted"
is "$(rt_count_events "$W" "$from" new route 'e["protocol"] == 158') $(rt_count_events "$W" "$from" del route 'e["protocol"] == 158')" "0 0" \
	"no route of protocol 158 added or deleted (the kernel's own fe80 routes may come and go)"
is "$(rt_status 's["lines"][[x["name"] for x in s["lines"]].index("tel")]["rules"]')" 5 "status counts tel's 5 rules"

# SIGHUP with a broken config: nothing changes, the daemon keeps running.
from=$(rt_lines "$W")
cp "$RT_CONF" "$NETNS_TMP/good.conf"
printf '%s\n' '[line "bad"]' 'interface = tel0' 'table = 150' 'priority = 1000' >>"$RT_CONF"
kill -HUP "$RT_PID"
sleep 1
ok "$(_netns_alive "$RT_PID"; echo $?)" "a broken config on SIGHUP: the daemon keeps running"
is "$(rt_count_events "$W" "$from" new rule 'e["protocol"] == 158') $(rt_count_events "$W" "$from" del rule 'True') $(rt_count_events "$W" "$from" new route 'e["protocol"] == 158') $(rt_count_events "$W" "$from" del route 'e["protocol"] == 158')" "0 0 0 0" "and no rule or route of protocol 158 was added or deleted"
run_ok "-s still answers" ns_exec node "$ROUTED" -s --json -f "$NETNS_TMP/good.conf"
like "$(cat "$RT_LOG")" "reload: .* has errors; keeping the running configuration" "the log says why"
cp "$NETNS_TMP/good.conf" "$RT_CONF"
bg_kill "$RT_WATCH_PID"

# SIGTERM leaves the routing in place.
rules4=$(rt_all_rules 4); rules6=$(rt_all_rules 6); t150=$(rt_table 4 150); t160=$(rt_table 6 160)
bg_kill "$RT_PID"
ok "$(! _netns_alive "$RT_PID"; echo $?)" "SIGTERM: the daemon stopped"
is "$(rt_all_rules 4)$(rt_all_rules 6)$(rt_table 4 150)$(rt_table 6 160)" "$rules4$rules6$t150$t160" \
	"SIGTERM leaves every rule and route in place"
rt_leaves_by "lan50 ping after SIGTERM" gtel 4 rt_ping lan50 4

# With a track: CAP_NET_RAW too.
printf '%s\n' 'track = icmp 203.0.113.1' >>"$RT_CONF"
: >"$RT_LOG"
rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start with a track"; }
st=/proc/$RT_PID/status
is "$(awk '/^CapEff:/ {print $2}' "$st") $(awk '/^CapBnd:/ {print $2}' "$st")" \
	"0000000000003000 0000000000003000" "with a track: cap_net_admin and cap_net_raw, nothing else"
bg_kill "$RT_PID"
done_testing
