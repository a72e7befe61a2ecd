# trace-lib.bash: the router chain the trace tests probe through (bash).
#
#	edge --- r1 --- r2 --- r3 --- tgt
#
# Link n (1..4) is 10.7.n.0/24 and 2001:db8:7:n::/64; the left end is .2
# (::2) on link 1 and the router is .1 on it, and so on down the chain, so
# the hops a trace from edge must find are, in order:
#	r1 10.7.1.1  r2 10.7.2.2  r3 10.7.3.2  tgt 10.7.4.2
# (each router answers from the address of the link back to edge).
# ICMP rate limits are off in every namespace so three queries per hop
# and round always get their answers.

PROBE=$top_builddir/probes/outpost-probe
TGT4=10.7.4.2
TGT6=2001:db8:7:4::2
HOPS4="10.7.1.1 10.7.2.2 10.7.3.2 10.7.4.2"
HOPS6="2001:db8:7:1::1 2001:db8:7:2::2 2001:db8:7:3::2 2001:db8:7:4::2"

# route6_add NS ROUTE...: ip -6 route add ROUTE inside NS.
route6_add()
{
	local full
	full=$(ns "$1")
	shift
	ip -n "$full" -6 route add "$@"
}

trace_chain()
{
	local n
	for n in edge r1 r2 r3 tgt; do
		ns_add "$n" || return 1
		# No duplicate address detection, not even for link-local
		# addresses: a router whose link-local address is tentative
		# does not forward yet.
		ns_sysctl "$n" net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 || return 1
	done
	for n in r1 r2 r3; do
		ns_sysctl "$n" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	done
	veth_add edge eth0 r1 eth0 && veth_add r1 eth1 r2 eth0 &&
	veth_add r2 eth1 r3 eth0 && veth_add r3 eth1 tgt eth0 || return 1
	addr_add edge eth0 10.7.1.2/24 && addr_add r1 eth0 10.7.1.1/24 &&
	addr_add r1 eth1 10.7.2.1/24 && addr_add r2 eth0 10.7.2.2/24 &&
	addr_add r2 eth1 10.7.3.1/24 && addr_add r3 eth0 10.7.3.2/24 &&
	addr_add r3 eth1 10.7.4.1/24 && addr_add tgt eth0 10.7.4.2/24 || return 1
	addr_add edge eth0 2001:db8:7:1::2/64 && addr_add r1 eth0 2001:db8:7:1::1/64 &&
	addr_add r1 eth1 2001:db8:7:2::1/64 && addr_add r2 eth0 2001:db8:7:2::2/64 &&
	addr_add r2 eth1 2001:db8:7:3::1/64 && addr_add r3 eth0 2001:db8:7:3::2/64 &&
	addr_add r3 eth1 2001:db8:7:4::1/64 && addr_add tgt eth0 2001:db8:7:4::2/64 || return 1
	route_add edge default via 10.7.1.1 && route6_add edge default via 2001:db8:7:1::1 &&
	route_add r1 10.7.3.0/24 via 10.7.2.2 && route_add r1 10.7.4.0/24 via 10.7.2.2 &&
	route6_add r1 2001:db8:7:3::/64 via 2001:db8:7:2::2 &&
	route6_add r1 2001:db8:7:4::/64 via 2001:db8:7:2::2 &&
	route_add r2 10.7.1.0/24 via 10.7.2.1 && route_add r2 10.7.4.0/24 via 10.7.3.2 &&
	route6_add r2 2001:db8:7:1::/64 via 2001:db8:7:2::1 &&
	route6_add r2 2001:db8:7:4::/64 via 2001:db8:7:3::2 &&
	route_add r3 default via 10.7.3.1 && route6_add r3 default via 2001:db8:7:3::1 &&
	route_add tgt default via 10.7.4.1 && route6_add tgt default via 2001:db8:7:4::1 || return 1
	wait_until 10 ns_exec edge ping -c 1 -W 1 "$TGT4" >/dev/null &&
	wait_until 10 ns_exec edge ping -6 -c 1 -W 1 "$TGT6" >/dev/null
}

# The hop addresses of a trace's JSON, space separated: the first
# responder of each hop, or "-" for a hop nobody answered.
json_hops()
{
	jq -r '[.hops[] | (.addrs[0].addr // "-")] | join(" ")' <<<"$1"
}

# Every hop's "received" of a trace's JSON, space separated.
json_received()
{
	jq -r '[.hops[] | .received] | join(" ")' <<<"$1"
}
