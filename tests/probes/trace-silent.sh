#!/bin/bash
# trace-silent.sh: a router that drops its own ICMP time exceeded (an nft
# rule with a counter in r2's output) shows as a hop with 100 % loss and
# no address, and the trace goes on to r3 and the target; the counter
# proves r2 did get exactly the trace's probes for its ttl.  IPv4 and
# IPv6, ICMP and UDP probes; the human report prints the hop as ???.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/trace-lib.bash"

require_root
require_cmd jq nft
trace_chain || bail "cannot build the router chain"
ns_exec r2 nft -f - <<'NFT' || bail "nft in r2"
table inet silent {
	counter te { }
	chain out {
		type filter hook output priority 0;
		icmp type time-exceeded counter name te drop
		icmpv6 type time-exceeded counter name te drop
	}
}
NFT
dropped() { ns_exec r2 nft -j list counter inet silent te | jq '.nftables[] | select(.counter) | .counter.packets'; }

n=0
for fam in 4 6; do
	if [ $fam = 4 ]; then tgt=$TGT4; set -- $HOPS4; else tgt=$TGT6; set -- $HOPS6; fi
	for m in icmp udp; do
		what="IPv$fam $m"
		run_ok "$what: exit 0" ns_exec edge "$PROBE" trace --json -P $m -m 8 -W 500ms "$tgt"
		out=$RUN_OUTPUT
		n=$((n + 3))
		is "$(json_hops "$out")" "$1 - $3 $4" "$what: r1, a silent r2, r3, the target"
		is "$(json_received "$out")" "3 0 3 3" "$what: nothing from hop 2, all from the others"
		is "$(jq -c '.hops[1] | [.sent, .loss, .addrs, .rtt]' <<<"$out")" '[3,1,[],null]' \
			"$what: hop 2 is 3 sent, loss 1, no address, no rtt"
		is "$(jq -r .outcome <<<"$out")" reached "$what: the target is still reached"
		is "$(dropped)" "$n" "$what: r2 dropped its time exceeded for the 3 probes of ttl 2"
	done
done

run_ok "human report" ns_exec edge "$PROBE" trace -m 8 -W 500ms "$TGT4"
like "$RUN_OUTPUT" $'\n  2\\.\\|-- \\?\\?\\? +100\\.0% +3 ' "human report: hop 2 is ??? with 100% loss"
like "$RUN_OUTPUT" $'\n  3\\.\\|-- 10\\.7\\.3\\.2 +0\\.0%' "human report: and r3 follows"

# SIGINT while hop 2's probes still wait (-W 20s): the report comes at
# once with what is known; probes in flight count as not sent.
bg_run edge "$PROBE" trace --json -W 20s -m 8 "$TGT4" >"$NETNS_TMP/int.json" 2>&1
pid=$BG_PID
sleep 1
start=$SECONDS
kill -INT "$pid"
wait_until 5 sh -c "! kill -0 $pid 2>/dev/null"
ok $? "SIGINT: outpost-probe ends at once"
wait "$pid" 2>/dev/null
out=$(cat "$NETNS_TMP/int.json")
is "$(json_hops "$out")" "10.7.1.1 - 10.7.3.2 10.7.4.2" "SIGINT: the hops known so far"
is "$(jq -r '[.hops[] | .sent] | join(" ")' <<<"$out")" "3 0 3 3" \
	"SIGINT: hop 2's probes in flight are not counted as sent"
ok $((SECONDS - start > 5)) "SIGINT: long before the 20 s timeout"

done_testing
