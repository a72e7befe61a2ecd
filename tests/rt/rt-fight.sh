#!/bin/bash
# rt-fight.sh: someone deletes the same Outpost rule again and again (20
# times in 2 s, as another daemon would): outpost-routed backs off instead
# of fighting: fewer than 8 re-adds of that rule in the window (counted
# from the kernel's notifications by rt-watch.py), a warning naming it in
# the log, the rule in status "contested" with a count and a backoff;
# other objects are still repaired at once meanwhile; once the deleting
# stops the rule comes back within the backoff (+ slack).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd nft python3

SLACK_S=${RT_FIGHT_SLACK_S:-3}
rt_world || bail "the routing world could not be built"
n() { ns_exec node "$@"; }
W=$NETNS_TMP/watch.jsonl
rt_watch "$W" || bail "rt-watch.py did not start"
rt_conf "$RT_CONF"
rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }
wait_until 5 rt_state_ok
rt_state_is "start"

RULE='priority 1000 from 10.50.0.0/24 lookup 150'
IS_RULE='e["family"] == 4 and e["priority"] == 1000 and e["src"] == "10.50.0.0/24" and e["protocol"] == 158'
present() { n ip rule show | grep -q '^1000:.*from 10.50.0.0/24 lookup 150'; }

# 20 deletions in 2 s: every 100 ms, delete the rule when it is there.
from=$(rt_lines "$W")
dels=0
for i in $(seq 20); do
	n ip rule del $RULE 2>/dev/null && dels=$((dels + 1))
	sleep 0.1
done
readds=$(rt_count_events "$W" "$from" new rule "$IS_RULE")
kdels=$(rt_count_events "$W" "$from" del rule "$IS_RULE")
diag "in 2 s: $dels deletions succeeded, the kernel saw $kdels deletions and $readds re-adds of the rule"
ok "$([ "$readds" -lt 8 ] && echo 0 || echo 1)" "fewer than 8 re-adds of the contested rule in 2 s ($readds)"
ok "$([ "$readds" -ge 1 ] && echo 0 || echo 1)" "the rule was repaired at first ($readds re-adds)"
ok "$(present && echo 1 || echo 0)" "while backing off the rule is left deleted"
like "$(grep -i -E 'warn|contest|back' "$RT_LOG" | grep -E '10\.50\.0\.0/24' | head -1)" '10\.50\.0\.0/24' \
	"the log warns about the contested rule"
diag "$(grep -i -E 'contest|back' "$RT_LOG" | head -3)"
contested=$(rt_status '__import__("json").dumps(s["contested"])')
diag "status contested: $contested"
backoff=$(printf '%s' "$contested" | python3 -c 'import json, sys
c = [x for x in json.load(sys.stdin) if "10.50.0.0/24" in x.get("object", "")]
print("%d %d" % (c[0]["count"], c[0]["backoff_ms"]) if c else "")')
ok "$([ -n "$backoff" ] && [ "${backoff% *}" -ge 2 ] && [ "${backoff#* }" -gt 0 ] && echo 0 || echo 1)" \
	"status lists the rule as contested (count backoff_ms: ${backoff:-none})"

# The backoff is for that object only: others are still repaired at once.
n ip route del default table 160
wait_until 3 eval '[ "$(rt_table 4 160)" = "$(rt_std_routes 4 160)" ]'
rt_same "$(rt_table 4 160)" "$(rt_std_routes 4 160)" "during the backoff another deleted route is repaired"
present_fwmark() { n ip rule show | grep -q '^1000:.*fwmark 0x150 lookup 150'; }
ok "$(present_fwmark && echo 0 || echo 1)" "the line's other rule stayed"

# The fight is over: back within the backoff (+ slack).
limit=$(( ${backoff#* } / 1000 + SLACK_S ))
[ -n "$backoff" ] || limit=$((10 + SLACK_S))
t0=$SECONDS
wait_until "$limit" present
diag "the rule came back $((SECONDS - t0)) s after the deleting stopped (limit $limit s)"
ok "$(present && echo 0 || echo 1)" "after the backoff the rule is back"
wait_until 3 rt_state_ok
rt_state_is "after the fight"
_netns_alive "$RT_PID"
ok $? "outpost-routed is still running"
done_testing
