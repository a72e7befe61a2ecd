#!/bin/bash
# routed-dryrun.sh: outpost-routed --dry-run on an empty node prints
# exactly the ip(8) commands of the standard config (compared sorted),
# as root and as an unprivileged user alike, and changes nothing (every
# rule and route dumped before and after, identical); those commands fed
# to `ip -batch` make the same kernel state as --once does (the node
# flushed in between, back to its first state).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd python3 nft setpriv

rt_world || bail "the routing world could not be built"
rt_conf "$RT_CONF"
chmod 755 "$NETNS_TMP"
chmod 644 "$RT_CONF"

# Every rule and route of node but those the kernel makes itself (its
# local table, proto kernel: IPv6 adds them after DAD, on its own time).
dump()
{
	local f
	for f in 4 6; do
		ns_exec node ip -"$f" rule show
		ns_exec node ip -"$f" route show table all | grep -v -E ' table local | proto kernel '
	done
}

expected=$(sort <<'EOF2'
ip rule add priority 1000 from 10.50.0.0/24 lookup 150 proto 158
ip rule add priority 1000 fwmark 0x150/0xffffffff lookup 150 proto 158
ip rule add priority 1100 from 10.60.0.0/24 lookup 160 proto 158
ip rule add priority 1100 fwmark 0x160/0xffffffff lookup 160 proto 158
ip -6 rule add priority 1000 from 2001:db8:50::/64 lookup 150 proto 158
ip -6 rule add priority 1000 fwmark 0x150/0xffffffff lookup 150 proto 158
ip -6 rule add priority 1100 from 2001:db8:60::/64 lookup 160 proto 158
ip -6 rule add priority 1100 fwmark 0x160/0xffffffff lookup 160 proto 158
ip route add 198.51.100.0/24 dev tel0 table 150 proto 158 scope link src 198.51.100.2 metric 0
ip route add default via 198.51.100.1 dev tel0 table 150 proto 158 metric 0
ip route add 203.0.113.0/24 dev cnc0 table 160 proto 158 scope link src 203.0.113.2 metric 0
ip route add default via 203.0.113.1 dev cnc0 table 160 proto 158 metric 0
ip -6 route add 2001:db8:100::/64 dev tel0 table 150 proto 158 src 2001:db8:100::2 metric 1024
ip -6 route add default via 2001:db8:100::1 dev tel0 table 150 proto 158 metric 1024
ip -6 route add 2001:db8:113::/64 dev cnc0 table 160 proto 158 src 2001:db8:113::2 metric 1024
ip -6 route add default via 2001:db8:113::1 dev cnc0 table 160 proto 158 metric 1024
EOF2
)

before=$(dump)
run_ok "--dry-run exits 0" ns_exec node "$ROUTED" --dry-run -f "$RT_CONF"
dry_out=$RUN_OUTPUT
rt_same "$(printf '%s\n' "$dry_out" | sort)" "$expected" "--dry-run prints exactly the expected commands"
rt_same "$(dump)" "$before" "--dry-run changed nothing in the kernel"
ok "$([ ! -e "$NETNS_TMP/rt_tables.conf" ]; echo $?)" "and wrote no rt-tables file"

run_ok "--dry-run as nobody (no capability) exits 0" ns_exec node setpriv --reuid nobody \
	--regid nogroup --clear-groups --inh-caps=-all "$ROUTED" --dry-run -f "$RT_CONF"
rt_same "$(printf '%s\n' "$RUN_OUTPUT" | sort)" "$expected" "and prints the same commands"

# The printed commands, through ip -batch (one per family: a batch line
# takes no -6).
batch()
{
	printf '%s\n' "$dry_out" | grep -v '^ip -6 ' | sed 's/^ip //' | ns_exec node ip -4 -batch - &&
	printf '%s\n' "$dry_out" | grep '^ip -6 ' | sed 's/^ip -6 //' | ns_exec node ip -6 -batch -
}
run_ok "ip -batch takes the printed commands" batch
by_batch=$(dump)
rt_state_is "after ip -batch"
run_ok "--flush removes them" ns_exec node "$ROUTED" --flush -f "$RT_CONF"
rt_same "$(dump)" "$before" "the node is back to its first state"
run_ok "--once" ns_exec node "$ROUTED" --once -f "$RT_CONF"
rt_same "$(dump)" "$by_batch" "--once makes the same kernel state as ip -batch of --dry-run"
run_ok "--dry-run after --once" ns_exec node "$ROUTED" --dry-run -f "$RT_CONF"
is "$RUN_OUTPUT" "" "prints nothing: there is nothing to do"
done_testing
