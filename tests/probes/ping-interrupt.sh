#!/bin/bash
# ping-interrupt.sh: ^C (SIGINT) ends a long ping like ping(8) does: each
# target is reported with what it has, the probes still waiting for
# their reply not counted as sent, so a target that answers everything
# shows no loss; exit 0 when all were reached. A second target that never
# answers is unreachable (exit 1).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/ping-lib.sh"

require_root
require_cmd python3
ping_world || bail "cannot build the namespaces"
ping_targets 10.9.0.0/24 || bail "no target prefix"
route_add t blackhole 10.9.1.0/24
route_add p 10.9.1.0/24 via 10.0.0.2
# Longer than the interval: at ^C a probe is always in flight.
netem p eth0 delay 150ms || bail "no delay"
T=$NETNS_TMP
plan 7

# interrupt SECONDS OUT ARGS...: run, SIGINT after SECONDS; RC holds the status.
interrupt()
{
	local s=$1 out=$2 pid
	shift 2
	# ip netns exec and env replace themselves with the probe, so the pid
	# is the probe's; a background job of a script starts with SIGINT
	# ignored, which env puts back to the default.
	ip netns exec "$(ns p)" env --default-signal=INT "$PROBE" "$@" >"$out" 2>"$out.err" &
	pid=$!
	sleep "$s"
	kill -INT "$pid"
	RC=0
	wait "$pid" || RC=$?
}

interrupt 1.5 "$T/one.txt" ping -c 100 -i 100ms 10.9.0.5
is "$RC" 0 "interrupted with every reply in: exit 0"
like "$(cat "$T/one.txt")" '--- 10.9.0.5 ping statistics ---' "the ping(8) summary is printed"
n=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$T/one.txt")
read -r sent recv <<<"$n"
ok "$([ -n "$sent" ] && [ "$sent" -ge 10 ] && [ "$sent" -le 16 ] && echo 0 || echo 1)" \
	"about 1.5 s of probes counted ($sent)"
is "$recv" "$sent" "the probe in flight at ^C is not counted as sent: no false loss"

interrupt 1.5 "$T/two.json" ping --json -c 100 -i 100ms -W 1s 10.9.0.5 10.9.1.5
is "$RC" 1 "one silent target: exit 1"
is "$(json_field "$T/two.json" 'sorted((o["dst"], o["outcome"]) for o in L)')" \
	"[('10.9.0.5', 'reached'), ('10.9.1.5', 'unreachable')]" "both reported, with their outcome"
is "$(json_field "$T/two.json" '[o["sent"] == o["received"] for o in L if o["dst"] == "10.9.0.5"][0]')" \
	True "the answering target: received == sent"
done_testing
