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

# ---- BEGIN rttests helpers (owner: rttests) ----
# The integration tests' (tests/rt/rt-*.sh) and benchmarks' shared parts:
# the rtnetlink watcher, the expected state of rt_conf, the daemon, the
# spool's events and the status object.
RT_WATCH=$top_srcdir/tests/tools/rt-watch.py
RT_CONF=$NETNS_TMP/outpost.conf
RT_LOG=$NETNS_TMP/routed.log

# rt_watch FILE: rt-watch.py in node, its JSON lines in FILE; returns
# once it has joined the groups (RT_WATCH_PID).
rt_watch()
{
	bg_run node python3 "$RT_WATCH" >"$1" 2>"$1.err"
	RT_WATCH_PID=$BG_PID
	wait_until 10 grep -q '"ready"' "$1"
}

# rt_lines FILE: how many lines FILE has now (a position in a watch
# file), once rt-watch.py has caught up: the file has not grown for
# 0.3 s (under load the watcher can lag behind a burst the kernel
# already holds, and a position taken then would count the end of the
# burst as what comes after).
rt_lines()
{
	local a b=-1 i
	for i in $(seq 50); do
		a=$(wc -l <"$1" | tr -d ' ')
		[ "$a" = "$b" ] && break
		b=$a
		sleep 0.3
	done
	echo "$a"
}

# rt_repair_ms FILE FROM [PROTO]: for each object of protocol PROTO
# (default 158) that a notification after line FROM of watch file FILE
# deleted: "MS OBJECT", MS the time from that first deletion notice to
# the first notice re-adding the same object, or "none OBJECT" when it
# never came back. Objects are keyed by what identifies them in the
# kernel (rules: every selector and the action; routes: family, table,
# dst, metric).
rt_repair_ms()
{
	python3 - "$1" "${2:-0}" "${3:-158}" <<'PY'
import json, sys
path, start, proto = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = open(path).read().splitlines()[start:]
def key(e):
    if e["kind"] == "rule":
        f = ("family", "priority", "table", "src", "dst", "fwmark", "iif", "oif", "action")
    else:
        f = ("family", "table", "dst", "priority")
    return e["kind"] + " " + " ".join("%s=%s" % (k, e.get(k)) for k in f)
deleted, order = {}, []
for l in lines:
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e.get("event") not in ("new", "del") or e.get("protocol") != proto:
        continue
    k = key(e)
    if e["event"] == "del" and k not in deleted:
        deleted[k] = [e["t_ns"], None]
        order.append(k)
    elif e["event"] == "new" and k in deleted and deleted[k][1] is None:
        deleted[k][1] = e["t_ns"]
for k in order:
    d, n = deleted[k]
    print("%s %s" % ("none" if n is None else "%.1f" % ((n - d) / 1e6), k))
PY
}

# rt_count_events FILE FROM EVENT KIND PYEXPR: how many notifications
# after line FROM are EVENT (new/del) of KIND (rule/route) and match the
# python expression PYEXPR over the event e (e.g. 'e["src"] == "10.50.0.0/24"').
rt_count_events()
{
	python3 - "$@" <<'PY'
import json, sys
path, start, ev, kind, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
n = 0
for l in open(path).read().splitlines()[start:]:
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e.get("event") == ev and e.get("kind") == kind and eval(expr, {"e": e}):
        n += 1
print(n)
PY
}

# rt_all_rules FAMILY: every rule of node ("ip rule"), protocol column
# left out, sorted: what rt_std_rules prints.
rt_all_rules()
{
	ns_exec node ip -"$1" rule show | sed 's/ proto [^ ]*//; s/[[:space:]]*$//' | sort
}

# rt_table FAMILY TABLE: the routes of a table of node, sorted, trailing
# blanks cut (ip prints some).
rt_table()
{
	ns_exec node ip -"$1" route show table "$2" 2>/dev/null | sed 's/[[:space:]]*$//' | sort
}

# rt_std_rules FAMILY [TRACKED]: every rule node should hold with rt_conf
# (the kernel's own rules and Outpost's), as rt_all_rules prints them;
# TRACKED=1 adds the "oif" rules of tracked lines.
rt_std_rules()
{
	{
		printf '0:\tfrom all lookup local\n'
		printf '32766:\tfrom all lookup main\n'
		[ "$1" = 4 ] && printf '32767:\tfrom all lookup default\n'
		if [ "$1" = 4 ]; then
			printf '1000:\tfrom 10.50.0.0/24 lookup 150\n'
			printf '1100:\tfrom 10.60.0.0/24 lookup 160\n'
		else
			printf '1000:\tfrom 2001:db8:50::/64 lookup 150\n'
			printf '1100:\tfrom 2001:db8:60::/64 lookup 160\n'
		fi
		printf '1000:\tfrom all fwmark 0x150 lookup 150\n'
		printf '1100:\tfrom all fwmark 0x160 lookup 160\n'
		if [ "${2:-0}" = 1 ]; then
			printf '1000:\tfrom all oif tel0 lookup 150\n'
			printf '1100:\tfrom all oif cnc0 lookup 160\n'
		fi
	} | sort
}

# rt_std_routes FAMILY TABLE: the routes table 150 (tel) or 160 (cnc)
# should hold with rt_conf, as rt_table prints them: the line's
# connected route with its source address and the default route via
# its gateway.
rt_std_routes()
{
	local dev=tel0 net4=198.51.100 net6=2001:db8:100
	[ "$2" = 160 ] && { dev=cnc0; net4=203.0.113; net6=2001:db8:113; }
	{
		if [ "$1" = 4 ]; then
			printf '%s.0/24 dev %s proto 158 scope link src %s.2\n' "$net4" "$dev" "$net4"
			printf 'default via %s.1 dev %s proto 158\n' "$net4" "$dev"
		else
			printf '%s::/64 dev %s proto 158 src %s::2 metric 1024 pref medium\n' "$net6" "$dev" "$net6"
			printf 'default via %s::1 dev %s proto 158 metric 1024 pref medium\n' "$net6" "$dev"
		fi
	} | sort
}

# rt_state_is WHAT [TRACKED]: one assertion per family and table that
# node holds exactly rt_conf's rules and routes.
rt_state_is()
{
	local f t
	for f in 4 6; do
		is "$(rt_all_rules "$f")" "$(rt_std_rules "$f" "${2:-0}")" "$1: ip -$f rule"
		for t in 150 160; do
			is "$(rt_table "$f" "$t")" "$(rt_std_routes "$f" "$t")" "$1: ip -$f route show table $t"
		done
	done
}

# rt_state_ok [TRACKED]: true when node holds exactly rt_conf's state
# (for wait_until).
rt_state_ok()
{
	local f t
	for f in 4 6; do
		[ "$(rt_all_rules "$f")" = "$(rt_std_rules "$f" "${1:-0}")" ] || return 1
		for t in 150 160; do
			[ "$(rt_table "$f" "$t")" = "$(rt_std_routes "$f" "$t")" ] || return 1
		done
	done
}

# rt_daemon [ARGS...]: outpost-routed -d -v -f $RT_CONF in node, its
# output appended to $RT_LOG (RT_PID); returns once its control socket
# answers (1 if it died or never answered within 10 s). A config without
# a [node] user gets "user = nobody" (the daemon drops root to it, and
# reads the config on SIGHUP as that user: $NETNS_TMP is opened to it).
rt_daemon()
{
	chmod 755 "$NETNS_TMP"
	grep -q '^user *=' "$RT_CONF" || sed -i 's/^\[node\]$/[node]\nuser = nobody/' "$RT_CONF"
	bg_run node "$ROUTED" -d -v -f "$RT_CONF" "$@" >>"$RT_LOG" 2>&1
	RT_PID=$BG_PID
	wait_until 10 rt_status_ok
}

rt_status_ok()
{
	_netns_alive "$RT_PID" || return 1
	ns_exec node "$ROUTED" -s --json -f "$RT_CONF" >/dev/null 2>&1
}

# rt_status PYEXPR: the status object (-s --json) with PYEXPR over it
# (s) printed, e.g. rt_status 's["lines"][0]["state"]'.
rt_status()
{
	ns_exec node "$ROUTED" -s --json -f "$RT_CONF" |
		python3 -c 'import json, sys
s = json.loads(sys.stdin.read())
print(eval(sys.argv[1], {"s": s}))' "$1"
}

# rt_events SPOOL KIND NAME: the "data" of every event KIND/NAME in
# SPOOL/new, in emission order, one JSON object per line.
rt_events()
{
	python3 - "$1/new" "$2" "$3" <<'PY'
import json, os, sys
d, kind, name = sys.argv[1:4]
try:
    files = sorted(os.listdir(d))
except OSError:
    files = []
for f in files:
    try:
        e = json.load(open(os.path.join(d, f)))
    except (OSError, ValueError):
        continue
    if e.get("kind") == kind and e.get("name") == name:
        print(json.dumps(e.get("data"), sort_keys=True))
PY
}

# rt_same GOT WANT DESC: like is, but a failure shows a diff of the two
# texts, not both (long dumps).
rt_same()
{
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^</wanted:/; s/^>/got:   /')"
	fi
}

# rt_nine_counters: a counter at each gateway of the packets to exactly
# $RT_FAR4 and $RT_FAR6 (where rt_ping and rt_udp send), so health
# probes of tracked lines (sent to another far address) are not counted.
rt_nine_counters()
{
	local g
	for g in gtel gcnc; do
		ns_exec "$g" nft -f - <<NFT || return 1
table inet rtnine {
	counter nine4 { }
	counter nine6 { }
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr $RT_FAR4 counter name nine4
		ip6 daddr $RT_FAR6 counter name nine6
	}
}
NFT
	done
}

# rt_count9 GW FAMILY: like rt_count, for the rt_nine_counters.
rt_count9()
{
	ns_exec "$1" nft -j list counter inet rtnine "nine$2" |
		python3 -c 'import json,sys; d=json.load(sys.stdin)["nftables"]; print([x["counter"]["packets"] for x in d if "counter" in x][0])'
}

# rt_leaves_by9 WHAT GW FAMILY CMD...: rt_leaves_by over rt_count9;
# GW "none": neither gateway saw a packet.
rt_leaves_by9()
{
	local what=$1 gw=$2 fam=$3 a0 b0 a1 b1
	shift 3
	a0=$(rt_count9 gtel "$fam"); b0=$(rt_count9 gcnc "$fam")
	"$@"
	a1=$(rt_count9 gtel "$fam"); b1=$(rt_count9 gcnc "$fam")
	a1=$((a1 - a0)); b1=$((b1 - b0))
	case $gw in
	gtel) ok "$([ "$a1" -ge 3 ] && [ "$b1" = 0 ] && echo 0 || echo 1)" "$what leaves by gtel (IPv$fam: gtel +$a1, gcnc +$b1)" ;;
	gcnc) ok "$([ "$b1" -ge 3 ] && [ "$a1" = 0 ] && echo 0 || echo 1)" "$what leaves by gcnc (IPv$fam: gcnc +$b1, gtel +$a1)" ;;
	*) ok "$([ "$a1" = 0 ] && [ "$b1" = 0 ] && echo 0 || echo 1)" "$what reaches neither gateway (IPv$fam: gtel +$a1, gcnc +$b1)" ;;
	esac
}

# rt_conf_track FILE: rt_conf with both lines tracked by ICMP to
# 192.0.2.1 every 200 ms (down after 3, up after 2), tel failing over
# to cnc and cnc blackholing when down. EXTRA (text) goes to [line "cnc"].
rt_conf_track()
{
	rt_conf "$1" "${2:-}"
	python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
track = "track = icmp 192.0.2.1\ninterval = 200ms\ndown-after = 3\nup-after = 2\n"
s = open(p).read()
s = s.replace('[line "tel"]\n', '[line "tel"]\n' + track + "failover = cnc\n")
s = s.replace('[line "cnc"]\n', '[line "cnc"]\n' + track + "blackhole = yes\n")
open(p, "w").write(s)
PY
}

# rt_drop GW: drop every echo request to the far addresses at GW (before
# its counters), counting them in GW's inet rtdrop counter "drops";
# rt_undrop GW lifts it; rt_drops GW prints the count.
rt_drop()
{
	ns_exec "$1" nft -f - <<'NFT'
table inet rtdrop {
	counter drops { }
	chain input {
		type filter hook input priority -10; policy accept;
		ip daddr 192.0.2.0/24 icmp type echo-request counter name drops drop
		ip6 daddr 2001:db8:ffff::/48 icmpv6 type echo-request counter name drops drop
	}
}
NFT
}
rt_undrop()
{
	ns_exec "$1" nft delete table inet rtdrop
}
rt_drops()
{
	ns_exec "$1" nft -j list counter inet rtdrop drops |
		python3 -c 'import json,sys; d=json.load(sys.stdin)["nftables"]; print([x["counter"]["packets"] for x in d if "counter" in x][0])'
}

# rt_now_ms: CLOCK_REALTIME in ms (bash's EPOCHREALTIME).
rt_now_ms()
{
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}
# ---- END rttests helpers ----
