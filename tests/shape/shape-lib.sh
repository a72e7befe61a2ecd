# shape-lib.sh: the shaping tests' world (bash), built on tests/lib/netns.sh.
#
#	. "$top_srcdir/tests/lib/tap.sh"
#	. "$top_srcdir/tests/lib/netns.sh"
#	. "$top_srcdir/tests/shape/shape-lib.sh"
#	require_root; require_cmd iperf3
#	sh_world
#	sh_conf "$NETNS_TMP/outpost.conf"
#	ns_exec gw "$SHAPE" -f "$NETNS_TMP/outpost.conf" apply
#
# The region gateway "gw" routes two region LANs to an ISP:
#
#   dev  10.20.0.2 ---- lan0 10.20.0.1 [gw] wan0 203.0.113.2/25 ---- isp  203.0.113.1
#        2001:db8:20::2      2001:db8:20::1     2001:db8:113::2/64        2001:db8:113::1
#   dev2 10.30.0.2 ---- lan1 10.30.0.1 [gw] wan1 203.0.113.130/25 -- isp2 203.0.113.129
#        2001:db8:30::2      2001:db8:30::1     2001:db8:114::2/64        2001:db8:114::1
#
# Region A (chaoyang: 10.20.0.0/16, 2001:db8:20::/48) leaves by wan0,
# region B (haidian: 10.30.0.0/16, 2001:db8:30::/48) by wan1 (a source
# rule), unless a test routes both by wan0. Besides its own address,
# each LAN namespace answers for all of 10.20.1.0/24 and 2001:db8:20:1::/64
# (10.30.1.0/24, 2001:db8:30:1::/64; a "local" route), so a test can bind
# many device addresses. isp and isp2 each answer for:
#   the origin      198.51.100.0/24  2001:db8:51::/64   (SH_ORIGIN4/6)
#   the Internet    192.0.2.0/24     2001:db8:ffff::/48 (SH_NET4/6: business)
#   remote peers    10.99.0.0/16     2001:db8:99::/64   (SH_PEER4/6)
# No NAT unless sh_nat is called. Traffic is measured where it arrives,
# by nftables counters in the receiving namespace (sh_count_add,
# sh_count), as link-layer bytes: what HTB charges (IP length + 14).
SHAPE=${SHAPE:-$top_builddir/modules/shape/outpost-shape}
SH_ORIGIN4=198.51.100.10
SH_ORIGIN6=2001:db8:51::10
SH_NET4=192.0.2.10
SH_NET6=2001:db8:ffff::10
SH_PEER4=10.99.0.10
SH_PEER6=2001:db8:99::10
SH_DEV4=10.20.0.2
SH_DEV6=2001:db8:20::2
SH_DEV2_4=10.30.0.2
SH_DEV2_6=2001:db8:30::2

sh_world()
{
	local i
	ns_add gw; ns_add dev; ns_add dev2; ns_add isp; ns_add isp2
	veth_add gw lan0 dev eth0 || return 1
	veth_add gw lan1 dev2 eth0 || return 1
	veth_add gw wan0 isp eth0 || return 1
	veth_add gw wan1 isp2 eth0 || return 1
	# Wire-size packets, as a real line carries: with TSO a veth passes
	# 64 KiB frames and a counter in the receiver sees one header where
	# HTB charged forty-odd.
	for i in gw:lan0 gw:lan1 gw:wan0 gw:wan1 dev:eth0 dev2:eth0 isp:eth0 isp2:eth0; do
		ns_exec "${i%%:*}" ethtool -K "${i#*:}" tso off gso off gro off >/dev/null 2>&1 ||
			return 1
	done
	addr_add gw lan0 10.20.0.1/24; addr_add dev eth0 10.20.0.2/24
	addr_add gw lan0 2001:db8:20::1/64; addr_add dev eth0 2001:db8:20::2/64
	addr_add gw lan1 10.30.0.1/24; addr_add dev2 eth0 10.30.0.2/24
	addr_add gw lan1 2001:db8:30::1/64; addr_add dev2 eth0 2001:db8:30::2/64
	addr_add gw wan0 203.0.113.2/25; addr_add isp eth0 203.0.113.1/25
	addr_add gw wan0 2001:db8:113::2/64; addr_add isp eth0 2001:db8:113::1/64
	addr_add gw wan1 203.0.113.130/25; addr_add isp2 eth0 203.0.113.129/25
	addr_add gw wan1 2001:db8:114::2/64; addr_add isp2 eth0 2001:db8:114::1/64
	ns_exec dev ip route add local 10.20.1.0/24 dev lo
	ns_exec dev ip -6 route add local 2001:db8:20:1::/64 dev lo
	ns_exec dev2 ip route add local 10.30.1.0/24 dev lo
	ns_exec dev2 ip -6 route add local 2001:db8:30:1::/64 dev lo
	route_add gw 10.20.1.0/24 via 10.20.0.2; route_add gw 2001:db8:20:1::/64 via 2001:db8:20::2
	route_add gw 10.30.1.0/24 via 10.30.0.2; route_add gw 2001:db8:30:1::/64 via 2001:db8:30::2
	route_add dev default via 10.20.0.1; route_add dev default via 2001:db8:20::1
	route_add dev2 default via 10.30.0.1; route_add dev2 default via 2001:db8:30::1
	ns_sysctl gw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	# Region A by wan0 (main table), region B by wan1 (table 200).
	route_add gw default via 203.0.113.1; route_add gw default via 2001:db8:113::1
	route_add gw default via 203.0.113.129 table 200
	route_add gw default via 2001:db8:114::1 table 200
	ns_exec gw ip rule add from 10.30.0.0/16 lookup 200 priority 100
	ns_exec gw ip -6 rule add from 2001:db8:30::/48 lookup 200 priority 100
	for i in isp isp2; do
		ns_exec "$i" ip route add local 198.51.100.0/24 dev lo
		ns_exec "$i" ip -6 route add local 2001:db8:51::/64 dev lo
		ns_exec "$i" ip route add local 192.0.2.0/24 dev lo
		ns_exec "$i" ip -6 route add local 2001:db8:ffff::/48 dev lo
		ns_exec "$i" ip route add local 10.99.0.0/16 dev lo
		ns_exec "$i" ip -6 route add local 2001:db8:99::/64 dev lo
		ns_sysctl "$i" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
	done
	route_add isp 10.20.0.0/16 via 203.0.113.2; route_add isp 2001:db8:20::/48 via 2001:db8:113::2
	route_add isp 10.30.0.0/16 via 203.0.113.2; route_add isp 2001:db8:30::/48 via 2001:db8:113::2
	route_add isp2 10.30.0.0/16 via 203.0.113.130
	route_add isp2 2001:db8:30::/48 via 2001:db8:114::2
	route_add isp2 10.20.0.0/16 via 203.0.113.130
	route_add isp2 2001:db8:20::/48 via 2001:db8:114::2
	# Both families reach the far side before a test starts measuring.
	wait_until 10 ns_exec dev ping -4 -c 1 -W 1 "$SH_ORIGIN4" >/dev/null 2>&1 || return 1
	wait_until 10 ns_exec dev ping -6 -c 1 -W 1 "$SH_ORIGIN6" >/dev/null 2>&1 || return 1
	wait_until 10 ns_exec dev2 ping -4 -c 1 -W 1 "$SH_ORIGIN4" >/dev/null 2>&1 || return 1
	wait_until 10 ns_exec dev2 ping -6 -c 1 -W 1 "$SH_ORIGIN6" >/dev/null 2>&1 || return 1
}

# sh_share_wan0: route region B by wan0 too (two regions on one line).
sh_share_wan0()
{
	ns_exec gw ip rule del from 10.30.0.0/16 lookup 200 priority 100
	ns_exec gw ip -6 rule del from 2001:db8:30::/48 lookup 200 priority 100
}

# sh_nat: masquerade both LANs behind the WAN address (IPv4), as most
# region gateways do; the ISPs then see only 203.0.113.2 / .130.
sh_nat()
{
	ns_exec gw nft -f - <<'NFT'
table ip shtestnat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname { "wan0", "wan1" } masquerade
	}
}
NFT
}

# sh_conf FILE [EXTRA]: region chaoyang on wan0 (line 100mbit, origin
# 20mbit, P2P 30mbit) and, when EXTRA is not "-", nothing else; EXTRA
# (text) is appended: another [region], or keys to override go in a
# test's own file.
sh_conf()
{
	cat >"$1" <<'CONF'
[node]
id = shape-test

[region "chaoyang"]
lan = 10.20.0.0/16
lan = 2001:db8:20::/48
wan-interface = wan0
origin = 198.51.100.0/24
origin = 2001:db8:51::/64
origin-rate = 20mbit
peer-rate = 30mbit
line-rate = 100mbit
CONF
	[ -n "${2:-}" ] && printf '%s\n' "$2" >>"$1"
	return 0
}

# The second region, for sh_conf's EXTRA: haidian on wan1 (or on wan0
# with sh_share_wan0 and WAN=wan0).
sh_region_b()
{
	cat <<CONF

[region "haidian"]
lan = 10.30.0.0/16
lan = 2001:db8:30::/48
wan-interface = ${1:-wan1}
origin = 198.51.100.0/24
origin = 2001:db8:51::/64
origin-rate = ${2:-10mbit}
peer-rate = ${3:-15mbit}
line-rate = 100mbit
CONF
}

# sh_count_add NS NAME MATCH...: an nft counter NAME in NS counting
# packets that arrive (input hook) and match the nft expression MATCH,
# e.g. sh_count_add dev origin4 ip saddr 198.51.100.10.
sh_count_add()
{
	local nsn=$1 name=$2
	shift 2
	if ! ns_exec "$nsn" nft list table inet shcount >/dev/null 2>&1; then
		ns_exec "$nsn" nft -f - <<'NFT' || return 1
table inet shcount {
	chain input {
		type filter hook input priority 0; policy accept;
	}
}
NFT
	fi
	ns_exec "$nsn" nft add counter inet shcount "$name" &&
		ns_exec "$nsn" nft add rule inet shcount input "$@" counter name "$name"
}

# sh_count NS NAME: "BYTES PACKETS" of the counter, BYTES at the link
# layer (IP bytes + 14 per packet, as HTB charges on a veth).
sh_count()
{
	ns_exec "$1" nft -j list counter inet shcount "$2" | python3 -c '
import json, sys
for x in json.load(sys.stdin)["nftables"]:
    if "counter" in x:
        c = x["counter"]
        print(c["bytes"] + 14 * c["packets"], c["packets"])'
}

# sh_rate NS NAME SECONDS: the link-layer rate in bit/s the counter saw
# over the next SECONDS (fractions allowed), printed as an integer.
sh_rate()
{
	local a b t0 t1
	read -r a _ < <(sh_count "$1" "$2")
	t0=$(date +%s.%N)
	sleep "$3"
	read -r b _ < <(sh_count "$1" "$2")
	t1=$(date +%s.%N)
	python3 -c "print(int(($b - $a) * 8 / ($t1 - $t0)))"
}

# sh_iperf_server NS ADDR PORT: an iperf3 server in NS on ADDR:PORT
# (background, killed at teardown), up before it returns.
sh_iperf_server()
{
	bg_run "$1" iperf3 -s -B "$2" -p "$3" >/dev/null 2>&1
	wait_until 5 ns_exec "$1" iperf3 -c "$2" -p "$3" -t 0.1 -n 1 >/dev/null 2>&1 ||
		wait_until 5 sh_listening "$1" "$3"
}

sh_listening()
{
	ns_exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

# sh_iperf NS SERVER PORT SECONDS [IPERF ARGS...]: an iperf3 client in NS
# to SERVER:PORT for SECONDS in the background (BG_PID), e.g. with -R
# for the download direction or -B ADDR --cport N to pick the device
# side address and port.
sh_iperf()
{
	local nsn=$1 srv=$2 port=$3 secs=$4
	shift 4
	bg_run "$nsn" iperf3 -c "$srv" -p "$port" -t "$secs" "$@" >/dev/null 2>&1
}

# sh_within VALUE TARGET PCT: whether VALUE is within PCT % of TARGET.
sh_within()
{
	python3 -c "import sys; v, t, p = $1, $2, $3; sys.exit(0 if abs(v - t) <= t * p / 100 else 1)"
}
