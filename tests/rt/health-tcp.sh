#!/bin/bash
# health-tcp.sh: "track = tcp 192.0.2.9:PORT" on tel0 (interval 200 ms,
# down-after 3, up-after 2) against gtel: a listener keeps the line up
# with an RTT; the listener gone (connections refused) takes it down and
# back up when it returns; a port gtel REJECTs and a port it DROPs are
# down from the start, with every round lost and no RTT. The connections
# leave by tel0 even though the main table's way to 192.0.2.0/24 is cnc0.
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
SLACK=400

# listen PORT: accept and close, in gtel; pid in LISTEN_PID.
listen()
{
	bg_run gtel python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.9", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    c.close()
' "$1"
	LISTEN_PID=$BG_PID
	_listening() { ns_exec gtel ss -Hltn "sport = :$1" | grep -q LISTEN; }
	wait_until 5 _listening "$1"
}

ns_exec gtel nft -f - <<'NFT' || bail "nft table"
table inet hltcp {
	chain input {
		type filter hook input priority 10; policy accept;
		tcp dport 8081 reject with tcp reset
		tcp dport 8082 drop
	}
}
NFT

# ---- an open port, then refused, then open again ----
listen 8080 || bail "no listener in gtel"
LOG=$NETNS_TMP/open.log
hl_run "$LOG" tcp "$RT_FAR4:8080" 200 3 2 9
wait_until 3 grep -q started "$LOG" || bail "the driver did not start: $(cat "$LOG.err")"
sleep 1.6
is "$(hl_changes "$LOG")" 0 "listener: no change in 1.6 s"
ok "$([ "$(rt_count gtel 4)" -ge 12 ]; echo $?)" "the connections reached gtel ($(rt_count gtel 4) packets)"
is "$(rt_count gcnc 4)" 0 "none by cnc0"

t_gone=$(hl_now)
bg_kill "$LISTEN_PID"
hl_wait "$LOG" down 4 || diag "no down: $(cat "$LOG")"
took=$(( $(hl_field "$LOG" down t_ms) - t_gone ))
hl_ok "[ $took -le $((3 * 200 + 200 + SLACK)) ]" "listener gone: down after ${took} ms"
is "$(hl_field "$LOG" down why)" "3 of 3 probes lost" "why: the refused connections"

t_back=$(hl_now)
listen 8080 || bail "no listener again"
hl_wait "$LOG" up 4 || diag "no up: $(cat "$LOG")"
took=$(( $(hl_field "$LOG" up t_ms) - t_back ))
hl_ok "[ $took -le $((2 * 200 + 200 + SLACK + 500)) ]" "listener back: up after ${took} ms (starting python included)"
is "$(hl_field "$LOG" up why)" "2 probes answered" "why: the answers"
rtt=$(hl_field "$LOG" up rtt_ms)
hl_ok "python3 -c 'import sys; sys.exit(not 0 <= float(sys.argv[1]) < 100)' '$rtt'" "an RTT ($rtt ms)"
wait "$HL_PID"
is "$?" 0 "the driver ran to its end (no sanitizer report)"
is "$(hl_changes "$LOG")" 2 "two changes in all"
is "$(hl_final "$LOG" track)" "tcp $RT_FAR4:8080" "final track"
is "$(hl_final "$LOG" state)" up "final state up"

# ---- ports gtel rejects and drops: down from the start ----
for port in 8081 8082; do
	LOG=$NETNS_TMP/port$port.log
	hl_run "$LOG" tcp "$RT_FAR4:$port" 200 3 2 2
	wait "$HL_PID"
	what=$([ $port = 8081 ] && echo REJECT || echo DROP)
	is "$(hl_changes "$LOG")" 1 "$what: one change"
	is "$(hl_field "$LOG" down why)" "3 of 3 probes lost" "$what: down, 3 of 3 lost"
	start=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["t_ms"])' "$LOG")
	took=$(( $(hl_field "$LOG" down t_ms) - start ))
	hl_ok "[ $took -le $((3 * 200 + SLACK)) ]" "$what: down ${took} ms after the start"
	is "$(hl_field "$LOG" down loss)" 1 "$what: loss 1"
	is "$(hl_field "$LOG" down rtt_ms)" null "$what: no RTT"
	is "$(hl_final "$LOG" state)" down "$what: still down at the end"
done
is "$(rt_count gcnc 4)" 0 "no connection ever left by cnc0"
done_testing
