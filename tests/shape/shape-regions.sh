#!/bin/bash
# shape-regions.sh: two regions on one node, different caps, at the same
# time: chaoyang (origin-rate 20mbit) and haidian (10mbit), each with an
# origin download (then an origin upload) running at once, each within
# 5 % of its own cap:
#  (a) on two WAN interfaces: chaoyang on wan0, haidian on wan1;
#  (b) both on wan0 (sh_share_wan0), the case where each region's LAN
#      prefixes are matched too: the same origin, two caps.
# Between the two, clear (and nothing of Outpost's is left).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
sh_begin iperf3

CONF=$NETNS_TMP/outpost.conf
for n in isp isp2; do
	sh_count_add "$n" up_a ip saddr 10.20.0.0/16 ip daddr "$SH_ORIGIN4" meta l4proto tcp
	sh_count_add "$n" up_b ip saddr 10.30.0.0/16 ip daddr "$SH_ORIGIN4" meta l4proto tcp
done
sh_count_add dev down ip saddr "$SH_ORIGIN4" meta l4proto tcp
sh_count_add dev2 down ip saddr "$SH_ORIGIN4" meta l4proto tcp
# One iperf3 server serves one test at a time: one per region.
sh_iperf_server isp "$SH_ORIGIN4" 5201 || bail "iperf3 server"
sh_iperf_server isp "$SH_ORIGIN4" 5203 || bail "iperf3 server"
sh_iperf_server isp2 "$SH_ORIGIN4" 5203 || bail "iperf3 server"

# both CASE ISP_OF_B: downloads then uploads of both regions at once.
both()
{
	local c=$1 ispb=$2 a b
	sh_flows_start dev "$SH_ORIGIN4" 5201 -B "$SH_DEV4" -R
	sh_flows_start dev2 "$SH_ORIGIN4" 5203 -B "$SH_DEV2_4" -R
	sh_flows_rates dev:down dev2:down
	read -r a b <<<"$SH_RATES"
	sh_check_rate "($c) chaoyang origin download" "$a" 20 5
	sh_check_rate "($c) haidian origin download, at the same time" "$b" 10 5
	sh_flows_start dev "$SH_ORIGIN4" 5201 -B "$SH_DEV4"
	sh_flows_start dev2 "$SH_ORIGIN4" 5203 -B "$SH_DEV2_4"
	sh_flows_rates isp:up_a "$ispb:up_b"
	read -r a b <<<"$SH_RATES"
	sh_check_rate "($c) chaoyang origin upload" "$a" 20 5
	sh_check_rate "($c) haidian origin upload, at the same time" "$b" 10 5
}

sh_conf "$CONF" "$(sh_region_b wan1 10mbit)"
run_ok "(a) apply chaoyang on wan0, haidian on wan1" ns_exec gw "$SHAPE" -f "$CONF" apply
if [ "$RUN_STATUS" = 0 ]; then
	both a isp2
else
	skip "apply failed" 4
fi
run_ok "(a) clear" ns_exec gw "$SHAPE" -f "$CONF" clear
run_ok "(a) nothing of Outpost's left after clear" sh_nothing_installed gw

sh_share_wan0
sh_conf "$CONF" "$(sh_region_b wan0 10mbit)"
run_ok "(b) apply both regions on wan0" ns_exec gw "$SHAPE" -f "$CONF" apply
if [ "$RUN_STATUS" = 0 ]; then
	both b isp
else
	skip "apply failed" 4
fi
done_testing
