#!/bin/bash
# rt-conflict.sh: a foreign route holds the place of one of Outpost's:
# "default via 198.51.100.1 table 150 proto static" is there before
# outpost-routed runs, and a route's identity in the kernel (table, dst,
# metric) does not include its protocol, so Outpost's default route for
# tel cannot be added beside it. Outpost must not take it over (replace
# it) and must not pretend it installed its own: --once reports the
# kernel's refusal with the line's file:line and exits 1, the foreign
# route stays byte-identical, everything else is installed; the daemon
# logs the same refusal.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd nft python3

rt_world || bail "the routing world could not be built"
n() { ns_exec node "$@"; }
n ip route add default via 198.51.100.1 dev tel0 table 150 proto static ||
	bail "the foreign route could not be made"
foreign=$(n ip route show table 150)
rt_conf "$RT_CONF"
sed -i 's/^\[node\]$/[node]\nuser = nobody/' "$RT_CONF"
tel_line=$(grep -n '^\[line "tel"\]' "$RT_CONF" | cut -d: -f1)

run_fails "--once exits non-zero when the kernel refuses an object" \
	n "$ROUTED" -f "$RT_CONF" --once
is "$RUN_STATUS" 1 "--once exits 1"
diag "$RUN_OUTPUT"
like "$RUN_OUTPUT" "$RT_CONF:$tel_line: \\[line \"tel\"\\]: .*'ip route add default via 198\\.51\\.100\\.1 dev tel0 table 150[^']*': .*(exists|another|foreign)" \
	"the refusal names the file:line of [line \"tel\"], the ip command and why"
is "$(n ip route show table 150 | grep '^default')" "$(printf '%s\n' "$foreign" | grep '^default')" \
	"the foreign default route of table 150 is untouched"
rt_same "$(rt_table 4 150 | grep -v '^default')" "$(rt_std_routes 4 150 | grep -v '^default')" \
	"the rest of table 150 is installed"
rt_same "$(rt_table 4 160)" "$(rt_std_routes 4 160)" "table 160 is installed"
rt_same "$(rt_all_rules 4)" "$(rt_std_rules 4)" "every rule is installed"

# The daemon reports it too (once, not in a loop).
rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }
sleep 1
like "$(grep -c "refused 'ip route add default via 198.51.100.1 dev tel0 table 150" "$RT_LOG")" '^[1-3]$' \
	"the daemon logs the refusal, and does not retry it in a loop"
is "$(n ip route show table 150 | grep '^default')" "$(printf '%s\n' "$foreign" | grep '^default')" \
	"with the daemon running the foreign default route is still untouched"
done_testing
