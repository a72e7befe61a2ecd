#!/bin/bash
# shape-clear.sh: apply and clear touch only Outpost's objects. Before
# apply, foreign objects: an nft table inet foreign with a chain and a
# rule, an htb qdisc 1: with a class on lan0, an ingress qdisc on wan0
# with a u32 filter at pref 100 (Outpost's redirect goes at pref 20304
# next to it), and an IFB "ifb9" of someone else's. After apply: the
# foreign filter still there and unchanged. After clear: every foreign
# object exactly as before (nft -j list table inet foreign, tc qdisc and
# class show dev lan0, tc -j filter show dev wan0 ingress, ifb9), and
# nothing of Outpost's left: no table inet outpost, wan0's root qdisc
# the kernel's default again, no ifb-wan0, no filter at pref 20304.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
sh_begin
CONF=$NETNS_TMP/outpost.conf
T=$NETNS_TMP
sh_conf "$CONF"

root_before=$(ns_exec gw tc qdisc show dev wan0 root)
ns_exec gw nft -f - <<'NFT' || bail "foreign nft table"
table inet foreign {
	set blocked { type ipv4_addr; flags interval; elements = { 192.0.2.99/32 } }
	chain filter_fwd {
		type filter hook forward priority 0; policy accept;
		ip saddr @blocked counter drop
	}
}
NFT
ns_exec gw tc qdisc add dev lan0 root handle 1: htb default 10 &&
	ns_exec gw tc class add dev lan0 parent 1: classid 1:10 htb rate 500mbit burst 64k &&
	ns_exec gw tc qdisc add dev wan0 ingress &&
	ns_exec gw tc filter add dev wan0 ingress pref 100 protocol ip u32 \
		match ip src 192.0.2.99/32 flowid 1:1 &&
	ns_exec gw ip link add name ifb9 type ifb || bail "foreign tc objects"

# foreign: the foreign objects as text, one file per kind.
foreign()
{
	ns_exec gw nft -j list table inet foreign >"$T/$1.nft"
	{ ns_exec gw tc qdisc show dev lan0; ns_exec gw tc class show dev lan0; } >"$T/$1.lan0"
	# Only the filters not at Outpost's pref; tc prints "parent" only
	# when a dump holds more than one priority, so that key goes.
	ns_exec gw tc -j filter show dev wan0 ingress | python3 -c '
import json, sys
f = [x for x in json.load(sys.stdin) if x.get("pref") != 20304]
for x in f:
    x.pop("parent", None)
print(json.dumps(f, sort_keys=True))' >"$T/$1.ingress"
	ns_exec gw ip -d link show dev ifb9 | sed 's/^[0-9]*: //' >"$T/$1.ifb9"
}
same()
{
	local k st
	for k in nft lan0 ingress ifb9; do
		st=0
		cmp -s "$T/before.$k" "$T/$1.$k" || st=1
		ok "$st" "$2: foreign $k unchanged"
		[ "$st" = 0 ] || diag "$(diff "$T/before.$k" "$T/$1.$k")"
	done
}
foreign before
grep -q '"pref": 100' "$T/before.ingress" || bail "the foreign filter is not there: $(cat "$T/before.ingress")"

run_ok "apply next to the foreign objects" ns_exec gw "$SHAPE" -f "$CONF" apply
foreign applied
same applied "after apply"
run_ok "after apply, Outpost's redirect filter at pref 20304 is there too" \
	eval 'ns_exec gw tc filter show dev wan0 ingress | grep -q "pref 20304 "'
run_ok "after apply, wan0's root is htb 4f50:" eval 'ns_exec gw tc qdisc show dev wan0 root | grep -q "^qdisc htb 4f50: "'

run_ok "clear" ns_exec gw "$SHAPE" -f "$CONF" clear
diag "clear said: $RUN_OUTPUT"
foreign cleared
same cleared "after clear"
run_fails "after clear, no table inet outpost" ns_exec gw nft list table inet outpost
is "$(ns_exec gw tc qdisc show dev wan0 root)" "$root_before" "after clear, wan0's root qdisc is the default again"
run_fails "after clear, no ifb-wan0" ns_exec gw ip link show dev ifb-wan0
is "$(ns_exec gw tc filter show dev wan0 ingress | grep -c 'pref 20304 ')" 0 \
	"after clear, no filter at Outpost's pref on wan0's ingress"
run_ok "after clear, wan0's ingress qdisc stays (it holds the foreign filter)" \
	eval 'ns_exec gw tc qdisc show dev wan0 ingress | grep -q "^qdisc ingress ffff:"'
run_ok "clear again: nothing to do, exit 0" ns_exec gw "$SHAPE" -f "$CONF" clear
done_testing
