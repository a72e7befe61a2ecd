#!/bin/bash
# tls-verify: outpost-probe tls against a real nginx in a namespace with a
# test CA: a valid certificate (subject, issuer, expiry as openssl reads
# them from the file, verified by name, IPv4 and IPv6 address), an expired
# one, a wrong name, a self-signed one, --insecure, --sni, the system
# store, a refused port, a server that never handshakes, a name that does
# not resolve; handshake times next to curl's on the same server.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/web-lib.sh"
require_root
for t in nginx openssl curl jq python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done

web_world || bail "cannot build the namespaces"
web_certs || bail "cannot make the test certificates"
web_nginx || bail "nginx did not start"
CA=$WEB_PKI/ca.pem

# What openssl says about a certificate file, for comparison.
pem_subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
pem_issuer() { openssl x509 -in "$1" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//'; }
pem_end() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" +%s; }
# Whole days from now to notAfter, rounded down, as the probe counts them.
pem_days() { python3 -c "import math,sys,time; print(math.floor((int(sys.argv[1]) - time.time()) / 86400))" "$(pem_end "$1")"; }

# --- a valid certificate, by name ---
probe tls --json --ca-file "$CA" www.test
is "$PROBE_RC" 0 "valid: exit 0"
printf '%s\n' "$PROBE_OUT" | jq -e . >/dev/null 2>&1
ok $? "valid: the output is one JSON object"
is "$(jget '.outcome + " " + .state + " " + (.verified|tostring) + " " + .verify')" \
	"reached verified true ok" "valid: reached, verified, verify 'ok'"
is "$(jget '.dst + " " + .src + " " + (.port|tostring) + " " + .sni')" \
	"10.9.1.2 10.9.1.1 443 www.test" "valid: dst, src, port and SNI"
is "$(jget .subject)" "$(pem_subject "$WEB_PKI/valid.pem")" "valid: subject as openssl prints it"
is "$(jget .issuer)" "$(pem_issuer "$WEB_PKI/valid.pem")" "valid: issuer as openssl prints it"
is "$(date -u -d "$(jget .not_after)" +%s)" "$(pem_end "$WEB_PKI/valid.pem")" \
	"valid: not_after is the certificate's notAfter"
want=$(pem_days "$WEB_PKI/valid.pem")
is "$(jget .days_left) $want" "20 20" "valid: days_left 20, as the file's notAfter gives"
is "$(jget '.san | join(" ")')" "DNS:www.test DNS:alt.test IP:10.9.1.2 IP:2001:db8:9::2" \
	"valid: the subjectAltNames"
is "$(jget .protocol)" "TLSv1.3" "valid: TLS 1.3 negotiated"
like "$(jget .cipher)" '^TLS_' "valid: a TLS 1.3 cipher suite"
ok "$(jget '(.connect_ms > 0 and .handshake_ms > 0 and .handshake_ms < 1000 and .rtt.last == .handshake_ms)' | grep -qx true; echo $?)" \
	"valid: connect and handshake times positive, rtt is the handshake"
for f in type target host port dst src sni outcome state connect_ms handshake_ms protocol \
	cipher subject issuer san not_after days_left verified verify sent received loss dup late rtt; do
	jget "has(\"$f\")" | grep -qx true || { diag "missing $f"; miss=1; }
done
ok "${miss:-0}" "valid: every documented field is there"

probe tls --ca-file "$CA" www.test
like "$PROBE_OUT" 'www\.test \(10\.9\.1\.2\): TLSv1\.3 .*handshake [0-9.]+ ms' \
	"valid: the human line names protocol and handshake time"
like "$PROBE_OUT" 'verify: ok' "valid: the human output says verified"

# --- by address: no SNI, the address checked against the IP SANs ---
probe tls --json --ca-file "$CA" 10.9.1.2
is "$PROBE_RC $(jget '.sni|tostring') $(jget .state)" "0 null verified" \
	"IPv4 literal: verified against IP:10.9.1.2 without SNI"
probe tls --json --ca-file "$CA" '[2001:db8:9::2]:443'
is "$PROBE_RC $(jget .dst) $(jget .state)" "0 2001:db8:9::2 verified" \
	"IPv6 literal in brackets: verified against its IP SAN"

# --- bound to a path ---
probe tls --json -I eth0 --ca-file "$CA" www.test
is "$PROBE_RC $(jget .interface) $(jget .state)" "0 eth0 verified" "-I eth0: bound, and reported"
ns_exec c ip addr add 10.9.1.11/24 dev eth0
probe tls --json -S 10.9.1.11 --ca-file "$CA" www.test
is "$PROBE_RC $(jget .src)" "0 10.9.1.11" "-S: the handshake leaves from that source"

# --- expired ---
probe tls --json --ca-file "$CA" -p 8443 www.test
is "$PROBE_RC" 1 "expired: exit 1"
is "$(jget '.outcome + " " + .state + " " + .verify')" \
	"unreachable verify-failed certificate has expired" "expired: verify says so"
want=$(pem_days "$WEB_PKI/expired.pem")
is "$(jget .days_left) $want" "-4 -4" "expired: days_left -4 (three and a half days ago)"
like "$(jget .error)" 'certificate has expired' "expired: error names the reason"

probe tls --json --insecure --ca-file "$CA" -p 8443 www.test
is "$PROBE_RC $(jget .outcome) $(jget .state) $(jget .verified)" "0 reached unverified false" \
	"expired with --insecure: reached, but reported unverified"
probe tls --insecure --ca-file "$CA" -p 8443 www.test
like "$PROBE_OUT" 'verify: certificate has expired \(ignored: --insecure\)' \
	"expired with --insecure: the human output says it was ignored"

# --- wrong name ---
probe tls --json --ca-file "$CA" -p 9443 www.test
is "$PROBE_RC $(jget .state)" "1 verify-failed" "wrong name: exit 1, verify-failed"
is "$(jget .verify)" "hostname mismatch" "wrong name: hostname mismatch"
is "$(jget .subject)" "$(pem_subject "$WEB_PKI/wrong.pem")" "wrong name: the certificate shown is the server's"
probe tls --json --ca-file "$CA" --sni other.test -p 9443 www.test
is "$PROBE_RC $(jget .sni) $(jget .state)" "0 other.test verified" \
	"--sni other.test: that name is sent and checked"

# --- self-signed ---
probe tls --json --ca-file "$CA" -p 10443 www.test
is "$PROBE_RC $(jget .state)" "1 verify-failed" "self-signed: exit 1, verify-failed"
is "$(jget .verify)" "self-signed certificate" "self-signed: says so"
is "$(jget .issuer)" "$(jget .subject)" "self-signed: issuer is the subject"

# --- the system store knows nothing of the test CA ---
probe tls --json www.test
is "$PROBE_RC $(jget .state)" "1 verify-failed" "system store: the test CA is unknown"
like "$(jget .verify)" 'local issuer' "system store: unable to get the local issuer"

# --- several handshakes, and curl's view of the same server ---
probe tls --json -c 5 -i 50ms --ca-file "$CA" www.test
is "$(jget '[.sent, .received, .loss] | map(tostring) | join(" ")')" "5 5 0" "-c 5: five handshakes, all verified"
ours=$(jget .rtt.p50)
theirs=$(for i in 1 2 3 4 5; do
	ns_exec c curl -s -o /dev/null --cacert "$CA" -w '%{time_connect} %{time_appconnect}\n' \
		https://www.test/
done | awk '{ print ($2 - $1) * 1000 }' | sort -n | sed -n 3p)
diag "handshake p50: outpost-probe $ours ms, curl $theirs ms"
ok "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { exit !(a > 0 && b > 0 && a < b * 5 + 10 && b < a * 5 + 10) }'; echo $?)" \
	"handshake median within generous bounds of curl's on the same server"

# --- interrupted: what was done so far is reported ---
# ip netns exec directly (not the ns_exec function, whose subshell would
# get the signal); a script's background job starts with SIGINT ignored,
# which env undoes.
ip netns exec "$(ns c)" env --default-signal=INT "$PROBE" tls --json -c 1000 -i 100ms --ca-file "$CA" www.test \
	>"$NETNS_TMP/int.out" 2>&1 &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
PROBE_OUT=$(cat "$NETNS_TMP/int.out")
is "$rc $(jget .outcome)" "0 reached" "SIGINT: exit 0 with the result so far"
ok "$(jget '.sent >= 5 and .sent <= 20 and .received == .sent' | grep -qx true; echo $?)" \
	"SIGINT: only the finished handshakes are counted ($(jget .sent))"

# --- failures before any certificate ---
probe tls --json -p 444 www.test
is "$PROBE_RC $(jget .state)" "1 connect-failed" "refused port: connect-failed"
like "$(jget .error)" 'refused' "refused port: says refused"
ns_exec s python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.9.1.2", 7443)); s.listen(8)
c = [s.accept() for _ in range(1)]
time.sleep(30)' &
NETNS_PIDS+=($!)
wait_until 5 ns_exec c bash -c '(exec 3<>/dev/tcp/10.9.1.2/7443) 2>/dev/null' >/dev/null
start=$SECONDS
probe tls --json -W 500ms -p 7443 www.test
is "$PROBE_RC $(jget .state)" "1 timeout" "a server that never answers the ClientHello: timeout"
like "$(jget .error)" 'during handshake' "timeout: the error names the handshake"
ok "$([ $((SECONDS - start)) -lt 5 ]; echo $?)" "timeout: -W 500ms is honoured"

probe tls --json nosuch.test
is "$PROBE_RC $(jget .outcome) $(jget '.dst|tostring')" "2 unresolved null" "unknown name: exit 2, unresolved"

probe tls 'bad:host:port'
is "$PROBE_RC" 3 "a bad target is refused with exit 3"
like "$PROBE_ERR" 'host\[:port\]' "the refusal says what a target looks like"

done_testing
