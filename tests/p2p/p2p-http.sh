#!/bin/bash
# p2p-http.sh: the net part's HTTP client (p2p_http_get_start, what
# fetches .torrent URLs and carries tracker requests) against a real
# nginx in a namespace: the bytes must hash as the file on disk, over
# HTTP and verified HTTPS, redirects followed and capped, errors named.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/web-lib.sh"
CHECK=$top_builddir/tests/tools/p2p-net-check
PATH=$PATH:/usr/sbin

require_root
require_cmd nginx openssl sha256sum
web_world || bail "cannot build the namespaces"
web_certs || bail "cannot make the test certificates"
head -c 1048577 /dev/urandom >"$WEB_ROOT/t.torrent"
echo "hello from nginx" >"$WEB_ROOT/hello.txt"
mkdir -p "$WEB_ROOT/seed/dir/sub"
head -c 40000 /dev/urandom >"$WEB_ROOT/seed/dir/a b.bin"
head -c 30000 /dev/urandom >"$WEB_ROOT/seed/dir/sub/c.bin"
A=$WEB_ROOT/seed/dir/a\ b.bin C=$WEB_ROOT/seed/dir/sub/c.bin
web_nginx || bail "nginx did not start"
CA=$WEB_PKI/ca.pem
sha() { sha256sum "$1" | cut -d' ' -f1; }

plan 17
get() { OUT=$(ns_exec c "$CHECK" get "$@" 2>&1); RC=$?; }

get http://www.test/t.torrent
is "$OUT" "ok 1048577 $(sha "$WEB_ROOT/t.torrent")" "http: the bytes of the file"
get https://www.test/t.torrent "$CA"
is "$OUT" "ok 1048577 $(sha "$WEB_ROOT/t.torrent")" "https with the test CA: the bytes of the file"
get "http://[2001:db8:9::2]/hello.txt"
is "$OUT" "ok 17 $(sha "$WEB_ROOT/hello.txt")" "http to an IPv6 literal"
get http://www.test/moved
is "$OUT" "ok 17 $(sha "$WEB_ROOT/hello.txt")" "a redirect is followed"
get http://www.test/loop
like "$OUT" "^error .* too many redirects$" "a redirect loop stops"
get http://www.test/nothing-here
like "$OUT" "^error .* HTTP status 404$" "404 is an error"
get https://www.test:8443/t.torrent "$CA"
is "$RC" 1 "an expired certificate is refused"
get https://www.test:9443/t.torrent "$CA"
is "$RC" 1 "a certificate for another name is refused"

# Web seeds (BEP 19): a piece across two files of a folder, the name
# with a space percent-encoded; pad bytes zero and never requested.
WS() { OUT=$(ns_exec c "$CHECK" webseed "$@" 2>&1); RC=$?; }
WS http://www.test/seed - 32768 1 dir multi "dir/a b.bin:40000" dir/sub/c.bin:30000
want=$( { tail -c +32769 "$A"; head -c 25536 "$C"; } | sha256sum | cut -d' ' -f1)
is "$OUT" "ok 32768 $want 32768" "web seed: a piece spanning two files"
WS https://www.test/seed/ "$CA" 32768 1 dir multi "dir/a b.bin:40000" dir/.pad/8768:8768:pad \
	dir/sub/c.bin:30000
want=$( { tail -c +32769 "$A"; head -c 8768 /dev/zero; head -c 16768 "$C"; } | sha256sum | cut -d' ' -f1)
is "$OUT" "ok 32768 $want 24000" "web seed over https: pad bytes zero, not fetched"
WS http://www.test/seed/dir/sub/ - 32768 0 c.bin single c.bin:30000
is "$OUT" "ok 30000 $(sha "$C") 30000" "web seed: single file, the name appended to a URL ending in /"
ok "$(web_log | grep -c 'GET /seed/dir/a%20b.bin HTTP/1.1' | grep -qx 2; echo $?)" \
	"nginx saw the percent-encoded path"
WS http://www.test/seed - 32768 0 nothing multi nothing/x:100
like "$OUT" "^error .*HTTP 404" "web seed: a missing file fails"
is "$(web_log | grep -c 'GET /seed/nothing/x HTTP/1.1')" 1 \
	"... at once: a 404 is not asked again"

# Keep-alive: the two requests of a piece across two files go on one
# connection. This server closes each connection as its second request
# arrives (a server's idle timeout racing the client): that request is
# sent again at once on a new connection, not backed off as a failure.
KD=$NETNS_TMP/keep-drop.log
bg_run s python3 "$top_srcdir/tests/tools/http-keep-drop.py" 10.9.1.2 8081 "$WEB_ROOT" \
	>"$KD" 2>&1
wait_until 10 ns_exec c bash -c '(exec 3<>/dev/tcp/10.9.1.2/8081) 2>/dev/null' ||
	bail "http-keep-drop.py did not start"
WS http://www.test:8081/seed - 32768 1 dir multi "dir/a b.bin:40000" dir/sub/c.bin:30000
want=$( { tail -c +32769 "$A"; head -c 25536 "$C"; } | sha256sum | cut -d' ' -f1)
is "$OUT" "ok 32768 $want 32768" "web seed: a kept connection closed under a request is retried"
diag "$(cat "$KD")"
first=$(awk '$3 ~ /a%20b.bin$/ && $4 == "answered" { print $1; exit }' "$KD")
read -r dconn dt <<<"$(awk '$3 ~ /c.bin$/ && $4 == "dropped" { print $1, $5; exit }' "$KD")"
read -r aconn at <<<"$(awk '$3 ~ /c.bin$/ && $4 == "answered" { print $1, $5; exit }' "$KD")"
ok "$([ -n "$first" ] && [ "$first" = "${dconn:-x}" ] && [ -n "$aconn" ] &&
	[ "$aconn" != "$dconn" ] && awk -v a="$at" -v d="$dt" 'BEGIN { exit !(a - d < 0.9) }'
	echo $?)" "... on the kept connection first, then at once on a new one (no 1 s backoff)"
is "$(grep -c ' /seed/dir/sub/c.bin answered' "$KD")" 1 "... and answered once: the retry worked"
done_testing
