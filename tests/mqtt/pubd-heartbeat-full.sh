#!/bin/bash
# pubd-heartbeat-full.sh: heartbeats never push real events out of a full
# spool, and only the latest undelivered one waits.
#
# The broker is down and the spool holds 600 real events (over the 64 KiB minimum of spool-max), with room left
# under [node] spool-max for one heartbeat but not two. With heartbeat = 1s
# for 6 s, every real event stays on disk (the old code evicted the oldest
# to make room for each heartbeat), at most one heartbeat file waits (a new
# one replaces the previous while that is still in the spool), and once
# the broker is back every real event arrives.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

N=600
plan 10
pubd_broker_start b
run_ok "subscriber ready" sub_start hf 1 "$PREFIX/#" b
broker_stop b

events 1 "$N"
real() { find "$SPOOL/new" -type f -name '*.test.w1' -printf '%f\n' | sort; }
beats() { find "$SPOOL/new" -type f -name '*.heartbeat' | wc -l; }
real >"$NETNS_TMP/real.before"
bytes=$(find "$SPOOL/new" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
# A heartbeat envelope is about 230 bytes: room for one, not for two.
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 1" "heartbeat = 1s"
sed -i "/^\[node\]/a spool-max = $((bytes + 350))" "$NETNS_TMP/pubd.conf"
pubd_start "$NETNS_TMP/pubd.conf"

most=0
for _ in $(seq 30); do
	sleep 0.2
	n=$(beats)
	[ "$n" -gt "$most" ] && most=$n
done
is "$(real | wc -l)" "$N" "6 s of heartbeats with the broker down: all $N real events still on disk"
real >"$NETNS_TMP/real.after"
run_ok "the very same files" cmp -s "$NETNS_TMP/real.before" "$NETNS_TMP/real.after"
run_ok "at most one heartbeat waited at any time (saw $most)" test "$most" -le 1
run_ok "a heartbeat is waiting" test "$(beats)" = 1
is "$(find "$SPOOL/new" -name '*.spool.dropped' | wc -l)" 0 "no 'dropped' event: nothing was evicted"

_broker_run b
got() { sub_alive hf; [ "$(pairs "$(sub_out hf)" | sort -u | wc -l)" -ge "$N" ]; }
wait_until 60 got
is "$(pairs "$(sub_out hf)" | sort -u | wc -l)" "$N" "the broker is back: every real event arrived"
wait_until 10 eval 'grep -q "\"kind\":\"heartbeat\"" "$(sub_out hf)"'
run_ok "and heartbeats again" grep -q '"kind":"heartbeat"' "$(sub_out hf)"
wait_until 10 eval '[ "$(real | wc -l)" = 0 ]'
is "$(real | wc -l)" 0 "the real events left the spool"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || tail -30 "$PUBD_LOG" | diag "$(cat)"
done_testing
