#!/bin/bash
# pubd-heartbeat.sh: with heartbeat = 1s outpost-pubd records a heartbeat
# event every second; it reaches <prefix>/heartbeat in the envelope, with
# the fields outpost-pubd(8) documents.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub python3
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 4
pubd_broker_start b
run_ok "subscriber ready" sub_start hb 1 "$PREFIX/heartbeat" b
pubd_conf "$NETNS_TMP/pubd.conf" b "heartbeat = 1s"
pubd_start "$NETNS_TMP/pubd.conf"
beats() { [ "$(grep -c '"kind":"heartbeat"' "$(sub_out hb)")" -ge "$1" ]; }
wait_until 20 beats 3
run_ok "3 heartbeats in a few seconds" beats 3
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop

check=$(grep '"kind":"heartbeat"' "$(sub_out hb)" | cut -d' ' -f3- | python3 -c '
import json, sys
prev = -1
for line in sys.stdin:
    e = json.loads(line)
    assert e["node"] == "t1" and e["region"] == "test" and e["kind"] == "heartbeat", e
    d = e["data"]
    for k in ("uptime_s", "daemon_uptime_s", "spool_depth", "spool_bytes", "dropped", "delivered"):
        assert isinstance(d[k], int) and d[k] >= 0, (k, d)
    assert len(d["load"]) == 3 and all(isinstance(x, (int, float)) and x >= 0 for x in d["load"]), d
    m = d["mqtt"]
    assert m["protocol"] == "5" and m["qos"] == 1 and m["downgraded"] is False, d
    assert isinstance(m["connected"], bool), d
    assert d["uptime_s"] >= d["daemon_uptime_s"], d
    assert d["daemon_uptime_s"] >= prev, d
    prev = d["daemon_uptime_s"]
print("ok", prev)
' 2>&1)
like "$check" '^ok [1-9]' "every heartbeat has the documented fields; daemon uptime grows"
done_testing
