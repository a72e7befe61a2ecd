#!/bin/bash
# pubd-reboot-seq.sh: a "reboot" that sends the spool's sequence numbers
# back loses no event and delivers none twice at QoS 2.
#
# The daemon delivers 400 events at QoS 2 and is SIGKILLed twice: once with
# messages in flight, once after all of them arrived, so its in-flight
# journal (<spool>/pubd.inflight) still holds records for seqs 1..400. Then
# the spool's state line is rewritten as a power cut can leave it: an old
# counter and another boot id. 400 new events are emitted (with a counter
# that fell back they reuse seqs 1..400) and the daemon started again.
# Every one of the 800 events reaches the subscriber exactly once: a
# journal record names its event (seq and a hash of its bytes), so a new
# event with a reused seq is neither deleted as "delivered before the
# restart" nor resumed as somebody else's message in flight.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

N=400
plan 10
pubd_broker_start b
run_ok "subscriber ready" sub_start rb 2 "$PREFIX/test/#" b
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 2" "heartbeat = 0"
pubd_start "$NETNS_TMP/pubd.conf"

received() { [ "$(pairs "$(sub_out rb)" | sort -u | wc -l)" -ge "$1" ]; }
events 1 "$N" &
w1=$!
wait_until 60 received 150
pubd_kill
diag "killed with $(spool_count) events left"
pubd_start "$NETNS_TMP/pubd.conf"
wait "$w1"
wait_until 60 received "$N"
wait_until 20 eval '[ "$(spool_count)" = 0 ]'
is "$(pairs "$(sub_out rb)" | sort -u | wc -l) $(spool_count)" "$N 0" \
	"first $N events delivered across a SIGKILL, spool empty"
pubd_kill
records=$(grep -c '^[PR] ' "$SPOOL/pubd.inflight")
run_ok "the journal still holds records of delivered events ($records)" \
	test "$records" -ge "$N"

# The power cut: the counter back at 0, written in another boot.
printf 'outpost-spool 1 dirty=0 seq=%020d count=%020d bytes=%020d dropped=%020d boot=%-36.36s\n' \
	0 0 0 0 00000000-0000-0000-0000-000000000000 >"$SPOOL/state"
events 2 "$N"
is "$(spool_count)" "$N" "$N new events emitted after the reboot"
first=$(find "$SPOOL/new" -type f -printf '%f\n' | sort | head -1)
diag "first new event: $first"

pubd_start "$NETNS_TMP/pubd.conf"
wait_until 90 received $((2 * N))
is "$(pairs "$(sub_out rb)" | grep -c '^2:' )" "$N" "every new event arrived"
is "$(pairs "$(sub_out rb)" | grep '^2:' | sort -u | wc -l)" "$N" "each a different one"
is "$(pairs "$(sub_out rb)" | wc -l)" $((2 * N)) "none of the 800 arrived twice (QoS 2)"
wait_until 20 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "the spool is empty"
is "$(find "$SPOOL" -path '*/bad/*' -type f | wc -l)" 0 "nothing set aside"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || tail -40 "$PUBD_LOG" | diag "$(cat)"
done_testing
