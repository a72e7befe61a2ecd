#!/bin/bash
# probed-spread.sh: first rounds are spread over the window. Two daemons
# with 12 tcp probes each (interval 8s, spread 6s), started at the same
# moment in a namespace with a listener on loopback: the "start" of the
# 24 first rounds, read from the events in the spool, lie inside
# [0, 6 s) of the start (plus slack), span more than half of it, and are
# not bunched (no 200 ms slot holds more than a third of them). Then
# rounds 2 follow their round 1 by the interval give or take the
# documented jitter (1/20 of it).
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
require_cmd python3
PROBED=$top_builddir/probes/outpost-probed
plan 6

ns_add edge || bail "cannot make a namespace"
bg_run edge python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8080)); s.listen(256)
while True:
    c, _ = s.accept(); c.close()
' >/dev/null 2>&1
wait_until 10 ns_exec edge bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null
chmod 755 "$NETNS_TMP"

for k in 1 2; do
	{
		printf '%s\n' "[node]" "id = n$k" "user = nobody" "spool = $NETNS_TMP/spool$k"
		for i in $(seq 12); do
			printf '%s\n' "[probe \"p$i\"]" "type = tcp" "port = 8080" \
				"target = 127.0.0.1" "interval = 8s" "spread = 6s" "timeout = 500ms"
		done
	} >"$NETNS_TMP/n$k.conf"
done
t0=$(date +%s.%N)
bg_run edge "$PROBED" -d -f "$NETNS_TMP/n1.conf" >"$NETNS_TMP/n1.log" 2>&1
p1=$BG_PID
bg_run edge "$PROBED" -d -f "$NETNS_TMP/n2.conf" >"$NETNS_TMP/n2.log" 2>&1
p2=$BG_PID
count() { cat "$NETNS_TMP"/spool[12]/new/* 2>/dev/null | grep -o '"round":[0-9]*' | sort | uniq -c; }
wait_until 25 eval '[ "$(ls "$NETNS_TMP"/spool1/new "$NETNS_TMP"/spool2/new 2>/dev/null | grep -c probe)" -ge 48 ]'
kill -TERM "$p1" "$p2"
wait "$p1"; r1=$?
wait "$p2"; r2=$?
is "$r1:$r2" "0:0" "both daemons exit 0 on SIGTERM"

res=$(python3 - "$t0" "$NETNS_TMP"/spool1/new "$NETNS_TMP"/spool2/new <<'PY'
import datetime, json, os, sys
t0 = float(sys.argv[1])
first, second = {}, {}
for d in sys.argv[2:]:
    for f in os.listdir(d):
        e = json.load(open(os.path.join(d, f)))
        if e["kind"] != "probe":
            continue
        t = datetime.datetime.strptime(e["data"]["start"], "%Y-%m-%dT%H:%M:%S.%fZ")
        t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
        key = (e["node"], e["name"])
        {1: first, 2: second}.get(e["data"]["round"], {})[key] = t
offs = sorted(first[k] - t0 for k in first)
slots = {}
for o in offs:
    slots[int(o / 0.2)] = slots.get(int(o / 0.2), 0) + 1
gaps = [second[k] - first[k] for k in first if k in second]
print(len(offs), "%.3f" % offs[0], "%.3f" % offs[-1], max(slots.values()),
      len(gaps), "%.3f" % min(gaps), "%.3f" % max(gaps))
PY
)
diag "first rounds, 2nd rounds: n min max busiest-slot n2 gap-min gap-max = $res"
read -r n lo hi busy n2 gmin gmax <<<"$res"
is "$n" 24 "24 first rounds recorded"
ok "$(python3 -c "import sys; sys.exit(not (-0.2 <= $lo and $hi < 6.0 + 1.0))"; echo $?)" \
	"all first rounds inside the 6 s spread of the start ($lo .. $hi s)"
ok "$(python3 -c "import sys; sys.exit(not ($hi - $lo > 3.0))"; echo $?)" \
	"they span more than half the window ($lo .. $hi s)"
ok "$([ "$busy" -le 8 ]; echo $?)" "no 200 ms slot holds more than a third of them ($busy)"
ok "$(python3 -c "import sys; sys.exit(not ($n2 >= 20 and 8 - 0.4 - 0.1 <= $gmin and $gmax <= 8 + 0.4 + 0.1))"; echo $?)" \
	"round 2 follows round 1 by 8 s +- 0.4 s jitter ($n2 pairs, $gmin .. $gmax s)"
done_testing
