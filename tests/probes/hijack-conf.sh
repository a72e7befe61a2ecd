#!/bin/bash
# hijack-conf: [probe] type = hijack in outpost.conf: its keys (resolvers,
# references, dot, nx-domain, not-bogon, ca-file) check with outpost-probed -n;
# the keys it has no use for (count, tos, ttl, port) and bad values are
# refused naming the key, and a bad type still gets its message (not a
# crash on the type table's gaps).
set -u
. "$top_srcdir/tests/lib/tap.sh"
PROBED=$top_builddir/probes/outpost-probed
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hijack-conf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

head()
{
	printf '[node]\nid = t1\nuser = %s\nspool = %s/spool\n' "$(id -un)" "$tmp"
}
{ head; cat <<'EOF2'; } >"$tmp/good.conf"
[probe "dns-hijack"]
type = hijack
target = www.example.test other.example.test
resolvers = 192.0.2.53 [2001:db8::53]:5353
references = 198.51.100.53
dot = 198.51.100.53#dot.example.test
nx-domain = example.test
not-bogon = 10.53.0.0/16 192.0.2.0/24
interval = 5m
timeout = 3s
EOF2
out=$("$PROBED" -n -f "$tmp/good.conf" 2>&1)
is "$?:$out" "0:" "a hijack section with every key: -n exits 0"

bad()
{
	{ head; printf '[probe "h"]\ntype = hijack\ntarget = www.example.test\n%s\n' "$1"; } \
		>"$tmp/bad.conf"
	out=$("$PROBED" -n -f "$tmp/bad.conf" 2>&1)
	rc=$?
	case "$rc:$out" in
	1:*"$2"*) ok 0 "$3" ;;
	*) ok 1 "$3"; diag "rc $rc: $out" ;;
	esac
}
bad "count = 3" "count: is not a key of a hijack probe" "count is refused for hijack"
bad "port = 53" "port: is not a key of a hijack probe" "port is refused for hijack"
bad "ttl = 9" "ttl: is not a key of a hijack probe" "ttl is refused for hijack"
bad "not-bogon = 10.0.0.0/33" "not-bogon" "a bad not-bogon prefix is refused"
bad "references = @192.0.2.53" "references" "a reference with @ (the command line's form) is refused"
{ head; printf '[probe "p"]\ntype = ping\ntarget = 192.0.2.1\nreferences = 192.0.2.53\n'; } >"$tmp/bad.conf"
out=$("$PROBED" -n -f "$tmp/bad.conf" 2>&1)
case "$?:$out" in 1:*"references: is not a key of a ping probe"*) ok 0 "references is refused for ping" ;;
*) ok 1 "references is refused for ping"; diag "$out" ;; esac
{ head; printf '[probe "p"]\ntype = nosuch\ntarget = 192.0.2.1\n'; } >"$tmp/bad.conf"
out=$("$PROBED" -n -f "$tmp/bad.conf" 2>&1)
case "$?:$out" in 1:*"is not a probe type"*) ok 0 "an unknown type is reported, no crash" ;;
*) ok 1 "an unknown type is reported, no crash"; diag "$out" ;; esac
done_testing
