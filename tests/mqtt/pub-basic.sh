#!/bin/bash
# pub-basic.sh: outpost-pub against a real mosquitto on loopback: every
# QoS and protocol version delivers exactly the messages sent (QoS 2 each
# exactly once), every input mode arrives byte for byte, retained messages
# and the last will reach later subscribers, the config's [mqtt] supplies
# defaults the command line overrides, and a dead broker is reported as
# "N of M messages not confirmed".
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
. "$top_srcdir/tests/mqtt/pub-common.bash"

require_cmd mosquitto mosquitto_sub mosquitto_pub python3
broker_start b || bail "mosquitto did not start: $(broker_log b)"
P=$(broker_port b)
T=$NETNS_TMP

# 1. N messages per QoS and version, counted and checked for duplicates.
N=1000
for v in 311 5; do
	for q in 0 1 2; do
		topic=qos/$v/$q
		sub_start q$v$q "$P" "$topic" -q 2 || bail "no subscriber"
		seq 1 $N | sed "s/^/msg-$v-$q-/" >"$T/want"
		run_ok "-V $v -q $q: $N messages confirmed" \
			"$PUB" -p "$P" -t "$topic" -V "$v" -q "$q" -l <"$T/want"
		sub_wait q$v$q $N 60
		is "$(sub_count q$v$q)" $N "-V $v -q $q: the subscriber got $N messages"
		is "$(sub_unique q$v$q)" $N "-V $v -q $q: all $N different (no duplicates)"
		sort "$T/want" >"$T/want.s"
		sort "$NETNS_TMP/sub-q$v$q.got" | cmp -s - "$T/want.s"
		ok $? "-V $v -q $q: exactly the messages sent"
	done
done

# 2. Input modes, byte for byte.
printf 'two\nlines\n\tand a tab' >"$T/file"
head -c 3000 /dev/urandom >>"$T/file"
hex() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read().hex())' "$1"; }
sub_start f "$P" modes/f -F %x || bail "no subscriber"
run_ok "-f FILE published" "$PUB" -p "$P" -t modes/f -f "$T/file"
sub_wait f 1 10
is "$(cat "$NETNS_TMP/sub-f.got")" "$(hex "$T/file")" "-f: the message is the file, byte for byte"

sub_start s "$P" modes/s -F %x || bail "no subscriber"
run_ok "-s published" "$PUB" -p "$P" -t modes/s -s <"$T/file"
sub_wait s 1 10
is "$(cat "$NETNS_TMP/sub-s.got")" "$(hex "$T/file")" "-s: the message is all of stdin"

sub_start m "$P" modes/m || bail "no subscriber"
run_ok "-m and -L mqtt://host:port/topic" "$PUB" -L "mqtt://127.0.0.1:$P/modes/m" -m "via url"
sub_wait m 1 10
is "$(cat "$NETNS_TMP/sub-m.got")" "via url" "-L: the URL's path is the topic"

# -l: empty lines are skipped, a last line without newline is published.
sub_start l "$P" modes/l || bail "no subscriber"
printf 'one\n\ntwo\n\n\nthree' | "$PUB" -p "$P" -t modes/l -l --json >"$T/json"
is "$?" 0 "-l with empty lines and no final newline"
sub_wait l 3 10
is "$(tr '\n' ' ' <"$NETNS_TMP/sub-l.got")" "one two three " "-l: three messages, blank lines skipped"
like "$(cat "$T/json")" '^\{"type":"pub","sent":3,"confirmed":3,"failed":0,"qos":1,"elapsed_ms":[0-9]+\}$' \
	"--json: the summary line"

# 3. Retained: a subscriber that comes later still gets it.
run_ok "-r published" "$PUB" -p "$P" -t keep/r -r -q 1 -m "kept"
got=$(mosquitto_sub -p "$P" -t keep/r -C 1 -W 5 2>&1)
is "$got" "kept" "-r: a later subscriber receives the retained message"

# 4. The last will: sent when the publisher dies, not after a normal end.
sub_start w "$P" will/w || bail "no subscriber"
run_ok "a normal run with a will" "$PUB" -p "$P" -t will/data -m x --will-topic will/w \
	--will-payload "normal"
mkfifo "$T/fifo"
sub_start d "$P" will/data || bail "no subscriber"
"$PUB" -p "$P" -t will/data -l -k 5 --will-topic will/w --will-payload "publisher died" \
	<"$T/fifo" 2>"$T/will.err" &
wpid=$!
exec 7>"$T/fifo"
echo "first" >&7
for _ in $(seq 100); do grep -q '^first$' "$NETNS_TMP/sub-d" && break; sleep 0.1; done
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null
exec 7>&-
sub_wait d 1 2
sub_wait w 1 10
is "$(cat "$NETNS_TMP/sub-w.got")" "publisher died" \
	"--will: only the killed publisher's will arrives, not one after a normal end"

# 5. Config defaults, and the command line over them.
cat >"$T/pub.conf" <<CONF
[mqtt]
url = mqtt://127.0.0.1:$P
qos = 2
CONF
sub_start c "$P" conf/c || bail "no subscriber"
out=$("$PUB" --config "$T/pub.conf" -t conf/c -m from-config --json 2>&1)
like "$out" '"confirmed":1,.*"qos":2' "--config: url and qos from [mqtt]"
out=$("$PUB" --config "$T/pub.conf" -t conf/c -m from-cli -q 0 --json 2>&1)
like "$out" '"confirmed":1,.*"qos":0' "-q on the command line wins over the config"
sub_wait c 2 10
is "$(tr '\n' ' ' <"$NETNS_TMP/sub-c.got")" "from-config from-cli " "both arrived"
dead=$(free_port)
cat >"$T/dead.conf" <<CONF
[mqtt]
url = mqtt://127.0.0.1:$dead
CONF
run_ok "-p on the command line wins over the config's url" \
	"$PUB" --config "$T/dead.conf" -p "$P" -t conf/p -m x

# 6. No broker: every message is reported unconfirmed, exit 1.
printf 'a\nb\nc\nd\ne\n' >"$T/five"
"$PUB" -p "$dead" -t down -l --timeout 2 <"$T/five" >/dev/null 2>"$T/err"
is "$?" 1 "broker down: exit 1"
like "$(tail -1 "$T/err")" '^outpost-pub: 5 of 5 messages not confirmed: .*Connection refused' \
	"broker down: '5 of 5 messages not confirmed' with the reason"

# 7. Usage errors exit 2; -P is refused with a pointer to --password-file.
"$PUB" -t x -m y -P secret >/dev/null 2>"$T/err"
is "$?" 2 "-P: usage error"
like "$(head -1 "$T/err")" 'password-file' "-P: points at --password-file"
"$PUB" -m y -p "$P" >/dev/null 2>&1
is "$?" 2 "no topic: usage error"

done_testing
