#!/bin/bash
# pubd-journal-fifo.sh: a FIFO or a symbolic link planted as the in-flight
# journal (<spool>/pubd.inflight, in a folder the daemon's user can write)
# neither blocks outpost-pubd in open() nor is followed: the daemon stops
# at start within seconds, exit status 1, naming the file, and leaves the
# FIFO and the link's target as they were. With a plain file back it
# starts and delivers.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub timeout
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 11
pubd_broker_start b
run_ok "subscriber ready" sub_start jf 1 "$PREFIX/test/#" b
pubd_conf "$NETNS_TMP/pubd.conf" b "qos = 2" "heartbeat = 0"
events 1 3

# start_bounded [CONF [USER]]: run the daemon for at most 10 s (as USER:
# then the journal is opened without any root set-up before it);
# RUN_STATUS, RUN_SECONDS.
start_bounded()
{
	local t0=$SECONDS conf=${1:-$NETNS_TMP/pubd.conf}
	RUN_STATUS=0
	${2:+runuser -u "$2" --} timeout -s KILL 10 "$PUBD" -d -f "$conf" \
		>"$NETNS_TMP/start.log" 2>&1 || RUN_STATUS=$?
	RUN_SECONDS=$((SECONDS - t0))
	diag "$(cat "$NETNS_TMP/start.log")"
}

mkfifo "$SPOOL/pubd.inflight"
start_bounded
is "$RUN_STATUS" 1 "a FIFO journal: exit status 1 (not killed by the timeout)"
run_ok "within 5 s ($RUN_SECONDS s)" test "$RUN_SECONDS" -le 5
like "$(cat "$NETNS_TMP/start.log")" "pubd\.inflight" "the message names the journal"
run_ok "the FIFO is still there" test -p "$SPOOL/pubd.inflight"

rm -f "$SPOOL/pubd.inflight"
echo 'not yours' >"$NETNS_TMP/target"
ln -s "$NETNS_TMP/target" "$SPOOL/pubd.inflight"
start_bounded
is "$RUN_STATUS" 1 "a symbolic link as the journal: exit status 1"
is "$(cat "$NETNS_TMP/target")" "not yours" "the link's target is untouched"

# The same without root: the daemon's own open of the journal refuses.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -p "$NETNS_TMP/userspool"
	chown nobody "$NETNS_TMP/userspool"
	mkfifo "$NETNS_TMP/userspool/pubd.inflight"
	chown nobody "$NETNS_TMP/userspool/pubd.inflight"
	SPOOL=$NETNS_TMP/userspool pubd_conf "$NETNS_TMP/user.conf" b "qos = 2" "heartbeat = 0"
	start_bounded "$NETNS_TMP/user.conf" nobody
	is "$RUN_STATUS" 1 "as the daemon's user, a FIFO journal: exit status 1"
	like "$(cat "$NETNS_TMP/start.log")" "pubd\.inflight: not a regular file" \
		"the journal open refused it"
else
	skip "needs root and user nobody" 2
fi

rm -f "$SPOOL/pubd.inflight"
pubd_start "$NETNS_TMP/pubd.conf"
got() { [ "$(pairs "$(sub_out jf)" | sort -u | wc -l)" -ge 3 ]; }
wait_until 20 got
is "$(pairs "$(sub_out jf)" | sort -u | wc -l)" 3 "with a plain journal the events arrive"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$NETNS_TMP/start.log")"
done_testing
