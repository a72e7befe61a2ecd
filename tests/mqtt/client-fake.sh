#!/bin/bash
# mqtt-client.sh: the MQTT client against the scripted fake broker, for the
# edge cases a real broker will not produce on demand. Each case asserts on
# what the broker received (its JSON log), not on the client's messages
# alone. Loopback only.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
SEND=$top_builddir/tests/tools/mqtt-send
BROKER=$top_srcdir/tests/tools/fakebroker.py

require_cmd python3
T=$NETNS_TMP
BPID=
on_exit '[ -n "$BPID" ] && kill "$BPID" 2>/dev/null'

# broker <args...>: start the fake broker, set PORT.
broker() {
	rm -f "$T/port" "$T/log.json"
	python3 "$BROKER" --log "$T/log.json" --port-file "$T/port" "$@" &
	BPID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	PORT=$(cat "$T/port" 2>/dev/null)
}

# Wait for the broker to stop by itself (it has --connections/--timeout).
broker_done() {
	wait "$BPID" 2>/dev/null
	BPID=
}

# check <python expression on d = the broker log> : exit 0 when true.
check() {
	python3 - "$T/log.json" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["connections"]
def types(i):
    return [p["type"] for p in c[i]["packets"]]
ok = eval(sys.argv[2])
if not ok:
    print("# check failed: " + sys.argv[2])
    print("# " + json.dumps(d)[:1500])
sys.exit(0 if ok else 1)
EOF
}

plan 31

# 1. The broker never answers PINGREQ: the link must be declared dead
# within 1.5 x keepalive (3 s for 2 s) of the last packet, then reconnect.
broker --timeout 8 --no-pingresp --connections 2
"$SEND" -u "mqtt://127.0.0.1:$PORT" -n 0 -k 2 -H 5 -T 5 >"$T/out" 2>&1
ok $? "no-pingresp: client ran to the end"
broker_done
check '"PINGREQ" in types(0)'
ok $? "no-pingresp: the client sent PINGREQ after keepalive idle"
check 'c[0]["closed_by"] == "client" and 2.5 <= c[0]["closed"] - c[0]["connack"] <= 3.6'
ok $? "no-pingresp: client closed the dead link 1.5 x keepalive after CONNACK (+0.6 s slack)"
grep -q "the link is dead" "$T/out" && check 'len(c) == 2 and "CONNECT" in types(1)'
ok $? "no-pingresp: reported and reconnected"

# 2. PUBREC, then the broker drops the link: after reconnecting to the
# resumed session the client sends PUBREL, never the PUBLISH again.
for v in 5 4; do
	broker --timeout 10 --pubrec-then-disconnect --connections 2
	"$SEND" -u "mqtt://127.0.0.1:$PORT" -V $v -n 2 -q 2 -P -i dev-$v -x 600 -T 8 >"$T/out" 2>&1
	ok $? "pubrec-then-disconnect v$v: both messages completed"
	broker_done
	check 'types(0) == ["CONNECT", "PUBLISH"] and c[0]["closed_by"] == "broker" and c[1]["session_present"]'
	ok $? "pubrec-then-disconnect v$v: first link got PUBLISH 1, second resumed the session"
	check 'c[1]["packets"][1]["type"] == "PUBREL" and c[1]["packets"][1]["pid"] == 1'
	ok $? "pubrec-then-disconnect v$v: PUBREL 1 is the first packet after CONNECT"
	check 'not [p for p in c[1]["packets"] if p["type"] == "PUBLISH" and p["pid"] == 1]'
	ok $? "pubrec-then-disconnect v$v: PUBLISH 1 was not sent again"
done

# 3. Malformed and oversize packets end the link with a clear error; the
# client reconnects and delivers (ASan/UBSan would fail the run on a crash).
for sc in malformed:"reserved flag bits" oversize-remaining-length:"larger than the maximum packet size"; do
	name=${sc%%:*}
	text=${sc#*:}
	broker --timeout 8 --$name --connections 2
	"$SEND" -u "mqtt://127.0.0.1:$PORT" -n 2 -q 1 -P -i dev-m -T 6 >"$T/out" 2>&1
	ok $? "$name: messages delivered after reconnecting"
	broker_done
	grep -q "$text" "$T/out"
	ok $? "$name: the error says '$text'"
	check 'len(c) == 2 and c[0]["closed_by"] in ("client", "client-disconnect") and c[0]["closed"] - c[0]["connack"] < 1'
	ok $? "$name: the client closed the first link at once"
done

# 4. Receive Maximum 1: never more than one unacknowledged QoS>0 message,
# even with a window of 10, for QoS 1 and QoS 2.
for q in 1 2; do
	broker --timeout 10 --receive-maximum 1 --ack-delay 0.02 --connections 1
	"$SEND" -u "mqtt://127.0.0.1:$PORT" -n 15 -q $q -w 10 -T 8 >"$T/out" 2>&1
	ok $? "receive-maximum 1, QoS $q: all 15 acknowledged"
	broker_done
	check 'd["max_unacked"] == 1 and len([p for p in c[0]["packets"] if p["type"] == "PUBLISH"]) == 15'
	ok $? "receive-maximum 1, QoS $q: at most one in flight at any time"
done

# The same measure does see a window of 10 when the broker allows it, so
# the check above can fail.
broker --timeout 10 --ack-delay 0.02 --connections 1
"$SEND" -u "mqtt://127.0.0.1:$PORT" -n 15 -q 1 -w 10 -T 8 >"$T/out" 2>&1
broker_done
check 'd["max_unacked"] > 1 and d["max_unacked"] <= 10'
ok $? "without Receive Maximum the window (10) is used and respected"

# 5. A restarted publisher restores what it persisted: with the session
# still on the broker, PUBREL for the message past PUBREC (never PUBLISH),
# the other PUBLISH again with DUP; with the session gone, the PUBREC'd one
# is complete and the other goes out as a new message.
broker --timeout 6 --session-present --connections 1
"$SEND" -u "mqtt://127.0.0.1:$PORT" -n 1 -q 2 -P -i dev-r -x 600 -T 5 -R 7:pubrec -R 9:published >"$T/out" 2>&1
ok $? "restore, session kept: all three messages completed"
broker_done
check '[(p["type"], p.get("pid"), p.get("dup")) for p in c[0]["packets"][1:3]] == [("PUBREL", 7, None), ("PUBLISH", 9, True)] and not [p for p in c[0]["packets"] if p["type"] == "PUBLISH" and p["pid"] == 7]'
ok $? "restore, session kept: PUBREL 7, then PUBLISH 9 with DUP; 7 never published"
broker --timeout 6 --connections 1
"$SEND" -u "mqtt://127.0.0.1:$PORT" -n 1 -q 2 -P -i dev-r2 -x 600 -T 5 -R 7:pubrec -R 9:published >"$T/out" 2>&1
ok $? "restore, session lost: all three messages completed"
broker_done
check 'not c[0]["session_present"] and [p["pid"] for p in c[0]["packets"] if p["type"] == "PUBLISH"] == [9, 1] and not [p for p in c[0]["packets"] if p.get("pid") == 7] and not [p for p in c[0]["packets"] if p.get("dup")]'
ok $? "restore, session lost: 7 not sent again, 9 and the new one published without DUP"

# 6. A 5.0 broker refusing messages: each ends with its reason code, the
# reason string reaches the owner, and nothing is sent twice.
for q in 1 2; do
	broker --timeout 6 --refuse 0x87 --connections 1
	"$SEND" -u "mqtt://127.0.0.1:$PORT" -n 3 -q $q -T 5 >"$T/out" 2>&1
	st=$?
	broker_done
	[ $st -eq 1 ] && [ "$(grep -c 'ack .* reason=0x87' "$T/out")" -eq 3 ] &&
		grep -q "Not authorized: denied by test" "$T/out"
	ok $? "refused at QoS $q: three acks with reason 0x87, reason string shown"
	check 'types(0).count("PUBLISH") == 3 and "PUBREL" not in types(0)'
	ok $? "refused at QoS $q: each PUBLISH sent once, no PUBREL after a refusing PUBREC"
done

done_testing
