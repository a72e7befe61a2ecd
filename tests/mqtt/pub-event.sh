#!/bin/bash
# pub-event.sh: outpost-pub --event records device events into the spool
# of the config's [node], with no broker anywhere: the files in new/ hold
# the right envelopes, one per line of -l input, invalid JSON is refused
# with its line and column while the valid lines are still recorded, and
# bad kinds are usage errors; as root, a spool owned by a stranger is refused.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/mqtt/pub-common.bash"

require_cmd python3
T=$NETNS_TMP
S=$T/spool
dead=$(free_port)
cat >"$T/o.conf" <<CONF
[node]
id = kiosk-0042
region = chaoyang
spool = $S

[mqtt]
url = mqtt://127.0.0.1:$dead
CONF
EV=("$PUB" --config "$T/o.conf")

# check PYTHON-EXPR: evaluated with ev = the envelopes in new/, oldest first.
check()
{
	python3 - "$S/new" "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
ev = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d))]
ok = eval(sys.argv[2])
if not ok:
    print("# check failed: %s; %d events, last: %s" % (sys.argv[2], len(ev), ev[-1:]))
sys.exit(0 if ok else 1)
PY
}

run_ok "-m: recorded with no broker running" \
	"${EV[@]}" --event printer/front -m '{"state":"jam","tray":2}'
is "$(ls "$S/new" | wc -l)" 1 "one file in new/"
like "$(ls "$S/new")" '^[0-9a-f]{16}\.printer\.front$' "named <seq>.<kind>.<name>"
check 'ev[0]["node"] == "kiosk-0042" and ev[0]["region"] == "chaoyang" and ev[0]["kind"] == "printer" and ev[0]["name"] == "front" and ev[0]["data"] == {"state": "jam", "tray": 2} and ev[0]["ts"].endswith("Z")'
ok $? "the envelope: node, region, kind, name, data, ts"

printf '{\n  "reader": "card",\n  "code": 17\n}\n' >"$T/doc.json"
run_ok "-f FILE: one event" "${EV[@]}" --event reader -f "$T/doc.json"
check 'ev[-1]["kind"] == "reader" and "name" not in ev[-1] and ev[-1]["data"] == {"reader": "card", "code": 17}'
ok $? "-f: the file's document, no name"

python3 -c '
for i in range(1000):
    print("{\"n\": %d}" % i)
    if i % 100 == 0:
        print()' | "${EV[@]}" --event batch/x -l --json >"$T/json"
is "$?" 0 "-l: 1000 lines (and blank ones) recorded"
is "$(cat "$T/json")" '{"type":"event","recorded":1000,"refused":0}' "--json: recorded 1000"
check '[e["data"]["n"] for e in ev if e["kind"] == "batch"] == list(range(1000))'
ok $? "-l: 1000 events in order, blank lines skipped"

printf '{"a":1}\n{"b":2}\n{"c":3,,}\n[4]\n' | "${EV[@]}" --event bad -l >/dev/null 2>"$T/err"
is "$?" 3 "invalid JSON on line 3: exit 3"
like "$(cat "$T/err")" '^outpost-pub: stdin:3:[0-9]+: invalid JSON: ' "the error names stdin:3:COL"
check '[e["data"] for e in ev if e["kind"] == "bad"] == [{"a": 1}, {"b": 2}, [4]]'
ok $? "the valid lines 1, 2 and 4 are recorded"

"${EV[@]}" --event bad -m '{"x":' 2>"$T/err"
is "$?" 3 "-m with invalid JSON: exit 3"
like "$(cat "$T/err")" '^outpost-pub: -m:1:6: invalid JSON' "the error names -m:1:6"

n=$(ls "$S/new" | wc -l)
for k in 'Bad' 'a/b/c' '' 'way-too-long-kind-name-for-the-spool-x' 'ok/bad name'; do
	"${EV[@]}" --event "$k" -m '{}' >/dev/null 2>&1
	is "$?" 2 "--event '$k': usage error"
done
is "$(ls "$S/new" | wc -l)" "$n" "nothing recorded for the bad kinds"

"${EV[@]}" --event x -t topic -m '{}' >/dev/null 2>&1
is "$?" 2 "--event with -t: usage error"
run_ok "-n: an event with {}" "${EV[@]}" --event heartbeat -n
check 'ev[-1]["kind"] == "heartbeat" and ev[-1]["data"] == {}'
ok $? "-n: data is {}"

# As root, a spool that belongs to a stranger is refused, with what to do;
# the same folder is fine once [node] user names its owner.
if [ "$(id -u)" = 0 ]; then
	S2=$T/stranger
	mkdir -p "$S2" && chown 64999:64999 "$S2" && chmod 0750 "$S2"
	for u in nobody 64999; do
		printf '[node]\nid = k\nuser = %s\nspool = %s\n[mqtt]\nurl = mqtt://127.0.0.1:%s\n' \
			"$u" "$S2" "$dead" >"$T/s-$u.conf"
	done
	"$PUB" --config "$T/s-nobody.conf" --event x -m '{}' >/dev/null 2>"$T/err"
	is "$?" 1 "a spool owned by a stranger (uid 64999, user nobody): exit 1"
	like "$(cat "$T/err")" "spool $S2: is owned by uid 64999.*chown it" \
		"the error names the folder, its owner and the fix"
	[ ! -e "$S2/new" ] || [ -z "$(ls -A "$S2/new")" ]
	ok $? "nothing was recorded there"
	run_ok "the same spool with user = 64999 (its owner) is accepted" \
		"$PUB" --config "$T/s-64999.conf" --event x -m '{}'
	is "$(ls "$S2/new" | wc -l)" 1 "and the event is recorded"
fi

done_testing
