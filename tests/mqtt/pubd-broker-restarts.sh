#!/bin/bash
# pubd-broker-restarts.sh: 100,000 QoS 1 events written into the spool
# while outpost-pubd drains it, and the broker stopped and started three
# times mid-stream: every event reaches a persistent subscriber and the
# spool ends empty.
#
# The broker keeps its store on disk (persistence true) and is stopped
# with SIGTERM, so it saves what it acknowledged: a broker killed with
# SIGKILL loses messages it had already PUBACKed, which is the broker's
# loss, outside what outpost-pubd can guarantee.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

N=${PUBD_TEST_EVENTS:-100000}
WRITERS=4
per=$((N / WRITERS))
N=$((per * WRITERS))

plan 6
pubd_broker_start b
run_ok "subscriber ready" sub_start s1 1 "$PREFIX/test/#" b
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 1" "heartbeat = 0" "keepalive = 5s" "inflight = 64"
pubd_start "$NETNS_TMP/pubd.conf"

t0=$SECONDS
wpids=()
# Several writers at once: each emit fsyncs twice, and the disk takes
# parallel fsyncs about as fast as one.
for w in $(seq 1 $WRITERS); do
	events "$w" "$per" &
	wpids+=($!)
done

received() { [ "$(wc -l <"$(sub_out s1)")" -ge "$1" ]; }
restarts=0
for mark in $((N / 5)) $((N * 2 / 5)) $((N * 3 / 5)); do
	wait_until 240 received "$mark" || break
	diag "$mark received after $((SECONDS - t0)) s: restarting the broker"
	broker_restart b
	sleep 0.5
	restarts=$((restarts + 1))
	sub_alive s1
done
wrc=0
for p in "${wpids[@]}"; do
	wait "$p" || wrc=1
done
is "$wrc" 0 "$WRITERS writers emitted $N events"
is "$restarts" 3 "broker restarted 3 times mid-stream"

got()
{
	sub_alive s1
	[ "$(wc -l <"$(sub_out s1)")" -ge "$N" ] &&
		[ "$(pairs "$(sub_out s1)" | sort -u | wc -l)" -ge "$N" ]
}
wait_until 300 got
total=$(pairs "$(sub_out s1)" | wc -l)
uniq=$(pairs "$(sub_out s1)" | sort -u | wc -l)
is "$uniq" "$N" "every event arrived"
diag "received $total messages for $N events ($((total - uniq)) duplicates, allowed at QoS 1) in $((SECONDS - t0)) s"
wait_until 30 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "the spool is empty"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || tail -30 "$PUBD_LOG" | diag "$(cat)"
done_testing
