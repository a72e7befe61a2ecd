#!/bin/bash
# p2p-webseed.sh: a get with nothing but a web seed (BEP 19): nginx in
# origin, no peers, no tracker, --no-lsd.
#  - http://: completes, right SHA-256, "done" says from_webseeds = size,
#    and nginx's access log (bytes of every response body) sums to the
#    size: nothing fetched twice;
#  - https:// with the test CA (--ca-file): the same;
#  - https:// without --ca-file: the certificate is not trusted, no byte
#    is verified, --stall gives up with exit 1.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 1 nginx
p2p_content "$T/www" data 5
want=$(p2p_sha "$T/www/data")
size=$(p2p_size "$T/www/data")
p2p_nginx "$T/www" || bail "no nginx"
run_ok "create with an http web seed" "$P2P" create "$T/www/data" -o "$T/http.torrent" \
	--webseed "$P2P_WEB/"
run_ok "create with an https web seed" "$P2P" create "$T/www/data" -o "$T/https.torrent" \
	--webseed "$P2P_WEBS/"

run_ok "http: get from the web seed alone" p2p_get p1 "$T/http.torrent" -o "$T/o1" \
	--no-lsd --no-trackers --stall 20s --json
is "$(p2p_sha "$T/o1/data")" "$want" "http: right SHA-256"
is "$(p2p_jget "$(p2p_last p1)" from_webseeds)" "$size" "http: done counts it all from web seeds"
is "$(p2p_origin_bytes)" "$size" "http: nginx sent exactly the size"

before=$(p2p_origin_bytes)
run_fails "https without the CA: refused" p2p_get p1 "$T/https.torrent" -o "$T/o3" \
	--no-lsd --no-trackers --stall 4s --quiet
is "$RUN_STATUS" 1 "... exit 1"
is "$(p2p_origin_bytes)" "$before" "... and nginx sent no body"

run_ok "https: get with --ca-file" p2p_get p1 "$T/https.torrent" -o "$T/o2" \
	--no-lsd --no-trackers --stall 20s --ca-file "$T/pki/ca.pem" --json
is "$(p2p_sha "$T/o2/data")" "$want" "https: right SHA-256"
is "$(p2p_jget "$(p2p_last p1)" from_webseeds)" "$size" "https: all from the web seed"
is "$(($(p2p_origin_bytes) - before))" "$size" "https: nginx sent exactly the size"
done_testing
