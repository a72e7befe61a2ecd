# region-lib.sh: regions behind capped leased lines (bash), the world of
# outpost-p2pd's tests and benchmark, built on tests/lib/netns.sh and
# tests/p2p/p2p-lib.sh (its nginx, tracker, content and client helpers).
#
#	. "$top_srcdir/tests/lib/tap.sh"
#	. "$top_srcdir/tests/lib/netns.sh"
#	. "$top_srcdir/tests/p2p/p2p-lib.sh"
#	. "$top_srcdir/tests/p2p/region-lib.sh"
#	region_world a 4; region_world b 2
#	region_origin "$NETNS_TMP/www"      (nginx serving that folder)
#	ns_exec a1 curl -o x "$REGION_WEB/pkg"
#
# One origin, any number of regions (a..o), each a LAN of N devices
# (N <= 16) behind ONE leased line of its own:
#
#   origin  198.51.100.10 2001:db8:51::10 (on lo)  nginx, :80 and :443
#     wan-R  198.51.100.(129+4k)/30  2001:db8:51:(k+1)::1/64
#       |    one veth pair per region, HTB REGION_WAN_RATE both ways
#     wan0   198.51.100.(130+4k)/30  2001:db8:51:(k+1)::2/64
#   gw-R    forwards, no NAT: the origin sees the devices' addresses
#     lan0   10.(20+k).0.1/24        2001:db8:(20+k)::1/64
#       |
#   lan-R   bridge br0 (mcast_snooping 0: BEP 14's multicast floods)
#       |    port v-gw, and v-R<I> for each device; unshaped
#   R<I>    eth0 10.(20+k).0.(10+I)/24  2001:db8:(20+k)::(10+I)/64,
#           default routes via the gateway
#
# k is the region's index (a = 0: 10.20.0.0/24, b = 1: 10.21.0.0/24, ...).
# Region p is left out: its devices p1.. would be p2p-lib's peers.
#
# The cap: the origin's egress on wan-R (download) and gw-R's egress on
# wan0 (upload) each carry an HTB class at REGION_WAN_RATE (default
# 20mbit, tc's units: 1 mbit = 10^6 bit/s, counted on link-layer bytes)
# with burst and quantum sized as outpost-shape sizes them (20 ms and
# 10 ms of the rate, at least 2 and 1 full frames) and a pfifo of 100 ms
# below it; TSO/GSO/GRO are off on both ends, so HTB sees and charges
# wire-size frames as a real line would. Nothing else is shaped.
#
# The origin going away (region_origin_down): every wan-R goes down on
# the origin's side, which is what a cut line or a vanished server looks
# like from a region: no answer, no reset. Transfers in flight stall and
# new connections time out (they are not refused); region_origin_up brings
# the links back (and the routes the kernel dropped with them), and
# stalled TCP connections resume by retransmission.
#
# region_origin_bytes R: body bytes nginx sent to region R's devices
# (its access log's last field is the client's address); p2p_origin_bytes
# still sums all of them.
REGION_WAN_RATE=${REGION_WAN_RATE:-20mbit}
P2P_ORIGIN4=198.51.100.10
P2P_ORIGIN6=2001:db8:51::10
P2P_WEB=http://$P2P_ORIGIN4
P2P_WEBS=https://$P2P_ORIGIN4
REGION_WEB=$P2P_WEB
REGION_ORIGIN_LINKS=()
declare -A REGION_N=()

# _region_k R: the region's index (a = 0), or failure for a bad name.
_region_k()
{
	case $1 in
	[a-o]) printf '%d\n' $(($(printf '%d' "'$1") - 97)) ;;
	*) return 1 ;;
	esac
}

# region_gw_ip R [6]: the gateway's LAN address.
region_gw_ip()
{
	local k
	k=$(_region_k "$1") || return 1
	if [ "${2:-4}" = 6 ]; then printf '2001:db8:%d::1\n' $((20 + k)); else printf '10.%d.0.1\n' $((20 + k)); fi
}

# region_dev_ip R I [6]: device I's address (I from 1).
region_dev_ip()
{
	local k
	k=$(_region_k "$1") || return 1
	if [ "${3:-4}" = 6 ]; then
		printf '2001:db8:%d::%d\n' $((20 + k)) $((10 + $2))
	else
		printf '10.%d.0.%d\n' $((20 + k)) $((10 + $2))
	fi
}

# region_lan R [6]: the LAN's prefix, e.g. 10.20.0.0/24.
region_lan()
{
	local k
	k=$(_region_k "$1") || return 1
	if [ "${2:-4}" = 6 ]; then printf '2001:db8:%d::/64\n' $((20 + k)); else printf '10.%d.0.0/24\n' $((20 + k)); fi
}

# region_tracker_url R: the announce URL of region_tracker R.
region_tracker_url()
{
	printf 'http://%s:6969/announce\n' "$(region_gw_ip "$1")"
}

# _region_wan_ip R origin|gw [6]: the two ends of region R's WAN link.
_region_wan_ip()
{
	local k h
	k=$(_region_k "$1") || return 1
	if [ "${3:-4}" = 6 ]; then
		if [ "$2" = origin ]; then h=1; else h=2; fi
		printf '2001:db8:51:%d::%d\n' $((k + 1)) "$h"
	else
		if [ "$2" = origin ]; then h=$((129 + 4 * k)); else h=$((130 + 4 * k)); fi
		printf '198.51.100.%d\n' "$h"
	fi
}

# region_rate_bps RATE: tc's rate (20mbit, 1.5gbit, 800kbit, 1000bit) in bit/s.
region_rate_bps()
{
	awk -v r="$1" 'BEGIN {
		n = r + 0; u = r; sub(/^[0-9.]+/, "", u)
		m = u == "bit" ? 1 : u == "kbit" ? 1e3 : u == "mbit" ? 1e6 : u == "gbit" ? 1e9 : -1
		if (n <= 0 || m < 0) exit 1
		printf "%d\n", n * m
	}'
}

# _region_htb NS DEV: DEV's egress capped at REGION_WAN_RATE.
_region_htb()
{
	local bps burst quantum limit mtu=1514
	bps=$(region_rate_bps "$REGION_WAN_RATE") || { echo "bad REGION_WAN_RATE $REGION_WAN_RATE" >&2; return 1; }
	burst=$((bps / 8 / 50)); [ "$burst" -ge $((2 * mtu)) ] || burst=$((2 * mtu))
	quantum=$((bps / 8 / 100))
	[ "$quantum" -ge 1000 ] || quantum=1000
	[ "$quantum" -le 200000 ] || quantum=200000
	[ "$quantum" -ge "$mtu" ] || quantum=$mtu
	limit=$((bps / 8 / 10 / mtu + 1)); [ "$limit" -ge 64 ] || limit=64
	ns_exec "$1" tc qdisc replace dev "$2" root handle 1: htb default 1 &&
		ns_exec "$1" tc class add dev "$2" parent 1: classid 1:1 htb rate "${bps}bit" \
			ceil "${bps}bit" burst "${burst}b" cburst "${burst}b" quantum "$quantum" &&
		ns_exec "$1" tc qdisc add dev "$2" parent 1:1 handle 10: pfifo limit "$limit"
}

_region_origin_ns()
{
	[ -n "${REGION_ORIGIN_MADE:-}" ] && return 0
	ns_add origin || return 1
	# region_origin_down takes the links down: IPv6 would drop their
	# addresses with them (IPv4 keeps them; both lose the routes).
	ns_sysctl origin net.ipv6.conf.all.keep_addr_on_down=1 \
		net.ipv6.conf.default.keep_addr_on_down=1 || return 1
	addr_add origin lo "$P2P_ORIGIN4/32" || return 1
	addr_add origin lo "$P2P_ORIGIN6/128" || return 1
	REGION_ORIGIN_MADE=1
}

# region_origin DIR: nginx in the origin serving DIR (p2p_nginx: :80 and
# :443, the test CA in $NETNS_TMP/pki). The namespace is made on demand,
# before or after the regions.
region_origin()
{
	_region_origin_ns && p2p_nginx "$1"
}

# _region_routes R: the origin's routes to region R's LAN (again after
# region_origin_up: a link going down takes its routes with it).
_region_routes()
{
	route_add origin "$(region_lan "$1")" via "$(_region_wan_ip "$1" gw)" 2>/dev/null
	route_add origin "$(region_lan "$1" 6)" via "$(_region_wan_ip "$1" gw 6)" 2>/dev/null
	return 0
}

# region_world R N: region R with devices R1..RN (N <= 16).
region_world()
{
	local r=$1 n=$2 i d gw lan
	_region_k "$r" >/dev/null || { echo "region_world: bad region $r (a..o)" >&2; return 1; }
	[ "$n" -ge 1 ] && [ "$n" -le 16 ] || { echo "region_world: 1..16 devices" >&2; return 1; }
	_region_origin_ns || return 1
	gw=gw-$r lan=lan-$r
	ns_add "$gw" || return 1
	ns_add "$lan" || return 1
	veth_add origin "wan-$r" "$gw" wan0 || return 1
	for i in origin:"wan-$r" "$gw":wan0; do
		ns_exec "${i%%:*}" ethtool -K "${i#*:}" tso off gso off gro off >/dev/null 2>&1 || return 1
	done
	addr_add origin "wan-$r" "$(_region_wan_ip "$r" origin)/30" || return 1
	addr_add origin "wan-$r" "$(_region_wan_ip "$r" origin 6)/64" || return 1
	addr_add "$gw" wan0 "$(_region_wan_ip "$r" gw)/30" || return 1
	addr_add "$gw" wan0 "$(_region_wan_ip "$r" gw 6)/64" || return 1
	route_add "$gw" default via "$(_region_wan_ip "$r" origin)" || return 1
	route_add "$gw" default via "$(_region_wan_ip "$r" origin 6)" || return 1
	_region_routes "$r"
	REGION_ORIGIN_LINKS+=("$r")
	ns_sysctl "$gw" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	_region_htb origin "wan-$r" || return 1
	_region_htb "$gw" wan0 || return 1

	bridge_add "$lan" br0 || return 1
	ip -n "$(ns "$lan")" link set dev br0 type bridge mcast_snooping 0 || return 1
	veth_add "$lan" v-gw "$gw" lan0 || return 1
	ip -n "$(ns "$lan")" link set dev v-gw master br0 || return 1
	addr_add "$gw" lan0 "$(region_gw_ip "$r")/24" || return 1
	addr_add "$gw" lan0 "$(region_gw_ip "$r" 6)/64" || return 1
	for i in $(seq "$n"); do
		d=$r$i
		ns_add "$d" || return 1
		veth_add "$lan" "v-$d" "$d" eth0 || return 1
		ip -n "$(ns "$lan")" link set dev "v-$d" master br0 || return 1
		addr_add "$d" eth0 "$(region_dev_ip "$r" "$i")/24" || return 1
		addr_add "$d" eth0 "$(region_dev_ip "$r" "$i" 6)/64" || return 1
		route_add "$d" default via "$(region_gw_ip "$r")" || return 1
		route_add "$d" default via "$(region_gw_ip "$r" 6)" || return 1
	done
	REGION_N[$r]=$n
	# Both families cross the line before anyone measures.
	wait_until 10 ns_exec "${r}1" ping -4 -c 1 -W 1 "$P2P_ORIGIN4" >/dev/null 2>&1 || return 1
	wait_until 10 ns_exec "${r}1" ping -6 -c 1 -W 1 "$P2P_ORIGIN6" >/dev/null 2>&1 || return 1
}

# region_devs R: the devices' names, one a line.
region_devs()
{
	local i
	for i in $(seq "${REGION_N[$1]:-0}"); do
		printf '%s%d\n' "$1" "$i"
	done
}

# region_origin_down / region_origin_up: see the top of the file.
region_origin_down()
{
	local r
	for r in "${REGION_ORIGIN_LINKS[@]}"; do
		ip -n "$(ns origin)" link set dev "wan-$r" down || return 1
	done
}

region_origin_up()
{
	local r
	for r in "${REGION_ORIGIN_LINKS[@]}"; do
		ip -n "$(ns origin)" link set dev "wan-$r" up || return 1
	done
	for r in "${REGION_ORIGIN_LINKS[@]}"; do
		_region_routes "$r"
		wait_until 10 ns_exec "gw-$r" ping -4 -c 1 -W 1 "$P2P_ORIGIN4" >/dev/null 2>&1 || return 1
		wait_until 10 ns_exec "gw-$r" ping -6 -c 1 -W 1 "$P2P_ORIGIN6" >/dev/null 2>&1 || return 1
	done
}

# region_origin_bytes R: body bytes nginx sent to region R's devices so
# far (both families), from its access log.
region_origin_bytes()
{
	local p4 p6
	p4=$(region_lan "$1") || return 1
	p6=$(region_lan "$1" 6)
	awk -v a="${p4%0/24}" -v b="${p6%/64}" \
		'index($NF, a) == 1 || index($NF, b) == 1 { s += $2 } END { print s + 0 }' \
		"$NETNS_TMP/nginx/access.log" 2>/dev/null || echo 0
}

# region_tracker R TORRENT...: opentracker (p2p_tracker) in gw-R on the
# gateway's LAN address; announce URL: region_tracker_url R. One tracker
# per run ($NETNS_TMP/tracker).
region_tracker()
{
	local r=$1
	shift
	P2P_TRACKER_NS=gw-$r P2P_TRACKER_ADDR=$(region_gw_ip "$r") p2p_tracker "$@"
}

# region_tracker_seeded R TORRENT: p2p_tracker_seeded for that tracker.
region_tracker_seeded()
{
	P2P_TRACKER_NS=gw-$1 P2P_TRACKER_ADDR=$(region_gw_ip "$1") p2p_tracker_seeded "$2"
}

# region_cap_check R [SECONDS]: iperf3 through region R's line, both
# directions one after the other (R1 to a server in the origin), printed
# as "down_mbit up_mbit" (iperf3's goodput: TCP payload, about 95 % of
# the link-layer rate HTB counts). For a look, not an assertion.
region_cap_check()
{
	local r=$1 t=${2:-3} srv down up
	bg_run origin iperf3 -s -B "$P2P_ORIGIN4" -p 5201 >/dev/null 2>&1
	srv=$BG_PID
	wait_until 5 _region_listening origin 5201 || { bg_kill "$srv"; return 1; }
	down=$(ns_exec "${r}1" iperf3 -c "$P2P_ORIGIN4" -p 5201 -t "$t" -R -J 2>/dev/null |
		python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
	up=$(ns_exec "${r}1" iperf3 -c "$P2P_ORIGIN4" -p 5201 -t "$t" -J 2>/dev/null |
		python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
	bg_kill "$srv"
	printf '%s %s\n' "$down" "$up"
}

# _region_listening NS PORT: a TCP socket in NS listens on PORT (a trial
# connection would cost an iperf3 server its next test).
_region_listening()
{
	ns_exec "$1" ss -Hltn "sport = :$2" | grep -q .
}
