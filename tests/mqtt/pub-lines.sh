#!/bin/bash
# pub-lines.sh: outpost-pub -l -q 1 streams 200,000 lines through a real
# mosquitto and every one of them arrives, each once; input comes through
# a pipe, so it is read as it comes with the client's queue bounded.
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
N=200000

plan 4
sub_start big "$P" lines/big -q 1 || bail "no subscriber"
python3 -c "
import sys
w = sys.stdout.write
for i in range($N):
    w('line %06d of the big stream\n' % i)" | "$PUB" -p "$P" -t lines/big -q 1 -l --json \
	>"$NETNS_TMP/json" 2>"$NETNS_TMP/err"
is "$?" 0 "-l -q 1: $N lines confirmed"
like "$(cat "$NETNS_TMP/json")" "\"sent\":$N,\"confirmed\":$N,\"failed\":0" "--json counts $N sent and confirmed"
sub_wait big $N 300
is "$(sub_count big)" $N "the subscriber got $N messages"
is "$(sub_unique big)" $N "all $N different"
[ -s "$NETNS_TMP/err" ] && diag "$(head -5 "$NETNS_TMP/err")"
done_testing
