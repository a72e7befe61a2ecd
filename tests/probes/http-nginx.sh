#!/bin/bash
# http-nginx: outpost-probe http against a real nginx in a namespace: the
# status, size and SHA-256 of what nginx serves (sha256sum of the file),
# a content-length and a chunked (SSI) body, redirects followed with -L
# and reported without, HTTPS with the test CA, phase times in order and
# next to curl -w on the same URLs, and what nginx logged of the request.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/web-lib.sh"
require_root
for t in nginx openssl curl jq sha256sum; do
	command -v $t >/dev/null || skip_all "needs $t"
done

web_world || bail "cannot build the namespaces"
web_certs || bail "cannot make the test certificates"
echo "hello from nginx" >"$WEB_ROOT/hello.txt"
head -c 3145728 /dev/urandom >"$WEB_ROOT/big.bin"
mkdir -p "$WEB_ROOT/ssi"
for i in $(seq 200); do echo "line $i of an included part"; done >"$WEB_ROOT/ssi/part.txt"
printf 'before\n<!--# include file="part.txt" -->\nbetween\n<!--# include file="part.txt" -->\nafter\n' \
	>"$WEB_ROOT/ssi/page.txt"
web_nginx || bail "nginx did not start"
CA=$WEB_PKI/ca.pem
VERSION=$("$PROBE" --version | awk '{ print $NF }')

sha() { sha256sum "$1" | cut -d' ' -f1; }
# The phases of the first output line, in order, must not go backwards.
phases_ordered()
{
	jget '[.namelookup_ms, .connect_ms, (.tls_ms // .connect_ms), .ttfb_ms, .total_ms] as $p
	      | ($p | all(. >= 0)) and ($p == ($p | sort)) and (.redirect_ms <= .total_ms)'
}

# --- a content-length body ---
probe http --json http://www.test/big.bin
is "$PROBE_RC" 0 "big.bin: exit 0"
is "$(jget '.outcome + " " + (.status|tostring) + " " + .framing')" "reached 200 content-length" \
	"big.bin: reached, 200, content-length framing"
is "$(jget .size) $(jget .content_length)" "3145728 3145728" "big.bin: size and Content-Length are the file's"
is "$(jget .sha256)" "$(sha "$WEB_ROOT/big.bin")" "big.bin: body SHA-256 equals sha256sum of the file"
is "$(jget '.tls_ms|tostring')" "null" "http://: no TLS phase"
is "$(phases_ordered)" "true" "big.bin: namelookup <= connect <= ttfb <= total"
ok "$(jget '.throughput > 0 and ((.throughput - (.size * 1000 / .total_ms)) / .throughput | fabs) < 0.001' | grep -qx true; echo $?)" \
	"big.bin: throughput is size over total time"
for f in type target url dst src outcome state status http_version reason framing head_bytes \
	sha256 size content_length redirects namelookup_ms connect_ms tls_ms ttfb_ms redirect_ms \
	total_ms throughput sent received loss dup late rtt; do
	jget "has(\"$f\")" | grep -qx true || { diag "missing $f"; miss=1; }
done
ok "${miss:-0}" "every documented field is there"
line=$(web_log | grep 'big.bin' | tail -n1)
like "$line" "^80 - - 200 \"GET /big.bin HTTP/1.1\" \"www.test\" \"outpost-probe/$VERSION\"$" \
	"nginx saw GET /big.bin HTTP/1.1 with Host www.test and our User-Agent"

# curl on the same URL, same run: totals of the same order.
curl_total=$(ns_exec c curl -s -o /dev/null -w '%{time_total}' http://www.test/big.bin)
ours=$(jget .total_ms)
diag "big.bin total: outpost-probe $ours ms, curl $(awk -v t="$curl_total" 'BEGIN { print t * 1000 }') ms"
ok "$(awk -v a="$ours" -v t="$curl_total" 'BEGIN { b = t * 1000; exit !(a > 0 && a < b * 5 + 50 && b < a * 5 + 50) }'; echo $?)" \
	"big.bin: total time within generous bounds of curl's"

# --- a chunked body (SSI output has no length) ---
probe http --json http://www.test/ssi/page.txt
ns_exec c curl -s -o "$NETNS_TMP/ssi.curl" http://www.test/ssi/page.txt
is "$PROBE_RC $(jget .framing)" "0 chunked" "SSI page: chunked framing"
is "$(jget .size)" "$(stat -c %s "$NETNS_TMP/ssi.curl")" "SSI page: size equals what curl got"
is "$(jget .sha256)" "$(sha "$NETNS_TMP/ssi.curl")" "SSI page: SHA-256 equals curl's body"
ok "$(jget '.chunks >= 1 and (has("content_length") | not)' | grep -qx true; echo $?)" \
	"SSI page: chunks counted, no Content-Length"

# --- redirects ---
probe http --json http://www.test/moved
is "$PROBE_RC $(jget .status) $(jget .redirects)" "0 302 0" "no -L: the 302 is the answer"
is "$(jget .location)" "http://www.test/hello.txt" "no -L: its Location is reported"
probe http http://www.test/moved
like "$PROBE_OUT" 'location http://www.test/hello.txt \(not followed' "no -L: the human output says so"
probe http --json -L http://www.test/moved
is "$PROBE_RC $(jget .status) $(jget .redirects) $(jget .url)" "0 200 1 http://www.test/hello.txt" \
	"-L: followed once to hello.txt"
is "$(jget .sha256)" "$(sha "$WEB_ROOT/hello.txt")" "-L: the final body's SHA-256"
is "$(phases_ordered)" "true" "-L: phases ordered, redirect time inside the total"
want=$(ns_exec c curl -s -L -o /dev/null -w '%{num_redirects} %{url_effective}' http://www.test/moved)
is "$(jget '(.redirects|tostring) + " " + .url')" "$want" "-L: curl -L counts and ends the same"
probe http --json -L http://www.test/moved-abs
is "$(jget .url) $(jget .framing)" "http://www.test/ssi/page.txt chunked" "-L: an absolute Location"
probe http --json -L --max-redirs 3 http://www.test/loop
is "$PROBE_RC $(jget .state)" "1 redirect" "a redirect loop: stopped"
like "$(jget .error)" 'more than 3 redirects' "a redirect loop: after --max-redirs"
probe http --json -L --ca-file "$CA" http://www.test/to-https
is "$PROBE_RC $(jget .url) $(jget .tls.verified)" "0 https://www.test/hello.txt true" \
	"-L: from http to https, verified"

# --- HTTPS ---
: >"$NETNS_TMP/nginx/access.log.mark"
probe http --json --ca-file "$CA" https://www.test/hello.txt
is "$PROBE_RC $(jget .status) $(jget .sha256)" "0 200 $(sha "$WEB_ROOT/hello.txt")" \
	"https: 200 and the file's SHA-256"
is "$(phases_ordered)" "true" "https: namelookup <= connect <= tls <= ttfb <= total"
ok "$(jget '.tls_ms > .connect_ms' | grep -qx true; echo $?)" "https: the handshake takes time after connect"
is "$(jget '.tls.protocol + " " + .tls.verify')" "TLSv1.3 ok" "https: TLS 1.3, verified"
like "$(web_log | grep 'hello.txt' | tail -n1)" '^443 www\.test TLSv1\.3 200 "GET /hello\.txt' \
	"nginx saw SNI www.test over TLS 1.3"
read -r c_conn c_tls c_ttfb c_total < <(ns_exec c curl -s -o /dev/null --cacert "$CA" \
	-w '%{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}\n' \
	https://www.test/hello.txt)
diag "https phases: outpost-probe $(jget '[.connect_ms, .tls_ms, .ttfb_ms, .total_ms] | map(tostring) | join(" ")') ms"
diag "              curl $(awk -v a="$c_conn" -v b="$c_tls" -v c="$c_ttfb" -v d="$c_total" 'BEGIN { print a*1000, b*1000, c*1000, d*1000 }') ms"
ok "$(awk -v a="$(jget .total_ms)" -v t="$c_total" 'BEGIN { b = t * 1000; exit !(a > 0 && a < b * 5 + 20 && b < a * 5 + 20) }'; echo $?)" \
	"https: total within generous bounds of curl's"

probe http --json --ca-file "$CA" https://www.test/big.bin
is "$PROBE_RC $(jget .size) $(jget .sha256)" "0 3145728 $(sha "$WEB_ROOT/big.bin")" \
	"https big.bin: every byte through TLS, the file's SHA-256"

before=$(web_log | grep -c '^8443 ')
probe http --json --ca-file "$CA" https://www.test:8443/hello.txt
is "$PROBE_RC $(jget .state)" "1 verify" "https, expired certificate: fails at verify"
like "$(jget .error)" 'certificate has expired' "https, expired: the reason"
is "$(web_log | grep -c '^8443 ')" "$before" "https, expired: no request was sent"
probe http --json -k --ca-file "$CA" https://www.test:8443/hello.txt
is "$PROBE_RC $(jget .status) $(jget .tls.verified)" "0 200 false" "https, expired, -k: fetched, reported unverified"

# --- the rest ---
probe http --json http://www.test/nope
is "$PROBE_RC $(jget .outcome) $(jget .status)" "1 unreachable 404" "404: unreachable with the status"
probe http --json 'http://[2001:db8:9::2]/hello.txt'
is "$PROBE_RC $(jget .dst)" "0 2001:db8:9::2" "IPv6 literal URL"
like "$(web_log | tail -n1)" '"\[2001:db8:9::2\]" "outpost-probe/' "IPv6: Host carries the brackets"
probe http --json -c 3 -i 50ms http://www.test/hello.txt
is "$(jget '[.sent, .received] | map(tostring) | join(" ")')" "3 3" "-c 3: three fetches"
ok "$(jget '.rtt.last == .total_ms' | grep -qx true; echo $?)" "-c 3: rtt is over total times"
probe http --json -p 8080 http://www.test/hello.txt
is "$PROBE_RC $(jget .state)" "1 connect" "-p replaces the scheme's port (nothing on 8080)"
probe http ftp://www.test/
is "$PROBE_RC" 3 "a non-http URL is refused with exit 3"

done_testing
