#!/bin/bash
# pubd-journal-error.sh: at QoS 2, when the in-flight journal cannot be
# written, nothing it protects is sent. The journal's records of a loop
# round are written just before the client writes its output (on_flush);
# made immutable (chattr +i: writes on the daemon's open descriptor fail
# with EPERM), the daemon must not let those PUBLISHes out: the broker
# (logging every packet) receives none of the 20 new events, which stay in
# the spool, and none reaches the subscriber. Once the journal is
# writable again delivery resumes by itself and each event arrives once.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub chattr
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

probe=$NETNS_TMP/chattr-probe
: >"$probe"
if ! chattr +i "$probe" 2>/dev/null; then
	echo "1..0 # SKIP the file system of $NETNS_TMP has no immutable flag"
	exit 0
fi
chattr -i "$probe"

plan 9
J=$SPOOL/pubd.inflight
pubd_broker_start b "log_type debug"
run_ok "subscriber ready" sub_start je 2 "$PREFIX/test/#" b
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 2" "heartbeat = 0"
pubd_start "$NETNS_TMP/pubd.conf"
run_ok "the journal exists" test -f "$J"
on_exit "chattr -i $J 2>/dev/null"
chattr +i "$J"

events 1 20
paused() { grep -q 'pausing delivery' "$PUBD_LOG"; }
wait_until 10 paused
sleep 2
# Mosquitto's debug log: "Received PUBLISH from t1 (d0, q2, r0, m1, 'TOPIC', ...".
published() { broker_log b | grep -c "Received PUBLISH from t1 .*'$PREFIX/test/w1'"; }
is "$(published)" 0 "journal not writable: the broker received no PUBLISH of the events"
is "$(pairs "$(sub_out je)" | wc -l)" 0 "... nothing reached the subscriber"
is "$(spool_count)" 20 "... all 20 wait in the spool"

chattr -i "$J"
got() { [ "$(pairs "$(sub_out je)" | sort -u | wc -l)" -ge 20 ]; }
wait_until 30 got
is "$(pairs "$(sub_out je)" | sort -u | wc -l)" 20 "writable again: every event arrived"
is "$(pairs "$(sub_out je)" | wc -l)" 20 "... once"
[ "$(published)" -ge 20 ]
ok "$?" "the broker's log shows those PUBLISHes now ($(published))"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || tail -30 "$PUBD_LOG" | diag "$(cat)"
done_testing
