#!/bin/bash
# pubd-qos2-kill.sh: QoS 2 stays exactly once when outpost-pubd is
# SIGKILLed mid-stream: ~5,000 events, the daemon killed and restarted
# three times while delivering; the subscriber (QoS 2, persistent session)
# gets every event once, and the spool ends empty.
#
# What makes it hold: the in-flight journal (<spool>/pubd.inflight) has
# each QoS 2 message's packet id on disk before its PUBLISH leaves, and the
# restarted daemon resumes the message with that id (DUP), which the broker
# recognises instead of delivering it again.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

N=5000
plan 8
pubd_broker_start b
run_ok "subscriber ready" sub_start s2 2 "$PREFIX/test/#" b
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 2" "heartbeat = 0"
run_ok "daemon started" pubd_start "$NETNS_TMP/pubd.conf"

t0=$SECONDS
events 1 $((N / 2)) &
w1=$!
events 2 $((N / 2)) &
w2=$!

received() { [ "$(wc -l <"$(sub_out s2)")" -ge "$1" ]; }
kills=0
for mark in 800 1800 3000; do
	wait_until 120 received "$mark" || break
	pubd_kill
	kills=$((kills + 1))
	diag "$mark received after $((SECONDS - t0)) s: daemon SIGKILLed, $(spool_count) events left"
	pubd_start "$NETNS_TMP/pubd.conf"
done
wait "$w1" && wait "$w2"
is "$?" 0 "writers emitted $N events"
is "$kills" 3 "daemon SIGKILLed and restarted 3 times"

got() { [ "$(pairs "$(sub_out s2)" | sort -u | wc -l)" -ge "$N" ]; }
wait_until 180 got
total=$(pairs "$(sub_out s2)" | wc -l)
uniq=$(pairs "$(sub_out s2)" | sort -u | wc -l)
is "$uniq" "$N" "every event arrived"
is "$total" "$N" "none arrived twice (QoS 2)"
dups=$(pairs "$(sub_out s2)" | sort | uniq -d | head -5)
[ -z "$dups" ] || diag "twice: $dups"
diag "$N events in $((SECONDS - t0)) s"
wait_until 20 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "the spool is empty"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
grep -E 'resuming|error' "$PUBD_LOG" | diag "$(cat)"
[ "$TAP_FAILED" = 0 ] || tail -30 "$PUBD_LOG" | diag "$(cat)"
done_testing
