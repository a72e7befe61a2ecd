#!/bin/bash
# pub-input.sh: what outpost-pub reads before it publishes is bounded and
# checked first (issue 6): a 300 MB file with -f or -s is refused before
# it is read (peak RSS, exit 3); a 300 MB pipe with -s costs at most the
# message limit, not twice that; one 128 MiB line with -l is read in
# linear time (CPU) and arrives whole; a bad topic is refused before
# connecting, named by its length and a short prefix, never echoed whole.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
. "$top_srcdir/tests/mqtt/pub-common.bash"

require_cmd mosquitto mosquitto_sub mosquitto_pub python3 /usr/bin/time
broker_start b || bail "mosquitto did not start: $(broker_log b)"
P=$(broker_port b)
T=$NETNS_TMP
# rss_kib FILE: the peak RSS /usr/bin/time -f %M wrote last.
rss_kib() { tail -1 "$1"; }

plan 16
truncate -s 300M "$T/big"

/usr/bin/time -o "$T/rss" -f %M "$PUB" -p "$P" -t in/f -f "$T/big" 2>"$T/err"
is "$?" 3 "-f of 300 MB: exit 3"
ok "$([ "$(rss_kib "$T/rss")" -lt 65536 ]; echo $?)" "-f of 300 MB: refused before reading (peak $(rss_kib "$T/rss") KiB)"
/usr/bin/time -o "$T/rss" -f %M "$PUB" -p "$P" -t in/s -s <"$T/big" 2>"$T/err"
is "$?" 3 "-s from a 300 MB file: exit 3"
ok "$([ "$(rss_kib "$T/rss")" -lt 65536 ]; echo $?)" "-s from a 300 MB file: refused before reading (peak $(rss_kib "$T/rss") KiB)"
# (Without AddressSanitizer's quarantine, which keeps every freed buffer.)
head -c 300M /dev/zero | ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
	/usr/bin/time -o "$T/rss" -f %M "$PUB" -p "$P" -t in/p -s 2>"$T/err"
is "$?" 3 "-s from a 300 MB pipe: exit 3"
# The message limit is 256 MiB; growing by doubling went to 512 MiB.
ok "$([ "$(rss_kib "$T/rss")" -lt $((330 * 1024)) ]; echo $?)" "-s from a 300 MB pipe: peak $(rss_kib "$T/rss") KiB, under 330 MiB"
rm -f "$T/big"

# One 128 MiB line: CPU time stays linear (9 s of CPU before, for what
# -f does in 0.14 s). The bound is generous: sending over loopback
# charges the receiver's kernel work to the sender, and on a loaded
# 2-core machine that alone reached 3.1 s.
sub_start l "$P" in/line || bail "no subscriber"
python3 -c "
import sys
sys.stdout.buffer.write(b'y' * (128 << 20) + b'\n')" >"$T/line"
/usr/bin/time -o "$T/cpu" -f '%U %S' "$PUB" -p "$P" -t in/line -q 1 -l <"$T/line" 2>"$T/err"
is "$?" 0 "-l with one 128 MiB line: exit 0"
cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$T/cpu")
ok "$([ "$cpu" -lt 6000 ]; echo $?)" "-l with one 128 MiB line: $cpu ms of CPU (< 6000)"
sub_wait l 1 60
is "$(tr -d y <"$NETNS_TMP/sub-l.got" | wc -c)/$(wc -c <"$NETNS_TMP/sub-l.got")" "1/$(((128 << 20) + 1))" \
	"-l: the subscriber got the line whole"
rm -f "$T/line"

# Topics: refused before connecting (the broker's log shows no client),
# with their length and a short prefix.
long=$(head -c 70000 /dev/zero | tr '\0' a)
"$PUB" -p "$P" -t "$long" -m x 2>"$T/err"
is "$?" 2 "a 70000-byte topic: usage error"
grep -q "(70000 bytes)" "$T/err"
ok $? "the message gives the topic's length"
ok "$([ "$(wc -c <"$T/err")" -lt 400 ]; echo $?)" "the topic is not echoed whole ($(wc -c <"$T/err") bytes of stderr)"
for bad in "$(printf 'a\001b')" "$(printf 'tab\there')" "$(printf 'x\357\277\277')"; do
	"$PUB" -p "$P" -t "$bad" -m x 2>"$T/err"
	is "$?" 2 "topic $(printf %q "$bad"): refused before connecting"
done
sub_start probe "$P" in/probe || bail "no subscriber"
"$PUB" -p "$P" -t in/probe -m "still fine" 2>"$T/err"
sub_wait probe 1 10
is "$(cat "$NETNS_TMP/sub-probe.got")" "still fine" "the broker still takes a good topic"
done_testing
