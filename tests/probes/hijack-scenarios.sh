#!/bin/bash
# hijack-scenarios: each hijack kind alone against outpost-probe hijack in
# the DNS world, the lying resolver (tests/tools/dns-liar.py) in front of
# the honest dnsmasq:
#   - wrong answers (an address nothing serves): hijacked, consistency
#     fails, the rest pass;
#   - the genuine address of another name (other.example.test's HTTPS
#     server): its certificate does not match, so it is not cleared
#     (verify-failed, hostname mismatch): hijacked by consistency;
#   - a disjoint address that presents a valid certificate for the name
#     (another server of the same site): cleared, clean;
#   - NXDOMAIN rewritten to an "ad server": hijacked, nxdomain fails;
#   - a bogon (192.168.77.77): hijacked, bogons fails with its class;
#   - TTLs of a week: suspect, only ttl fails;
#   - a DoT reference with a certificate for the wrong name: the reference
#     is unusable, the verdict suspect (never clean, never hijacked).
. "$top_srcdir/tests/probes/hijack-lib.sh"
require_root
for t in dnsmasq dig jq stunnel nginx openssl python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done
dns_world || bail "cannot build the namespaces"
dns_honest || bail "dnsmasq did not answer"
dns_certs || bail "cannot make the test PKI"
dns_https || bail "nginx did not start"

REFS=(--ref "@$DNS_RESOLVER" --ca-file "$DNS_PKI/ca.pem" --not-bogon "$HONEST_NET" -W 2s)
# checks: every check's status, in order.
checks() { jv '[.checks.consistency, .checks.injection, .checks.nxdomain, .checks.bogons, .checks.ttl] | map(.status) | join(",")'; }
# liar MODE ARGS: (re)start the lying resolver.
liar()
{
	dns_liar_stop
	dns_liar "$@" || bail "dns-liar $1 did not start"
}

liar wrong --name www.example.test --addr 10.53.9.9
hijack www.example.test "@$DNS_LIAR" "${REFS[@]}"
is "$RC/$(jv .verdict)" 1/hijacked "wrong answer: hijacked, exit 1"
is "$(checks)" fail,pass,pass,pass,pass "wrong answer: only consistency fails"
is "$(jv '.checks.consistency.not_cleared | map(.addr) | join(",")')" 10.53.9.9 \
	"the lie is named as not cleared"
grep -q 'www.example.test 1 lied' "$NETNS_TMP/liar.log"
ok $? "the liar really lied to this query (its log)"

liar wrong --name www.example.test --addr "$DNS_OTHER"
hijack www.example.test "@$DNS_LIAR" "${REFS[@]}"
is "$RC/$(jv .verdict)" 1/hijacked "another name's genuine address: hijacked"
is "$(checks)" fail,pass,pass,pass,pass "another name's address: only consistency fails"
is "$(jv '.checks.consistency.not_cleared[0] | .addr + " " + .state')" "$DNS_OTHER verify-failed" \
	"the handshake reached other.example.test's server and its certificate failed"
case $(jv '.checks.consistency.not_cleared[0].why') in
*hostname*) ok 0 "the reason is the name mismatch" ;;
*) ok 1 "the reason is the name mismatch: $(jv '.checks.consistency.not_cleared[0].why')" ;;
esac
grep -q "client: 10.53.1.1, server: $DNS_OTHER:443" "$NETNS_TMP/nginx/error.log"
ok $? "nginx on $DNS_OTHER saw the client's handshake"

# Disjoint but genuine (a CDN's other server): 10.53.2.12 serves a valid
# www.example.test certificate, so the handshake clears it: clean.
addr_add s eth0 10.53.2.12/24 || bail "cannot add 10.53.2.12"
bg_run s openssl s_server -quiet -accept 10.53.2.12:443 -cert "$DNS_PKI/www.pem" \
	-key "$DNS_PKI/www.key" -www >"$NETNS_TMP/s_server.out" 2>&1
wait_until 10 ns_exec c bash -c "exec 3<>/dev/tcp/10.53.2.12/443" 2>/dev/null ||
	bail "openssl s_server did not start"
liar wrong --name www.example.test --addr 10.53.2.12
hijack www.example.test "@$DNS_LIAR" "${REFS[@]}"
is "$RC/$(jv .verdict)" 0/clean "disjoint answer with a valid certificate for the name: clean"
is "$(jv '.checks.consistency | .status + " " + (.common | length | tostring) + " " + (.cleared | map(.addr + "=" + .state) | join(","))')" \
	"pass 0 10.53.2.12=verified" "no address in common, but cleared by the handshake"

liar nxad
hijack www.example.test "@$DNS_LIAR" "${REFS[@]}"
is "$RC/$(jv .verdict)" 1/hijacked "NXDOMAIN rewriting: hijacked"
is "$(checks)" pass,pass,fail,pass,pass "NXDOMAIN rewriting: only nxdomain fails"
is "$(jv '[.checks.nxdomain.names[] | select(.rcode == "NOERROR" and .ref_rcode == "NXDOMAIN") | .answers[0].addr] | unique | join(",")')" \
	10.53.9.80 "every random name got the ad server while the reference said NXDOMAIN"

liar bogon --name www.example.test --addr 192.168.77.77
hijack www.example.test "@$DNS_LIAR" "${REFS[@]}"
is "$RC/$(jv .verdict)" 1/hijacked "bogon answer: hijacked"
is "$(jv '.checks.bogons.status + " " + (.checks.bogons.bogons | map(.addr + "=" + .class) | join(","))')" \
	"fail 192.168.77.77=private" "bogon answer: bogons fails naming the address and its class"
is "$(jv '.checks.nxdomain.status + .checks.ttl.status')" passpass "bogon answer: nxdomain and ttl pass"

# The rule's limit is 2 * the honest TTL (dig's) + 300: the liar forwards
# the truth with every TTL set to a week.
ref_ttl=$(ns_exec c dig +noall +answer "@$DNS_RESOLVER" www.example.test A | awk '{ print $2; exit }')
liar ttl --ttl 604800
hijack www.example.test "@$DNS_LIAR" --ref "@$DNS_RESOLVER" --ca-file "$DNS_PKI/ca.pem" \
	--not-bogon "$HONEST_NET" -W 2s
is "$RC/$(jv .verdict)" 1/suspect "TTL of a week against ${ref_ttl}: suspect, exit 1"
is "$(checks)" pass,pass,pass,pass,fail "TTL anomaly: only ttl fails"
is "$(jv '(.checks.ttl.tested|tostring) + "/" + (.checks.ttl.reference|tostring)')" "604800/$ref_ttl" \
	"the TTLs compared (the reference's equals dig's)"

# A DoT reference whose certificate is for another name.
dns_dot wrong || bail "stunnel did not start"
hijack www.example.test "@$DNS_RESOLVER" --dot "$DNS_RESOLVER#dot.example.test" \
	--ca-file "$DNS_PKI/ca.pem" --not-bogon "$HONEST_NET" -W 2s
is "$RC/$(jv .verdict)" 1/suspect "DoT reference with the wrong certificate: suspect"
is "$(jv '.references[0] | .kind + " " + .status')" "dot unusable" "the reference is reported unusable"
is "$(jv .checks.consistency.status)" suspect "consistency could not conclude"
grep -q 'Service \[dot\] accepted' "$NETNS_TMP/stunnel.log"
ok $? "the DoT server saw the connection (its log)"
done_testing
