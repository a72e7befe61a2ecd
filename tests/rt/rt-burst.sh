#!/bin/bash
# rt-burst.sh: repairs in bulk. tel gets RT_BURST_N (2,000) more host
# sources, so "ip rule flush" deletes over 2,000 of Outpost's rules in
# one burst of notifications (and "ip route flush table 150" and a
# SIGHUP that drops half of the sources follow): every one comes back,
# nothing is repaired twice or fought over, and the daemon is still
# running. The time from the first deletion notice to the last re-add
# notice is printed (not asserted: it depends on the machine).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd nft python3

N=${RT_BURST_N:-2000}
rt_world || bail "the routing world could not be built"
n() { ns_exec node "$@"; }
W=$NETNS_TMP/watch.jsonl
rt_watch "$W" || bail "rt-watch.py did not start"
# sources CONF COUNT: rt_conf plus COUNT host sources 10.51.x.y on tel.
sources()
{
	rt_conf "$1"
	python3 - "$1" "$2" <<'PY'
import sys
p, n = sys.argv[1], int(sys.argv[2])
extra = "".join("source = 10.51.%d.%d/32\n" % (i // 256, i % 256) for i in range(n))
s = open(p).read().replace('[line "tel"]\n', '[line "tel"]\n' + extra)
open(p, "w").write(s)
PY
}
# ours4: Outpost's IPv4 rules at priority 1000 (tel's).
ours4() { n ip -4 rule show | grep -c '^1000:.* proto 158'; }
sources "$RT_CONF" "$N"
rt_daemon || { diag "$(tail -5 "$RT_LOG")"; bail "outpost-routed did not start"; }
wait_until 20 eval '[ "$(ours4)" = $((N + 2)) ]'
is "$(ours4)" $((N + 2)) "start: tel has its $((N + 2)) IPv4 rules"

from=$(rt_lines "$W")
n ip rule flush
n ip -6 rule flush
n ip rule add priority 32766 lookup main proto kernel
n ip rule add priority 32767 lookup default proto kernel
n ip -6 rule add priority 32766 lookup main proto kernel
wait_until 20 eval '[ "$(ours4)" = $((N + 2)) ]'
is "$(ours4)" $((N + 2)) "ip rule flush: all $((N + 2)) of tel's IPv4 rules are back"
rt_same "$(rt_all_rules 6)" "$(rt_std_rules 6)" "ip rule flush: the IPv6 rules are back"
python3 - "$W" "$from" <<'PY' | while IFS= read -r l; do diag "$l"; done
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]]
ours = [e for e in ev if e.get("kind") == "rule" and e.get("protocol") == 158]
dels = [e["t_ns"] for e in ours if e["event"] == "del"]
news = [e["t_ns"] for e in ours if e["event"] == "new"]
if dels and news:
    print("flush of %d rules: first deletion notice -> last re-add notice %.1f ms (%d re-adds)" %
          (len(dels), (max(news) - min(dels)) / 1e6, len(news)))
PY
readds=$(rt_count_events "$W" "$from" new rule 'e["protocol"] == 158')
dels=$(rt_count_events "$W" "$from" del rule 'e["protocol"] == 158')
is "$readds" "$dels" "each deleted rule was re-added exactly once ($dels deleted, $readds re-added)"
is "$(rt_status 'len(s["contested"])')" 0 "a flush is a repair, not a fight: nothing contested"

from=$(rt_lines "$W")
n ip route flush table 150
wait_until 10 eval '[ "$(rt_table 4 150)" = "$(rt_std_routes 4 150)" ]'
rt_same "$(rt_table 4 150)" "$(rt_std_routes 4 150)" "ip route flush table 150 during the load: repaired"

# Reload with half the sources: exactly the other half goes.
from=$(rt_lines "$W")
sources "$RT_CONF" $((N / 2))
kill -HUP "$RT_PID"
wait_until 20 eval '[ "$(ours4)" = $((N / 2 + 2)) ]'
is "$(ours4)" $((N / 2 + 2)) "SIGHUP with half the sources: $((N / 2 + 2)) IPv4 rules"
is "$(rt_count_events "$W" "$from" del rule 'e["protocol"] == 158'):$(rt_count_events "$W" "$from" new rule 'e["protocol"] == 158')" \
	"$((N - N / 2)):0" "the reload deleted exactly the $((N - N / 2)) dropped rules and added none"
ok "$(grep -q '"overrun"' "$W" && echo 1 || echo 0)" "rt-watch.py lost no notification"
_netns_alive "$RT_PID"
ok $? "outpost-routed is still running"
done_testing
