# rt-lib.sh: the routing tests' world (bash), built on tests/lib/netns.sh.
#
#	. "$top_srcdir/tests/lib/tap.sh"
#	. "$top_srcdir/tests/lib/netns.sh"
#	. "$top_srcdir/tests/rt/rt-lib.sh"
#	require_root
#	rt_world
#	rt_conf "$NETNS_TMP/outpost.conf"
#	ns_exec node "$ROUTED" -f "$NETNS_TMP/outpost.conf" --once
#	rt_send tel4 ...; is "$(rt_count gtel)" 3 ...
#
# The edge node "node" has two ISP lines, each a veth to its own gateway
# namespace, and two LAN subnets, each a veth to a LAN namespace:
#
#   lan50 10.50.0.2 ---- lan50: 10.50.0.1 [node] tel0 198.51.100.2 ---- gtel 198.51.100.1
#         2001:db8:50::2        2001:db8:50::1     2001:db8:100::2        2001:db8:100::1
#   lan60 10.60.0.2 ---- lan60: 10.60.0.1 [node] cnc0 203.0.113.2 ----- gcnc 203.0.113.1
#         2001:db8:60::2        2001:db8:60::1     2001:db8:113::2        2001:db8:113::1
#
# Both gateways answer for every address of 192.0.2.0/24 and
# 2001:db8:ffff::/48 (a "local" route: the Internet in small) and route
# both LANs back by the line the packet came in on, so whichever line a
# packet left by, its reply returns. The node's main table has no
# default route: only outpost-routed's tables get a packet out. Each
# gateway counts the packets that reach the far
# addresses, per family, in nftables (rt_count).
# (Neighbour discovery is for the gateways' own addresses: not counted.)
ROUTED=${ROUTED:-$top_builddir/rt/outpost-routed}
RT_FAR4=192.0.2.9
RT_FAR6=2001:db8:ffff::9

rt_world()
{
	local g
	ns_add node; ns_add gtel; ns_add gcnc; ns_add lan50; ns_add lan60
	veth_add node tel0 gtel eth0
	veth_add node cnc0 gcnc eth0
	veth_add node lan50 lan50 eth0
	veth_add node lan60 lan60 eth0
	addr_add node tel0 198.51.100.2/24; addr_add gtel eth0 198.51.100.1/24
	addr_add node tel0 2001:db8:100::2/64; addr_add gtel eth0 2001:db8:100::1/64
	addr_add node cnc0 203.0.113.2/24; addr_add gcnc eth0 203.0.113.1/24
	addr_add node cnc0 2001:db8:113::2/64; addr_add gcnc eth0 2001:db8:113::1/64
	addr_add node lan50 10.50.0.1/24; addr_add lan50 eth0 10.50.0.2/24
	addr_add node lan50 2001:db8:50::1/64; addr_add lan50 eth0 2001:db8:50::2/64
	addr_add node lan60 10.60.0.1/24; addr_add lan60 eth0 10.60.0.2/24
	addr_add node lan60 2001:db8:60::1/64; addr_add lan60 eth0 2001:db8:60::2/64
	route_add lan50 default via 10.50.0.1; route_add lan50 default via 2001:db8:50::1
	route_add lan60 default via 10.60.0.1; route_add lan60 default via 2001:db8:60::1
	ns_sysctl node net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	for g in gtel gcnc; do
		ns_exec "$g" ip route add local 192.0.2.0/24 dev lo
		ns_exec "$g" ip -6 route add local 2001:db8:ffff::/48 dev lo
		ns_sysctl "$g" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
		ns_exec "$g" nft -f - <<'NFT' || return 1
table inet rtcount {
	counter far4 { }
	counter far6 { }
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 192.0.2.0/24 counter name far4
		ip6 daddr 2001:db8:ffff::/48 counter name far6
	}
}
NFT
	done
	route_add gtel 10.50.0.0/16 via 198.51.100.2; route_add gtel 10.60.0.0/16 via 198.51.100.2
	route_add gtel 2001:db8:50::/48 via 2001:db8:100::2
	route_add gtel 2001:db8:60::/48 via 2001:db8:100::2
	route_add gcnc 10.50.0.0/16 via 203.0.113.2; route_add gcnc 10.60.0.0/16 via 203.0.113.2
	route_add gcnc 2001:db8:50::/48 via 2001:db8:113::2
	route_add gcnc 2001:db8:60::/48 via 2001:db8:113::2
}

# rt_conf FILE [EXTRA]: the world's two lines, both families: tel (table
# 150, priority 1000, mark 0x150, LAN 50) and cnc (table 160, priority
# 1100, mark 0x160, LAN 60); the tables' names go to $NETNS_TMP, the
# control socket and the spool too. EXTRA (text) is appended.
rt_conf()
{
	cat >"$1" <<CONF
[node]
id = rt-test
spool = $NETNS_TMP/spool

[routing]
rt-tables = $NETNS_TMP/rt_tables.conf
rt-protos = $NETNS_TMP/rt_protos.conf
control = $NETNS_TMP/routed.sock

[line "tel"]
interface = tel0
gateway = 198.51.100.1
gateway = 2001:db8:100::1
table = 150
priority = 1000
source = 10.50.0.0/24
source = 2001:db8:50::/64
fwmark = 0x150

[line "cnc"]
interface = cnc0
gateway = 203.0.113.1
gateway = 2001:db8:113::1
table = 160
priority = 1100
source = 10.60.0.0/24
source = 2001:db8:60::/64
fwmark = 0x160
CONF
	[ -n "${2:-}" ] && printf '%s\n' "$2" >>"$1"
	return 0
}

# rt_count GW FAMILY: packets that reached the far addresses at gateway
# GW (gtel or gcnc) over FAMILY (4 or 6).
rt_count()
{
	ns_exec "$1" nft -j list counter inet rtcount "far$2" |
		python3 -c 'import json,sys; d=json.load(sys.stdin)["nftables"]; print([x["counter"]["packets"] for x in d if "counter" in x][0])'
}

# rt_ping NS FAMILY [ARGS...]: three quick echo requests from NS to the
# far address of FAMILY; the exit status of ping.
rt_ping()
{
	local nsn=$1 fam=$2 dst=$RT_FAR4
	shift 2
	[ "$fam" = 6 ] && dst=$RT_FAR6
	ns_exec "$nsn" ping -"$fam" -n -q -c 3 -i 0.05 -W 1 "$@" "$dst" >/dev/null 2>&1
}

# rt_udp NS FAMILY [MARK [SRC]]: three UDP datagrams from NS to the far
# address of FAMILY, with SO_MARK MARK (0: none) and from SRC ("": the
# kernel's choice). ping(8) cannot stand in for marks: it finds its
# source with an unmarked socket first.
rt_udp()
{
	local dst=$RT_FAR4
	[ "$2" = 6 ] && dst=$RT_FAR6
	ns_exec "$1" python3 - "$2" "$dst" "${3:-0}" "${4:-}" <<'PY'
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
mark = int(sys.argv[3], 0)
if mark:
    s.setsockopt(socket.SOL_SOCKET, 36, mark)  # SO_MARK
if sys.argv[4]:
    s.bind((sys.argv[4], 0))
for _ in range(3):
    try:
        s.sendto(b"outpost", (sys.argv[2], 9))
    except OSError as e:
        print("rt_udp:", e, file=sys.stderr)
        sys.exit(1)
PY
}

# rt_leaves_by WHAT GW FAMILY CMD...: run CMD (which sends to the far
# address) and check that GW's counter grew and the other gateway's did
# not: the traffic left by GW's line.
rt_leaves_by()
{
	local what=$1 gw=$2 fam=$3 other=gtel a0 b0 a1 b1
	shift 3
	[ "$gw" = gtel ] && other=gcnc
	a0=$(rt_count "$gw" "$fam"); b0=$(rt_count "$other" "$fam")
	"$@"
	a1=$(rt_count "$gw" "$fam"); b1=$(rt_count "$other" "$fam")
	ok "$([ $((a1 - a0)) -ge 3 ] && [ $((b1 - b0)) = 0 ] && echo 0 || echo 1)" \
		"$what leaves by $gw (IPv$fam: $gw +$((a1 - a0)), $other +$((b1 - b0)))"
}

# rt_rules NS FAMILY PROTO: Outpost's rules as "ip rule" lists them, one
# per line, sorted (the protocol column left out). ip(8) of iproute2 6.1
# ignores "rule show proto N" (it lists every rule), so filter here.
rt_rules()
{
	ns_exec "$1" ip -"$2" rule show | grep -E " proto $3( |\$)" | sed 's/ proto [^ ]*//' | sort
}

# rt_routes NS FAMILY TABLE: the routes of a table, sorted.
rt_routes()
{
	ns_exec "$1" ip -"$2" route show table "$3" | sort
}
