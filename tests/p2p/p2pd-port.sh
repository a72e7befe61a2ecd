#!/bin/bash
# p2pd-port.sh: outpost-p2pd's own peer traffic always carries its
# listen port, both ways, so a [region]'s peer-port classifies all of
# it, whatever port the other peer listens on. a2 (listen = 7001) has
# the package; a1 (listen = 6881, dropped to a user) gets it from a2
# only (the origin is down), over a connection a1 opens: a1 finds a2
# by the region tracker, and a1's firewall drops connections to it. nft counters in a1's namespace count LAN TCP by a1's own port:
# everything must be on 6881, nothing on another local port.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
p2pd_region_begin 4 a:2
require_cmd nft ss opentracker
lan=$(region_lan a) lan6=$(region_lan a 6)
# a1 learns of a2 from the region tracker: a2 does not learn of a1 and
# cannot connect to it
region_tracker a "$T/www/pkg.torrent" || bail "no tracker"
p2pd_conf a2 a "listen = 7001" "tracker = $(region_tracker_url a)"
p2pd_conf a1 a "lsd = no" "tracker = $(region_tracker_url a)"
p2pd_start_all a2
p2pd_add_all "$REGION_WEB/pkg.torrent" a2
run_ok "a2 has the package" wait_until 60 p2pd_seeding a2
region_tracker_seeded a "$T/www/pkg.torrent"
region_origin_down

ns_exec a1 nft -f - <<EOF || bail "no nft counters"
table inet port_test {
	counter ours_in {}
	counter ours_out {}
	counter other_in {}
	counter other_out {}
	chain in {
		type filter hook input priority 0;
		tcp sport 6969 accept comment "the tracker"
		ip saddr $lan tcp dport 6881 tcp flags & (syn | ack) == syn drop
		ip6 saddr $lan6 tcp dport 6881 tcp flags & (syn | ack) == syn drop
		ip saddr $lan tcp dport 6881 counter name ours_in
		ip6 saddr $lan6 tcp dport 6881 counter name ours_in
		ip saddr $lan tcp dport != 6881 counter name other_in
		ip6 saddr $lan6 tcp dport != 6881 counter name other_in
	}
	chain out {
		type filter hook output priority 0;
		tcp dport 6969 accept comment "the tracker"
		ip daddr $lan tcp sport 6881 counter name ours_out
		ip6 daddr $lan6 tcp sport 6881 counter name ours_out
		ip daddr $lan tcp sport != 6881 counter name other_out
		ip6 daddr $lan6 tcp sport != 6881 counter name other_out
	}
}
EOF
# counter_field NAME bytes|packets: of a1's counter NAME
counter_field()
{
	ns_exec a1 nft -j list counter inet port_test "$1" | python3 -c 'import json, sys
for o in json.load(sys.stdin)["nftables"]:
	if "counter" in o:
		print(o["counter"][sys.argv[1]])' "$2"
}

p2pd_start_all a1
# the origin is down: a1 gets the .torrent from the operator, the rest from a2
run_ok "the torrent is added on a1" p2pd_cli a1 add "$T/www/pkg.torrent"
run_ok "a1 finishes" wait_until 60 p2pd_seeding a1
is "$(p2pd_bad_copies pkg "$PKG_SHA" a1)" 0 "a1 has the right SHA-256"
out=$(ns_exec a1 ss -tnH state established "( dport = :7001 )")
diag "a1's connections to a2's port: ${out:-none}"
in_bytes=$(counter_field ours_in bytes)
diag "LAN TCP on a1's port 6881: $in_bytes bytes in, $(counter_field ours_out bytes) out"
diag "on other ports of a1: $(counter_field other_in packets) packets in, $(counter_field other_out packets) out"
ok "$([ "$in_bytes" -ge "$PKG_SIZE" ]; echo $?)" "the package came in on a1's listen port"
is "$(counter_field other_in packets)" 0 "no LAN TCP came in on another port of a1"
is "$(counter_field other_out packets)" 0 "none left from another port of a1"
p2p_diag_logs a1/log
done_testing
