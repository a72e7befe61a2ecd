#!/bin/bash
# shape-refuse.sh: what outpost-shape apply refuses, and that a refusal
# leaves the kernel as it was.
#  - bad configs: a rate of zero, LAN prefixes overlapping between
#    regions, an unknown wan-interface, a cap above the line, two regions
#    on one interface disagreeing on line-rate: exit 2 (1 for the unknown
#    interface, a fact of this kernel, not of the file), a FILE:LINE:
#    message naming the key, and nothing installed (no table inet
#    outpost, no htb 4f50:, no ifb);
#  - a foreign root qdisc on wan0 (tbf 1:): exit 1 naming it, nothing
#    changed at all (sh_state);
#  - a kernel refusal in the middle of an apply: after a good apply of
#    chaoyang on wan0, a foreign clsact qdisc on wan1 (someone's bpf),
#    then an apply that changes chaoyang's origin-rate AND adds haidian
#    on wan1: Outpost's ingress qdisc cannot go next to a clsact (the
#    kernel answers "Exclusivity flag on, cannot modify" to the
#    NLM_F_EXCL add), so the apply fails with that ext-ack text after
#    wan0's class changes went through (checked in --dry-run's order),
#    and rolls back: the state after equals the state before (chaoyang's
#    class still 20mbit, no ifb-wan1, no htb on wan1, nft untouched).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
sh_begin
T=$NETNS_TMP

# refused NAME CODES KEYRE [CONF]: apply of $T/NAME.conf exits with one of
# CODES ("2" or "1 2"), its message has FILE:LINE: and matches KEYRE,
# and nothing of Outpost's is in the kernel.
refused()
{
	local name=$1 codes=$2 re=$3 conf=$T/$1.conf rc=0 out st c
	out=$(ns_exec gw "$SHAPE" -f "$conf" apply 2>&1) || rc=$?
	st=1
	for c in $codes; do [ "$rc" = "$c" ] && st=0; done
	ok "$st" "$name: apply refused with exit $rc (want $codes)"
	like "$out" "$conf:[0-9]+:" "$name: the message has file:line"
	like "$out" "$re" "$name: the message names what is wrong"
	[[ $out == *"$conf:"* ]] || diag "$out"
	run_ok "$name: nothing installed" sh_nothing_installed gw
}

sh_conf "$T/zero.conf"
sed -i 's/^origin-rate = .*/origin-rate = 0/' "$T/zero.conf"
refused zero 2 "origin-rate"

sh_conf "$T/overlap.conf" "$(sh_region_b wan1 | sed 's|^lan = 10.30.0.0/16$|lan = 10.20.5.0/24|')"
refused overlap 2 "lan|overlap"

sh_conf "$T/noiface.conf"
sed -i 's/^wan-interface = .*/wan-interface = wan9/' "$T/noiface.conf"
refused noiface "1 2" "wan9"

sh_conf "$T/abovecap.conf"
sed -i 's/^origin-rate = .*/origin-rate = 200mbit/' "$T/abovecap.conf"
refused abovecap 2 "origin-rate|line-rate"

sh_conf "$T/disagree.conf" "$(sh_region_b wan0 | sed 's/^line-rate = .*/line-rate = 50mbit/')"
refused disagree 2 "line-rate"
# Both sections' places are named.
like "$(ns_exec gw "$SHAPE" -f "$T/disagree.conf" apply 2>&1)" \
	"$T/disagree.conf:[0-9]+:.*$T/disagree.conf:[0-9]+" "disagree: both regions' file:line named"

# A foreign root qdisc on wan0.
CONF=$T/outpost.conf
sh_conf "$CONF"
ns_exec gw tc qdisc add dev wan0 root handle 1: tbf rate 50mbit burst 32k latency 50ms ||
	bail "foreign tbf"
sh_state gw >"$T/state.before"
rc=0; out=$(ns_exec gw "$SHAPE" -f "$CONF" apply 2>&1) || rc=$?
is "$rc" 1 "foreign root qdisc: apply exits 1"
like "$out" "wan0.*tbf|tbf.*wan0" "foreign root qdisc: the message names wan0 and its tbf: $out"
sh_state gw >"$T/state.after"
st=0; cmp -s "$T/state.before" "$T/state.after" || st=1
ok "$st" "foreign root qdisc: nothing changed"
[ "$st" = 0 ] || diag "$(diff "$T/state.before" "$T/state.after")"
ns_exec gw tc qdisc del dev wan0 root

# A kernel refusal, rolled back.
run_ok "a good apply first" ns_exec gw "$SHAPE" -f "$CONF" apply
ns_exec gw tc qdisc add dev wan1 clsact || bail "foreign clsact"
sh_conf "$T/change.conf" "$(sh_region_b wan1)"
sed -i 's/^origin-rate = 20mbit/origin-rate = 10mbit/' "$T/change.conf"
# The rollback is only exercised if something was changed before the
# refused op: the plan's order puts wan0's class changes first.
ns_exec gw "$SHAPE" -f "$T/change.conf" --dry-run apply >"$T/change.dry" 2>&1
first_change=$(grep -n '^tc class change dev wan0 ' "$T/change.dry" | head -1 | cut -d: -f1)
ingress_add=$(grep -n '^tc qdisc add dev wan1 ingress' "$T/change.dry" | head -1 | cut -d: -f1)
st=0; [ -n "$first_change" ] && [ -n "$ingress_add" ] && [ "$first_change" -lt "$ingress_add" ] || st=1
ok "$st" "kernel refusal: wan0's class changes come before wan1's ingress add (lines $first_change, $ingress_add of --dry-run)"
sh_state gw >"$T/state.before"
rc=0; out=$(ns_exec gw "$SHAPE" -f "$T/change.conf" apply 2>&1) || rc=$?
is "$rc" 1 "kernel refusal: apply exits 1"
like "$out" "kernel refused '[^']*wan1[^']*': .*Exclusivity flag on, cannot modify" \
	"kernel refusal: the message carries the command and the kernel's ext-ack text"
like "$out" "rolled back" "kernel refusal: says it rolled back"
diag "$out"
sh_state gw >"$T/state.after"
st=0; cmp -s "$T/state.before" "$T/state.after" || st=1
ok "$st" "kernel refusal: the state after equals the state before"
[ "$st" = 0 ] || diag "$(diff "$T/state.before" "$T/state.after")"
run_ok "kernel refusal: the first apply's ceil 20Mbit still on wan0" \
	eval 'ns_exec gw tc class show dev wan0 | grep -q "ceil 20Mbit"'
done_testing
