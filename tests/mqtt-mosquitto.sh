#!/bin/sh
# mqtt-mosquitto.sh: the MQTT client against a real mosquitto on loopback:
# N messages at each QoS and protocol version must reach a subscriber
# exactly, and TLS must verify the broker's certificate and name.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SEND=$top_builddir/tests/tools/mqtt-send

for tool in mosquitto mosquitto_sub python3 openssl; do
	if ! command -v $tool >/dev/null 2>&1 && [ ! -x /usr/sbin/$tool ]; then
		echo "1..0 # SKIP $tool not installed"
		exit 0
	fi
done
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

T=$(mktemp -d)
MPID=
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		return 1
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until something listens on 127.0.0.1:$1.
wait_port() {
	python3 - "$1" <<'EOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

PORT=$(free_port)
TLSPORT=$(free_port)

# A CA and a broker certificate for the name "localhost" only.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
	-days 2 -subj "/CN=outpost test CA" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" \
	-subj "/CN=localhost" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost\n' >"$T/ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/ext" -out "$T/srv.pem" >/dev/null 2>&1

# mosquitto started as root drops to its own user: let it read the files.
chmod 755 "$T"
chmod 644 "$T/srv.key" "$T/srv.pem" "$T/ca.pem"

cat >"$T/mosquitto.conf" <<EOF
per_listener_settings false
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
log_dest stderr
listener $PORT 127.0.0.1
listener $TLSPORT 127.0.0.1
cafile $T/ca.pem
certfile $T/srv.pem
keyfile $T/srv.key
EOF
"$MOSQUITTO" -c "$T/mosquitto.conf" 2>"$T/mosquitto.log" &
MPID=$!
if ! wait_port "$PORT" || ! wait_port "$TLSPORT"; then
	echo "1..0 # SKIP mosquitto did not start: $(tail -1 "$T/mosquitto.log")"
	exit 0
fi

echo "1..19"

# send_and_count <name> <count> <url> <mqtt-send args...>: publish with the
# client, receive with mosquitto_sub, compare.
send_and_count() {
	name=$1 count=$2 url=$3
	shift 3
	topic="outpost/test/$n"
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
	if ! ok $? "$name: the subscriber received messages 1..$count in order"; then
		echo "# subscriber got $(wc -l <"$T/sub") lines; $(head -c 300 "$T/sub.err")"
		diff "$T/want" "$T/sub" | head -5 | sed "s/^/# /"
		tail -3 "$T/out" | sed "s/^/# /"
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

send_and_count "TLS, name verified" 20 "mqtts://localhost:$TLSPORT" -q 1 --cafile "$T/ca.pem"

"$SEND" -u "mqtts://localhost:$TLSPORT" -n 1 -a 1 -T 5 >"$T/out" 2>&1
ok $((! $?)) "TLS without our CA fails"
grep -q "certificate verify failed" "$T/out"
ok $? "TLS without our CA: 'certificate verify failed' with the reason"

"$SEND" -u "mqtts://127.0.0.1:$TLSPORT" -n 1 -a 1 -T 5 --cafile "$T/ca.pem" >"$T/out" 2>&1
st=$?
grep -q "mismatch" "$T/out"
ok $((! st || $?)) "TLS to an address the certificate does not name fails with a mismatch ($(grep -o 'verify failed: .*' "$T/out" | head -1))"

exit $failed
