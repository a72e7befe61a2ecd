#!/bin/bash
# p2pd-region.sh: a region of 8 devices running outpost-p2pd on a LAN
# behind one leased line capped at 20 Mbit/s (region-lib.sh), nginx as
# the origin. One package (P2PD_TEST_MIB, default 16 MiB) is added on
# every device at once, by URL:
#  - every device finishes with the right SHA-256;
#  - the origin (nginx's log, by client address) sent the region at
#    most 1.05 times the package: each piece crossed the line once;
#  - all finished within 1.25 times S / 20 Mbit/s plus start-up (5 s:
#    the daemons' settling, the .torrent, the last pieces over the LAN);
#  - each done event counts origin and LAN bytes that add up.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
N=8
p2pd_region_begin "${P2PD_TEST_MIB:-16}" a:$N
want=$PKG_SHA size=$PKG_SIZE torrent_bytes=$PKG_TORRENT
# shellcheck disable=SC2046
p2pd_start_all $(region_devs a)

t0=$(date +%s.%N)
p2pd_add_all "$REGION_WEB/pkg.torrent" $(region_devs a)
run_ok "all $N devices finish" wait_until 120 p2pd_all_seeding $(region_devs a)
t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc -l)
is "$(p2pd_bad_copies pkg "$want" $(region_devs a))" 0 "every device has the right SHA-256"

# what the line carried to the region: the package and 8 .torrent files
origin=$(($(region_origin_bytes a) - N * torrent_bytes))
ratio=$(p2pd_ratio "$origin")
diag "origin sent $origin bytes for a $size-byte package: x$ratio"
ok "$(p2pd_le "$ratio" 1.05)" "origin bytes within 1.05 x the package (x$ratio)"
bound=$(echo "$size * 8 / $(region_rate_bps "$REGION_WAN_RATE") * 1.25 + 5" | bc -l)
diag "all finished in $(printf '%.1f' "$secs") s; the bound is $(printf '%.1f' "$bound") s"
ok "$(p2pd_le "$secs" "$bound")" \
	"all finished within 1.25 x S/20 Mbit/s + 5 s ($(printf '%.1f' "$secs") s)"

sum=0
for d in $(region_devs a); do
	f=$(ls "$T/$d/spool/new/"*.p2p.done 2>/dev/null | head -1)
	[ -n "$f" ] || { diag "$d: no done event"; continue; }
	o=$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1])); print(e["data"]["origin_bytes"] + e["data"]["lan_bytes"])' "$f" 2>/dev/null || echo 0)
	[ "$o" -ge "$size" ] && sum=$((sum + 1))
done
is "$sum" "$N" "every done event counts at least the package in origin + LAN bytes"
for d in $(region_devs a); do
	diag "$d: $(p2pd_cli "$d" list | tail -n +2)"
done
p2p_diag_logs a1/log
done_testing
