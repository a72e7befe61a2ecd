#!/bin/bash
# trace-responders.sh: a hop that answers from two addresses (r2 rewrites
# the source of every other time exceeded it sends, with a stateless nft
# rule, as two routers behind one hop would) is reported with both
# responders and their counts: in the JSON's "addrs", the most frequent
# first, and on an extra `-- line of the human report.
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
table ip twofaced {
	chain raw {
		type filter hook output priority -300;
		icmp type time-exceeded notrack
	}
	chain out {
		type filter hook output priority 0;
		icmp type time-exceeded numgen inc mod 2 == 1 ip saddr set 10.7.2.9
	}
}
NFT

# 4 queries: 2 answers from each address; -c 2: 4 each over two rounds.
run_ok "trace" ns_exec edge "$PROBE" trace --json -N 4 -c 2 -i 0.1s -m 8 -W 1s "$TGT4"
out=$RUN_OUTPUT
is "$(jq -c '[.hops[1].addrs[] | [.addr, .count]] | sort' <<<"$out")" \
	'[["10.7.2.2",4],["10.7.2.9",4]]' "hop 2: both responders, 4 answers each"
is "$(jq -r '[.hops[1].sent, .hops[1].received] | join(" ")' <<<"$out")" "8 8" \
	"hop 2: 8 sent, 8 received"
is "$(json_hops "$out")" "$HOPS4" "the other hops have their one responder"
is "$(jq -r '[.hops[] | .addrs | length] | join(" ")' <<<"$out")" "1 2 1 1" \
	"only hop 2 has two"

# Three queries in one round: 2 from one address, 1 from the other; the
# human report shows the more frequent on the hop's line.
run_ok "human report" ns_exec edge "$PROBE" trace -N 3 -m 8 -W 1s "$TGT4"
main=$(awk '$1 == "2.|--" { print $2 }' <<<"$RUN_OUTPUT")
extra=$(awk '$1 == "|" && $2 == "`--" { print $3 " " $4 }' <<<"$RUN_OUTPUT")
ok $([ "$main" = 10.7.2.2 ] && [ "$extra" = "10.7.2.9 (1)" ] ||
	{ [ "$main" = 10.7.2.9 ] && [ "$extra" = "10.7.2.2 (1)" ]; }; echo $?) \
	"human report: the hop's line has the responder of 2, the extra line the other with (1)"
[ "$main" ] || diag "$RUN_OUTPUT"

done_testing
