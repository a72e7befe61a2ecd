#!/bin/bash
# demo.sh: the Outpost demo world, run by `./quickstart demo` (as root).
#
# Builds a small world in network namespaces, runs the tools in it, prints
# what they saw, and removes everything at the end (tests/lib/netns.sh's
# trap, also on failure or Ctrl-C).  With DEMO_PAUSE=1 it waits for Enter
# before tearing down, so the world can be explored with
# `ip netns exec <namespace> bash`.
#
# Each capability adds its part: a function part_<name> and its name in
# PARTS below.  A part prints what it does and returns non-zero on failure.
#
#                     192.0.2.0/24 "ix" switch
#      origin .10   resolver .53   hijacker .66   broker .80
#                 (dnsmasq, DoT)  (lying dnsmasq; isp-cnc DNATs line cnc's port 53 to it)
#            \            |             |            /
#             +------- isp-tel .1 -- isp-cnc .2 ----+
#                         |              |
#             203.0.113.0/24 (20 ms)   198.51.100.0/24 (50 ms)
#                         |              |
#                       eth-tel .2    eth-cnc .2
#                          \            /
#                              edge
#                               | eth-lan 10.20.0.1/16
#                         region LAN switch
#                        /        |        \
#                   dev1 .11   dev2 .12   dev3 .13   (10.20.0.0/16)
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run as root (it creates network namespaces): sudo ./quickstart demo" >&2
	exit 1
fi
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"	# certs_make, for the DoT reference

PARTS=(world map connectivity config mqtt routing probe dns shape p2p region)
# DEMO_PARTS="world p2p" runs only those (world first: the rest need it).
[ -z "${DEMO_PARTS:-}" ] || read -r -a PARTS <<<"$DEMO_PARTS"

say()
{
	printf '%s\n' "$*"
}

title()
{
	printf '\n--- %s\n' "$*"
}

# The hosts of the world: short namespace name and role, for the map.
HOSTS=(
	"edge|edge node: two ISP lines, gateway of the region LAN"
	"isp-tel|ISP line 'tel': 203.0.113.1, 20 ms round trip"
	"isp-cnc|ISP line 'cnc': 198.51.100.1, 50 ms round trip"
	"ix|exchange switch (bridge ix0) joining the ISPs to the servers"
	"origin|origin server, 192.0.2.10"
	"resolver|honest DNS resolver, 192.0.2.53"
	"hijacker|a lying resolver on the cnc path, 192.0.2.66 (isp-cnc redirects port 53 to it)"
	"broker|MQTT broker host, 192.0.2.80"
	"lan|region LAN switch (bridge br0)"
	"dev1|region device, 10.20.0.11"
	"dev2|region device, 10.20.0.12"
	"dev3|region device, 10.20.0.13"
)

# Attach host NS to the bridge BR in switch SW through a veth; the host end
# is called IF and gets ADDR, and DEFAULT (if given) as its default route.
attach()
{
	local sw=$1 br=$2 ns=$3 ifc=$4 addr=$5 gw=${6:-} port
	port="p-$ns"
	port=${port:0:15}
	veth_add "$sw" "$port" "$ns" "$ifc" &&
		ip -n "$(ns "$sw")" link set dev "$port" master "$br" &&
		addr_add "$ns" "$ifc" "$addr" || return 1
	[ -z "$gw" ] || route_add "$ns" default via "$gw"
}

part_world()
{
	local h n
	say "creating namespaces (prefix $NETNS_PREFIX)"
	for h in "${HOSTS[@]}"; do
		n=${h%%|*}
		ns_add "$n" || return 1
	done
	for n in edge isp-tel isp-cnc; do
		ns_sysctl "$n" net.ipv4.ip_forward=1 || return 1
	done

	# The two ISP lines, each with its own delay (netem on both ends).
	veth_add edge eth-tel isp-tel eth-edge &&
		addr_add edge eth-tel 203.0.113.2/24 &&
		addr_add isp-tel eth-edge 203.0.113.1/24 &&
		netem edge eth-tel delay 10ms && netem isp-tel eth-edge delay 10ms || return 1
	veth_add edge eth-cnc isp-cnc eth-edge &&
		addr_add edge eth-cnc 198.51.100.2/24 &&
		addr_add isp-cnc eth-edge 198.51.100.1/24 &&
		netem edge eth-cnc delay 25ms && netem isp-cnc eth-edge delay 25ms || return 1
	route_add edge default via 203.0.113.1 || return 1

	# The exchange: ISPs and servers on 192.0.2.0/24.
	bridge_add ix ix0 || return 1
	attach ix ix0 isp-tel eth-ix 192.0.2.1/24 &&
		attach ix ix0 isp-cnc eth-ix 192.0.2.2/24 || return 1
	attach ix ix0 origin eth0 192.0.2.10/24 192.0.2.1 &&
		attach ix ix0 resolver eth0 192.0.2.53/24 192.0.2.1 &&
		attach ix ix0 hijacker eth0 192.0.2.66/24 192.0.2.2 &&
		attach ix ix0 broker eth0 192.0.2.80/24 192.0.2.1 || return 1
	for n in origin resolver hijacker broker; do
		route_add "$n" 198.51.100.0/24 via 192.0.2.2 || return 1
	done
	route_add isp-tel 10.20.0.0/16 via 203.0.113.2 &&
		route_add isp-tel 198.51.100.0/24 via 192.0.2.2 &&
		route_add isp-cnc 10.20.0.0/16 via 198.51.100.2 &&
		route_add isp-cnc 203.0.113.0/24 via 192.0.2.1 || return 1

	# The region LAN behind the edge node.
	bridge_add lan br0 || return 1
	attach lan br0 edge eth-lan 10.20.0.1/16 || return 1
	for n in 1 2 3; do
		attach lan br0 "dev$n" eth0 "10.20.0.1$n/16" 10.20.0.1 || return 1
	done
	say "world ready: ${#HOSTS[@]} hosts$([ "$NETNS_NETEM" = relay ] &&
		echo ", line delays by netem-relay (this kernel has no sch_netem)")"
}

part_map()
{
	local h n ns_full
	printf '%-10s %-28s %s\n' HOST NAMESPACE ROLE
	for h in "${HOSTS[@]}"; do
		n=${h%%|*}
		printf '%-10s %-28s %s\n' "$n" "$(ns "$n")" "${h#*|}"
	done
	say ""
	say "addresses:"
	for h in "${HOSTS[@]}"; do
		n=${h%%|*}
		ns_full=$(ns "$n")
		ip -n "$ns_full" -4 -o addr show scope global |
			awk -v h="$n" '{ printf "  %-10s %-9s %s\n", h, $2, $4 }'
	done
}

# ping_show NS DST WHAT: one ping run inside NS, summarised.
ping_show()
{
	local out rtt
	out=$(ns_exec "$1" ping -n -q -c 3 -i 0.2 -W 2 "$2" 2>&1)
	rtt=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$out")
	if [ -z "$rtt" ]; then
		printf '  %-8s -> %-14s %-28s FAILED\n' "$1" "$2" "$3"
		printf '%s\n' "$out" | sed 's/^/    /'
		return 1
	fi
	printf '  %-8s -> %-14s %-28s avg rtt %s ms\n' "$1" "$2" "$3" "$rtt"
}

part_connectivity()
{
	local rc=0
	say "pings, each inside the namespaces:"
	ping_show edge 203.0.113.1 "gateway of line tel" || rc=1
	ping_show edge 198.51.100.1 "gateway of line cnc" || rc=1
	ping_show dev1 10.20.0.1 "its gateway, the edge" || rc=1
	ping_show dev2 192.0.2.10 "origin, via edge and tel" || rc=1
	ping_show edge 192.0.2.80 "broker" || rc=1
	return "$rc"
}

part_config()
{
	local conf=$NETNS_TMP/outpost.conf tool=$top_builddir/src/outpost-config
	mkdir -p "$NETNS_TMP/spool"
	cat >"$conf" <<EOF
# the edge node of the demo world
[node]
id = edge-01
region = chaoyang
spool = $NETNS_TMP/spool
spool-max = 4MiB
EOF
	say "demo config $conf:"
	sed 's/^/  | /' "$conf"
	if [ ! -x "$tool" ]; then
		say "FAILED: $tool is not built in this tree;"
		say "the config parser (outpost-config) has not landed on this branch yet."
		return 1
	fi
	say "\$ outpost-config check -f $conf"
	"$tool" check -f "$conf" || { say "FAILED: outpost-config check exited $?"; return 1; }
	say "(exit 0: the config is valid)"
	say "\$ outpost-config print -f $conf"
	"$tool" print -f "$conf" | sed 's/^/  | /'
	[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: outpost-config print"; return 1; }
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s.
wait_for()
{
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# The edge node records device events; outpost-pubd delivers them over
# line tel to the broker at 192.0.2.80, where a subscriber shows them.
part_mqtt()
{
	local dir=$NETNS_TMP/mqtt pubd=$top_builddir/modules/mqtt/outpost-pubd
	local pub=$top_builddir/modules/mqtt/outpost-pub conf sub pubd_pid n rc
	local prefix=outpost/chaoyang/edge-01
	for n in "$pubd" "$pub"; do
		if [ ! -x "$n" ]; then
			say "FAILED: $n is not built in this tree"
			return 1
		fi
	done
	if ! command -v mosquitto >/dev/null 2>&1; then
		say "FAILED: mosquitto is not installed (contrib/install-deps)"
		return 1
	fi
	mkdir -p "$dir" || return 1
	# mosquitto, started as root, switches to its own user; so does
	# outpost-pubd (to nobody here), which must reach its spool.
	chmod 755 "$NETNS_TMP" "$dir"
	printf '%s\n' "listener 1883 192.0.2.80" "allow_anonymous true" \
		"persistence false" "log_dest stderr" "log_type error" \
		"log_type warning" >"$dir/mosquitto.conf"
	bg_run broker mosquitto -c "$dir/mosquitto.conf" >"$dir/broker.log" 2>&1
	if ! wait_for 10 ns_exec broker bash -c 'exec 3<>/dev/tcp/192.0.2.80/1883' 2>/dev/null; then
		say "FAILED: mosquitto did not come up in the broker namespace"
		cat "$dir/broker.log"
		return 1
	fi
	say "mosquitto listens on 192.0.2.80:1883 in namespace broker"
	bg_run broker mosquitto_sub -h 192.0.2.80 -t 'outpost/#' -v >"$dir/sub.out" 2>&1
	sub=$BG_PID

	conf=$dir/outpost.conf
	printf '%s\n' "[node]" "id = edge-01" "region = chaoyang" "user = nobody" \
		"spool = $dir/spool" "" "[mqtt]" "url = mqtt://192.0.2.80:1883" \
		"qos = 1" "heartbeat = 0" >"$conf"
	say "config $conf:"
	sed 's/^/  | /' "$conf"
	say "\$ outpost-pubd -d -f $conf    (in namespace edge; runs as nobody once started)"
	bg_run edge "$pubd" -d -f "$conf" >"$dir/pubd.log" 2>&1
	pubd_pid=$BG_PID
	if ! wait_for 10 grep -q "^$prefix/status online" "$dir/sub.out"; then
		say "FAILED: outpost-pubd did not connect"
		sed 's/^/  | /' "$dir/pubd.log"
		return 1
	fi
	say "\$ outpost-pub --config $conf --event printer/jam -m '{\"tray\":2,\"pages_left\":14}'"
	"$pub" --config "$conf" --event printer/jam -m '{"tray":2,"pages_left":14}' || return 1
	say "\$ outpost-pub --config $conf --event door/back -m '{\"open\":true}'"
	"$pub" --config "$conf" --event door/back -m '{"open":true}' || return 1
	if ! wait_for 10 eval '[ "$(grep -c "\"kind\":" "$dir/sub.out")" -ge 2 ]'; then
		say "FAILED: the events did not reach the broker"
		sed 's/^/  | /' "$dir/pubd.log"
		return 1
	fi
	say "what mosquitto_sub -t 'outpost/#' -v received in namespace broker:"
	sed 's/^/  | /' "$dir/sub.out"
	say "events left in the edge's spool: $(find "$dir/spool/new" -type f | wc -l)"
	say "a damaged event file appears in new/ (a disk error, a careless hand):"
	say "\$ printf 'not json' >$dir/spool/new/00000000000000ff.printer.jam"
	printf 'not json' >"$dir/spool/new/00000000000000ff.printer.jam"
	if ! wait_for 10 test -e "$dir/spool/bad/00000000000000ff.printer.jam.why"; then
		say "FAILED: outpost-pubd did not set the damaged file aside"
		sed 's/^/  | /' "$dir/pubd.log"
		return 1
	fi
	say "outpost-pubd moved it aside, never deleting it; $dir/spool/bad/ holds:"
	(cd "$dir/spool/bad" && for n in *; do printf '  | %s\n' "$n"; done)
	say "and the reason beside it:"
	sed 's/^/  | /' "$dir/spool/bad/00000000000000ff.printer.jam.why"
	say "the retained status, as a newcomer reads it:"
	ns_exec broker mosquitto_sub -h 192.0.2.80 -t "$prefix/status" -v -C 1 -W 3 |
		sed 's/^/  | /'
	kill -TERM "$pubd_pid"
	wait "$pubd_pid"
	rc=$?
	say "outpost-pubd stopped by SIGTERM (exit $rc); the retained status now:"
	ns_exec broker mosquitto_sub -h 192.0.2.80 -t "$prefix/status" -v -C 1 -W 3 |
		sed 's/^/  | /'
	say "outpost-pubd log:"
	sed 's/^/  | /' "$dir/pubd.log"
	kill "$sub" 2>/dev/null
	return "$rc"
}

# ---- BEGIN routing: outpost-routed on the edge (owner: rttests) ----
# The edge's policy routing comes from outpost-routed: line tel (table
# 150, priority 1000, mark 0x150) carries dev1 (10.20.0.8/30) and the
# edge's own 203.0.113.2; line cnc (table 151, priority 1001, mark 0x151)
# carries dev2 and dev3 (10.20.0.12/30) and 198.51.100.2. Each line is
# tracked by pinging the origin through it and fails over to the other.
# The daemon stays up for the later parts (probe, dns): their fwmark and
# source rules are its rules.
ROUTING_DIR=$NETNS_TMP/routing
ROUTING_CONF=$ROUTING_DIR/outpost.conf
ROUTING_PID=
ROUTED=$top_builddir/rt/outpost-routed

# routing_conf: the config of the two routed lines.
routing_conf()
{
	mkdir -p "$ROUTING_DIR" && chmod 755 "$NETNS_TMP" "$ROUTING_DIR" || return 1
	printf '%s\n' "[node]" "id = edge-01" "region = chaoyang" "user = nobody" \
		"spool = $ROUTING_DIR/spool" "" \
		"[routing]" "rt-tables = $ROUTING_DIR/rt_tables.conf" \
		"rt-protos = $ROUTING_DIR/rt_protos.conf" "control = $ROUTING_DIR/routed.sock" "" \
		"[line \"tel\"]" "interface = eth-tel" "gateway = 203.0.113.1" \
		"table = 150" "priority = 1000" "fwmark = 0x150" \
		"source = 10.20.0.8/30" "source = 203.0.113.2/32" \
		"track = icmp 192.0.2.10" "interval = 500ms" "down-after = 3" "up-after = 2" \
		"failover = cnc" "" \
		"[line \"cnc\"]" "interface = eth-cnc" "gateway = 198.51.100.1" \
		"table = 151" "priority = 1001" "fwmark = 0x151" \
		"source = 10.20.0.12/30" "source = 198.51.100.2/32" \
		"track = icmp 192.0.2.10" "interval = 500ms" "down-after = 3" "up-after = 2" \
		"failover = tel" >"$ROUTING_CONF"
}

routing_up() { ns_exec edge "$ROUTED" -s --json -f "$ROUTING_CONF" >/dev/null 2>&1; }

# routing_state LINE: "up" or "down" as the daemon's status says.
routing_state()
{
	ns_exec edge "$ROUTED" -s --json -f "$ROUTING_CONF" 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
print([l["state"] for l in s["lines"] if l["name"] == sys.argv[1]][0])' "$1" 2>/dev/null
}

# probe_lines: the lines' rules and tables are in place (outpost-routed
# keeps them; started here when the routing part did not run).
probe_lines()
{
	if ! routing_up; then
		routing_conf || return 1
		bg_run edge "$ROUTED" -d -v -f "$ROUTING_CONF" >>"$ROUTING_DIR/routed.log" 2>&1
		ROUTING_PID=$BG_PID
		wait_for 10 routing_up || return 1
	fi
	wait_for 5 eval 'ns_exec edge ip rule show | grep -q "fwmark 0x151 lookup 151"'
}

# gw_counts: packets from each LAN device forwarded by each ISP router.
gw_counts()
{
	local isp
	for isp in isp-tel isp-cnc; do
		printf '  %-8s' "$isp"
		ns_exec "$isp" nft -j list table inet demo_rt | python3 -c '
import json, sys
for x in json.load(sys.stdin)["nftables"]:
    if "counter" in x:
        print("  %s %3d" % (x["counter"]["name"], x["counter"]["packets"]), end="")
print()'
	done
}

# lan_pings: one ping from each LAN device to the origin, and the
# routers' counters after them.
lan_pings()
{
	local rc=0 d
	for d in 1 2 3; do
		ping_show "dev$d" 192.0.2.10 "origin (from 10.20.0.1$d)" || rc=1
	done
	say "packets from each device forwarded by each ISP router (nft counters):"
	gw_counts
	return "$rc"
}

part_routing()
{
	local isp d rc=0 t0
	if [ ! -x "$ROUTED" ]; then
		say "FAILED: $ROUTED is not built in this tree"
		return 1
	fi
	routing_conf || return 1
	for isp in isp-tel isp-cnc; do
		ns_exec "$isp" nft -f - <<'NFT' || return 1
table inet demo_rt {
	counter dev1 { }
	counter dev2 { }
	counter dev3 { }
	chain count_lan {
		type filter hook forward priority 0; policy accept;
		ip saddr 10.20.0.11 ip daddr 192.0.2.0/24 counter name dev1
		ip saddr 10.20.0.12 ip daddr 192.0.2.0/24 counter name dev2
		ip saddr 10.20.0.13 ip daddr 192.0.2.0/24 counter name dev3
	}
}
NFT
	done
	say "config $ROUTING_CONF:"
	sed 's/^/  | /' "$ROUTING_CONF"
	say "\$ outpost-routed -n -f $ROUTING_CONF    (check)"
	ns_exec edge "$ROUTED" -n -f "$ROUTING_CONF" 2>&1 | sed 's/^/  | /'
	say "\$ outpost-routed --dry-run -f $ROUTING_CONF    (what it would do)"
	ns_exec edge "$ROUTED" --dry-run -f "$ROUTING_CONF" 2>&1 | sed 's/^/  | /'
	say "\$ outpost-routed -d -v -f $ROUTING_CONF    (in namespace edge; runs as nobody"
	say "  with cap_net_admin and cap_net_raw)"
	bg_run edge "$ROUTED" -d -v -f "$ROUTING_CONF" >>"$ROUTING_DIR/routed.log" 2>&1
	ROUTING_PID=$BG_PID
	if ! wait_for 10 routing_up || ! wait_for 10 eval '[ "$(routing_state tel)" = up ] &&
		[ "$(routing_state cnc)" = up ]'; then
		say "FAILED: outpost-routed did not come up"
		sed 's/^/  | /' "$ROUTING_DIR/routed.log"
		return 1
	fi
	say "\$ outpost-routed -s -f $ROUTING_CONF"
	ns_exec edge "$ROUTED" -s -f "$ROUTING_CONF" | sed 's/^/  | /'
	say "\$ ip rule; ip route show table 150; ip route show table 151    (in namespace edge)"
	ns_exec edge ip rule | sed 's/^/  | /'
	ns_exec edge ip route show table 150 | sed 's/^/  | 150: /'
	ns_exec edge ip route show table 151 | sed 's/^/  | 151: /'
	say "each LAN device pings the origin: dev1 by tel (about 20 ms), dev2 and dev3"
	say "by cnc (about 35 ms: 25 ms each way on cnc, replies come back by tel)"
	lan_pings || rc=1

	title "routing: repair"
	say "someone runs \`ip rule flush\` on the edge (it takes the kernel's main and"
	say "default rules too; those are not Outpost's, the operator puts them back):"
	t0=$(wc -l <"$ROUTING_DIR/routed.log")
	say "\$ ip rule flush; ip rule add priority 32766 lookup main; ip rule add priority 32767 lookup default"
	ns_exec edge ip rule flush
	ns_exec edge ip rule add priority 32766 lookup main proto kernel
	ns_exec edge ip rule add priority 32767 lookup default proto kernel
	if ! wait_for 5 eval 'ns_exec edge ip rule show | grep -q "fwmark 0x151 lookup 151"'; then
		say "FAILED: the rules did not come back"
		rc=1
	fi
	sleep 0.3
	say "\$ ip rule    (a moment later)"
	ns_exec edge ip rule | sed 's/^/  | /'
	say "outpost-routed's log:"
	tail -n +"$((t0 + 1))" "$ROUTING_DIR/routed.log" | sed 's/^/  | /'
	ping_show dev1 192.0.2.10 "origin, by tel again" || rc=1

	title "routing: failover"
	say "line tel dies: isp-tel drops every echo request to the origin"
	say "\$ nft add table inet demo_kill ... drop    (in namespace isp-tel)"
	ns_exec isp-tel nft -f - <<'NFT' || return 1
table inet demo_kill {
	chain drop_echo {
		type filter hook forward priority -10; policy accept;
		ip daddr 192.0.2.10 icmp type echo-request drop
	}
}
NFT
	if ! wait_for 10 eval '[ "$(routing_state tel)" = down ]'; then
		say "FAILED: tel was not declared down"
		rc=1
	fi
	wait_for 3 eval 'ns_exec edge ip rule show | grep -q "^1000:.*from 10.20.0.8/30 lookup 151"'
	say "\$ outpost-routed -s -f $ROUTING_CONF"
	ns_exec edge "$ROUTED" -s -f "$ROUTING_CONF" | sed 's/^/  | /'
	say "\$ ip rule    (tel's rules look up cnc's table 151; its oif rule keeps"
	say "  the health probes on tel)"
	ns_exec edge ip rule | sed 's/^/  | /'
	say "the event in the spool ($ROUTING_DIR/spool/new):"
	for d in "$ROUTING_DIR"/spool/new/*.line.tel; do
		[ -e "$d" ] && printf '  | %s: %s\n' "${d##*/}" "$(cat "$d")"
	done
	say "dev1 now leaves by cnc, like dev2 and dev3:"
	lan_pings || rc=1
	say "line tel comes back:"
	say "\$ nft delete table inet demo_kill    (in namespace isp-tel)"
	ns_exec isp-tel nft delete table inet demo_kill
	if ! wait_for 10 eval '[ "$(routing_state tel)" = up ]'; then
		say "FAILED: tel did not come back"
		rc=1
	fi
	wait_for 3 eval 'ns_exec edge ip rule show | grep -q "^1000:.*from 10.20.0.8/30 lookup 150"'
	say "\$ outpost-routed -s -f $ROUTING_CONF"
	ns_exec edge "$ROUTED" -s -f "$ROUTING_CONF" | sed 's/^/  | /'
	ping_show dev1 192.0.2.10 "origin, by tel again" || rc=1
	say "outpost-routed's line log:"
	grep -F '[line' "$ROUTING_DIR/routed.log" | sed 's/^/  | /'
	say "(outpost-routed keeps running for the next parts)"
	return "$rc"
}
# ---- END routing ----

# One round of each probe, summarised from what the broker received.
probe_summary()
{
	python3 -c '
import json, sys
for line in open(sys.argv[1], errors="replace"):
    topic, _, payload = line.rstrip("\n").partition(" ")
    if "/probe/" not in topic:
        continue
    e = json.loads(payload)
    d = e["data"]
    for r in d["results"]:
        rtt = (r.get("rtt") or {}).get("avg")
        if r["type"] == "http" and r.get("total_ms") is not None:
            what = "status %s, total %.1f ms" % (r.get("status"), r["total_ms"])
        else:
            what = "avg %.1f ms" % rtt if rtt is not None else ""
        print("  %-12s round %d  %-5s %-12s %-10s %s" % (e["name"], d["round"], d["type"],
              r["dst"], r["outcome"], what))
' "$1"
}

# outpost-probe from the edge over each line to the origin, then
# outpost-probed recording a round of probes that outpost-pubd delivers.
part_probe()
{
	local dir=$NETNS_TMP/probe probe=$top_builddir/probes/outpost-probe
	local probed=$top_builddir/probes/outpost-probed pubd=$top_builddir/modules/mqtt/outpost-pubd
	local conf n line pubd_pid probed_pid sub rc=0
	for n in "$probe" "$probed" "$pubd"; do
		if [ ! -x "$n" ]; then
			say "FAILED: $n is not built in this tree"
			return 1
		fi
	done
	if ! ns_exec broker bash -c 'exec 3<>/dev/tcp/192.0.2.80/1883' 2>/dev/null; then
		say "FAILED: no broker at 192.0.2.80 (the mqtt part did not run)"
		return 1
	fi
	mkdir -p "$dir" && chmod 755 "$dir" || return 1
	probe_lines || { say "FAILED: cannot add the lines' rules and tables"; return 1; }
	# A web server on the origin, for the tcp and http probes.
	mkdir -p "$dir/www" && printf 'package index of the origin\n' >"$dir/www/index.txt"
	bg_run origin python3 -m http.server 80 --bind 192.0.2.10 --directory "$dir/www" \
		>"$dir/http.log" 2>&1
	wait_for 10 ns_exec edge bash -c 'exec 3<>/dev/tcp/192.0.2.10/80' 2>/dev/null
	conf=$dir/outpost.conf
	printf '%s\n' "[node]" "id = edge-01" "region = chaoyang" "user = nobody" \
		"spool = $dir/spool" "" "[mqtt]" "url = mqtt://192.0.2.80:1883" "qos = 1" \
		"heartbeat = 0" "" \
		"[line \"tel\"]" "interface = eth-tel" "gateway = 203.0.113.1" \
		"source = 203.0.113.2/32" "fwmark = 0x150" "" \
		"[line \"cnc\"]" "interface = eth-cnc" "gateway = 198.51.100.1" \
		"source = 198.51.100.2/32" "fwmark = 0x151" "" \
		"[probe \"origin-tel\"]" "type = ping" "target = 192.0.2.10" "via = tel" \
		"count = 3" "interval = 30s" "spread = 2s" "" \
		"[probe \"origin-cnc\"]" "type = ping" "target = 192.0.2.10" "via = cnc" \
		"count = 3" "interval = 30s" "spread = 2s" "" \
		"[probe \"origin-web\"]" "type = tcp" "target = 192.0.2.10" "port = 80" \
		"via = cnc" "count = 3" "interval = 30s" "spread = 2s" "" \
		"[probe \"origin-http\"]" "type = http" "target = http://192.0.2.10/index.txt" \
		"via = tel" "interval = 30s" "spread = 2s" >"$conf"
	say "config $conf:"
	sed 's/^/  | /' "$conf"
	for line in tel cnc; do
		say "\$ outpost-probe ping --config $conf --via $line -c 5 -i 200ms 192.0.2.10"
		ns_exec edge "$probe" ping --config "$conf" --via "$line" -c 5 -i 200ms 192.0.2.10 |
			sed 's/^/  | /'
		[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: ping via $line"; rc=1; }
	done
	for line in tel cnc; do
		say "\$ outpost-probe tcp --config $conf --via $line -p 80 -c 3 192.0.2.10"
		ns_exec edge "$probe" tcp --config "$conf" --via "$line" -p 80 -c 3 192.0.2.10 |
			sed 's/^/  | /'
		[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: tcp via $line"; rc=1; }
	done
	for line in tel cnc; do
		say "\$ outpost-probe http --config $conf --via $line http://192.0.2.10/index.txt"
		ns_exec edge "$probe" http --config "$conf" --via "$line" http://192.0.2.10/index.txt |
			sed 's/^/  | /'
		[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: http via $line"; rc=1; }
	done
	say "(each line's delay shows: about 20 ms over tel, 50 ms over cnc)"

	bg_run broker mosquitto_sub -h 192.0.2.80 -t 'outpost/chaoyang/edge-01/probe/#' \
		-t 'outpost/chaoyang/edge-01/probe-change/#' -v >"$dir/sub.out" 2>&1
	sub=$BG_PID
	say "\$ outpost-pubd -d -f $conf    (in namespace edge)"
	bg_run edge "$pubd" -d -f "$conf" >"$dir/pubd.log" 2>&1
	pubd_pid=$BG_PID
	say "\$ outpost-probed -d -v -f $conf    (in namespace edge; runs as nobody with"
	say "  cap_net_raw, and cap_net_admin for the lines' fwmarks)"
	bg_run edge "$probed" -d -v -f "$conf" >"$dir/probed.log" 2>&1
	probed_pid=$BG_PID
	if ! wait_for 20 eval '[ "$(grep -c "/probe/" "$dir/sub.out")" -ge 4 ]'; then
		say "FAILED: the rounds did not reach the broker"
		sed 's/^/  | /' "$dir/probed.log" "$dir/pubd.log"
		rc=1
	fi
	say "what the broker received, one line per target of each round:"
	probe_summary "$dir/sub.out"
	say "the first event as published:"
	grep -m1 '/probe/' "$dir/sub.out" | sed 's/^/  | /'
	say "outpost-probed's privileges: $(grep -E '^(Uid|CapEff)' "/proc/$probed_pid/status" |
		tr -s '\t\n' '  ')"
	kill -TERM "$probed_pid" "$pubd_pid"
	wait "$probed_pid" || { say "FAILED: outpost-probed exited $?"; rc=1; }
	wait "$pubd_pid"
	kill "$sub" 2>/dev/null
	say "outpost-probed log:"
	sed 's/^/  | /' "$dir/probed.log"
	return "$rc"
}

# ---- BEGIN dnsd: the DNS part ----
# The resolver at 192.0.2.53 serves the zone example.test (dnsmasq) and
# DNS over TLS on port 853 (stunnel in front of it, a demo CA). Line cnc's
# ISP hijacks DNS as some do: isp-cnc redirects every port-53 query that
# comes up the line (nftables DNAT) to the lying resolver on 192.0.2.66,
# which answers every name under example.test with its own address (a
# wrong address, and NXDOMAIN rewritten). Port 853 is not redirected: the
# DoT reference, whose certificate a redirect cannot present, stays honest.
dns_world()
{
	local dir=$1 n
	certs_make "$dir/certs" dns.example.test >"$dir/certs.log" 2>&1 || return 1
	bg_run resolver dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address=192.0.2.53 --bind-interfaces --local=/example.test/ \
		--local-ttl=300 --host-record=www.example.test,192.0.2.10 \
		--host-record=origin.example.test,192.0.2.10 --log-queries \
		--log-facility="$dir/resolver.log" >"$dir/resolver.out" 2>&1
	printf '%s\n' "foreground = yes" "pid =" "[dot]" "accept = 192.0.2.53:853" \
		"connect = 192.0.2.53:53" "cert = $dir/certs/server.pem" \
		"key = $dir/certs/server.key" >"$dir/stunnel.conf"
	bg_run resolver stunnel "$dir/stunnel.conf" >"$dir/stunnel.log" 2>&1
	bg_run hijacker dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address=192.0.2.66 --bind-interfaces --address=/example.test/192.0.2.66 \
		--local-ttl=86400 --log-queries --log-facility="$dir/liar.log" \
		>"$dir/liar.out" 2>&1
	hijack_on || return 1
	# dig -b picks a line by its source address, as a multi-homed host does.
	ns_exec edge ip rule add from 203.0.113.2 table 150 priority 1100 &&
		ns_exec edge ip rule add from 198.51.100.2 table 151 priority 1101 || return 1
	for n in 1 2 3 4 5 6 7 8 9 10; do
		ns_exec resolver bash -c 'exec 3<>/dev/tcp/192.0.2.53/853' 2>/dev/null &&
			ns_exec edge dig +short +time=1 +tries=1 @192.0.2.53 www.example.test \
				>/dev/null 2>&1 && return 0
		sleep 0.3
	done
	return 1
}

# isp-cnc starts (or stops) redirecting line cnc's DNS to the liar.
hijack_on()
{
	ns_exec isp-cnc nft -f - <<'NFT'
table ip hijack {
	chain pre {
		type nat hook prerouting priority dstnat;
		iifname "eth-edge" udp dport 53 dnat to 192.0.2.66
		iifname "eth-edge" tcp dport 53 dnat to 192.0.2.66
	}
}
NFT
}
hijack_off() { ns_exec isp-cnc nft delete table ip hijack; }

# dig_show SOURCE LINE NAME: one lookup from the edge over a line.
dig_show()
{
	local out
	out=$(ns_exec edge dig +noall +answer +comments +time=2 +tries=1 -b "$1" \
		@192.0.2.53 "$3" 2>&1)
	printf '  %-4s %-22s status %-9s %s\n' "$2" "$3" \
		"$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")" \
		"$(awk '$4 == "A" { printf "%s (ttl %s) ", $5, $2 }' <<<"$out")"
}

# The hijack probes' JSON, summarised: verdict and each check's status.
hijack_summary()
{
	python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    checks = r.get("checks") or {}
    print("  %-18s @%-12s verdict %-9s %s" % (r.get("target"), r.get("dst"), r.get("verdict"),
          " ".join("%s=%s" % (k, (v or {}).get("status")) for k, v in checks.items())))
'
}

part_dns()
{
	local dir=$NETNS_TMP/dns probe=$top_builddir/probes/outpost-probe line rc=0 out
	local probed=$top_builddir/probes/outpost-probed pubd=$top_builddir/modules/mqtt/outpost-pubd
	local conf sub pubd_pid probed_pid have_dns=1 have_hijack=1
	local hj_args=(--dot "192.0.2.53#dns.example.test" --not-bogon 192.0.2.0/24)
	for n in dnsmasq stunnel dig nft; do
		if ! command -v "$n" >/dev/null 2>&1; then
			say "FAILED: $n is not installed (contrib/install-deps)"
			return 1
		fi
	done
	mkdir -p "$dir" && chmod 755 "$dir" || return 1
	if ! ns_exec edge ip rule show | grep -q 'fwmark 0x151'; then
		probe_lines || { say "FAILED: cannot add the lines' rules and tables"; return 1; }
	fi
	if ! dns_world "$dir"; then
		say "FAILED: the resolvers did not come up"
		sed 's/^/  | /' "$dir"/*.out "$dir"/*.log 2>/dev/null
		return 1
	fi
	say "resolver 192.0.2.53: dnsmasq for example.test, DNS over TLS on :853 (stunnel,"
	say "  certificate for dns.example.test from the demo CA $dir/certs/ca.pem)"
	say "isp-cnc redirects port 53 from line cnc to the liar at 192.0.2.66:"
	ns_exec isp-cnc nft list table ip hijack | sed 's/^/  | /'
	say "\$ dig -b SOURCE-OF-LINE @192.0.2.53 NAME    (in namespace edge)"
	for line in "203.0.113.2 tel" "198.51.100.2 cnc"; do
		dig_show ${line% *} ${line#* } www.example.test
		dig_show ${line% *} ${line#* } no-such-name.example.test
	done
	say "(the same question to the same address: line cnc's answers are the liar's)"

	# The subcommands come from the dns and hijack parts of issue 8.
	out=$("$probe" dns 2>&1)
	grep -q "is not a probe type" <<<"$out" && have_dns=0
	out=$("$probe" hijack 2>&1)
	grep -q "is not a probe type" <<<"$out" && have_hijack=0
	if [ "$have_dns" = 1 ]; then
		for line in tel cnc; do
			say "\$ outpost-probe dns --via $line -c 3 -i 200ms @192.0.2.53 www.example.test"
			ns_exec edge "$probe" dns --config "$NETNS_TMP/probe/outpost.conf" --via "$line" \
				-c 3 -i 200ms @192.0.2.53 www.example.test | sed 's/^/  | /'
			[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: dns via $line"; rc=1; }
		done
	else
		say "(outpost-probe dns is not built on this branch yet: skipped)"
	fi
	if [ "$have_hijack" = 1 ]; then
		for line in tel cnc; do
			say "\$ outpost-probe hijack --via $line www.example.test @192.0.2.53 \\"
			say "    --dot 192.0.2.53#dns.example.test --ca-file ca.pem --not-bogon 192.0.2.0/24"
			out=$(ns_exec edge "$probe" hijack --config "$NETNS_TMP/probe/outpost.conf" \
				--via "$line" --ca-file "$dir/certs/ca.pem" "${hj_args[@]}" \
				www.example.test @192.0.2.53 2>&1)
			n=$?
			sed 's/^/  | /' <<<"$out"
			case "$line/$n" in
			tel/0) say "  (exit 0: clean over tel)" ;;
			cnc/1) grep -q hijacked <<<"$out" && say "  (exit 1: hijacked over cnc)" ||
				{ say "FAILED: cnc not found hijacked"; rc=1; } ;;
			*) say "FAILED: hijack via $line exited $n"; rc=1 ;;
			esac
		done
	else
		say "(outpost-probe hijack is not built on this branch yet: skipped)"
		return "$rc"
	fi

	# outpost-probed: a hijack probe per line, rounds and verdicts to the broker.
	if ! ns_exec broker bash -c 'exec 3<>/dev/tcp/192.0.2.80/1883' 2>/dev/null; then
		say "FAILED: no broker at 192.0.2.80 (the mqtt part did not run)"
		return 1
	fi
	conf=$dir/outpost.conf
	sed -n '/^\[probe/,$d; p' "$NETNS_TMP/probe/outpost.conf" |
		sed "s|^spool = .*|spool = $dir/spool|" >"$conf"
	printf '%s\n' "" \
		"[probe \"dns-tel\"]" "type = hijack" "target = www.example.test" \
		"resolvers = 192.0.2.53" "dot = 192.0.2.53#dns.example.test" \
		"ca-file = $dir/certs/ca.pem" "not-bogon = 192.0.2.0/24" "via = tel" \
		"timeout = 1s" "interval = 5s" "spread = 1s" "" \
		"[probe \"dns-cnc\"]" "type = hijack" "target = www.example.test" \
		"resolvers = 192.0.2.53" "dot = 192.0.2.53#dns.example.test" \
		"ca-file = $dir/certs/ca.pem" "not-bogon = 192.0.2.0/24" "via = cnc" \
		"timeout = 1s" "interval = 5s" "spread = 1s" >>"$conf"
	say "config $conf (the probes):"
	sed -n '/^\[probe/,$p' "$conf" | sed 's/^/  | /'
	bg_run broker mosquitto_sub -h 192.0.2.80 -t 'outpost/chaoyang/edge-01/probe/#' \
		-t 'outpost/chaoyang/edge-01/hijack/#' -v >"$dir/sub.out" 2>&1
	sub=$BG_PID
	bg_run edge "$pubd" -d -f "$conf" >"$dir/pubd.log" 2>&1
	pubd_pid=$BG_PID
	say "isp-cnc stops hijacking for a while: both lines start clean"
	hijack_off
	say "\$ outpost-probed -d -v -f $conf    (in namespace edge)"
	bg_run edge "$probed" -d -v -f "$conf" >"$dir/probed.log" 2>&1
	probed_pid=$BG_PID
	if ! wait_for 30 eval '[ "$(grep -c "/probe/dns-" "$dir/sub.out")" -ge 4 ]'; then
		say "FAILED: the hijack rounds did not reach the broker"
		sed 's/^/  | /' "$dir/probed.log" "$dir/pubd.log"
		rc=1
	fi
	say "isp-cnc hijacks again (the nftables DNAT is back)"
	hijack_on
	if ! wait_for 30 grep -q "/hijack/dns-cnc" "$dir/sub.out"; then
		say "FAILED: no verdict change event for line cnc"
		sed 's/^/  | /' "$dir/probed.log"
		rc=1
	fi
	say "what the broker received (topic, then each result's verdict and checks):"
	grep "/probe/dns-" "$dir/sub.out" | while read -r topic payload; do
		say "  $topic round $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["round"])' "$payload")"
		python3 -c 'import json,sys; [print(json.dumps(r)) for r in json.loads(sys.argv[1])["data"]["results"]]' \
			"$payload" | hijack_summary
	done
	say "the verdict change, as published:"
	grep "/hijack/dns-cnc" "$dir/sub.out" | python3 -c '
import json, sys
for line in sys.stdin:
    topic, _, payload = line.rstrip("\n").partition(" ")
    d = json.loads(payload)["data"]
    print("  %s: %s @%s round %d: %s -> %s" % (topic, d["target"], d["dst"], d["round"],
          d["from"], d["to"]))
    for k, v in d["evidence"].items():
        print("    evidence %-12s %-8s %s" % (k, v.get("status"), v.get("why", "")))
'
	grep -q '/hijack/dns-tel' "$dir/sub.out" && { say "FAILED: line tel changed verdict"; rc=1; }
	kill -TERM "$probed_pid" "$pubd_pid"
	wait "$probed_pid" || { say "FAILED: outpost-probed exited $?"; rc=1; }
	wait "$pubd_pid"
	kill "$sub" 2>/dev/null
	return "$rc"
}
# ---- END dnsd ----

# ---- BEGIN shape: outpost-shape on the edge's line (owner: shtool) ----
# Region chaoyang's packages come from the origin (192.0.2.10) over line
# tel; outpost-shape caps them at 10 Mbit/s in the kernel while anything
# else (here an iperf3 server on the broker host, 192.0.2.80) keeps the
# rest of the line. A download from each to dev1 shows the difference.
SHAPE=$top_builddir/modules/shape/outpost-shape

# shape_rate FILE: the received rate of an iperf3 -J run, in Mbit/s.
shape_rate()
{
	python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print("%.1f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception:
    print("?")' "$1"
}

part_shape()
{
	local dir=$NETNS_TMP/shape conf rc=0 a b
	if [ ! -x "$SHAPE" ]; then
		say "FAILED: $SHAPE is not built in this tree"
		return 1
	fi
	command -v iperf3 >/dev/null 2>&1 || { say "FAILED: iperf3 is not installed"; return 1; }
	mkdir -p "$dir" || return 1
	conf=$dir/outpost.conf
	printf '%s\n' "[node]" "id = edge-01" "region = chaoyang" "" \
		"[region \"chaoyang\"]" "lan = 10.20.0.0/16" "wan-interface = eth-tel" \
		"origin = 192.0.2.10/32" "origin-rate = 10mbit" "line-rate = 100mbit" >"$conf"
	say "config $conf:"
	sed 's/^/  | /' "$conf"
	say "\$ outpost-shape -f $conf apply    (in namespace edge)"
	ns_exec edge "$SHAPE" -f "$conf" apply 2>&1 | sed 's/^/  | /'
	[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: outpost-shape apply"; return 1; }
	bg_run origin iperf3 -s -B 192.0.2.10 -p 5201 >/dev/null 2>&1
	a=$BG_PID
	bg_run broker iperf3 -s -B 192.0.2.80 -p 5201 >/dev/null 2>&1
	b=$BG_PID
	wait_for 5 eval 'ns_exec origin ss -Hltn "sport = :5201" | grep -q . &&
		ns_exec broker ss -Hltn "sport = :5201" | grep -q .' ||
		{ say "FAILED: the iperf3 servers did not come up"; bg_kill "$a" "$b"; return 1; }
	say "downloads to dev1, 3 s each (iperf3 -R), one after the other:"
	ns_exec dev1 iperf3 -c 192.0.2.10 -p 5201 -R -t 3 -J >"$dir/capped.json" 2>&1 || rc=1
	say "  from the origin 192.0.2.10 (capped at 10 Mbit/s): $(shape_rate "$dir/capped.json") Mbit/s"
	ns_exec dev1 iperf3 -c 192.0.2.80 -p 5201 -R -t 3 -J >"$dir/free.json" 2>&1 || rc=1
	say "  from 192.0.2.80 (business, not capped):          $(shape_rate "$dir/free.json") Mbit/s"
	bg_kill "$a" "$b"
	[ "$rc" = 0 ] || say "FAILED: an iperf3 download did not finish"
	# The cap is an upper bound: more than 10 % above it is a failure.
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 11 else 1)' \
		"$(shape_rate "$dir/capped.json" | sed 's/?/999/')" ||
		{ say "FAILED: the origin download was not capped"; rc=1; }
	say "\$ outpost-shape -f $conf show"
	ns_exec edge "$SHAPE" -f "$conf" show 2>&1 | sed 's/^/  | /'
	[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: outpost-shape show"; rc=1; }
	say "\$ outpost-shape clear"
	ns_exec edge "$SHAPE" clear 2>&1 | sed 's/^/  | /'
	[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: outpost-shape clear"; rc=1; }
	return "$rc"
}
# ---- END shape ----

# ---- BEGIN p2p: the package transfer part ----
# The origin makes a package and its torrent and seeds it; dev1 fetches
# it over line tel; dev2 then fetches it from dev1 inside the LAN only,
# so the package crossed the line once for two devices.
P2P=$top_builddir/modules/p2p/outpost-p2p

# p2p_done_show FILE WHO: the "done" line of a get --json, for people.
p2p_done_show()
{
	python3 -c '
import json, sys
d = None
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("type") in ("done", "failed"):
        d = o
if not d or d["type"] != "done":
    print("  %s: FAILED: %s" % (sys.argv[2], d["reason"] if d else "no result"))
    sys.exit(1)
print("  %s: %d bytes in %.1f s: %d from peers, %d from web seeds, %d hash failures"
      % (sys.argv[2], d["size"], d["seconds"], d["from_peers"], d["from_webseeds"],
         d["hash_fails"]))' "$1" "$2"
}

part_p2p()
{
	local dir=$NETNS_TMP/p2p rc=0 seed1 seed2 want got
	if [ ! -x "$P2P" ]; then
		say "FAILED: $P2P is not built in this tree"
		return 1
	fi
	mkdir -p "$dir/origin/pkg-1.0/lib" "$dir/dev1" "$dir/dev2" || return 1
	head -c 6000000 /dev/urandom >"$dir/origin/pkg-1.0/lib/core.bin"
	head -c 2000000 /dev/urandom >"$dir/origin/pkg-1.0/update.bin"
	printf 'pkg 1.0\n' >"$dir/origin/pkg-1.0/VERSION"
	say "\$ outpost-p2p create origin/pkg-1.0 -o pkg.torrent    (in namespace origin)"
	(cd "$dir" && ns_exec origin "$P2P" create origin/pkg-1.0 -o pkg.torrent) 2>&1 |
		sed 's/^/  | /'
	[ "${PIPESTATUS[0]}" = 0 ] || { say "FAILED: outpost-p2p create"; return 1; }
	bg_run origin "$P2P" seed "$dir/pkg.torrent" "$dir/origin" --no-lsd --no-trackers \
		--quiet >"$dir/origin.log" 2>&1
	seed1=$BG_PID
	wait_for 10 eval 'ns_exec origin ss -Hltn "sport = :6881" | grep -q .' ||
		{ say "FAILED: the origin's seed did not listen"; cat "$dir/origin.log"; bg_kill "$seed1"; return 1; }
	say "the origin 192.0.2.10 seeds it on port 6881"
	say "\$ outpost-p2p get pkg.torrent -o dev1 --peer 192.0.2.10:6881    (in namespace dev1)"
	ns_exec dev1 timeout 20 "$P2P" get "$dir/pkg.torrent" -o "$dir/dev1" --peer 192.0.2.10:6881 \
		--no-lsd --port 0 --stall 10s --json >"$dir/dev1.json" 2>"$dir/dev1.err"
	p2p_done_show "$dir/dev1.json" "dev1 (from the origin, over line tel)" ||
		{ sed 's/^/  | /' "$dir/dev1.err"; rc=1; }
	bg_run dev1 "$P2P" seed "$dir/pkg.torrent" "$dir/dev1" --no-lsd --no-trackers \
		--quiet >"$dir/dev1-seed.log" 2>&1
	seed2=$BG_PID
	wait_for 10 eval 'ns_exec dev1 ss -Hltn "sport = :6881" | grep -q .' || rc=1
	say "\$ outpost-p2p get pkg.torrent -o dev2 --peer 10.20.0.11:6881    (in namespace dev2)"
	ns_exec dev2 timeout 20 "$P2P" get "$dir/pkg.torrent" -o "$dir/dev2" --peer 10.20.0.11:6881 \
		--no-lsd --port 0 --stall 10s --json >"$dir/dev2.json" 2>"$dir/dev2.err"
	p2p_done_show "$dir/dev2.json" "dev2 (from dev1, inside the LAN)" ||
		{ sed 's/^/  | /' "$dir/dev2.err"; rc=1; }
	bg_kill "$seed1" "$seed2"
	want=$(cd "$dir/origin" && find pkg-1.0 -type f | sort | xargs sha256sum | sha256sum)
	for d in dev1 dev2; do
		got=$(cd "$dir/$d" 2>/dev/null && find pkg-1.0 -type f | sort | xargs sha256sum | sha256sum)
		if [ "$got" = "$want" ]; then
			say "  $d: SHA-256 of every file matches the origin's"
		else
			say "FAILED: $d: the files differ from the origin's"
			rc=1
		fi
	done
	return "$rc"
}
# ---- END p2p ----

# ---- BEGIN region: outpost-p2pd on the region's devices ----
# The origin serves a package and its .torrent (the origin as web seed)
# with nginx; outpost-p2pd runs on dev1..dev3, each told the .torrent's
# URL. They share the work: each piece crosses line tel once, and the
# origin's log shows the bytes it sent next to the package's size.
P2PD=$top_builddir/modules/p2p/outpost-p2pd

# region_nginx DIR: nginx on the origin serving DIR/www on port 8080,
# logging the body bytes of every response.
region_nginx()
{
	local dir=$1
	{
		echo "user root;"
		echo "worker_processes 1;"
		echo "pid $dir/nginx.pid;"
		echo "error_log $dir/nginx.err;"
		echo "events { worker_connections 64; }"
		echo "http {"
		echo "  log_format bytes '\$remote_addr \$body_bytes_sent \"\$request\"';"
		echo "  access_log $dir/access.log bytes;"
		echo "  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;"
		echo "  fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi;"
		echo "  scgi_temp_path $dir/scgi;"
		echo "  root $dir/www;"
		echo "  server { listen 192.0.2.10:8080; }"
		echo "}"
	} >"$dir/nginx.conf"
	bg_run origin nginx -c "$dir/nginx.conf" -g 'daemon off;' >/dev/null 2>&1
	REGION_NGINX=$BG_PID
	# its own port: the probe part's web server may still hold :80
	wait_for 10 eval 'kill -0 "$REGION_NGINX" && ns_exec origin ss -Hltn "sport = :8080" | grep -q .'
}

# region_done DIR: every device lists its transfer as seeding.
region_done()
{
	local d
	for d in dev1 dev2 dev3; do
		ns_exec "$d" "$P2P" list --config "$1/$d/outpost.conf" 2>/dev/null |
			grep -q ' seeding ' || return 1
	done
}

part_region()
{
	local dir=$NETNS_TMP/region d rc=0 size sent pid
	[ -x "$P2PD" ] && [ -x "$P2P" ] || { say "FAILED: outpost-p2pd is not built in this tree"; return 1; }
	command -v nginx >/dev/null 2>&1 || { say "FAILED: nginx is not installed"; return 1; }
	mkdir -p "$dir/www" || return 1
	# the daemons, as [node] user, reach their folders through these
	chmod 755 "$NETNS_TMP" "$dir" "$dir/www"
	head -c 12000000 /dev/urandom >"$dir/www/fw-2.4.bin"
	size=$(stat -c %s "$dir/www/fw-2.4.bin")
	"$P2P" create "$dir/www/fw-2.4.bin" -o "$dir/www/fw-2.4.torrent" \
		--webseed http://192.0.2.10:8080/ >/dev/null || { say "FAILED: outpost-p2p create"; return 1; }
	chmod -R a+rX "$dir/www"
	region_nginx "$dir" || { say "FAILED: nginx on the origin did not come up"; return 1; }
	for d in dev1 dev2 dev3; do
		mkdir -p "$dir/$d"
		printf '%s\n' "[node]" "id = kiosk-$d" "region = chaoyang" "user = nobody" \
			"spool = $dir/$d/spool" "" "[region \"chaoyang\"]" "lan = 10.20.0.0/16" \
			"wan-interface = eth-tel" "origin = 192.0.2.0/24" "origin-rate = 20mbit" \
			"line-rate = 100mbit" "" "[p2p]" "data-dir = $dir/$d/data" \
			"control = $dir/$d/p2pd.sock" >"$dir/$d/outpost.conf"
		bg_run "$d" "$P2PD" -d -f "$dir/$d/outpost.conf" >"$dir/$d/log" 2>&1
	done
	say "config of dev1 (the others differ in [node] id):"
	sed 's/^/  | /' "$dir/dev1/outpost.conf"
	for d in dev1 dev2 dev3; do
		wait_for 10 test -S "$dir/$d/p2pd.sock" || { say "FAILED: outpost-p2pd on $d"; rc=1; }
	done
	say "\$ outpost-p2p add http://192.0.2.10:8080/fw-2.4.torrent    (on dev1, dev2 and dev3)"
	for d in dev1 dev2 dev3; do
		ns_exec "$d" "$P2P" add http://192.0.2.10:8080/fw-2.4.torrent --config "$dir/$d/outpost.conf" |
			sed "s/^/  | $d: /"
	done
	if ! wait_for 90 region_done "$dir"; then
		say "FAILED: not every device finished in 90 s"
		for d in dev1 dev2 dev3; do sed "s/^/  | $d: /" "$dir/$d/log"; done
		rc=1
	fi
	for d in dev1 dev2 dev3; do
		say "\$ outpost-p2p list    (on $d)"
		ns_exec "$d" "$P2P" list --config "$dir/$d/outpost.conf" 2>&1 | sed 's/^/  | /'
	done
	say "\$ outpost-p2p status    (on dev1)"
	ns_exec dev1 "$P2P" status --config "$dir/dev1/outpost.conf" 2>&1 | sed 's/^/  | /'
	sent=$(awk '$3 == "\"GET" && $4 == "/fw-2.4.bin" { s += $2 } END { print s + 0 }' \
		"$dir/access.log" 2>/dev/null)
	say "the origin sent $sent bytes of fw-2.4.bin to the region, for a $size-byte package" \
		"(x$(python3 -c "print('%.2f' % ($sent / $size))"); three plain downloads: x3.00)"
	for d in dev1 dev2 dev3; do
		# shellcheck disable=SC2211
		cmp -s "$dir/www/fw-2.4.bin" "$dir/$d/data/content/"*/fw-2.4.bin ||
			{ say "FAILED: $d's copy differs from the origin's"; rc=1; }
	done
	[ "$rc" = 0 ] && say "  every device's copy matches the origin's byte for byte"
	for d in dev1 dev2 dev3; do
		for pid in $(ip netns pids "$(ns "$d")"); do bg_kill "$pid"; done
	done
	bg_kill "$REGION_NGINX"
	return "$rc"
}
# ---- END region ----

failed=()
for p in "${PARTS[@]}"; do
	title "$p"
	if ! "part_$p"; then
		failed+=("$p")
		# Later parts need the world; without it there is nothing to show.
		[ "$p" = world ] && break
	fi
done

if [ "${DEMO_PAUSE:-0}" = 1 ]; then
	title "pause"
	say "explore with: ip netns exec $(ns edge) bash   (Enter removes the world)"
	read -r _
fi

title "teardown"
netns_teardown
left=$(ip netns list | grep -c "^$NETNS_PREFIX")
say "world removed: $left namespaces left"

if [ ${#failed[@]} -gt 0 ]; then
	say "demo: FAILED parts: ${failed[*]}"
	exit 1
fi
say "demo: all parts ran"
