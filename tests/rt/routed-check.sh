#!/bin/bash
# routed-check.sh: outpost-routed -n in the routing world. The standard
# config passes; a gateway outside the subnets of an up interface is an
# error naming file:line; an interface that does not exist is a warning
# only; configs the schema refuses (duplicate table, duplicate priority,
# colliding marks) fail -n with file:line, and neither --once nor the
# daemon started with them changes anything in the kernel (every rule
# and route dumped before and after, identical).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd python3 nft

rt_world || bail "the routing world could not be built"
C=$NETNS_TMP/outpost.conf

# Every rule and route of node, both families, every table, but those
# the kernel makes itself (its local table, proto kernel routes: IPv6
# adds them when an address finishes DAD, on its own schedule).
dump()
{
	local f
	for f in 4 6; do
		ns_exec node ip -"$f" rule show
		ns_exec node ip -"$f" route show table all | grep -v -E ' table local | proto kernel '
	done
}

# line_of FILE REGEX: the line number of the first line matching.
line_of()
{
	grep -n -m1 -E "$2" "$1" | cut -d: -f1
}

# The command line: usage() is the man page's SYNOPSIS.
run_ok "-h exits 0" "$ROUTED" -h
is "$RUN_OUTPUT" "usage: outpost-routed [-dhnqVv] [-f file] [-p pidfile] [--dry-run | --once | --flush]
       outpost-routed -s [--json] [-f file]" "-h prints the synopsis of outpost-routed(8)"
for bad in "--bogus" "--once --flush" "--dry-run --once" "-x"; do
	# shellcheck disable=SC2086
	run_fails "usage error: $bad" "$ROUTED" $bad -f /nonexistent
	is "$RUN_STATUS" 2 "usage error: $bad: exit status 2"
done
rt_conf "$C"
run_fails "usage error: --json without -s" "$ROUTED" --json -f "$C"
is "$RUN_STATUS" 2 "usage error: --json without -s: exit status 2"
# The daemons' user must exist for -n (as root) to pass.
sed -i 's/^\[node\]$/[node]\nuser = nobody/' "$C"
run_ok "-n passes the standard config" ns_exec node "$ROUTED" -n -f "$C"
is "$RUN_OUTPUT" "" "and prints nothing"
run_ok "-nv passes it too" ns_exec node "$ROUTED" -nv -f "$C"
like "$RUN_OUTPUT" '\[line "tel"\]' "-nv prints the config back"

# A gateway outside tel0's subnets while tel0 is up: an error, file:line.
sed 's/^gateway = 198.51.100.1$/gateway = 192.0.2.1/' "$C" >"$NETNS_TMP/gw.conf"
n=$(line_of "$NETNS_TMP/gw.conf" '^gateway = 192.0.2.1$')
run_fails "-n refuses a gateway outside the interface's subnets" \
	ns_exec node "$ROUTED" -n -f "$NETNS_TMP/gw.conf"
is "$RUN_STATUS" 1 "exit status 1"
like "$RUN_OUTPUT" "gw.conf:$n: \\[line \"tel\"\\]" "the error names file:line of the gateway"
like "$RUN_OUTPUT" "192.0.2.1" "and the gateway"

# The same while tel0 is down: a warning only.
ns_exec node ip link set tel0 down
run_ok "with tel0 down the same gateway is only a warning" \
	ns_exec node "$ROUTED" -n -f "$NETNS_TMP/gw.conf"
like "$RUN_OUTPUT" "warning: .*gw.conf:$n:" "the warning names file:line"
ns_exec node ip link set tel0 up
# (IPv6 drops the addresses of a link that went down.)
addr_add node tel0 2001:db8:100::2/64

# An interface that does not exist: a warning, exit 0.
sed 's/^interface = cnc0$/interface = nosuch0/' "$C" >"$NETNS_TMP/if.conf"
n=$(line_of "$NETNS_TMP/if.conf" '^interface = nosuch0$')
run_ok "-n passes a missing interface" ns_exec node "$ROUTED" -n -f "$NETNS_TMP/if.conf"
like "$RUN_OUTPUT" "warning: .*if.conf:$n: \\[line \"cnc\"\\].*nosuch0" \
	"with a warning naming file:line and the interface"

# Configs the schema refuses change nothing in the kernel.
sed 's/^table = 160$/table = 150/' "$C" >"$NETNS_TMP/dup-table.conf"
sed 's/^priority = 1100$/priority = 1000/' "$C" >"$NETNS_TMP/dup-prio.conf"
sed 's/^fwmark = 0x160$/fwmark = 0x150/' "$C" >"$NETNS_TMP/dup-mark.conf"
# tel0 went down and up above: let the kernel's own IPv6 link-local
# routes settle before taking the reference.
settled()
{
	local a
	a=$(dump); sleep 1; [ "$a" = "$(dump)" ]
}
wait_until 15 settled || diag "the node's routes did not settle"
before=$(dump)
for bad in dup-table dup-prio dup-mark; do
	f=$NETNS_TMP/$bad.conf
	case $bad in
	dup-table) n=$(line_of "$f" '^table = 150$') ;;
	dup-prio) n=$(line_of "$f" '^priority = 1000$') ;;
	dup-mark) n=$(line_of "$f" '^fwmark = 0x150$') ;;
	esac
	run_fails "$bad: -n refuses it" ns_exec node "$ROUTED" -n -f "$f"
	like "$RUN_OUTPUT" "$bad.conf:$n: \\[line \"tel\"\\] .*\\[line \"cnc\"\\]" \
		"$bad: the error names file:line and both lines"
	run_fails "$bad: --once refuses it" ns_exec node "$ROUTED" --once -f "$f"
	is "$RUN_STATUS" 1 "$bad: --once exits 1"
	run_fails "$bad: the daemon refuses to start" ns_exec node timeout 10 "$ROUTED" -d -f "$f"
	is "$RUN_STATUS" 1 "$bad: the daemon exits 1"
	rt_same "$(dump)" "$before" "$bad: the kernel's rules and routes are unchanged"
	ok "$([ ! -e "$NETNS_TMP/rt_tables.conf" ]; echo $?)" "$bad: no rt-tables file written"
done

done_testing
