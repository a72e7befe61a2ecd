#!/bin/bash
# dns-types: outpost-probe dns against dnsmasq in a namespace. Every type
# answered, and the JSON answers equal what dig reports from the same
# server; NXDOMAIN and SERVFAIL reported as rcodes (reached, exit 0); --tcp
# really goes over TCP and a TXT too big for UDP is reported truncated and
# asked again over TCP (nft counters in the server's namespace); -S is the
# source dnsmasq logs; --mark is on the packets that leave (nft in c).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/dns-lib.sh"
require_root
for t in dnsmasq dig jq nft python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done

dns_world || bail "cannot build the namespaces"
dns_dnsmasq s1 10.9.53.2 || bail "dnsmasq did not start"
S=@10.9.53.2

for q in "A a.example.test" "AAAA a.example.test" "CNAME www.example.test" \
	"MX example.test" "NS example.test" "SOA example.test" "TXT t.example.test" \
	"SRV _sip._udp.example.test" "CAA example.test" "PTR 10.53.9.10.in-addr.arpa" \
	"A www.example.test"; do
	set -- $q
	probe dns --json -t "$1" "$2" $S
	want=$(dig_c +noall +answer +noedns -t "$1" "$2" $S | tr -s ' \t' ' ' | sort)
	got=$(printf '%s\n' "$PROBE_OUT" | dns_answers | tr -s ' \t' ' ' | sort)
	is "$PROBE_RC $(jget .outcome) $(jget .rcode) $(jget .qtype)" "0 reached NOERROR $1" \
		"$1 $2: reached, NOERROR"
	ok "$([ -n "$want" ] && [ "$got" = "$want" ]; echo $?)" "$1 $2: answers equal dig's"
	[ "$got" = "$want" ] || diag "got: $got" "want: $want"
done
probe dns --json -t MX example.test $S
is "$(jget '.answers[0].preference') $(jget '.answers[0].exchange') $(jget '.answers[0].ttl')" \
	"10 mail.example.test. 300" "MX decoded: preference, exchange, TTL"
probe dns --json -t SOA example.test $S
is "$(jget '.answers[0].serial') $(jget '.answers[0].rname')" "7 hostmaster.example.test." \
	"SOA decoded: serial, rname"
is "$(jget .flags.aa) $(jget .flags.ra) $(jget .flags.tc) $(jget .answered_by)" \
	"true true false 10.9.53.2" "flags of the reply, and the server that answered"

probe dns --json nothing.example.test $S
is "$PROBE_RC $(jget .outcome) $(jget .rcode) $(jget .rcode_num)" "0 reached NXDOMAIN 3" \
	"NXDOMAIN: a reply, reported as the rcode"
# --tcp: over TCP, never UDP.
counter() { ip netns exec "$(ns s1)" nft -j list counter inet t "$1" | jq '.nftables[1].counter.packets'; }
u0=$(counter udp53) t0=$(counter tcp53)
probe dns --json --tcp -c 2 -i 10ms a.example.test $S
u1=$(counter udp53) t1=$(counter tcp53)
is "$PROBE_RC $(jget .transport) $(jget .reply_transport) $(jget .received)" "0 tcp tcp 2" \
	"--tcp: two replies over TCP"
ok "$([ "$u1" = "$u0" ] && [ "$t1" -gt "$t0" ]; echo $?)" \
	"--tcp: TCP segments reached the server ($t0 -> $t1), no UDP ($u0 -> $u1)"

# Truncation: TC, then the same query over TCP.
t0=$(counter tcp53)
probe dns --json -t TXT big.example.test $S
t1=$(counter tcp53)
is "$PROBE_RC $(jget .truncated) $(jget .tcp_retry) $(jget .reply_transport)" "0 1 true tcp" \
	"a TXT too big for UDP: truncated, retried over TCP, the TCP reply reported"
is "$(jget '.answers[0].strings | length') $(jget '.answers[0].strings[0] | length')" "5 250" \
	"the whole TXT came over TCP"
ok "$([ "$t1" -gt "$t0" ]; echo $?)" "the retry reached the server over TCP ($t0 -> $t1)"
ok "$(jq -e '.tcp_ms > 0' <<<"$PROBE_OUT" >/dev/null; echo $?)" "tcp_ms reported"

# -S: the source dnsmasq sees.
probe dns --json -S 10.9.53.11 src-check.example.test $S
is "$PROBE_RC $(jget .src)" "0 10.9.53.11" "-S: reported"
wait_until 3 grep -q 'src-check.example.test from 10.9.53.11' "$NETNS_TMP/dnsmasq-s1-53.log"
ok $? "-S: dnsmasq logged the query from 10.9.53.11"
# -I: bound to eth1, a query for s1's address finds no route there.
probe dns --json -W 300ms -I eth0 a.example.test $S
is "$PROBE_RC $(jget .interface) $(jget .outcome)" "0 eth0 reached" "-I eth0: reached over eth0"
probe dns --json -W 300ms -I eth1 a.example.test $S
is "$PROBE_RC $(jget .outcome)" "1 unreachable" "-I eth1: s1 is not there, unreachable"

# --mark: counted on the way out of c.
ip netns exec "$(ns c)" nft -f - <<-'NFT'
table inet m {
	counter marked { }
	chain out {
		type filter hook output priority 0;
		meta mark 0x99 udp dport 53 counter name marked
	}
}
NFT
probe dns --json --mark 0x99 -c 3 -i 10ms a.example.test $S
n=$(ip netns exec "$(ns c)" nft -j list counter inet m marked | jq '.nftables[1].counter.packets')
is "$PROBE_RC $(jget .mark) $n" "0 153 3" "--mark: the three queries left marked 0x99"

# Several names and servers: one result per pair; @system = resolv.conf's.
dns_dnsmasq s2 10.9.54.2 || bail "second dnsmasq did not start"
probe dns --json a.example.test t.example.test @system
is "$PROBE_RC $(printf '%s\n' "$PROBE_OUT" | jq -r '.target + "@" + .dst + "/" + (.system|tostring)' | sort | tr '\n' ' ')" \
	"0 a.example.test@10.9.53.2/true a.example.test@10.9.54.2/true t.example.test@10.9.53.2/true t.example.test@10.9.54.2/true " \
	"@system: each resolv.conf server measured on its own"
probe dns --json a.example.test
is "$(printf '%s\n' "$PROBE_OUT" | jq -r .dst | sort | tr '\n' ' ')" "10.9.53.2 10.9.54.2 " \
	"no @: the system's servers"

# An IPv6 server on another port.
dns_dnsmasq s1 2001:db8:53::2 5353 || bail "dnsmasq on IPv6 did not start"
probe dns --json -t AAAA a.example.test @[2001:db8:53::2]:5353
is "$PROBE_RC $(jget .dst) $(jget .port) $(jget '.answers[0].address')" "0 2001:db8:53::2 5353 2001:db8::10" \
	"@[2001:db8:53::2]:5353: asked over IPv6 on port 5353"

# Human output: the answers, like dig +noall +answer.
probe dns -t MX example.test $S
like "$PROBE_OUT" 'example.test.	300	IN	MX	10 mail.example.test.' "text: the dig-like answer line"
like "$PROBE_OUT" ';; 1/1 replies, 0 timeouts, query time' "text: the stats line"

done_testing
