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

# sh_begin [CMD...]: how every shaping test starts: root, nft, python3
# and ethtool (the world's), the CMDs it needs besides, a built
# outpost-shape, and the world.
sh_begin()
{
	require_root
	require_cmd nft python3 ethtool "$@"
	[ -x "$SHAPE" ] || bail "no $SHAPE (build it first)"
	sh_world || bail "the shaping world could not be built"
}

sh_world()
{
	local i
	# Rates to ±5 %: alone, not beside other namespace tests.
	netns_exclusive
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
	# IPv6 binds only to assigned addresses, not to a "local" route's
	# (IPv4 takes both): let the answering namespaces bind them.
	for i in dev dev2 isp isp2; do
		ns_sysctl "$i" net.ipv6.ip_nonlocal_bind=1
	done
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
	sh_rates "$3" "$1:$2"
}

# sh_iperf_server NS ADDR PORT: an iperf3 server in NS on ADDR:PORT
# (background, killed at teardown), up before it returns.
sh_iperf_server()
{
	bg_run "$1" iperf3 -s -B "$2" -p "$3" >/dev/null 2>&1
	# Listening is enough: a trial client (iperf3 -c -t 0.1 -n 1) never
	# succeeds and cost the whole 5 s wait on every server.
	wait_until 5 sh_listening "$1" "$3" "$2"
}

# sh_listening NS PORT [ADDR]: a TCP socket in NS listens on PORT (and
# ADDR when given: several servers may share a port on other addresses).
sh_listening()
{
	if [ -n "${3:-}" ]; then
		ns_exec "$1" ss -Hltn "sport = :$2" | grep -qF -e " $3:$2 " -e "[$3]:$2 "
	else
		ns_exec "$1" ss -Hltn "sport = :$2" | grep -q .
	fi
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

# ---- measuring helpers of the shaping tests (shtests) ----
# Warm-up before a sample (TCP's slow start and the class's first burst
# are over by then) and the sample's length for accuracy checks.
SH_WARM=${SH_WARM:-1.5}
SH_SAMPLE=${SH_SAMPLE:-3}

# sh_rates SECONDS NS:NAME...: the link-layer rates in bit/s of several
# counters (in one or more namespaces) over the same SECONDS, one
# integer per counter on one line, in order. One Python process reads
# every counter twice and times each read by the middle of its nft
# call: a timestamp taken by the shell after a read would come late by
# however long the read took (100s of ms on a loaded machine, that is
# +10 % on a 3 s sample).
sh_rates()
{
	local secs=$1 c args=()
	shift
	for c; do
		args+=("$(ns "${c%%:*}")" "${c#*:}")
	done
	python3 - "$secs" "${args[@]}" <<'PY'
import json, subprocess, sys, time
secs, pairs = float(sys.argv[1]), sys.argv[2:]
def read(nsn, name):
    t0 = time.monotonic()
    out = subprocess.run(["ip", "netns", "exec", nsn, "nft", "-j", "list", "counter", "inet",
                          "shcount", name], check=True, capture_output=True, text=True).stdout
    t1 = time.monotonic()
    for x in json.loads(out)["nftables"]:
        if "counter" in x:
            c = x["counter"]
            return (t0 + t1) / 2, c["bytes"] + 14 * c["packets"]
    raise SystemExit("no counter " + name)
a = [read(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
time.sleep(secs)
b = [read(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
print(" ".join(str(int((y[1] - x[1]) * 8 / (y[0] - x[0]))) for x, y in zip(a, b)))
PY
}

# sh_flows_start NS SERVER PORT [IPERF ARGS...]: start one iperf3 transfer
# as sh_iperf would (-R in the arguments for the download
# direction), long enough for a warm-up and a sample; its pid goes to
# SH_FLOWS. sh_flows_rates NS:NAME... then waits the warm-up, puts the
# counters' rates over one sample (sh_rates) in SH_RATES and waits for
# the transfers to end. Call both in the main shell, never in $(...) or
# < <(...): a reader of the latter goes on while the transfers still run.
SH_FLOWS=()
sh_flows_start()
{
	local nsn=$1 srv=$2 port=$3
	shift 3
	sh_iperf "$nsn" "$srv" "$port" "$(python3 -c "print(int($SH_WARM + $SH_SAMPLE + 1.5))")" "$@"
	SH_FLOWS+=("$BG_PID")
}

sh_flows_rates()
{
	sleep "$SH_WARM"
	SH_RATES=$(sh_rates "$SH_SAMPLE" "$@")
	# Let each transfer end by itself: a client killed while its data is
	# still queued in a slow class leaves the server busy with the dead
	# test, and the next client to that server gets nothing.
	_netns_wait_gone 100 "${SH_FLOWS[@]}"
	bg_kill "${SH_FLOWS[@]}"
	SH_FLOWS=()
}

# sh_flow_rate NS:NAME CLIENT_NS SERVER PORT [IPERF ARGS...]: one
# transfer alone, and the rate its receiver's counter NAME in NS saw.
sh_flow_rate()
{
	local counter=$1
	shift
	sh_flows_start "$@"
	sh_flows_rates "$counter"
	echo "$SH_RATES"
}

# sh_mbit BITS: bit/s as Mbit/s with two decimals, for messages.
sh_mbit()
{
	python3 -c "print('%.2f' % ($1 / 1e6))"
}

# sh_check_rate DESC RATE TARGET_MBIT PCT: one TAP result, RATE within
# PCT % of TARGET Mbit/s, and a diagnostic with both.
sh_check_rate()
{
	local st=0
	sh_within "$2" "$(($3 * 1000000))" "$4" || st=1
	ok "$st" "$1: $(sh_mbit "$2") Mbit/s, want $3 Mbit/s +-$4 %"
}

# sh_sampler NS IF INTERVAL FILE: in the background, every INTERVAL
# seconds append "TIME RX_BYTES" of interface IF in NS (its link-layer
# bytes received: what the shaper upstream let through) to FILE, until
# killed (SAMPLER_PID). Read from sysfs in a Python loop, so a sample
# costs microseconds and the interval stays even at 10 ms; each is
# timed by the middle of its read.
sh_sampler()
{
	bg_run "$1" python3 -u -c '
import sys, time
path, step, out = "/sys/class/net/%s/statistics/rx_bytes" % sys.argv[1], float(sys.argv[2]), sys.argv[3]
with open(out, "w", buffering=1) as f:
    nxt = time.monotonic()
    while True:
        t0 = time.clock_gettime(time.CLOCK_REALTIME)
        with open(path) as s:
            v = s.read().strip()
        t1 = time.clock_gettime(time.CLOCK_REALTIME)
        # A read the scheduler interrupted has no good timestamp: drop
        # it (the next interval is just longer).
        if t1 - t0 < 0.0005:
            f.write("%.6f %s\n" % ((t0 + t1) / 2, v))
        nxt += step
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
' "$2" "$3" "$4"
	SAMPLER_PID=$BG_PID
}

# sh_tc_classes NS DEV: the HTB classes `tc -s class show` prints (this
# iproute2 has no JSON for htb), as one JSON object keyed by class id:
# {"4f50:21": {"parent", "rate_bps", "rate_step", "ceil_bps",
# "ceil_step", "burst", "cburst", "bytes", "packets", "drops",
# "overlimits", "leaf"}}.
sh_tc_classes()
{
	ns_exec "$1" tc -s class show dev "$2" | python3 -c '
import json, re, sys
UNIT = {"bit": 1, "Kbit": 1e3, "Mbit": 1e6, "Gbit": 1e9, "Tbit": 1e12}
SIZE = {"b": 1, "Kb": 1024, "Mb": 1024 * 1024}
def rate(s):
    m = re.fullmatch(r"([0-9.]+)([KMGT]?bit)", s)
    return int(round(float(m.group(1)) * UNIT[m.group(2)]))
def size(s):
    m = re.fullmatch(r"([0-9.]+)([KM]?b)", s)
    return int(round(float(m.group(1)) * SIZE[m.group(2)]))
out, cur = {}, None
for line in sys.stdin:
    w = line.split()
    if w[:2] == ["class", "htb"]:
        cur = {"parent": None, "leaf": None}
        out[w[2]] = cur
        for k, v in zip(w[3:], w[4:]):
            if k in ("parent", "leaf"):
                cur[k] = v
            elif k in ("rate", "ceil"):
                # tc truncates to its unit: the value in the kernel is in
                # [rate_bps, rate_bps + rate_step).
                cur[k + "_bps"] = rate(v)
                cur[k + "_step"] = int(UNIT[re.fullmatch(r"[0-9.]+([KMGT]?bit)", v).group(1)])
            elif k in ("burst", "cburst"):
                cur[k] = size(v)
    elif cur is not None and w[:1] == ["Sent"]:
        cur["bytes"], cur["packets"] = int(w[1]), int(w[3])
        m = re.search(r"dropped (\d+), overlimits (\d+)", line)
        cur["drops"], cur["overlimits"] = int(m.group(1)), int(m.group(2))
json.dump(out, sys.stdout, sort_keys=True)
print()'
}

# sh_nothing_installed NS: true when NS holds nothing of Outpost's: no
# table inet outpost, no htb 4f50: root on any device, no ifb device.
sh_nothing_installed()
{
	local why=
	ns_exec "$1" nft list table inet outpost >/dev/null 2>&1 && why="$why table inet outpost;"
	ns_exec "$1" tc qdisc show | grep -q 'qdisc htb 4f50: ' && why="$why an htb 4f50: qdisc;"
	ns_exec "$1" ip -o link show type ifb | grep -q . && why="$why an ifb device;"
	[ -z "$why" ] && return 0
	diag "installed:$why"
	return 1
}

# sh_state NS: a text snapshot of everything shaping touches in NS (links
# with kind and alias, qdiscs, classes and filters of every device with
# their settings but without counters, the whole nft ruleset without
# counters), for "nothing changed" comparisons.
sh_state()
{
	local d
	ns_exec "$1" ip -d -o link show | sed 's/^[0-9]*: //'
	for d in $(ns_exec "$1" ip -o link show | sed 's/^[0-9]*: \([^:@]*\).*/\1/'); do
		echo "== $d"
		ns_exec "$1" tc qdisc show dev "$d" | sed 's/ refcnt [0-9]*//'
		ns_exec "$1" tc class show dev "$d"
		ns_exec "$1" tc filter show dev "$d"
		ns_exec "$1" tc filter show dev "$d" ingress 2>/dev/null
	done
	ns_exec "$1" nft list ruleset | sed 's/counter packets [0-9]* bytes [0-9]*/counter/'
}

# shape_tap_lines FILE: the "ok TEXT" / "not ok TEXT" lines a checker
# wrote to FILE as TAP results; an empty FILE or another line fails.
shape_tap_lines()
{
	local line
	[ -s "$1" ] || ok 1 "the comparison ran"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok 0 "${line#ok }" ;;
		"not ok "*) ok 1 "${line#not ok }" ;;
		*) ok 1 "comparison: $line" ;;
		esac
	done <"$1"
}
