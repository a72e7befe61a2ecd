#!/bin/bash
# shape-change.sh: re-applying a changed origin-rate during a running
# transfer. An origin download, then an origin upload (one at a time:
# see phase), runs while origin-rate goes 20mbit -> 10mbit -> 30mbit by
# re-applying the config.
# Each receiver's link-layer byte count (rx_bytes of its interface:
# everything the origin class upstream let through) is sampled every
# 100 ms all along:
#  - no 100 ms sample above the higher of the two caps around it x 1.10:
#    a class may send one burst (at most a few ms of its rate) on top of
#    its rate within any window, which in a window as short as 100 ms is
#    up to a few percent, and one sample's edges cut packets; 10 % leaves
#    room for both and still catches any unshaped moment (line speed is
#    3 to 10 times the caps). The worst sample is printed;
#  - before the first change and after each (1.5 s to settle), the rate
#    over 3 s is within 5 % of the cap in force;
#  - no gap: the origin class was changed in place: its byte counters
#    (tc -s class show, on wan0 and ifb-wan0) never go down across a
#    change, its ceil is the new rate, and the nft table (its handle and
#    every rule's handle) is untouched, as only rates changed.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
sh_begin iperf3

CONF=$NETNS_TMP/outpost.conf
conf_rate()
{
	sh_conf "$CONF"
	sed -i "s/^origin-rate = .*/origin-rate = $1/" "$CONF"
}
conf_rate 20mbit
run_ok "apply origin-rate 20mbit" ns_exec gw "$SHAPE" -f "$CONF" apply
[ "$RUN_STATUS" = 0 ] || bail "apply failed, nothing to measure"

# The origin class: the one class with a ceil of 20 Mbit/s (P2P has 30,
# business and the line 100); its id stays while its rate changes.
CLS=$(sh_tc_classes gw wan0 | python3 -c '
import json, sys
c = [k for k, v in json.load(sys.stdin).items() if v.get("ceil_bps") == 20000000]
print(c[0] if len(c) == 1 else "")')
[ -n "$CLS" ] || bail "no single class with ceil 20Mbit on wan0: $(ns_exec gw tc class show dev wan0)"
diag "origin class: $CLS"

# class_bytes DEV: "BYTES CEIL" of the origin class on DEV.
class_bytes()
{
	sh_tc_classes gw "$1" | python3 -c '
import json, sys
c = json.load(sys.stdin).get(sys.argv[1], {})
print(c.get("bytes", -1), c.get("ceil_bps", -1))' "$CLS"
}
# nft_handles: the table's handle and its rules' handles, one line.
nft_handles()
{
	ns_exec gw nft -j -a list table inet outpost | python3 -c '
import json, sys
h = []
for x in json.load(sys.stdin)["nftables"]:
    for k in ("table", "rule"):
        if k in x:
            h.append("%s:%s" % (k, x[k]["handle"]))
print(" ".join(h))'
}

sh_iperf_server isp "$SH_ORIGIN4" 5201 || bail "iperf3 server"

# change RATE NAME: re-apply with origin-rate RATE during the transfer;
# its start time goes to NAME.
change()
{
	local rate=$1 hb ha bd bu ad au ceil_d ceil_u
	hb=$(nft_handles)
	read -r bu _ < <(class_bytes wan0)
	read -r bd _ < <(class_bytes ifb-wan0)
	conf_rate "$rate"
	printf -v "$2" '%s' "$(date +%s.%N)"
	run_ok "$DIR: apply origin-rate $rate during the transfer" ns_exec gw "$SHAPE" -f "$CONF" apply
	read -r au ceil_u < <(class_bytes wan0)
	read -r ad ceil_d < <(class_bytes ifb-wan0)
	ha=$(nft_handles)
	st=0; [ "$au" -ge "$bu" ] && [ "$ad" -ge "$bd" ] || st=1
	ok "$st" "$DIR -> $rate: class $CLS changed in place (bytes wan0 $bu -> $au, ifb-wan0 $bd -> $ad)"
	is "$ceil_u $ceil_d" "${rate%mbit}000000 ${rate%mbit}000000" \
		"$DIR -> $rate: the class's ceil is the new rate on wan0 and ifb-wan0"
	is "$ha" "$hb" "$DIR -> $rate: nft table and rule handles unchanged (no nft commit)"
}

# phase DIR: one transfer (down: origin -> dev, sampled at dev; up: dev ->
# origin, sampled at isp) through 20mbit -> 10mbit -> 30mbit. Download
# and upload take turns: at once, the download's ACKs would queue behind
# the upload's data in the same pfifo leaf and starve the download.
phase()
{
	local rx=$1 res n worst wt wb r20 r10 r30 st
	shift
	sh_sampler "$rx" eth0 0.1 "$NETNS_TMP/$DIR.samples"
	local sampler=$SAMPLER_PID
	T0=$(date +%s.%N)
	sh_iperf dev "$SH_ORIGIN4" 5201 40 -B "$SH_DEV4" "$@"
	local flow=$BG_PID
	sleep "$SH_WARM"
	W0=$(date +%s.%N)
	sleep "$SH_SAMPLE"
	change 10mbit T1
	sleep "$SH_WARM"
	W1=$(date +%s.%N)
	sleep "$SH_SAMPLE"
	change 30mbit T2
	sleep "$SH_WARM"
	W2=$(date +%s.%N)
	sleep "$SH_SAMPLE"
	W3=$(date +%s.%N)
	bg_kill "$flow" "$sampler"
	# Every 100 ms interval after the warm-up against the higher cap
	# around it (20/10 until the second change, 30 from the interval it
	# ends in), and the rate over each 3 s window.
	res=$(python3 - "$NETNS_TMP/$DIR.samples" "$T0" "$T1" "$T2" "$W0" "$W1" "$W2" "$W3" "$SH_WARM" <<'PY'
import sys
f, t0, t1, t2, w0, w1, w2, w3, warm = sys.argv[1], *map(float, sys.argv[2:])
s = [tuple(map(float, l.split())) for l in open(f) if len(l.split()) == 2]
worst, wt, wb, n = 0.0, 0.0, 0, 0
for (ta, ba), (tb, bb) in zip(s, s[1:]):
    if ta < t0 + warm or tb > w3:
        continue
    bound = 30e6 if tb > t2 else 20e6
    r = (bb - ba) * 8 / (tb - ta)
    n += 1
    if r / bound > worst:
        worst, wt, wb = r / bound, ta - t0, bound
def avg(a, b):
    pa = min(s, key=lambda x: abs(x[0] - a))
    pb = min(s, key=lambda x: abs(x[0] - b))
    return int((pb[1] - pa[1]) * 8 / (pb[0] - pa[0]))
print(n, "%.4f" % worst, "%.1f" % wt, int(wb), avg(w0, w0 + 3), avg(w1, w1 + 3), avg(w2, w2 + 3))
PY
)
	read -r n worst wt wb r20 r10 r30 <<<"$res"
	diag "$DIR: $n samples of 100 ms; worst $worst x its bound ($(sh_mbit "$wb") Mbit/s) at +${wt} s"
	st=0; python3 -c "import sys; sys.exit(0 if $n >= 100 and $worst <= 1.10 else 1)" || st=1
	ok "$st" "$DIR: no 100 ms sample above the higher cap x 1.10 (worst $worst, $n samples)"
	sh_check_rate "$DIR: at 20mbit before the changes" "$r20" 20 5
	sh_check_rate "$DIR: settled at 10mbit after the first change" "$r10" 10 5
	sh_check_rate "$DIR: settled at 30mbit after the second change" "$r30" 30 5
}

DIR=download
phase dev -R
conf_rate 20mbit
run_ok "back to origin-rate 20mbit" ns_exec gw "$SHAPE" -f "$CONF" apply
DIR=upload
phase isp
done_testing
