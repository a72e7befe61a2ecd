#!/bin/bash
# p2p-webseed.sh: a get with nothing but a web seed (BEP 19): nginx in
# origin, no peers, no tracker, --no-lsd.
#  - http://: completes, right SHA-256, "done" says from_webseeds = size,
#    and nginx's access log (bytes of every response body) sums to the
#    size: nothing fetched twice;
#  - https:// with the test CA (--ca-file): the same;
#  - https:// without --ca-file: the certificate is not trusted, no byte
#    is verified, --stall gives up with exit 1;
#  - keep-alive: over http and https, nginx logs many range requests on
#    at most 2 connections ($connection in the log);
#  - nginx on :8080 closes each connection after 2 requests: still the
#    right SHA-256, nothing fetched twice, and nginx did close them;
#  - a web seed without the file (404): asked once, a warning names the
#    URL and the status, and the get gives up (--stall) with exit 1;
#  - a web seed that ignores Range (Python's http.server answers 200
#    with the whole file): asked once, cut off before the whole file,
#    a warning says why, exit 1.
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
run_ok "create with a web seed that closes connections" "$P2P" create "$T/www/data" \
	-o "$T/close.torrent" --webseed "$P2P_WEB:8080/"
run_ok "create with a web seed that lacks the files" "$P2P" create "$T/www/data" \
	-o "$T/missing.torrent" --webseed "$P2P_WEB/missing/"

# keep_alive WHAT MARK: many requests after MARK, on 2 connections at most.
keep_alive()
{
	local rc
	read -r rc conns <<<"$(p2p_origin_conns "$2")"
	diag "$1: $rc requests on $conns connections"
	ok "$([ "$rc" -ge 4 ] && [ "$conns" -ge 1 ] && [ "$conns" -le 2 ]; echo $?)" \
		"$1: $rc range requests on $conns connection(s) (keep-alive)"
}

mark=$(p2p_origin_lines)
run_ok "http: get from the web seed alone" p2p_get p1 "$T/http.torrent" -o "$T/o1" \
	--no-lsd --no-trackers --stall 20s --json
is "$(p2p_sha "$T/o1/data")" "$want" "http: right SHA-256"
is "$(p2p_jget "$(p2p_last p1)" from_webseeds)" "$size" "http: done counts it all from web seeds"
is "$(p2p_origin_bytes)" "$size" "http: nginx sent exactly the size"
keep_alive http "$mark"

before=$(p2p_origin_bytes)
run_fails "https without the CA: refused" p2p_get p1 "$T/https.torrent" -o "$T/o3" \
	--no-lsd --no-trackers --stall 4s --quiet
is "$RUN_STATUS" 1 "... exit 1"
is "$(p2p_origin_bytes)" "$before" "... and nginx sent no body"

mark=$(p2p_origin_lines)
run_ok "https: get with --ca-file" p2p_get p1 "$T/https.torrent" -o "$T/o2" \
	--no-lsd --no-trackers --stall 20s --ca-file "$T/pki/ca.pem" --json
is "$(p2p_sha "$T/o2/data")" "$want" "https: right SHA-256"
is "$(p2p_jget "$(p2p_last p1)" from_webseeds)" "$size" "https: all from the web seed"
is "$(($(p2p_origin_bytes) - before))" "$size" "https: nginx sent exactly the size"
keep_alive https "$mark"

# nginx ends each connection after its second request (Connection: close
# on the answer) and after 1 s idle: the web seed must open a new one
# each time, and never fetch a byte twice.
before=$(p2p_origin_bytes)
mark=$(p2p_origin_lines)
run_ok "closing server: get from the web seed alone" p2p_get p1 "$T/close.torrent" -o "$T/o4" \
	--no-lsd --no-trackers --stall 20s --json
is "$(p2p_sha "$T/o4/data")" "$want" "closing server: right SHA-256"
is "$(($(p2p_origin_bytes) - before))" "$size" "closing server: nginx sent exactly the size"
read -r rc conns <<<"$(p2p_origin_conns "$mark")"
diag "closing server: $rc requests on $conns connections"
ok "$([ "$rc" -ge 4 ] && [ $((conns * 2)) -ge "$rc" ]; echo $?)" \
	"closing server: nginx did close them ($conns connections for $rc requests)"

# 404: the seed does not have the file; asking again would not help.
mark=$(p2p_origin_lines)
run_fails "missing files: the get gives up" p2p_get p1 "$T/missing.torrent" -o "$T/o5" \
	--no-lsd --no-trackers --stall 5s --json
is "$RUN_STATUS" 1 "... exit 1"
is "$(tail -n +$((mark + 1)) "$T/nginx/access.log" | grep -c '^404 .*GET /missing/')" 1 \
	"missing files: asked once, not again"
like "$(p2p_event_texts p1 warning)" "HTTP 404 for $P2P_WEB/missing/data/.*not asking" \
	"missing files: a warning names the URL and the status"

# Python's http.server ignores Range: each answer is the whole file
bg_run origin python3 -m http.server 8081 --bind "$P2P_ORIGIN4" --directory "$T/www" \
	>"$T/norange.log" 2>&1
wait_until 10 p2p_port_open origin "$P2P_ORIGIN4" 8081 || diag "http.server did not come up"
run_ok "create with a web seed that ignores Range" "$P2P" create "$T/www/data" \
	-o "$T/norange.torrent" --webseed "$P2P_WEB:8081/"
tx0=$(p2p_tx_bytes origin)
run_fails "no Range: the get gives up" p2p_get p1 "$T/norange.torrent" -o "$T/o6" \
	--no-lsd --no-trackers --stall 5s --json
tx=$(($(p2p_tx_bytes origin) - tx0))
is "$(grep -c '"GET /data/[^ ]* HTTP/1.1" 200' "$T/norange.log")" 1 "no Range: asked once, not again"
diag "no Range: the origin sent $tx bytes of a $size-byte file"
ok "$([ "$tx" -lt "$size" ]; echo $?)" "no Range: less than the file once left the origin"
like "$(p2p_event_texts p1 warning)" "$P2P_WEB:8081/: the server ignores Range.*not asking" \
	"no Range: a warning names the URL and says why"
done_testing
