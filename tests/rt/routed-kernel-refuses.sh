#!/bin/bash
# routed-kernel-refuses.sh: a config that passes every check but that the
# kernel refuses (tel's IPv6 gateway is the node's own address, at a new
# metric, so the new default route is an add and the old one a delete)
# makes --once exit 1 printing, for the refused change, the line's
# file:line, the ip(8) command and the kernel's own text; the deletes of
# that line are held back, so its old default route via the real gateway
# and its rules stay in place, the other line is untouched, and traffic
# still leaves by tel.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd python3 nft

rt_world || bail "the routing world could not be built"
rt_conf "$RT_CONF"
sed -i 's/^\[node\]$/[node]\nuser = nobody/' "$RT_CONF"
run_ok "--once with the standard config" ns_exec node "$ROUTED" --once -f "$RT_CONF"
rt_state_is "before"

old_default=$(rt_table 4 150 | grep '^default')
old_default6=$(rt_table 6 150 | grep '^default')
old_rules4=$(rt_all_rules 4)
old_rules6=$(rt_all_rules 6)
old_cnc4=$(rt_table 4 160)
# The node's own address as tel's IPv6 gateway (IPv4 takes one), at metric 5.
BAD=$NETNS_TMP/bad.conf
sed -e 's/^gateway = 2001:db8:100::1$/gateway = 2001:db8:100::2/' \
	-e 's/^table = 150$/table = 150\nmetric = 5/' "$RT_CONF" >"$BAD"
n=$(grep -n -m1 '^\[line "tel"\]' "$BAD" | cut -d: -f1)
run_ok "-n passes it (the gateway is inside tel0's subnet)" ns_exec node "$ROUTED" -n -f "$BAD"
run_fails "--once exits non-zero" ns_exec node "$ROUTED" --once -f "$BAD"
is "$RUN_STATUS" 1 "exit status 1"
like "$RUN_OUTPUT" "bad.conf:$n: \\[line \"tel\"\\]: kernel refused 'ip -6 route add default via 2001:db8:100::2 dev tel0 table 150 proto 158 metric 5': " \
	"the refusal names file:line, the line and the command"
like "$RUN_OUTPUT" "kernel refused .*': Gateway can not be a local address" "with the kernel's text"
is "$(printf '%s\n' "$RUN_OUTPUT" | grep -c 'kernel refused')" 1 "one refusal, nothing else"
is "$(rt_table 6 150 | grep '^default')" "$old_default6" "tel's old IPv6 default route is still there"
like "$(rt_table 4 150 | grep '^default')" "^$old_default" \
	"and its old IPv4 one too (its delete held back; the new one at metric 5 beside it)"
is "$(rt_all_rules 4)" "$old_rules4" "the IPv4 rules are as before"
is "$(rt_all_rules 6)" "$old_rules6" "the IPv6 rules are as before"
is "$(rt_table 4 160)" "$old_cnc4" "cnc's table is untouched"
rt_leaves_by "lan50 ping after the refusal" gtel 4 rt_ping lan50 4
done_testing
