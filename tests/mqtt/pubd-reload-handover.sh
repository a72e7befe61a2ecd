#!/bin/bash
# pubd-reload-handover.sh: a reload that builds a new MQTT client while the
# events the old one held cannot be read loses none of them.
#
# The broker is down, so the daemon holds 10 events queued in its client.
# Their files are made unreadable to the daemon's user, and a SIGHUP with
# another keepalive makes the daemon hand what it holds to a new client:
# reading each event again fails. The events are not dropped from the
# drain (the old code freed them, and they waited for a restart): they go
# back to the spool listing. Once the files are readable and the broker is
# back, all 10 arrive (the daemon is not restarted), and nothing is in
# bad/ (an unreadable file is not undeliverable, only deferred).
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 7
conf=$NETNS_TMP/pubd.conf
pubd_broker_start b
run_ok "subscriber ready" sub_start rh 1 "$PREFIX/test/#" b
broker_stop b
pubd_conf "$conf" b "qos = 1" "heartbeat = 0" "keepalive = 30s"
pubd_start "$conf"
events 1 10
sleep 1
pid=$PUBD_PID
chmod 000 "$SPOOL"/new/*.test.w1
pubd_conf "$conf" b "qos = 1" "heartbeat = 0" "keepalive = 20s"
kill -HUP "$PUBD_PID"
wait_until 10 eval 'grep -q "^.*reloaded" "$PUBD_LOG"'
run_ok "the reload took (a new client)" grep -q 'reloaded' "$PUBD_LOG"
chmod 640 "$SPOOL"/new/*.test.w1
_broker_run b
got() { sub_alive rh; [ "$(pairs "$(sub_out rh)" | sort -u | wc -l)" -ge 10 ]; }
wait_until 40 got
is "$(pairs "$(sub_out rh)" | sort -u | tr '\n' ' ')" "$(seq 0 9 | sed 's/^/1:/' | tr '\n' ' ')" \
	"all 10 events arrived after the failed hand-over"
is "$PUBD_PID" "$pid" "without a restart"
wait_until 10 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "the spool is empty"
is "$(find "$SPOOL" -path '*/bad/*' -type f | wc -l)" 0 "nothing set aside"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
grep -E "cannot read|retrying|reloaded" "$PUBD_LOG" | diag "$(cat)"
[ "$TAP_FAILED" = 0 ] || tail -30 "$PUBD_LOG" | diag "$(cat)"
done_testing
