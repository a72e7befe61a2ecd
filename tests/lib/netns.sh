# netns.sh: network namespace helpers for integration tests (bash).
#
#	. "$top_srcdir/tests/lib/tap.sh"
#	. "$top_srcdir/tests/lib/netns.sh"
#	require_root
#	ns_add a; ns_add b
#	veth_add a eth0 b eth0
#	addr_add a eth0 10.0.0.1/24; addr_add b eth0 10.0.0.2/24
#	netem a eth0 delay 20ms loss 1%
#	bg_run b some-daemon -d >"$NETNS_TMP/daemon.log" 2>&1
#	ns_exec a ping -c1 10.0.0.2
#
# Every namespace this run creates is named "$NETNS_PREFIX<name>", the
# prefix being unique to the run (op<pid>x<hex>-), so parallel tests never
# collide; helpers take the short name.  Interfaces are created directly
# inside their namespaces (never in the machine's own), so their names
# only need to be unique within one namespace; keep them <= 15 chars.
#
# Teardown is guaranteed: a trap on EXIT, INT, TERM and HUP kills every
# process living in the run's namespaces (tracked by bg_run or not) and
# deletes every namespace carrying the prefix, also after set -e aborts
# or an explicit exit 1 halfway.  Do not replace the EXIT trap; register
# extra cleanup with on_exit CMD instead.  Call the helpers in the main
# shell, not inside $(...), or their bookkeeping is lost.

NETNS_PREFIX=op$$x$(printf '%04x' $((RANDOM)))-
NETNS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${NETNS_PREFIX}XXXXXX")
NETNS_PIDS=()
NETNS_HOOKS=()
NETNS_DONE=0
NETNS_NETEM=${OUTPOST_NETEM:-auto}	# auto | kernel | relay
declare -A NETNS_RELAY=()
NETNS_RELAYS=0

_netns_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Under `make -j check` the namespace tests run side by side. Those that
# measure rates to a few percent (tests/shape: iperf3 through HTB) take
# the CPU the timing checks of others need (DNS delays, RTTs): they call
# netns_exclusive and run alone; every other namespace test holds this
# lock shared while it runs. The file is in the build tree, a folder no
# other user writes.
_netns_lock=${top_builddir:-.}/tests/.netns.lock
if [ -z "${NETNS_LOCK_FD:-}" ] && [ "$(id -u)" = 0 ] && mkdir -p "${_netns_lock%/*}" 2>/dev/null &&
	exec {NETNS_LOCK_FD}>>"$_netns_lock"; then
	flock -s "$NETNS_LOCK_FD"
fi

# netns_exclusive: wait until no other namespace test runs, and keep
# them waiting until this one exits. Waits at most 5 minutes (a test
# whose leftover process still holds the lock), then goes on.
netns_exclusive()
{
	[ -n "${NETNS_LOCK_FD:-}" ] || return 0
	flock -x -w 300 "$NETNS_LOCK_FD" || echo "# netns_exclusive: still shared after 5 min; going on"
	return 0
}

# Skip the test without root; with OUTPOST_REQUIRE_ROOT=1 a skip would
# hide a broken CI setup, so fail loudly instead.
require_root()
{
	local why="needs root"
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then
		return 0
	fi
	[ "$(id -u)" = 0 ] && why="needs ip(8) from iproute2"
	if [ "${OUTPOST_REQUIRE_ROOT:-0}" = 1 ]; then
		printf 'Bail out! %s (OUTPOST_REQUIRE_ROOT=1)\n' "$why"
		exit 1
	fi
	printf '1..0 # SKIP %s\n' "$why"
	exit 0
}

# Full namespace name of a short one.
ns()
{
	printf '%s%s\n' "$NETNS_PREFIX" "$1"
}

# Register a command to run at teardown, before namespaces go.
on_exit()
{
	NETNS_HOOKS+=("$*")
}

ns_add()
{
	local full
	full=$(ns "$1")
	ip netns add "$full" || return 1
	ip -n "$full" link set dev lo up
}

ns_exec()
{
	local full
	full=$(ns "$1")
	shift
	ip netns exec "$full" "$@"
}

# ns_sysctl NS key=value...
ns_sysctl()
{
	local full
	full=$(ns "$1")
	shift
	ip netns exec "$full" sysctl -q -w "$@" >/dev/null
}

# veth_add NS1 IF1 NS2 IF2: a veth pair from NS1 to NS2, both ends up.
veth_add()
{
	local n1 n2
	n1=$(ns "$1")
	n2=$(ns "$3")
	ip -n "$n1" link add name "$2" type veth peer name "$4" netns "$n2" || return 1
	ip -n "$n1" link set dev "$2" up && ip -n "$n2" link set dev "$4" up
}

# bridge_add NS BR [IF...]: a bridge, up, with the given ports enslaved.
bridge_add()
{
	local full br=$2 port
	full=$(ns "$1")
	ip -n "$full" link add name "$br" type bridge || return 1
	ip -n "$full" link set dev "$br" up || return 1
	shift 2
	for port; do
		ip -n "$full" link set dev "$port" master "$br" || return 1
	done
}

# addr_add NS IF ADDR/LEN (IPv6 without duplicate address detection, so
# the address is usable at once).
addr_add()
{
	local full
	full=$(ns "$1")
	case $3 in
	*:*) ip -n "$full" addr add "$3" dev "$2" nodad ;;
	*) ip -n "$full" addr add "$3" dev "$2" ;;
	esac
}

link_up()
{
	ip -n "$(ns "$1")" link set dev "$2" up
}

# route_add NS ROUTE...: ip route add ROUTE inside NS.
route_add()
{
	local full
	full=$(ns "$1")
	shift
	ip -n "$full" route add "$@"
}

# bg_run NS CMD...: start CMD in the background inside NS (stdin from
# /dev/null; redirect the call to capture its output).  The pid is left
# in BG_PID and killed at teardown.
bg_run()
{
	local full
	full=$(ns "$1")
	shift
	ip netns exec "$full" "$@" </dev/null &
	BG_PID=$!
	NETNS_PIDS+=("$BG_PID")
}

# True while PID exists and is not a zombie.
_netns_alive()
{
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed -e 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# _netns_wait_gone TENTHS PID...: poll until every PID is gone (or a
# zombie), at most TENTHS tenths of a second; 0 when all are gone.
_netns_wait_gone()
{
	local tries=$1 pid left i
	shift
	for i in $(seq "$tries"); do
		left=0
		for pid; do
			_netns_alive "$pid" && left=1
		done
		[ "$left" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# bg_kill PID...: stop processes (TERM, then KILL after 3 s) and reap them.
bg_kill()
{
	local pid
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	_netns_wait_gone 30 "$@" && { wait "$@" 2>/dev/null; return 0; }
	for pid; do
		_netns_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# SIGKILL is delivered asynchronously: under load a process can still
	# be exiting here, so wait until each is really gone.
	_netns_wait_gone 50 "$@"
	return 0
}

# Every namespace of this run.
netns_list()
{
	local name rest
	ip netns list 2>/dev/null | while read -r name rest; do
		case $name in
		"$NETNS_PREFIX"*) printf '%s\n' "$name" ;;
		esac
	done
}

# netem NS IF ARGS...: like tc qdisc replace dev IF root netem ARGS, on the
# egress of IF in NS.  Kernels without sch_netem get netem-relay.py
# interposed on the link instead (see _netem_relay); OUTPOST_NETEM=kernel
# or relay forces one way.
netem()
{
	local full out rc=0
	full=$(ns "$1")
	if [ "$NETNS_NETEM" != relay ]; then
		out=$(ip netns exec "$full" tc qdisc replace dev "$2" root netem "${@:3}" 2>&1) || rc=$?
		if [ "$rc" = 0 ]; then
			NETNS_NETEM=kernel
			return 0
		fi
		if [ "$NETNS_NETEM" = kernel ] || [[ $out != *"qdisc kind is unknown"* ]]; then
			printf '%s\n' "$out" >&2
			return "$rc"
		fi
		NETNS_NETEM=relay
	fi
	_netem_relay "$@"
}

# Put a relay namespace behind IF: the original interface moves into the
# relay namespace, and a fresh veth with the same name, MAC address, MTU,
# bridge master, addresses and routes takes its place in NS.  The relay
# copies frames between the two, delaying the ones leaving NS.
_netem_relay()
{
	local ns=$1 ifc=$2 full key r pid line mac mtu master up addrs routes i
	shift 2
	full=$(ns "$ns")
	key="$ns/$ifc"
	if [ -n "${NETNS_RELAY[$key]:-}" ]; then
		read -r r pid <<<"${NETNS_RELAY[$key]}"
		bg_kill "$pid"
	else
		NETNS_RELAYS=$((NETNS_RELAYS + 1))
		r="netem$NETNS_RELAYS"
		line=$(ip -n "$full" -o link show dev "$ifc") || return 1
		mac=$(sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p' <<<"$line")
		mtu=$(sed -n 's/.* mtu \([0-9]*\).*/\1/p' <<<"$line")
		master=$(sed -n 's/.* master \([^ ]*\).*/\1/p' <<<"$line")
		up=0
		[[ $line == *"<"*UP*">"* ]] && up=1
		addrs=$(ip -n "$full" -o addr show dev "$ifc" scope global | awk '{print $4}')
		routes=$( { ip -n "$full" -4 route show dev "$ifc"; ip -n "$full" -6 route show dev "$ifc"; } |
			grep -v -e 'proto kernel' -e '^fe80' -e '^multicast' -e '^ff00')
		ns_add "$r" || return 1
		ns_sysctl "$r" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$full" link set dev "$ifc" down &&
		ip -n "$full" link set dev "$ifc" netns "$(ns "$r")" &&
		ip -n "$(ns "$r")" link set dev "$ifc" name outer &&
		ip -n "$full" link add name "$ifc" address "$mac" mtu "$mtu" type veth \
			peer name inner netns "$(ns "$r")" || return 1
		[ -z "$master" ] || ip -n "$full" link set dev "$ifc" master "$master" || return 1
		for i in $addrs; do
			addr_add "$ns" "$ifc" "$i" || return 1
		done
		ip -n "$(ns "$r")" link set dev outer up && ip -n "$(ns "$r")" link set dev inner up || return 1
		[ "$up" = 0 ] || ip -n "$full" link set dev "$ifc" up || return 1
		while IFS= read -r line; do
			[ -z "$line" ] || eval "ip -n \"\$full\" route add $line dev \"\$ifc\"" || return 1
		done <<<"$routes"
	fi
	bg_run "$r" python3 "$_netns_lib/netem-relay.py" --inner inner --outer outer \
		--egress "$*" >"$NETNS_TMP/$r.log" 2>&1
	NETNS_RELAY[$key]="$r $BG_PID"
	for i in $(seq 50); do
		grep -q '^ready' "$NETNS_TMP/$r.log" 2>/dev/null && return 0
		_netns_alive "$BG_PID" || break
		sleep 0.1
	done
	cat "$NETNS_TMP/$r.log" >&2
	return 1
}

# Print a TCP port on 127.0.0.1 that nothing listens on right now.
free_port()
{
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Remove everything this run made; safe to call more than once.
netns_teardown()
{
	local h n pids=() pid
	[ "$NETNS_DONE" = 1 ] && return 0
	NETNS_DONE=1
	set +e
	for h in "${NETNS_HOOKS[@]}"; do
		eval "$h"
	done
	pids=("${NETNS_PIDS[@]}")
	for n in $(netns_list); do
		for pid in $(ip netns pids "$n" 2>/dev/null); do
			pids+=("$pid")
		done
	done
	bg_kill "${pids[@]}"
	for n in $(netns_list); do
		ip netns del "$n" 2>/dev/null || { sleep 0.2; ip netns del "$n"; }
	done
	rm -rf "$NETNS_TMP"
	return 0
}

trap 'netns_teardown' EXIT
trap 'netns_teardown; exit 130' INT
trap 'netns_teardown; exit 143' TERM
trap 'netns_teardown; exit 129' HUP
