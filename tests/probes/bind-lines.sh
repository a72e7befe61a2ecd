#!/bin/bash
# bind-lines.sh: the demo's world in small: an edge namespace with two
# ISP lines (tel: 10 ms added, cu: 40 ms added on the way back), each a
# veth to its own router, both routers reaching one origin. The routing
# is the operator's (tables 101/102, ip rule fwmark and from); the probe
# only binds. The same target probed --via tel and --via cu (a config
# with two [line] sections), with -I, with -S and with --mark shows each
# line's delay in the TCP connect median, and the origin saw the
# connections come from that line's address; ping's echo median too.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/probe-lib.sh"
require_root
require_cmd python3

TARGET=10.3.0.1
ns_add edge; ns_add rtel; ns_add rcu; ns_add origin
veth_add edge tel0 rtel eth0
veth_add edge cu0 rcu eth0
veth_add rtel eth1 origin t1
veth_add rcu eth1 origin t2
addr_add edge tel0 10.1.1.2/24; addr_add rtel eth0 10.1.1.1/24
addr_add edge cu0 10.1.2.2/24; addr_add rcu eth0 10.1.2.1/24
addr_add rtel eth1 10.2.1.1/24; addr_add origin t1 10.2.1.2/24
addr_add rcu eth1 10.2.2.1/24; addr_add origin t2 10.2.2.2/24
addr_add origin lo $TARGET/32
# Each line's delay on its router's egress toward the edge: SYN-ACKs wait.
netem rtel eth0 delay 10ms || bail "netem on tel failed"
netem rcu eth0 delay 40ms || bail "netem on cu failed"
for r in rtel rcu; do
	ns_sysctl "$r" net.ipv4.ip_forward=1
	route_add "$r" $TARGET/32 via "$([ $r = rtel ] && echo 10.2.1.2 || echo 10.2.2.2)"
done
route_add origin 10.1.1.0/24 via 10.2.1.1
route_add origin 10.1.2.0/24 via 10.2.2.1
# The edge: tel is the main table's way; each line has a table, chosen by
# its mark or its source; routes of both lines so -I finds either.
route_add edge $TARGET/32 via 10.1.1.1 dev tel0 metric 10
route_add edge $TARGET/32 via 10.1.2.1 dev cu0 metric 20
route_add edge default via 10.1.1.1 dev tel0 table 101
route_add edge default via 10.1.2.1 dev cu0 table 102
ns_exec edge ip rule add fwmark 0x101 lookup 101 priority 100
ns_exec edge ip rule add fwmark 0x102 lookup 102 priority 101
ns_exec edge ip rule add from 10.1.1.2 lookup 101 priority 110
ns_exec edge ip rule add from 10.1.2.2 lookup 102 priority 111
# Without loose reverse-path filtering replies on the "other" line drop.
ns_sysctl edge net.ipv4.conf.all.rp_filter=2

log=$NETNS_TMP/origin.log
listener origin $TARGET 9000 "$log"
conf=$NETNS_TMP/outpost.conf
cat >"$conf" <<CONF
[line "tel"]
interface = tel0
gateway = 10.1.1.1
source = 10.1.1.0/24
fwmark = 0x101

[line "cu"]
interface = cu0
gateway = 10.1.2.1
source = 10.1.2.2
fwmark = 0x102
CONF

# probe WHAT LO HI SRC ARGS...: 10 connects; the median within [LO, HI] ms
# and every connection seen at the origin from SRC.
probe()
{
	local what=$1 lo=$2 hi=$3 src=$4 out rc p50 n
	shift 4
	: >"$log"
	out=$(ns_exec edge "$PROBE" tcp --json -c 10 -i 20ms -W 2s -p 9000 "$@" $TARGET \
		2>"$NETNS_TMP/err")
	rc=$?
	is "$rc/$(jget "$out" received)" 0/10 "$what: exit 0, 10 of 10 open"
	p50=$(jget "$out" rtt.p50)
	ok "$(python3 -c "import sys; sys.exit(0 if $lo <= $p50 <= $hi else 1)" && echo 0 || echo 1)" \
		"$what: connect median ${p50} ms within [$lo, $hi]"
	is "$(jget "$out" src)" "$src" "$what: src $src"
	n=$(grep -c "^$src\$" "$log")
	is "$n" 10 "$what: the origin accepted 10 connections from $src"
	[ -z "${CHECK_LINE:-}" ] || is "$(jget "$out" line)" "$CHECK_LINE" "$what: line named"
}

CHECK_LINE=tel probe "--via tel" 9 30 10.1.1.2 --config "$conf" --via tel
CHECK_LINE=cu probe "--via cu" 39 70 10.1.2.2 --config "$conf" --via cu
probe "-I tel0" 9 30 10.1.1.2 -I tel0
probe "-I cu0" 39 70 10.1.2.2 -I cu0
probe "-S 10.1.1.2" 9 30 10.1.1.2 -S 10.1.1.2
probe "-S 10.1.2.2" 39 70 10.1.2.2 -S 10.1.2.2
probe "--mark 0x102" 39 70 10.1.2.2 --mark 0x102

# The two lines in one comparison: cu's median is ~30 ms above tel's.
a=$(ns_exec edge "$PROBE" tcp --json -q -c 10 -i 20ms -p 9000 --config "$conf" --via tel $TARGET)
b=$(ns_exec edge "$PROBE" tcp --json -q -c 10 -i 20ms -p 9000 --config "$conf" --via cu $TARGET)
d=$(python3 -c "print(round($(jget "$b" rtt.p50) - $(jget "$a" rtt.p50), 3))")
ok "$(python3 -c "import sys; sys.exit(0 if 20 <= $d <= 40 else 1)" && echo 0 || echo 1)" \
	"cu's median is ${d} ms above tel's (30 ms added)"

# A peer on the same path: curl's time_connect over cu (-I cu0, the
# same bind), median of 10, against outpost-probe's median in this run.
curl_ms=()
for i in $(seq 10); do
	curl_ms+=("$(ns_exec edge curl -s -o /dev/null --interface cu0 -w '%{time_connect}' \
		"http://$TARGET:9000/" 2>/dev/null)")
done
ours=$(ns_exec edge "$PROBE" tcp --json -q -c 10 -i 20ms -p 9000 -I cu0 $TARGET)
cmp=$(python3 -c "
import statistics, sys
c = statistics.median(float(x) * 1000 for x in sys.argv[2:])
o = float(sys.argv[1])
print('%.3f %.3f %d' % (o, c, abs(o - c) <= 2.0))" "$(jget "$ours" rtt.p50)" "${curl_ms[@]}")
read -r o c good <<<"$cmp"
is "$good" 1 "connect median over cu: outpost-probe ${o} ms, curl time_connect ${c} ms (within 2 ms)"

# ping over the same lines: the ICMP echo median shows each line's delay.
pingp()
{
	local what=$1 lo=$2 hi=$3 out rc p50
	shift 3
	out=$(ns_exec edge "$PROBE" ping --json -c 10 -i 20ms -W 2s "$@" $TARGET 2>"$NETNS_TMP/err")
	rc=$?
	is "$rc/$(jget "$out" received)" 0/10 "ping $what: exit 0, 10 of 10 answered"
	p50=$(jget "$out" rtt.p50)
	ok "$(python3 -c "import sys; sys.exit(0 if $lo <= $p50 <= $hi else 1)" && echo 0 || echo 1)" \
		"ping $what: median ${p50} ms within [$lo, $hi]"
}
pingp "--via tel" 9 30 --config "$conf" --via tel
pingp "--via cu" 39 70 --config "$conf" --via cu
pingp "-I cu0" 39 70 -I cu0
pingp "-S 10.1.2.2" 39 70 -S 10.1.2.2
pingp "--mark 0x102" 39 70 --mark 0x102

# The human summary of a line-bound run.
txt=$(ns_exec edge "$PROBE" tcp -q -c 2 -i 20ms -p 9000 --config "$conf" --via cu $TARGET)
like "$txt" "^$TARGET \\($TARGET\\) port 9000 : xmt/open/%loss = 2/2/0%" "--via, human: summary"
done_testing
