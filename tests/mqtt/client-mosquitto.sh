#!/bin/bash
# mqtt-mosquitto.sh: the MQTT client against a real mosquitto on loopback:
# N messages at each QoS and protocol version must reach a subscriber
# exactly, and TLS must verify the broker's certificate and name.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
SEND=$top_builddir/tests/tools/mqtt-send
PATH=$PATH:/usr/sbin

require_cmd mosquitto mosquitto_sub python3 openssl
T=$NETNS_TMP
# A CA and a broker certificate for the name "localhost" only.
certs_make "$T/certs" localhost || bail "cannot make certificates"
TLSPORT=$(free_port)
broker_start m "listener $TLSPORT 127.0.0.1" "cafile $T/certs/ca.pem" \
	"certfile $T/certs/server.pem" "keyfile $T/certs/server.key" ||
	bail "mosquitto did not start: $(broker_log m)"
wait_port "$TLSPORT" || bail "the TLS listener is not up: $(broker_log m)"
PORT=$(broker_port m)

plan 19

# send_and_count <name> <count> <url> <mqtt-send args...>: publish with the
# client, receive with mosquitto_sub, compare.
send_and_count() {
	name=$1 count=$2 url=$3
	shift 3
	topic="outpost/test/$TAP_N"
	mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "$topic" -q 2 -C "$count" -W 180 \
		>"$T/sub" 2>"$T/sub.err" &
	spid=$!
	sleep 1	# let the subscription reach the broker
	"$SEND" -u "$url" -t "$topic" -n "$count" -T 15 "$@" >"$T/out" 2>&1
	st=$?
	wait $spid
	ok $st "$name: all $count acknowledged"
	# QoS 1 may duplicate in theory; over loopback without reconnects
	# every message arrives exactly once, in order.
	seq 1 "$count" | sed 's/^/message /' >"$T/want"
	cmp -s "$T/want" "$T/sub"
	st=$?
	ok $st "$name: the subscriber received messages 1..$count in order"
	if [ $st != 0 ]; then
		diag "subscriber got $(wc -l <"$T/sub") lines; $(head -c 300 "$T/sub.err")"
		diag "$(diff "$T/want" "$T/sub" | head -5)"
		diag "$(tail -3 "$T/out")"
	fi
}

for v in 4 5; do
	for q in 0 1 2; do
		send_and_count "v$v QoS $q" 200 "mqtt://127.0.0.1:$PORT" -V $v -q $q -i send-$v-$q
	done
done

# More messages than there are packet ids: ids are taken from the free set
# as messages enter the window, so they never run out.
send_and_count "70000 messages at QoS 1" 70000 "mqtt://127.0.0.1:$PORT" -q 1 -T 60

send_and_count "TLS, name verified" 20 "mqtts://localhost:$TLSPORT" -q 1 --cafile "$T/certs/ca.pem"

"$SEND" -u "mqtts://localhost:$TLSPORT" -n 1 -a 1 -T 5 >"$T/out" 2>&1
ok $((! $?)) "TLS without our CA fails"
grep -q "certificate verify failed" "$T/out"
ok $? "TLS without our CA: 'certificate verify failed' with the reason"

"$SEND" -u "mqtts://127.0.0.1:$TLSPORT" -n 1 -a 1 -T 5 --cafile "$T/certs/ca.pem" >"$T/out" 2>&1
st=$?
grep -q "mismatch" "$T/out"
ok $((! st || $?)) "TLS to an address the certificate does not name fails with a mismatch ($(grep -o 'verify failed: .*' "$T/out" | head -1))"

done_testing
