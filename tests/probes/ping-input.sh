#!/bin/bash
# ping-input.sh: bad replies to a running outpost-probe (tests/tools/
# icmp-inject.py in the target namespace): cut, an error with a broken
# quote, wrong checksum, someone else's payload, a probe never sent,
# duplicates. The results count only
# the right replies (received == sent, duplicates as dup), the ignored
# packets are counted by kind, and nothing crashes (ASan build). IPv4 and
# IPv6.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

require_root
require_cmd python3 nft
ping_world || bail "cannot build the namespaces"
ping_targets 10.9.0.0/24 && ping_targets 2001:db8:9::/120 || bail "no target prefix"
ping_mute_kernel || bail "nft"
T=$NETNS_TMP
N=5
plan 18

for fam in 4 6; do
	if [ $fam = 4 ]; then peer=10.0.0.1 dst=10.9.0.10; else peer=2001:db8::1 dst=2001:db8:9::10; fi
	inject g$fam --family $fam --mode garbage --from $peer || bail "injector did not start"
	rc=0
	ns_exec p "$PROBE" ping --json -c $N -i 200ms -W 1s $dst >"$T/g$fam.json" 2>"$T/g$fam.err" || rc=$?
	bg_kill "$(eval echo \$INJ_g$fam)"
	is "$rc" 0 "IPv$fam: exit 0, no crash"
	[ "$rc" = 0 ] || diag "$(cat "$T/g$fam.err")"
	is "$(json_field "$T/g$fam.json" 'L[0]["sent"], L[0]["received"]')" "($N, $N)" \
		"IPv$fam: received == sent == $N: only the right replies counted"
	is "$(json_field "$T/g$fam.json" 'L[0]["dup"]')" $((N - 1)) \
		"IPv$fam: the duplicates of the first $((N - 1)) probes are dup (the last ends the run)"
	is "$(json_field "$T/g$fam.json" 'L[0]["late"]')" 0 "IPv$fam: none late"
	is "$(ignored "$T/g$fam.err" 'packets not ours')" $((2 * N)) \
		"IPv$fam: $N replies cut before the cookie and $N with someone else's payload ignored"
	is "$(ignored "$T/g$fam.err" malformed)" $N "IPv$fam: $N errors with a broken quote ignored"
	is "$(ignored "$T/g$fam.err" 'for no probe')" $N "IPv$fam: $N replies for probes never sent ignored"
	if [ $fam = 4 ]; then
		is "$(ignored "$T/g$fam.err" 'with a bad')" $N "IPv4: $N replies with a wrong checksum ignored"
	fi
	is "$(sed -n 's/^requests //p' "$T/g$fam.stats")" $N "IPv$fam: the injector saw $N requests"
done
# The ASan log would be on stderr; say so explicitly.
run_fails "no sanitizer report" grep -l 'ERROR: AddressSanitizer\|runtime error' "$T/g4.err" "$T/g6.err"
done_testing
