#!/bin/bash
# pubd-reload-fifo.sh: a SIGHUP reload onto a config whose include is a
# FIFO (no writer) is refused at once with file:line, instead of blocking
# the daemon in open(): events written after the reload still reach the
# broker, and SIGTERM still stops it.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub timeout
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 7
conf=$NETNS_TMP/pubd.conf
pubd_broker_start b
run_ok "subscriber ready" sub_start all 1 "#" b
pubd_conf "$conf" b "qos = 1" "heartbeat = 0"
pubd_start "$conf"
out=$(sub_out all)
arrived() { [ "$(grep -c " $1 " "$out")" -ge "$2" ]; }

events 1 5
wait_until 20 arrived "$PREFIX/test/w1" 5
is "$(grep -c " $PREFIX/test/w1 " "$out")" 5 "before: 5 events delivered"

mkfifo "$NETNS_TMP/extra.conf"
echo "include = extra.conf" >>"$conf"
kill -HUP "$PUBD_PID"
events 2 5
wait_until 20 arrived "$PREFIX/test/w2" 5
is "$(grep -c " $PREFIX/test/w2 " "$out")" 5 "after the reload onto a FIFO: 5 more delivered"
wait_until 5 eval 'grep -q "keeping the running configuration" "$PUBD_LOG"'
like "$(grep -F "include" "$PUBD_LOG")" "pubd\.conf:[0-9]+: \[mqtt\] include: cannot read '.*/extra\.conf': not a regular file" \
	"the log names the include, its file and line"
run_ok "the daemon still runs" kill -0 "$PUBD_PID"
kill -TERM "$PUBD_PID"
run_ok "SIGTERM stops it within 5 s" timeout 5 tail --pid="$PUBD_PID" -f /dev/null
is "$(spool_count)" 0 "the spool is empty"
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$PUBD_LOG")"
done_testing
