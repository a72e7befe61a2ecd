#!/bin/bash
# pubd-refused.sh: bad input never loses data. A broker that refuses a
# topic (its ACL denies it: MQTT 5 PUBACK 0x87 "not authorized") leaves
# those events in the spool, the log says which and why, and the other
# events are delivered; the refused ones go again after the next reconnect
# and arrive once the broker allows them. A corrupt event (not JSON) can
# never be delivered: it is moved to bad/, bytes intact, with the reason
# in bad/<file>.why.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 12
acl=$NETNS_TMP/acl
# Everyone may read everything and publish the status and writer 1's
# events; writer 2's topic is not allowed.
cat >"$acl" <<EOT
topic read #
topic write $PREFIX/status
topic write $PREFIX/test/w1
topic write $PREFIX/test/sync
EOT
chmod 644 "$acl"
# mosquitto 2.0.11 with max_queued_messages 0 (broker.sh's "unbounded")
# drops the link after each denied PUBLISH: keep a finite bound here.
pubd_broker_start b "acl_file $acl" "max_queued_messages 1000000"
run_ok "subscriber ready" sub_start rf 1 "$PREFIX/test/#" b
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 1" "heartbeat = 0"
pubd_start "$NETNS_TMP/pubd.conf"

events 1 10
events 2 5
events 1 10
w1() { [ "$(pairs "$(sub_out rf)" | grep -c '^1:')" -ge 20 ]; }
wait_until 20 w1
is "$(pairs "$(sub_out rf)" | grep -c '^1:')" 20 "the allowed events arrived"
is "$(pairs "$(sub_out rf)" | grep -c '^2:')" 0 "the refused ones did not"
is "$(ls "$SPOOL/new" | grep -c '\.test\.w2$')" 5 "the refused events stay in the spool"
wait_until 10 eval '[ "$(spool_count)" = 5 ]'
is "$(spool_count)" 5 "and nothing else does"
like "$(grep 'refused event' "$PUBD_LOG" | head -1)" \
	"refused event .*/new/[0-9a-f]{16}\.test\.w2 on '$PREFIX/test/w2' .*[Nn]ot authorized \(0x87\)" \
	"the log names the event, the topic and the reason"

# A damaged file in new/: valid name, not JSON.
printf '{"ts":"2026-' >"$SPOOL/new/00000000000fffff.test.w9"
events 1 1
gone() { [ ! -e "$SPOOL/new/00000000000fffff.test.w9" ]; }
wait_until 10 gone
run_ok "a corrupt event leaves new/" gone
is "$(cat "$SPOOL/bad/00000000000fffff.test.w9" 2>&1)" '{"ts":"2026-' \
	"it is in bad/, bytes intact"
is "$(cat "$SPOOL/bad/00000000000fffff.test.w9.why" 2>&1)" "not valid JSON" "with the reason beside it"

# The broker now allows writer 2 (SIGHUP re-reads its ACL), and a client
# taking over the daemon's client id makes it reconnect: after that
# reconnect the refused events go. (A broker restart would do too, but
# mosquitto 2.0.11 with an ACL drops what it queued for a persistent
# subscriber restored from its store.)
echo "topic write $PREFIX/test/w2" >>"$acl"
kill -HUP "$(cat "$(broker_dir b)/pid")"
sleep 0.5
mosquitto_pub -p "$(broker_port b)" -i t1 -q 1 -t "$PREFIX/test/sync" -m takeover
w2() { [ "$(pairs "$(sub_out rf)" | grep -c '^2:')" -ge 5 ]; }
wait_until 30 w2
is "$(pairs "$(sub_out rf)" | grep -c '^2:')" 5 "after the next reconnect the refused events arrived"
wait_until 10 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "the spool is empty"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$PUBD_LOG")"
done_testing
