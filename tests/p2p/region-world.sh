#!/bin/bash
# region-world.sh: the world of region-lib.sh, proven with real tools
# only (curl, nginx, python3 sockets; no outpost), so a failure of the
# region tests is never the world's. Two regions of two devices:
#  - curl from every device gets a file from nginx, right SHA-256, over
#    IPv4 (and once over IPv6);
#  - 5 MiB over the 20 mbit line take 5 * 8.39 / 20 s, +-20 % (the cap
#    is real), also with both regions fetching at once (each region has
#    a line of its own);
#  - nginx's log, per region, sums to what the region fetched;
#  - BEP 14's multicast (239.192.152.143:6771) from a device reaches the
#    other device of its LAN and not the other region;
#  - region_origin_down: a new fetch times out (no refusal) and one in
#    flight stalls; region_origin_up: the stalled one completes and new
#    ones work again;
#  - then iperf3 finds the line capped both ways (the upload cap too).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/region-lib.sh"
require_root
require_cmd python3 openssl nginx curl ethtool iperf3 bc
# Rates to +-20 % on a 2-core machine: alone.
netns_exclusive
T=$NETNS_TMP
region_world a 2 || bail "region a could not be built"
region_world b 2 || bail "region b could not be built"
p2p_content "$T/www" pkg 5 1
p2p_content "$T/www" small 1 1
region_origin "$T/www" || bail "no nginx"
want=$(p2p_sha "$T/www/pkg")
want_small=$(p2p_sha "$T/www/small")
MIB=1048576
# The time 5 MiB take at the cap, payload only (the line also carries
# headers: about 5 % more).
ideal=$(echo "5 * 8 * $MIB / $(region_rate_bps "$REGION_WAN_RATE")" | bc -l)

# fetch NODE URL OUT [CURL ARGS...]: curl's total time on stdout.
fetch()
{
	local node=$1 url=$2 out=$3
	shift 3
	ns_exec "$node" curl -sf -o "$out" -w '%{time_total}\n' "$@" "$url"
}

# near SECS: within 20 % of the ideal time.
near()
{
	python3 -c "import sys; sys.exit(0 if abs($1 - $ideal) <= $ideal * 0.2 else 1)" 2>/dev/null
}

is "$(region_dev_ip a 1) $(region_dev_ip b 2) $(region_gw_ip b)" "10.20.0.11 10.21.0.12 10.21.0.1" \
	"the region addresses"
ok "$(ns_exec gw-a tc qdisc show dev wan0 | grep -q '^qdisc htb 1: root'; echo $?)" \
	"HTB on the upload side (gw-a wan0)"
ok "$(ns_exec origin tc qdisc show dev wan-b | grep -q '^qdisc htb 1: root'; echo $?)" \
	"HTB on the download side (origin wan-b)"

t=$(fetch a1 "$REGION_WEB/pkg" "$T/a1.pkg")
is "$(p2p_sha "$T/a1.pkg")" "$want" "a1: curl gets 5 MiB from the origin"
ok "$(near "$t"; echo $?)" "a1: in $t s (ideal $(printf '%.2f' "$ideal") s +-20 %)"
t=$(fetch b2 "$REGION_WEB/pkg" "$T/b2.pkg")
is "$(p2p_sha "$T/b2.pkg")" "$want" "b2: the same from the other region"
ok "$(near "$t"; echo $?)" "b2: in $t s"

# Both regions at once: each has its own line, each gets the cap.
ns_exec a2 curl -sf -o "$T/a2.pkg" -w '%{time_total}\n' "$REGION_WEB/pkg" >"$T/a2.time" &
pa=$!
ns_exec b1 curl -sf -o "$T/b1.pkg" -w '%{time_total}\n' "$REGION_WEB/pkg" >"$T/b1.time" &
pb=$!
wait "$pa" "$pb"
ta=$(cat "$T/a2.time") tb=$(cat "$T/b1.time")
is "$(p2p_sha "$T/a2.pkg") $(p2p_sha "$T/b1.pkg")" "$want $want" "a2 and b1 at once: right SHA-256"
ok "$(near "$ta" && near "$tb"; echo $?)" "a2 and b1 at once, each at the cap: $ta s, $tb s"

fetch a1 "http://[$P2P_ORIGIN6]/small" "$T/a1.small" -6 -g >/dev/null
is "$(p2p_sha "$T/a1.small")" "$want_small" "a1: IPv6 through the line too"
size=$(p2p_size "$T/www/pkg")
small=$(p2p_size "$T/www/small")
is "$(region_origin_bytes a)" "$((2 * size + small))" "nginx's log: region a got 2 x 5 MiB + 1 MiB"
is "$(region_origin_bytes b)" "$((2 * size))" "nginx's log: region b got 2 x 5 MiB"
is "$(p2p_origin_bytes)" "$((4 * size + small))" "p2p_origin_bytes sums both"

# BEP 14: a BT-SEARCH to 239.192.152.143:6771 from a1.
mrecv='import socket, struct, sys, time
g, me = "239.192.152.143", sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((g, 6771))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack("4s4s", socket.inet_aton(g), socket.inet_aton(me)))
print("ready", flush=True)
n, end = 0, time.monotonic() + 4
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        d = s.recv(2000)
    except socket.timeout:
        break
    if d.startswith(b"BT-SEARCH"):
        n += 1
print("got", n, flush=True)'
msend='import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(sys.argv[1]))
for i in range(5):
    s.sendto(b"BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: " + b"0" * 40 + b"\r\n\r\n\r\n", ("239.192.152.143", 6771))
    time.sleep(0.1)'
bg_run a2 python3 -c "$mrecv" "$(region_dev_ip a 2)" >"$T/mc-a2" 2>&1
r1=$BG_PID
bg_run b1 python3 -c "$mrecv" "$(region_dev_ip b 1)" >"$T/mc-b1" 2>&1
r2=$BG_PID
wait_until 5 grep -q ready "$T/mc-a2" && wait_until 5 grep -q ready "$T/mc-b1" ||
	diag "a multicast receiver did not start: $(cat "$T/mc-a2" "$T/mc-b1")"
run_ok "a1 sends 5 BT-SEARCH datagrams to BEP 14's group" ns_exec a1 python3 -c "$msend" "$(region_dev_ip a 1)"
p2p_wait_exit "$r1" 10
p2p_wait_exit "$r2" 10
is "$(tail -n 1 "$T/mc-a2")" "got 5" "a2 (same LAN) received all 5"
is "$(tail -n 1 "$T/mc-b1")" "got 0" "b1 (the other region) received none"

# The origin goes away: nothing answers, nothing refuses.
region_origin_down
rc=0
ns_exec a1 curl -sf -o /dev/null --connect-timeout 2 --max-time 3 "$REGION_WEB/small" || rc=$?
is "$rc" 28 "origin down: a new fetch times out (curl 28), it is not refused"
region_origin_up || diag "the line did not come back"
t=$(fetch a1 "$REGION_WEB/small" "$T/a1.small2" --max-time 10)
is "$(p2p_sha "$T/a1.small2")" "$want_small" "origin up again: a1 fetches (in $t s)"
fetch a1 "http://[$P2P_ORIGIN6]/small" "$T/a1.small3" -6 -g --max-time 10 >/dev/null
is "$(p2p_sha "$T/a1.small3")" "$want_small" "... over IPv6 too"
# In flight: down 0.5 s into a 5 MiB fetch (about 2.2 s), up 2 s later.
ns_exec b2 curl -sf -o "$T/b2.stall" -w '%{time_total}\n' --max-time 30 "$REGION_WEB/pkg" >"$T/stall.time" &
p=$!
sleep 0.5
region_origin_down
sleep 2
part=$(p2p_size "$T/b2.stall")
region_origin_up || diag "the line did not come back"
wait "$p"
rc=$?
ok "$([ "$part" -lt "$size" ]; echo $?)" "a fetch in flight stalls while the origin is down ($part of $size bytes)"
is "$rc $(p2p_sha "$T/b2.stall")" "0 $want" "... and completes when it is back (in $(cat "$T/stall.time") s)"
# After the down and up: both directions still capped (iperf3's goodput,
# TCP payload: about 95 % of what HTB counts).
read -r down up <<<"$(region_cap_check a 2)"
cap=$(echo "$(region_rate_bps "$REGION_WAN_RATE") / 1000000" | bc -l)
ok "$(python3 -c "import sys; sys.exit(0 if abs($down - $cap * 0.95) <= $cap * 0.2 and abs($up - $cap * 0.95) <= $cap * 0.2 else 1)" 2>/dev/null; echo $?)" \
	"iperf3 through the line after it came back: down $down, up $up Mbit/s (cap $REGION_WAN_RATE)"
done_testing
