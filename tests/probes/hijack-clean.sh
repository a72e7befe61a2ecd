#!/bin/bash
# hijack-clean: outpost-probe hijack on the honest path of the DNS world
# gives no false positive: 100 cases in one run (the name repeated), each
# verdict clean, no check failing or suspect, exit 0; the DoT reference
# really carried the queries (stunnel logs one connection per case), and
# its answers equal the plain reference's and dig's.
. "$top_srcdir/tests/probes/hijack-lib.sh"
require_root
for t in dnsmasq dig jq stunnel nginx openssl; do
	command -v $t >/dev/null || skip_all "needs $t"
done
dns_world || bail "cannot build the namespaces"
dns_honest || bail "dnsmasq did not answer"
dns_certs || bail "cannot make the test PKI"
dns_https || bail "nginx did not start"
dns_dot || bail "stunnel did not start"

REFS=(--ref "@$DNS_RESOLVER" --dot "$DNS_RESOLVER#dot.example.test" --ca-file "$DNS_PKI/ca.pem"
	--not-bogon "$HONEST_NET" -W 3s)
before=$(grep -c 'Connection closed' "$NETNS_TMP/stunnel.log" 2>/dev/null || true)
names=()
for i in $(seq 100); do names+=(www.example.test); done
hijack "${names[@]}" "@$DNS_RESOLVER" "${REFS[@]}"
all=$(cat "$NETNS_TMP/hijack.out")
is "$RC" 0 "100 honest cases: exit 0"
is "$(printf '%s\n' "$all" | jq -s 'length')" 100 "100 results"
is "$(printf '%s\n' "$all" | jq -s '[.[] | select(.verdict == "clean")] | length')" 100 \
	"every verdict clean"
is "$(printf '%s\n' "$all" | jq -s '[.[].checks[] | select(.status == "fail" or .status == "suspect")] | length')" \
	0 "no check failed or was suspect in any case"
is "$(printf '%s\n' "$all" | jq -s '[.[].checks.nxdomain.names[] | select(.rcode == "NXDOMAIN" and .ref_rcode == "NXDOMAIN")] | length')" \
	300 "300 random names came back NXDOMAIN from both"
is "$(printf '%s\n' "$all" | jq -rs '[.[].checks.injection.status] | unique | join(",")')" \
	pass "the injection check ran and passed in every case"
after=$(grep -c 'Connection closed' "$NETNS_TMP/stunnel.log" 2>/dev/null || true)
[ $((after - before)) -ge 100 ]
ok $? "stunnel saw a DoT connection per case ($((after - before)))"
truth=$(ns_exec c dig +short "@$DNS_RESOLVER" www.example.test A | sort | paste -sd,)
is "$(jv '[.references[] | select(.kind == "dot") | .answers[].addr] | sort | join(",")')" "$truth" \
	"the DoT reference's answer equals dig's"
is "$(jv '[.references[] | select(.kind == "dot")][0].status')" ok "the DoT reference is usable"
is "$(jv '.answers | map(.addr) | join(",")')" "$truth" "the tested answers equal dig's"

# Human output: a verdict line and one line per check.
ns_exec c "$PROBE" hijack www.example.test "@$DNS_RESOLVER" "${REFS[@]}" >"$NETNS_TMP/human" 2>&1
is "$(head -n 1 "$NETNS_TMP/human")" "www.example.test @$DNS_RESOLVER: clean" "the verdict line"
is "$(tail -n +2 "$NETNS_TMP/human" | awk '{print $1 "=" $2}' | paste -sd' ')" \
	"consistency=pass injection=pass nxdomain=pass bogons=pass ttl=pass" "one line per check"

# The system's resolver (c's resolv.conf names the honest one) by default.
hijack www.example.test "${REFS[@]}"
is "$RC/$(jv .dst)/$(jv .verdict)" "0/$DNS_RESOLVER/clean" "no @resolver: the system's, clean"
# A name that does not exist: exit 2.
hijack nosuch.example.test "@$DNS_RESOLVER" "${REFS[@]}"
is "$RC/$(jv .outcome)" "2/unresolved" "NXDOMAIN for the name: exit 2, unresolved"
# Bad arguments: exit 3.
RC=0; ns_exec c "$PROBE" hijack www.example.test --not-bogon 10.0.0.0/33 2>/dev/null || RC=$?
is "$RC" 3 "a bad --not-bogon: exit 3"
RC=0; ns_exec c "$PROBE" ping --ref "@$DNS_RESOLVER" 10.53.2.53 2>/dev/null || RC=$?
is "$RC" 3 "--ref on another type: exit 3"
done_testing
