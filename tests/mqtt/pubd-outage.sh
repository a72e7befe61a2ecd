#!/bin/bash
# pubd-outage.sh: 10,000 events recorded with `outpost-pub --event -l`
# while both the broker and outpost-pubd are down all arrive, in the order
# they were recorded, once the two come up; the spool ends empty.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

PUB=$top_builddir/modules/mqtt/outpost-pub
N=10000
plan 7
pubd_broker_start b
# The subscriber's session is made now and kept by the broker while down.
run_ok "subscriber ready" sub_start out 1 "$PREFIX/test/#" b
broker_stop b
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 1" "heartbeat = 0"

t0=$SECONDS
seq 0 $((N - 1)) | sed 's/.*/{"w":1,"i":&}/' |
	"$PUB" --config "$NETNS_TMP/pubd.conf" --event test/w1 -l
is "$?" 0 "outpost-pub --event -l recorded $N events with broker and daemon down"
is "$(spool_count)" "$N" "they wait in the spool"
diag "recorded in $((SECONDS - t0)) s"

t0=$SECONDS
_broker_run b
run_ok "daemon started" pubd_start "$NETNS_TMP/pubd.conf"
got() { sub_alive out; [ "$(pairs "$(sub_out out)" | wc -l)" -ge "$N" ]; }
wait_until 180 got
diag "delivered in $((SECONDS - t0)) s"
is "$(pairs "$(sub_out out)" | tr '\n' ' ')" "$(seq 0 $((N - 1)) | sed 's/^/1:/' | tr '\n' ' ')" \
	"all $N arrived, once each, in the order recorded"
wait_until 10 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "the spool is empty"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || diag "$(tail -20 "$PUBD_LOG")"
done_testing
