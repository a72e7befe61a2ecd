# shape-rate-lib.sh: the body of shape-rate.sh (IPv4) and shape-rate6.sh
# (IPv6), sourced with FAM set to 4 or 6. One region (sh_conf: line
# 100mbit, origin 20mbit, P2P 30mbit) applied by outpost-shape; then, one
# or two transfers at a time, the rate that arrives at the receiver, measured by
# its link-layer counter after a warm-up:
#   origin upload   dev -> origin (egress of wan0)      20 Mbit/s +-5 %
#   origin download origin -> dev (iperf3 -R, the IFB)  20 Mbit/s +-5 %
#   P2P upload/download between dev port 6881 and a remote peer
#                                                       30 Mbit/s +-5 %
#   business upload/download to the Internet (SH_NET)  100 Mbit/s +-5 %
#     (unshaped by the caps: only the line's own rate holds it)
# The P2P transfer has port 6881 on both ends (iperf3 --cport 6881 to a
# server on 6881), so it is P2P whichever side the classifier looks at;
# each P2P run binds its own device address (dev answers for all of
# 10.20.1.0/24 and 2001:db8:20:1::/64) so no TIME_WAIT of the previous
# run holds the port.
sh_begin iperf3

if [ "$FAM" = 4 ]; then
	ORIGIN=$SH_ORIGIN4 NET=$SH_NET4 PEER=$SH_PEER4 DEV=$SH_DEV4 DEVX=10.20.1.
	M=ip
else
	ORIGIN=$SH_ORIGIN6 NET=$SH_NET6 PEER=$SH_PEER6 DEV=$SH_DEV6 DEVX=2001:db8:20:1::
	M=ip6
fi
CONF=$NETNS_TMP/outpost.conf
sh_conf "$CONF"
run_ok "apply the region" ns_exec gw "$SHAPE" -f "$CONF" apply
[ "$RUN_STATUS" = 0 ] || bail "apply failed, nothing to measure"

# Counters: what reaches isp from dev, what reaches dev from isp.
sh_count_add isp up_origin $M daddr "$ORIGIN" meta l4proto tcp
sh_count_add isp up_peer $M daddr "$PEER" meta l4proto tcp
sh_count_add isp up_net $M daddr "$NET" meta l4proto tcp
sh_count_add dev down_origin $M saddr "$ORIGIN" meta l4proto tcp
sh_count_add dev down_peer $M saddr "$PEER" meta l4proto tcp
sh_count_add dev down_net $M saddr "$NET" meta l4proto tcp
sh_iperf_server isp "$ORIGIN" 5201 || bail "iperf3 server on $ORIGIN"
sh_iperf_server isp "$PEER" 6881 || bail "iperf3 server on $PEER"
sh_iperf_server isp "$NET" 5202 || bail "iperf3 server on $NET"

# Three windows of two transfers each, in classes that do not share
# anything: an upload's ACKs ride the other direction's class of the
# same kind, so each pair is one kind up and another kind down.
sh_flows_start dev "$ORIGIN" 5201 -B "$DEV"
sh_flows_start dev "$PEER" 6881 -B "${DEVX}11" --cport 6881 -R
sh_flows_rates isp:up_origin dev:down_peer
read -r up down <<<"$SH_RATES"
sh_check_rate "IPv$FAM origin upload (egress wan0)" "$up" 20 5
sh_check_rate "IPv$FAM P2P download, port 6881 (ingress, ifb-wan0)" "$down" 30 5
sh_flows_start dev "$ORIGIN" 5201 -B "$DEV" -R
sh_flows_start dev "$PEER" 6881 -B "${DEVX}12" --cport 6881
sh_flows_rates dev:down_origin isp:up_peer
read -r down up <<<"$SH_RATES"
sh_check_rate "IPv$FAM origin download (ingress, ifb-wan0)" "$down" 20 5
sh_check_rate "IPv$FAM P2P upload, port 6881 (egress wan0)" "$up" 30 5
# Business alone in each direction: nothing caps it below the line.
r=$(sh_flow_rate isp:up_net dev "$NET" 5202 -B "$DEV")
sh_check_rate "IPv$FAM business upload: the line's rate" "$r" 100 5
r=$(sh_flow_rate dev:down_net dev "$NET" 5202 -B "$DEV" -R)
sh_check_rate "IPv$FAM business download: the line's rate" "$r" 100 5
done_testing
