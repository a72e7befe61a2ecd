#!/bin/bash
# health-icmp.sh: a line's health tracker (rt_health) with "track = icmp
# 192.0.2.9" on tel0, interval 200 ms, down-after 3, up-after 2, driven by
# tests/tools/rt-health-run in the rt-lib.sh world with the routing a
# daemon would install done by hand. Steady: no change; echo requests
# dropped at gtel: "down" with the lost probes named in time; the drop
# removed: "up" in time; tel0 down: "down" "link down" at once, back up:
# "up" after two answers. All the while the probes leave by tel0 (gtel
# counts them) although the main table sends 192.0.2.0/24 by cnc0 (gcnc
# counts nothing).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
. "$top_srcdir/tests/rt/health-lib.sh"
require_root
require_cmd python3
require_cmd nft

hl_world || bail "the test world could not be built"
LOG=$NETNS_TMP/health.log
SLACK=400

gtel0=$(rt_count gtel 4)
hl_run "$LOG" icmp "$RT_FAR4" 200 3 2 14
wait_until 3 grep -q started "$LOG" || bail "the driver did not start: $(cat "$LOG.err")"
sleep 2.2
is "$(hl_changes "$LOG")" 0 "steady line: no change in 2 s"
gtel1=$(rt_count gtel 4)
hl_ok "[ $((gtel1 - gtel0)) -ge 8 ]" "the probes reached gtel ($((gtel1 - gtel0)) in 2 s)"
is "$(rt_count gcnc 4)" 0 "none left by cnc0, the main table's way"

# Echo requests lost at gtel (after its counter: it still sees them).
t_drop=$(hl_now)
ns_exec gtel nft -f - <<'NFT' || bail "nft drop table"
table inet hldrop {
	chain input {
		type filter hook input priority 10; policy accept;
		ip daddr 192.0.2.0/24 drop
	}
}
NFT
hl_wait "$LOG" down 4 || diag "no down: $(cat "$LOG")"
t_down=$(hl_field "$LOG" down t_ms)
took=$(( ${t_down:-999999} - t_drop ))
hl_ok "[ $took -le $((3 * 200 + 200 + SLACK)) ]" "down ${took} ms after the drop (at most 3 x 200 + 200 + $SLACK)"
hl_ok "[ $took -ge $((2 * 200)) ]" "and not before 3 rounds could be lost (${took} ms)"
is "$(hl_field "$LOG" down why)" "3 of 3 probes lost" "why names the lost probes"
loss=$(hl_field "$LOG" down loss)
hl_ok "python3 -c 'import sys; sys.exit(not 0 < float(sys.argv[1]) <= 1)' '$loss'" "loss $loss in (0, 1]"
is "$(hl_changes "$LOG" down)" 1 "one down change"

sleep 0.5
t_undrop=$(hl_now)
ns_exec gtel nft delete table inet hldrop || bail "nft delete"
hl_wait "$LOG" up 4 || diag "no up: $(cat "$LOG")"
t_up=$(hl_field "$LOG" up t_ms)
took=$(( ${t_up:-999999} - t_undrop ))
hl_ok "[ $took -le $((2 * 200 + 200 + SLACK)) ]" "up ${took} ms after the drop went (at most 2 x 200 + 200 + $SLACK)"
is "$(hl_field "$LOG" up why)" "2 probes answered" "why: the answers"
rtt=$(hl_field "$LOG" up rtt_ms)
hl_ok "python3 -c 'import sys; sys.exit(not 0 <= float(sys.argv[1]) < 100)' '$rtt'" "an RTT ($rtt ms)"

# The link: down at once, up after answers (routes of a downed link go:
# put the table's default back, as the daemon would).
sleep 0.5
t_link=$(hl_now)
ns_exec node ip link set tel0 down
hl_wait "$LOG" down 2 2 || diag "no link down: $(cat "$LOG")"
t_down=$(hl_field "$LOG" down t_ms 2)
took=$(( ${t_down:-999999} - t_link ))
is "$(hl_field "$LOG" down why 2)" "link down" "tel0 down: why link down"
hl_ok "[ $took -le $((50 + SLACK)) ]" "at once: ${took} ms (the driver looks every 50 ms)"
sleep 1
is "$(hl_changes "$LOG")" 3 "nothing more while the link is down"
t_link=$(hl_now)
ns_exec node ip link set tel0 up
ns_exec node ip route replace default via 198.51.100.1 dev tel0 table 150
hl_wait "$LOG" up 4 2 || diag "no up after link: $(cat "$LOG")"
is "$(hl_field "$LOG" up why 2)" "2 probes answered" "link back: up after 2 answers, not at once"
t_up=$(hl_field "$LOG" up t_ms 2)
took=$(( ${t_up:-999999} - t_link ))
hl_ok "[ $took -le $((3000)) ]" "up ${took} ms after the link came back"

wait "$HL_PID"
is "$?" 0 "the driver ran to its end"
is "$(hl_changes "$LOG")" 4 "four changes in all: each told once"
is "$(hl_final "$LOG" state)" up "final state up"
is "$(hl_final "$LOG" track)" "icmp $RT_FAR4" "final track"
is "$(hl_final "$LOG" rounds)" 10 "the window holds 10 rounds"
is "$(rt_count gcnc 4)" 0 "no probe ever left by cnc0"
done_testing
