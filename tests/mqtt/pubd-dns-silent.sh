#!/bin/bash
# pubd-dns-silent.sh: outpost-pubd whose broker name goes to a DNS server
# that never answers. While the lookup hangs the daemon's loop must go on:
# heartbeats are recorded every second, a new event is read at once (the
# inotify wake-up) and SIGTERM ends it within two seconds. Once the name
# is in the hosts file, the next attempt resolves it and the events reach
# the broker.
#
# One namespace, "node": its loopback holds the broker (10.0.0.1) and the
# silent server (10.0.0.53); ip netns exec bind-mounts the per-run
# /etc/netns/<ns>/resolv.conf and hosts over the machine's.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
require_cmd mosquitto mosquitto_sub mosquitto_pub python3
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

PUB=$top_builddir/modules/mqtt/outpost-pub
TOOLS=$top_srcdir/tests/tools
BROKER=10.0.0.1
DNS=10.0.0.53

plan 12

ns_add node || bail "cannot create a namespace"
addr_add node lo "$BROKER/32" && addr_add node lo "$DNS/32" || bail "cannot add addresses"

# Per-run resolver files for the namespace, gone at teardown.
ETC_NS=/etc/netns/$(ns node)
etc_made=0
[ -d /etc/netns ] || etc_made=1
on_exit "rm -rf '$ETC_NS'; [ $etc_made = 0 ] || rmdir /etc/netns 2>/dev/null"
mkdir -p "$ETC_NS" || bail "cannot create $ETC_NS"
# glibc would block 5 s per try: the old client stalled that long.
printf 'nameserver %s\noptions timeout:5 attempts:2\n' "$DNS" >"$ETC_NS/resolv.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ETC_NS/hosts"

bg_run node python3 "$TOOLS/dns-sink.py" "$DNS" "$NETNS_TMP/dns.log" >"$NETNS_TMP/dns.out" 2>&1
wait_until 10 grep -q ready "$NETNS_TMP/dns.out" || bail "the silent DNS server did not start"

# The broker and a subscriber to everything under the prefix.
cat >"$NETNS_TMP/mosquitto.conf" <<EOF
listener 1883 $BROKER
allow_anonymous true
persistence false
log_dest stderr
log_type error
EOF
bg_run node mosquitto -c "$NETNS_TMP/mosquitto.conf" >"$NETNS_TMP/mosquitto.log" 2>&1
wait_until 10 ns_exec node bash -c "exec 3<>/dev/tcp/$BROKER/1883" 2>/dev/null ||
	bail "the broker did not start"
SUB_OUT=$NETNS_TMP/sub.out
bg_run node mosquitto_sub -h "$BROKER" -q 1 -t "$PREFIX/#" -F '%t %p' >"$SUB_OUT" 2>&1
sub_synced()
{
	grep -q "^$PREFIX/sync" "$SUB_OUT" && return 0
	ns_exec node mosquitto_pub -h "$BROKER" -q 1 -t "$PREFIX/sync" -m sync 2>/dev/null
	return 1
}
wait_until 10 sub_synced || bail "the subscriber did not come up"

{
	echo "[node]"
	echo "id = t1"
	echo "region = test"
	echo "user = nobody"
	echo "spool = $SPOOL"
	echo "[mqtt]"
	echo "url = mqtt://broker.test:1883"
	echo "reconnect-max = 1s"
	echo "heartbeat = 1s"
} >"$NETNS_TMP/pubd.conf"

# pubd_up: start the daemon in the namespace, wait until it delivers.
pubd_up()
{
	local n
	n=$(grep -c delivering "$PUBD_LOG" 2>/dev/null)
	ip netns exec "$(ns node)" "$PUBD" -d -v -f "$NETNS_TMP/pubd.conf" >>"$PUBD_LOG" 2>&1 &
	PUBD_PID=$!
	wait_until 10 eval '[ "$(grep -c delivering "$PUBD_LOG")" -gt "${n:-0}" ]'
}
asked() { grep -q 'broker.test' "$NETNS_TMP/dns.log" 2>/dev/null; }

run_ok "outpost-pubd starts with a name only a silent server could answer" pubd_up
run_ok "its lookup went to the silent server" wait_until 10 asked

# Heartbeats: every one recorded while the lookup hangs, seen by polling
# new/ (they may be replaced by the next, so collect them as they come).
hb_watch()
{
	local end=$((SECONDS + $1)) f
	while [ "$SECONDS" -lt "$end" ]; do
		for f in "$SPOOL"/new/*.heartbeat*; do
			[ -f "$f" ] && cat "$f" 2>/dev/null && echo
		done
		sleep 0.2
	done
}
hb=$(hb_watch 6 | python3 -c '
import datetime, json, sys
ts = set()
for line in sys.stdin:
    line = line.strip()
    if line:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("kind") == "heartbeat":
            ts.add(e["ts"])
t = sorted(datetime.datetime.strptime(x, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() for x in ts)
gap = max((b - a for a, b in zip(t, t[1:])), default=99)
print(len(t), int(gap * 1000))')
read -r hb_n hb_gap <<<"$hb"
ok "$([ "${hb_n:-0}" -ge 4 ]; echo $?)" "heartbeats keep being recorded while the lookup hangs ($hb_n in 6 s)"
ok "$([ "${hb_gap:-99999}" -le 1700 ]; echo $?)" "no heartbeat more than 1.7 s after the last (largest gap $hb_gap ms)"
run_ok "the lookup is still pending (never connected)" eval '! grep -q "connected to" "$PUBD_LOG"'

# The inotify wake-up: a new event's file is opened by the daemon at once.
bg_run node python3 "$TOOLS/open-watch.py" "$SPOOL/new" >"$NETNS_TMP/opens" 2>&1
wait_until 10 grep -q ready "$NETNS_TMP/opens" || bail "open-watch did not start"
t0=$(python3 -c 'import time; print(int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1000))')
run_ok "outpost-pub --event records an event" \
	"$PUB" --config "$NETNS_TMP/pubd.conf" --event door/back -m '{"open":true}'
ev=$(cd "$SPOOL/new" && ls | grep door | head -1)
opened() { [ -n "$ev" ] && grep -q " $ev\$" "$NETNS_TMP/opens"; }
wait_until 5 opened
t1=$(awk -v f="$ev" '$2 == f { print $1; exit }' "$NETNS_TMP/opens")
ok "$([ -n "$t1" ] && [ $((t1 - t0)) -le 1500 ]; echo $?)" \
	"outpost-pubd read the new event ${ev:-?} $((${t1:-0} - t0)) ms after it was recorded"

# SIGTERM while the lookup still hangs: half a second after a query went
# out, so a blocking resolver would be seconds away from returning.
queries() { grep -c broker.test "$NETNS_TMP/dns.log"; }
new_query() { local n; n=$(queries); wait_until 15 eval '[ "$(queries)" -gt "$n" ]'; }
new_query || diag "no new query within 15 s"
sleep 0.5
s0=$(date +%s%N)
pubd_stop
rc=$?
s1=$(date +%s%N)
is "$rc" 0 "outpost-pubd exits 0 on SIGTERM during the lookup"
ms=$(((s1 - s0) / 1000000))
ok "$([ "$ms" -le 2000 ]; echo $?)" "... within 2 s ($ms ms)"

# The name becomes resolvable (hosts file, edited in place so the bind
# mount sees it) while a new daemon's lookup hangs: its next attempt
# resolves again and delivers what waited in the spool.
asked_n=$(queries)
pubd_up || diag "outpost-pubd did not start again"
wait_until 10 eval '[ "$(queries)" -gt "$asked_n" ]'
printf '%s broker.test\n' "$BROKER" >>"$ETC_NS/hosts"
got() { grep -q "^$PREFIX/door/back .*\"open\":true" "$SUB_OUT"; }
run_ok "after the name resolves, the event reaches the broker" wait_until 30 got
hb_got() { grep -q "^$PREFIX/heartbeat .*\"kind\":\"heartbeat\"" "$SUB_OUT"; }
run_ok "... and so do heartbeats" wait_until 10 hb_got
like "$(grep 'cannot resolve' "$PUBD_LOG" | head -1)" \
	'cannot resolve broker\.test: .*\(1 server\)' "the failed lookup was reported, naming the server count"
pubd_stop
[ "$TAP_FAILED" = 0 ] || diag "$(tail -20 "$PUBD_LOG")"
done_testing
