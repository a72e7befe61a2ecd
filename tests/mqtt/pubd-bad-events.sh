#!/bin/bash
# pubd-bad-events.sh: odd files in new/ next to good events each get a
# defined outcome, and none stalls delivery.
#
# Planted next to 5 good events before the daemon starts: a file whose seq
# is far above the counter, one sharing the seq of a good event, one with
# seq 0 (those three are events: delivered, the last two under a new
# number), and a file that is not JSON, a badly named file, a folder, a
# symbolic link and a FIFO (those can never be delivered: each is moved to
# bad/ with a <file>.why beside it, and nothing is deleted). Events
# emitted afterwards are not held back by the high seq: they arrive
# within seconds.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 14
pubd_broker_start b
run_ok "subscriber ready" sub_start be 1 "$PREFIX/test/#" b
events 1 5
new=$SPOOL/new
envelope() { printf '{"ts":"2026-12-01T00:00:00.000Z","node":"t1","kind":"test","name":"w%s","data":{"w":%s,"i":0}}' "$1" "$1"; }
envelope 3 >"$new/00000000000f0000.test.w3"            # above the counter
envelope 4 >"$new/0000000000000002.test.w4"            # shares seq 2
envelope 5 >"$new/0000000000000000.test.w5"            # seq 0
printf 'not json {' >"$new/0000000000000007.test.w6"   # not JSON
echo '{}' >"$new/garbage.txt"                          # not an event name
# A folder, made by the spool's user (moving a folder needs write access
# to it, see the report of issue 6: a root-owned one stops all listing).
mkdir "$new/0000000000000008.test.dir"
chown nobody "$new/0000000000000008.test.dir"
echo secret >"$NETNS_TMP/outside"
ln -s "$NETNS_TMP/outside" "$new/0000000000000009.test.link"
mkfifo "$new/000000000000000a.test.fifo"
chmod 644 "$new"/*.w3 "$new"/*.w4 "$new"/*.w5 "$new"/*.w6

pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 1" "heartbeat = 0"
run_ok "daemon started" pubd_start "$NETNS_TMP/pubd.conf"
want="1:0 1:1 1:2 1:3 1:4 3:0 4:0 5:0"
got() { [ "$(pairs "$(sub_out be)" | sort -u | tr '\n' ' ')" = "$want " ]; }
wait_until 20 got
is "$(pairs "$(sub_out be)" | sort -u | tr '\n' ' ')" "$want " \
	"the good events, the high seq, the shared seq and seq 0 arrived"
is "$(pairs "$(sub_out be)" | wc -l)" 8 "each once"

bad=$SPOOL/bad
for f in 0000000000000007.test.w6 garbage.txt 0000000000000008.test.dir \
	0000000000000009.test.link 000000000000000a.test.fifo; do
	run_ok "$f moved to bad/ with its reason" test -e "$bad/$f" -o -L "$bad/$f" -a -s "$bad/$f.why"
	[ -s "$bad/$f.why" ] && diag "$f: $(cat "$bad/$f.why")"
done
is "$(cat "$NETNS_TMP/outside")" secret "the link's target is untouched"

t0=$SECONDS
events 7 5
later() { [ "$(pairs "$(sub_out be)" | grep -c '^7:')" -ge 5 ]; }
wait_until 10 later
is "$(pairs "$(sub_out be)" | grep -c '^7:')" 5 "5 events emitted afterwards arrived"
run_ok "within 5 s ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -le 5
wait_until 10 eval '[ "$(spool_count)" = 0 ]'
is "$(find "$new" -mindepth 1 | wc -l)" 0 "new/ is empty"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
grep -E 'bad/|renumber|spool .*:' "$PUBD_LOG" | diag "$(cat)"
[ "$TAP_FAILED" = 0 ] || tail -30 "$PUBD_LOG" | diag "$(cat)"
done_testing
