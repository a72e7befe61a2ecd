#!/bin/bash
# probed-check.sh: outpost-probed -n on [probe] sections. A good config
# exits 0 (and -nv prints it back in canonical form that checks again);
# each bad section is reported on stderr as FILE:LINE: [probe "name"]
# key: with the offending value and why, all of them in one run, exit 1;
# and the daemon refuses to start on it (exit 1) without writing an event.
set -u
. "$top_srcdir/tests/lib/tap.sh"
require_cmd python3
PROBED=$top_builddir/probes/outpost-probed
tmp=$(mktemp -d "${TMPDIR:-/tmp}/probed-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
plan 13

cat >"$tmp/good.conf" <<EOF2
[node]
id = t1
user = $(id -un)
spool = $tmp/spool
[probe "web"]
type = tcp
port = 443
target = 192.0.2.1 198.51.100.7
interval = 30s
[probe "gw"]
type = ping
target = 192.0.2.1
interval = 10s
spread = 5s
count = 5
EOF2
out=$("$PROBED" -n -f "$tmp/good.conf" 2>&1)
is "$?:$out" "0:" "a good config: -n exits 0 and prints nothing"
"$PROBED" -nv -f "$tmp/good.conf" >"$tmp/print.conf" 2>&1
is "$?" 0 "-nv exits 0"
like "$(cat "$tmp/print.conf")" 'target = 198\.51\.100\.7' "-nv prints the targets one per line"
"$PROBED" -n -f "$tmp/print.conf" >/dev/null 2>&1
is "$?" 0 "what -nv printed checks again"

cat >"$tmp/bad.conf" <<EOF2
[node]
id = t1
user = $(id -un)
spool = $tmp/spool
[probe "a"]
type = ping
target = 192.0.2.1
port = 80
[probe "b"]
type = tcp
target = 192.0.2.1
[probe "c"]
type = tcp
port = 99999
target = 192.0.2.1
[probe "d"]
type = ping
target = 192.0.2.1
count = 20
interval = 5s
[probe "e"]
type = http
target = 192.0.2.1
[probe "f"]
type = ping
target = 192.0.2.1
via = nosuchline
[probe "g"]
type = sonar
target = 192.0.2.1
EOF2
out=$("$PROBED" -n -f "$tmp/bad.conf" 2>&1)
is "$?" 1 "bad sections: -n exits 1"
f=$tmp/bad.conf
like "$out" "$f:8: \[probe \"a\"\] port: is not a key of a ping probe" "a key of another type, at its line"
like "$out" "$f:10: \[probe \"b\"\] type: a tcp probe needs port" "tcp without port"
like "$out" "$f:14: \[probe \"c\"\] port: '99999' is greater than the maximum 65535" \
	"a port out of range, with its value"
like "$out" "$f:20: \[probe \"d\"\] interval: is shorter than a round of this probe can take \(21000 ms" \
	"an interval a round cannot fit in"
like "$out" "$f:23: \[probe \"e\"\] target: '192.0.2.1' is not an http:// or https:// URL" \
	"an http target that is no URL"
like "$out" "$f:27: \[probe \"f\"\] via: 'nosuchline' names no \[line\] section" "via naming no line"
like "$out" "$f:29: \[probe \"g\"\] type: 'sonar' is not a probe type" "an unknown type"
"$PROBED" -d -f "$tmp/bad.conf" >/dev/null 2>&1
is "$?:$(ls "$tmp/spool/new" 2>/dev/null | wc -l)" "1:0" "the daemon does not start on it, and records nothing"
done_testing
