#!/bin/bash
# netns-helpers.sh: the namespace helpers every integration test builds
# on must really delay packets and really leave nothing behind, even when
# a test dies halfway.  Run with --child MODE STATEFILE it is instead a
# small test of its own that the main run watches from outside.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"

# The child: build two hosts with a delayed link and two sleepers (one
# tracked by bg_run, one not), record what it made, then end as MODE says.
child()
{
	local mode=$1 state=$2
	[ "$mode" = errexit ] && set -e
	ns_add x && ns_add y && veth_add x eth0 y eth0 &&
		addr_add x eth0 10.98.0.1/24 && addr_add y eth0 10.98.0.2/24 &&
		netem x eth0 delay 5ms || bail "child setup failed"
	bg_run x sleep 1000
	echo "pid $BG_PID" >>"$state"
	ip netns exec "$(ns y)" sleep 1000 </dev/null &
	echo "pid $!" >>"$state"
	echo "prefix $NETNS_PREFIX" >>"$state"
	plan 2
	ok 0 "child built its world"
	case $mode in
	fail)
		is "one" "two" "child assertion fails on purpose"
		exit 1 ;;
	errexit)
		false
		ok 0 "not reached" ;;
	term)
		echo "ready" >>"$state"
		sleep 1000 &
		wait $! ;;
	pass)
		ok 0 "child passes" ;;
	esac
	done_testing
}

if [ "${1:-}" = --child ]; then
	child "$2" "$3"
	exit 0
fi

require_root
require_cmd ping tc python3 sysctl
plan 29

# Round-trip times of `ping -c N` as "min avg max" in whole milliseconds.
rtt()
{
	ns_exec "$1" ping -n -q -c "${3:-5}" -i 0.2 -W 2 "$2" |
		sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\1 \2 \3|p' |
		awk '{ printf "%d %d %d\n", $1, $2, $3 }'
}

ns_add a && ns_add b || bail "cannot create namespaces"
run_ok "veth between two namespaces" veth_add a veth0 b veth0
addr_add a veth0 10.99.0.1/24 && addr_add b veth0 10.99.0.2/24 ||
	bail "cannot add addresses"
addr_add a veth0 2001:db8:99::1/64 && addr_add b veth0 2001:db8:99::2/64 ||
	bail "cannot add IPv6 addresses"
route_add b 10.97.0.0/16 via 10.99.0.1 || bail "cannot add route"

read -r min avg max <<<"$(rtt a 10.99.0.2 3)"
ok $(( ${max:-999} < 20 ? 0 : 1 )) "undelayed link is fast (max ${max:-?} ms)"

run_ok "netem delay 20ms on a's side" netem a veth0 delay 20ms
diag "netem mode: $NETNS_NETEM"
read -r min avg max <<<"$(rtt a 10.99.0.2)"
ok $(( ${min:-0} >= 20 ? 0 : 1 )) "RTT a->b is at least 20 ms (min ${min:-?} ms)"
ok $(( ${max:-999} < 500 ? 0 : 1 )) "RTT a->b stays under 500 ms (max ${max:-?} ms)"
read -r min avg max <<<"$(rtt b 10.99.0.1)"
ok $(( ${min:-0} >= 20 ? 0 : 1 )) "RTT b->a is delayed too (min ${min:-?} ms)"
run_ok "IPv6 crosses the delayed link" ns_exec a ping -n -c 1 -W 2 2001:db8:99::2
like "$(ip -n "$(ns b)" route show 10.97.0.0/16)" "via 10.99.0.1" "b's route survived"

run_ok "netem again replaces the delay" netem a veth0 delay 60ms
read -r min avg max <<<"$(rtt a 10.99.0.2)"
ok $(( ${min:-0} >= 60 && ${max:-999} < 500 ? 0 : 1 )) \
	"RTT follows the new delay (min ${min:-?}, max ${max:-?} ms)"

run_ok "bridge with a port" bridge_add b br0
port=$(free_port)
like "$port" '^[0-9]+$' "free_port gives a port number ($port)"

# Teardown after every way a test can end.
check_child()
{
	local mode=$1 want=$2 state out rc=0 prefix pid left=0
	state="$NETNS_TMP/child-$mode.state"
	out="$NETNS_TMP/child-$mode.out"
	: >"$state"
	if [ "$mode" = term ]; then
		bash "$0" --child term "$state" >"$out" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			grep -q '^ready' "$state" && break
			sleep 0.1
		done
		kill -TERM "$pid"
		wait "$pid" || rc=$?
	else
		bash "$0" --child "$mode" "$state" >"$out" 2>&1 || rc=$?
	fi
	if [ "$want" = 0 ]; then
		is "$rc" 0 "child '$mode' exits 0"
	else
		isnt "$rc" 0 "child '$mode' exits non-zero ($rc)"
	fi
	prefix=$(sed -n 's/^prefix //p' "$state")
	like "$prefix" '^op[0-9]+x[0-9a-f]{4}-$' "child '$mode' reported its prefix"
	is "$(ip netns list | grep -c "^${prefix:-none}")" 0 \
		"child '$mode' left no namespace behind"
	for pid in $(sed -n 's/^pid //p' "$state"); do
		_netns_alive "$pid" && left=$((left + 1))
	done
	is "$left/$(grep -c '^pid' "$state")" "0/2" "child '$mode' left no process behind"
	[ "$mode" != fail ] || grep -q '^not ok' "$out" ||
		diag "child output: $(cat "$out")"
}

check_child fail 1
check_child errexit 1
check_child term 1
check_child pass 0
# a, b and, without kernel netem, the relay namespace behind a's veth0.
want=2
[ "$NETNS_NETEM" = relay ] && want=3
is "$(netns_list | wc -l)" "$want" "only this run's own namespaces exist now"
done_testing
