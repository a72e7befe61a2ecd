#!/bin/bash
# pubd-status.sh: <prefix>/status holds a retained "online" once
# outpost-pubd is connected; when the daemon dies without a word (SIGKILL)
# the broker publishes its will, a retained "offline"; a clean stop
# (SIGTERM) publishes the retained "offline" itself and exits 0.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 8
pubd_broker_start b
# What a newcomer reads: the retained status only.
retained()
{
	mosquitto_sub -p "$(broker_port b)" -t "$PREFIX/status" -C 1 -W 3 -R 2>/dev/null ||
		mosquitto_sub -p "$(broker_port b)" -t "$PREFIX/status" -C 1 -W 3 2>/dev/null
}
is_retained() { [ "$(retained)" = "$1" ]; }

run_ok "status subscriber ready" sub_start st 1 "$PREFIX/status" b
pubd_conf "$NETNS_TMP/pubd.conf" b "keepalive = 1s" "heartbeat = 0"
pubd_start "$NETNS_TMP/pubd.conf"
wait_until 10 is_retained online
is "$(retained)" online "retained 'online' after connect"

pubd_kill
wait_until 10 is_retained offline
is "$(retained)" offline "SIGKILL: the will, a retained 'offline'"

pubd_start "$NETNS_TMP/pubd.conf"
wait_until 10 is_retained online
is "$(retained)" online "restarted: 'online' again"

pid=$PUBD_PID
run_ok "SIGTERM: exits 0" pubd_stop
wait_until 10 is_retained offline
is "$(retained)" offline "SIGTERM: a retained 'offline'"
run_fails "and the daemon is gone" kill -0 "$pid"
stream=$(grep -v ' sync$' "$(sub_out st)" | awk '{ print $3 }' | tr '\n' ' ')
is "$stream" "online offline online offline " "the subscriber saw online, offline, online, offline"
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$PUBD_LOG")"
done_testing
