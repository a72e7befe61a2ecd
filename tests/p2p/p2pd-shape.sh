#!/bin/bash
# p2pd-shape.sh: outpost-p2pd on a region's gateway with [p2p] shape =
# yes: at start it applies the region's caps (HTB 4f50: on the WAN
# interface, the IFB for downloads, nft table inet outpost), keeps only
# CAP_NET_ADMIN after dropping to [node] user, and a SIGHUP puts the caps
# back when someone removed them. -n refuses shape = yes without the
# region's section.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/p2pd-lib.sh"
[ -x "$P2PD" ] || bail "no $P2PD (build it first)"
p2p_begin 1 useradd userdel nft tc
p2pd_user || bail "cannot create a user"
p2pd_conf p1 lab "shape = yes" \
	'[region "lab"]' "lan = 10.0.0.0/24" "wan-interface = eth0" "origin = 10.0.0.3/32" \
	"origin-rate = 20mbit" "line-rate = 100mbit"
run_ok "-n: the gateway's config is clean" "$P2PD" -n -f "$T/p1/outpost.conf"
printf '[node]\nregion = lab\n[p2p]\nshape = yes\n' >"$T/noregion.conf"
run_fails "-n: shape = yes without its [region] is refused" "$P2PD" -n -f "$T/noregion.conf"
like "$RUN_OUTPUT" 'noregion.conf:4: \[p2p\] shape: needs a \[region "lab"\] section' "... saying what is missing"

p2pd_start p1 || bail "the daemon did not start: $(tail -5 "$T/p1/log")"
pid=${P2PD_PID[p1]}
like "$(ns_exec p1 tc qdisc show dev eth0)" 'qdisc htb 4f50: root' "the WAN interface has Outpost's HTB"
like "$(ns_exec p1 nft list tables)" 'table inet outpost' "the nft table is there"
is "$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" 0000000000001000 \
	"the daemon keeps CAP_NET_ADMIN only"
is "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "$(id -u "$P2PD_USER")" "... as [node] user"
like "$(cat "$T/p1/log")" "shape: the region's caps are in place" "its log says the caps are in place"

ns_exec p1 tc qdisc del dev eth0 root
ns_exec p1 nft delete table inet outpost
kill -HUP "$pid"
has_htb() { ns_exec p1 tc qdisc show dev eth0 | grep -q 'htb 4f50:'; }
run_ok "SIGHUP puts the caps back" wait_until 10 has_htb
like "$(ns_exec p1 nft list tables)" 'table inet outpost' "... and the nft table"
ok "$(kill -0 "$pid"; echo $?)" "the daemon still runs"
p2p_diag_logs p1/log
done_testing
