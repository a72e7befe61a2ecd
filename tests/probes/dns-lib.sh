# dns-lib.sh: the world of the dns probe tests (bash).
#
#	. "$top_srcdir/tests/lib/tap.sh"; . "$top_srcdir/tests/lib/netns.sh"
#	. "$top_srcdir/tests/probes/dns-lib.sh"
#	require_root
#	dns_world               namespaces c (client: 10.9.53.1 and 10.9.53.11
#	                        on eth0, 10.9.54.1 on eth1), s1 (10.9.53.2, also
#	                        10.9.53.3 which drops DNS, and 10.9.53.4 for
#	                        dns-bad.py) and s2 (10.9.54.2)
#	                        and 2001:db8:53::1 / ::2 between c and s1
#	dns_dnsmasq NS ADDR [PORT]  dnsmasq with the example.test zone on
#	                        ADDR:PORT (53) in NS, logging queries to
#	                        $NETNS_TMP/dnsmasq-NS-PORT.log
#	probe ARGS...           outpost-probe in c; stdout in $PROBE_OUT, exit
#	                        status in $PROBE_RC
#	dig_c ARGS...           dig in c
#
# The zone: a (A, AAAA), www (CNAME a), mail, sip, t (TXT), big (a TXT of
# about 1.3 kB: too big for a 512-byte UDP reply), _sip._udp (SRV), the
# apex (MX, NS, SOA, CAA), 10.53.9.10.in-addr.arpa (PTR) and every other
# name NXDOMAIN.

PROBE=${PROBE:-$top_builddir/probes/outpost-probe}

dns_world()
{
	ns_add c && ns_add s1 && ns_add s2 || return 1
	veth_add c eth0 s1 eth0 && veth_add c eth1 s2 eth0 || return 1
	addr_add c eth0 10.9.53.1/24 && addr_add c eth0 10.9.53.11/24 || return 1
	addr_add c eth1 10.9.54.1/24 || return 1
	addr_add s1 eth0 10.9.53.2/24 && addr_add s1 eth0 10.9.53.3/24 || return 1
	addr_add s1 eth0 10.9.53.4/24 || return 1
	addr_add s2 eth0 10.9.54.2/24 || return 1
	addr_add c eth0 2001:db8:53::1/64 && addr_add s1 eth0 2001:db8:53::2/64 || return 1
	ip -n "$(ns s1)" link set lo up && ip -n "$(ns s2)" link set lo up || return 1
	# 10.9.53.3 swallows DNS: a silent server.
	ip netns exec "$(ns s1)" nft -f - <<-'NFT' || return 1
	table inet t {
		chain in {
			type filter hook input priority 0;
			ip daddr 10.9.53.3 udp dport 53 drop
			ip daddr 10.9.53.3 tcp dport 53 drop
			ip daddr 10.9.53.2 tcp dport 53 counter name tcp53
			ip daddr 10.9.53.2 udp dport 53 counter name udp53
		}
		counter tcp53 { }
		counter udp53 { }
	}
	NFT
	mkdir -p "/etc/netns/$(ns c)" || return 1
	on_exit rm -rf "/etc/netns/$(ns c)"
	printf 'nameserver 10.9.53.2\nnameserver 10.9.54.2\n' >"/etc/netns/$(ns c)/resolv.conf"
}

# hex of a name in wire form, for --dns-rr.
_dns_hexname()
{
	python3 -c 'import sys
print("".join("%02x" % len(l) + l.encode().hex() for l in sys.argv[1].split(".") if l) + "00")' "$1"
}

dns_dnsmasq()
{
	local ns=$1 addr=$2 port=${3:-53} big soa caa nsrr
	big=$(python3 -c 'print(",".join([chr(97 + i) * 250 for i in range(5)]))')
	soa=$(_dns_hexname ns.example.test)$(_dns_hexname hostmaster.example.test)$(printf '%08x%08x%08x%08x%08x' 7 1200 180 1209600 10800)
	caa=00056973737565$(printf 'ca.test' | od -An -tx1 | tr -d ' \n')
	nsrr=$(_dns_hexname ns.example.test)
	bg_run "$ns" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address="$addr" --bind-interfaces --port="$port" --local-ttl=300 \
		--local=/example.test/ --local=/9.10.in-addr.arpa/ \
		--host-record=a.example.test,10.9.0.10,2001:db8::10 \
		--cname=www.example.test,a.example.test \
		--mx-host=example.test,mail.example.test,10 \
		--srv-host=_sip._udp.example.test,sip.example.test,5060,1,2 \
		--txt-record=t.example.test,"hello world","second" \
		--txt-record=big.example.test,"$big" \
		--ptr-record=10.53.9.10.in-addr.arpa,a.example.test \
		--dns-rr=example.test,6,"$soa" --dns-rr=example.test,2,"$nsrr" \
		--dns-rr=example.test,257,"$caa" \
		--log-queries=extra --log-facility="$NETNS_TMP/dnsmasq-$ns-$port.log" \
		>"$NETNS_TMP/dnsmasq-$ns-$port.out" 2>&1
	wait_until 5 ip netns exec "$(ns "$ns")" dig +short +time=1 +tries=1 -p "$port" @"$addr" \
		a.example.test >/dev/null || return 1
}

probe()
{
	PROBE_OUT=$(ip netns exec "$(ns c)" "$PROBE" "$@" 2>"$NETNS_TMP/probe.err")
	PROBE_RC=$?
}

dig_c()
{
	ip netns exec "$(ns c)" dig "$@"
}

# The answers of the JSON line on stdin as dig prints them, one per line,
# with single spaces: "name ttl IN TYPE data".
dns_answers()
{
	jq -r '.answers[] | "\(.name) \(.ttl) IN \(.type) \(.data)"'
}

# A field of $PROBE_OUT's first line (jq path).
jget()
{
	printf '%s\n' "$PROBE_OUT" | head -n1 | jq -r "$1" 2>/dev/null
}
