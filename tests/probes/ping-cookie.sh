#!/bin/bash
# ping-cookie.sh: replies that are not ours never count. A target whose
# own replies are dropped gets forged ones (right id and sequence, someone
# else's payload) and stays unreachable; meanwhile iputils ping probes
# another target from the same namespace, and neither pinger counts the
# other's replies: received never exceeds sent, nothing is dup or late.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

require_root
require_cmd python3 nft ping
ping_world || bail "cannot build the namespaces"
ping_targets 10.9.0.0/24 || bail "no target prefix"
T=$NETNS_TMP
plan 9

# Only 10.9.0.99 is muted.
ns_exec t nft -f - <<'NFT' || bail nft
table inet mute {
	chain out {
		type filter hook output priority 0;
		meta mark != 0x77 ip saddr 10.9.0.99 icmp type echo-reply drop
	}
}
NFT
inject f --family 4 --mode forge --from 10.0.0.1 --to 10.9.0.99 || bail "injector did not start"
ns_exec p ping -c 20 -i 0.1 10.9.0.50 >"$T/iputils.out" 2>&1 &
ipid=$!
rc=0
ns_exec p "$PROBE" ping --json -c 8 -i 100ms -W 500ms 10.9.0.99 10.9.0.50 \
	>"$T/c.json" 2>"$T/c.err" || rc=$?
wait $ipid
bg_kill "$INJ_f"
is "$rc" 1 "exit 1: the muted target is unreachable"
is "$(json_field "$T/c.json" '[o for o in L if o["dst"] == "10.9.0.99"][0]["outcome"]')" unreachable \
	"forged replies did not make 10.9.0.99 reachable"
is "$(json_field "$T/c.json" '[o for o in L if o["dst"] == "10.9.0.99"][0]["received"]')" 0 \
	"10.9.0.99: received 0"
ok "$([ "$(sed -n 's/^requests //p' "$T/f.stats")" -ge 8 ] && echo 0 || echo 1)" \
	"the injector forged a reply to each of its 8 requests"
is "$(json_field "$T/c.json" '[(o["sent"], o["received"], o["dup"], o["late"]) for o in L if o["dst"] == "10.9.0.50"][0]')" \
	"(8, 8, 0, 0)" "10.9.0.50: 8 sent, 8 received, no dup, no late, despite iputils ping's replies"
ok "$([ "$(ignored "$T/c.err" 'packets not ours')" -ge 8 ] && echo 0 || echo 1)" \
	"the forged and iputils replies were counted as not ours"
like "$(cat "$T/iputils.out")" '20 packets transmitted, 20 received, 0% packet loss' \
	"iputils ping got its 20 replies, not more"
run_fails "iputils ping saw no duplicates (ours are not its)" grep -q DUP "$T/iputils.out"
like "$(head -c 300 "$T/c.err")" 'ignored' "the note on ignored packets is on stderr"
done_testing
