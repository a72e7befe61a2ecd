#!/bin/bash
# pubd-reload.sh: SIGHUP reloads outpost.conf. A broken file changes
# nothing: the daemon keeps running and delivering with the old settings
# and its log names the error (file:line). A good file with another QoS
# and topic prefix is applied: later events go to the new topics at the
# new QoS, and the retained status moves with the prefix.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 13
conf=$NETNS_TMP/pubd.conf
pubd_broker_start b
run_ok "subscriber ready" sub_start all 2 "#" b
pubd_conf "$conf" b "qos = 1" "heartbeat = 0"
pubd_start "$conf"
out=$(sub_out all)
arrived() { [ "$(grep -c " $1 " "$out")" -ge "$2" ]; }

events 1 10
wait_until 20 arrived "$PREFIX/test/w1" 10
is "$(grep -c "^1 $PREFIX/test/w1 " "$out")" 10 "before: 10 events on $PREFIX/test/w1 at QoS 1"

# A broken file: an unknown QoS and a line that is no key = value.
pubd_conf "$conf" b "qos = 7" "heartbeat = 0"
echo "this is not a setting" >>"$conf"
kill -HUP "$PUBD_PID"
wait_until 10 eval 'grep -q "keeping the running configuration" "$PUBD_LOG"'
run_ok "broken config: the daemon keeps running" kill -0 "$PUBD_PID"
like "$(grep 'reload' "$PUBD_LOG")" "keeping the running configuration" "the log says the old config stays"
like "$(grep -F "pubd.conf:" "$PUBD_LOG")" "pubd\.conf:[0-9]+: \[mqtt\] qos" "the log names file, line and key"
events 2 10
wait_until 20 arrived "$PREFIX/test/w2" 10
is "$(grep -c "^1 $PREFIX/test/w2 " "$out")" 10 "after the broken reload: delivered as before"

# A good file: QoS 2 and another prefix.
pubd_conf "$conf" b "qos = 2" "heartbeat = 0" "topic-prefix = reloaded/t1"
kill -HUP "$PUBD_PID"
# The broker shows the new settings: the status on the new prefix.
new_online() { [ "$(mosquitto_sub -p "$(broker_port b)" -t reloaded/t1/status -C 1 -W 2 2>/dev/null)" = online ]; }
wait_until 10 new_online
run_ok "the good config is applied: 'online' on reloaded/t1/status" new_online
events 3 10
wait_until 20 arrived reloaded/t1/test/w3 10
is "$(grep -c "^2 reloaded/t1/test/w3 " "$out")" 10 "after the good reload: 10 events on reloaded/t1/test/w3 at QoS 2"
is "$(grep -c " $PREFIX/test/w3 " "$out")" 0 "none on the old prefix"
status=$(mosquitto_sub -p "$(broker_port b)" -t reloaded/t1/status -C 1 -W 3)
is "$status" online "the retained status moved to the new prefix"
status=$(mosquitto_sub -p "$(broker_port b)" -t "$PREFIX/status" -C 1 -W 3)
is "$status" offline "the old status topic says offline"
is "$(spool_count)" 0 "the spool is empty"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$PUBD_LOG")"
done_testing
