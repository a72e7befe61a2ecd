#!/bin/bash
# rt-foreign.sh: rules and routes that are not Outpost's (other
# protocols, the same priorities, Outpost's tables, other tables, twins
# of Outpost's own rules with another protocol) are
# there before outpost-routed starts and are still there, byte-identical
# in "ip rule" and "ip route show table all", after it started, after a
# SIGHUP with a changed config and after --flush; Outpost's own objects
# are exactly what the config asks at each step, and none after --flush.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd nft python3

rt_world || bail "the routing world could not be built"
n() { ns_exec node "$@"; }
# Foreign rules at Outpost's priorities (proto static and boot), in
# Outpost's tables and in others, both families.
n ip rule add priority 1000 from 10.99.0.0/24 lookup 150 proto static &&
# A twin of one of Outpost's rules, but another protocol's: the kernel
# keeps both; Outpost must add its own beside it and delete only its own.
n ip rule add priority 1000 from 10.50.0.0/24 lookup 150 proto static &&
n ip -6 rule add priority 1100 fwmark 0x160 lookup 160 proto static &&
n ip rule add priority 1100 fwmark 0x999 lookup 200 proto boot &&
n ip rule add priority 1000 to 10.98.0.0/16 lookup 200 proto static &&
n ip rule add priority 2000 from 10.70.0.0/24 lookup 200 &&
n ip -6 rule add priority 1000 from 2001:db8:99::/64 lookup 150 proto static &&
n ip -6 rule add priority 1100 fwmark 0x999 lookup 200 proto boot &&
# Foreign routes in Outpost's table 150 (other destinations) and in 200.
n ip route add 10.99.0.0/24 via 198.51.100.1 dev tel0 table 150 proto static &&
n ip -6 route add 2001:db8:99::/64 via 2001:db8:100::1 dev tel0 table 150 proto static &&
n ip route add default via 203.0.113.1 dev cnc0 table 200 &&
n ip route add blackhole 10.98.0.0/16 table 200 proto static &&
n ip -6 route add default via 2001:db8:113::1 dev cnc0 table 200 proto boot ||
	bail "the foreign objects could not be made"

# Every rule and route of node that is not Outpost's (protocol 158).
foreign()
{
	local f
	for f in 4 6; do
		n ip -"$f" rule show
		n ip -"$f" route show table all
	done | grep -v -E ' proto 158( |$)'
}
# Outpost's objects: its rules and its routes in 150/160.
ours()
{
	local f
	for f in 4 6; do
		rt_rules node "$f" 158
		n ip -"$f" route show table all | grep -E ' proto 158( |$)' | sed 's/[[:space:]]*$//' | sort
	done
}
# What rt_conf wants, as ours() prints it (EXTRA4: a further rule).
want()
{
	local f t
	for f in 4 6; do
		{ rt_std_rules "$f" | grep -v -E '^(0|32766|32767):'
		  [ "$f" = 4 ] && [ -n "${1:-}" ] && printf '%s\n' "$1"; } | sort
		for t in 150 160; do
			rt_std_routes "$f" "$t" | sed "s/ proto 158/ table $t proto 158/"
		done | sort
	done
}
# The kernel's link-local addresses (and their local routes) settle first.
wait_until 10 eval '[ -z "$(n ip -6 addr show tentative)" ]' || diag "addresses still tentative"
before=$(foreign)
like "$before" 'from 10.99.0.0/24 lookup 150 proto static' "the foreign objects are in place"

rt_conf "$RT_CONF"
rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }
wait_until 5 eval '[ "$(ours)" = "$(want)" ]'
rt_same "$(ours)" "$(want)" "after start: Outpost's objects are the config's"
rt_same "$(foreign)" "$before" "after start: every foreign object is still there, identical"
rt_leaves_by "lan50 ping" gtel 4 rt_ping lan50 4

# Reload with one more source on cnc: that rule appears, nothing foreign moves.
rt_conf "$RT_CONF" "source = 10.60.1.0/24"
kill -HUP "$RT_PID"
extra=$(printf '1100:\tfrom 10.60.1.0/24 lookup 160')
wait_until 5 eval '[ "$(ours)" = "$(want "$extra")" ]'
rt_same "$(ours)" "$(want "$extra")" "after SIGHUP: Outpost's objects are the new config's"
[ "$(ours)" = "$(want "$extra")" ] || diag "$(tail -5 "$RT_LOG")"
rt_same "$(foreign)" "$before" "after SIGHUP: every foreign object is still there, identical"

# Stop (routing stays), then --flush: Outpost's objects go, nothing else.
bg_kill "$RT_PID"
run_ok "--flush exits 0" n "$ROUTED" -f "$RT_CONF" --flush
like "$RUN_OUTPUT" '[0-9]' "--flush prints how many objects it removed"
rt_same "$(ours)" "" "after --flush: no object of protocol 158 is left"
rt_same "$(foreign)" "$before" "after --flush: every foreign object is still there, identical"
ok "$([ ! -e "$NETNS_TMP/rt_tables.conf" ] && echo 0 || echo 1)" "--flush removed the rt-tables file"
done_testing
