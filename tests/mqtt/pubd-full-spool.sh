#!/bin/bash
# pubd-full-spool.sh: outpost-pubd started on a spool whose filesystem is
# full (a 2 MiB tmpfs filled with events, then with a filler file, until
# not one block is free) connects and delivers, so it frees the space: at
# QoS 1 (which needs no journal at all) and at QoS 2 (whose journal must
# not need new space to start: it is not rewritten at start, and room for
# its records was reserved while there was some).
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 11
MNT=$NETNS_TMP/full
mkdir -p "$MNT"
mount -t tmpfs -o size=2m,mode=755 outpost-test "$MNT" || bail "cannot mount a tmpfs"
on_exit "umount -l $MNT"
SPOOL=$MNT/spool

# fill W: events from writer W until the filesystem refuses one, then a
# filler file for the blocks left; prints how many events are waiting.
fill()
{
	events "$1" 100000 >/dev/null 2>&1
	dd if=/dev/zero of="$MNT/filler-$1" bs=4096 >/dev/null 2>&1
	sync
	spool_count
}
free_blocks() { stat -f -c %a "$MNT"; }
received() { [ "$(pairs "$(sub_out fs)" | grep -c "^$1:")" -ge "$2" ]; }

pubd_broker_start b
run_ok "subscriber ready" sub_start fs 2 "$PREFIX/test/#" b

# QoS 1: the daemon has never run on this spool.
n1=$(fill 1)
diag "$n1 events fill the spool"
run_ok "the filesystem is full ($n1 events)" test "$(free_blocks)" = 0 -a "$n1" -gt 100
pubd_conf "$NETNS_TMP/q1.conf" b "qos = 1" "heartbeat = 0"
pubd_start "$NETNS_TMP/q1.conf"
wait_until 60 received 1 "$n1"
is "$(pairs "$(sub_out fs)" | grep '^1:' | sort -u | wc -l)" "$n1" "QoS 1: every event arrived"
wait_until 20 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "QoS 1: and left the spool"
run_ok "QoS 1: outpost-pubd exits 0 on SIGTERM" pubd_stop

# QoS 2: a daemon ran on this spool before (so its journal exists), and
# the spool filled up while it was down.
rm -f "$MNT"/filler-*
pubd_conf "$NETNS_TMP/q2.conf" b "qos = 2" "heartbeat = 0"
pubd_start "$NETNS_TMP/q2.conf"
run_ok "QoS 2: a first run" pubd_stop
n2=$(fill 2)
run_ok "the filesystem is full again ($n2 events)" test "$(free_blocks)" = 0 -a "$n2" -gt 100
pubd_start "$NETNS_TMP/q2.conf"
wait_until 60 received 2 "$n2"
is "$(pairs "$(sub_out fs)" | grep -c '^2:')" "$n2" "QoS 2: every event arrived"
is "$(pairs "$(sub_out fs)" | grep '^2:' | sort -u | wc -l)" "$n2" "QoS 2: each once"
wait_until 20 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "QoS 2: and left the spool"
run_ok "QoS 2: outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || tail -30 "$PUBD_LOG" | diag "$(cat)"
done_testing
