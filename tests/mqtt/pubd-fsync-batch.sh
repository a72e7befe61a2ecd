#!/bin/bash
# pubd-fsync-batch.sh: at QoS 2 outpost-pubd makes its in-flight journal
# durable once per loop round, not once per message and stage. N events
# (500) wait in the spool; the daemon drains them to a real mosquitto
# under strace, which counts its fdatasync calls: the old code made two
# per message (a P record before each PUBLISH, an R record before each
# PUBREL), so 2N; one sync for all the records of a round must stay well
# under N. The subscriber (QoS 2, persistent) gets every event exactly
# once, at QoS 2, and the spool ends empty.
#
# PUBD_FSYNC_N and PUBD_FSYNC_BIN (another outpost-pubd) are for
# measuring, e.g. an older build against this one with the same command.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub strace
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

N=${PUBD_FSYNC_N:-500}
BIN=${PUBD_FSYNC_BIN:-$PUBD}
TRACE=$NETNS_TMP/strace.out
plan 8

pubd_broker_start b
run_ok "subscriber ready" sub_start fb 2 "$PREFIX/test/#" b
run_ok "$N events wait in the spool" events 1 "$N"
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 2" "heartbeat = 0"

# strace -c counts the calls of the daemon (-f: and of any child);
# --seccomp-bpf stops it only at fdatasync, so the timing stays close to
# an untraced run. LeakSanitizer cannot run under ptrace: off for this one.
t0=$(date +%s%N)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace --seccomp-bpf -f -c -e trace=fdatasync -o "$TRACE" \
	"$BIN" -d -v -f "$NETNS_TMP/pubd.conf" >>"$PUBD_LOG" 2>&1 &
tracer=$!
on_exit "kill -9 $tracer 2>/dev/null"
wait_until 10 eval 'pgrep -P "$tracer" >/dev/null'
daemon=$(pgrep -P "$tracer")
on_exit "kill -9 $daemon 2>/dev/null"

got() { [ "$(pairs "$(sub_out fb)" | sort -u | wc -l)" -ge "$N" ]; }
wait_until 120 got
wait_until 20 eval '[ "$(spool_count)" = 0 ]'
t1=$(date +%s%N)
total=$(pairs "$(sub_out fb)" | wc -l)
uniq=$(pairs "$(sub_out fb)" | sort -u | wc -l)
is "$uniq" "$N" "every event arrived"
is "$total" "$N" "none arrived twice"
is "$(grep '"w":1,' "$(sub_out fb)" | grep -vc '^2 ')" 0 "all at QoS 2"
is "$(spool_count)" 0 "the spool is empty"

kill -TERM "$daemon"
wait "$tracer"
is "$?" 0 "outpost-pubd exits 0 on SIGTERM"
# "% time seconds usecs/call calls [errors] syscall": calls is the 4th.
syncs=$(awk '$NF == "fdatasync" { print $4 }' "$TRACE")
syncs=${syncs:-0}
diag "$N QoS 2 events: $syncs fdatasync calls, $(((t1 - t0) / 1000000)) ms from start to an empty spool"
[ "$syncs" -gt 0 ] && [ "$syncs" -lt "$N" ]
ok "$?" "the journal was synced, fewer times than messages ($syncs < $N)"
[ "$TAP_FAILED" = 0 ] || { cat "$TRACE"; tail -30 "$PUBD_LOG"; } | diag "$(cat)"
done_testing
