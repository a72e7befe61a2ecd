#!/bin/bash
# pub-rabbitmq.sh: outpost-pub and outpost-pubd against a real RabbitMQ
# 3.10 (tests/lib/rabbitmq.sh), a broker that speaks only MQTT 3.1.1 (it
# closes the connection on a 5.0 CONNECT) and takes QoS 2 as QoS 1
# (PUBACK). With nothing but the URL and the QoS, both fall back to 3.1.1
# and deliver at QoS 0, 1 and 2 settings, nothing lost: asserted on what a
# subscriber on the broker received (count and content), the tools' exit
# codes and the spool left empty. -V 5 set explicitly fails fast, naming
# the version. Everything runs inside a namespace of its own (loopback).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
require_root
require_cmd mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

PUB=$top_builddir/modules/mqtt/outpost-pub
T=$NETNS_TMP
URL=mqtt://127.0.0.1:1883
in_ns() { ip netns exec "$(ns rmq)" "$@"; }

plan 33
t0=$SECONDS
rabbitmq_start rmq || bail "RabbitMQ did not start: $(rabbitmq_log)"
diag "RabbitMQ accepted MQTT connections after $((SECONDS - t0)) s"

# A 3.1.1 subscriber to r/#, "topic payload" per line, ready once a probe
# came through.
bg_run rmq mosquitto_sub -V mqttv311 -h 127.0.0.1 -p 1883 -q 2 -t 'r/#' -F '%t %p' \
	>"$T/sub.out" 2>"$T/sub.err"
probe() {
	in_ns mosquitto_pub -V mqttv311 -h 127.0.0.1 -p 1883 -t r/probe -m ready 2>/dev/null
	grep -q '^r/probe ready$' "$T/sub.out"
}
wait_until 20 probe || bail "subscriber never got ready: $(cat "$T/sub.err")"
# got TOPIC: the payloads the subscriber received on TOPIC, in order.
got() { sed -n "s|^$1 ||p" "$T/sub.out"; }
got_n() { [ "$(got "$1" | wc -l)" -ge "$2" ]; }

# 1. outpost-pub, nothing but the URL (and the QoS): one message, then a
# stream of lines, per QoS.
for q in 0 1 2; do
	in_ns "$PUB" --config /dev/null -L "$URL/r/pub/m$q" -q "$q" -m "one at qos $q" \
		>"$T/pub.out" 2>"$T/pub.err"
	is "$?" 0 "outpost-pub -q $q -m: exit 0 against a 3.1.1-only broker"
	wait_until 10 got_n "r/pub/m$q" 1
	is "$(got "r/pub/m$q")" "one at qos $q" "-q $q -m: the subscriber got the message, once"

	seq 1 300 | sed "s/^/line-$q-/" >"$T/want"
	in_ns "$PUB" --config /dev/null -L "$URL/r/pub/l$q" -q "$q" -l --json \
		<"$T/want" >"$T/pub.json" 2>"$T/pub.err"
	is "$?" 0 "outpost-pub -q $q -l: exit 0"
	wait_until 20 got_n "r/pub/l$q" 300
	if [ "$q" = 0 ]; then
		# QoS 0 promises nothing, but on loopback nothing is lost.
		is "$(got "r/pub/l$q" | sort | cmp -s - <(sort "$T/want") && echo same)" same \
			"-q 0 -l: the subscriber got the 300 lines"
	else
		is "$(got "r/pub/l$q" | sort | cmp -s - <(sort "$T/want") && echo same)" same \
			"-q $q -l: the subscriber got exactly the 300 lines, no duplicates"
	fi
	like "$(cat "$T/pub.json")" '"sent":300,"confirmed":300' "-q $q -l: 300 of 300 confirmed"
done
grep -q 'using MQTT 3.1.1' "$T/pub.err"
ok $? "outpost-pub said it fell back to 3.1.1"
is "$(grep -c 'downgraded QoS 2 to 1' "$T/pub.err")" 1 "-q 2: the QoS downgrade is reported once"

# 2. -V 5 set explicitly: no fall-back, a quick failure that names it.
t1=$SECONDS
in_ns "$PUB" --config /dev/null -L "$URL/r/pub/v5" -V 5 -q 1 -m never >"$T/pub.out" 2>"$T/pub.err"
is "$?" 1 "-V 5: exit 1"
[ $((SECONDS - t1)) -lt 10 ]
ok $? "-V 5: fails within 10 s, not after --timeout"
grep -q 'MQTT 5' "$T/pub.err"
ok $? "-V 5: the error names the protocol version"
sleep 1
is "$(got r/pub/v5 | wc -l)" 0 "-V 5: nothing was published"

# 3. outpost-pubd with nothing but the URL, at each QoS setting: every
# event arrives once and leaves the spool. The daemon runs in the
# namespace (same pid through ip netns exec).
PUBD_REAL=$PUBD
PUBD=$T/pubd-in-ns
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$(ns rmq)" "$PUBD_REAL" >"$PUBD"
chmod +x "$PUBD"
for q in 0 1 2; do
	{
		echo "[node]"
		echo "id = t1"
		echo "region = test"
		echo "user = nobody"
		echo "spool = $SPOOL"
		echo "[mqtt]"
		echo "url = $URL"
		echo "topic-prefix = r/pubd$q"
		echo "qos = $q"
		[ "$q" = 2 ] && echo "heartbeat = 1s" || echo "heartbeat = 0"
	} >"$T/pubd$q.conf"
	events "$((q + 1))" 200
	pubd_start "$T/pubd$q.conf"
	wait_until 30 got_n "r/pubd$q/test/w$((q + 1))" 200
	wait_until 10 eval '[ "$(spool_count)" = 0 ]'
	is "$(spool_count)" 0 "outpost-pubd qos = $q: the spool is empty"
	is "$(got "r/pubd$q/test/w$((q + 1))" | pairs /dev/stdin | tr '\n' ' ')" \
		"$(seq 0 199 | sed "s/^/$((q + 1)):/" | tr '\n' ' ')" \
		"outpost-pubd qos = $q: all 200 events arrived, once each, in order"
	if [ "$q" = 2 ]; then
		# The heartbeat carries the link as the broker made it.
		hb_link() { got r/pubd2/heartbeat | tail -n 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)["data"]["mqtt"]
print(m["connected"], m["protocol"], m["qos"], m["downgraded"])' 2>/dev/null; }
		wait_until 10 eval '[ "$(hb_link)" = "True 3.1.1 1 True" ]'
		is "$(hb_link)" "True 3.1.1 1 True" \
			"outpost-pubd qos = 2: its heartbeat says 3.1.1, QoS 1, downgraded"
	fi
	run_ok "outpost-pubd qos = $q: exits 0 on SIGTERM" pubd_stop
done
grep -q 'using MQTT 3.1.1' "$PUBD_LOG"
ok $? "outpost-pubd logged the fall-back to 3.1.1"
is "$(grep -c 'downgraded QoS 2 to 1' "$PUBD_LOG")" 1 "outpost-pubd warned once of the QoS downgrade"
[ "$TAP_FAILED" = 0 ] || diag "$(tail -30 "$PUBD_LOG"; cat "$T/pub.err")"
done_testing
