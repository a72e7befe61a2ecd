#!/bin/bash
# health-caps.sh: a tracker without CAP_NET_RAW (as the daemon would be
# if it dropped it). With the namespace's default ping_group_range ("1 0":
# no unprivileged ICMP) the probes cannot run, and the line goes down
# with the engine's reason, "probe failed: ...", not as lost probes; with
# unprivileged ICMP allowed the line stays up and its probes still leave
# by tel0 (SO_BINDTODEVICE on an unbound socket needs no capability on
# Linux >= 5.7).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
. "$top_srcdir/tests/rt/health-lib.sh"
require_root
require_cmd python3
require_cmd setpriv

hl_world || bail "the test world could not be built"
NORAW="setpriv --bounding-set=-net_raw --inh-caps=-net_raw"

LOG=$NETNS_TMP/noraw.log
ns_sysctl node net.ipv4.ping_group_range="1 0"
ns_exec node $NORAW "$HEALTH_RUN" tel0 icmp "$RT_FAR4" 200 3 2 1.5 >"$LOG" 2>"$LOG.err"
is "$?" 0 "the driver ran"
is "$(hl_changes "$LOG")" 1 "one change"
like "$(hl_field "$LOG" down why)" '^probe failed: cannot open an ICMP socket: raw sockets need CAP_NET_RAW' \
	"down, naming the missing capability"
is "$(hl_final "$LOG" state)" down "still down at the end"

LOG=$NETNS_TMP/dgram.log
before=$(rt_count gtel 4)
ns_sysctl node net.ipv4.ping_group_range="0 2147483647"
ns_exec node $NORAW "$HEALTH_RUN" tel0 icmp "$RT_FAR4" 200 3 2 1.5 >"$LOG" 2>"$LOG.err"
is "$?" 0 "the driver ran"
is "$(hl_changes "$LOG")" 0 "unprivileged ICMP sockets: no change"
is "$(hl_final "$LOG" loss)" 0 "no loss"
n=$(( $(rt_count gtel 4) - before ))
hl_ok "[ $n -ge 5 ]" "the probes reached gtel ($n)"
is "$(rt_count gcnc 4)" 0 "none by cnc0"
done_testing
