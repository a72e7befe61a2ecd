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
web_nginx || bail "nginx did not start"
CA=$WEB_PKI/ca.pem
sha() { sha256sum "$1" | cut -d' ' -f1; }

plan 8
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
done_testing
