#!/bin/bash
# pub-brokers.sh: outpost-pub and outpost-pubd against brokers that are not
# a default Mosquitto, played by tests/tools/fakebroker.py (roles no real
# broker here plays) and by Mosquitto with max_qos 1. Each case asserts on
# what the broker received (the fake broker's JSON log, or a subscriber's
# count and content) and on exit codes and times:
#  - 3.1.1-only brokers (3.1.1 CONNACK, or a close on a 5.0 CONNECT): the
#    default falls back and delivers; -V 5 fails fast naming the version;
#  - QoS 2 answered with PUBACK, Maximum QoS 1, Retain Available 0, a
#    small Maximum Packet Size: nothing sent breaks the broker's limits,
#    nothing is lost, the tools exit or carry on as documented;
#  - a broker dropping every PUBLISH: --timeout bounds the run;
#  - nothing listening: outpost-pub fails fast, --retry waits;
#  - an ad hoc run leaves no session behind unless --keep-session.
# Loopback only.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_cmd python3 mosquitto mosquitto_sub mosquitto_pub
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

PUB=$top_builddir/modules/mqtt/outpost-pub
FAKE=$top_srcdir/tests/tools/fakebroker.py
T=$NETNS_TMP
FPID=
FPORT=
on_exit '[ -n "$FPID" ] && kill "$FPID" 2>/dev/null'

# fake ARGS...: start the fake broker (on $FPORT if set), set FPORT.
fake() {
	rm -f "$T/fport" "$T/flog.json"
	python3 "$FAKE" --log "$T/flog.json" --port-file "$T/fport" ${FPORT:+--port "$FPORT"} "$@" &
	FPID=$!
	wait_until 10 test -s "$T/fport"
	FPORT=$(cat "$T/fport")
}
fake_done() { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; FPID=; }
# check EXPR: a python expression on the fake broker's log d (c: its
# connections, pubs: every PUBLISH received); 0 when true.
check() {
	python3 - "$T/flog.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["connections"]
pubs = [p for x in c for p in x["packets"] if p["type"] == "PUBLISH"]
def types(i):
    return [p["type"] for p in c[i]["packets"]]
try:
    ok = eval(sys.argv[2])
except Exception as e:
    print("# check raised %r" % e)
    ok = False
if not ok:
    print("# check failed: " + sys.argv[2])
    print("# " + json.dumps(d)[:1500])
sys.exit(0 if ok else 1)
PY
}
pub() { "$PUB" --config /dev/null -h 127.0.0.1 -p "$FPORT" "$@"; }

plan 54

# 1. A 3.1.1-only broker answering 5.0 with a 3.1.1 CONNACK (return code 1).
for q in 0 1 2; do
	FPORT=; fake --v311-only --timeout 20
	seq 1 50 | sed "s/^/v311-$q-/" >"$T/want"
	pub -t f/v311 -q "$q" -l <"$T/want" 2>"$T/err"
	is "$?" 0 "3.1.1 CONNACK, -q $q: exit 0 (fell back to 3.1.1)"
	fake_done
	check "c[0]['packets'][0]['level'] == 5 and all(p['level'] == 4 for x in c[1:] for p in x['packets'] if p['type'] == 'CONNECT') and sorted(p['payload'] for p in pubs) == sorted(open('$T/want').read().split()) and all(p['qos'] == $q for p in pubs)"
	ok $? "3.1.1 CONNACK, -q $q: the broker got the 50 lines once each over 3.1.1, at QoS $q"
done
is "$(grep -c 'using MQTT 3.1.1' "$T/err")" 1 "the fall-back is reported once"

FPORT=; fake --v311-only --timeout 20
t0=$SECONDS
pub -t f/v5 -V 5 -q 1 -m never 2>"$T/err"
is "$?" 1 "3.1.1 CONNACK, -V 5: exit 1"
[ $((SECONDS - t0)) -lt 5 ]
ok $? "3.1.1 CONNACK, -V 5: at once, not after --timeout"
grep -q 'does not speak MQTT 5' "$T/err"
ok $? "3.1.1 CONNACK, -V 5: the error names the protocol version"
fake_done
check "len(pubs) == 0 and len(c) == 1"
ok $? "3.1.1 CONNACK, -V 5: one attempt, nothing published"

# 2. A broker that closes the connection on a 5.0 CONNECT.
FPORT=; fake --close-on-v5 --timeout 20
pub -t f/close -q 1 -m "after close" 2>"$T/err"
is "$?" 0 "close on 5.0 CONNECT: exit 0"
fake_done
check "[p['payload'] for p in pubs] == ['after close'] and c[-1]['packets'][0]['level'] == 4"
ok $? "close on 5.0 CONNECT: delivered once over 3.1.1"

# 3. QoS 2 answered with PUBACK: delivered, counted, one warning.
FPORT=; fake --puback-qos2 --timeout 20
seq 1 40 >"$T/want"
t0=$SECONDS
pub -t f/puback -q 2 -l --json <"$T/want" >"$T/json" 2>"$T/err"
is "$?" 0 "PUBACK to QoS 2: exit 0"
[ $((SECONDS - t0)) -lt 10 ]
ok $? "PUBACK to QoS 2: done at once, not after the timeout"
like "$(cat "$T/json")" '"sent":40,"confirmed":40' "PUBACK to QoS 2: 40 of 40 confirmed"
is "$(grep -c 'downgraded QoS 2 to 1' "$T/err")" 1 "PUBACK to QoS 2: warned once"
fake_done
check "sorted(int(p['payload']) for p in pubs) == list(range(1, 41)) and 'PUBREL' not in types(0)"
ok $? "PUBACK to QoS 2: the broker got the 40 messages once each, no PUBREL"

# 4. Maximum QoS 1, Retain Available 0: nothing breaks them.
FPORT=; fake --maximum-qos 1 --retain-unavailable --timeout 20
seq 1 30 >"$T/want"
pub -t f/maxqos -q 2 -r -l <"$T/want" 2>"$T/err"
is "$?" 0 "Maximum QoS 1 + Retain Available 0: exit 0"
fake_done
check "not d['violations'] and len(pubs) == 30 and all(p['qos'] == 1 and not p['retain'] for p in pubs)"
ok $? "Maximum QoS 1 + Retain Available 0: 30 PUBLISH at QoS 1 without retain, no violation"

# 5. Maximum Packet Size 200: a larger message is not sent (exit 1), a
# smaller one is.
FPORT=; fake --maximum-packet-size 200 --timeout 20
head -c 300 /dev/zero | tr '\0' x >"$T/big"
pub -t f/size -q 1 -f "$T/big" 2>"$T/err"
is "$?" 1 "Maximum Packet Size 200, a 300-byte message: exit 1"
grep -q "maximum packet size (200 bytes)" "$T/err"
ok $? "Maximum Packet Size: the refusal names the limit"
fake_done
check "not d['violations'] and len(pubs) == 0"
ok $? "Maximum Packet Size: nothing over the limit was sent"
FPORT=; fake --maximum-packet-size 200 --timeout 20
pub -t f/size -q 1 -m small 2>"$T/err"
is "$?" 0 "Maximum Packet Size 200, a small message: exit 0"
fake_done
check "[p['payload'] for p in pubs] == ['small']"
ok $? "Maximum Packet Size: the small message arrived"

# 6. A broker that drops the connection at every PUBLISH: --timeout 3
# bounds the run (it used to restart at every connect).
FPORT=; fake --drop-on-publish --timeout 30
t0=$SECONDS
pub -t f/drop -q 1 -m x --timeout 3 2>"$T/err"
is "$?" 1 "drop on PUBLISH: exit 1"
el=$((SECONDS - t0))
[ "$el" -ge 2 ] && [ "$el" -le 6 ]
ok $? "drop on PUBLISH: --timeout 3 ended the run after ${el} s"
fake_done
check "len(c) >= 2"
ok $? "drop on PUBLISH: it did reconnect meanwhile"

# 7. Nothing listening: fail fast; --retry waits, and connects when the
# broker comes.
FPORT=; fake --timeout 1
fake_done
sleep 1.2
t0=$(date +%s%N)
pub -t f/none -q 1 -m x 2>"$T/err"
is "$?" 1 "nothing listening: exit 1"
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$el" -lt 3000 ]
ok $? "nothing listening: failed in ${el} ms (< 3 s; it used to wait 60 s)"
t0=$(date +%s%N)
pub -t f/none -q 1 -m x --retry 2s 2>"$T/err"
is "$?" 1 "nothing listening, --retry 2s: exit 1"
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$el" -ge 1900 ] && [ "$el" -lt 5000 ]
ok $? "nothing listening, --retry 2s: gave up after ${el} ms"
( sleep 1.5; exec python3 "$FAKE" --log "$T/late.json" --port "$FPORT" --timeout 15 --connections 1 ) &
LATE=$!
on_exit "kill $LATE 2>/dev/null"
pub -t f/late -q 1 -m "late broker" --retry 10s 2>"$T/err"
is "$?" 0 "--retry 10s: the broker came after 1.5 s and the message went"
wait "$LATE"
grep -q '"payload": "late broker"' "$T/late.json"
ok $? "--retry: the late broker got the message"

# 8. Sessions: 5.0 ends its session at DISCONNECT, 3.1.1 connects clean,
# unless --keep-session.
FPORT=; fake --timeout 20
pub -t f/s -q 1 -m a -i adhoc1
pub -t f/s -q 1 -m b -i adhoc2 --keep-session
pub -t f/s -q 1 -m c -i adhoc3 -V 311
pub -t f/s -q 1 -m d -i adhoc4 -V 311 --keep-session
fake_done
check "c[0]['packets'][0]['session_expiry'] > 0 and c[0]['packets'][-1]['type'] == 'DISCONNECT' and c[0]['packets'][-1].get('session_expiry') == 0"
ok $? "5.0: the final DISCONNECT sets Session Expiry 0"
check "c[1]['packets'][-1]['type'] == 'DISCONNECT' and c[1]['packets'][-1].get('session_expiry') is None"
ok $? "5.0 --keep-session: the DISCONNECT leaves the expiry alone"
check "c[2]['packets'][0]['clean'] and not c[3]['packets'][0]['clean']"
ok $? "3.1.1: clean session, --keep-session: persistent"

# The same on Mosquitto: its count of disconnected clients stays 0 after
# ad hoc runs (it grew by one per run).
broker_start m "sys_interval 1" || bail "mosquitto did not start: $(broker_log m)"
MP=$(broker_port m)
for i in 1 2 3; do "$PUB" --config /dev/null -p "$MP" -t m/s -q 1 -m "run $i"; done
"$PUB" --config /dev/null -p "$MP" -t m/s -q 1 -m "run 4" -V 311
sleep 2.2
disc=$(mosquitto_sub -p "$MP" -t '$SYS/broker/clients/disconnected' -C 1 -W 5)
is "$disc" 0 "mosquitto: no disconnected session left after four ad hoc runs"
"$PUB" --config /dev/null -p "$MP" -t m/s -q 1 -m kept -i keeper --keep-session
sleep 2.2
disc=$(mosquitto_sub -p "$MP" -t '$SYS/broker/clients/disconnected' -C 1 -W 5)
is "$disc" 1 "mosquitto: --keep-session leaves one"

# 9. Mosquitto with max_qos 1: -q 2 delivers everything at QoS 1.
broker_start q "max_qos 1" || bail "mosquitto did not start: $(broker_log q)"
QP=$(broker_port q)
. "$top_srcdir/tests/mqtt/pub-common.bash"
sub_start mq "$QP" mq/t -q 1 || bail "no subscriber"
seq 1 500 | sed 's/^/mq-/' >"$T/want"
"$PUB" --config /dev/null -p "$QP" -t mq/t -q 2 -l <"$T/want" 2>"$T/err"
is "$?" 0 "mosquitto max_qos 1, -q 2: exit 0"
sub_wait mq 500 30
is "$(sort "$NETNS_TMP/sub-mq.got" | cmp -s - <(sort "$T/want") && echo same)" same \
	"mosquitto max_qos 1: the subscriber got the 500 messages once each"

# 10. outpost-pubd at qos = 2 against a broker answering PUBACK, and
# against Maximum QoS 1: every event delivered, the spool empties, the
# broker saw no violation and each event once.
for role in --puback-qos2 "--maximum-qos 1"; do
	FPORT=; fake $role --timeout 60
	{
		echo "[node]"; echo "id = t1"; echo "region = test"; echo "user = nobody"
		echo "spool = $SPOOL"; echo "[mqtt]"; echo "url = mqtt://127.0.0.1:$FPORT"
		echo "qos = 2"; echo "heartbeat = 0"
	} >"$T/pubd.conf"
	events 7 100
	pubd_start "$T/pubd.conf"
	wait_until 30 eval '[ "$(spool_count)" = 0 ]'
	is "$(spool_count)" 0 "outpost-pubd qos 2, fake broker $role: the spool is empty"
	run_ok "outpost-pubd, $role: exits 0 on SIGTERM" pubd_stop
	fake_done
	check "not d['violations'] and sorted(json.loads(p['payload'])['data']['i'] for p in pubs if p['topic'].endswith('/test/w7')) == list(range(100))"
	ok $? "outpost-pubd, $role: the broker got the 100 events once each, no violation"
	rm -f "$SPOOL"/pubd.inflight
done
# 11. outpost-pubd with protocol = 5 against a 3.1.1-only broker: no
# fall-back, the log names the version, the daemon keeps retrying with its
# backoff and the events stay in the spool; the default then delivers.
FPORT=; fake --v311-only --timeout 60
{
	echo "[node]"; echo "id = t1"; echo "region = test"; echo "user = nobody"
	echo "spool = $SPOOL"; echo "[mqtt]"; echo "url = mqtt://127.0.0.1:$FPORT"
	echo "protocol = 5"; echo "qos = 1"; echo "heartbeat = 0"; echo "reconnect-max = 1s"
} >"$T/pubd5.conf"
events 8 20
: >"$PUBD_LOG"
pubd_start "$T/pubd5.conf"
wait_until 10 grep -q 'does not speak MQTT 5' "$PUBD_LOG"
ok $? "outpost-pubd protocol = 5: the log names the version"
sleep 2
kill -0 "$PUBD_PID"
ok $? "outpost-pubd protocol = 5: still running, retrying"
is "$(spool_count)" 20 "outpost-pubd protocol = 5: the 20 events stay in the spool"
run_ok "outpost-pubd protocol = 5: exits 0 on SIGTERM" pubd_stop
sed -i '/^protocol = 5$/d' "$T/pubd5.conf"
pubd_start "$T/pubd5.conf"
wait_until 30 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "outpost-pubd, protocol unset: fell back, the spool is empty"
run_ok "outpost-pubd, protocol unset: exits 0 on SIGTERM" pubd_stop
fake_done
check "all(x['packets'][0]['level'] == 4 for x in c if any(p['type'] == 'PUBLISH' for p in x['packets'])) and sorted(json.loads(p['payload'])['data']['i'] for p in pubs if p['topic'].endswith('/test/w8')) == list(range(20))"
ok $? "outpost-pubd, protocol unset: the broker got the 20 events once each, over 3.1.1"
[ "$TAP_FAILED" = 0 ] || diag "$(tail -30 "$PUBD_LOG")"
done_testing
