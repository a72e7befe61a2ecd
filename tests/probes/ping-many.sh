#!/bin/bash
# ping-many.sh: 1,000 targets in one outpost-probe: every one answered
# with its own result (each dst once, received == count); then a quarter
# of them silent (a blackhole in the target namespace): exactly those
# are unreachable, and the exit status is 1. The same over IPv6.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

require_root
require_cmd python3 ping
ping_world || bail "cannot build the namespaces"
ping_targets 10.9.0.0/22 || bail "no target prefix"
T=$NETNS_TMP
plan 14

run_ok "the target namespace answers for 10.9.2.77 (iputils ping)" \
	ns_exec p ping -c 1 -W 2 10.9.2.77

# 1,000 addresses of the /22, each once.
python3 -c 'import ipaddress
n = ipaddress.ip_network("10.9.0.0/22")
print("\n".join(str(n[i]) for i in range(1, 1001)))' >"$T/targets"
rc=0
ns_exec p "$PROBE" ping --json -c 3 -i 500ms -r 2000 $(cat "$T/targets") \
	>"$T/all.json" 2>"$T/all.err" || rc=$?
is "$rc" 0 "1,000 answering targets: exit 0"
is "$(json_field "$T/all.json" 'len(L)')" 1000 "one result per target"
is "$(json_field "$T/all.json" 'len(set(o["dst"] for o in L))')" 1000 "each dst once"
is "$(json_field "$T/all.json" 'sorted(o["dst"] for o in L) == sorted(open(sys.argv[1].replace("all.json","targets")).read().split())')" \
	True "the dsts are exactly the targets"
is "$(json_field "$T/all.json" 'sum(o["received"] == 3 and o["sent"] == 3 and o["outcome"] == "reached" for o in L)')" \
	1000 "every target: sent 3, received 3, reached"
is "$(json_field "$T/all.json" 'sum(o["dup"] + o["late"] for o in L)')" 0 "no duplicate, nothing late"

# A quarter silent: t drops 10.9.3.0/24 instead of answering.
ip -n "$(ns t)" route del local 10.9.0.0/22 dev lo table local
route_add t local 10.9.0.0/23 dev lo table local
route_add t local 10.9.2.0/24 dev lo table local
route_add t blackhole 10.9.3.0/24
python3 -c 'import ipaddress
n = ipaddress.ip_network("10.9.0.0/22")
print("\n".join(str(a) for a in n))' >"$T/targets2"
silent=$(grep -c '^10\.9\.3\.' "$T/targets2")
rc=0
ns_exec p "$PROBE" ping --json -c 2 -i 300ms -W 500ms -r 3000 $(cat "$T/targets2") \
	>"$T/q.json" 2>"$T/q.err" || rc=$?
is "$rc" 1 "a quarter silent: exit 1"
is "$(json_field "$T/q.json" 'len(L)')" 1024 "one result per target"
is "$(json_field "$T/q.json" 'set(o["dst"] for o in L if o["outcome"] == "unreachable") == set("10.9.3.%d" % i for i in range(256))')" \
	True "exactly the $silent addresses of 10.9.3.0/24 are unreachable"
is "$(json_field "$T/q.json" 'sum(o["received"] == 2 for o in L if not o["dst"].startswith("10.9.3."))')" \
	768 "the others received every probe"

# IPv6: 300 addresses of a /120 through a local route.
ping_targets 2001:db8:9::/120 || bail "no v6 prefix"
python3 -c 'import ipaddress
n = ipaddress.ip_network("2001:db8:9::/120")
print("\n".join(str(n[i]) for i in range(1, 201)))' >"$T/targets6"
rc=0
ns_exec p "$PROBE" ping --json -c 2 -i 300ms -r 2000 $(cat "$T/targets6") \
	>"$T/v6.json" 2>"$T/v6.err" || rc=$?
is "$rc" 0 "200 IPv6 targets: exit 0"
is "$(json_field "$T/v6.json" 'len(set(o["dst"] for o in L if o["received"] == 2))')" 200 \
	"every v6 target answered both probes, each dst once"
is "$(json_field "$T/v6.json" 'set(o["src"] for o in L)')" "{'2001:db8::1'}" \
	"src is our address, from the replies' packet info"
done_testing
