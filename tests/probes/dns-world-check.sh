#!/bin/bash
# dns-world-check: the DNS test world (tests/probes/dns-world.sh) does what
# the hijack tests rely on, checked with peer tools (dig, openssl):
#   - the honest resolver answers the test zone and NXDOMAINs the rest;
#   - the DoT reference answers over TLS (dig +tls with the test CA and
#     the name), and stunnel logs the connection; the wrong-name one fails
#     dig's verification;
#   - nginx presents a certificate valid for www.example.test at its
#     genuine address and not at other.example.test's;
#   - the liar lies in each mode exactly for the listed names.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/dns-world.sh"
require_root
for t in dnsmasq dig stunnel nginx openssl python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done

dns_world || bail "cannot build the namespaces"
dns_honest || bail "dnsmasq did not answer"
dns_certs || bail "cannot make the test certificates"
dns_dot || bail "stunnel did not start"
dns_dot wrong 8853 || bail "the wrong-name stunnel did not start"
dns_https || bail "nginx did not start"

q() { ns_exec c dig +time=2 +tries=1 "$@" 2>&1; }

is "$(q +noall +answer "@$DNS_RESOLVER" www.example.test A | awk '{print $2, $5}')" \
	"0 $DNS_WWW" "honest: www.example.test (dnsmasq's local TTL 0)"
like "$(q "@$DNS_RESOLVER" nope.example.test A)" "status: NXDOMAIN" "honest: anything else NXDOMAIN"
is "$(q +short "@$DNS_RESOLVER" txt.example.test TXT)" '"outpost test zone"' "honest: TXT"

is "$(q +short +tls +tls-ca="$DNS_PKI/ca.pem" +tls-hostname=dot.example.test \
	"@$DNS_RESOLVER" www.example.test A)" "$DNS_WWW" "DoT: answers over TLS, certificate verified"
grep -q 'accepted connection' "$NETNS_TMP/stunnel.log"
ok $? "DoT: stunnel logged the connection"
isnt "$(q +short +tls +tls-ca="$DNS_PKI/ca.pem" +tls-hostname=dot.example.test -p 8853 \
	"@$DNS_RESOLVER" www.example.test A)" "$DNS_WWW" "DoT with the wrong name: dig's verification fails"

v() {
	ns_exec c openssl s_client -connect "$1:443" -servername www.example.test \
		-verify_hostname www.example.test -CAfile "$DNS_PKI/ca.pem" </dev/null 2>/dev/null |
		sed -n 's/^ *Verify return code: \([0-9]*\).*/\1/p'
}
is "$(v "$DNS_WWW")" 0 "HTTPS: the genuine address presents a certificate valid for the name"
isnt "$(v "$DNS_OTHER")" 0 "HTTPS: other.example.test's address does not"

dns_liar wrong --name www.example.test || bail "liar did not start"
is "$(q +short "@$DNS_LIAR" www.example.test A)" 10.53.9.9 "liar wrong: a wrong address"
is "$(q +short "@$DNS_LIAR" mail.example.test A)" 10.53.2.25 "liar wrong: other names forwarded"
dns_liar_stop
dns_liar bogon --name www.example.test || bail "liar did not start"
is "$(q +short "@$DNS_LIAR" www.example.test A)" 192.168.77.77 "liar bogon: a private address"
dns_liar_stop
dns_liar nxad || bail "liar did not start"
is "$(q +short "@$DNS_LIAR" nope.example.test A)" 10.53.9.80 "liar nxad: NXDOMAIN becomes the ad server"
is "$(q +short "@$DNS_LIAR" www.example.test A)" "$DNS_WWW" "liar nxad: real answers relayed"
dns_liar_stop
dns_liar ttl --name www.example.test || bail "liar did not start"
is "$(q +noall +answer "@$DNS_LIAR" www.example.test A | awk '{print $2, $5}')" \
	"604800 $DNS_WWW" "liar ttl: the TTL inflated, the address kept"
dns_liar_stop
is "$(grep -c lied "$NETNS_TMP/liar.log")" 4 "the liar's log: exactly the four lies"

done_testing
